#pragma once
// ASCII case folding for the scripting caches: EVALSHA takes a sha and FCALL a function name in any case.
// The maps hash and compare case-insensitively, so a lookup does not lower-case a copy of its key.

#include <cstddef>
#include <string>
#include <string_view>

#include "server/core/args.h"

namespace redrock::server {

inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// Transparent hash and equality for std::unordered_map<std::string, T, CaseInsensitiveHash,
// CaseInsensitiveEqual>, looked up by std::string_view.
struct CaseInsensitiveHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    size_t h = 14695981039346656037ull;  // FNV-1a over the lower-cased bytes
    for (char c : s) h = (h ^ static_cast<unsigned char>(AsciiLower(c))) * 1099511628211ull;
    return h;
  }
};
struct CaseInsensitiveEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return EqualsIgnoreCase(a, b); }
};

}  // namespace redrock::server
