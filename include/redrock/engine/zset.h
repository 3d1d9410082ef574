#pragma once
// Sorted sets: the ZADD family as free functions over an Engine.
//
// Layout. A sorted set is a collection (engine/types/collection.h): its metadata holds the member count, and
// its members live in two sub-spaces of the key's current version, always written together:
//   'm' + member                          -> score   (8 bytes, see below)      the member -> score map
//   's' + score (8 bytes) + member        -> ""                                the score index
// The 8 score bytes are an order-preserving encoding of the IEEE double (sign bit flipped for positives,
// all bits flipped for negatives, big-endian), so the score index sorts by (score, member bytes): exactly
// the order Redis keeps. ZRANGEBYSCORE and ZCOUNT seek straight to their minimum score, ranks are found
// by walking the index from the nearer end, and ZCARD reads the metadata (O(1)). -0 is stored as 0 (Redis's
// small encoding prints it as 0 too).
//
// Every function is atomic for its keys: writers hold the key's stripe lock for the whole
// read-modify-write (multi-key writers lock every key involved, in stripe order), readers see one
// consistent RocksDB snapshot (multi-key readers also hold the stripes while they open their snapshots).
// An expired sorted set behaves exactly like a missing one, and one whose last member is removed
// disappears (EXISTS 0), as in Redis.
//
// Common failures (besides the per-function ones):
//   WrongType - the key exists and is not a sorted set (ZUNION & co. also accept plain sets as sources)
//   IOError   - RocksDB failed; nothing was changed
//
// Keyspace hits and misses (engine.h): ZCard, ZScore, ZMScore, ZRank, ZCount, ZLexCount, ZRange,
// ZRandMember and ZScan count one lookup of `key`, ZRangeStore one of `src`; ZCombine, ZCombineStore and
// ZInterCard one per source key, in order up to the first that holds another type (never dst). Writes
// and pops count nothing.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/engine.h"

namespace redrock::engine {

struct ScoredMember {
  std::string member;
  double score = 0;
};

// A score interval as ZRANGEBYSCORE reads it: "(" makes an end exclusive. Never NaN.
struct ScoreRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  bool max_exclusive = false;
};

// One end of a ZRANGEBYLEX interval: "-", "+", "[value" or "(value".
struct LexBound {
  enum class Kind : uint8_t { kMinusInfinity, kPlusInfinity, kInclusive, kExclusive };
  Kind kind = Kind::kMinusInfinity;
  std::string value;  // for kInclusive / kExclusive
};
struct LexRange {
  LexBound min;
  LexBound max{LexBound::Kind::kPlusInfinity, {}};
};

// ---- Writes ------------------------------------------------------------------------------------

enum class ZAddCondition : uint8_t { kAlways, kIfMissing /* NX */, kIfExists /* XX */ };

struct ZAddOptions {
  ZAddCondition condition = ZAddCondition::kAlways;
  bool gt = false;    // update an existing member only if the new score is greater
  bool lt = false;    // ... only if it is less
  bool incr = false;  // the score is an increment (ZINCRBY, ZADD INCR); the caller passes one pair
};

struct ZAddResult {
  int64_t added = 0;    // members that did not exist
  int64_t updated = 0;  // existing members whose score changed (ZADD CH replies added + updated)
  // With incr: the member's new score, or nullopt when NX/XX/GT/LT prevented the update.
  std::optional<double> score;
};

// ZADD / ZINCRBY. Pairs are applied in order, so a member named twice ends with its last score and is
// counted once as added. Scores must not be NaN. Creates the key when missing (unless XX) without expiry;
// keeps an existing key's expiry. An increment that yields NaN (inf + -inf) fails with
// InvalidArgument("resulting score is not a number (NaN)") and writes nothing.
Result<ZAddResult> ZAdd(Engine& engine, int db, std::string_view key,
                        std::span<const std::pair<double, std::string_view>> pairs, const ZAddOptions& options);

// ZREM. Returns how many of the members existed (a member named twice counts once).
Result<int64_t> ZRem(Engine& engine, int db, std::string_view key, std::span<const std::string_view> members);

// ZREMRANGEBYRANK (Redis index rules: negatives count from the end, clamped), ZREMRANGEBYSCORE and
// ZREMRANGEBYLEX (same selection as ZRANGEBYLEX, see ZRange). Return how many members were removed.
Result<int64_t> ZRemRangeByRank(Engine& engine, int db, std::string_view key, int64_t start, int64_t stop);
Result<int64_t> ZRemRangeByScore(Engine& engine, int db, std::string_view key, const ScoreRange& range);
Result<int64_t> ZRemRangeByLex(Engine& engine, int db, std::string_view key, const LexRange& range);

// ZPOPMIN / ZPOPMAX: removes and returns up to `count` (>= 0) members from the low (or high) end, in pop
// order. A missing key gives an empty vector.
Result<std::vector<ScoredMember>> ZPop(Engine& engine, int db, std::string_view key, bool max, int64_t count);

// ZMPOP: pops up to `count` (>= 1) members, as ZPop does, from the first of `keys` that holds a sorted
// set, examining the keys in order. WrongType as soon as a key examined before that one holds another
// type. nullopt when every key is missing.
struct KeyScoredMembers {
  std::string key;
  std::vector<ScoredMember> members;
};
Result<std::optional<KeyScoredMembers>> ZPopFirst(Engine& engine, int db, std::span<const std::string_view> keys,
                                                  bool max, int64_t count);

// ---- Point reads -------------------------------------------------------------------------------

// ZCARD: the member count from the metadata (O(1)); 0 for a missing key.
Result<int64_t> ZCard(Engine& engine, int db, std::string_view key);
// ZSCORE. NotFound when the key or the member is missing.
Result<double> ZScore(Engine& engine, int db, std::string_view key, std::string_view member);
// ZMSCORE. One entry per member, nullopt when missing; a missing key gives all nullopt.
Result<std::vector<std::optional<double>>> ZMScore(Engine& engine, int db, std::string_view key,
                                                   std::span<const std::string_view> members);
// ZRANK / ZREVRANK (reverse: rank from the highest score). NotFound when the key or the member is
// missing. Walks the score index from the low end (ZRANK) or the high end (ZREVRANK): O(rank).
Result<int64_t> ZRank(Engine& engine, int db, std::string_view key, std::string_view member, bool reverse);

// ZCOUNT: members with a score in range. Seeks to the range and counts from whichever side (inside or
// outside the range) runs out first.
Result<int64_t> ZCount(Engine& engine, int db, std::string_view key, const ScoreRange& range);
// ZLEXCOUNT: members ZRANGEBYLEX would return.
Result<int64_t> ZLexCount(Engine& engine, int db, std::string_view key, const LexRange& range);

// ---- Ranges ------------------------------------------------------------------------------------

// One ZRANGE query (ZRANGE and its BYSCORE/BYLEX/REV forms, ZREVRANGE, Z[REV]RANGEBY{SCORE,LEX}).
struct ZRangeQuery {
  enum class Kind : uint8_t { kRank, kScore, kLex };
  Kind kind = Kind::kRank;
  bool reverse = false;
  int64_t start = 0;  // kRank: Redis indexes (negative from the end), in the direction of `reverse`
  int64_t stop = -1;
  ScoreRange score;   // kScore
  LexRange lex;       // kLex
  // kScore/kLex only (LIMIT): skip `offset` matches (a negative offset matches nothing, as in Redis),
  // then return at most `limit` (negative: no limit).
  int64_t offset = 0;
  int64_t limit = -1;
};

// The members the query selects, in reply order (ascending, or descending with `reverse`). A missing key
// gives an empty vector.
//
// Lex ranges follow Redis's small-encoding semantics, which Redis documents as undefined unless all
// scores are equal: walking in score order, the first member >= min (from the end with `reverse`: <= max)
// starts the range, which continues while members stay <= max (>= min). When all scores are equal this is
// the ordinary member range, found by a seek.
Result<std::vector<ScoredMember>> ZRange(Engine& engine, int db, std::string_view key, const ZRangeQuery& query);

// ZRANGESTORE: stores the selection of `query` on `src` in `dst` (any previous value of dst is replaced;
// no expiry), and returns its size. An empty selection deletes dst. Locks both keys.
Result<int64_t> ZRangeStore(Engine& engine, int db, std::string_view dst, std::string_view src,
                            const ZRangeQuery& query);

// A read of one sorted set from one RocksDB snapshot, counted as a single lookup of its key, for commands
// that make several dependent reads of one set (the GEO searches: a member's score, then up to nine score
// ranges chosen from it), as Redis's one lookupKeyRead. Open fails with WrongType when the key holds
// another type; a missing key opens as empty (exists() false).
class ZSetSnapshot {
 public:
  static Result<std::unique_ptr<ZSetSnapshot>> Open(Engine& engine, int db, std::string_view key);
  // As Open, also holding the stripe locks of `key` and `dst` until destroyed, so that Store() writes dst
  // atomically with what was read (GEOSEARCHSTORE, GEORADIUS ... STORE). Use no other engine call on
  // these keys while it lives (the locks are not reentrant), and destroy it on the thread that opened it
  // (it also keeps SwapDb waiting, see engine.h).
  static Result<std::unique_ptr<ZSetSnapshot>> OpenForStore(Engine& engine, int db, std::string_view key,
                                                            std::string_view dst);
  ~ZSetSnapshot();
  ZSetSnapshot(const ZSetSnapshot&) = delete;
  ZSetSnapshot& operator=(const ZSetSnapshot&) = delete;

  bool exists() const;
  // NotFound when the member (or the key) is missing.
  Result<double> Score(std::string_view member) const;
  // As ZRange.
  Result<std::vector<ScoredMember>> Range(const ZRangeQuery& query) const;

  // Only on a snapshot from OpenForStore: replaces whatever dst holds (any type) with a sorted set of
  // exactly `members` (distinct members; no expiry), or deletes dst when `members` is empty, in one write
  // under the held locks. dst_existed: dst held a live value (of any type) before.
  struct StoreResult {
    int64_t size = 0;
    bool dst_existed = false;
  };
  Result<StoreResult> Store(std::span<const ScoredMember> members);

 private:
  struct Impl;
  explicit ZSetSnapshot(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Random ------------------------------------------------------------------------------------

// ZRANDMEMBER with Redis's count rules: count > 0 returns min(count, size) distinct members (the whole set,
// highest score first, when count >= size; otherwise a uniform sample in ascending score order); count < 0
// returns |count| members drawn independently (repeats possible, random order); 0 or a missing key give an
// empty vector. Uniform; costs one walk over the score index.
Result<std::vector<ScoredMember>> ZRandMember(Engine& engine, int db, std::string_view key, int64_t count);

// ---- Set algebra -------------------------------------------------------------------------------

enum class ZSetOp : uint8_t { kUnion, kInter, kDiff };
enum class ZAggregate : uint8_t { kSum, kMin, kMax };

// ZUNION / ZINTER / ZDIFF and their STORE forms. Sources may be sorted sets or plain sets (members of a
// plain set score 1); a missing source is empty. `weights` is empty (all 1) or has one weight per key
// (ignored by kDiff). Scores are weight * score (NaN becomes 0) combined with `aggregate` (a NaN sum
// becomes 0), exactly as Redis combines them, sources taken from the smallest up.
struct ZCombineSpec {
  ZSetOp op = ZSetOp::kUnion;
  std::span<const std::string_view> keys;
  std::span<const double> weights;
  ZAggregate aggregate = ZAggregate::kSum;
};

// The result in ascending (score, member) order, read under the stripe locks of every source.
Result<std::vector<ScoredMember>> ZCombine(Engine& engine, int db, const ZCombineSpec& spec);
// Stores the result in dst (replacing any previous value; no expiry) and returns its size. An empty
// result deletes dst. dst may be one of the sources. Locks every key involved.
Result<int64_t> ZCombineStore(Engine& engine, int db, std::string_view dst, const ZCombineSpec& spec);
// ZINTERCARD: the size of the intersection, stopping at `limit` when limit > 0.
Result<int64_t> ZInterCard(Engine& engine, int db, std::span<const std::string_view> keys, int64_t limit);

// ---- Scan --------------------------------------------------------------------------------------

struct ZScanResult {
  uint64_t next_cursor = 0;
  std::vector<ScoredMember> items;
  // The set was small and came back whole, as from Redis's listpack encoding (which stores scores as
  // text, so Redis prints them as integers when integral; see the ZSCAN handler).
  bool whole = false;
};

// One ZSCAN step. `pattern` (a glob; "*" = all, "" matches only the empty member) is matched against
// members. Like Redis's small encoding, a sorted set of at most 128 members is returned whole in score
// order with cursor 0; larger ones are walked in member order, about `count` members per step, from a cursor of the engine's cursor table.
// A missing key scans as empty.
Result<ZScanResult> ZScan(Engine& engine, int db, std::string_view key, uint64_t cursor, std::string_view pattern,
                          int64_t count);

}  // namespace redrock::engine
