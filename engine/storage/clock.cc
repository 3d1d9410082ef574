#include "redrock/engine/clock.h"

#include <ctime>

namespace redrock::engine {

namespace {

class RealtimeClock final : public Clock {
 public:
  int64_t NowMs() const override {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
  }
};

}  // namespace

std::shared_ptr<Clock> SystemClock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<RealtimeClock>();
  return clock;
}

}  // namespace redrock::engine
