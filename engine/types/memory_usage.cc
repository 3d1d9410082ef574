#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/db.h>

#include "engine/types/collection.h"
#include "engine/storage/encoding.h"
#include "engine/storage/engine_impl.h"
#include "redrock/engine/memory.h"
#include "engine/types/stream_internal.h"
#include "engine/types/zset_internal.h"

namespace redrock::engine {

namespace {

uint64_t VarintLength(uint64_t v) {
  uint64_t n = 1;
  while (v >= 128) {
    v >>= 7;
    ++n;
  }
  return n;
}

// One RocksDB entry as a data block stores it: the internal key (user key + 8-byte sequence/type
// trailer), the value, and the shared/unshared/value length varints (no prefix sharing assumed).
uint64_t EntryBytes(uint64_t key_bytes, uint64_t value_bytes) {
  const uint64_t internal_key = key_bytes + 8;
  return internal_key + value_bytes + 1 + VarintLength(internal_key) + VarintLength(value_bytes);
}

// Releases a snapshot on every return path.
class SnapshotHolder {
 public:
  explicit SnapshotHolder(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~SnapshotHolder() { db_->ReleaseSnapshot(snapshot_); }
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace

Result<int64_t> MemoryUsage(Engine& engine, int db, std::string_view key, int64_t samples) {
  DbHold hold(engine, db);
  Engine::Impl& impl = EngineInternals::Of(engine);
  SnapshotHolder snapshot(impl.db);
  std::string data_key;
  encoding::EncodeDataKey(&data_key, db, key);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  rocksdb::PinnableSlice raw;
  const rocksdb::Status s = impl.db->Get(ro, impl.data_cf, data_key, &raw);
  if (s.IsNotFound()) return Status::NotFound();
  if (!s.ok()) return impl.ReadError(s);
  encoding::ValueHeader header;
  if (!encoding::ParseValueHeader(std::string_view(raw.data(), raw.size()), &header)) {
    return Status::Corruption("malformed value header");
  }
  if (encoding::IsExpired(header.expire_at_ms, impl.Now())) return Status::NotFound();

  uint64_t total = EntryBytes(data_key.size(), raw.size());
  if (header.expire_at_ms != 0) total += EntryBytes(8 + data_key.size(), 0);  // [time][db][key] -> ""
  if (header.type == KeyType::kString || header.size == 0) return static_cast<int64_t>(total);

  // A sorted set's two entries per member have the same size ('m' + member -> 8-byte score, and
  // 's' + 8-byte score + member -> ""), so sampling its member space and doubling covers both.
  // A stream's size counts its entries: sample the entry space (nodes, groups and PELs are left out).
  const bool zset = header.type == KeyType::kZSet;
  static constexpr char kStreamEntries[] = {stream::kEntrySpace};
  std::string_view space;
  if (zset) space = zset::kMemberSpace;
  if (header.type == KeyType::kStream) space = std::string_view(kStreamEntries, 1);
  std::string prefix;
  collection::EncodeMemberPrefix(&prefix, db, key, header.version);
  const uint64_t prefix_bytes = prefix.size();
  collection::MemberIterator it(impl.db, impl.members_cf, snapshot.get(), std::move(prefix), space);
  const uint64_t limit = samples <= 0 ? header.size : static_cast<uint64_t>(samples);
  uint64_t sampled = 0, sampled_bytes = 0;
  for (it.SeekToFirst(); it.Valid() && sampled < limit; it.Next(), ++sampled) {
    sampled_bytes += EntryBytes(prefix_bytes + it.suffix().size(), it.value().size());
  }
  const Status st = it.status();
  if (!st.ok()) return st;
  if (sampled == 0) return static_cast<int64_t>(total);
  uint64_t members_bytes = sampled_bytes;
  if (sampled < header.size) {
    members_bytes = static_cast<uint64_t>(static_cast<long double>(sampled_bytes) / sampled * header.size);
  }
  total += zset ? 2 * members_bytes : members_bytes;
  return static_cast<int64_t>(total);
}

}  // namespace redrock::engine
