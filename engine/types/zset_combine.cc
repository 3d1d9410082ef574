// Sorted sets: set algebra over several keys (ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD),
// ZRANDMEMBER and ZSCAN. The combination rules copy Redis 7.0's zunionInterDiffGenericCommand: sources
// are taken from the smallest up (a stable sort, like glibc's qsort), weight * score that is NaN counts as
// 0, a NaN sum becomes 0, and a plain set's members score 1.

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "common/glob.h"
#include "engine/types/zset_internal.h"

namespace redrock::engine {

namespace {

// A plain set's members are stored with the member itself as the suffix (engine/types/set_ops.cc); this is
// the only place the set layout is assumed.
constexpr std::string_view kSetMemberSpace{};

Status Malformed() { return Status::Corruption("malformed sorted-set index key"); }

struct Source {
  std::string_view key;
  std::unique_ptr<collection::Reader> reader;  // nullptr for a missing key
  bool is_set = false;
  uint64_t size = 0;
  double weight = 1.0;
};

// Opens every source from consistent snapshots: the readers are created while the stripes of all the
// keys are held (by the caller for the STORE forms, here otherwise). WrongType when a key holds anything
// but a sorted set or a set.
Status OpenSources(Engine& engine, int db, const ZCombineSpec& spec, bool already_locked, std::vector<Source>* out) {
  std::optional<MultiKeyLock> lock;
  if (!already_locked) lock.emplace(collection::LockKeys(engine, db, spec.keys));
  out->resize(spec.keys.size());
  for (size_t i = 0; i < spec.keys.size(); ++i) {
    Source& s = (*out)[i];
    s.key = spec.keys[i];
    if (spec.op != ZSetOp::kDiff && i < spec.weights.size()) s.weight = spec.weights[i];
    auto reader = std::make_unique<collection::Reader>(engine, db, s.key);
    if (!reader->status().ok()) return reader->status();
    if (!reader->exists()) continue;
    if (reader->type() != KeyType::kZSet && reader->type() != KeyType::kSet) return Status::WrongType();
    s.is_set = reader->type() == KeyType::kSet;
    s.size = reader->size();
    s.reader = std::move(reader);
  }
  return Status::OK();
}

// Visits every (member, score) of a source; fn returns false to stop.
template <typename Fn>
Status ForEach(const Source& s, Fn&& fn) {
  if (!s.reader) return Status::OK();
  auto it = s.reader->NewIterator(s.is_set ? kSetMemberSpace : zset::kScoreSpace);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (s.is_set) {
      if (!fn(it->suffix(), 1.0)) break;
      continue;
    }
    zset::IndexEntry e;
    if (!zset::DecodeIndexSuffix(it->suffix(), &e)) return Malformed();
    if (!fn(e.member, e.score)) break;
  }
  return it->status();
}

// Looks a member up in a source (score 1 for a plain set).
Status Find(const Source& s, std::string_view member, std::string* scratch, double* score, bool* found) {
  *found = false;
  if (!s.reader) return Status::OK();
  if (!s.is_set) return zset::GetScore(*s.reader, member, scratch, score, found);
  std::string value;
  Status st = s.reader->GetMember(member, &value, found);
  *score = 1.0;
  return st;
}

void Aggregate(double* target, double value, ZAggregate aggregate) {
  switch (aggregate) {
    case ZAggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0.0;  // inf + -inf
      break;
    case ZAggregate::kMin: *target = value < *target ? value : *target; break;
    case ZAggregate::kMax: *target = value > *target ? value : *target; break;
  }
}

double Weighted(double score, double weight) {
  const double v = score * weight;
  return std::isnan(v) ? 0.0 : v;
}

void SortByScore(std::vector<ScoredMember>* v) {
  std::sort(v->begin(), v->end(), [](const ScoredMember& a, const ScoredMember& b) {
    return a.score < b.score || (a.score == b.score && a.member < b.member);
  });
}

// The intersection, in the order of sources[0] (the smallest); calls fn(member, score), which returns
// false to stop.
template <typename Fn>
Status Intersect(std::vector<Source>& sources, ZAggregate aggregate, Fn&& fn) {
  if (sources.empty() || sources[0].size == 0) return Status::OK();
  std::string scratch;
  Status inner;
  Status st = ForEach(sources[0], [&](std::string_view member, double s0) {
    double score = Weighted(s0, sources[0].weight);
    for (size_t j = 1; j < sources.size(); ++j) {
      double value = 0;
      if (sources[j].key == sources[0].key) {
        value = s0;
      } else {
        bool found = false;
        inner = Find(sources[j], member, &scratch, &value, &found);
        if (!inner.ok() || !found) return inner.ok();
      }
      Aggregate(&score, value * sources[j].weight, aggregate);
    }
    return fn(member, score);
  });
  return inner.ok() ? st : inner;
}

Status Compute(std::vector<Source>& sources, const ZCombineSpec& spec, std::vector<ScoredMember>* out) {
  if (spec.op != ZSetOp::kDiff) {
    std::stable_sort(sources.begin(), sources.end(),
                     [](const Source& a, const Source& b) { return a.size < b.size; });
  }
  switch (spec.op) {
    case ZSetOp::kInter: {
      Status st = Intersect(sources, spec.aggregate, [&](std::string_view member, double score) {
        out->push_back({std::string(member), score});
        return true;
      });
      if (!st.ok()) return st;
      break;
    }
    case ZSetOp::kUnion: {
      std::unordered_map<std::string, double> acc;
      if (!sources.empty()) acc.reserve(sources.back().size);
      for (const Source& s : sources) {
        Status st = ForEach(s, [&](std::string_view member, double score) {
          const double v = Weighted(score, s.weight);
          auto [pos, inserted] = acc.try_emplace(std::string(member), v);
          if (!inserted) Aggregate(&pos->second, v, spec.aggregate);
          return true;
        });
        if (!st.ok()) return st;
      }
      out->reserve(acc.size());
      for (auto& [member, score] : acc) out->push_back({member, score});
      break;
    }
    case ZSetOp::kDiff: {
      if (sources.empty() || sources[0].size == 0) return Status::OK();
      for (size_t j = 1; j < sources.size(); ++j) {
        if (sources[j].key == sources[0].key) return Status::OK();  // everything is subtracted
      }
      std::string scratch;
      Status inner;
      Status st = ForEach(sources[0], [&](std::string_view member, double score) {
        for (size_t j = 1; j < sources.size(); ++j) {
          double ignored = 0;
          bool found = false;
          inner = Find(sources[j], member, &scratch, &ignored, &found);
          if (!inner.ok()) return false;
          if (found) return true;
        }
        out->push_back({std::string(member), score});
        return true;
      });
      if (!inner.ok()) return inner;
      if (!st.ok()) return st;
      break;
    }
  }
  // A plain set's or the aggregation's order is not the score order. Scores stay as computed (a -0 is
  // printed as such, as Redis prints it); storing them normalizes -0, as Redis's listpack does.
  SortByScore(out);
  return Status::OK();
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

Result<std::vector<ScoredMember>> ZCombine(Engine& engine, int db, const ZCombineSpec& spec) {
  DbHold hold(engine, db);
  std::vector<Source> sources;
  Status st = OpenSources(engine, db, spec, /*already_locked=*/false, &sources);
  if (!st.ok()) return st;
  std::vector<ScoredMember> out;
  st = Compute(sources, spec, &out);
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> ZCombineStore(Engine& engine, int db, std::string_view dst, const ZCombineSpec& spec) {
  DbHold hold(engine, db);
  std::vector<std::string_view> all(spec.keys.begin(), spec.keys.end());
  all.push_back(dst);
  MultiKeyLock lock = collection::LockKeys(engine, db, all);
  std::vector<ScoredMember> result;
  {
    std::vector<Source> sources;
    Status st = OpenSources(engine, db, spec, /*already_locked=*/true, &sources);
    if (!st.ok()) return st;
    st = Compute(sources, spec, &result);
    if (!st.ok()) return st;
  }
  collection::Writer w(engine, db, dst, collection::Writer::AlreadyLocked{});
  if (!w.status().ok()) return w.status();
  w.Recreate(KeyType::kZSet);
  std::string scratch;
  for (const ScoredMember& m : result) zset::PutEntry(w, m.member, m.score, &scratch);
  w.set_size(result.size());
  Status st = w.Commit();
  if (!st.ok()) return st;
  return static_cast<int64_t>(result.size());
}

Result<int64_t> ZInterCard(Engine& engine, int db, std::span<const std::string_view> keys, int64_t limit) {
  DbHold hold(engine, db);
  ZCombineSpec spec;
  spec.op = ZSetOp::kInter;
  spec.keys = keys;
  std::vector<Source> sources;
  Status st = OpenSources(engine, db, spec, /*already_locked=*/false, &sources);
  if (!st.ok()) return st;
  std::stable_sort(sources.begin(), sources.end(), [](const Source& a, const Source& b) { return a.size < b.size; });
  int64_t count = 0;
  st = Intersect(sources, ZAggregate::kSum, [&](std::string_view, double) {
    ++count;
    return limit <= 0 || count < limit;
  });
  if (!st.ok()) return st;
  return count;
}

Result<std::vector<ScoredMember>> ZRandMember(Engine& engine, int db, std::string_view key, int64_t count) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  std::vector<ScoredMember> out;
  if (!r.exists() || count == 0 || r.size() == 0) return out;
  const uint64_t size = r.size();
  auto it = r.NewIterator(zset::kScoreSpace);
  zset::IndexEntry e;
  if (count > 0 && static_cast<uint64_t>(count) >= size) {
    // The whole set, as Redis walks it: from the highest score down.
    out.reserve(size);
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      if (!zset::DecodeIndexSuffix(it->suffix(), &e)) return Malformed();
      out.push_back({std::string(e.member), e.score});
    }
    st = it->status();
    if (!st.ok()) return st;
    return out;
  }
  // Pick indexes into the score order, then collect them in one walk. picks[i] = {index, output slot}.
  std::vector<std::pair<uint64_t, size_t>> picks;
  std::uniform_int_distribution<uint64_t> any(0, size - 1);
  if (count < 0) {
    const uint64_t n = static_cast<uint64_t>(-(count + 1)) + 1;
    picks.reserve(n);
    for (uint64_t i = 0; i < n; ++i) picks.push_back({any(Rng()), i});
  } else {
    // Floyd's sampling of k distinct indexes out of size; the result is reported in score order.
    const uint64_t k = static_cast<uint64_t>(count);
    std::unordered_set<uint64_t> chosen;
    chosen.reserve(k);
    for (uint64_t j = size - k; j < size; ++j) {
      const uint64_t t = std::uniform_int_distribution<uint64_t>(0, j)(Rng());
      chosen.insert(chosen.count(t) ? j : t);
    }
    for (uint64_t idx : chosen) picks.push_back({idx, 0});
    std::sort(picks.begin(), picks.end());
    for (size_t i = 0; i < picks.size(); ++i) picks[i].second = i;
  }
  std::sort(picks.begin(), picks.end());
  out.resize(picks.size());
  uint64_t index = 0;
  size_t p = 0;
  for (it->SeekToFirst(); it->Valid() && p < picks.size(); it->Next(), ++index) {
    if (picks[p].first != index) continue;
    if (!zset::DecodeIndexSuffix(it->suffix(), &e)) return Malformed();
    for (; p < picks.size() && picks[p].first == index; ++p) out[picks[p].second] = {std::string(e.member), e.score};
  }
  st = it->status();
  if (!st.ok()) return st;
  if (p != picks.size()) return Status::Corruption("sorted-set size does not match its score index");
  return out;
}

Result<ZScanResult> ZScan(Engine& engine, int db, std::string_view key, uint64_t cursor, std::string_view pattern,
                          int64_t count) {
  DbHold hold(engine, db);
  ZScanResult result;
  const bool match_all = pattern == "*";
  {
    collection::Reader r(engine, db, key);
    Status st = r.Ready(KeyType::kZSet);
    if (!st.ok()) return st;
    if (!r.exists()) return result;
    if (r.size() <= collection::kScanAllAtOnce) {
      result.whole = true;
      // Small sets come back whole and in score order, as from Redis's listpack encoding.
      auto it = r.NewIterator(zset::kScoreSpace);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        zset::IndexEntry e;
        if (!zset::DecodeIndexSuffix(it->suffix(), &e)) return Malformed();
        if (match_all || common::GlobMatch(pattern, e.member)) result.items.push_back({std::string(e.member), e.score});
      }
      st = it->status();
      if (!st.ok()) return st;
      return result;
    }
  }
  // Larger sets are walked in member order with a resumable cursor, so a member present for the whole
  // scan is returned even if its score changes meanwhile. The Reader above was the key's lookup.
  UncountedLookups looked_up;
  auto step = collection::ScanMembers(engine, db, key, KeyType::kZSet, cursor, pattern, count, zset::kMemberSpace);
  if (!step.ok()) return step.status();
  result.next_cursor = step->next_cursor;
  result.items.reserve(step->items.size());
  for (collection::MemberScanItem& item : step->items) {
    double score = 0;
    if (!zset::DecodeScoreValue(item.value, &score)) return Status::Corruption("malformed sorted-set score");
    result.items.push_back({std::move(item.name), score});
  }
  return result;
}

}  // namespace redrock::engine
