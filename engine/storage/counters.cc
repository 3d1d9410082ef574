// The counter merge operator, and DBSIZE / Keyspace built on the counters and the expiry index.
#include "engine/storage/counters.h"

#include <algorithm>

#include "engine/storage/encoding.h"
#include "engine/storage/engine_impl.h"

namespace redrock::engine {

namespace {

class CounterMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing_value, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    int64_t base = 0;
    int64_t delta = 0;
    if (existing_value != nullptr &&
        !encoding::DecodeCounter(std::string_view(existing_value->data(), existing_value->size()), &base)) {
      return false;
    }
    if (!encoding::DecodeCounter(std::string_view(value.data(), value.size()), &delta)) return false;
    // Wrapping add: counters never get near the limit, and UB is not an option in a merge.
    *new_value = encoding::EncodeCounter(
        static_cast<int64_t>(static_cast<uint64_t>(base) + static_cast<uint64_t>(delta)));
    return true;
  }
  const char* Name() const override { return "redrock.CounterAdd"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewCounterMergeOperator() {
  return std::make_shared<CounterMergeOperator>();
}

void AddCounterDelta(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                     int64_t delta) {
  batch->Merge(cf, key, encoding::EncodeCounter(delta));
}

void AddCounterReset(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
  batch->Put(cf, key, encoding::EncodeCounter(0));
}

Status Engine::Impl::ReadCounter(const std::string& counter_key, int64_t* out) const {
  *out = 0;
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), meta_cf, counter_key, &value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return ReadError(s);
  if (!encoding::DecodeCounter(std::string_view(value.data(), value.size()), out)) {
    return Status::Corruption("malformed counter " + counter_key);
  }
  return Status::OK();
}

Status Engine::Impl::CountDueEntries(int db, int64_t now, int64_t* out) const {
  *out = 0;
  const std::string upper = encoding::ExpiryUpperBound(now);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(this->db->NewIterator(ro, expiry_cf));
  for (it->Seek(IndexFloorKey()); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    if (k.size() >= 9 && static_cast<uint8_t>(k[8]) == db) ++*out;
  }
  if (!it->status().ok()) return ReadError(it->status());
  return Status::OK();
}

Result<int64_t> Engine::DbSize(int db) {
  DbHold hold(impl_->db_map, db);
  int64_t keys = 0;
  int64_t due = 0;
  Status st = impl_->ReadCounter(encoding::KeysCounterKey(db), &keys);
  if (!st.ok()) return st;
  st = impl_->CountDueEntries(db, impl_->Now(), &due);
  if (!st.ok()) return st;
  return std::max<int64_t>(0, keys - due);
}

KeyspaceInfo Engine::Keyspace(int db) {
  DbHold hold(impl_->db_map, db);
  KeyspaceInfo info;
  const int64_t now = impl_->Now();
  int64_t keys = 0;
  int64_t expires = 0;
  int64_t due = 0;
  if (!impl_->ReadCounter(encoding::KeysCounterKey(db), &keys).ok() ||
      !impl_->ReadCounter(encoding::ExpiresCounterKey(db), &expires).ok() ||
      !impl_->CountDueEntries(db, now, &due).ok()) {
    return info;
  }
  info.keys = std::max<int64_t>(0, keys - due);
  info.expires = std::max<int64_t>(0, expires - due);
  if (info.expires == 0) return info;

  // avg_ttl: sample the live part of the index (times after now) at evenly spaced points between now
  // and the latest expiry, a few entries of this db at each point.
  constexpr int kPoints = 16;
  constexpr int kPerPoint = 8;
  constexpr int kMaxSteps = 256;  // entries of other dbs examined per point, at most
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->expiry_cf));
  it->SeekToLast();
  if (!it->Valid() || it->key().size() < 8) return info;
  const int64_t last = static_cast<int64_t>(encoding::GetFixed64BE(it->key().data()));
  if (last <= now) return info;
  long double sum = 0;
  int64_t samples = 0;
  for (int p = 0; p < kPoints; ++p) {
    const int64_t at = now + 1 + (last - now) / kPoints * p;
    std::string seek_key;
    encoding::AppendFixed64BE(&seek_key, static_cast<uint64_t>(at));
    it->Seek(seek_key);
    int taken = 0;
    for (int steps = 0; it->Valid() && taken < kPerPoint && steps < kMaxSteps; it->Next(), ++steps) {
      int64_t t = 0;
      int kdb = 0;
      std::string_view ukey;
      if (!encoding::DecodeExpiryKey(std::string_view(it->key().data(), it->key().size()), &t, &kdb, &ukey)) {
        continue;
      }
      if (kdb != db) continue;
      sum += static_cast<long double>(t - now);
      ++samples;
      ++taken;
    }
  }
  if (samples > 0) info.avg_ttl_ms = static_cast<int64_t>(sum / samples);
  return info;
}

}  // namespace redrock::engine
