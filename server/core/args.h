#pragma once
// A tiny argument reader for command handlers (after Kvrocks's CommandParser): EatFlag("NX"),
// TakeInt(&n). Views only; nothing is copied.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/ascii_case.h"
#include "common/number_format.h"

namespace redrock::server {

// Every command family compares keywords this way.
using common::EqualsIgnoreCase;

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
    if (Done() || !common::ParseInt64(argv_[pos_], out)) return false;
    ++pos_;
    return true;
  }

 private:
  std::span<const std::string_view> argv_;
  size_t pos_;
};

}  // namespace redrock::server
