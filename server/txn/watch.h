#pragma once
// WATCH (Redis's multi.c): which clients watch which keys, and the dirty flag that makes their EXEC
// fail. Writers reach it through the engine's key events (server/events/key_event_sink.h).
//
// Semantics, as Redis 7.0.15 behaves (checked against a real redis-server):
//   - any change to a watched key after WATCH marks the watcher dirty, including the watcher's own
//     writes before MULTI, MOVE/COPY into the watched (db, key), and overwrites with the same value;
//   - a key that was live at WATCH time and has expired by EXEC time fails the EXEC (the expiry
//     itself, active or lazy, also marks it dirty); a key that was missing or already expired at WATCH
//     time does not, when it is (or has been) reclaimed by expiry;
//   - FLUSHDB / FLUSHALL mark dirty the watchers of keys that existed when the flush ran, which (for a
//     watcher that is not dirty yet) are exactly the keys that were live at WATCH time.
//
// Ordering. A WATCH registers its keys before the client can read them (the WATCH command reads each
// key only after registering it); a writer checks for watchers after its write committed, while it
// still holds the key's lock. So for every write either the writer finds the registration, or the
// client's reads see the write. The writer's check has a lock-free fast path (no watches at all): one
// relaxed load, ordered against the watcher's registration by an asymmetric barrier (a membarrier
// system call on the WATCH side, a compiler barrier on the writer side), so a write with nobody
// watching pays one load and a branch. EXEC then runs with the exec gate held exclusively, after every
// command that wrote has finished and reported its keys.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace redrock::server {

struct ClientState;

class WatchRegistry {
 public:
  WatchRegistry() = default;
  WatchRegistry(const WatchRegistry&) = delete;
  WatchRegistry& operator=(const WatchRegistry&) = delete;

  // Registers `client` as watching `keys` in `db`, skipping keys it already watches there, and appends
  // the new ones to client.watched_keys. Returns the indexes (into client.watched_keys) of the keys
  // added. The client must then read each new key's state and call SetKeyState, before reading any of
  // them otherwise. Called on the client's own thread.
  std::vector<size_t> Watch(ClientState& client, int db, std::span<const std::string_view> keys);
  // Records what WATCH read for client.watched_keys[index]: whether the key was live, and its expiry
  // (absolute ms, 0 = none). Until then a new watch counts as live (the conservative choice).
  void SetKeyState(ClientState& client, size_t index, bool live, int64_t expire_at_ms);
  // Forgets every key `client` watches and clears its dirty flag (UNWATCH, EXEC, DISCARD, RESET,
  // disconnect). Cheap when the client watches nothing.
  void UnwatchAll(ClientState& client);
  // Whether EXEC must fail: a watched key was touched, or a key that was live at WATCH time has
  // expired by `now_ms` (Redis's isWatchedKeyExpired). Called on the client's own thread.
  static bool ExecMustFail(const ClientState& client, int64_t now_ms);

  // Key events (any thread; writers call them while holding the key's lock).
  // A write changed (db, key): every watcher becomes dirty.
  void Touch(int db, std::string_view key);
  // Expiry removed (db, key): watchers that saw it live become dirty.
  void TouchExpired(int db, std::string_view key);
  // FLUSHDB of `db`, or FLUSHALL when db == -1: watchers of keys live at WATCH time become dirty.
  void TouchFlushed(int db);

  // The distinct keys watched in `db` (SWAPDB touches those that are live in either database).
  std::vector<std::string> WatchedKeys(int db) const;

  // Number of (client, key) watches; for tests and INFO-like introspection.
  size_t Size() const { return watches_.load(std::memory_order_relaxed); }

 private:
  struct Watcher {
    ClientState* client = nullptr;
    bool live = true;
  };
  // by_key_ is keyed by (db, key) and looked up by a view of both, so a key event allocates nothing.
  struct DbKeyView {
    int db;
    std::string_view key;
  };
  struct DbKey {
    int db;
    std::string key;
    operator DbKeyView() const { return {db, key}; }
  };
  struct DbKeyHash {
    using is_transparent = void;
    size_t operator()(DbKeyView k) const {
      return std::hash<std::string_view>{}(k.key) ^ (static_cast<size_t>(k.db) * 0x9e3779b97f4a7c15ull);
    }
  };
  struct DbKeyEqual {
    using is_transparent = void;
    bool operator()(DbKeyView a, DbKeyView b) const { return a.db == b.db && a.key == b.key; }
  };
  // The fast path every key event takes: true when nobody watches anything (see Ordering above).
  bool NobodyWatches() const;
  void MarkDirty(std::vector<Watcher>& watchers, bool only_live);

  mutable std::mutex mu_;
  std::unordered_map<DbKey, std::vector<Watcher>, DbKeyHash, DbKeyEqual> by_key_;
  std::atomic<size_t> watches_{0};
};

}  // namespace redrock::server
