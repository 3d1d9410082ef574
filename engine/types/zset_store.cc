// For the GEO commands (zset.h): ZReplace, writing a computed sorted set over a destination key, and
// ZSetSnapshot, several reads of one sorted set from one snapshot and one lookup.

#include <memory>
#include <string>
#include <utility>
#include <vector>
#include <string_view>

#include "engine/types/collection.h"
#include "engine/types/zset_internal.h"
#include "redrock/engine/zset.h"

namespace redrock::engine {

Result<int64_t> ZReplace(Engine& engine, int db, std::string_view dst, std::span<const ScoredMember> members) {
  collection::Writer w(engine, db, dst);
  if (!w.status().ok()) return w.status();
  w.Recreate(KeyType::kZSet);
  std::string scratch;
  for (const ScoredMember& m : members) zset::PutEntry(w, m.member, zset::Normalize(m.score), &scratch);
  w.set_size(members.size());
  Status st = w.Commit();
  if (!st.ok()) return st;
  return static_cast<int64_t>(members.size());
}

struct ZSetSnapshot::Impl {
  Impl(Engine& engine, int db, std::string_view key) : reader(engine, db, key) {}
  collection::Reader reader;
};

ZSetSnapshot::ZSetSnapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZSetSnapshot::~ZSetSnapshot() = default;

Result<std::unique_ptr<ZSetSnapshot>> ZSetSnapshot::Open(Engine& engine, int db, std::string_view key) {
  auto impl = std::make_unique<Impl>(engine, db, key);
  Status st = impl->reader.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  return std::unique_ptr<ZSetSnapshot>(new ZSetSnapshot(std::move(impl)));
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
