// Shared helpers of Engine::Impl: reads, writes, counter/index bookkeeping, the generic value hooks.
#include "engine/storage/engine_impl.h"

#include "engine/types/collection.h"
#include "engine/storage/counters.h"

namespace redrock::engine {

namespace {

// How many UncountedLookups are alive on this thread.
thread_local int uncounted_lookup_scopes = 0;

// This thread's group commit (GroupCommit in engine.h): how many scopes are open, the engine whose WAL
// records this thread has left buffered (null: none), how many writes it has made under a scope, and
// whether a commit this thread made implicitly (a grouped write to a second engine) failed.
struct ThreadGroup {
  int depth = 0;
  Engine::Impl* pending = nullptr;
  uint64_t writes = 0;
  bool implicit_commit_failed = false;
  uint64_t last_failed_through = 0;
};
thread_local ThreadGroup t_group;

}  // namespace

UncountedLookups::UncountedLookups() { ++uncounted_lookup_scopes; }
UncountedLookups::~UncountedLookups() { --uncounted_lookup_scopes; }

void Engine::Impl::CountLookup(bool live) const {
  if (uncounted_lookup_scopes > 0) return;
  (live ? keyspace_hits : keyspace_misses).fetch_add(1, std::memory_order_relaxed);
}

Engine::Impl::Impl(const Options& opts)
    : options(opts), clock(opts.clock ? opts.clock : SystemClock()), value_cache(opts.value_cache_bytes) {
  sync_mode.store(opts.sync);
}

Engine::Impl::~Impl() {
  StopBackground();
  CloseDb();
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

const Options& Engine::options() const { return impl_->options; }
int64_t Engine::NowMs() const { return impl_->Now(); }

rocksdb::WriteOptions Engine::Impl::WriteOpts() const {
  rocksdb::WriteOptions wo;
  wo.sync = sync_mode.load(std::memory_order_relaxed) == SyncMode::kAlways;
  return wo;
}

Status Engine::Impl::Write(rocksdb::WriteBatch* batch) {
  const bool grouped = t_group.depth > 0;
  if (grouped && t_group.pending != nullptr && t_group.pending != this) {
    // One pending engine per thread: a grouped write to a second engine commits the first one's.
    if (!t_group.pending->CommitBuffered().ok()) {
      t_group.implicit_commit_failed = true;
      t_group.last_failed_through = t_group.writes;
    }
    t_group.pending = nullptr;
  }
  rocksdb::WriteOptions wo = WriteOpts();
  if (grouped) wo.sync = false;  // the commit syncs
  {
    // Even after a failure this goes to RocksDB: while it has writes stopped it returns its background
    // error without touching the WAL, and once the sync thread has resumed it the write just works.
    WalLock::Shared shared(wal_lock);
    rocksdb::Status s = db->Write(wo, batch);
    if (!s.ok()) return WriteFailed(s);  // raises write_failed under the lock
  }
  if (!wo.sync && !wal_dirty.load(std::memory_order_relaxed)) wal_dirty.store(true, std::memory_order_relaxed);
  if (grouped) {
    t_group.pending = this;
    ++t_group.writes;
    return Status::OK();
  }
  if (wo.sync) return Status::OK();  // a synced write flushed the buffer itself
  return FlushWalBuffer();
}

Status Engine::Impl::FlushWalBuffer() {
  WalLock::Exclusive exclusive(wal_lock);
  if (write_failed.load(std::memory_order_acquire)) return StoppedError();
  rocksdb::Status s = db->FlushWAL(/*sync=*/false);
  if (!s.ok()) return WriteFailed(s);
  return Status::OK();
}

Status Engine::Impl::CommitBuffered() {
  if (sync_mode.load(std::memory_order_relaxed) == SyncMode::kAlways) return SyncWal();
  return FlushWalBuffer();
}

GroupCommit::GroupCommit() { ++t_group.depth; }

GroupCommit::~GroupCommit() {
  if (--t_group.depth == 0 && !leave_pending_) (void)Commit();
}

Status GroupCommit::Commit() {
  Engine::Impl* impl = t_group.pending;
  t_group.pending = nullptr;
  Status st = impl != nullptr ? impl->CommitBuffered() : Status::OK();
  if (t_group.implicit_commit_failed) {
    t_group.implicit_commit_failed = false;
    if (st.ok()) st = Status::IOError("writes are stopped after a storage error");
  }
  if (!st.ok()) t_group.last_failed_through = t_group.writes;
  return st;
}

uint64_t GroupCommit::LastFailedThrough() { return t_group.last_failed_through; }

bool GroupCommit::pending() { return t_group.pending != nullptr || t_group.implicit_commit_failed; }

uint64_t GroupCommit::ThreadWrites() { return t_group.writes; }

Status Engine::Impl::Write(KeyedBatch* batch) {
  Status st = Write(static_cast<rocksdb::WriteBatch*>(batch));
  if (!st.ok()) {
    batch->ClearKeys();
    return st;
  }
  if (batch->changed_count() > 0) {
    // Keys were recorded only while a sink was attached; it may have been detached since (then the
    // events are dropped, as SetKeyEventSink allows for writes in flight).
    if (KeyEventSink* sink = key_event_sink.load(std::memory_order_acquire)) {
      // Batches record physical dbs; the sink hears logical ones (the caller's DbHold pins the map).
      for (size_t i = 0; i < batch->changed_count(); ++i) {
        const KeyedBatch::ChangedKey& k = batch->changed(i);
        const int db = db_map.Logical(k.db);
        if (k.created) sink->OnKeyCreated(db, k.key);
        if (!k.unsignalled) sink->OnKeyModified(db, k.key);
      }
    }
    batch->ClearKeys();
  }
  return Status::OK();
}

Status Engine::Impl::ReadError(const rocksdb::Status& s) const {
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  return Status::IOError(s.ToString());
}

rocksdb::Status Engine::Impl::GetRaw(std::string_view data_key, rocksdb::PinnableSlice* out) const {
  return db->Get(rocksdb::ReadOptions(), data_cf, rocksdb::Slice(data_key.data(), data_key.size()), out);
}

Status Engine::Impl::ReadOld(std::string_view data_key, int64_t now, OldValue* out, bool keep_raw) const {
  out->present = false;
  out->expired = false;
  out->raw.clear();
  rocksdb::PinnableSlice value;
  rocksdb::Status s = GetRaw(data_key, &value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return ReadError(s);
  if (!encoding::ParseValueHeader(std::string_view(value.data(), value.size()), &out->header)) {
    return Status::Corruption("malformed value header");
  }
  out->header.payload = {};
  if (keep_raw) out->raw.assign(value.data(), value.size());
  out->present = true;
  out->expired = encoding::IsExpired(out->header.expire_at_ms, now);
  if (out->expired) RequestExpiry();
  return Status::OK();
}

Status Engine::Impl::ReadLive(std::string_view data_key, int64_t now, rocksdb::PinnableSlice* value,
                              encoding::ValueHeader* header) const {
  rocksdb::Status s = GetRaw(data_key, value);
  if (s.IsNotFound()) return Status::NotFound();
  if (!s.ok()) return ReadError(s);
  if (!encoding::ParseValueHeader(std::string_view(value->data(), value->size()), header)) {
    return Status::Corruption("malformed value header");
  }
  if (encoding::IsExpired(header->expire_at_ms, now)) {
    RequestExpiry();
    return Status::NotFound();
  }
  return Status::OK();
}

void Engine::Impl::AddBookkeeping(KeyedBatch* batch, std::string_view data_key, std::string_view key,
                                  PhysState before, PhysState after, bool recreated) const {
  const int db = static_cast<uint8_t>(data_key[0]);
  // Under the key's lock and before the commit: readers miss from now on (see value_cache.h).
  value_cache.Erase(data_key);
  // Reclaiming a value that had already expired is no modification (OnKeyExpired reports it).
  if ((before.live || after.present) && key_event_sink.load(std::memory_order_relaxed) != nullptr) {
    // A key created over an expired value is reported as created by NotifyExpired, after its expiry.
    batch->RecordKey(db, key, after.present && (!before.present || (recreated && before.live)));
  }
  const bool before_exp = before.present && before.expire_at_ms != 0;
  const bool after_exp = after.present && after.expire_at_ms != 0;
  const int64_t keys_delta = int64_t{after.present} - int64_t{before.present};
  const int64_t expires_delta = int64_t{after_exp} - int64_t{before_exp};
  if (keys_delta != 0) AddCounterDelta(batch, meta_cf, encoding::KeysCounterKey(db), keys_delta);
  if (expires_delta != 0) AddCounterDelta(batch, meta_cf, encoding::ExpiresCounterKey(db), expires_delta);
  if (before_exp == after_exp && (!before_exp || before.expire_at_ms == after.expire_at_ms)) return;
  static thread_local std::string ikey;  // reused: index keys rarely fit a short string
  if (before_exp) {
    encoding::EncodeExpiryKey(&ikey, before.expire_at_ms, db, key);
    batch->Delete(expiry_cf, ikey);
  }
  if (after_exp) {
    encoding::EncodeExpiryKey(&ikey, after.expire_at_ms, db, key);
    batch->Put(expiry_cf, ikey, rocksdb::Slice());
    // Keep the index floor below every entry (the caller holds this key's stripe until it commits).
    AtomicMin(inserted_min, after.expire_at_ms);
    AtomicMin(index_floor, after.expire_at_ms);
  }
}

std::string Engine::Impl::IndexFloorKey() const {
  std::string out;
  encoding::AppendFixed64BE(&out, static_cast<uint64_t>(std::max<int64_t>(0, index_floor.load())));
  return out;
}

void Engine::Impl::NotifyExpired(int db, std::string_view key, bool replaced) {
  expired_keys.fetch_add(1, std::memory_order_relaxed);
  KeyEventSink* sink = key_event_sink.load(std::memory_order_acquire);
  if (sink == nullptr) return;
  db = db_map.Logical(db);
  sink->OnKeyExpired(db, key);
  if (replaced) sink->OnKeyCreated(db, key);
}

void Engine::Impl::ReportModified(int db, std::string_view key, bool created) {
  KeyEventSink* sink = key_event_sink.load(std::memory_order_acquire);
  if (sink == nullptr) return;
  db = db_map.Logical(db);
  if (created) sink->OnKeyCreated(db, key);
  sink->OnKeyModified(db, key);
}

void Engine::SetKeyEventSink(KeyEventSink* sink) {
  impl_->key_event_sink.store(sink, std::memory_order_release);
  // Every call to a sink happens while its caller holds a key stripe (after loading the pointer under
  // it), so once every stripe has been taken and released, no call to the previous sink is still
  // running or can start: the caller may destroy it.
  auto all = MultiKeyLock::All(impl_->locks);
}

Status Engine::Impl::AddCloneValue(rocksdb::WriteBatch* batch, const OldValue& src,
                                   std::string_view src_data_key, int dst_db,
                                   std::string_view dst_data_key) const {
  const rocksdb::Slice dst(dst_data_key.data(), dst_data_key.size());
  if (src.header.type == KeyType::kString) {
    batch->Put(data_cf, dst, src.raw);
    return Status::OK();
  }
  // A collection: the copy gets a fresh version, and every member is copied under it (O(size), as
  // COPY is in Redis). The source's data key gives its db and user key.
  auto& self = const_cast<Engine::Impl&>(*this);
  const uint64_t version = collection::NextVersion(self);
  const int src_db = static_cast<uint8_t>(src_data_key[0]);
  Status st = collection::CloneMembers(self, src_db, encoding::UserKeyOf(src_data_key), src.header.version, dst_db,
                                       encoding::UserKeyOf(dst_data_key), version, batch);
  if (!st.ok()) return st;
  batch->Put(data_cf, dst,
             collection::EncodeMetadata(src.header.type, src.header.expire_at_ms, version, src.header.size,
                                        std::string_view(src.raw).substr(encoding::kCollectionHeaderSize)));
  return Status::OK();
}

void Engine::Impl::AddDeleteValue(rocksdb::WriteBatch* batch, const OldValue& old,
                                  std::string_view data_key) const {
  // For every type deleting the header is enough: collection members keyed by the old version are
  // invisible from now on and reclaimed by the members compaction filter (issue 3).
  (void)old;
  batch->Delete(data_cf, rocksdb::Slice(data_key.data(), data_key.size()));
}

}  // namespace redrock::engine
