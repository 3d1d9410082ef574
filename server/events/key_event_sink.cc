#include "server/events/key_event_sink.h"

#include <string>
#include <utility>
#include <vector>

#include "server/events/notify.h"
#include "server/core/server_state.h"
#include "server/txn/watch.h"

namespace redrock::server {

namespace {

// "new" events held by a KeyCreationDeferral on this thread (commands run to completion on one
// thread, and the engine reports a write's creations on the writing thread).
struct HeldCreations {
  bool deferring = false;
  std::vector<std::pair<int, std::string>> keys;
};
thread_local HeldCreations t_held;

bool NewEventsWanted(const ServerState& server) {
  const uint32_t flags = server.notify_keyspace_events.load(std::memory_order_relaxed);
  return (flags & kNotifyNew) && (flags & (kNotifyKeyspace | kNotifyKeyevent));
}

}  // namespace

void ServerKeyEvents::OnKeyModified(int db, std::string_view key) {
  server_.watches.Touch(db, key);
  // Redis signals a stream key as ready when it is deleted or overwritten (XREADGROUP waiters then get
  // an error); only keys some client waits on as a stream are marked.
  server_.blocking.SignalStreamWaiters(db, key);
}

void ServerKeyEvents::OnKeyExpired(int db, std::string_view key) {
  server_.watches.TouchExpired(db, key);
  // Served after the command that noticed the expiry; an expiry found by the active-expiry thread waits
  // in the ready list for the next serving pass.
  server_.blocking.SignalStreamWaiters(db, key);
  NotifyKeyspaceEvent(server_, kNotifyExpired, "expired", key, db);
}

void ServerKeyEvents::OnFlushed(int db) {
  server_.watches.TouchFlushed(db);
  server_.blocking.SignalStreamWaitersFlushed(db);
}

void ServerKeyEvents::OnKeyCreated(int db, std::string_view key) {
  // Redis's dbAdd signals the key as ready for the clients blocked on it, whatever the type and the
  // command (ZADD, ZUNIONSTORE & co. onto a missing key, RENAME, COPY, MOVE...); an overwrite of an
  // existing key (ZUNIONSTORE onto a string) does not.
  server_.blocking.Signal(db, key);
  if (!NewEventsWanted(server_)) return;
  if (t_held.deferring) {
    t_held.keys.emplace_back(db, std::string(key));
    return;
  }
  NotifyKeyspaceEvent(server_, kNotifyNew, "new", key, db);
}

KeyCreationDeferral::KeyCreationDeferral(ServerState& server) : server_(server) {
  if (!NewEventsWanted(server_) || t_held.deferring) return;
  t_held.deferring = true;
  active_ = true;
}

KeyCreationDeferral::~KeyCreationDeferral() {
  if (!active_) return;
  t_held.deferring = false;
  std::vector<std::pair<int, std::string>> left;
  left.swap(t_held.keys);
  for (const auto& [db, key] : left) NotifyKeyspaceEvent(server_, kNotifyNew, "new", key, db);
}

void KeyCreationDeferral::Flush(int db, std::string_view key) {
  if (!active_) return;
  auto& keys = t_held.keys;
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (it->first == db && it->second == key) {
      const std::string name = std::move(it->second);
      keys.erase(it);
      NotifyKeyspaceEvent(server_, kNotifyNew, "new", name, db);
      return;
    }
  }
}

}  // namespace redrock::server
