// Sorted sets: range selection over the score index (by rank, score and lex), and the commands built on
// it: ZRANGE & co., ZRANGESTORE, ZREMRANGEBY*, ZCOUNT, ZLEXCOUNT. Selection semantics copy Redis 7.0's
// t_zset.c (zzlFirstInRange, zzlFirstInLexRange, genericZrangeby*Command), including its quirks: a
// negative LIMIT offset selects nothing, a negative count means no limit.

#include <algorithm>

#include "engine/storage/encoding.h"
#include "engine/types/zset_internal.h"

namespace redrock::engine {
namespace zset {

namespace {

using collection::MemberIterator;
using Kind = LexBound::Kind;

Status Malformed() { return Status::Corruption("malformed sorted-set index key"); }

bool AboveMin(double score, const ScoreRange& r) { return r.min_exclusive ? score > r.min : score >= r.min; }
bool BelowMax(double score, const ScoreRange& r) { return r.max_exclusive ? score < r.max : score <= r.max; }

bool LexGteMin(std::string_view member, const LexBound& min) {
  switch (min.kind) {
    case Kind::kMinusInfinity: return true;
    case Kind::kPlusInfinity: return false;
    case Kind::kInclusive: return member >= min.value;
    case Kind::kExclusive: return member > min.value;
  }
  return false;
}

bool LexLteMax(std::string_view member, const LexBound& max) {
  switch (max.kind) {
    case Kind::kMinusInfinity: return false;
    case Kind::kPlusInfinity: return true;
    case Kind::kInclusive: return member <= max.value;
    case Kind::kExclusive: return member < max.value;
  }
  return false;
}

// Redis sdscmplex: "-" sorts below everything, "+" above everything, equal to itself.
int LexCompare(const LexBound& a, const LexBound& b) {
  if (a.kind == b.kind && (a.kind == Kind::kMinusInfinity || a.kind == Kind::kPlusInfinity)) return 0;
  if (a.kind == Kind::kMinusInfinity || b.kind == Kind::kPlusInfinity) return -1;
  if (a.kind == Kind::kPlusInfinity || b.kind == Kind::kMinusInfinity) return 1;
  const int c = a.value.compare(b.value);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool LexRangeEmpty(const LexRange& r) {
  const int c = LexCompare(r.min, r.max);
  return c > 0 || (c == 0 && (r.min.kind != Kind::kInclusive || r.max.kind != Kind::kInclusive));
}

// The 's' + bits seek key for a score, optionally moved just past every entry of that score.
std::string SeekKey(double score, bool past) {
  std::string key;
  IndexSuffix(&key, ScoreBits(score) + (past ? 1 : 0), {});
  return key;
}

// Moves `it` back one entry from a forward Seek position (to the last entry before it).
void StepBack(MemberIterator& it) {
  if (it.Valid()) {
    it.Prev();
  } else {
    it.SeekToLast();
  }
}

bool Decode(const MemberIterator& it, IndexEntry* e) { return DecodeIndexSuffix(it.suffix(), e); }

// Walks from the current position in direction `reverse`: skips `offset` entries unchecked, then emits
// while `in_range` holds, at most `limit` (negative: unlimited).
template <typename InRange>
Status EmitFrom(MemberIterator& it, bool reverse, int64_t offset, int64_t limit, InRange in_range, const EntryFn& fn) {
  for (; offset > 0 && it.Valid(); --offset) reverse ? it.Prev() : it.Next();
  for (; it.Valid() && limit != 0; reverse ? it.Prev() : it.Next()) {
    IndexEntry e;
    if (!Decode(it, &e)) return Malformed();
    if (!in_range(e)) break;
    if (!fn(e)) break;
    if (limit > 0) --limit;
  }
  return it.status();
}

Status SelectByRank(MemberIterator& it, uint64_t size, const ZRangeQuery& q, const EntryFn& fn) {
  const int64_t len = static_cast<int64_t>(size);
  int64_t start = q.start, stop = q.stop;
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return Status::OK();
  if (stop >= len) stop = len - 1;
  const int64_t count = stop - start + 1;
  // Ascending indexes [lo, hi] of the selection; output runs hi -> lo when reversed.
  const int64_t lo = q.reverse ? len - 1 - stop : start;
  const int64_t hi = q.reverse ? len - 1 - start : stop;
  // Walk from the end that is nearer, counting a backward step as several forward ones (RocksDB's Prev
  // is much slower than Next, above all in the memtable); when that runs against the output order,
  // buffer and flip.
  constexpr int64_t kPrevCost = 4;
  const bool from_back = (len - 1 - hi) * kPrevCost < lo;
  const int64_t skip = from_back ? len - 1 - hi : lo;
  if (from_back == q.reverse) {
    from_back ? it.SeekToLast() : it.SeekToFirst();
    return EmitFrom(it, from_back, skip, count, [](const IndexEntry&) { return true; }, fn);
  }
  struct Buffered {
    std::string member;
    uint64_t bits;
  };
  std::vector<Buffered> buffer;
  buffer.reserve(static_cast<size_t>(count));
  from_back ? it.SeekToLast() : it.SeekToFirst();
  Status st = EmitFrom(it, from_back, skip, count, [](const IndexEntry&) { return true; },
                       [&](const IndexEntry& e) {
                         buffer.push_back({std::string(e.member), e.bits});
                         return true;
                       });
  if (!st.ok()) return st;
  for (auto b = buffer.rbegin(); b != buffer.rend(); ++b) {
    if (!fn(IndexEntry{b->bits, ScoreFromBits(b->bits), b->member})) break;
  }
  return Status::OK();
}

Status SelectByScore(MemberIterator& it, uint64_t size, const ZRangeQuery& q, const EntryFn& fn) {
  ScoreRange r = q.score;
  r.min = Normalize(r.min);
  r.max = Normalize(r.max);
  if (ScoreRangeEmpty(r) || q.offset < 0) return Status::OK();
  if (q.offset > 0 && static_cast<uint64_t>(q.offset) >= size) return Status::OK();
  if (q.reverse) {
    it.Seek(SeekKey(r.max, !r.max_exclusive));
    StepBack(it);
  } else {
    it.Seek(SeekKey(r.min, r.min_exclusive));
  }
  if (!it.Valid()) return it.status();
  IndexEntry first;
  if (!Decode(it, &first)) return Malformed();
  if (q.reverse ? !AboveMin(first.score, r) : !BelowMax(first.score, r)) return Status::OK();
  auto in_range = [&](const IndexEntry& e) { return q.reverse ? AboveMin(e.score, r) : BelowMax(e.score, r); };
  return EmitFrom(it, q.reverse, q.offset, q.limit, in_range, fn);
}

Status SelectByLex(MemberIterator& it, uint64_t size, const ZRangeQuery& q, const EntryFn& fn) {
  const LexRange& r = q.lex;
  if (size == 0 || LexRangeEmpty(r) || q.offset < 0) return Status::OK();
  // Redis first rejects ranges the whole set lies outside of: its last member must be >= min and its
  // first <= max (in score order).
  IndexEntry first, last;
  it.SeekToFirst();
  if (!it.Valid()) return it.status();
  if (!Decode(it, &first)) return Malformed();
  const uint64_t first_bits = first.bits;
  const bool first_ok = LexLteMax(first.member, r.max);
  it.SeekToLast();
  if (!it.Valid()) return it.status();
  if (!Decode(it, &last)) return Malformed();
  if (!first_ok || !LexGteMin(last.member, r.min)) return Status::OK();
  const bool uniform = first_bits == last.bits;
  std::string key;
  if (!q.reverse) {
    if (uniform && r.min.kind != Kind::kMinusInfinity) {
      // All scores equal: the index is in member order, so seek to min.
      IndexSuffix(&key, first_bits, r.min.value);
      it.Seek(key);
      if (it.Valid() && r.min.kind == Kind::kExclusive && it.suffix() == key) it.Next();
    } else {
      for (it.SeekToFirst(); it.Valid(); it.Next()) {
        IndexEntry e;
        if (!Decode(it, &e)) return Malformed();
        if (LexGteMin(e.member, r.min)) break;
      }
    }
  } else {
    if (uniform && r.max.kind != Kind::kPlusInfinity) {
      IndexSuffix(&key, first_bits, r.max.value);
      it.Seek(key);
      if (!(it.Valid() && r.max.kind == Kind::kInclusive && it.suffix() == key)) StepBack(it);
    } else {
      for (it.SeekToLast(); it.Valid(); it.Prev()) {
        IndexEntry e;
        if (!Decode(it, &e)) return Malformed();
        if (LexLteMax(e.member, r.max)) break;
      }
    }
  }
  if (!it.Valid()) return it.status();
  IndexEntry start;
  if (!Decode(it, &start)) return Malformed();
  if (q.reverse ? !LexGteMin(start.member, r.min) : !LexLteMax(start.member, r.max)) return Status::OK();
  auto in_range = [&](const IndexEntry& e) {
    return q.reverse ? LexGteMin(e.member, r.min) : LexLteMax(e.member, r.max);
  };
  return EmitFrom(it, q.reverse, q.offset, q.limit, in_range, fn);
}

}  // namespace

bool ScoreRangeEmpty(const ScoreRange& r) {
  return r.min > r.max || (r.min == r.max && (r.min_exclusive || r.max_exclusive));
}

Status SelectRange(MemberIterator& it, uint64_t size, const ZRangeQuery& query, const EntryFn& fn) {
  switch (query.kind) {
    case ZRangeQuery::Kind::kRank: return SelectByRank(it, size, query, fn);
    case ZRangeQuery::Kind::kScore: return SelectByScore(it, size, query, fn);
    case ZRangeQuery::Kind::kLex: return SelectByLex(it, size, query, fn);
  }
  return Status::OK();
}

Status CollectRange(MemberIterator& it, uint64_t size, const ZRangeQuery& query, std::vector<ScoredMember>* out) {
  return SelectRange(it, size, query, [out](const IndexEntry& e) {
    out->push_back({std::string(e.member), e.score});
    return true;
  });
}

}  // namespace zset

namespace {

// Removes what `query` selects from one sorted set; returns how many.
Result<int64_t> RemoveRange(Engine& engine, int db, std::string_view key, const ZRangeQuery& query) {
  collection::Writer w(engine, db, key);
  Status st = w.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  if (!w.exists()) return int64_t{0};
  std::vector<ScoredMember> doomed;
  {
    auto it = w.NewIterator(zset::kScoreSpace);
    st = zset::CollectRange(*it, w.size(), query, &doomed);
    if (!st.ok()) return st;
  }
  std::string scratch;
  for (const ScoredMember& m : doomed) zset::DeleteEntry(w, m.member, m.score, &scratch);
  w.AddSize(-static_cast<int64_t>(doomed.size()));
  st = w.Commit();
  if (!st.ok()) return st;
  return static_cast<int64_t>(doomed.size());
}

}  // namespace

Result<std::vector<ScoredMember>> ZRange(Engine& engine, int db, std::string_view key, const ZRangeQuery& query) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  std::vector<ScoredMember> out;
  if (!r.exists()) return out;
  auto it = r.NewIterator(zset::kScoreSpace);
  st = zset::CollectRange(*it, r.size(), query, &out);
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> ZRangeStore(Engine& engine, int db, std::string_view dst, std::string_view src,
                            const ZRangeQuery& query) {
  DbHold hold(engine, db);
  const std::string_view keys[] = {dst, src};
  MultiKeyLock lock = collection::LockKeys(engine, db, keys);
  std::vector<ScoredMember> selected;
  {
    collection::Reader r(engine, db, src);
    Status st = r.Ready(KeyType::kZSet);
    if (!st.ok()) return st;
    if (r.exists()) {
      auto it = r.NewIterator(zset::kScoreSpace);
      st = zset::CollectRange(*it, r.size(), query, &selected);
      if (!st.ok()) return st;
    }
  }
  collection::Writer w(engine, db, dst, collection::Writer::AlreadyLocked{});
  if (!w.status().ok()) return w.status();
  w.Recreate(KeyType::kZSet);
  std::string scratch;
  for (const ScoredMember& m : selected) zset::PutEntry(w, m.member, m.score, &scratch);
  w.set_size(selected.size());
  Status st = w.Commit();
  if (!st.ok()) return st;
  return static_cast<int64_t>(selected.size());
}

Result<int64_t> ZRemRangeByRank(Engine& engine, int db, std::string_view key, int64_t start, int64_t stop) {
  DbHold hold(engine, db);
  ZRangeQuery q;
  q.kind = ZRangeQuery::Kind::kRank;
  q.start = start;
  q.stop = stop;
  return RemoveRange(engine, db, key, q);
}

Result<int64_t> ZRemRangeByScore(Engine& engine, int db, std::string_view key, const ScoreRange& range) {
  DbHold hold(engine, db);
  ZRangeQuery q;
  q.kind = ZRangeQuery::Kind::kScore;
  q.score = range;
  return RemoveRange(engine, db, key, q);
}

Result<int64_t> ZRemRangeByLex(Engine& engine, int db, std::string_view key, const LexRange& range) {
  DbHold hold(engine, db);
  ZRangeQuery q;
  q.kind = ZRangeQuery::Kind::kLex;
  q.lex = range;
  return RemoveRange(engine, db, key, q);
}

Result<int64_t> ZCount(Engine& engine, int db, std::string_view key, const ScoreRange& range) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  ScoreRange rg = range;
  rg.min = zset::Normalize(rg.min);
  rg.max = zset::Normalize(rg.max);
  if (!r.exists() || zset::ScoreRangeEmpty(rg)) return int64_t{0};
  const auto above_min = [&](double s) { return rg.min_exclusive ? s > rg.min : s >= rg.min; };
  const auto below_max = [&](double s) { return rg.max_exclusive ? s < rg.max : s <= rg.max; };
  // Count inside the range from its start, and outside it from both ends of the set, in lockstep: the
  // first side to finish gives the answer, so a count costs O(min(inside, outside)).
  auto inside = r.NewIterator(zset::kScoreSpace);
  auto low = r.NewIterator(zset::kScoreSpace);
  auto high = r.NewIterator(zset::kScoreSpace);
  {
    std::string key_buf;
    zset::IndexSuffix(&key_buf, zset::ScoreBits(rg.min) + (rg.min_exclusive ? 1 : 0), {});
    inside->Seek(key_buf);
  }
  low->SeekToFirst();
  high->SeekToLast();
  int64_t in = 0, below = 0, above = 0;
  bool low_done = false, high_done = false;
  zset::IndexEntry e;
  for (;;) {
    if (!inside->Valid()) break;
    if (!zset::DecodeIndexSuffix(inside->suffix(), &e)) return Status::Corruption("malformed sorted-set index key");
    if (!below_max(e.score)) break;
    ++in;
    inside->Next();
    if (!low_done) {
      if (low->Valid() && zset::DecodeIndexSuffix(low->suffix(), &e) && !above_min(e.score)) {
        ++below;
        low->Next();
      } else {
        low_done = true;
      }
    }
    if (!high_done) {
      if (high->Valid() && zset::DecodeIndexSuffix(high->suffix(), &e) && !below_max(e.score)) {
        ++above;
        high->Prev();
      } else {
        high_done = true;
      }
    }
    if (low_done && high_done) {
      for (const auto* it : {inside.get(), low.get(), high.get()}) {
        st = it->status();
        if (!st.ok()) return st;
      }
      return static_cast<int64_t>(r.size()) - below - above;
    }
  }
  st = inside->status();
  if (!st.ok()) return st;
  return in;
}

Result<int64_t> ZLexCount(Engine& engine, int db, std::string_view key, const LexRange& range) {
  DbHold hold(engine, db);
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kZSet);
  if (!st.ok()) return st;
  if (!r.exists()) return int64_t{0};
  ZRangeQuery q;
  q.kind = ZRangeQuery::Kind::kLex;
  q.lex = range;
  int64_t count = 0;
  auto it = r.NewIterator(zset::kScoreSpace);
  st = zset::SelectRange(*it, r.size(), q, [&count](const zset::IndexEntry&) {
    ++count;
    return true;
  });
  if (!st.ok()) return st;
  return count;
}

}  // namespace redrock::engine
