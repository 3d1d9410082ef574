#pragma once
// The server's receiver of the engine's key events (include/redrock/engine/key_events.h): WATCH
// bookkeeping, the "expired" keyspace notification (only the engine knows when expiry, active or lazy,
// removed a key) and the "new" one (only the engine knows whether a write created its key). Owned by
// ServerState, attached to the engine while it lives.

#include <string_view>

#include "redrock/engine/key_events.h"

namespace redrock::server {

struct ServerState;

class ServerKeyEvents final : public engine::KeyEventSink {
 public:
  explicit ServerKeyEvents(ServerState& server) : server_(server) {}

  // A write changed the key: watchers of it become dirty.
  void OnKeyModified(int db, std::string_view key) override;
  // Expiry removed the key: watchers that saw it live become dirty, and "expired" is published
  // (notify-keyspace-events class x), once per key, from whichever thread expired it.
  void OnKeyExpired(int db, std::string_view key) override;
  // FLUSHDB / FLUSHALL: watchers of keys that existed become dirty.
  void OnFlushed(int db) override;
  // A write created the key: clients blocked on it are signalled (BlockingRegistry::Signal, as Redis's
  // dbAdd does), and "new" (class n) is published at once, which is where Redis sends it (dbAdd, before
  // the command's own event), unless the command defers it (see KeyCreationDeferral).
  void OnKeyCreated(int db, std::string_view key) override;

 private:
  ServerState& server_;
};

// For the few commands whose Redis order puts "new" later than the engine write (MSET interleaves
// "new" and "set" per key; SMOVE sends "srem" on the source first; SET ... GET writes the old value
// first): while one of these is alive on a thread, "new" events of that thread's writes are held, and
// sent by Flush(key) or, for any left, by the destructor. Cheap when "new" events are off.
class KeyCreationDeferral {
 public:
  explicit KeyCreationDeferral(ServerState& server);
  ~KeyCreationDeferral();
  KeyCreationDeferral(const KeyCreationDeferral&) = delete;
  KeyCreationDeferral& operator=(const KeyCreationDeferral&) = delete;

  // Sends the held "new" of (db, key), if any.
  void Flush(int db, std::string_view key);

 private:
  ServerState& server_;
  bool active_ = false;
};

}  // namespace redrock::server
