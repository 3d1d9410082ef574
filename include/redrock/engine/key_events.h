#pragma once
// Key-level events the engine reports to an embedder (the server uses them for WATCH and keyspace
// notifications). Attach with Engine::SetKeyEventSink. No RocksDB types.

#include <string_view>

namespace redrock::engine {

class KeyEventSink {
 public:
  virtual ~KeyEventSink() = default;

  // After a write that changed (db, key) is durable in the WAL: any type, any operation (overwrite with
  // the same value, member change, expiry change, delete, rename source and destination, ...). Called on
  // the writing thread, while the writer still holds the key's lock, once per key per write. Operations
  // that change nothing (SETNX on an existing key, DEL of a missing key, HDEL of a missing field) do not
  // call it. Must be cheap and must not call back into the Engine.
  virtual void OnKeyModified(int db, std::string_view key) = 0;

  // After expiry removed (db, key), by active or lazy expiry, once per key. OnKeyModified is not called
  // for the same removal. Same threading rules.
  virtual void OnKeyExpired(int db, std::string_view key) = 0;

  // After FlushDb(db) (db >= 0) or FlushAll() (db == -1) completed.
  virtual void OnFlushed(int db) = 0;
};

}  // namespace redrock::engine
