// The disk-error admission rule (server/core/disk_error.h): while the engine's writes are failing, write
// commands, an EXEC that queued one, PING and a script's writes get Redis's -MISCONF text; reads work.
// The failure is simulated by raising the engine's flag (what a failed WAL write does) with its reason.
#include <mutex>

#include <catch2/catch.hpp>

#include "tests/support/command_harness.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;

constexpr const char* kMisconf = "-MISCONF Errors writing to the AOF file: No space left on device\r\n";

// Raises the engine's write failure for the scope, as a full disk would.
class FailingWrites {
 public:
  explicit FailingWrites(engine::Engine& e) : impl_(engine::EngineTestPeer::ImplOf(e)) {
    {
      std::lock_guard lock(impl_.error_mu);
      impl_.last_error_text = "No space left on device";
    }
    impl_.write_failed.store(true);
  }
  ~FailingWrites() { impl_.write_failed.store(false); }

 private:
  engine::Engine::Impl& impl_;
};

TEST_CASE("disk error: writes and PING get MISCONF, reads keep working", "[disk_error]") {
  CommandHarness h;
  REQUIRE(h.Run({"set", "k", "v"}) == "+OK\r\n");
  {
    FailingWrites failing(h.engine());
    CHECK(h.engine().WritesFailing());
    CHECK(h.Run({"set", "k", "w"}) == kMisconf);
    CHECK(h.Run({"incr", "n"}) == kMisconf);
    CHECK(h.Run({"del", "k"}) == kMisconf);
    CHECK(h.Run({"lpush", "l", "x"}) == kMisconf);
    CHECK(h.Run({"ping"}) == kMisconf);
    CHECK(h.Run({"get", "k"}) == "$1\r\nv\r\n");
    CHECK(h.Run({"exists", "k"}) == ":1\r\n");
    CHECK(h.Run({"echo", "hi"}) == "$2\r\nhi\r\n");
    // Counted as rejected calls and as MISCONF errors, as Redis's rejectCommand does.
    const std::string stats = h.Run({"info", "errorstats"});
    CHECK(stats.find("errorstat_MISCONF:count=5") != std::string::npos);
  }
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  CHECK(h.Run({"set", "k", "w"}) == "+OK\r\n");
}

TEST_CASE("disk error: inside MULTI a refused write aborts the transaction; EXEC of writes is refused", "[disk_error]") {
  CommandHarness h;
  {
    FailingWrites failing(h.engine());
    REQUIRE(h.Run({"multi"}) == "+OK\r\n");
    CHECK(h.Run({"set", "k", "v"}) == kMisconf);
    CHECK(h.Run({"get", "k"}) == "+QUEUED\r\n");
    CHECK(h.Run({"exec"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
  }
  // Queued while healthy, executed while failing: EXEC itself is refused (Redis's execCommandAbort).
  REQUIRE(h.Run({"multi"}) == "+OK\r\n");
  REQUIRE(h.Run({"set", "k", "v"}) == "+QUEUED\r\n");
  {
    FailingWrites failing(h.engine());
    CHECK(h.Run({"exec"}) ==
          "-EXECABORT Transaction discarded because of: MISCONF Errors writing to the AOF file: No space left on device\r\n");
  }
  CHECK(h.Run({"get", "k"}) == "$-1\r\n");
  // A read-only transaction still runs.
  REQUIRE(h.Run({"multi"}) == "+OK\r\n");
  REQUIRE(h.Run({"get", "k"}) == "+QUEUED\r\n");
  {
    FailingWrites failing(h.engine());
    CHECK(h.Run({"exec"}) == "*1\r\n$-1\r\n");
  }
}

TEST_CASE("disk error: a script's writes are refused, its reads are not", "[disk_error]") {
  CommandHarness h;
  REQUIRE(h.Run({"set", "k", "v"}) == "+OK\r\n");
  FailingWrites failing(h.engine());
  CHECK(h.Run({"eval", "return redis.call('get', KEYS[1])", "1", "k"}) == "$1\r\nv\r\n");
  const std::string refused = h.Run({"eval", "return redis.call('set', KEYS[1], 'x')", "1", "k"});
  CHECK(refused.rfind("-MISCONF Errors writing to the AOF file: No space left on device", 0) == 0);
  CHECK(h.Run({"get", "k"}) == "$1\r\nv\r\n");
}

}  // namespace
}  // namespace redrock::server
