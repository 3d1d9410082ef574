#pragma once
// Helpers shared by the fuzz harnesses (standard library only, no Catch2, no libFuzzer headers, so the
// same sources build as libFuzzer targets with clang and as the replay tests with the normal compiler).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// A failed invariant: print what went wrong and abort, which libFuzzer reports as a crash (and saves the
// input), and which fails the replay test.
#define FUZZ_CHECK(cond, ...)                                                      \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                           \
      std::fputc('\n', stderr);                                                    \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

namespace redrock::fuzz {

// Reads the fuzz input as a stream of choices. Past the end every read returns zero (or an empty view),
// so a harness never has to check for the end before each choice.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return pos_ < size_ ? size_ - pos_ : 0; }

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t U16() {
    uint16_t hi = Byte();
    return static_cast<uint16_t>(hi << 8 | Byte());
  }
  uint32_t U32() {
    uint32_t hi = U16();
    return hi << 16 | U16();
  }
  bool Bool() { return Byte() & 1; }
  // A value in [0, n) (0 when n == 0).
  size_t Below(size_t n) { return n == 0 ? 0 : (n <= 256 ? Byte() % n : U32() % n); }

  // Up to n bytes.
  std::string_view Bytes(size_t n) {
    size_t take = n < remaining() ? n : remaining();
    std::string_view out(reinterpret_cast<const char*>(data_ + pos_), take);
    pos_ += take;
    return out;
  }
  // A length-prefixed string: one byte of length (0..max_len), then that many bytes.
  std::string_view ShortString(size_t max_len = 255) { return Bytes(Byte() % (max_len + 1)); }
  std::string_view Rest() { return Bytes(remaining()); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A printable rendering of bytes for failure messages.
inline std::string Printable(std::string_view s, size_t max = 400) {
  std::string out;
  for (size_t i = 0; i < s.size() && out.size() < max; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (out.size() >= max) out += "...";
  return out;
}

}  // namespace redrock::fuzz
