// KEYS, SCAN and RANDOMKEY: iteration over one db's key range, seeking to the pattern's literal prefix
// and skipping expired values.
#include <algorithm>
#include <random>

#include "engine/storage/engine_impl.h"
#include "common/glob.h"

namespace redrock::engine {

namespace {

// An iterator over "default" restricted to [begin, end) (end empty = unbounded). Owns its bounds,
// which RocksDB only references.
class RangeIterator {
 public:
  RangeIterator(const Engine::Impl& impl, std::string begin, std::string end)
      : begin_(std::move(begin)), end_(std::move(end)), end_slice_(end_) {
    rocksdb::ReadOptions ro;
    if (!end_.empty()) ro.iterate_upper_bound = &end_slice_;
    // Scans touch many blocks once; keep them from evicting the hot point-read working set.
    ro.fill_cache = false;
    it_.reset(impl.db->NewIterator(ro, impl.data_cf));
  }
  rocksdb::Iterator* operator->() { return it_.get(); }
  const std::string& begin() const { return begin_; }

 private:
  std::string begin_;
  std::string end_;
  rocksdb::Slice end_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

std::string_view View(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace

Result<std::vector<std::string>> Engine::Keys(int db, std::string_view pattern) {
  DbHold hold(impl_->db_map, db);
  const int64_t now = impl_->Now();
  std::vector<std::string> out;
  if (common::GlobIsLiteral(pattern)) {
    const std::string key = common::GlobLiteralPrefix(pattern);
    std::string dkey;
    encoding::EncodeDataKey(&dkey, db, key);
    rocksdb::PinnableSlice value;
    encoding::ValueHeader h;
    Status st = impl_->ReadLive(dkey, now, &value, &h);
    if (st.ok()) out.push_back(key);
    else if (!st.IsNotFound()) return st;
    return out;
  }
  const std::string begin = encoding::DbBegin(db) + common::GlobLiteralPrefix(pattern);
  RangeIterator it(*impl_, begin, encoding::PrefixSuccessor(begin));
  for (it->Seek(begin); it->Valid(); it->Next()) {
    encoding::ValueHeader h;
    if (!encoding::ParseValueHeader(View(it->value()), &h) || encoding::IsExpired(h.expire_at_ms, now)) continue;
    const std::string_view user_key = encoding::UserKeyOf(View(it->key()));
    if (common::GlobMatch(pattern, user_key)) out.emplace_back(user_key);
  }
  if (!it->status().ok()) return impl_->ReadError(it->status());
  return out;
}

Result<ScanResult> Engine::Scan(int db, uint64_t cursor, std::string_view pattern, int64_t count,
                                std::optional<KeyType> type) {
  DbHold hold(impl_->db_map, db);
  if (count < 1) count = 10;
  count = std::min<int64_t>(count, int64_t{1} << 30);  // keeps the step bound below from overflowing
  const int64_t now = impl_->Now();
  // As Redis, "*" skips matching (so it also returns the empty key, which stringmatchlen("*", "")
  // would not); any other pattern, "" included, is a glob every returned key must match.
  const bool match_all = pattern == "*";
  const std::string begin = encoding::DbBegin(db) + common::GlobLiteralPrefix(pattern);
  RangeIterator it(*impl_, begin, encoding::PrefixSuccessor(begin));

  // A known cursor resumes just past the key where its step stopped, whatever that key is (the empty
  // key and the pattern's literal prefix itself included); a cursor from a scan with a different
  // pattern may point before this range, which then starts at its beginning.
  std::string start = begin;
  bool skip_start = false;
  // Cursors name the logical db: after a SWAPDB one resumes in the database its client scans now.
  const int logical_db = hold.map().Logical(db);
  if (auto last = impl_->cursors.Lookup(logical_db, cursor)) {
    std::string after = encoding::DbBegin(db) + *last;
    if (after >= start) {
      start = std::move(after);
      skip_start = true;
    }
  }
  it->Seek(start);
  if (skip_start && it->Valid() && View(it->key()) == start) it->Next();

  ScanResult result;
  // Expired values do not count towards `count`, but bound the total work of one call anyway.
  const int64_t max_steps = count * 10 + 1000;
  int64_t examined = 0;
  std::string last_key;
  for (int64_t steps = 0; it->Valid() && examined < count && steps < max_steps; it->Next(), ++steps) {
    const std::string_view user_key = encoding::UserKeyOf(View(it->key()));
    last_key.assign(user_key);
    encoding::ValueHeader h;
    if (!encoding::ParseValueHeader(View(it->value()), &h)) continue;
    const bool live = !encoding::IsExpired(h.expire_at_ms, now);
    const bool matches = match_all || common::GlobMatch(pattern, user_key);
    // Redis's SCAN ... TYPE looks up every key that matches the pattern (an expired one is a miss).
    if (type && matches) impl_->CountLookup(live);
    if (!live) continue;
    ++examined;
    if (!matches || (type && h.type != *type)) continue;
    result.keys.emplace_back(user_key);
  }
  if (!it->status().ok()) return impl_->ReadError(it->status());
  if (it->Valid()) result.next_cursor = impl_->cursors.Issue(logical_db, std::move(last_key));
  return result;
}

namespace {

// Random source per thread; RANDOMKEY needs no cryptographic quality.
std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

uint64_t Uniform(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(Rng()); }

}  // namespace

Result<std::optional<std::string>> Engine::RandomKey(int db) {
  DbHold hold(impl_->db_map, db);
  // Small dbs (by the physical key counter) get an exactly uniform pick by walking to a random index.
  // Larger ones seek to a random point between the first and last keys (past their common prefix the
  // next 8 bytes are interpolated) and then skip a few more keys, which is cheap and spreads well for
  // keys of a common shape, though not exactly uniform.
  constexpr int64_t kExactLimit = 1000;
  constexpr uint64_t kMaxSkip = 63;
  const int64_t now = impl_->Now();
  const std::string begin = encoding::DbBegin(db);
  const std::string end = encoding::DbEnd(db);
  int64_t physical = 0;
  Status st = impl_->ReadCounter(encoding::KeysCounterKey(db), &physical);
  if (!st.ok()) return st;

  std::string start;  // where the search for a live key starts; wraps to the beginning once
  uint64_t skip = 0;
  {
    RangeIterator probe(*impl_, begin, end);
    probe->Seek(begin);
    if (!probe->Valid()) {
      if (!probe->status().ok()) return impl_->ReadError(probe->status());
      return std::optional<std::string>();
    }
    const std::string first(View(probe->key()));
    if (physical <= kExactLimit) {
      start = first;
      skip = physical > 1 ? Uniform(0, static_cast<uint64_t>(physical) - 1) : 0;
    } else {
      probe->SeekToLast();
      const std::string last = probe->Valid() ? std::string(View(probe->key())) : first;
      size_t common = 0;
      while (common < first.size() && common < last.size() && first[common] == last[common]) ++common;
      auto word = [&](const std::string& s) {
        char buf[8] = {};
        for (size_t i = 0; i < 8 && common + i < s.size(); ++i) buf[i] = s[common + i];
        return encoding::GetFixed64BE(buf);
      };
      const uint64_t lo = word(first);
      start = first.substr(0, common);
      encoding::AppendFixed64BE(&start, Uniform(lo, std::max(lo, word(last))));
      skip = Uniform(0, kMaxSkip);
    }
  }

  // Skip `skip` stored keys (wrapping), then return the first live key, wrapping once.
  RangeIterator it(*impl_, begin, end);
  it->Seek(start);
  for (uint64_t i = 0; i < skip; ++i) {
    if (!it->Valid()) it->Seek(begin);
    if (!it->Valid()) break;
    it->Next();
  }
  if (!it->Valid()) it->Seek(begin);
  if (!it->Valid()) {
    if (!it->status().ok()) return impl_->ReadError(it->status());
    return std::optional<std::string>();
  }
  const std::string origin(View(it->key()));
  bool wrapped = false;
  while (true) {
    if (!it->Valid()) {
      if (!it->status().ok()) return impl_->ReadError(it->status());
      if (wrapped) break;
      wrapped = true;
      it->Seek(begin);
      continue;
    }
    if (wrapped && View(it->key()) >= std::string_view(origin)) break;
    encoding::ValueHeader h;
    if (encoding::ParseValueHeader(View(it->value()), &h) && !encoding::IsExpired(h.expire_at_ms, now)) {
      return std::optional<std::string>(std::string(encoding::UserKeyOf(View(it->key()))));
    }
    it->Next();
  }
  return std::optional<std::string>();
}

}  // namespace redrock::engine
