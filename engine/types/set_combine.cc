// Sets, multi-set operations: SINTER SUNION SDIFF, their STORE forms, and SINTERCARD.
//
// Every set's members are stored in bytewise order, so the operations are merges of sorted streams read
// from one RocksDB snapshot: the intersection leapfrogs (each iterator seeks to the largest candidate),
// the union is a k-way merge, the difference walks the first set and seeks in the others. Nothing is
// hashed or sorted, and the STORE forms write members straight into the destination's batch.

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types/collection.h"
#include "redrock/engine/set.h"

namespace redrock::engine {

namespace {

// The source sets of one operation, all read from the first reader's snapshot.
class Sources {
 public:
  // Opens the keys in order up to the first failure (IOError, or WrongType for a non-set), which is
  // kept in status(): as Redis looks up the sources one by one and stops at a wrong type.
  Sources(Engine& engine, int db, std::span<const std::string_view> keys) {
    readers_.reserve(keys.size());
    for (std::string_view key : keys) {
      if (!status_.ok()) break;
      if (readers_.empty()) {
        readers_.push_back(std::make_unique<collection::Reader>(engine, db, key));
      } else {
        readers_.push_back(std::make_unique<collection::Reader>(engine, db, key, *readers_.front()));
      }
      const collection::Reader& r = *readers_.back();
      if (status_.ok()) status_ = r.status();
      if (status_.ok()) status_ = r.CheckType(KeyType::kSet);
    }
  }
  const Status& status() const { return status_; }
  size_t count() const { return readers_.size(); }
  const collection::Reader& at(size_t i) const { return *readers_[i]; }
  bool AnyMissing() const {
    return std::any_of(readers_.begin(), readers_.end(), [](const auto& r) { return !r->exists(); });
  }

 private:
  std::vector<std::unique_ptr<collection::Reader>> readers_;
  Status status_;
};

using Iter = std::unique_ptr<collection::MemberIterator>;

Status IterStatus(const std::vector<Iter>& iters) {
  for (const Iter& it : iters) {
    Status st = it->status();
    if (!st.ok()) return st;
  }
  return Status::OK();
}

// Calls emit(member) for each member of the intersection, in order, until emit returns false.
template <typename Emit>
Status Intersect(const Sources& sources, Emit&& emit) {
  if (sources.AnyMissing()) return Status::OK();
  // Drive from the smallest set: every candidate comes from it.
  std::vector<size_t> order(sources.count());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sources.at(a).size() < sources.at(b).size(); });
  std::vector<Iter> iters;
  iters.reserve(order.size());
  for (size_t i : order) {
    iters.push_back(sources.at(i).NewIterator());
    iters.back()->SeekToFirst();
  }
  collection::MemberIterator& driver = *iters.front();
  while (driver.Valid()) {
    const std::string_view candidate = driver.suffix();
    bool in_all = true;
    for (size_t i = 1; i < iters.size(); ++i) {
      collection::MemberIterator& other = *iters[i];
      if (other.Valid() && other.suffix() < candidate) other.Seek(candidate);
      if (!other.Valid()) return IterStatus(iters);  // nothing at or after the candidate: done
      if (other.suffix() != candidate) {
        // Leapfrog: no member below other's current one can be in every set.
        driver.Seek(other.suffix());
        in_all = false;
        break;
      }
    }
    if (!in_all) continue;
    if (!emit(candidate)) return Status::OK();
    driver.Next();
  }
  return IterStatus(iters);
}

template <typename Emit>
Status Union(const Sources& sources, Emit&& emit) {
  std::vector<Iter> iters;
  iters.reserve(sources.count());
  for (size_t i = 0; i < sources.count(); ++i) {
    if (!sources.at(i).exists()) continue;
    iters.push_back(sources.at(i).NewIterator());
    iters.back()->SeekToFirst();
  }
  std::string smallest;
  while (true) {
    // k-way merge; k is the number of keys in the command, so a linear pick of the minimum is enough.
    const collection::MemberIterator* min = nullptr;
    for (const Iter& it : iters) {
      if (it->Valid() && (min == nullptr || it->suffix() < min->suffix())) min = it.get();
    }
    if (min == nullptr) break;
    smallest.assign(min->suffix());
    if (!emit(std::string_view(smallest))) return Status::OK();
    for (Iter& it : iters) {
      if (it->Valid() && it->suffix() == smallest) it->Next();
    }
  }
  return IterStatus(iters);
}

template <typename Emit>
Status Diff(const Sources& sources, Emit&& emit) {
  if (!sources.at(0).exists()) return Status::OK();
  std::vector<Iter> iters;
  iters.reserve(sources.count());
  for (size_t i = 0; i < sources.count(); ++i) {
    if (i > 0 && !sources.at(i).exists()) continue;
    iters.push_back(sources.at(i).NewIterator());
    iters.back()->SeekToFirst();
  }
  collection::MemberIterator& first = *iters.front();
  for (; first.Valid(); first.Next()) {
    const std::string_view candidate = first.suffix();
    bool excluded = false;
    for (size_t i = 1; i < iters.size() && !excluded; ++i) {
      collection::MemberIterator& other = *iters[i];
      if (other.Valid() && other.suffix() < candidate) other.Seek(candidate);
      excluded = other.Valid() && other.suffix() == candidate;
    }
    if (!excluded && !emit(candidate)) return Status::OK();
  }
  return IterStatus(iters);
}

template <typename Emit>
Status Run(SetOp op, const Sources& sources, Emit&& emit) {
  switch (op) {
    case SetOp::kInter: return Intersect(sources, emit);
    case SetOp::kUnion: return Union(sources, emit);
    case SetOp::kDiff: return Diff(sources, emit);
  }
  return Status::InvalidArgument("unknown set operation");
}

}  // namespace

Result<std::vector<std::string>> SetCombine(Engine& engine, int db, SetOp op, std::span<const std::string_view> keys) {
  DbHold hold(engine, db);
  Sources sources(engine, db, keys);
  if (!sources.status().ok()) return sources.status();
  std::vector<std::string> out;
  Status st = Run(op, sources, [&](std::string_view member) {
    out.emplace_back(member);
    return true;
  });
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> SetCombineStore(Engine& engine, int db, SetOp op, std::string_view dst,
                                std::span<const std::string_view> keys) {
  DbHold hold(engine, db);
  std::vector<std::string_view> all;
  all.reserve(keys.size() + 1);
  all.push_back(dst);
  all.insert(all.end(), keys.begin(), keys.end());
  MultiKeyLock lock = collection::LockKeys(engine, db, all);
  // The sources' snapshot is taken under the locks, so it is the state the destination write replaces.
  Sources sources(engine, db, keys);
  if (!sources.status().ok()) return sources.status();
  collection::Writer out(engine, db, dst, collection::Writer::AlreadyLocked{});
  if (!out.status().ok()) return out.status();
  // Members go to the batch under a fresh version while the sources (dst maybe among them) are still
  // read from the snapshot.
  out.Recreate(KeyType::kSet);
  int64_t count = 0;
  Status st = Run(op, sources, [&](std::string_view member) {
    out.PutMember(member, {});
    ++count;
    return true;
  });
  if (!st.ok()) return st;
  out.set_size(static_cast<uint64_t>(count));
  st = out.Commit();
  if (!st.ok()) return st;
  return count;
}

Result<int64_t> SInterCard(Engine& engine, int db, std::span<const std::string_view> keys, uint64_t limit) {
  DbHold hold(engine, db);
  Sources sources(engine, db, keys);
  if (!sources.status().ok()) return sources.status();
  uint64_t count = 0;
  Status st = Intersect(sources, [&](std::string_view) { return ++count != limit; });
  if (!st.ok()) return st;
  return static_cast<int64_t>(count);
}

}  // namespace redrock::engine
