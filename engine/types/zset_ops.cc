// Sorted sets: the member encoding, point writes (ZADD, ZINCRBY, ZREM, ZPOPMIN/MAX) and point reads
// (ZCARD, ZSCORE, ZMSCORE, ZRANK). Layout: see zset.h.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/storage/encoding.h"
#include "engine/types/zset_internal.h"

namespace redrock::engine {
namespace zset {

uint64_t ScoreBits(double score) {
  const uint64_t raw = std::bit_cast<uint64_t>(Normalize(score));
  // Positives sort above negatives by setting the sign bit; negatives sort in reverse magnitude by
  // flipping every bit.
  return (raw & (1ull << 63)) ? ~raw : raw | (1ull << 63);
}

double ScoreFromBits(uint64_t bits) {
  const uint64_t raw = (bits & (1ull << 63)) ? bits & ~(1ull << 63) : ~bits;
  return std::bit_cast<double>(raw);
}

void MemberSuffix(std::string* out, std::string_view member) {
  out->clear();
  out->reserve(1 + member.size());
  out->push_back(kMemberTag);
  out->append(member);
}

void IndexSuffix(std::string* out, uint64_t bits, std::string_view member) {
  out->clear();
  out->reserve(1 + kScoreBytes + member.size());
  out->push_back(kScoreTag);
  encoding::AppendFixed64BE(out, bits);
  out->append(member);
}

void ScoreValue(char out[kScoreBytes], double score) { encoding::PutFixed64BE(out, ScoreBits(score)); }

bool DecodeScoreValue(std::string_view value, double* score) {
  if (value.size() != kScoreBytes) return false;
  *score = ScoreFromBits(encoding::GetFixed64BE(value.data()));
  return true;
}

bool DecodeIndexSuffix(std::string_view suffix, IndexEntry* out) {
  if (suffix.size() < 1 + kScoreBytes || suffix[0] != kScoreTag) return false;
  out->bits = encoding::GetFixed64BE(suffix.data() + 1);
  out->score = ScoreFromBits(out->bits);
  out->member = suffix.substr(1 + kScoreBytes);
  return true;
}

void PutEntry(collection::Writer& writer, std::string_view member, double score, std::string* scratch) {
  char value[kScoreBytes];
  ScoreValue(value, score);
  MemberSuffix(scratch, member);
  writer.PutMember(*scratch, std::string_view(value, kScoreBytes));
  IndexSuffix(scratch, ScoreBits(score), member);
  writer.PutMember(*scratch, {});
}

void DeleteEntry(collection::Writer& writer, std::string_view member, double score, std::string* scratch) {
  MemberSuffix(scratch, member);
  writer.DeleteMember(*scratch);
  IndexSuffix(scratch, ScoreBits(score), member);
  writer.DeleteMember(*scratch);
}

}  // namespace zset

namespace {

using zset::DeleteEntry;
using zset::GetScore;
using zset::PutEntry;

const Status kNanScore = Status::InvalidArgument("resulting score is not a number (NaN)");

// For a command naming members possibly more than once: slot[i] is the index of the first occurrence
// of members[i], so per-member state can live in one flat array. Single members skip the sort.
std::vector<uint32_t> FirstOccurrence(size_t n, const std::function<std::string_view(size_t)>& member_at) {
  std::vector<uint32_t> slot(n);
  if (n <= 1) {
    if (n == 1) slot[0] = 0;
    return slot;
  }
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return member_at(a) < member_at(b); });
  for (size_t i = 0; i < n; ++i) {
    const bool same = i > 0 && member_at(order[i]) == member_at(order[i - 1]);
    slot[order[i]] = same ? slot[order[i - 1]] : order[i];
  }
  return slot;
}

// What a command knows about one member while it runs: loaded lazily, then updated in place.
struct MemberState {
  bool loaded = false;
  bool exists = false;
  double score = 0;
};

}  // namespace

Result<ZAddResult> ZAdd(Engine& engine, int db, std::string_view key,
                        std::span<const std::pair<double, std::string_view>> pairs, const ZAddOptions& options) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  Status st = w.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  ZAddResult result;
  if (!w.exists()) {
    if (options.condition == ZAddCondition::kIfExists) return result;  // XX on a missing key: nothing
    w.Create(KeyType::kZSet);
  }
  const std::vector<uint32_t> slot =
      FirstOccurrence(pairs.size(), [&](size_t i) { return pairs[i].second; });
  std::vector<MemberState> state(pairs.size());
  std::string scratch;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const std::string_view member = pairs[i].second;
    double score = zset::Normalize(pairs[i].first);
    MemberState& ms = state[slot[i]];
    if (!ms.loaded) {
      st = GetScore(w, member, &scratch, &ms.score, &ms.exists);
      if (!st.ok()) return st;
      ms.loaded = true;
    }
    if (ms.exists) {
      if (options.condition == ZAddCondition::kIfMissing) continue;
      if (options.incr) {
        score = zset::Normalize(ms.score + score);
        if (std::isnan(score)) return kNanScore;
      }
      if ((options.lt && score >= ms.score) || (options.gt && score <= ms.score)) continue;
      if (options.incr) result.score = score;
      if (score != ms.score) {
        DeleteEntry(w, member, ms.score, &scratch);
        PutEntry(w, member, score, &scratch);
        ms.score = score;
        ++result.updated;
      }
    } else {
      if (options.condition == ZAddCondition::kIfExists) continue;
      PutEntry(w, member, score, &scratch);
      ms.exists = true;
      ms.score = score;
      w.AddSize(1);
      ++result.added;
      if (options.incr) result.score = score;
    }
  }
  st = w.Commit();
  if (!st.ok()) return st;
  return result;
}

Result<int64_t> ZRem(Engine& engine, int db, std::string_view key, std::span<const std::string_view> members) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  Status st = w.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  if (!w.exists()) return int64_t{0};
  const std::vector<uint32_t> slot = FirstOccurrence(members.size(), [&](size_t i) { return members[i]; });
  int64_t removed = 0;
  std::string scratch;
  for (size_t i = 0; i < members.size(); ++i) {
    if (slot[i] != i) continue;  // a repeat: the first occurrence already removed it
    double score = 0;
    bool found = false;
    st = GetScore(w, members[i], &scratch, &score, &found);
    if (!st.ok()) return st;
    if (!found) continue;
    DeleteEntry(w, members[i], score, &scratch);
    ++removed;
  }
  w.AddSize(-removed);
  st = w.Commit();
  if (!st.ok()) return st;
  return removed;
}

namespace {

// Removes up to `count` members from the low (or high) end of the writer's sorted set into *popped and
// commits. The writer's key must hold a sorted set.
Status PopEnd(collection::Writer& w, bool max, uint64_t count, std::vector<ScoredMember>* popped) {
  const uint64_t n = std::min<uint64_t>(count, w.size());
  popped->reserve(n);
  auto it = w.NewIterator(zset::kScoreSpace);
  if (max) {
    it->SeekToLast();
  } else {
    it->SeekToFirst();
  }
  std::string scratch;
  for (; it->Valid() && popped->size() < n; max ? it->Prev() : it->Next()) {
    zset::IndexEntry e;
    if (!zset::DecodeIndexSuffix(it->suffix(), &e)) return Status::Corruption("malformed sorted-set index key");
    popped->push_back({std::string(e.member), e.score});
  }
  Status st = it->status();
  if (!st.ok()) return st;
  for (const ScoredMember& m : *popped) DeleteEntry(w, m.member, m.score, &scratch);
  w.AddSize(-static_cast<int64_t>(popped->size()));
  return w.Commit();
}

}  // namespace

Result<std::vector<ScoredMember>> ZPop(Engine& engine, int db, std::string_view key, bool max, int64_t count) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  Status st = w.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  std::vector<ScoredMember> popped;
  if (!w.exists() || count <= 0) return popped;
  st = PopEnd(w, max, static_cast<uint64_t>(count), &popped);
  if (!st.ok()) return st;
  return popped;
}

Result<std::optional<KeyScoredMembers>> ZPopFirst(Engine& engine, int db, std::span<const std::string_view> keys,
                                                  bool max, int64_t count) {
  DbHold hold(engine, db);
  // One key at a time, as Redis examines them: only one stripe is ever held.
  for (std::string_view key : keys) {
    collection::Writer w(engine, db, key);
    Status st = w.Ready(KeyType::kZSet);
    if (!st.ok()) return st;
    if (!w.exists()) continue;
    KeyScoredMembers result;
    st = PopEnd(w, max, count < 1 ? 1 : static_cast<uint64_t>(count), &result.members);
    if (!st.ok()) return st;
    result.key.assign(key);
    return std::optional<KeyScoredMembers>(std::move(result));
  }
  return std::optional<KeyScoredMembers>();
}

Result<int64_t> ZCard(Engine& engine, int db, std::string_view key) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  return static_cast<int64_t>(r.exists() ? r.size() : 0);
}

Result<double> ZScore(Engine& engine, int db, std::string_view key, std::string_view member) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  std::string scratch;
  double score = 0;
  bool found = false;
  st = GetScore(r, member, &scratch, &score, &found);
  if (!st.ok()) return st;
  if (!found) return Status::NotFound();
  return score;
}

Result<std::vector<std::optional<double>>> ZMScore(Engine& engine, int db, std::string_view key,
                                                   std::span<const std::string_view> members) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  std::vector<std::optional<double>> out(members.size());
  if (!r.exists()) return out;
  std::string scratch;
  for (size_t i = 0; i < members.size(); ++i) {
    double score = 0;
    bool found = false;
    st = GetScore(r, members[i], &scratch, &score, &found);
    if (!st.ok()) return st;
    if (found) out[i] = score;
  }
  return out;
}

Result<int64_t> ZRank(Engine& engine, int db, std::string_view key, std::string_view member, bool reverse) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  std::string scratch;
  double score = 0;
  bool found = false;
  st = GetScore(r, member, &scratch, &score, &found);
  if (!st.ok()) return st;
  if (!found) return Status::NotFound();
  // The member's index key; count the entries before it from the end the rank is measured from.
  zset::IndexSuffix(&scratch, zset::ScoreBits(score), member);
  auto it = r.NewIterator(zset::kScoreSpace);
  int64_t rank = 0;
  for (reverse ? it->SeekToLast() : it->SeekToFirst(); it->Valid(); reverse ? it->Prev() : it->Next()) {
    if (it->suffix() == scratch) return rank;
    ++rank;
  }
  st = it->status();
  if (!st.ok()) return st;
  return Status::Corruption("sorted-set member missing from its score index");
}

}  // namespace redrock::engine
