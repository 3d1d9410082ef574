#pragma once
// An optional extension of KeyEventSink (include/redrock/engine/key_events.h): a sink attached with
// Engine::SetKeyEventSink that also derives from KeyCreationListener is told when a write created a
// key, i.e. the key did not exist (or had expired) before the write and exists after it. The server
// uses it for the "new" keyspace notification (Redis sends it when dbAdd creates a key).
//
// Called on the writing thread, after the write is durable, while the writer holds the key's lock,
// right before the OnKeyModified of the same key and write. Must be cheap and must not call back into
// the Engine. A SET whose expiry time has already passed stores nothing but is reported as creating the
// key (Redis stores it, expired at once).

#include <string_view>

namespace redrock::engine {

class KeyCreationListener {
 public:
  virtual ~KeyCreationListener() = default;
  virtual void OnKeyCreated(int db, std::string_view key) = 0;
};

}  // namespace redrock::engine
