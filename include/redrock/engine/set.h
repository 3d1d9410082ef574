#pragma once
// Sets: the Redis set commands over the engine (SADD ... SSCAN).
//
// A set is a collection (see engine.h: TYPE "set"): its members are stored one per RocksDB key under the
// set's current version, in bytewise order, so SCARD is O(1) (the size lives in the metadata), membership
// is one point read, and the multi-set operations are merges of sorted streams (no hashing, no sorting).
// An emptied set disappears, as in Redis. Key-level TTL, DEL, RENAME, COPY and MOVE are generic.
//
// Failure contract for every function here, as in engine.h: WrongType when a key involved holds another
// type (strings included), IOError when RocksDB fails (nothing was changed). A missing or expired key
// behaves as an empty set; NotFound is never returned.
//
// Keyspace hits and misses (engine.h): SCard, SIsMember, SMIsMember, SMembers, SRandMember and SScan count
// one lookup of `key`; SetCombine, SetCombineStore and SInterCard one per source key, in order up to the
// first that holds another type (never dst); SAdd, SRem, SPop and SMove nothing.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/engine.h"

namespace redrock::engine {

// Adds the members (duplicates count once); returns how many were not already present. Creates the set
// when the key is missing. The key's expiry is kept.
Result<int64_t> SAdd(Engine& engine, int db, std::string_view key, std::span<const std::string_view> members);
// Removes the members; returns how many were present. Deletes the key when the set becomes empty.
Result<int64_t> SRem(Engine& engine, int db, std::string_view key, std::span<const std::string_view> members);
// Number of members (O(1)); 0 for a missing key.
Result<int64_t> SCard(Engine& engine, int db, std::string_view key);
Result<bool> SIsMember(Engine& engine, int db, std::string_view key, std::string_view member);
// One answer per member, in order, from one consistent read.
Result<std::vector<bool>> SMIsMember(Engine& engine, int db, std::string_view key,
                                     std::span<const std::string_view> members);

// Receives a set's members as they are read, without collecting them: Begin() once with the exact count,
// then Member() that many times (bytewise order). Used to reply straight from the iterator.
class SetMemberSink {
 public:
  virtual ~SetMemberSink() = default;
  virtual void Begin(size_t count) = 0;
  virtual void Member(std::string_view member) = 0;
};
// Streams every member into `sink` (Begin(0) for a missing key). On failure nothing was sent to the sink.
Status SMembers(Engine& engine, int db, std::string_view key, SetMemberSink& sink);
// All members, in bytewise order.
Result<std::vector<std::string>> SMembers(Engine& engine, int db, std::string_view key);

// Removes up to `count` random distinct members and returns them (all of them, and the key is deleted,
// when count >= SCARD). Empty for a missing key or count 0.
Result<std::vector<std::string>> SPop(Engine& engine, int db, std::string_view key, uint64_t count);
// Random members without removing them, as SRANDMEMBER key count: count >= 0 gives min(count, SCARD)
// distinct members; count < 0 gives exactly -count members that may repeat. Empty for a missing key.
// InvalidArgument when -count exceeds kMaxRandomRepeats (Redis would try to build the reply anyway).
inline constexpr int64_t kMaxRandomRepeats = int64_t{1} << 32;
Result<std::vector<std::string>> SRandMember(Engine& engine, int db, std::string_view key, int64_t count);

enum class SetOp : uint8_t { kInter, kUnion, kDiff };
// SINTER / SUNION / SDIFF of `keys` (at least one), read from one snapshot. Every key is type-checked,
// even after a missing one. The result is in bytewise order.
Result<std::vector<std::string>> SetCombine(Engine& engine, int db, SetOp op, std::span<const std::string_view> keys);
// SINTERSTORE / SUNIONSTORE / SDIFFSTORE: computes the result under the locks of `dst` and every source,
// then replaces `dst` (whatever its type, dropping its expiry) with it, or deletes `dst` when it is
// empty. `dst` may be one of the sources. Returns the result's size. WrongType only for sources.
Result<int64_t> SetCombineStore(Engine& engine, int db, SetOp op, std::string_view dst,
                                std::span<const std::string_view> keys);
// SINTERCARD: the size of the intersection, stopping early at `limit` (0 = no limit).
Result<int64_t> SInterCard(Engine& engine, int db, std::span<const std::string_view> keys, uint64_t limit);

// Moves `member` from src to dst atomically (both keys locked, one write). Returns false when src is
// missing (whatever dst holds) or does not contain the member. WrongType when src, or dst, holds
// another type. src == dst: true iff the member is present; nothing changes.
Result<bool> SMove(Engine& engine, int db, std::string_view src, std::string_view dst, std::string_view member);

struct SetScanResult {
  uint64_t next_cursor = 0;  // 0 when the iteration is complete
  std::vector<std::string> members;
};
// One SSCAN step (see collection ScanMembers: sets of at most 128 members come back whole with cursor
// 0). `pattern` is a glob ("*" = all, "" matches only the empty member); `count` < 1 means the default 10.
Result<SetScanResult> SScan(Engine& engine, int db, std::string_view key, uint64_t cursor,
                            std::string_view pattern, int64_t count);

}  // namespace redrock::engine
