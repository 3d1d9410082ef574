// maxmemory over real sockets, where a second client changes the limit while the first one is inside
// MULTI (the differential script covers the single-connection refusals): as Redis 7.0.15, EXEC runs a
// transaction of non-deny-oom commands over the limit but aborts one that queued a deny-oom command or a
// script that does not allow OOM, and a command rejected while queueing poisons the transaction.

#include <catch2/catch.hpp>

#include <string>

#include "tests/support/network_client.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::ConnectedClient;
using testing::NetworkServer;

const std::string kOom = Err("OOM command not allowed when used memory > 'maxmemory'.");
const std::string kQueued = "+QUEUED\r\n";

TEST_CASE("maxmemory: EXEC over the limit", "[maxmemory][network]") {
  NetworkServer s;
  ConnectedClient c(s.port()), admin(s.port());
  REQUIRE(c.Call({"SET", "x", "value"}) == kOk);

  SECTION("read-only transaction runs") {
    CHECK(c.Call({"MULTI"}) == kOk);
    CHECK(c.Call({"GET", "x"}) == kQueued);
    CHECK(c.Call({"PING"}) == kQueued);
    CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "1"}) == kOk);
    CHECK(c.Call({"EXEC"}) == Array({Bulk("value"), "+PONG\r\n"}));
  }
  SECTION("a queued deny-oom command aborts it") {
    CHECK(c.Call({"MULTI"}) == kOk);
    CHECK(c.Call({"SET", "x", "1"}) == kQueued);
    CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "1"}) == kOk);
    CHECK(c.Call({"EXEC"}) ==
          Err("EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(c.Call({"GET", "x"}) == Bulk("value"));
  }
  SECTION("a queued script with flags that does not allow OOM aborts it; a flagless one is checked inside") {
    CHECK(c.Call({"MULTI"}) == kOk);
    CHECK(c.Call({"EVAL", "#!lua\nreturn 1", "0"}) == kQueued);
    CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "1"}) == kOk);
    CHECK(c.Call({"EXEC"}).rfind("-EXECABORT Transaction discarded because of: OOM", 0) == 0);
    CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "0"}) == kOk);
    CHECK(c.Call({"MULTI"}) == kOk);
    CHECK(c.Call({"EVAL", "return redis.pcall('set', 'x', '2')", "0"}) == kQueued);
    CHECK(c.Call({"EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', 'x', '3')", "0"}) == kQueued);
    CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "1"}) == kOk);
    CHECK(c.Call({"EXEC"}) == Array({kOom, kOk}));
    CHECK(c.Call({"GET", "x"}) == Bulk("3"));
  }
  SECTION("a command refused while queueing poisons it; DISCARD still works") {
    CHECK(c.Call({"MULTI"}) == kOk);
    CHECK(c.Call({"SET", "x", "1"}) == kQueued);
    CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "1"}) == kOk);
    CHECK(c.Call({"LPUSH", "l", "v"}) == kOom);
    CHECK(c.Call({"GET", "x"}) == kOom);  // over the limit MULTI queues nothing
    CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "0"}) == kOk);
    CHECK(c.Call({"EXEC"}) == Err("EXECABORT Transaction discarded because of previous errors."));
    CHECK(c.Call({"MULTI"}) == kOk);
    CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "1"}) == kOk);
    CHECK(c.Call({"SET", "x", "1"}) == kOom);
    CHECK(c.Call({"DISCARD"}) == kOk);
  }
  CHECK(admin.Call({"CONFIG", "SET", "maxmemory", "0"}) == kOk);
  CHECK(c.Call({"SET", "y", "1"}) == kOk);
}

}  // namespace
}  // namespace redrock::server
