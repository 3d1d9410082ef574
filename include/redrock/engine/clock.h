#pragma once
// The engine reads time only through a Clock, so tests can drive expiry without sleeping.

#include <atomic>
#include <cstdint>
#include <memory>

namespace redrock::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() const = 0;
};

// Wall-clock time (CLOCK_REALTIME), shared by everyone who needs it.
std::shared_ptr<Clock> SystemClock();

// A clock that moves only when told to. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(std::memory_order_relaxed); }
  void SetMs(int64_t ms) { now_.store(ms, std::memory_order_relaxed); }
  void AdvanceMs(int64_t delta) { now_.fetch_add(delta, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace redrock::engine
