// SWAPDB in process and over sockets: Redis 7.0.15's replies and errors (each checked against a real
// redis-server first), the client's SELECTed db staying logical, WATCH touched as touchAllWatchedKeysInDb
// does, SWAPDB in MULTI and from Lua, no keyspace notification, and blocked clients woken when the swap
// brings them a key of the type they wait for (scanDatabaseForReadyKeys).

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "redrock/server/server.h"
#include "server/core/server_state.h"
#include "tests/support/command_harness.h"
#include "tests/support/network_client.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;

const std::string kPonged = "*1\r\n+PONG\r\n";
const std::string kNullArray = "*-1\r\n";

TEST_CASE("SWAPDB replies and argument errors", "[server][swapdb]") {
  CommandHarness h;
  CHECK(h.Run({"swapdb", "0"}) == "-ERR wrong number of arguments for 'swapdb' command\r\n");
  CHECK(h.Run({"swapdb", "x", "0"}) == "-ERR invalid first DB index\r\n");
  CHECK(h.Run({"swapdb", "x", "y"}) == "-ERR invalid first DB index\r\n");
  CHECK(h.Run({"swapdb", "0", "x"}) == "-ERR invalid second DB index\r\n");
  CHECK(h.Run({"swapdb", "0", "1.5"}) == "-ERR invalid second DB index\r\n");
  CHECK(h.Run({"swapdb", "0", "2147483648"}) == "-ERR invalid second DB index\r\n");
  CHECK(h.Run({"swapdb", "-2147483649", "0"}) == "-ERR invalid first DB index\r\n");
  CHECK(h.Run({"swapdb", "99", "x"}) == "-ERR invalid second DB index\r\n");  // both parsed before the range
  CHECK(h.Run({"swapdb", "0", "16"}) == "-ERR DB index is out of range\r\n");
  CHECK(h.Run({"swapdb", "-1", "0"}) == "-ERR DB index is out of range\r\n");
  CHECK(h.Run({"swapdb", "3", "3"}) == kOk);
  CHECK(h.Run({"swapdb", "0", "15"}) == kOk);
}

TEST_CASE("SWAPDB moves the data; the client stays on its logical db", "[server][swapdb]") {
  CommandHarness h;
  CHECK(h.Run({"set", "s", "v", "ex", "100"}) == kOk);
  CHECK(h.Run({"rpush", "l", "a", "b"}) == ":2\r\n");
  CHECK(h.Run({"swapdb", "0", "1"}) == kOk);
  CHECK(h.Run({"dbsize"}) == ":0\r\n");
  CHECK(h.Run({"get", "s"}) == kNil);
  CHECK(h.Run({"select", "1"}) == kOk);
  CHECK(h.Run({"dbsize"}) == ":2\r\n");
  CHECK(h.Run({"get", "s"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "s"}) == ":100\r\n");
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Array({Bulk("a"), Bulk("b")}));
  // Another client in db 0 sees db 0's new (empty) contents.
  auto& other = h.NewClient();
  CHECK(h.RunAs(other, {"exists", "s"}) == ":0\r\n");
}

TEST_CASE("SWAPDB touches watched keys that exist in either db, and only those", "[server][swapdb]") {
  CommandHarness h;
  auto& other = h.NewClient();
  auto attempt = [&](const std::string& key, std::vector<std::string> swap) {
    REQUIRE(h.Run({"watch", key}) == kOk);
    REQUIRE(h.RunAs(other, swap) == kOk);
    REQUIRE(h.Run({"multi"}) == kOk);
    REQUIRE(h.Run({"ping"}) == "+QUEUED\r\n");
    return h.Run({"exec"});
  };
  CHECK(h.Run({"set", "here", "1"}) == kOk);
  CHECK(h.RunAs(other, {"select", "1"}) == kOk);
  CHECK(h.RunAs(other, {"set", "there", "1"}) == kOk);
  CHECK(attempt("here", {"swapdb", "0", "1"}) == kNullArray);   // existed in the watched db
  CHECK(attempt("there", {"swapdb", "1", "0"}) == kNullArray);  // now comes from the other one
  CHECK(attempt("nosuch", {"swapdb", "0", "1"}) == kPonged);    // missing from both
  CHECK(attempt("here", {"swapdb", "2", "3"}) == kPonged);      // another pair of dbs
  CHECK(attempt("here", {"swapdb", "0", "0"}) == kPonged);      // a db with itself
}

TEST_CASE("SWAPDB runs inside MULTI and from Lua", "[server][swapdb]") {
  CommandHarness h;
  CHECK(h.Run({"set", "a", "zero"}) == kOk);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"swapdb", "0", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"get", "a"}) == "+QUEUED\r\n");
  CHECK(h.Run({"swapdb", "0", "x"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*3\r\n+OK\r\n$-1\r\n-ERR invalid second DB index\r\n");
  CHECK(h.Run({"eval", "redis.call('swapdb', 1, 0); return redis.call('get', 'a')", "0"}) == Bulk("zero"));
  CHECK(h.Run({"eval", "return redis.pcall('swapdb', 0, 99)", "0"}) == "-ERR DB index is out of range\r\n");
}

// ---- Over sockets: blocked clients ------------------------------------------------------------------

using Client = testing::ConnectedClient;

struct SwapServer : testing::NetworkServer {
  size_t blocked() { return server().state().blocking.blocked_clients(); }
  void WaitBlocked(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (blocked() != n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(blocked() == n);
  }
};

TEST_CASE("SWAPDB wakes a client blocked on a key the swap brings", "[server][swapdb][blocking]") {
  SwapServer s;
  Client waiter(s.port()), other(s.port());
  // The list is in db 1; the waiter blocks on the same name in db 0.
  CHECK(other.Call({"SELECT", "1"}) == kOk);
  CHECK(other.Call({"RPUSH", "q", "x", "y"}) == ":2\r\n");
  waiter.Send(Cmd({"BLPOP", "q", "0"}));
  s.WaitBlocked(1);
  CHECK(waiter.Quiet(50));
  CHECK(other.Call({"SWAPDB", "0", "1"}) == kOk);
  CHECK(waiter.Read() == Array({Bulk("q"), Bulk("x")}));
  CHECK(s.blocked() == 0);
  // The waiter popped from what db 0 holds now; db 1 (the other client's) is empty.
  CHECK(waiter.Call({"LRANGE", "q", "0", "-1"}) == Array({Bulk("y")}));
  CHECK(other.Call({"EXISTS", "q"}) == ":0\r\n");

  // A key of the wrong type serves nobody: the client stays blocked until a real push.
  CHECK(other.Call({"SET", "z", "string"}) == kOk);
  waiter.Send(Cmd({"BZPOPMIN", "z", "0"}));
  s.WaitBlocked(1);
  CHECK(other.Call({"SWAPDB", "1", "0"}) == kOk);
  CHECK(waiter.Quiet(100));
  CHECK(s.blocked() == 1);
  // A sorted set swapped in serves it; SWAPDB inside MULTI wakes it after EXEC.
  CHECK(other.Call({"SELECT", "2"}) == kOk);
  CHECK(other.Call({"ZADD", "z", "5", "m"}) == ":1\r\n");
  CHECK(other.Call({"MULTI"}) == kOk);
  CHECK(other.Call({"SWAPDB", "0", "2"}) == "+QUEUED\r\n");
  CHECK(other.Call({"EXEC"}) == "*1\r\n+OK\r\n");
  CHECK(waiter.Read() == Array({Bulk("z"), Bulk("m"), Bulk("5")}));
  CHECK(s.blocked() == 0);
}

}  // namespace
}  // namespace redrock::server
