#include "server/core/command_catalog.h"

#include <algorithm>
#include <string_view>

namespace redrock::server::catalog {

namespace {

// Entries sorted by full name (the generator's order); nullptr when absent.
const Command* FindIn(std::span<const Command> sorted, std::string_view full_name) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), full_name,
                             [](const Command& c, std::string_view name) { return c.full_name < name; });
  return it != sorted.end() && it->full_name == full_name ? &*it : nullptr;
}

}  // namespace

const Command* Find(std::string_view full_name) {
  const size_t bar = full_name.find('|');
  const Command* top = FindIn(Commands().first(TopLevelCount()), full_name.substr(0, bar));
  if (top == nullptr || bar == std::string_view::npos) return top;
  return FindIn(Subcommands(*top), full_name);
}

}  // namespace redrock::server::catalog
