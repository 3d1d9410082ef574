#include "server/commands/keyspace_events.h"

#include <unordered_set>

#include "redrock/engine/engine.h"

namespace redrock::server {

namespace {

// A read for an event only, not a lookup of the command: it counts no keyspace hit or miss.
bool Exists(CommandContext& ctx, std::string_view key) {
  engine::UncountedLookups not_a_lookup;
  auto n = ctx.engine().Exists(ctx.db(), std::span<const std::string_view>(&key, 1));
  return n.ok() && *n > 0;
}

}  // namespace

void NotifyDelIfEmptied(CommandContext& ctx, std::string_view key) {
  if (!KeyspaceEventsWanted(ctx, kNotifyGeneric)) return;
  if (!Exists(ctx, key)) NotifyKey(ctx, kNotifyGeneric, "del", key);
}

bool ExistsIfWanted(CommandContext& ctx, uint32_t type, std::string_view key) {
  return KeyspaceEventsWanted(ctx, type) && Exists(ctx, key);
}

std::vector<bool> ExistingKeysIfWanted(CommandContext& ctx, std::span<const std::string_view> keys) {
  std::vector<bool> exists;
  if (!KeyspaceEventsWanted(ctx, kNotifyGeneric)) return exists;
  exists.resize(keys.size(), false);
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!seen.insert(keys[i]).second) continue;  // DEL a a deletes (and reports) a once
    exists[i] = Exists(ctx, keys[i]);
  }
  return exists;
}

}  // namespace redrock::server
