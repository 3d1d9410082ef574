#pragma once
// Striped per-key locks. Every read-modify-write holds the stripe of each key it touches, so the old
// value it read (and the counters it derives from it) cannot change under it. Multi-key operations
// lock their stripes in ascending order, deduplicated, so two of them can never deadlock; operations
// that must exclude everything (FLUSHDB) take all stripes, in the same order.

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

namespace redrock::engine {

class KeyLocks {
 public:
  static constexpr size_t kStripes = 1024;

  // `data_key` is the encoded [db][key], so the same user key in two dbs usually maps elsewhere.
  static size_t StripeOf(std::string_view data_key) {
    return std::hash<std::string_view>{}(data_key) & (kStripes - 1);
  }
  std::mutex& Stripe(size_t i) { return stripes_[i].mu; }

 private:
  struct alignas(64) Padded {
    std::mutex mu;
  };
  std::array<Padded, kStripes> stripes_;
};

// Holds one stripe.
class SingleKeyLock {
 public:
  SingleKeyLock(KeyLocks& locks, std::string_view data_key)
      : mu_(locks.Stripe(KeyLocks::StripeOf(data_key))) {
    mu_.lock();
  }
  ~SingleKeyLock() { mu_.unlock(); }
  SingleKeyLock(const SingleKeyLock&) = delete;
  SingleKeyLock& operator=(const SingleKeyLock&) = delete;

 private:
  std::mutex& mu_;
};

// Holds the stripes of several keys (or all of them), locked in ascending order.
class MultiKeyLock {
 public:
  MultiKeyLock(KeyLocks& locks, std::vector<size_t> stripes) : locks_(locks), stripes_(std::move(stripes)) {
    std::sort(stripes_.begin(), stripes_.end());
    stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
    for (size_t s : stripes_) locks_.Stripe(s).lock();
  }
  static MultiKeyLock All(KeyLocks& locks) {
    std::vector<size_t> all(KeyLocks::kStripes);
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return MultiKeyLock(locks, std::move(all));
  }
  ~MultiKeyLock() {
    for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) locks_.Stripe(*it).unlock();
  }
  MultiKeyLock(MultiKeyLock&& other) noexcept : locks_(other.locks_), stripes_(std::move(other.stripes_)) {
    other.stripes_.clear();
  }
  MultiKeyLock(const MultiKeyLock&) = delete;
  MultiKeyLock& operator=(const MultiKeyLock&) = delete;

 private:
  KeyLocks& locks_;
  std::vector<size_t> stripes_;
};

}  // namespace redrock::engine
