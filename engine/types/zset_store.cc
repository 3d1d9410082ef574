// ZReplace (zset.h): writing a computed sorted set over a destination key, for the GEO store commands.

#include <string>
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

}  // namespace redrock::engine
