#pragma once
// On-disk layout of the engine (README.md, "Architecture", describes it). Pure byte manipulation, no RocksDB.
//
//   "default" CF:  [db byte][user key]  ->  [type byte][expire_at_ms 8B BE, 0 = none][payload]
//                  strings:     payload = the string bytes
//                  collections: payload = [version 8B BE][size 8B BE]   (issue 3)
//   "expiry"  CF:  [expire_at_ms 8B BE][db byte][user key]  ->  ""      (ordered by time)
//   "meta"    CF:  "keys:<db>" / "expires:<db>"  ->  int64 counters kept by an add-merge operator
//   "members" CF:  [db byte][key length 4B BE][user key][version 8B BE][member]   (issue 3)
//
// Every function here is generic over the value header: TTL changes, renames and copies never need
// to know the payload layout except where a comment says so.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "redrock/engine/engine.h"

namespace redrock::engine::encoding {

inline constexpr size_t kValueHeaderSize = 9;                  // type + expire_at
inline constexpr size_t kCollectionHeaderSize = 9 + 8 + 8;     // + version + size

void PutFixed64BE(char* dst, uint64_t v);
uint64_t GetFixed64BE(const char* src);
void AppendFixed64BE(std::string* out, uint64_t v);

// ---- "default" keys ----
// Replaces *out with [db][key].
void EncodeDataKey(std::string* out, int db, std::string_view key);
// The user key of a data key (drops the db byte).
inline std::string_view UserKeyOf(std::string_view data_key) { return data_key.substr(1); }
// [db], the first key of database db, and the bound every key of db sorts before ([db+1]; empty, i.e.
// unbounded, for db 255).
std::string DbBegin(int db);
std::string DbEnd(int db);
// The smallest string greater than every string that starts with `prefix`; empty if there is none
// (prefix is all 0xff bytes).
std::string PrefixSuccessor(std::string_view prefix);

// ---- "default" values ----
struct ValueHeader {
  KeyType type = KeyType::kNone;
  int64_t expire_at_ms = 0;  // 0 = no expiry
  uint64_t version = 0;      // collections only
  uint64_t size = 0;         // collections only
  std::string_view payload;  // strings: the value bytes; collections: empty
};

// Parses a stored value; false when it is malformed (unknown type or short).
bool ParseValueHeader(std::string_view raw, ValueHeader* out);
inline bool IsExpired(int64_t expire_at_ms, int64_t now_ms) {
  return expire_at_ms != 0 && expire_at_ms <= now_ms;
}
// The 9-byte header of a string value.
void EncodeStringHeader(char* dst9, int64_t expire_at_ms);
// A whole string value.
std::string EncodeStringValue(int64_t expire_at_ms, std::string_view payload);
// A copy of `raw` (any type) with its expiry replaced.
std::string WithExpiry(std::string_view raw, int64_t expire_at_ms);

// ---- "expiry" keys ----
void EncodeExpiryKey(std::string* out, int64_t expire_at_ms, int db, std::string_view key);
bool DecodeExpiryKey(std::string_view ekey, int64_t* expire_at_ms, int* db, std::string_view* key);
// Every expiry key with time <= at_ms sorts before this bound.
std::string ExpiryUpperBound(int64_t at_ms);

// ---- "meta" counters ----
std::string KeysCounterKey(int db);
std::string ExpiresCounterKey(int db);
std::string EncodeCounter(int64_t v);           // 8 bytes little-endian
bool DecodeCounter(std::string_view s, int64_t* v);

}  // namespace redrock::engine::encoding
