// Sets, random access: SPOP and SRANDMEMBER.
//
// RocksDB has no "n-th key", so picking uniformly costs a walk. Sets of up to kExactLimit members (and
// requests for a large share of a bigger set) are sampled exactly in one ordered pass (Knuth's selection
// sampling, or sorted random indexes when members may repeat). A small pick from a big set instead seeks
// to random points between its first and last member, which is O(log n) per pick but only as uniform as
// the members are spread over that interval (Redis's own dictGetFairRandomKey is not exact either).

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types/collection.h"
#include "redrock/engine/set.h"

namespace redrock::engine {

namespace {

constexpr uint64_t kExactLimit = 1024;
// A pick of more than size / kSeekShare members from a big set is cheaper as one exact pass.
constexpr uint64_t kSeekShare = 8;

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

uint64_t Uniform(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(Rng()); }

// Up to 8 bytes of `s` from `offset`, big-endian, zero-padded.
uint64_t Window(std::string_view s, size_t offset) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | (offset + i < s.size() ? static_cast<uint8_t>(s[offset + i]) : 0);
  return v;
}

// Random points between the first and the last member of a set.
class SeekPicker {
 public:
  explicit SeekPicker(collection::MemberIterator& it) : it_(it) {
    it_.SeekToFirst();
    if (it_.Valid()) first_.assign(it_.suffix());
    it_.SeekToLast();
    if (it_.Valid()) last_.assign(it_.suffix());
    while (common_ < first_.size() && common_ < last_.size() && first_[common_] == last_[common_]) ++common_;
    lo_ = Window(first_, common_);
    hi_ = std::max(lo_, Window(last_, common_));
  }
  // The first member at or after a random point (wrapping to the first member); empty view when the
  // iterator failed.
  std::string_view Pick() {
    const uint64_t point = Uniform(lo_, hi_);
    target_.assign(first_, 0, common_);
    for (int shift = 56; shift >= 0; shift -= 8) target_.push_back(static_cast<char>((point >> shift) & 0xff));
    it_.Seek(target_);
    if (!it_.Valid()) it_.SeekToFirst();
    return it_.Valid() ? it_.suffix() : std::string_view();
  }

 private:
  collection::MemberIterator& it_;
  std::string first_, last_, target_;
  size_t common_ = 0;
  uint64_t lo_ = 0, hi_ = 0;
};

// `k` distinct members (k < size), uniformly, in random order.
Status SampleDistinct(collection::MemberIterator& it, uint64_t size, uint64_t k, std::vector<std::string>* out) {
  out->reserve(k);
  if (size > kExactLimit && k <= size / kSeekShare) {
    SeekPicker picker(it);
    std::set<std::string, std::less<>> chosen;
    // Bounded: with k <= size/8 a repeat is rare; if the spread is so skewed that picks keep repeating,
    // fall back to the exact pass below.
    for (uint64_t attempts = 0; chosen.size() < k && attempts < 16 * k + 64; ++attempts) {
      const std::string_view m = picker.Pick();
      Status st = it.status();
      if (!st.ok()) return st;
      if (chosen.find(m) == chosen.end()) chosen.emplace(m);
    }
    if (chosen.size() == k) {
      for (const std::string& m : chosen) out->push_back(m);
      std::shuffle(out->begin(), out->end(), Rng());
      return Status::OK();
    }
  }
  // Knuth's algorithm S: keep the i-th member with probability (still needed) / (still left).
  uint64_t seen = 0;
  for (it.SeekToFirst(); it.Valid() && out->size() < k; it.Next(), ++seen) {
    if (Uniform(0, size - seen - 1) < k - out->size()) out->emplace_back(it.suffix());
  }
  Status st = it.status();
  if (!st.ok()) return st;
  std::shuffle(out->begin(), out->end(), Rng());
  return Status::OK();
}

// `k` members that may repeat, uniformly, in random order.
Status SampleWithRepeats(collection::MemberIterator& it, uint64_t size, uint64_t k, std::vector<std::string>* out) {
  out->reserve(k);
  if (size > kExactLimit && k <= size / kSeekShare) {
    SeekPicker picker(it);
    for (uint64_t i = 0; i < k; ++i) {
      const std::string_view m = picker.Pick();
      Status st = it.status();
      if (!st.ok()) return st;
      out->emplace_back(m);
    }
    return Status::OK();
  }
  std::vector<uint64_t> indexes(k);
  for (uint64_t& i : indexes) i = Uniform(0, size - 1);
  std::sort(indexes.begin(), indexes.end());
  uint64_t pos = 0;
  size_t next = 0;
  for (it.SeekToFirst(); it.Valid() && next < indexes.size(); it.Next(), ++pos) {
    while (next < indexes.size() && indexes[next] == pos) {
      out->emplace_back(it.suffix());
      ++next;
    }
  }
  Status st = it.status();
  if (!st.ok()) return st;
  std::shuffle(out->begin(), out->end(), Rng());
  return Status::OK();
}

Status AllMembers(collection::MemberIterator& it, uint64_t size, std::vector<std::string>* out) {
  out->reserve(size);
  for (it.SeekToFirst(); it.Valid(); it.Next()) out->emplace_back(it.suffix());
  return it.status();
}

}  // namespace

Result<std::vector<std::string>> SPop(Engine& engine, int db, std::string_view key, uint64_t count) {
  DbHold hold(engine, db);
  collection::Writer w(engine, db, key);
  Status st = w.Ready(KeyType::kSet);
  if (!st.ok()) return st;
  std::vector<std::string> out;
  if (!w.exists() || count == 0) return out;
  auto it = w.NewIterator();
  if (count >= w.size()) {
    // The whole set goes: dropping the key is O(1); its members become stale under the dead version.
    st = AllMembers(*it, w.size(), &out);
    if (!st.ok()) return st;
    w.set_size(0);
  } else {
    st = SampleDistinct(*it, w.size(), count, &out);
    if (!st.ok()) return st;
    for (const std::string& m : out) w.DeleteMember(m);
    w.AddSize(-static_cast<int64_t>(out.size()));
  }
  st = w.Commit();
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::string>> SRandMember(Engine& engine, int db, std::string_view key, int64_t count) {
  DbHold hold(engine, db);
  if (count < -kMaxRandomRepeats) return Status::InvalidArgument("count is too large");
  collection::Reader r(engine, db, key);
  Status st = r.Ready(KeyType::kSet);
  if (!st.ok()) return st;
  std::vector<std::string> out;
  if (!r.exists() || count == 0) return out;
  auto it = r.NewIterator();
  if (count < 0) {
    st = SampleWithRepeats(*it, r.size(), static_cast<uint64_t>(-count), &out);
  } else if (static_cast<uint64_t>(count) >= r.size()) {
    st = AllMembers(*it, r.size(), &out);
  } else {
    st = SampleDistinct(*it, r.size(), static_cast<uint64_t>(count), &out);
  }
  if (!st.ok()) return st;
  return out;
}

}  // namespace redrock::engine
