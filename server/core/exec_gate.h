#pragma once
// The exec gate: every command runs holding it shared; EXEC (and other whole-keyspace commands) hold it
// exclusively, so no client ever observes half of a transaction. Writer-preferring, so a steady stream
// of ordinary commands cannot starve EXEC. Non-recursive. Built on C++20 atomic wait/notify (futex).
//
// Busy scripts (server/scripting): the holder of the exclusive lock may mark the gate busy (a Lua script
// running longer than busy-reply-threshold). The *_unless_busy locks then fail instead of waiting, so
// the clients waiting for the gate can answer BUSY; when the gate is not busy they behave exactly like
// lock_shared()/lock() and cost the same.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace redrock::server {

class ExecGate {
 public:
  void lock_shared() { AcquireShared(/*give_up_when_busy=*/false); }

  void unlock_shared() {
    // The last reader out wakes a waiting writer.
    if (state_.fetch_sub(1, std::memory_order_release) == (kWriter | 1)) state_.notify_all();
  }

  void lock() {
    writer_mu_.lock();
    AcquireWriterBit();
  }

  void unlock() {
    state_.fetch_and(~(kWriter | kBusy), std::memory_order_release);
    state_.notify_all();
    writer_mu_.unlock();
  }

  // lock_shared(), or false (not locked) once the exclusive holder marks the gate busy.
  bool lock_shared_unless_busy() { return AcquireShared(/*give_up_when_busy=*/true); }

  // lock(), or false (not locked) once the exclusive holder marks the gate busy.
  bool lock_unless_busy() {
    while (!writer_mu_.try_lock_for(std::chrono::milliseconds(kBusyPollMs))) {
      if (busy()) return false;
    }
    AcquireWriterBit();
    return true;
  }

  // Only the exclusive holder changes this; unlock() clears it.
  void set_busy(bool busy) {
    if (busy) {
      state_.fetch_or(kBusy, std::memory_order_release);
      state_.notify_all();  // waiting readers re-check and give up
    } else {
      state_.fetch_and(~kBusy, std::memory_order_release);
    }
  }
  bool busy() const { return (state_.load(std::memory_order_acquire) & kBusy) != 0; }

 private:
  bool AcquireShared(bool give_up_when_busy) {
    uint32_t s = state_.load(std::memory_order_acquire);
    for (;;) {
      if (s & kWriter) {
        if (give_up_when_busy && (s & kBusy)) return false;
        state_.wait(s, std::memory_order_relaxed);
        s = state_.load(std::memory_order_acquire);
        continue;
      }
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed)) return true;
    }
  }
  // With writer_mu_ held: announce the writer (new readers wait) and wait for the readers to leave.
  void AcquireWriterBit() {
    uint32_t s = state_.fetch_or(kWriter, std::memory_order_acquire) | kWriter;
    while (s != kWriter) {
      state_.wait(s, std::memory_order_relaxed);
      s = state_.load(std::memory_order_acquire);
    }
  }

  static constexpr uint32_t kWriter = 1u << 31;
  static constexpr uint32_t kBusy = 1u << 30;
  // How often a writer waiting behind another writer checks whether that one became busy.
  static constexpr int kBusyPollMs = 10;
  std::atomic<uint32_t> state_{0};
  std::timed_mutex writer_mu_;  // one writer at a time
};

}  // namespace redrock::server
