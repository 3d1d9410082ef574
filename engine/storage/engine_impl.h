#pragma once
// Engine::Impl: the private state behind engine.h and the helpers every operation file shares.
// This is the only header that mixes engine types with RocksDB types; it is never installed.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/listener.h>
#include <rocksdb/write_batch.h>

#include "engine/storage/compaction_filter.h"
#include "engine/storage/db_map.h"
#include "engine/storage/encoding.h"
#include "redrock/engine/engine.h"
#include "engine/storage/key_locks.h"
#include "engine/storage/wal_lock.h"
#include "engine/storage/value_cache.h"
#include "engine/types/scan_cursors.h"

namespace redrock::engine {

// The physical state of a key for counter bookkeeping: stored or not (expired values are stored
// until reclaimed), and its expiry. `live` (meaningful for the state before a write only) says the
// stored value was visible, i.e. not expired: removing a value that was not live changes nothing a
// client could see, so it is no key event (see KeyedBatch).
struct PhysState {
  bool present = false;
  int64_t expire_at_ms = 0;
  bool live = false;
};

// A WriteBatch that also remembers which keys it changes visibly, so that Write() can report them to
// the KeyEventSink once the batch is durable. AddBookkeeping records the keys, only while a sink is
// attached (so with none the hot path pays one atomic load). The keys are views: every write path
// passes keys that outlive its Write(). A batch that is abandoned (an error after AddBookkeeping)
// takes its keys with it, so nothing leaks into a later write.
class KeyedBatch : public rocksdb::WriteBatch {
 public:
  struct ChangedKey {
    int db = 0;
    std::string_view key;
    bool created = false;  // missing before the write, present after it (see NotifyExpired for expired)
    bool unsignalled = false;  // no OnKeyModified (OnKeyCreated still): see MarkUnsignalled
  };

  void RecordKey(int db, std::string_view key, bool created) {
    if (count_ < kInline) {
      inline_[count_] = ChangedKey{db, key, created};
    } else {
      overflow_.push_back(ChangedKey{db, key, created});
    }
    ++count_;
  }
  size_t changed_count() const { return count_; }
  const ChangedKey& changed(size_t i) const { return i < kInline ? inline_[i] : overflow_[i - kInline]; }
  // Moves the recorded keys of `other` to this batch (Writer::CommitAll concatenates batches).
  void TakeKeysFrom(KeyedBatch& other) {
    for (size_t i = 0; i < other.count_; ++i) {
      const ChangedKey& k = other.changed(i);
      RecordKey(k.db, k.key, k.created);
    }
    other.ClearKeys();
  }
  // The keys recorded so far are reported only to OnKeyCreated, not OnKeyModified: for a write Redis
  // makes without signalModifiedKey (a BITFIELD whose every write OVERFLOW FAIL refused still adds or
  // grows its key), so a WATCH of the key does not abort.
  void MarkUnsignalled() {
    for (size_t i = 0; i < count_; ++i) (i < kInline ? inline_[i] : overflow_[i - kInline]).unsignalled = true;
  }
  void ClearKeys() {
    count_ = 0;
    overflow_.clear();
  }

 private:
  static constexpr size_t kInline = 2;
  ChangedKey inline_[kInline];
  size_t count_ = 0;
  std::vector<ChangedKey> overflow_;
};

// What a read-modify-write read before changing a key (under the key's lock).
struct OldValue {
  bool present = false;  // physically stored, maybe expired
  bool expired = false;
  encoding::ValueHeader header;  // valid when present; header.payload is not kept (see payload())
  std::string raw;               // the stored value

  bool live() const { return present && !expired; }
  KeyType type() const { return live() ? header.type : KeyType::kNone; }
  int64_t expire_at_ms() const { return present ? header.expire_at_ms : 0; }
  PhysState phys() const { return {present, expire_at_ms(), live()}; }
  // String payload; only meaningful for strings.
  std::string_view payload() const {
    return std::string_view(raw).substr(std::min(raw.size(), encoding::kValueHeaderSize));
  }
};

// Lowers target to v if v is smaller. seq_cst throughout: the expiry cycle's floor update
// (expiry.cc) relies on a writer's lowering of inserted_min being ordered before its read of
// index_floor.
inline void AtomicMin(std::atomic<int64_t>& target, int64_t v) {
  int64_t cur = target.load();
  while (v < cur && !target.compare_exchange_weak(cur, v)) {
  }
}

// One line for clients: "No space left on device" for a full disk, otherwise RocksDB's text without
// its "IO error: " prefix.
std::string WriteErrorText(const rocksdb::Status& s);

struct Engine::Impl {
  explicit Impl(const Options& opts);
  ~Impl();

  Options options;
  std::shared_ptr<Clock> clock;

  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before db
  rocksdb::ColumnFamilyHandle* data_cf = nullptr;
  rocksdb::ColumnFamilyHandle* expiry_cf = nullptr;
  rocksdb::ColumnFamilyHandle* meta_cf = nullptr;
  rocksdb::ColumnFamilyHandle* members_cf = nullptr;
  std::shared_ptr<rocksdb::Cache> block_cache;

  std::atomic<SyncMode> sync_mode{SyncMode::kEverySec};
  // Logical -> physical databases (SWAPDB); every entry point pins it with a DbHold (db_map.h).
  DbMap db_map;
  KeyLocks locks;
  // String values GET read recently; see value_cache.h for why it never serves a stale value.
  mutable ValueCache value_cache;
  ScanCursors cursors;

  // The members compaction filter's view of the DB (see compaction_filter.h).
  std::shared_ptr<MembersFilterContext> members_filter = std::make_shared<MembersFilterContext>();
  // Collection versions (collection.cc NextVersion): the next one to hand out, and the persisted
  // high-water mark no version may reach before it is raised.
  std::mutex version_mu;
  uint64_t next_version = 0;  // 0: not loaded yet
  uint64_t version_hwm = 0;

  // The receiver of key events (Engine::SetKeyEventSink); null when none. Every call to it is made
  // while the caller holds a key stripe, which is how SetKeyEventSink waits out calls in flight.
  std::atomic<KeyEventSink*> key_event_sink{nullptr};

  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> write_errors{0};
  // Key lookups by reads (EngineStats::keyspace_hits/misses); counted through CountLookup.
  mutable std::atomic<uint64_t> keyspace_hits{0};
  mutable std::atomic<uint64_t> keyspace_misses{0};

  // Counts one lookup of a key by a read (engine.h, "Keyspace hits and misses"): `live` says the read
  // found the key live (any type). Every read operation calls it once per key it looks up, after the
  // lookup and only when the lookup itself succeeded; nothing while an UncountedLookups is alive on
  // this thread.
  void CountLookup(bool live) const;
  // The same for the result of a ReadLive: OK is a hit, NotFound a miss, a failure nothing.
  void CountLookupOf(const Status& read) const {
    if (read.ok() || read.IsNotFound()) CountLookup(read.ok());
  }
  std::mutex error_mu;
  std::string last_write_error;

  // ---- Write failures (write_failure.cc) ----
  // A failed WAL append (a full disk) stops RocksDB's writes, and its WAL writer is then unusable:
  // Debian's librocksdb is built with assertions, and SyncWAL/FlushWAL on that writer abort the
  // process. So the engine never calls SyncWAL (SyncWal below syncs through the write path, which
  // refuses while writes are stopped), never uses RocksDB's own info log (it aborts on its next line
  // after a failed append; see info_log.h), and turns RocksDB's automatic recovery off (it waits for
  // 64 MB free and makes a manual Resume() return Busy meanwhile).
  //
  // Instead `write_failed` is raised by any failed write and by RocksDB's background-error callback,
  // and while it is up the sync thread calls db->Resume() every resume_interval_ms, once the disk has
  // room for it. Resume flushes the memtables to SST files, so everything acknowledged before the
  // failure is durable again, and drops the broken WAL. Resume runs only there, never on a client's
  // thread: after a failed recovery flush RocksDB 7.8's Resume can block forever waiting for a flush
  // that is never rescheduled (seen in tests with 1 MB memtables). Waiting for free space makes that
  // rare; if it happens anyway the sync thread hangs in Resume, clients keep getting the error (a
  // restart recovers), and StopBackground unblocks it (CancelAllBackgroundWork) so shutdown works.
  //
  // While the flag is up nothing may flush memtables or compact either: switching the memtable of a
  // DB whose WAL append failed turns the error fatal (Resume can no longer clear it).
  std::atomic<bool> write_failed{false};
  std::atomic<int64_t> resume_interval_ms{100};
  std::atomic<bool> auto_resume{true};  // tests turn it off and call TryResume themselves
  std::mutex resume_mu;                 // one Resume at a time
  std::atomic<bool> resuming{false};    // a Resume call is in progress
  std::string last_error_text;          // guarded by error_mu; the client's text of the last failure
  uint64_t failure_generation = 0;      // guarded by error_mu; counts RaiseWriteFailed calls
  bool last_failure_no_space = false;   // guarded by error_mu
  // Something was written without sync since the WAL was last synced (everysec has work to do).
  std::atomic<bool> wal_dirty{false};
  std::shared_ptr<rocksdb::Logger> info_log;

  // ---- Group commit (engine_impl.cc; the public side is GroupCommit in engine.h) ----
  // RocksDB runs with manual_wal_flush: db->Write appends the WAL record to an in-process buffer (it
  // writes to the file by itself only when that buffer is full) and FlushWAL writes the buffer to the
  // WAL file. Write() flushes right after its write unless the calling thread has a GroupCommit open;
  // then the thread's commit does it, once for all of its writes and whatever other threads have
  // buffered meanwhile. Under SyncMode::kAlways a grouped write is not synced itself and the commit
  // syncs instead (a synced empty write, which flushes the buffer and fsyncs), one fsync per commit.
  //
  // wal_lock is held shared around every db->Write, and exclusively around FlushWAL and manual memtable
  // flushes, the two ways into RocksDB's WAL writer outside its write queue. A write whose WAL append
  // fails raises write_failed before it lets go of the lock, and a flusher checks the flag under the
  // lock first, so nothing touches the WAL writer after a failed append (see "Write failures" below).
  WalLock wal_lock;
  // FlushWAL under wal_lock; StoppedError() while writes are stopped.
  Status FlushWalBuffer();
  // What a GroupCommit's commit does for this engine: FlushWalBuffer, or SyncWal under kAlways.
  Status CommitBuffered();

  // Counts a failed write, records its text for Stats() and later refusals and raises write_failed.
  // Returns the IOError for the caller; its message is one line (e.g. "No space
  // left on device").
  Status WriteFailed(const rocksdb::Status& s);
  // Raises write_failed (from anywhere, including RocksDB callbacks).
  void RaiseWriteFailed();
  // The IOError for an operation refused while write_failed is up.
  Status StoppedError();
  // Calls db->Resume() if write_failed is up, lowering the flag when it succeeds and nothing failed
  // meanwhile. OK means the flag is down; Busy when another thread is resuming or something failed
  // during the attempt; Incomplete while the disk is still too full (EnoughSpaceToResume). May block for a long time (see above): call it only
  // from the sync thread (or a test).
  rocksdb::Status TryResume();
  // After a full disk: whether the DB directory's filesystem has room for what Resume writes (as much
  // as the live WAL files hold, plus a margin). Resume attempts that fail for lack of space are not harmless in RocksDB
  // 7.8: a failed recovery flush can leave a memtable that the next Resume waits for forever.
  bool EnoughSpaceToResume();
  // Makes everything written so far durable: an empty write with sync=true (it fsyncs every live WAL
  // file, and returns the background error instead while writes are stopped). Not db->SyncWAL(),
  // which aborts after a failed WAL append.
  Status SyncWal();
  // Reports background errors into write_failed and disables RocksDB's automatic recovery.
  std::shared_ptr<rocksdb::EventListener> NewErrorListener();

  // Background threads (active expiry, WAL sync) wait on bg_cv so shutdown never waits out a sleep.
  std::mutex bg_mu;
  mutable std::condition_variable bg_cv;
  // Set by a read that met an expired (still stored) value: the expiry thread runs a pass at once, so
  // keys expire on access as in Redis (deleted, counted and reported to the sink's OnKeyExpired)
  // instead of at the next interval.
  mutable std::atomic<bool> expiry_wake{false};
  void RequestExpiry() const {
    // Not while writes fail: the pass could not delete anything, and reads would keep it spinning.
    if (!options.active_expiry || write_failed.load(std::memory_order_relaxed)) return;
    if (!expiry_wake.exchange(true, std::memory_order_acq_rel)) bg_cv.notify_all();
  }
  bool stopping = false;
  std::thread expiry_thread;
  std::thread sync_thread;
  std::mutex expiry_cycle_mu;  // one expiry pass at a time
  int64_t index_deletes_since_compaction = 0;  // guarded by expiry_cycle_mu

  // The expiry index's floor: no entry has a time below it, so scans of the index start there instead
  // of wading through the tombstones that drained entries leave behind. Raised only by the expiry
  // cycle (without holding the stripes: see expiry.cc); lowered by a writer (under its stripe) that
  // inserts below it.
  // `inserted_min` is the smallest time inserted since the cycle last reset it. See expiry.cc.
  mutable std::atomic<int64_t> index_floor{0};
  mutable std::atomic<int64_t> inserted_min{INT64_MAX};
  // Seek key for scans of the index.
  std::string IndexFloorKey() const;

  int64_t Now() const { return clock->NowMs(); }

  // ---- db_open.cc ----
  Status OpenDb();
  Status LoadDbMap();  // called by OpenDb
  void StartBackground();
  void StopBackground();
  void CloseDb();

  // ---- io helpers (engine_impl.cc) ----
  rocksdb::WriteOptions WriteOpts() const;
  // Writes the batch; a failure is counted in Stats() and returned as IOError (one line, e.g.
  // "No space left on device"). While RocksDB has writes stopped it fails at once. After a successful
  // write, reports the batch's recorded keys to the KeyEventSink (OnKeyModified, once each) and forgets
  // them; after a failure it only forgets them. The caller must still hold the keys' stripes.
  Status Write(KeyedBatch* batch);
  // The same for a batch that changes no key visibly (counter maintenance): no key events.
  Status Write(rocksdb::WriteBatch* batch);
  Status ReadError(const rocksdb::Status& s) const;
  rocksdb::Status GetRaw(std::string_view data_key, rocksdb::PinnableSlice* out) const;
  // Reads the physical value of data_key and classifies it against `now`. With keep_raw false only
  // the header is kept (out->raw stays empty), which spares copying big values. Corrupt values give
  // Corruption.
  Status ReadOld(std::string_view data_key, int64_t now, OldValue* out, bool keep_raw = true) const;
  // Reads a live value without locking: NotFound when missing or expired. header->payload points
  // into *value.
  Status ReadLive(std::string_view data_key, int64_t now, rocksdb::PinnableSlice* value,
                  encoding::ValueHeader* header) const;

  // Adds to `batch` the counter merges and expiry-index changes that turn `before` into `after` for
  // the key whose encoded data key ([db][key]) is `data_key` and whose user key is `key`, and drops
  // its value-cache entry. Every write path calls it with the state it read under the key's lock. It
  // also records (db, key) in the batch for OnKeyModified when the change is visible (before.live or
  // after.present), so `key` (not just data_key) must stay valid until the batch is written.
  // `recreated`: the write replaces the key as a whole, as Redis's RENAME and COPY delete and re-add
  // their destination, so it counts as creating the key even when it existed.
  void AddBookkeeping(KeyedBatch* batch, std::string_view data_key, std::string_view key, PhysState before,
                      PhysState after, bool recreated = false) const;
  // The `db` of NotifyExpired and ReportModified is physical (as everything below an entry point's
  // DbHold); the sink hears the logical one.
  // Called after a successful write that replaced or removed an expired (still stored) value, while
  // the key's stripe is still held: counts it and calls the sink's OnKeyExpired.
  // `replaced`: the write stored a new value over the expired one, which creates the key anew: the
  // sink hears OnKeyExpired and then OnKeyCreated, in Redis's order ("expired" before "new").
  void NotifyExpired(int db, std::string_view key, bool replaced = false);
  // Reports (db, key) to the sink's OnKeyModified without a write, for the few changes Redis signals
  // that leave nothing stored (LTRIM that trims nothing, SET of an already past expiry time). The caller
  // holds the key's stripe.
  // `created`: the change creates the key as far as Redis is concerned (OnKeyCreated first).
  void ReportModified(int db, std::string_view key, bool created = false);

  // Adds to `batch` whatever makes dst (db dst_db, encoded dst_data_key) an exact copy of `src`
  // (a live value), with its expiry. Generic over types: strings copy the value inline; collections
  // copy their members under a fresh version (collection.cc).
  Status AddCloneValue(rocksdb::WriteBatch* batch, const OldValue& src, std::string_view src_data_key,
                       int dst_db, std::string_view dst_data_key) const;
  // Adds to `batch` the removal of a stored value (any type). Collection members become garbage that
  // the members compaction filter reclaims once their version is stale (issue 3).
  void AddDeleteValue(rocksdb::WriteBatch* batch, const OldValue& old, std::string_view data_key) const;

  // ---- counters.cc ----
  Status ReadCounter(const std::string& counter_key, int64_t* out) const;
  // Index entries of `db` with expire_at <= now: stored keys that are expired but not yet reclaimed.
  Status CountDueEntries(int db, int64_t now, int64_t* out) const;

  // ---- expiry.cc ----
  int64_t RunExpiryCycle();
  // Whether the index holds an entry at or above the floor that is due now (a cheap probe first).
  bool AnythingDue() const;
  void ExpiryThreadMain();
  void SyncThreadMain();
  // One pass of the sync thread (db_open.cc): resume after a failure (if auto_resume), then the
  // everysec WAL sync.
  void SyncOnce();
};

}  // namespace redrock::engine
