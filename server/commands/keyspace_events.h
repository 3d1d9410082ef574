#pragma once
// Helpers for the keyspace-notification call sites of the command families (Redis calls
// notifyKeyspaceEvent right after each change; so do the handlers, with the same event names, classes
// and order). Everything here costs one relaxed load and a branch while notify-keyspace-events is off.
//
// Some events depend on what a command changed beyond what the engine call returns (whether a pop
// emptied the list: "del"; whether SMOVE's destination already had the member: no "sadd"). Those are
// decided by a read made only while the event would be published; the read is a separate step, so a
// concurrent write to the same key in between can add or drop such an event (Redis documents keyspace
// events as fire-and-forget; a single client always gets Redis's exact sequence). Such reads are no
// lookups of the command: they count no keyspace hit or miss (engine::UncountedLookups).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "server/core/command_table.h"
#include "server/events/notify.h"
#include "server/core/server_state.h"

namespace redrock::server {

// True when an event of class `type` would be published now.
inline bool KeyspaceEventsWanted(const CommandContext& ctx, uint32_t type) {
  const uint32_t flags = ctx.server.notify_keyspace_events.load(std::memory_order_relaxed);
  return (flags & type) && (flags & (kNotifyKeyspace | kNotifyKeyevent));
}

// The event for `key` in the client's current database.
inline void NotifyKey(CommandContext& ctx, uint32_t type, std::string_view event, std::string_view key) {
  NotifyKeyspaceEvent(ctx.server, type, event, key, ctx.db());
}

// After an operation that may have removed the last element of `key` (HDEL, SREM, LPOP, ZREM...):
// "del" when the key is gone, as Redis sends it when it deletes an emptied collection.
void NotifyDelIfEmptied(CommandContext& ctx, std::string_view key);

// Whether `key` exists, read only when events of class `type` are wanted (false otherwise).
bool ExistsIfWanted(CommandContext& ctx, uint32_t type, std::string_view key);

// For DEL/UNLINK: which of `keys` exist (one flag per key; a repeated key only at its first
// occurrence), read only when "del" events are wanted (empty otherwise).
std::vector<bool> ExistingKeysIfWanted(CommandContext& ctx, std::span<const std::string_view> keys);

}  // namespace redrock::server
