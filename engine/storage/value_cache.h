#pragma once
// A bounded, sharded LRU cache of string values in front of RocksDB, for the GET hot path: a hit is a
// hash lookup instead of a memtable skiplist search (or an SST block read).
//
// Consistency rule: an entry, when present, equals the committed value of its key. It holds because
//   - every write path calls Impl::AddBookkeeping for each key it changes, under the key's stripe lock
//     and before it commits; AddBookkeeping erases the entry (so from then until the writer releases the
//     lock, readers miss and fall through to RocksDB);
//   - entries are inserted only under the key's stripe lock, after the value was read (GET's miss
//     path) or committed (SET and INCR & co. write through);
//   - FlushDb/FlushAll clear the cache while they hold every stripe.
// Only live string values are inserted; the expiry is kept with the value and checked on every hit, so
// an entry that expired simply reads as a miss (lazy expiry then runs on the normal path). An expired
// entry may outlive its stored value (the compaction filter drops expired values without taking key
// locks), so nothing may trust an expired entry: writers read RocksDB for those.
//
// Keys are encoded data keys ([db][key]), as RocksDB stores them. Internal to the engine.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "redrock/engine/clock.h"

namespace redrock::engine {

class ValueCache {
 public:
  // capacity_bytes is the budget for keys, values and per-entry overhead together; 0 disables the
  // cache (every call is then a cheap no-op).
  explicit ValueCache(size_t capacity_bytes);
  ~ValueCache();
  ValueCache(const ValueCache&) = delete;
  ValueCache& operator=(const ValueCache&) = delete;

  bool enabled() const { return capacity_ > 0; }

  // A cached live value: copies it into *value and returns true. Expired or missing: false. The clock
  // is read only when the entry has an expiry (a clock read costs more than the rest of a hit here).
  bool Get(std::string_view data_key, const Clock& clock, std::string* value);
  // What a read-modify-write needs: whether the key is cached, and then its expiry (0 = none) and,
  // when value != nullptr, the value appended to *value. Does not check expiry.
  bool Peek(std::string_view data_key, int64_t* expire_at_ms, std::string* value);
  // Inserts or replaces. The caller holds the key's stripe lock and `value` is the committed value.
  void Put(std::string_view data_key, std::string_view value, int64_t expire_at_ms);
  // The same for the value part1 + part2 (spares the caller joining them).
  void Put(std::string_view data_key, std::string_view part1, std::string_view part2, int64_t expire_at_ms);
  // Removes the key's entry, if any. The caller holds the key's stripe lock.
  void Erase(std::string_view data_key);
  // Removes every entry of `db`, or everything when db < 0. The caller holds every stripe.
  void Clear(int db);

  size_t bytes() const;    // current charge
  size_t entries() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Shard;
  static constexpr size_t kShards = 64;
  Shard& ShardOf(size_t hash) const;
  // The sum over the shards of one of their counters, each read under its shard's lock.
  size_t SumLocked(size_t Shard::*field) const;

  size_t capacity_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace redrock::engine
