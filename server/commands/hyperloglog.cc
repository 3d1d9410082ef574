#include "server/commands/hyperloglog.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace redrock::server::hll {

namespace {

constexpr int kZeroMaxLen = 64;
constexpr int kValMaxValue = 32;
constexpr int kValMaxLen = 4;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

inline bool IsZero(uint8_t op) { return (op & 0xc0) == 0; }
inline bool IsXZero(uint8_t op) { return (op & 0xc0) == 0x40; }
inline bool IsVal(uint8_t op) { return (op & 0x80) != 0; }
inline int ZeroLen(uint8_t op) { return (op & 0x3f) + 1; }
inline int XZeroLen(uint8_t op, uint8_t next) { return (((op & 0x3f) << 8) | next) + 1; }
inline int ValValue(uint8_t op) { return ((op >> 2) & 0x1f) + 1; }
inline int ValLen(uint8_t op) { return (op & 0x3) + 1; }
inline uint8_t ValOp(int value, int len) { return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1)); }

// Appends a zero run of 1..16384 registers: ZERO up to 64, XZERO beyond.
void AppendZeroRun(std::string& out, int len) {
  if (len > kZeroMaxLen) {
    out.push_back(static_cast<char>(0x40 | ((len - 1) >> 8)));
    out.push_back(static_cast<char>((len - 1) & 0xff));
  } else {
    out.push_back(static_cast<char>(len - 1));
  }
}

uint8_t* Registers(std::string& value) { return reinterpret_cast<uint8_t*>(value.data()) + kHeaderSize; }
const uint8_t* Registers(std::string_view value) {
  return reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
}

// Sets a dense register when count is larger. 1 when changed.
int DenseSet(uint8_t* registers, int index, uint8_t count) {
  if (count <= DenseGet(registers, index)) return 0;
  DenseSetRaw(registers, index, count);
  return 1;
}

// Redis's Step 4: after an edit, merges adjacent VALs of one value (total length <= 4), scanning up to
// five opcodes from `start` (the opcode before the edited one, or the first).
void MergeWindow(std::string& value, size_t start) {
  size_t p = start;
  int scan = 5;
  while (p < value.size() && scan-- > 0) {
    const uint8_t op = static_cast<uint8_t>(value[p]);
    if (IsXZero(op)) {
      p += 2;
      continue;
    }
    if (IsZero(op)) {
      p += 1;
      continue;
    }
    if (p + 1 < value.size() && IsVal(static_cast<uint8_t>(value[p + 1]))) {
      const uint8_t op2 = static_cast<uint8_t>(value[p + 1]);
      const int len = ValLen(op) + ValLen(op2);
      if (ValValue(op) == ValValue(op2) && len <= kValMaxLen) {
        value[p + 1] = static_cast<char>(ValOp(ValValue(op), len));
        value.erase(p, 1);
        continue;  // try the merged opcode with the one on its right
      }
    }
    p += 1;
  }
}

int Promote(std::string& value, int index, uint8_t count) {
  if (!ToDense(value)) return -1;
  DenseSet(Registers(value), index, count);
  return 1;
}

int SparseSet(std::string& value, int index, uint8_t count, int64_t sparse_max_bytes) {
  if (count > kValMaxValue) return Promote(value, index, count);

  // Find the opcode covering `index`.
  size_t p = kHeaderSize;
  size_t prev = std::string::npos;
  int first = 0, span = 0;
  const size_t end = value.size();
  while (p < end) {
    const uint8_t op = static_cast<uint8_t>(value[p]);
    size_t oplen = 1;
    if (IsZero(op)) {
      span = ZeroLen(op);
    } else if (IsVal(op)) {
      span = ValLen(op);
    } else {
      span = XZeroLen(op, p + 1 < end ? static_cast<uint8_t>(value[p + 1]) : 0);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;

  const uint8_t op = static_cast<uint8_t>(value[p]);
  const bool is_val = IsVal(op), is_xzero = IsXZero(op), is_zero = IsZero(op);
  const size_t merge_from = prev == std::string::npos ? kHeaderSize : prev;
  if (is_val) {
    if (ValValue(op) >= count) return 0;
    if (ValLen(op) == 1) {
      value[p] = static_cast<char>(ValOp(count, 1));
      MergeWindow(value, merge_from);
      InvalidateCache(value);
      return 1;
    }
  }
  if (is_zero && ZeroLen(op) == 1) {
    value[p] = static_cast<char>(ValOp(count, 1));
    MergeWindow(value, merge_from);
    InvalidateCache(value);
    return 1;
  }

  // Split the opcode into up to three: left part, our register, right part.
  std::string seq;
  const int last = first + span - 1;
  if (is_val) {
    const int cur = ValValue(op);
    if (index != first) seq.push_back(static_cast<char>(ValOp(cur, index - first)));
    seq.push_back(static_cast<char>(ValOp(count, 1)));
    if (index != last) seq.push_back(static_cast<char>(ValOp(cur, last - index)));
  } else {
    if (index != first) AppendZeroRun(seq, index - first);
    seq.push_back(static_cast<char>(ValOp(count, 1)));
    if (index != last) AppendZeroRun(seq, last - index);
  }
  const size_t oldlen = is_xzero ? 2 : 1;
  const int64_t delta = static_cast<int64_t>(seq.size()) - static_cast<int64_t>(oldlen);
  if (delta > 0 && static_cast<int64_t>(value.size()) + delta > sparse_max_bytes) {
    return Promote(value, index, count);
  }
  value.replace(p, std::min(oldlen, end - p), seq);
  MergeWindow(value, merge_from);
  InvalidateCache(value);
  return 1;
}

void Histogram(std::string_view value, int* histo, bool* invalid) {
  if (Encoding(value) == kDense) {
    const uint8_t* regs = Registers(value);
    for (int i = 0; i < kRegisters; ++i) histo[DenseGet(regs, i)]++;
    return;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(value.data()) + value.size();
  int idx = 0;
  while (p < end) {
    if (IsZero(*p)) {
      const int len = ZeroLen(*p);
      idx += len;
      histo[0] += len;
      p += 1;
    } else if (IsXZero(*p)) {
      const int len = XZeroLen(*p, p + 1 < end ? p[1] : 0);
      idx += len;
      histo[0] += len;
      p += 2;
    } else {
      const int len = ValLen(*p);
      idx += len;
      histo[ValValue(*p)] += len;
      p += 1;
    }
  }
  if (idx != kRegisters && invalid != nullptr) *invalid = true;
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prime = z;
    z += x * y;
    y += y;
  } while (z_prime != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prime != z);
  return z / 3;
}

uint64_t Estimate(const int* histo) {
  const double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  return static_cast<uint64_t>(std::llroundl(kAlphaInf * m * m / z));
}

}  // namespace

uint64_t MurmurHash64A(std::string_view data, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const size_t len = data.size();
  // Redis passes the length as an int and multiplies it as such (sign-extended).
  uint64_t h = seed ^ (static_cast<uint64_t>(static_cast<int64_t>(static_cast<int>(len))) * m);
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t blocks = len / 8;
  for (size_t i = 0; i < blocks; ++i, p += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | p[b];
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const size_t rest = len & 7;
  if (rest != 0) {
    for (size_t b = rest; b-- > 0;) h ^= static_cast<uint64_t>(p[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatternLength(std::string_view element, int* index) {
  uint64_t hash = MurmurHash64A(element, 0xadc83b19ULL);
  *index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the loop ends by bit kQ: count <= kQ + 1
  int count = 1;
  uint64_t bit = 1;
  while ((hash & bit) == 0) {
    ++count;
    bit <<= 1;
  }
  return count;
}

std::string NewSparse() {
  std::string value(kHeaderSize, '\0');
  std::memcpy(value.data(), "HYLL", 4);
  value[4] = static_cast<char>(kSparse);
  AppendZeroRun(value, kRegisters);
  return value;
}

bool LooksValid(std::string_view value) {
  if (value.size() < kHeaderSize) return false;
  if (value.substr(0, 4) != "HYLL") return false;
  const uint8_t enc = Encoding(value);
  if (enc > kSparse) return false;
  if (enc == kDense && value.size() != kDenseSize) return false;
  return true;
}

uint64_t CachedCardinality(std::string_view value) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(value[8 + i]);
  return card;
}

void StoreCardinality(std::string& value, uint64_t card) {
  for (int i = 0; i < 8; ++i) value[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

uint8_t DenseGet(const uint8_t* registers, int index) {
  const size_t byte = static_cast<size_t>(index) * kBits / 8;
  const unsigned fb = (static_cast<unsigned>(index) * kBits) & 7;
  const unsigned b0 = registers[byte];
  // The last register's bits end inside its byte: Redis reads the string's terminator (0) as b1.
  const unsigned b1 = byte + 1 < kDenseSize - kHeaderSize ? registers[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
}

void DenseSetRaw(uint8_t* registers, int index, uint8_t value) {
  const size_t byte = static_cast<size_t>(index) * kBits / 8;
  const unsigned fb = (static_cast<unsigned>(index) * kBits) & 7;
  const unsigned fb8 = 8 - fb;
  const unsigned v = value;
  registers[byte] = static_cast<uint8_t>((registers[byte] & ~(kRegisterMax << fb)) | (v << fb));
  if (byte + 1 < kDenseSize - kHeaderSize) {
    registers[byte + 1] =
        static_cast<uint8_t>((registers[byte + 1] & ~(kRegisterMax >> fb8)) | (v >> fb8));
  }
}

int SetRegister(std::string& value, int index, uint8_t count, int64_t sparse_max_bytes) {
  if (Encoding(value) == kDense) return DenseSet(Registers(value), index, count);
  if (Encoding(value) == kSparse) return SparseSet(value, index, count, sparse_max_bytes);
  return -1;
}

int Add(std::string& value, std::string_view element, int64_t sparse_max_bytes) {
  int index = 0;
  const int count = PatternLength(element, &index);
  return SetRegister(value, index, static_cast<uint8_t>(count), sparse_max_bytes);
}

bool ToDense(std::string& value) {
  if (Encoding(value) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), value.data(), kHeaderSize);  // magic and cached cardinality
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = Registers(dense);
  const auto* p = reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(value.data()) + value.size();
  int idx = 0;
  while (p < end) {
    if (IsZero(*p)) {
      idx += ZeroLen(*p);
      p += 1;
    } else if (IsXZero(*p)) {
      idx += XZeroLen(*p, p + 1 < end ? p[1] : 0);
      p += 2;
    } else {
      const int len = ValLen(*p), val = ValValue(*p);
      if (idx + len > kRegisters) break;
      for (int i = 0; i < len; ++i) DenseSetRaw(regs, idx++, static_cast<uint8_t>(val));
      p += 1;
    }
  }
  if (idx != kRegisters) return false;
  value = std::move(dense);
  return true;
}

bool MergeInto(uint8_t* max, std::string_view value) {
  if (Encoding(value) == kDense) {
    const uint8_t* regs = Registers(value);
    for (int i = 0; i < kRegisters; ++i) {
      const uint8_t v = DenseGet(regs, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(value.data()) + value.size();
  int i = 0;
  while (p < end) {
    if (IsZero(*p)) {
      i += ZeroLen(*p);
      p += 1;
    } else if (IsXZero(*p)) {
      i += XZeroLen(*p, p + 1 < end ? p[1] : 0);
      p += 2;
    } else {
      const int len = ValLen(*p), val = ValValue(*p);
      if (i + len > kRegisters) break;
      for (int k = 0; k < len; ++k, ++i) {
        if (val > max[i]) max[i] = static_cast<uint8_t>(val);
      }
      p += 1;
    }
  }
  return i == kRegisters;
}

uint64_t Count(std::string_view value, bool* invalid) {
  int histo[64] = {0};
  Histogram(value, histo, invalid);
  return Estimate(histo);
}

uint64_t CountRaw(const uint8_t* registers) {
  int histo[64] = {0};
  for (int i = 0; i < kRegisters; ++i) histo[registers[i] & 63]++;
  return Estimate(histo);
}

std::string Decode(std::string_view value) {
  std::string out;
  const auto* p = reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(value.data()) + value.size();
  while (p < end) {
    if (IsZero(*p)) {
      out += "z:" + std::to_string(ZeroLen(*p)) + " ";
      p += 1;
    } else if (IsXZero(*p)) {
      out += "Z:" + std::to_string(XZeroLen(*p, p + 1 < end ? p[1] : 0)) + " ";
      p += 2;
    } else {
      out += "v:" + std::to_string(ValValue(*p)) + "," + std::to_string(ValLen(*p)) + " ";
      p += 1;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string SelfTest(int64_t sparse_max_bytes) {
  std::mt19937_64 rng(std::random_device{}());
  // 1. Register access: random values read back, neighbours untouched.
  std::vector<uint8_t> dense(kDenseSize - kHeaderSize, 0);
  std::vector<uint8_t> bytes(kRegisters);
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (int i = 0; i < kRegisters; ++i) {
      bytes[i] = static_cast<uint8_t>(rng() & kRegisterMax);
      DenseSetRaw(dense.data(), i, bytes[i]);
    }
    for (int i = 0; i < kRegisters; ++i) {
      const uint8_t v = DenseGet(dense.data(), i);
      if (v != bytes[i]) {
        return "TESTFAILED Register " + std::to_string(i) + " should be " + std::to_string(bytes[i]) +
               " but is " + std::to_string(v);
      }
    }
  }
  // 2. Approximation error, dense and sparse side by side, at cardinalities 1, 10, ... 10^7.
  std::string d(kDenseSize, '\0');
  std::memcpy(d.data(), "HYLL", 4);
  std::string s = NewSparse();
  const double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  int64_t checkpoint = 1;
  const uint64_t seed = rng();
  for (int64_t j = 1; j <= 10000000; ++j) {
    const uint64_t ele = static_cast<uint64_t>(j) ^ seed;
    char buf[8];
    std::memcpy(buf, &ele, 8);  // the element's bytes as Redis hashes them (little endian)
    const std::string_view view(buf, 8);
    Add(d, view, sparse_max_bytes);
    Add(s, view, sparse_max_bytes);
    if (j != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && Encoding(s) != kSparse) return "TESTFAILED sparse encoding not used";
    const uint64_t dc = Count(d, nullptr);
    if (dc != Count(s, nullptr)) return "TESTFAILED dense/sparse disagree";
    int64_t abserr = checkpoint - static_cast<int64_t>(dc);
    uint64_t maxerr = static_cast<uint64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;
    if (abserr < 0) abserr = -abserr;
    if (abserr > static_cast<int64_t>(maxerr)) {
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) + " abserr:" + std::to_string(abserr);
    }
    checkpoint *= 10;
  }
  return "";
}

}  // namespace redrock::server::hll
