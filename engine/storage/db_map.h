#pragma once
// The logical -> physical database map behind SWAPDB (engine.h, "Databases and SwapDb").
//
// Every stored key carries its *physical* database byte ([db][key], the members and expiry index the
// same), and the counters are per physical database. A client names a *logical* database; SwapDb
// exchanges two entries of the map, so swapping two databases costs O(1) whatever they hold, as Redis
// swaps two pointers. The map is a permutation of 0..255 and is persisted in the meta column family
// (kRecordKey) by the same WAL write that makes the swap visible.
//
// Concurrency: a big-reader lock. Every public engine call pins the map for its whole duration with a
// DbHold (shared), maps each db it was given once, and works on physical dbs from then on; whatever it
// reports back (key events, SCAN cursors) is mapped to logical while still pinned. SwapDb takes the map
// exclusively: it waits until no call is pinning it, and calls that start meanwhile wait until the swap is
// done. So a call sees the map as it was before a swap or after it, never both halves, and nothing it
// writes can land in the other database.
//
// The hot path must not pay a shared cache line per call: the shared side is a counter per slot (threads
// spread over kSlots cache-line-sized slots, one thread per slot in practice), incremented and decremented
// by its own threads, plus a load of a flag that only SwapDb writes. The classic Dekker pairing (reader:
// increment, then load the flag; writer: store the flag, then load every counter; all seq_cst) makes
// sure that either the reader sees the swap coming and backs off, or the writer sees the reader and waits.
//
// Holds nest on one thread (a DbHold inside another on the same map takes nothing), so an engine call
// made while an OpenForStore snapshot (zset.h) pins the map does not deadlock against a waiting swap.
// A nested hold still maps the db it is given: internal code passes logical dbs only to public entry
// points, never physical ones.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace redrock::engine {

class Engine;

class DbMap {
 public:
  static constexpr size_t kSlots = 64;
  static constexpr int kMaxDbs = 256;
  // Key of the persisted map in the meta column family; absent means the identity.
  static constexpr std::string_view kRecordKey = "dbmap";

  DbMap();
  DbMap(const DbMap&) = delete;
  DbMap& operator=(const DbMap&) = delete;

  // Only while pinned (a DbHold or the Exclusive lock is held), or before the engine is shared.
  int Physical(int logical) const { return to_physical_[static_cast<uint8_t>(logical)]; }
  int Logical(int physical) const { return to_logical_[static_cast<uint8_t>(physical)]; }

  // The persisted form: 256 bytes, byte i = physical db of logical db i.
  std::string Encode() const;
  // The persisted form of this map with logical dbs a and b exchanged.
  std::string EncodeSwapped(int a, int b) const;
  // Loads a persisted map; false (and no change) unless it is a permutation of 0..255. Before the
  // engine is shared only.
  bool Decode(std::string_view record);
  // Exchanges logical a and b. Only under Exclusive.
  void Swap(int a, int b);
  // Whether the calling thread holds a DbHold on this map (taking Exclusive then would wait forever).
  bool HeldByThisThread() const;

  // Held by SwapDb: waits until no DbHold is alive on any thread, and keeps new ones waiting until it
  // is destroyed. One at a time. Must not be taken by a thread that holds a DbHold.
  class Exclusive {
   public:
    explicit Exclusive(DbMap& map);
    ~Exclusive();
    Exclusive(const Exclusive&) = delete;
    Exclusive& operator=(const Exclusive&) = delete;

   private:
    DbMap& map_;
  };

 private:
  friend class DbHold;
  struct alignas(64) Slot {
    std::atomic<uint32_t> holds{0};
  };
  // The shared side (DbHold); returns the slot it counted in.
  Slot* AcquireShared();
  void ReleaseShared(Slot* slot);

  std::array<Slot, kSlots> slots_;
  // Written only by SwapDb; on its own line so the slots' writes do not evict it from readers' caches.
  alignas(64) std::atomic<bool> swapping_{false};
  std::mutex swap_mu_;  // one swap at a time
  uint8_t to_physical_[kMaxDbs];
  uint8_t to_logical_[kMaxDbs];
};

// Pins the map for the current scope and rewrites the given db index (or two) from logical to physical.
// Opened first thing in every public engine entry point that takes a db (and by the engine's own
// background work that reports dbs), before any key lock, so the lock order is: DbHold -> key stripes.
// Must be destroyed on the thread that created it, in reverse order of creation.
class DbHold {
 public:
  explicit DbHold(DbMap& map);
  DbHold(DbMap& map, int& db) : DbHold(map) { db = map.Physical(db); }
  DbHold(DbMap& map, int& db1, int& db2) : DbHold(map) {
    db1 = map.Physical(db1);
    db2 = map.Physical(db2);
  }
  // For the type families (engine/types), which hold an Engine&.
  DbHold(Engine& engine, int& db);
  ~DbHold();
  DbHold(const DbHold&) = delete;
  DbHold& operator=(const DbHold&) = delete;

  const DbMap& map() const { return map_; }

 private:
  DbMap& map_;
  DbMap::Slot* slot_ = nullptr;      // null for a nested hold
};

}  // namespace redrock::engine
