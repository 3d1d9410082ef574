// Active expiry: walk the time-ordered expiry index up to now and delete what is due, in bounded
// chunks, keeping the counters exact; the background thread that runs it.
#include <chrono>

#include "engine/storage/counters.h"
#include "engine/storage/engine_impl.h"

namespace redrock::engine {

namespace {

constexpr size_t kChunk = 1000;
// After this many index deletions, compact the drained part of the index so that seeks from its
// beginning do not wade through tombstones.
constexpr int64_t kCompactAfterDeletes = 50000;

struct DueEntry {
  std::string index_key;
  int64_t at = 0;
  int db = 0;
  std::string key;
  std::string data_key;
};

}  // namespace

bool Engine::Impl::AnythingDue() const {
  const std::string floor_key = IndexFloorKey();
  const std::string upper = encoding::ExpiryUpperBound(Now());
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, expiry_cf));
  it->Seek(floor_key);
  // An iterator error counts as due: the pass then meets it and stops as it always did.
  return it->Valid() || !it->status().ok();
}

// The index floor, without stopping the writers. A pass that finds nothing due returns at once and
// touches no stripe. Otherwise it resets `inserted_min` and then takes and releases every stripe in
// turn, never two at once: a writer that lowered `inserted_min` before the reset holds its stripe
// from AddBookkeeping until its batch is in the memtable, so once the sweep has passed its stripe that
// entry is visible to the pass's iterators; every later writer is recorded in `inserted_min`. A pass
// that drained everything due at `now` sets the floor to min(now + 1, inserted_min) and then lowers it
// again to `inserted_min` as read after that store: a writer lowers `inserted_min` before it reads
// the floor (AtomicMin, seq_cst), so one whose own lowering of the floor the store overwrote is seen
// by the second read. Writers that come later lower the floor themselves.
int64_t Engine::Impl::RunExpiryCycle() {
  std::lock_guard cycle_lock(expiry_cycle_mu);
  if (!AnythingDue()) return 0;
  inserted_min.store(INT64_MAX);
  for (size_t i = 0; i < KeyLocks::kStripes; ++i) {
    std::lock_guard passing(locks.Stripe(i));
  }
  const std::string floor_key = IndexFloorKey();
  int64_t removed = 0;
  bool drained = false;  // everything due at drained_now was seen and handled
  int64_t drained_now = 0;
  while (true) {
    const int64_t now = Now();
    std::vector<DueEntry> due;
    {
      const std::string upper = encoding::ExpiryUpperBound(now);
      rocksdb::Slice upper_slice(upper);
      rocksdb::ReadOptions ro;
      ro.iterate_upper_bound = &upper_slice;
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, expiry_cf));
      for (it->Seek(floor_key); it->Valid() && due.size() < kChunk; it->Next()) {
        DueEntry e;
        std::string_view ukey;
        const std::string_view ikey(it->key().data(), it->key().size());
        if (!encoding::DecodeExpiryKey(ikey, &e.at, &e.db, &ukey)) continue;
        e.index_key.assign(ikey);
        e.key.assign(ukey);
        encoding::EncodeDataKey(&e.data_key, e.db, ukey);
        due.push_back(std::move(e));
      }
      if (!it->status().ok()) break;
    }
    if (due.empty()) {
      drained = true;
      drained_now = now;
      break;
    }

    std::vector<size_t> stripes;
    stripes.reserve(due.size());
    for (const auto& e : due) stripes.push_back(KeyLocks::StripeOf(e.data_key));
    std::vector<const DueEntry*> expired;
    bool failed = false;
    {
      // The index names physical dbs; NotifyExpired reports logical ones, so the map is pinned from
      // before the stripes (the lock order) until the events are out.
      DbHold hold(db_map);
      MultiKeyLock lock(locks, std::move(stripes));
      KeyedBatch batch;
      for (const auto& e : due) {
        // Re-check under the lock: a writer may have changed the expiry (and its index entry), or
        // FLUSHDB removed it, since the iteration above.
        std::string unused_value;
        rocksdb::Status s = db->Get(rocksdb::ReadOptions(), expiry_cf, e.index_key, &unused_value);
        if (s.IsNotFound()) continue;
        OldValue old;
        if (!s.ok() || !ReadOld(e.data_key, now, &old, false).ok()) {
          failed = true;
          continue;
        }
        if (old.present && old.header.expire_at_ms == e.at) {
          AddDeleteValue(&batch, old, e.data_key);
          AddBookkeeping(&batch, e.data_key, e.key, old.phys(), PhysState{});
          expired.push_back(&e);
        } else {
          // Index maintenance is exact, so an entry whose value is gone (or has another expiry) means
          // the compaction filter dropped that value; it is still counted, so uncount it.
          batch.Delete(expiry_cf, e.index_key);
          AddCounterDelta(&batch, meta_cf, encoding::KeysCounterKey(e.db), -1);
          AddCounterDelta(&batch, meta_cf, encoding::ExpiresCounterKey(e.db), -1);
        }
      }
      if (batch.Count() > 0 && !Write(&batch).ok()) {
        failed = true;
        expired.clear();
      }
      // Still under the stripes, as every key event is reported (see Engine::SetKeyEventSink).
      for (const DueEntry* e : expired) NotifyExpired(e->db, e->key);
    }
    removed += static_cast<int64_t>(expired.size());
    index_deletes_since_compaction += static_cast<int64_t>(due.size());
    if (failed) break;
    if (due.size() < kChunk) {
      drained = true;
      drained_now = now;
      break;
    }
    std::lock_guard lock(bg_mu);
    if (stopping) break;
  }
  if (drained) {
    index_floor.store(std::min(drained_now + 1, inserted_min.load()));
    AtomicMin(index_floor, inserted_min.load());
  }
  // Not while writes are stopped: CompactRange flushes the memtable first (see write_failed in
  // engine_impl.h).
  if (index_deletes_since_compaction >= kCompactAfterDeletes && !write_failed.load()) {
    // Reclaim the drained tombstones' space (the floor already keeps scans from reading them).
    index_deletes_since_compaction = 0;
    const std::string upper = IndexFloorKey();
    rocksdb::Slice upper_slice(upper);
    rocksdb::CompactRangeOptions cro;
    db->CompactRange(cro, expiry_cf, nullptr, &upper_slice).PermitUncheckedError();
  }
  return removed;
}

void Engine::Impl::ExpiryThreadMain() {
  const auto interval = std::chrono::milliseconds(std::max(1, options.active_expiry_interval_ms));
  std::unique_lock lock(bg_mu);
  while (!stopping) {
    bg_cv.wait_for(lock, interval, [this] { return stopping || expiry_wake.load(); });
    if (stopping) break;
    expiry_wake.store(false);
    lock.unlock();
    RunExpiryCycle();
    lock.lock();
  }
}

}  // namespace redrock::engine
