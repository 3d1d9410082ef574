#pragma once
// Shared machinery of the collection types (hash, set, list, zset). Private to engine/*.cc.
//
// Layout (see encoding.h):
//   "default" CF:  [db][key] -> [type][expire_at 8B][version 8B][size 8B][type-specific extra]
//   "members" CF:  [db][key length 4B BE][key][version 8B BE][suffix] -> member value
// The suffix and the member value are the type's business (hash: field -> value; set: member -> "";
// list: index -> element; zset: two sub-spaces, see zset_ops.cc).
//
// Every collection gets a fresh version when it is created, so deleting, expiring or overwriting a
// collection only rewrites its metadata (O(1)): the old members become invisible at once and the members
// compaction filter reclaims them. `size` is kept exact by the writers, so HLEN/SCARD/LLEN/ZCARD are O(1).
// An emptied collection is deleted, as in Redis.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include "redrock/engine/engine.h"
#include "engine/storage/engine_impl.h"
#include "engine/storage/key_locks.h"

namespace redrock::engine {

// How the collection families reach Engine::Impl (friend of Engine).
struct EngineInternals {
  static Engine::Impl& Of(Engine& engine) { return *engine.impl_; }
};

namespace collection {

// [db][key length 4B BE][key][version 8B BE]: every member of one collection version starts with it.
void EncodeMemberPrefix(std::string* out, int db, std::string_view key, uint64_t version);
// The prefix followed by `suffix`.
void EncodeMemberKey(std::string* out, int db, std::string_view key, uint64_t version, std::string_view suffix);
// Splits a member key; false when malformed.
bool DecodeMemberKey(std::string_view member_key, int* db, std::string_view* key, uint64_t* version,
                     std::string_view* suffix);
// A collection metadata value.
std::string EncodeMetadata(KeyType type, int64_t expire_at_ms, uint64_t version, uint64_t size,
                           std::string_view extra = {});

// A version no collection has had since this directory was created: strictly increasing per process,
// and seeded above the wall-clock microseconds at open (so it also increases across restarts).
uint64_t NextVersion(Engine::Impl& impl);

// Iterates the members of one collection version whose suffix starts with a given prefix, in suffix
// order (bytewise). Owns its bounds.
class MemberIterator {
 public:
  MemberIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot,
                 std::string member_prefix, std::string_view suffix_prefix);
  bool Valid() const { return it_->Valid(); }
  void SeekToFirst() { it_->SeekToFirst(); }
  void SeekToLast() { it_->SeekToLast(); }
  // First member whose suffix is >= suffix.
  void Seek(std::string_view suffix);
  // Last member whose suffix is <= suffix.
  void SeekForPrev(std::string_view suffix);
  void Next() { it_->Next(); }
  void Prev() { it_->Prev(); }
  std::string_view suffix() const;
  std::string_view value() const;
  // Non-OK when iteration stopped on an error rather than at the end.
  Status status() const;

 private:
  std::string member_prefix_;
  std::string lower_;
  std::string upper_;  // empty: no upper bound
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  std::string scratch_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// What Writer and Reader share: a collection's metadata as read (or as changed so far by a Writer) and
// member reads under its version, from the reader's snapshot (a Writer reads the latest committed state).
class View {
 public:
  View(const View&) = delete;
  View& operator=(const View&) = delete;

  // Non-OK when reading the metadata failed.
  const Status& status() const { return status_; }
  // The key holds a live collection (for a Writer: or one created by Create()).
  bool exists() const { return exists_; }
  // WrongType when the key exists with another type (strings included); OK when it is missing.
  Status CheckType(KeyType type) const;
  // status() if reading the metadata failed, else CheckType(type): the check every operation starts with.
  Status Ready(KeyType type) const { return status_.ok() ? CheckType(type) : status_; }

  KeyType type() const { return type_; }
  uint64_t version() const { return version_; }
  uint64_t size() const { return size_; }
  int64_t expire_at_ms() const { return expire_at_ms_; }
  std::string_view extra() const { return extra_; }

  // Member access under the current version (a Writer's reads do not see its own batch).
  Status GetMember(std::string_view suffix, std::string* value, bool* found) const;
  // This version's members whose suffix starts with `suffix_prefix`.
  std::unique_ptr<MemberIterator> NewIterator(std::string_view suffix_prefix = {}) const;

 protected:
  View(Engine::Impl& impl, const rocksdb::Snapshot* snapshot) : impl_(impl), snapshot_(snapshot) {}
  ~View() = default;
  // Takes the metadata of the live value `header` of (db, key); `extra` is its type-specific part.
  void Assign(int db, std::string_view key, const encoding::ValueHeader& header, std::string_view extra);

  Engine::Impl& impl_;
  const rocksdb::Snapshot* snapshot_;  // null: the latest state
  Status status_;
  bool exists_ = false;
  KeyType type_ = KeyType::kNone;
  uint64_t version_ = 0;
  uint64_t size_ = 0;
  int64_t expire_at_ms_ = 0;
  std::string extra_;
  std::string member_prefix_;
  mutable std::string scratch_;  // member keys being built
};

// A read-modify-write of one collection key: holds the key's stripe lock for its lifetime, reads the
// metadata once, collects member changes in one WriteBatch, and Commit() writes them together with the
// metadata, the key counters and the expiry index.
class Writer : public View {
 public:
  Writer(Engine& engine, int db, std::string_view key);
  // For multi-key operations: the caller already holds this key's stripe (a MultiKeyLock from
  // LockKeys() over every key involved), so the writer takes no lock of its own.
  struct AlreadyLocked {};
  Writer(Engine& engine, int db, std::string_view key, AlreadyLocked);

  // Starts an empty collection of `type` with a fresh version and no expiry when the key does not exist
  // (a missing or expired key). A no-op when it exists.
  void Create(KeyType type);
  // Replaces whatever the key holds (any type, or nothing) with an empty collection of `type` under a
  // fresh version and no expiry, as a Redis store command (ZUNIONSTORE, SINTERSTORE...) overwrites its
  // destination. The old members become stale at once; Commit() deletes the key if nothing is added.
  void Recreate(KeyType type);

  int db() const { return db_; }
  std::string_view key() const { return key_; }

  void set_size(uint64_t size) { size_ = size; }
  void AddSize(int64_t delta) { size_ = static_cast<uint64_t>(static_cast<int64_t>(size_) + delta); }
  void set_extra(std::string extra) { extra_ = std::move(extra); }
  // Streams: Commit() keeps the key when size() is 0 instead of deleting it (an emptied stream stays).
  void set_keep_empty(bool keep) { keep_empty_ = keep; }
  // The commit reports the key to OnKeyCreated only, not OnKeyModified (KeyedBatch::MarkUnsignalled): for
  // writes Redis makes without signalModifiedKey (XREADGROUP, XACK, XCLAIM, XGROUP...), so WATCH ignores them.
  void set_unsignalled(bool unsignalled) { unsignalled_ = unsignalled; }

  // Staged in this writer's batch (GetMember and NewIterator read the committed state).
  void PutMember(std::string_view suffix, std::string_view value);
  void DeleteMember(std::string_view suffix);
  KeyedBatch& batch() { return batch_; }

  // Writes the batch: the metadata (or, when size() is 0, deletes the key), the member changes, the
  // counters and the expiry index. Reports OnKeyExpired when it replaced an expired value. Writes nothing
  // (and reports no key event) when nothing was staged and the metadata is as loaded.
  Status Commit();
  // For the few Redis commands that signal a key as modified even when they change nothing (LTRIM
  // that trims nothing): reports the existing key to the KeyEventSink without writing. No-op when the
  // key does not exist.
  void ReportModifiedUnchanged();
  // Commits several writers of distinct keys (opened AlreadyLocked under one LockKeys()) as one atomic
  // WriteBatch, so a reader sees all of the keys change or none (SMOVE, LMOVE...). Each writer's own
  // rules apply as in Commit(); a writer must not be committed twice.
  static Status CommitAll(std::span<Writer* const> writers);

 private:
  void Load();
  bool Unchanged() const;
  // Adds the metadata (or the key's deletion) and the bookkeeping to batch_; false when the batch is
  // empty and nothing needs writing.
  bool Stage();

  int db_;
  std::string key_;
  std::string data_key_;
  std::optional<SingleKeyLock> lock_;  // empty when constructed AlreadyLocked
  OldValue old_;
  KeyedBatch batch_;
  bool keep_empty_ = false;
  bool unsignalled_ = false;
};

// A consistent read of one collection without locking: metadata and members come from one RocksDB
// snapshot, so a concurrent writer's batch is seen whole or not at all. Reading the metadata is the
// key's lookup (Engine::Impl::CountLookup): only read operations open Readers, one per key they look up.
class Reader : public View {
 public:
  Reader(Engine& engine, int db, std::string_view key);
  // Reads another key from the same snapshot as `same_snapshot` (which must outlive this reader), so
  // a multi-key read (SINTER, SUNION...) sees one consistent state of all its keys without locking.
  Reader(Engine& engine, int db, std::string_view key, const Reader& same_snapshot);
  ~Reader();

 private:
  void Load(int db, std::string_view key);

  bool owns_snapshot_ = true;
};

// Locks the stripes of every key in `keys` (db `db`), sorted and deduplicated, so multi-key operations
// never deadlock. Use Writer(..., AlreadyLocked) for the keys it covers.
MultiKeyLock LockKeys(Engine& engine, int db, std::span<const std::string_view> keys);

// One step of HSCAN/SSCAN/ZSCAN over the members whose suffix starts with `suffix_prefix` (zset: its
// member sub-space). `name` is the suffix without suffix_prefix; `pattern` (a glob; "*" = all, "" matches only
// the empty name) is matched against it. Cursors come from the engine's cursor table, as for SCAN. Like Redis with a small
// (listpack/intset-encoded) collection, a collection of at most kScanAllAtOnce members is returned
// whole in one step with cursor 0, whatever `count` says.
inline constexpr uint64_t kScanAllAtOnce = 128;
struct MemberScanItem {
  std::string name;
  std::string value;
};
struct MemberScanResult {
  uint64_t next_cursor = 0;
  std::vector<MemberScanItem> items;
};
// NotFound is never returned: a missing key scans as empty. WrongType when the key holds another type.
Result<MemberScanResult> ScanMembers(Engine& engine, int db, std::string_view key, KeyType type,
                                     uint64_t cursor, std::string_view pattern, int64_t count,
                                     std::string_view suffix_prefix = {});

// Copies every member of (src db, src key, src version) to (dst db, dst key, dst version) into `batch`.
// Used by COPY, RENAME and MOVE (Engine::Impl::AddCloneValue).
Status CloneMembers(Engine::Impl& impl, int src_db, std::string_view src_key, uint64_t src_version, int dst_db,
                    std::string_view dst_key, uint64_t dst_version, rocksdb::WriteBatch* batch);

}  // namespace collection
}  // namespace redrock::engine
