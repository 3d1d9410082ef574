#pragma once
// A tiny argument reader for command handlers (after Kvrocks's CommandParser): EatFlag("NX"),
// TakeInt(&n). Views only; nothing is copied.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/number_format.h"

namespace redrock::server {

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

class ArgReader {
 public:
  ArgReader(std::span<const std::string_view> argv, size_t start) : argv_(argv), pos_(start) {}

  bool Done() const { return pos_ >= argv_.size(); }
  size_t Remaining() const { return Done() ? 0 : argv_.size() - pos_; }
  size_t Position() const { return pos_; }
  std::string_view Peek() const { return argv_[pos_]; }
  std::string_view Take() { return argv_[pos_++]; }

  // Consumes the next argument if it equals `flag` (case-insensitive).
  bool EatFlag(std::string_view flag) {
    if (Done() || !EqualsIgnoreCase(argv_[pos_], flag)) return false;
    ++pos_;
    return true;
  }
  // Consumes the next argument as an integer (Redis string2ll rules). False, consuming nothing, when
  // there is none or it is not an integer.
  bool TakeInt(int64_t* out) {
    if (Done() || !protocol::ParseInt64(argv_[pos_], out)) return false;
    ++pos_;
    return true;
  }

 private:
  std::span<const std::string_view> argv_;
  size_t pos_;
};

}  // namespace redrock::server
