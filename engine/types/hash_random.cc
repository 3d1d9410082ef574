// HRANDFIELD: random fields of a hash, with Redis's count semantics. Fields are reached by one ordered
// pass over the members (RocksDB has no random access by rank), so a call costs O(HLEN) reads but keeps
// only the chosen entries in memory.

#include <algorithm>
#include <random>
#include <unordered_set>

#include "engine/types/collection.h"
#include "redrock/engine/hash.h"

namespace redrock::engine {

namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

uint64_t Uniform(uint64_t below) { return std::uniform_int_distribution<uint64_t>(0, below - 1)(Rng()); }

using Entries = std::vector<std::pair<std::string, std::string>>;

// Reads the entries at the given ranks (sorted, distinct, each < reader.size()) in one pass.
Status ReadRanks(const collection::Reader& reader, const std::vector<uint64_t>& ranks, bool with_values,
                 Entries* out) {
  out->reserve(ranks.size());
  auto it = reader.NewIterator();
  size_t next = 0;
  uint64_t rank = 0;
  for (it->SeekToFirst(); it->Valid() && next < ranks.size(); it->Next(), ++rank) {
    if (rank != ranks[next]) continue;
    out->emplace_back(std::string(it->suffix()), with_values ? std::string(it->value()) : std::string());
    ++next;
  }
  Status st = it->status();
  if (!st.ok()) return st;
  if (next != ranks.size()) return Status::Corruption("hash has fewer fields than its metadata says");
  return Status::OK();
}

Status OpenHash(const collection::Reader& reader) {
  if (!reader.status().ok()) return reader.status();
  return reader.CheckType(KeyType::kHash);
}

}  // namespace

Result<std::string> HRandField(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = OpenHash(reader);
  if (!st.ok()) return st;
  if (!reader.exists()) return Status::NotFound();
  Entries picked;
  st = ReadRanks(reader, {Uniform(reader.size())}, false, &picked);
  if (!st.ok()) return st;
  return std::move(picked.front().first);
}

Result<Entries> HRandFieldCount(Engine& engine, int db, std::string_view key, int64_t count, bool with_values) {
  DbHold hold(engine, db);
  collection::Reader reader(engine, db, key);
  Status st = OpenHash(reader);
  if (!st.ok()) return st;
  Entries out;
  if (!reader.exists() || count == 0) return out;
  const uint64_t size = reader.size();
  // -count without overflow even for INT64_MIN.
  const uint64_t wanted = count > 0 ? static_cast<uint64_t>(count) : ~static_cast<uint64_t>(count) + 1;

  if (count > 0) {
    std::vector<uint64_t> ranks;
    if (wanted >= size) {
      // The whole hash (Redis's "count >= size" case returns every field, in its own order).
      ranks.resize(size);
      for (uint64_t i = 0; i < size; ++i) ranks[i] = i;
    } else {
      // Floyd's algorithm: `wanted` distinct ranks, each subset equally likely.
      std::unordered_set<uint64_t> chosen;
      chosen.reserve(wanted);
      for (uint64_t j = size - wanted; j < size; ++j) {
        const uint64_t t = Uniform(j + 1);
        chosen.insert(chosen.count(t) ? j : t);
      }
      ranks.assign(chosen.begin(), chosen.end());
      std::sort(ranks.begin(), ranks.end());
    }
    st = ReadRanks(reader, ranks, with_values, &out);
    if (!st.ok()) return st;
    if (wanted < size) std::shuffle(out.begin(), out.end(), Rng());
    return out;
  }

  // Negative count: independent draws, repeats allowed, in random order.
  if (wanted > kMaxRandomFieldRepeat) return Status::InvalidArgument("value is out of range");
  std::vector<uint64_t> draws(wanted);
  for (uint64_t& d : draws) d = Uniform(size);
  std::vector<uint64_t> ranks = draws;
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  Entries distinct;
  st = ReadRanks(reader, ranks, with_values, &distinct);
  if (!st.ok()) return st;
  out.reserve(wanted);
  for (uint64_t d : draws) {
    const size_t at = static_cast<size_t>(std::lower_bound(ranks.begin(), ranks.end(), d) - ranks.begin());
    out.push_back(distinct[at]);
  }
  return out;
}

}  // namespace redrock::engine
