#pragma once
// The server's receiver of the engine's key events (engine/key_events.h): WATCH bookkeeping, and the
// "expired" keyspace notification, which only the engine can send since only it knows when expiry
// (active or lazy) removed a key. Owned by ServerState, attached to the engine while it lives.

#include <string_view>

#include "engine/key_events.h"

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

 private:
  ServerState& server_;
};

}  // namespace redrock::server
