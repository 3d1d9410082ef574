#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/command_harness.h"

using redrock::server::testing::CommandHarness;

TEST_CASE("MULTI queues and EXEC runs in order", "[multi]") {
  CommandHarness h;
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"set", "a", "x"}) == "+QUEUED\r\n");
  CHECK(h.Run({"incr", "a"}) == "+QUEUED\r\n");
  CHECK(h.Run({"get", "a"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nx\r\n");
  // Nothing is queued once EXEC is done.
  CHECK(h.Run({"get", "a"}) == "$1\r\nx\r\n");
}

TEST_CASE("an empty transaction returns an empty array", "[multi]") {
  CommandHarness h;
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"exec"}) == "*0\r\n");
}

TEST_CASE("queue-time errors abort the transaction", "[multi]") {
  CommandHarness h;
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"multi"}) == "-ERR MULTI calls can not be nested\r\n");
  CHECK(h.Run({"set", "a", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"incr", "b", "c"}) == "-ERR wrong number of arguments for 'incr' command\r\n");
  CHECK(h.Run({"exec"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
  CHECK(h.Run({"get", "a"}) == "$-1\r\n");

  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"FOO"}) == "-ERR unknown command 'FOO', with args beginning with: \r\n");
  CHECK(h.Run({"exec"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
  // The abort ended the transaction.
  CHECK(h.Run({"exec"}) == "-ERR EXEC without MULTI\r\n");
}

TEST_CASE("a nested MULTI alone does not abort", "[multi]") {
  CommandHarness h;
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"multi"}) == "-ERR MULTI calls can not be nested\r\n");
  CHECK(h.Run({"set", "a", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*1\r\n+OK\r\n");
}

TEST_CASE("EXEC and DISCARD without MULTI", "[multi]") {
  CommandHarness h;
  CHECK(h.Run({"exec"}) == "-ERR EXEC without MULTI\r\n");
  CHECK(h.Run({"discard"}) == "-ERR DISCARD without MULTI\r\n");
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"set", "a", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"discard"}) == "+OK\r\n");
  CHECK(h.Run({"get", "a"}) == "$-1\r\n");
}

TEST_CASE("SELECT inside a transaction applies to the commands after it", "[multi]") {
  CommandHarness h;
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"select", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"set", "q", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*2\r\n+OK\r\n+OK\r\n");
  CHECK(h.Run({"get", "q"}) == "$1\r\n1\r\n");
  CHECK(h.Run({"select", "0"}) == "+OK\r\n");
  CHECK(h.Run({"get", "q"}) == "$-1\r\n");
}

TEST_CASE("another client never sees half a transaction", "[multi]") {
  CommandHarness h;
  auto& writer = h.client();
  auto& reader = h.NewClient();
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  // x and y are only ever written together, inside one transaction, with equal values.
  std::thread observer([&] {
    while (!stop.load()) {
      std::string reply = h.RunAs(reader, {"mget", "x", "y"});
      if (reply == "*2\r\n$-1\r\n$-1\r\n") continue;
      // "*2\r\n$L\r\nVX\r\n$L\r\nVY\r\n": split after the array header into the two bulks.
      std::string body = reply.substr(4);
      size_t mid = body.find("\r\n", body.find("\r\n") + 2) + 2;
      if (body.substr(0, mid) != body.substr(mid)) torn++;
    }
  });
  for (int i = 0; i < 300; ++i) {
    h.RunAs(writer, {"multi"});
    h.RunAs(writer, {"set", "x", std::to_string(i)});
    h.RunAs(writer, {"set", "y", std::to_string(i)});
    REQUIRE(h.RunAs(writer, {"exec"}) == "*2\r\n+OK\r\n+OK\r\n");
  }
  stop = true;
  observer.join();
  CHECK(torn.load() == 0);
}
