#pragma once
// The exec gate: every command runs holding it shared; EXEC (and other whole-keyspace commands) hold it
// exclusively, so no client ever observes half of a transaction. Writer-preferring, so a steady stream
// of ordinary commands cannot starve EXEC. Non-recursive. Built on C++20 atomic wait/notify (futex).

#include <atomic>
#include <cstdint>
#include <mutex>

namespace redrock::server {

class ExecGate {
 public:
  void lock_shared() {
    uint32_t s = state_.load(std::memory_order_acquire);
    for (;;) {
      if (s & kWriter) {
        state_.wait(s, std::memory_order_relaxed);
        s = state_.load(std::memory_order_acquire);
        continue;
      }
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    }
  }

  void unlock_shared() {
    // The last reader out wakes a waiting writer.
    if (state_.fetch_sub(1, std::memory_order_release) == (kWriter | 1)) state_.notify_all();
  }

  void lock() {
    writer_mu_.lock();
    uint32_t s = state_.fetch_or(kWriter, std::memory_order_acquire) | kWriter;
    while (s != kWriter) {
      state_.wait(s, std::memory_order_relaxed);
      s = state_.load(std::memory_order_acquire);
    }
  }

  void unlock() {
    state_.fetch_and(~kWriter, std::memory_order_release);
    state_.notify_all();
    writer_mu_.unlock();
  }

 private:
  static constexpr uint32_t kWriter = 1u << 31;
  std::atomic<uint32_t> state_{0};
  std::mutex writer_mu_;  // one writer at a time
};

}  // namespace redrock::server
