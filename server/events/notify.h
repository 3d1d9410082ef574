#pragma once
// Keyspace notifications (notify-keyspace-events), as Redis 7 sends them: a command that changed a key
// calls NotifyKeyspaceEvent once per event, after the change. The fast path is one relaxed atomic load,
// so write commands call it unconditionally.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/core/server_state.h"

namespace redrock::server {

// Redis's NOTIFY_* bits (server.h), and the letters of notify-keyspace-events.
enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1u << 0,   // K: __keyspace@<db>__:<key> channels
  kNotifyKeyevent = 1u << 1,   // E: __keyevent@<db>__:<event> channels
  kNotifyGeneric = 1u << 2,    // g: del, expire, rename_from, rename_to, copy_to, move_from, move_to, persist...
  kNotifyString = 1u << 3,     // $
  kNotifyList = 1u << 4,       // l
  kNotifySet = 1u << 5,        // s
  kNotifyHash = 1u << 6,       // h
  kNotifyZSet = 1u << 7,       // z
  kNotifyExpired = 1u << 8,    // x
  kNotifyEvicted = 1u << 9,    // e
  kNotifyStream = 1u << 10,    // t
  kNotifyKeyMiss = 1u << 11,   // m
  kNotifyLoaded = 1u << 12,    // (modules only)
  kNotifyModule = 1u << 13,    // d
  kNotifyNew = 1u << 14,       // n: a key was created ("new")
  // A: g$lshzxetd (every class but m and n)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash | kNotifyZSet |
               kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// Parses a notify-keyspace-events value ("KEA", "Ex", ""); false on an unknown letter. As Redis: a value
// with class letters but neither K nor E yields 0 (nothing is sent).
bool ParseNotifyFlags(std::string_view letters, uint32_t* flags);
// Keeps `flags` equal to the config's notify-keyspace-events (parsed now, and again on every change).
// The callback stays registered with the config: it does nothing once the returned token is released,
// so the token must not outlive `flags` (ServerState holds both).
std::shared_ptr<void> FollowNotifyKeyspaceEvents(Config& config, std::atomic<uint32_t>& flags);
// The canonical letters CONFIG GET prints for flags (Redis's keyspaceEventsFlagsToString).
std::string NotifyFlagsToString(uint32_t flags);

// Publishes the event on __keyspace@db__:key and/or __keyevent@db__:event, as configured. Called from
// any thread (commands, the expiry callback).
void NotifyKeyspaceEventSlow(ServerState& server, uint32_t type, std::string_view event, std::string_view key,
                             int db);

// `type` is one class bit (kNotifyString...); `event` is Redis's event name ("set", "hset", "expired").
inline void NotifyKeyspaceEvent(ServerState& server, uint32_t type, std::string_view event, std::string_view key,
                                int db) {
  const uint32_t flags = server.notify_keyspace_events.load(std::memory_order_relaxed);
  if ((flags & type) && (flags & (kNotifyKeyspace | kNotifyKeyevent))) {
    NotifyKeyspaceEventSlow(server, type, event, key, db);
  }
}

}  // namespace redrock::server
