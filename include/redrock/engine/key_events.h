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

  // When a write created (db, key): the key did not exist (or had expired) before the write and exists
  // after it. The server uses it for the "new" keyspace notification (Redis sends it when dbAdd creates
  // a key). Called right before the OnKeyModified of the same key and write, same threading rules. A SET
  // whose expiry time has already passed stores nothing but is reported as creating the key (Redis
  // stores it, expired at once). Optional: the default ignores it.
  virtual void OnKeyCreated(int db, std::string_view key) {}
};

}  // namespace redrock::engine
