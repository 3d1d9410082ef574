// KeyTypeName / ParseKeyType: the names TYPE and SCAN ... TYPE use.
#include <array>
#include <strings.h>

#include "redrock/engine/engine.h"

namespace redrock::engine {

namespace {
constexpr std::array<std::string_view, 7> kNames = {"none", "string", "hash", "set", "list", "zset", "stream"};
}

std::string_view KeyTypeName(KeyType type) {
  const auto i = static_cast<size_t>(type);
  return i < kNames.size() ? kNames[i] : "none";
}

std::optional<KeyType> ParseKeyType(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (name.size() == kNames[i].size() && strncasecmp(name.data(), kNames[i].data(), name.size()) == 0) {
      return static_cast<KeyType>(i);
    }
  }
  return std::nullopt;
}

}  // namespace redrock::engine
