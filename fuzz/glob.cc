// Fuzz harness for common::GlobMatch / GlobLiteralPrefix / GlobIsLiteral.
//
// GlobMatch is compared with a reference matcher written separately below: a memoised recursion over
// (pattern position, string position) that states Redis 7.0's stringmatchlen rules directly, with no
// backtracking shortcut. Inputs are kept short so the reference stays cheap. The literal-prefix helpers
// must agree with the matcher: every string that matches starts with GlobLiteralPrefix(pattern), and a
// literal pattern matches its prefix (and nothing else).
//
// Input: one byte of flags (bit 0: nocase), one byte giving the pattern length, the pattern, then the
// string.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/glob.h"
#include "fuzz/fuzz_util.h"

namespace {

using redrock::fuzz::ByteReader;
using redrock::fuzz::Printable;

// Rules of the reference (Redis 7.0 stringmatchlen, bytes as signed chars):
//  - the pattern is walked only while string bytes remain; when the last byte has been consumed, '*'s
//    that follow are skipped and the match holds if the pattern is then used up;
//  - a run of '*'s counts as one; a '*' ending the pattern matches the rest; otherwise the rest of the
//    pattern is tried at every later position where at least one string byte remains;
//  - '?' takes one byte; '\c' (with a following byte) is the literal c; a lone trailing '\' is literal;
//  - '[' starts a class ('^' first negates): '\c' adds c (compared exactly, even with nocase), ']' ends
//    it, 'a-b' (when two more bytes follow the 'a') is the inclusive range between a and b in either
//    order, anything else is one member; a class that reaches the end of the pattern ends there;
//  - with nocase, ASCII letters fold (glibc tolower of the signed byte: negatives stay as their unsigned
//    value, except -1).
//  - Past the end the pattern reads as NUL (Redis walks a C string).
//  - Redis's 1000-deep '*' nesting limit is modelled: expanding a 1001st nested '*' fails the path.
//  - The lone pattern "*" matches everything (redrock's KEYS/SCAN rule), even "".
class Reference {
 public:
  Reference(std::string_view p, std::string_view s, bool nocase) : p_(p), s_(s), nocase_(nocase) {
    memo_.assign((p.size() + 1) * (s.size() + 1), kUnknown);
  }

  bool Match() {
    if (p_ == "*") return true;
    if (s_.empty()) return p_.empty();
    return Walk(0, 0, 0);
  }

 private:
  static constexpr int8_t kUnknown = -1;

  int P(size_t i) const { return i < p_.size() ? static_cast<signed char>(p_[i]) : 0; }
  int S(size_t i) const { return static_cast<signed char>(s_[i]); }
  int Fold(int c) const {
    if (!nocase_) return c;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 'a';
    if (c < -1) return c + 256;
    return c;
  }

  // Matches p_[pi..] against s_[si..], where si < s_.size(); `depth` stars were expanded so far. The
  // memo ignores depth, which is only exact while the depth limit is not reached: inputs are kept far
  // below 1000 stars.
  bool Walk(size_t pi, size_t si, int depth) {
    if (pi >= p_.size()) return false;  // pattern used up, string bytes left
    int8_t& memo = memo_[pi * (s_.size() + 1) + si];
    if (memo != kUnknown) return memo;
    bool result = Step(pi, si, depth);
    memo = result ? 1 : 0;
    return result;
  }

  bool Step(size_t pi, size_t si, int depth) {
    size_t next = 0;  // pattern index after a one-byte token
    switch (P(pi)) {
      case '*': {
        while (pi + 1 < p_.size() && p_[pi + 1] == '*') ++pi;
        if (pi + 1 == p_.size()) return true;
        if (depth + 1 > 1000) return false;
        for (size_t k = si; k < s_.size(); ++k) {
          if (Walk(pi + 1, k, depth + 1)) return true;
        }
        return false;
      }
      case '?':
        next = pi + 1;
        break;
      case '[':
        if (!Class(pi, S(si), &next)) return false;
        break;
      case '\\':
        if (p_.size() - pi >= 2) {
          if (Fold(P(pi + 1)) != Fold(S(si))) return false;
          next = pi + 2;
          break;
        }
        [[fallthrough]];
      default:
        if (Fold(P(pi)) != Fold(S(si))) return false;
        next = pi + 1;
        break;
    }
    if (si + 1 == s_.size()) {
      while (next < p_.size() && p_[next] == '*') ++next;
      return next >= p_.size();
    }
    return Walk(next, si + 1, depth);
  }

  // The class starting at p_[open] == '['.
  bool Class(size_t open, int c, size_t* next) const {
    size_t i = open + 1;
    bool negate = false;
    if (i < p_.size() && p_[i] == '^') {
      negate = true;
      ++i;
    }
    bool hit = false;
    while (true) {
      if (i >= p_.size()) {
        *next = p_.size();
        break;
      }
      const size_t left = p_.size() - i;
      const int b = P(i);
      if (b == '\\' && left >= 2) {
        if (P(i + 1) == c) hit = true;
        i += 2;
      } else if (b == ']') {
        *next = i + 1;
        break;
      } else if (left >= 3 && P(i + 1) == '-') {
        int lo = b, hi = P(i + 2);
        if (lo > hi) std::swap(lo, hi);
        if (Fold(c) >= Fold(lo) && Fold(c) <= Fold(hi)) hit = true;
        i += 3;
      } else {
        if (Fold(b) == Fold(c)) hit = true;
        i += 1;
      }
    }
    return negate ? !hit : hit;
  }

  std::string_view p_, s_;
  bool nocase_;
  std::vector<int8_t> memo_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  const bool nocase = in.Bool();
  const std::string pattern(in.Bytes(in.Byte() % 64));
  const std::string str(in.Bytes(64));

  const bool got = redrock::common::GlobMatch(pattern, str, nocase);
  const bool want = Reference(pattern, str, nocase).Match();
  FUZZ_CHECK(got == want, "common::GlobMatch('%s', '%s', nocase=%d) = %d, reference %d", Printable(pattern).c_str(),
             Printable(str).c_str(), nocase, got, want);

  const std::string prefix = redrock::common::GlobLiteralPrefix(pattern);
  if (got && !nocase && pattern != "*") {
    FUZZ_CHECK(str.compare(0, prefix.size(), prefix) == 0, "'%s' matches '%s' but lacks its prefix '%s'",
               Printable(str).c_str(), Printable(pattern).c_str(), Printable(prefix).c_str());
  }
  if (redrock::common::GlobIsLiteral(pattern)) {
    if (!prefix.empty()) {
      FUZZ_CHECK(redrock::common::GlobMatch(pattern, prefix), "literal '%s' does not match its prefix",
                 Printable(pattern).c_str());
    }
    if (!nocase) {
      FUZZ_CHECK(got == (str == prefix), "literal '%s' vs '%s': match %d", Printable(pattern).c_str(),
                 Printable(str).c_str(), got);
    }
  }
  return 0;
}
