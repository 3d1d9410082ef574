// ZSetSnapshot (zset.h), for the GEO commands: several reads of one sorted set from one snapshot and one
// lookup, and (OpenForStore) a computed sorted set written over a destination under the same lock.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/storage/key_locks.h"
#include "engine/types/collection.h"
#include "engine/types/zset_internal.h"
#include "redrock/engine/zset.h"

namespace redrock::engine {

namespace {

// Replaces whatever the writer's key holds with exactly `members`; an empty set deletes the key.
Status ReplaceWith(collection::Writer& w, std::span<const ScoredMember> members) {
  if (!w.status().ok()) return w.status();
  w.Recreate(KeyType::kZSet);
  std::string scratch;
  for (const ScoredMember& m : members) zset::PutEntry(w, m.member, zset::Normalize(m.score), &scratch);
  w.set_size(members.size());
  return w.Commit();
}

}  // namespace

struct ZSetSnapshot::Impl {
  // `db_` is physical (the caller's DbHold mapped it); the reads come from the snapshot taken here.
  Impl(Engine& engine_, int db_, std::string_view key) : engine(engine_), db(db_), reader(engine_, db_, key) {}
  // Pins the db map (Store() writes later, into the database it read), then locks, then reads (members
  // initialize in declaration order). `db_` is logical here.
  Impl(Engine& engine_, int db_, std::string_view key, std::string_view dst_, std::span<const std::string_view> keys)
      : pinned(std::in_place, engine_, db_), engine(engine_), db(db_), lock(collection::LockKeys(engine_, db_, keys)),
        dst(dst_), reader(engine_, db_, key) {}
  std::optional<DbHold> pinned;  // OpenForStore only
  Engine& engine;
  int db;
  std::optional<MultiKeyLock> lock;  // OpenForStore only
  std::string dst;
  collection::Reader reader;
};

ZSetSnapshot::ZSetSnapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZSetSnapshot::~ZSetSnapshot() = default;

Result<std::unique_ptr<ZSetSnapshot>> ZSetSnapshot::Open(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  auto impl = std::make_unique<Impl>(engine, db, key);
  Status st = impl->reader.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  return std::unique_ptr<ZSetSnapshot>(new ZSetSnapshot(std::move(impl)));
}

Result<std::unique_ptr<ZSetSnapshot>> ZSetSnapshot::OpenForStore(Engine& engine, int db, std::string_view key,
                                                                  std::string_view dst) {
  const std::string_view keys[] = {key, dst};
  auto impl = std::make_unique<Impl>(engine, db, key, dst, keys);
  Status st = impl->reader.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  return std::unique_ptr<ZSetSnapshot>(new ZSetSnapshot(std::move(impl)));
}

Result<ZSetSnapshot::StoreResult> ZSetSnapshot::Store(std::span<const ScoredMember> members) {
  if (!impl_->lock) return Status::InvalidArgument("ZSetSnapshot::Store without OpenForStore");
  collection::Writer w(impl_->engine, impl_->db, impl_->dst, collection::Writer::AlreadyLocked{});
  StoreResult out;
  out.dst_existed = w.status().ok() && w.exists();
  Status st = ReplaceWith(w, members);
  if (!st.ok()) return st;
  out.size = static_cast<int64_t>(members.size());
  return out;
}

bool ZSetSnapshot::exists() const { return impl_->reader.exists(); }

Result<double> ZSetSnapshot::Score(std::string_view member) const {
  if (!impl_->reader.exists()) return Status::NotFound();
  std::string scratch;
  double score = 0;
  bool found = false;
  Status st = zset::GetScore(impl_->reader, member, &scratch, &score, &found);
  if (!st.ok()) return st;
  if (!found) return Status::NotFound();
  return score;
}

Result<std::vector<ScoredMember>> ZSetSnapshot::Range(const ZRangeQuery& query) const {
  std::vector<ScoredMember> out;
  if (!impl_->reader.exists()) return out;
  auto it = impl_->reader.NewIterator(zset::kScoreSpace);
  Status st = zset::CollectRange(*it, impl_->reader.size(), query, &out);
  if (!st.ok()) return st;
  return out;
}

}  // namespace redrock::engine
