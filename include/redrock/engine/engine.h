#pragma once
// redrock's embeddable storage engine: Redis data model over RocksDB with real TTLs.
//
// Everything an in-process user needs is in this header. It has no RocksDB or Asio types.
// All methods are thread-safe. Read-modify-write operations are atomic per key (striped key locks).
// A read never returns an expired key: expired keys behave exactly like missing ones everywhere.
//
// Keys and values are binary-safe byte strings. `db` is a logical database index in
// [0, Options::databases); passing anything else is a bug (the server validates SELECT).
//
// Databases and SwapDb. SwapDb(a, b) exchanges the contents of logical databases a and b in O(1): the
// engine keeps a logical -> physical map (persisted, so a restart keeps the swap) and every call maps the
// dbs it is given once, when it starts. Concurrency contract: SwapDb is atomic against every other call
// on any thread. A call runs entirely before or entirely after a swap: everything it reads and writes,
// and every db it reports back (key events to the KeyEventSink, from writes and from active expiry; SCAN
// cursors; counters), belongs to the logical database it named as the map stood for the whole call. A
// swap waits for the calls in flight to finish, and calls that start while it waits wait for it (a call
// pays no shared cache-line write for this: see engine/storage/db_map.h). A call made on a thread that
// is already inside a call (from a visitor, or while an OpenForStore snapshot lives) joins the outer
// one's view instead of waiting. Keys, values, TTLs and counters move with their database; clients keep the logical index they
// selected (the server's SELECTed db is logical), as in Redis.
//
// Keyspace hits and misses (EngineStats::keyspace_hits/misses, Redis's INFO fields of that name): a read
// that looks up a key counts one lookup of it, a hit when the key is live (whatever its type, so a
// WrongType answer is a hit) and a miss when it is missing or expired, as Redis's lookupKeyRead does.
// Writes count nothing, except where a method says so; a read failing with IOError counts nothing.
// Which methods count, and how many lookups, follows the Redis 7.0 command each one serves: the
// methods marked "Lookup" below count one lookup per key they name, and so do the read functions of
// hash.h, list.h, set.h and zset.h (each says which of its keys count); Keys, RandomKey, DbSize and
// MemoryUsage count nothing. Reads made under an UncountedLookups scope count nothing.
//
// Failure contract, unless a method says otherwise:
//   NotFound   - the key is missing or expired (only for methods that say so)
//   WrongType  - the key holds a different type than the operation needs
//   IOError    - RocksDB failed (full disk, I/O error); nothing was changed

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/key_events.h"
#include "redrock/engine/options.h"
#include "redrock/engine/status.h"

namespace redrock::engine {

enum class KeyType : uint8_t { kNone = 0, kString = 1, kHash = 2, kSet = 3, kList = 4, kZSet = 5, kStream = 6 };

// "none", "string", "hash", "set", "list", "zset", "stream": the names TYPE replies with.
std::string_view KeyTypeName(KeyType type);
// Inverse of KeyTypeName, case-insensitive; nullopt for an unknown name.
std::optional<KeyType> ParseKeyType(std::string_view name);

// TTL replies for missing keys and keys without an expiry, as in Redis.
inline constexpr int64_t kTtlMissing = -2;
inline constexpr int64_t kTtlNone = -1;

enum class SetCondition : uint8_t { kAlways, kIfMissing /* NX */, kIfExists /* XX */ };

struct SetOptions {
  SetCondition condition = SetCondition::kAlways;
  // Absolute expiry in ms since the epoch; 0 means no expiry. A time at or before now stores nothing
  // visible: the key ends up deleted (the condition and get_old still apply).
  int64_t expire_at_ms = 0;
  // Keep the existing key's expiry (SET ... KEEPTTL). Ignored when expire_at_ms != 0.
  bool keep_ttl = false;
  // Return the previous value (SET ... GET). With get_old, a previous non-string value gives WrongType
  // and nothing is written.
  bool get_old = false;
};

struct SetResult {
  bool applied = false;                  // false when NX/XX prevented the write
  std::optional<std::string> old_value;  // only with get_old; nullopt when there was none
};

// How GETEX changes the expiry.
struct ExpiryUpdate {
  enum class Kind : uint8_t { kKeep, kPersist, kSetAt } kind = Kind::kKeep;
  int64_t at_ms = 0;  // for kSetAt; at or before now deletes the key after reading it
};

// kXXLT is XX and LT together: the key must have an expiry, later than the new one.
enum class ExpireCondition : uint8_t { kAlways, kNX, kXX, kGT, kLT, kXXLT };

struct ScanResult {
  uint64_t next_cursor = 0;  // 0 when the iteration is complete
  std::vector<std::string> keys;
};

struct KeyspaceInfo {
  int64_t keys = 0;        // live keys (exact)
  int64_t expires = 0;     // live keys that have an expiry
  int64_t avg_ttl_ms = 0;  // estimate, 0 when there are no expires
};

// While one is alive, reads on the constructing thread count no keyspace hit or miss (Redis's
// LOOKUP_NOSTATS): for reads an embedder makes for its own bookkeeping (is the key still there after a
// pop, for a notification; what type is the key a blocked client waits on) rather than as the lookup of
// a client's command. Scopes nest. Must be destroyed on the thread that created it.
class UncountedLookups {
 public:
  UncountedLookups();
  ~UncountedLookups();
  UncountedLookups(const UncountedLookups&) = delete;
  UncountedLookups& operator=(const UncountedLookups&) = delete;
};

struct EngineStats {
  uint64_t disk_bytes = 0;        // SST + WAL bytes on disk
  uint64_t memory_bytes = 0;      // memtables + block cache + table readers + value cache
  uint64_t value_cache_bytes = 0; // string values cached for GET (Options::value_cache_bytes)
  uint64_t value_cache_hits = 0;
  uint64_t value_cache_misses = 0;
  uint64_t keyspace_hits = 0;     // key lookups by reads that found the key, since open (see above)
  uint64_t keyspace_misses = 0;   // key lookups by reads that did not
  uint64_t expired_keys = 0;      // keys removed by expiry since open
  uint64_t write_errors = 0;      // failed writes since open
  bool writes_failing = false;    // writes are refused right now (e.g. full disk) until storage recovers
  std::string last_write_error;   // empty when none
};

// Group commit. Without one, a write is in the WAL file (the OS's page cache, synced as Options::sync
// says) by the time its call returns, so a crash of the process cannot lose it. While a GroupCommit is
// open on a thread, that thread's writes return as soon as they are applied (visible to every reader)
// and leave their WAL records in the engine's in-process WAL buffer; Commit() (or the end of the
// outermost scope) writes everything buffered, this thread's and any other thread's, with one write()
// to the WAL file, and under SyncMode::kAlways one fsync. That is how the server gives every command
// of one read batch a single WAL append, as Redis writes its AOF buffer once per event-loop turn.
//
// The rule for the caller: acknowledge a write made under a scope only after a Commit() that returned
// OK; a crash before that may lose it. A failed Commit() (IOError: a full disk) means the writes since
// the last commit may be lost in a crash: they stay applied in memory and become durable if storage
// recovers (the recovery flushes the memtables), and later writes fail until it has, as after any failed
// write. Other threads can read a grouped write before it is committed (as they can read any write the
// moment it is applied).
//
// Scopes nest (only the outermost's end commits) and are per thread; a scope is not tied to one
// engine, but a thread keeps records pending for one engine at a time (a grouped write to another
// engine commits the first one's). Destroy every scope before destroying an engine it wrote to.
class GroupCommit {
 public:
  GroupCommit();
  ~GroupCommit();  // commits (ignoring failure) when it is the outermost scope, unless LeavePending()
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // This scope's end will not commit: the thread's writes stay pending for a Commit() the caller
  // makes later on this thread (the server's end-of-turn commit), which must come before anything
  // acknowledges them.
  void LeavePending() { leave_pending_ = true; }

  // Writes this thread's buffered WAL records (and what other threads buffered meanwhile) to the WAL
  // file, syncing under SyncMode::kAlways. OK at once when the thread has nothing pending.
  static Status Commit();
  // Whether this thread has grouped writes not yet committed.
  static bool pending();
  // How many writes this thread has made under scopes, ever: a caller compares it before and after an
  // operation to tell whether the operation wrote anything that the next Commit() covers.
  static uint64_t ThreadWrites();
  // ThreadWrites() as it was at this thread's last failed commit (0: none): a commit covers every
  // uncommitted write the thread made before it, whoever called it, so a caller whose first uncommitted
  // write came at ThreadWrites() == n (counted after it) knows that write failed when this is >= n.
  static uint64_t LastFailedThrough();

 private:
  bool leave_pending_ = false;
};

class Engine {
 public:
  // Opens (creating if allowed) the database in options.dir.
  // Busy if another process holds the directory; IOError if it cannot be created or opened.
  static Result<std::unique_ptr<Engine>> Open(const Options& options);

  // Stops background work, syncs the WAL (unless a write failed: what was acknowledged is already in it)
  // and closes RocksDB.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const Options& options() const;
  int64_t NowMs() const;  // the engine's clock

  // ---- Strings ---------------------------------------------------------------------------------

  // Lookup. NotFound, WrongType.
  Result<std::string> Get(int db, std::string_view key);
  // The same into a caller-owned buffer (reused across calls, so a hot GET path allocates nothing).
  Status Get(int db, std::string_view key, std::string* value);
  // Lookup of each key. Never NotFound: a missing or non-string key gives nullopt (as MGET replies nil
  // for them).
  Result<std::vector<std::optional<std::string>>> MGet(int db, std::span<const std::string_view> keys);
  // Overwrites keys of any type (unless get_old finds a non-string: WrongType). A lookup only with
  // get_old (SET ... GET and GETSET read the key first in Redis).
  Result<SetResult> Set(int db, std::string_view key, std::string_view value, const SetOptions& options);
  // Atomic: all pairs are written in one batch; existing expiries are cleared. Later duplicates win.
  Status MSet(int db, std::span<const std::pair<std::string_view, std::string_view>> pairs);
  // Writes all pairs only if none of the keys exists; returns whether it wrote.
  Result<bool> MSetNX(int db, std::span<const std::pair<std::string_view, std::string_view>> pairs);
  // Lookup. NotFound, WrongType. Deletes the key after reading it.
  Result<std::string> GetDel(int db, std::string_view key);
  // Lookup. NotFound, WrongType. Returns the value and applies the expiry update.
  Result<std::string> GetEx(int db, std::string_view key, const ExpiryUpdate& update);
  // Missing keys count as 0 and are created without expiry; the existing expiry is kept.
  // WrongType, NotInteger (stored value not an integer), Overflow.
  Result<int64_t> IncrBy(int db, std::string_view key, int64_t delta);
  // Returns the new value formatted as Redis stores it (e.g. "10.5", "3.0e3" -> "3000").
  // WrongType, NotFloat (stored value), NanOrInfinity.
  Result<std::string> IncrByFloat(int db, std::string_view key, long double delta);
  // Returns the new length. WrongType, TooLarge.
  Result<int64_t> Append(int db, std::string_view key, std::string_view value);
  // Returns the new length; pads with zero bytes. An empty value on a missing key creates nothing and
  // returns 0. WrongType, TooLarge (offset + size > max_string_bytes).
  Result<int64_t> SetRange(int db, std::string_view key, int64_t offset, std::string_view value);
  // Lookup. Redis GETRANGE semantics (negative indexes from the end, clamped). Missing key: "".
  // WrongType.
  Result<std::string> GetRange(int db, std::string_view key, int64_t start, int64_t end);
  // Lookup. Missing key: 0. WrongType.
  Result<int64_t> StrLen(int db, std::string_view key);
  // Read-modify-write of one string value in place (SETBIT, BITFIELD, PFADD, PFCOUNT's cache, PFDEBUG):
  // under the key's lock, `modify` gets whether the key holds a live string and that value (empty when
  // missing or expired), may change it, and sets `*mode` to write it back (left kNone, nothing is
  // written and nothing is created; kStoreUnsignalled writes without reporting OnKeyModified, only
  // OnKeyCreated for a new key, as Redis changes a value without signalModifiedKey). A non-string is
  // WrongType before `modify` runs; an error from `modify` is returned and writes nothing. The key keeps
  // its expiry; replacing an expired value reports it as OnKeyExpired. `lookup` kUncounted (Redis's
  // lookupKeyWrite) counts no hit or miss; kCounted (lookupKeyRead: PFCOUNT) counts one lookup of the
  // key, a hit when it is live whatever its type.
  enum class StoreMode : uint8_t { kNone, kStore, kStoreUnsignalled };
  enum class Lookup : uint8_t { kUncounted, kCounted };
  using StringModifier = std::function<Status(bool exists, std::string* value, StoreMode* mode)>;
  Status ModifyString(int db, std::string_view key, const StringModifier& modify, Lookup lookup = Lookup::kUncounted);
  // The same for a write of `key` that reads other string keys first (PFMERGE): the stripes of `key`
  // and of every source are held while `modify` runs, and `read(i)` reads sources[i] as they are
  // committed (a lookup of it; nullopt when missing or expired, WrongType for a non-string; an IOError
  // is returned too). `modify` calls it in the order and as often as it wants (each call is a lookup),
  // so it stops at the first source its command refuses, as Redis's loops do. A source may be `key`
  // itself: read(i) then gives the value from before this write.
  using StringSourceReader = std::function<Result<std::optional<std::string>>(size_t i)>;
  using StringSourcesModifier =
      std::function<Status(const StringSourceReader& read, bool exists, std::string* value, StoreMode* mode)>;
  Status ModifyStringFrom(int db, std::string_view key, std::span<const std::string_view> sources,
                          const StringSourcesModifier& modify, Lookup lookup = Lookup::kUncounted);
  // A store of a value computed from string sources (BITOP), atomic against every other command: under
  // the locks of `dst` and every source, reads the sources in order (a lookup of each; a missing or
  // expired one is nullopt; the first non-string gives WrongType and nothing is written), and stores
  // what `combine` returns at `dst` as SET stores it (any old value of any type and its expiry replaced),
  // or deletes `dst` when that is empty. Returns whether a live `dst` was deleted.
  using StringCombiner = std::function<std::string(std::span<const std::optional<std::string>> sources)>;
  Result<bool> CombineStrings(int db, std::string_view dst, std::span<const std::string_view> sources,
                              const StringCombiner& combine);

  // ---- Keys (every type) -----------------------------------------------------------------------

  // Number of keys removed (duplicates in `keys` count once, as in Redis).
  Result<int64_t> Delete(int db, std::span<const std::string_view> keys);
  // Lookup of each key. Number of keys that exist; a key named twice counts twice, as in Redis.
  Result<int64_t> Exists(int db, std::span<const std::string_view> keys);
  // Lookup. kNone for a missing key.
  Result<KeyType> Type(int db, std::string_view key);
  // Sets an absolute expiry under a condition. Returns false if the key is missing or the condition
  // failed. A time at or before now deletes the key (and returns true). GT/LT treat "no expiry" as
  // infinite, as Redis does.
  Result<bool> ExpireAt(int db, std::string_view key, int64_t at_ms, ExpireCondition condition);
  // Removes the expiry; false if the key is missing or had none.
  Result<bool> Persist(int db, std::string_view key);
  // Lookup. Remaining ms (>= 0), kTtlNone or kTtlMissing.
  Result<int64_t> PTtl(int db, std::string_view key);
  // Lookup. Absolute expiry in ms, kTtlNone or kTtlMissing.
  Result<int64_t> ExpireTimeMs(int db, std::string_view key);

  // All live keys matching a Redis glob, in key order. Seeks to the pattern's literal prefix.
  Result<std::vector<std::string>> Keys(int db, std::string_view pattern);
  // One SCAN step: examines about `count` keys from `cursor` (0 = start), returning those that match
  // the glob `pattern` ("*" = all; "" matches only the empty key) and `type` (nullopt = any). A
  // returned cursor stays valid for a while (a bounded table of recent cursors) and resumes just past
  // the last key examined; an unknown cursor restarts from the beginning. With a `type`, each examined
  // key that matches the pattern is a lookup (Redis's SCAN ... TYPE looks each one up); without, none.
  Result<ScanResult> Scan(int db, uint64_t cursor, std::string_view pattern, int64_t count,
                          std::optional<KeyType> type);
  // nullopt when the database is empty.
  Result<std::optional<std::string>> RandomKey(int db);

  // Moves src to dst keeping its expiry. NotFound if src is missing. With `nx`, returns false and does
  // nothing when dst exists. Renaming a key onto itself succeeds (returns true; with nx: false).
  Result<bool> Rename(int db, std::string_view src, std::string_view dst, bool nx);
  // Copies src (keeping its expiry) to dst in dst_db. False if src is missing, or dst exists and not
  // `replace`. A lookup of src (not of dst), as Redis's COPY.
  Result<bool> Copy(int src_db, std::string_view src, int dst_db, std::string_view dst, bool replace);
  // Moves key to dst_db. False if the key is missing or exists in dst_db.
  Result<bool> Move(int db, std::string_view key, int dst_db);

  // Exact number of live keys; does not scan the database.
  Result<int64_t> DbSize(int db);
  Status FlushDb(int db);
  Status FlushAll();
  // Exchanges the contents of logical databases a and b (SWAPDB), atomically against every other call
  // (see "Databases and SwapDb" above) and durably: the new map is in the WAL before this returns, with
  // the same sync policy as any write. a == b does nothing. Reports no key event (Redis sends no
  // notification; the server touches WATCHed keys and wakes blocked clients itself). InvalidArgument
  // for an index outside [0, Options::databases); IOError when the write fails (nothing swapped).
  // Called from inside a callback the engine runs, or while this thread keeps an OpenForStore snapshot
  // (zset.h), it would wait for the call it is part of: it returns InvalidArgument instead.
  Status SwapDb(int a, int b);

  // ---- Introspection and tuning ----------------------------------------------------------------

  KeyspaceInfo Keyspace(int db);
  EngineStats Stats();
  // EngineStats::writes_failing, without the rest of Stats(): cheap enough for every command.
  bool WritesFailing() const;
  // The one-line reason of the last write failure ("No space left on device"); empty when none.
  std::string WriteFailureReason() const;
  // Changes the WAL sync policy at run time (CONFIG SET appendfsync).
  void SetSyncMode(SyncMode mode);
  // Flushes memtables and syncs the WAL.
  Status Flush();
  // Attaches the receiver of key events (see key_events.h); nullptr detaches. Returns once no call to
  // the previous sink is running or can start, so the caller may then destroy it. Events of writes in
  // flight during the switch go to either sink.
  void SetKeyEventSink(KeyEventSink* sink);

  struct Impl;

 private:
  friend struct EngineInternals;  // engine/ only (types/collection.h): the type families reach Impl through it
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace redrock::engine
