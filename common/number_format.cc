#include "common/number_format.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace redrock::common {
namespace {

// Redis LONG_STR_SIZE: string2ll rejects inputs of this many bytes or more.
constexpr size_t kLongStrSize = 21;
// Redis MAX_LONG_DOUBLE_CHARS: string2ld rejects inputs of this many bytes or more.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// isspace() in the C locale, which is what Redis runs under for these checks.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

}  // namespace

bool ParseInt64(std::string_view s, int64_t* out) {
  size_t n = s.size();
  if (n == 0 || n >= kLongStrSize) return false;
  if (n == 1 && s[0] == '0') {
    if (out) *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == n) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;  // no leading zeros, no "-0"
  uint64_t v = static_cast<uint64_t>(s[i++] - '0');
  for (; i < n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > UINT64_MAX / 10) return false;
    v *= 10;
    if (v > UINT64_MAX - d) return false;
    v += d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    if (out) *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    if (out) *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  // Redis copies into a NUL-terminated buffer and requires strtold to consume all of it, so an embedded
  // NUL (where strtold stops) makes the value invalid.
  if (s.empty() || s.size() >= kMaxLongDoubleChars) return false;
  char buf[kMaxLongDoubleChars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(buf, &end);
  if (IsSpace(buf[0]) || end != buf + s.size()) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) return false;
  if (errno == EINVAL || std::isnan(v)) return false;
  if (out) *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || IsSpace(s[0])) return false;
  // strtod needs a terminator; an embedded NUL makes the parsed length differ from s.size(), so it is
  // rejected, as in Redis.
  char small[128];
  std::unique_ptr<char[]> big;
  char* buf = small;
  if (s.size() >= sizeof(small)) {
    big.reset(new char[s.size() + 1]);
    buf = big.get();
  }
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(buf, &end);
  if (static_cast<size_t>(end - buf) != s.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) return false;
  if (std::isnan(v)) return false;
  if (out) *out = v;
  return true;
}

std::string_view FormatInt64(int64_t v, char* buf) {
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  char tmp[24];
  char* p = tmp + sizeof(tmp);
  while (u >= 100) {
    unsigned idx = static_cast<unsigned>(u % 100) * 2;
    u /= 100;
    *--p = kDigitPairs[idx + 1];
    *--p = kDigitPairs[idx];
  }
  if (u >= 10) {
    unsigned idx = static_cast<unsigned>(u) * 2;
    *--p = kDigitPairs[idx + 1];
    *--p = kDigitPairs[idx];
  } else {
    *--p = static_cast<char>('0' + u);
  }
  if (v < 0) *--p = '-';
  size_t len = static_cast<size_t>(tmp + sizeof(tmp) - p);
  std::memcpy(buf, p, len);
  return std::string_view(buf, len);
}

std::string FormatLongDouble(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // "%.17Lf" of the largest long double has about 4950 characters; Redis's buffer is 5120.
  char buf[kMaxLongDoubleChars];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0 || static_cast<size_t>(n) + 1 > sizeof(buf)) return std::string();
  size_t len = static_cast<size_t>(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (len > 0 && buf[len - 1] == '0') --len;
    if (len > 0 && buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

std::string_view FormatDoubleTo(double v, char* buf) {
  if (std::isinf(v)) return v > 0 ? std::string_view("inf") : std::string_view("-inf");
  // As %.17g prints it: a NaN keeps its sign (Lua's 0/0 is -nan on x86).
  if (std::isnan(v)) return std::signbit(v) ? std::string_view("-nan") : std::string_view("nan");
  int n = std::snprintf(buf, kDoubleBufSize, "%.17g", v);
  if (n <= 0) return std::string_view();
  return std::string_view(buf, static_cast<size_t>(n));
}

std::string FormatDouble(double v) {
  char buf[kDoubleBufSize];
  return std::string(FormatDoubleTo(v, buf));
}

}  // namespace redrock::common
