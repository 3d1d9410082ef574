#pragma once
// Hashes: the HSET family as free functions over an Engine.
//
// A hash is a collection (engine/types/collection.h): its metadata holds the field count, and each field is
// one member whose suffix is the field name and whose value is the field's value. Fields are therefore
// kept in bytewise field order; Redis leaves the order of HGETALL/HKEYS/HVALS/HSCAN unspecified.
//
// Every function is atomic for its key: writers hold the key's stripe lock for the whole
// read-modify-write, readers see one consistent RocksDB snapshot. An expired hash behaves exactly like
// a missing one, and a hash whose last field is deleted disappears (EXISTS 0), as in Redis.
//
// Common failures (besides the per-function ones):
//   WrongType - the key exists and is not a hash (strings and the other collection types alike)
//   IOError   - RocksDB failed; nothing was changed
//
// Keyspace hits and misses (engine.h): HGet, HMGet, HLen, HExists, HStrLen, HVisit, HGetAll, HRandField,
// HRandFieldCount and HScan count one lookup of `key`; the writers count nothing.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/engine.h"

namespace redrock::engine {

using FieldValue = std::pair<std::string_view, std::string_view>;

// HSET / HMSET. Creates the hash when missing (no expiry) and keeps an existing hash's expiry. A field
// named twice takes its last value and is counted once. Returns the number of fields that did not exist.
Result<int64_t> HSet(Engine& engine, int db, std::string_view key, std::span<const FieldValue> pairs);

// HSETNX. Sets the field only if it does not exist; returns whether it did.
Result<bool> HSetNx(Engine& engine, int db, std::string_view key, std::string_view field, std::string_view value);

// HGET. NotFound when the key or the field is missing.
Result<std::string> HGet(Engine& engine, int db, std::string_view key, std::string_view field);

// HMGET. One entry per requested field, nullopt for a missing field; a missing key gives all nullopt.
Result<std::vector<std::optional<std::string>>> HMGet(Engine& engine, int db, std::string_view key,
                                                      std::span<const std::string_view> fields);

// HDEL. Returns how many of the named fields existed and were removed (a field named twice counts
// once). Deleting the last field deletes the key.
Result<int64_t> HDel(Engine& engine, int db, std::string_view key, std::span<const std::string_view> fields);

// HLEN: the field count, read from the metadata (O(1)). 0 for a missing key.
Result<int64_t> HLen(Engine& engine, int db, std::string_view key);

// HEXISTS. False for a missing key.
Result<bool> HExists(Engine& engine, int db, std::string_view key, std::string_view field);

// HSTRLEN: the value's length in bytes; 0 for a missing key or field.
Result<int64_t> HStrLen(Engine& engine, int db, std::string_view key, std::string_view field);

// HINCRBY. A missing key or field counts as 0 (the hash is created without expiry). Returns the new
// value. NotInteger when the stored value is not an integer (Redis string2ll rules), Overflow when the
// sum leaves the int64 range; in both cases nothing is written.
Result<int64_t> HIncrBy(Engine& engine, int db, std::string_view key, std::string_view field, int64_t delta);

// HINCRBYFLOAT. A missing key or field counts as 0. Returns the new value as it is stored (formatted
// like INCRBYFLOAT: common::FormatLongDouble). NotFloat when the stored value is not a number
// (string2ld rules), NanOrInfinity when the sum is not finite; nothing is written then. `delta` itself
// must be finite (the caller rejects NaN/Infinity first, as Redis does).
Result<std::string> HIncrByFloat(Engine& engine, int db, std::string_view key, std::string_view field,
                                 long double delta);

// Receives a hash's contents without copying them: Begin() with the field count, then Field() once per
// field, in field order. The views are valid only during the call.
class HashVisitor {
 public:
  virtual ~HashVisitor() = default;
  virtual void Begin(uint64_t size) = 0;
  virtual void Field(std::string_view field, std::string_view value) = 0;
};

// HGETALL / HKEYS / HVALS: streams the whole hash from one snapshot into `visitor`. A missing key calls
// Begin(0) only. On failure (WrongType before anything was delivered; IOError or Corruption possibly
// midway) the caller must discard what it received.
Status HVisit(Engine& engine, int db, std::string_view key, HashVisitor& visitor);

// The same, collected: (field, value) pairs in field order. Empty for a missing key.
Result<std::vector<std::pair<std::string, std::string>>> HGetAll(Engine& engine, int db, std::string_view key);

// HRANDFIELD key: one uniformly chosen field. NotFound when the key is missing.
Result<std::string> HRandField(Engine& engine, int db, std::string_view key);

// HRANDFIELD key count: Redis's semantics. count >= 0: min(count, HLEN) distinct fields (all of them
// when count >= HLEN); count < 0: |count| fields chosen independently, so they may repeat. The values
// are filled in only with `with_values` (otherwise empty). A missing key gives an empty vector.
// InvalidArgument("value is out of range") when a negative count asks for more than
// kMaxRandomFieldRepeat entries (Redis would build the whole reply in memory; we refuse instead).
inline constexpr uint64_t kMaxRandomFieldRepeat = uint64_t{1} << 24;
Result<std::vector<std::pair<std::string, std::string>>> HRandFieldCount(Engine& engine, int db,
                                                                         std::string_view key, int64_t count,
                                                                         bool with_values);

// One HSCAN step. `cursor` 0 starts; the returned next_cursor is 0 when the scan is complete. `pattern`
// is a Redis glob matched against field names ("*" = all, "" matches only the empty field); `count` is a hint (>= 1). A hash of at
// most 128 fields is returned whole with cursor 0, as Redis does for its listpack encoding. A missing
// key scans as empty.
struct HashScanResult {
  uint64_t next_cursor = 0;
  std::vector<std::pair<std::string, std::string>> items;  // (field, value)
};
Result<HashScanResult> HScan(Engine& engine, int db, std::string_view key, uint64_t cursor,
                             std::string_view pattern, int64_t count);

}  // namespace redrock::engine
