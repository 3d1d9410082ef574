// Generic key commands (DEL, EXISTS, TYPE, EXPIRE family, RENAME, COPY, MOVE, FLUSHDB). They only touch
// the value header, so they work unchanged for every type; copies go through AddCloneValue.
#include <unordered_set>

#include "engine/storage/counters.h"
#include "engine/storage/engine_impl.h"

namespace redrock::engine {

namespace {

std::string DataKey(int db, std::string_view key) {
  std::string out;
  encoding::EncodeDataKey(&out, db, key);
  return out;
}

}  // namespace

Result<int64_t> Engine::Delete(int db, std::span<const std::string_view> keys) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  std::vector<std::string> dkeys;
  std::vector<size_t> idx;  // index into keys of each distinct key
  std::unordered_set<std::string_view> seen;
  dkeys.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!seen.insert(keys[i]).second) continue;
    dkeys.push_back(DataKey(db, keys[i]));
    idx.push_back(i);
  }
  std::vector<size_t> stripes;
  for (const auto& k : dkeys) stripes.push_back(KeyLocks::StripeOf(k));
  MultiKeyLock lock(impl.locks, std::move(stripes));
  const int64_t now = impl.Now();
  KeyedBatch batch;
  int64_t removed = 0;
  std::vector<size_t> expired;
  for (size_t j = 0; j < dkeys.size(); ++j) {
    OldValue old;
    Status st = impl.ReadOld(dkeys[j], now, &old, false);
    if (!st.ok()) return st;
    if (!old.present) continue;
    if (old.live()) ++removed; else expired.push_back(idx[j]);
    impl.AddDeleteValue(&batch, old, dkeys[j]);
    impl.AddBookkeeping(&batch, dkeys[j], keys[idx[j]], old.phys(), PhysState{});
  }
  if (batch.Count() > 0) {
    Status st = impl.Write(&batch);
    if (!st.ok()) return st;
  }
  for (size_t i : expired) impl.NotifyExpired(db, keys[i]);
  return removed;
}

Result<int64_t> Engine::Exists(int db, std::span<const std::string_view> keys) {
  DbHold hold(impl_->db_map, db);
  int64_t count = 0;
  const int64_t now = impl_->Now();
  std::string dkey;
  for (std::string_view key : keys) {
    encoding::EncodeDataKey(&dkey, db, key);
    rocksdb::PinnableSlice value;
    encoding::ValueHeader h;
    Status st = impl_->ReadLive(dkey, now, &value, &h);
    impl_->CountLookupOf(st);
    if (st.ok()) {
      ++count;
    } else if (!st.IsNotFound()) {
      return st;
    }
  }
  return count;
}

Result<KeyType> Engine::Type(int db, std::string_view key) {
  DbHold hold(impl_->db_map, db);
  rocksdb::PinnableSlice value;
  encoding::ValueHeader h;
  Status st = impl_->ReadLive(DataKey(db, key), impl_->Now(), &value, &h);
  impl_->CountLookupOf(st);
  if (st.IsNotFound()) return KeyType::kNone;
  if (!st.ok()) return st;
  return h.type;
}

Result<bool> Engine::ExpireAt(int db, std::string_view key, int64_t at_ms, ExpireCondition condition) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  const std::string dkey = DataKey(db, key);
  SingleKeyLock lock(impl.locks, dkey);
  const int64_t now = impl.Now();
  OldValue old;
  Status st = impl.ReadOld(dkey, now, &old);
  if (!st.ok()) return st;
  if (!old.live()) return false;
  const int64_t current = old.header.expire_at_ms;  // 0 = none, which GT/LT treat as infinite
  switch (condition) {
    case ExpireCondition::kAlways: break;
    case ExpireCondition::kNX: if (current != 0) return false; break;
    case ExpireCondition::kXX: if (current == 0) return false; break;
    case ExpireCondition::kGT: if (current == 0 || at_ms <= current) return false; break;
    case ExpireCondition::kLT: if (current != 0 && at_ms >= current) return false; break;
    case ExpireCondition::kXXLT: if (current == 0 || at_ms >= current) return false; break;
  }
  KeyedBatch batch;
  if (at_ms <= now) {
    impl.AddDeleteValue(&batch, old, dkey);
    impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{});
  } else {
    batch.Put(impl.data_cf, dkey, encoding::WithExpiry(old.raw, at_ms));
    impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{true, at_ms});
  }
  st = impl.Write(&batch);
  if (!st.ok()) return st;
  return true;
}

Result<bool> Engine::Persist(int db, std::string_view key) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  const std::string dkey = DataKey(db, key);
  SingleKeyLock lock(impl.locks, dkey);
  OldValue old;
  Status st = impl.ReadOld(dkey, impl.Now(), &old);
  if (!st.ok()) return st;
  if (!old.live() || old.header.expire_at_ms == 0) return false;
  KeyedBatch batch;
  batch.Put(impl.data_cf, dkey, encoding::WithExpiry(old.raw, 0));
  impl.AddBookkeeping(&batch, dkey, key, old.phys(), PhysState{true, 0});
  st = impl.Write(&batch);
  if (!st.ok()) return st;
  return true;
}

Result<int64_t> Engine::PTtl(int db, std::string_view key) {
  DbHold hold(impl_->db_map, db);
  const int64_t now = impl_->Now();
  rocksdb::PinnableSlice value;
  encoding::ValueHeader h;
  Status st = impl_->ReadLive(DataKey(db, key), now, &value, &h);
  impl_->CountLookupOf(st);
  if (st.IsNotFound()) return kTtlMissing;
  if (!st.ok()) return st;
  if (h.expire_at_ms == 0) return kTtlNone;
  return std::max<int64_t>(0, h.expire_at_ms - now);
}

Result<int64_t> Engine::ExpireTimeMs(int db, std::string_view key) {
  DbHold hold(impl_->db_map, db);
  rocksdb::PinnableSlice value;
  encoding::ValueHeader h;
  Status st = impl_->ReadLive(DataKey(db, key), impl_->Now(), &value, &h);
  impl_->CountLookupOf(st);
  if (st.IsNotFound()) return kTtlMissing;
  if (!st.ok()) return st;
  if (h.expire_at_ms == 0) return kTtlNone;
  return h.expire_at_ms;
}

namespace {

// Moves or copies the live value `src` (at src_dkey in src_db) onto dst_dkey in dst_db, replacing
// whatever is there (`dst`, as read under the lock). Returns the status of the write.
Status Transfer(Engine::Impl& impl, int src_db, std::string_view src_key, const std::string& src_dkey,
                const OldValue& src, int dst_db, std::string_view dst_key, const std::string& dst_dkey,
                const OldValue& dst, bool remove_src) {
  KeyedBatch batch;
  Status st = impl.AddCloneValue(&batch, src, src_dkey, dst_db, dst_dkey);
  if (!st.ok()) return st;
  impl.AddBookkeeping(&batch, dst_dkey, dst_key, dst.phys(), PhysState{true, src.header.expire_at_ms},
                      /*recreated=*/true);
  if (remove_src) {
    // The clone's Put on dst is ordered before this Delete; the keys differ, so both apply.
    impl.AddDeleteValue(&batch, src, src_dkey);
    impl.AddBookkeeping(&batch, src_dkey, src_key, src.phys(), PhysState{});
  }
  st = impl.Write(&batch);
  if (!st.ok()) return st;
  if (dst.expired) impl.NotifyExpired(dst_db, dst_key, /*replaced=*/true);
  return Status::OK();
}

}  // namespace

Result<bool> Engine::Rename(int db, std::string_view src, std::string_view dst, bool nx) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  const std::string src_dkey = DataKey(db, src);
  const std::string dst_dkey = DataKey(db, dst);
  MultiKeyLock lock(impl.locks, {KeyLocks::StripeOf(src_dkey), KeyLocks::StripeOf(dst_dkey)});
  const int64_t now = impl.Now();
  OldValue src_old;
  Status st = impl.ReadOld(src_dkey, now, &src_old);
  if (!st.ok()) return st;
  if (!src_old.live()) return Status::NotFound();
  if (src == dst) return !nx;
  OldValue dst_old;
  st = impl.ReadOld(dst_dkey, now, &dst_old, false);
  if (!st.ok()) return st;
  if (nx && dst_old.live()) return false;
  st = Transfer(impl, db, src, src_dkey, src_old, db, dst, dst_dkey, dst_old, /*remove_src=*/true);
  if (!st.ok()) return st;
  return true;
}

namespace {

// COPY and MOVE: under both keys' locks, copy the live src onto dst (replacing a live dst only with
// `replace`), removing src for a move. False when src is missing or dst is in the way. A copy's read of
// src is a lookup (Redis's COPY reads it with lookupKeyRead, MOVE with lookupKeyWrite).
Result<bool> CopyOrMove(Engine::Impl& impl, int src_db, std::string_view src, int dst_db, std::string_view dst,
                        bool replace, bool remove_src) {
  const std::string src_dkey = DataKey(src_db, src);
  const std::string dst_dkey = DataKey(dst_db, dst);
  MultiKeyLock lock(impl.locks, {KeyLocks::StripeOf(src_dkey), KeyLocks::StripeOf(dst_dkey)});
  const int64_t now = impl.Now();
  OldValue src_old;
  Status st = impl.ReadOld(src_dkey, now, &src_old);
  if (!st.ok()) return st;
  if (!remove_src) impl.CountLookup(src_old.live());
  if (!src_old.live()) return false;
  OldValue dst_old;
  st = impl.ReadOld(dst_dkey, now, &dst_old, false);
  if (!st.ok()) return st;
  if (dst_old.live() && !replace) return false;
  st = Transfer(impl, src_db, src, src_dkey, src_old, dst_db, dst, dst_dkey, dst_old, remove_src);
  if (!st.ok()) return st;
  return true;
}

}  // namespace

Result<bool> Engine::Copy(int src_db, std::string_view src, int dst_db, std::string_view dst, bool replace) {
  DbHold hold(impl_->db_map, src_db, dst_db);
  if (src_db == dst_db && src == dst) {
    return Status::InvalidArgument("source and destination objects are the same");
  }
  return CopyOrMove(*impl_, src_db, src, dst_db, dst, replace, /*remove_src=*/false);
}

Result<bool> Engine::Move(int db, std::string_view key, int dst_db) {
  DbHold hold(impl_->db_map, db, dst_db);
  if (db == dst_db) return Status::InvalidArgument("source and destination objects are the same");
  return CopyOrMove(*impl_, db, key, dst_db, key, /*replace=*/false, /*remove_src=*/true);
}

namespace {

// Deletes every key of `cf` from `begin` on: one range tombstone up to a bound no realistic key
// reaches, then (for completeness) the keys above that bound one by one.
Status AddDeleteFrom(Engine::Impl& impl, rocksdb::ColumnFamilyHandle* cf, const std::string& begin,
                     rocksdb::WriteBatch* batch) {
  const std::string high(16, '\xff');
  batch->DeleteRange(cf, begin, high);
  std::unique_ptr<rocksdb::Iterator> it(impl.db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->Seek(high); it->Valid(); it->Next()) batch->Delete(cf, it->key());
  if (!it->status().ok()) return impl.ReadError(it->status());
  return Status::OK();
}

// Adds the removal of every key, index entry and member of `db` to `batch` and resets its counters.
// Caller holds every stripe.
Status AddFlushDb(Engine::Impl& impl, int db, rocksdb::WriteBatch* batch) {
  const std::string begin = encoding::DbBegin(db);
  const std::string end = encoding::DbEnd(db);
  if (end.empty()) {  // db 255: the last range has no successor
    Status st = AddDeleteFrom(impl, impl.data_cf, begin, batch);
    if (st.ok()) st = AddDeleteFrom(impl, impl.members_cf, begin, batch);
    if (!st.ok()) return st;
  } else {
    batch->DeleteRange(impl.data_cf, begin, end);
    batch->DeleteRange(impl.members_cf, begin, end);
  }
  // The index is ordered by time, so this db's entries are scattered: walk it.
  std::unique_ptr<rocksdb::Iterator> it(impl.db->NewIterator(rocksdb::ReadOptions(), impl.expiry_cf));
  for (it->Seek(impl.IndexFloorKey()); it->Valid(); it->Next()) {
    if (it->key().size() >= 9 && static_cast<uint8_t>(it->key()[8]) == db) batch->Delete(impl.expiry_cf, it->key());
  }
  if (!it->status().ok()) return impl.ReadError(it->status());
  AddCounterReset(batch, impl.meta_cf, encoding::KeysCounterKey(db));
  AddCounterReset(batch, impl.meta_cf, encoding::ExpiresCounterKey(db));
  return Status::OK();
}

}  // namespace

Status Engine::FlushDb(int db) {
  DbHold hold(impl_->db_map, db);
  Impl& impl = *impl_;
  auto lock = MultiKeyLock::All(impl.locks);
  impl.value_cache.Clear(db);
  KeyedBatch batch;
  Status st = AddFlushDb(impl, db, &batch);
  if (!st.ok()) return st;
  st = impl.Write(&batch);
  if (!st.ok()) return st;
  if (KeyEventSink* sink = impl.key_event_sink.load(std::memory_order_acquire)) {
    sink->OnFlushed(impl.db_map.Logical(db));
  }
  return Status::OK();
}

Status Engine::FlushAll() {
  DbHold hold(impl_->db_map);
  Impl& impl = *impl_;
  auto lock = MultiKeyLock::All(impl.locks);
  impl.value_cache.Clear(-1);
  KeyedBatch batch;
  for (auto* cf : {impl.data_cf, impl.members_cf, impl.expiry_cf}) {
    Status st = AddDeleteFrom(impl, cf, std::string(), &batch);
    if (!st.ok()) return st;
  }
  for (int db = 0; db < impl.options.databases; ++db) {
    const int physical = impl.db_map.Physical(db);
    AddCounterReset(&batch, impl.meta_cf, encoding::KeysCounterKey(physical));
    AddCounterReset(&batch, impl.meta_cf, encoding::ExpiresCounterKey(physical));
  }
  Status st = impl.Write(&batch);
  if (!st.ok()) return st;
  if (KeyEventSink* sink = impl.key_event_sink.load(std::memory_order_acquire)) sink->OnFlushed(-1);
  return Status::OK();
}

Status Engine::SwapDb(int a, int b) {
  Impl& impl = *impl_;
  const int n = impl.options.databases;
  if (a < 0 || a >= n || b < 0 || b >= n) return Status::InvalidArgument("DB index is out of range");
  if (a == b) return Status::OK();
  if (impl.db_map.HeldByThisThread()) return Status::InvalidArgument("SwapDb inside another engine call");
  // No call is in flight from here until the map has changed (db_map.h); the record goes to the WAL
  // first, so a failed write swaps nothing and a restart finds the map that clients were answered from.
  DbMap::Exclusive exclusive(impl.db_map);
  rocksdb::WriteBatch batch;
  batch.Put(impl.meta_cf, rocksdb::Slice(DbMap::kRecordKey.data(), DbMap::kRecordKey.size()),
            impl.db_map.EncodeSwapped(a, b));
  Status st = impl.Write(&batch);
  if (!st.ok()) return st;
  impl.db_map.Swap(a, b);
  return Status::OK();
}

}  // namespace redrock::engine
