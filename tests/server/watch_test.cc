// WATCH / UNWATCH and the EXEC abort, in process: every rule of server/txn/watch.h, with the exact replies
// Redis 7.0.15 gives (each case was run against a real redis-server first).

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "server/core/server_state.h"
#include "server/txn/watch.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;
using Argv = std::vector<std::string>;

const std::string kPonged = "*1\r\n+PONG\r\n";  // EXEC of MULTI PING: it ran

// WATCH k as the default client, then `others` run commands, then MULTI PING EXEC: returns EXEC's reply.
class WatchFixture {
 public:
  WatchFixture() : other(h.NewClient()) {}

  std::string Attempt(const std::vector<Argv>& setup, const std::vector<Argv>& touch) {
    for (const Argv& c : setup) h.RunAs(other, c);
    REQUIRE(h.Run({"watch", "k"}) == kOk);
    for (const Argv& c : touch) h.RunAs(other, c);
    REQUIRE(h.Run({"multi"}) == kOk);
    REQUIRE(h.Run({"ping"}) == "+QUEUED\r\n");
    return h.Run({"exec"});
  }

  CommandHarness h;
  ClientState& other;
};

}  // namespace

TEST_CASE_METHOD(WatchFixture, "EXEC runs when no watched key changed", "[watch]") {
  CHECK(h.Run({"watch", "x", "y", "z"}) == kOk);
  CHECK(h.Run({"watch", "k"}) == kOk);
  h.RunAs(other, {"set", "unrelated", "1"});
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"ping"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == kPonged);
  CHECK(h.state().watches.Size() == 0);  // EXEC unwatched everything
}

TEST_CASE_METHOD(WatchFixture, "a write by another client aborts EXEC with a null array", "[watch]") {
  CHECK(Attempt({{"set", "k", "30"}}, {{"set", "k", "40"}}) == kNilArray);
  // Nothing of the transaction ran, and the key is no longer watched afterwards.
  CHECK(h.Run({"get", "k"}) == Bulk("40"));
  CHECK(h.state().watches.Size() == 0);
  h.RunAs(other, {"set", "k", "50"});
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kEmpty);

  SECTION("RESP3 answers _") {
    CHECK(h.Run({"hello", "3"}).rfind("%7\r\n", 0) == 0);
    CHECK(Attempt({}, {{"del", "k"}}) == kNull3);
  }
  SECTION("one changed key among several is enough") {
    CHECK(h.Run({"watch", "a", "b", "k", "z"}) == kOk);
    h.RunAs(other, {"incr", "k"});
    CHECK(h.Run({"multi"}) == kOk);
    CHECK(h.Run({"exec"}) == kNilArray);
  }
}

TEST_CASE_METHOD(WatchFixture, "every kind of write aborts; no-ops and failures do not", "[watch]") {
  // As redis-server 7.0.15 answers each of these.
  struct Case {
    const char* name;
    std::vector<Argv> setup, touch;
    bool aborts;
  };
  const std::vector<Case> cases = {
      {"missing key created", {}, {{"set", "k", "x"}}, true},
      {"same value", {{"set", "k", "v"}}, {{"set", "k", "v"}}, true},
      {"append empty", {{"set", "k", "v"}}, {{"append", "k", ""}}, true},
      {"expire", {{"set", "k", "v"}}, {{"expire", "k", "100"}}, true},
      {"expire in the past", {{"set", "k", "v"}}, {{"expire", "k", "-1"}}, true},
      {"getdel", {{"set", "k", "v"}}, {{"getdel", "k"}}, true},
      {"hset same value", {{"hset", "k", "f", "v"}}, {{"hset", "k", "f", "v"}}, true},
      {"hincrbyfloat 0", {{"hset", "k", "f", "1"}}, {{"hincrbyfloat", "k", "f", "0"}}, true},
      {"lset same element", {{"rpush", "k", "a"}}, {{"lset", "k", "0", "a"}}, true},
      {"ltrim that trims nothing", {{"rpush", "k", "a", "b"}}, {{"ltrim", "k", "0", "-1"}}, true},
      {"rename onto it", {{"set", "x", "v"}}, {{"rename", "x", "k"}}, true},
      {"rename away", {{"set", "k", "v"}}, {{"rename", "k", "x"}}, true},
      {"copy onto it", {{"set", "x", "v"}}, {{"copy", "x", "k"}}, true},
      {"sunionstore onto it", {{"sadd", "x", "a"}}, {{"sunionstore", "k", "x"}}, true},
      {"empty store deletes it", {{"set", "k", "v"}}, {{"sinterstore", "k", "x", "y"}}, true},
      {"flushdb", {{"set", "k", "v"}}, {{"flushdb"}}, true},
      {"flushall", {{"set", "k", "v"}}, {{"flushall"}}, true},
      {"zadd same score", {{"zadd", "k", "1", "a"}}, {{"zadd", "k", "1", "a"}}, false},
      {"zincrby 0", {{"zadd", "k", "1", "a"}}, {{"zincrby", "k", "0", "a"}}, false},
      {"smove within the set", {{"sadd", "k", "a"}}, {{"smove", "k", "k", "a"}}, false},
      {"sadd present member", {{"sadd", "k", "a"}}, {{"sadd", "k", "a"}}, false},
      {"setnx on existing", {{"set", "k", "v"}}, {{"setnx", "k", "x"}}, false},
      {"del missing", {}, {{"del", "k"}}, false},
      {"incr on wrong type", {{"sadd", "k", "a"}}, {{"incr", "k"}}, false},
      {"expire nx that fails", {{"set", "k", "v", "ex", "100"}}, {{"expire", "k", "50", "nx"}}, false},
      {"persist without ttl", {{"set", "k", "v"}}, {{"persist", "k"}}, false},
      {"copy from it", {{"set", "k", "v"}}, {{"copy", "k", "k2"}}, false},
      {"setrange with nothing", {{"set", "k", "v"}}, {{"setrange", "k", "0", ""}}, false},
      {"getex persist without ttl", {{"set", "k", "v"}}, {{"getex", "k", "persist"}}, false},
      {"lrem nothing", {{"rpush", "k", "a"}}, {{"lrem", "k", "0", "zz"}}, false},
      {"linsert missing pivot", {{"rpush", "k", "a"}}, {{"linsert", "k", "before", "zz", "x"}}, false},
      {"lpop count 0", {{"rpush", "k", "a"}}, {{"lpop", "k", "0"}}, false},
      {"empty store onto missing", {}, {{"sinterstore", "k", "x", "y"}}, false},
      {"rename onto itself", {{"set", "k", "v"}}, {{"rename", "k", "k"}}, false},
      {"zadd xx on missing", {}, {{"zadd", "k", "xx", "1", "a"}}, false},
      {"hdel missing field", {{"hset", "k", "f", "v"}}, {{"hdel", "k", "zz"}}, false},
      {"spop count 0", {{"sadd", "k", "a"}}, {{"spop", "k", "0"}}, false},
      {"zpopmin count 0", {{"zadd", "k", "1", "a"}}, {{"zpopmin", "k", "0"}}, false},
      {"zremrangebyscore nothing", {{"zadd", "k", "1", "a"}}, {{"zremrangebyscore", "k", "5", "6"}}, false},
      {"flushdb of a missing key", {{"set", "other", "v"}}, {{"flushdb"}}, false},
      {"same key in another db", {}, {{"select", "1"}, {"set", "k", "v"}, {"select", "0"}}, false},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    h.Run({"flushall"});
    CHECK(Attempt(c.setup, c.touch) == (c.aborts ? kNilArray : kPonged));
    CHECK(h.state().watches.Size() == 0);
  }
}

TEST_CASE_METHOD(WatchFixture, "the watcher's own writes before MULTI abort its EXEC", "[watch]") {
  CHECK(h.Run({"set", "k", "30"}) == kOk);
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.Run({"set", "k", "40"}) == kOk);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"set", "k", "50"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == kNilArray);
  CHECK(h.Run({"get", "k"}) == Bulk("40"));
  // Writes inside the transaction concern nobody: EXEC unwatched first.
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"set", "k", "60"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*1\r\n+OK\r\n");
}

TEST_CASE_METHOD(WatchFixture, "watches are per database; MOVE and COPY into the watched one count", "[watch]") {
  // Watched in db 1, EXEC'd after SELECT 0: the watch stays on db 1's key.
  CHECK(h.Run({"select", "1"}) == kOk);
  CHECK(h.Run({"watch", "k"}) == kOk);
  h.RunAs(other, {"select", "1"});
  h.RunAs(other, {"set", "k", "2"});
  CHECK(h.Run({"select", "0"}) == kOk);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kNilArray);

  h.RunAs(other, {"select", "0"});
  CHECK(h.Run({"watch", "k"}) == kOk);
  h.RunAs(other, {"set", "k", "v"});  // db 0
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kNilArray);

  h.Run({"flushall"});
  CHECK(h.Run({"watch", "k"}) == kOk);
  h.RunAs(other, {"select", "2"});
  h.RunAs(other, {"set", "k", "v"});
  CHECK(h.RunAs(other, {"move", "k", "0"}) == Int(1));
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kNilArray);

  h.Run({"flushall"});
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.RunAs(other, {"set", "src", "v"}) == kOk);  // in db 2
  CHECK(h.RunAs(other, {"copy", "src", "k", "db", "0"}) == Int(1));
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kNilArray);

  // MOVE out of the watched db changes the watched key too.
  h.Run({"flushall"});
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.RunAs(other, {"select", "0"}) == kOk);
  CHECK(h.RunAs(other, {"move", "k", "3"}) == Int(1));
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kNilArray);
}

TEST_CASE_METHOD(WatchFixture, "UNWATCH, DISCARD, EXEC and RESET forget the watches", "[watch]") {
  CHECK(h.Run({"watch", "k", "j"}) == kOk);
  CHECK(h.state().watches.Size() == 2);
  h.RunAs(other, {"set", "k", "1"});
  CHECK(h.Run({"unwatch"}) == kOk);
  CHECK(h.state().watches.Size() == 0);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kEmpty);  // the dirty flag went with the watches

  CHECK(h.Run({"watch", "k"}) == kOk);
  h.RunAs(other, {"set", "k", "2"});
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"discard"}) == kOk);
  CHECK(h.state().watches.Size() == 0);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kEmpty);

  CHECK(h.Run({"watch", "k"}) == kOk);
  h.RunAs(other, {"set", "k", "3"});
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.state().watches.Size() == 0);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kEmpty);

  // DISCARD without MULTI is an error and keeps the watches.
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.Run({"discard"}) == "-ERR DISCARD without MULTI\r\n");
  CHECK(h.state().watches.Size() == 1);
  h.RunAs(other, {"set", "k", "4"});
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kNilArray);
}

TEST_CASE_METHOD(WatchFixture, "CLIENT LIST shows a failed watch as flag d (7.0 has no watch= field)", "[watch]") {
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.Run({"client", "info"}).find(" flags=N ") != std::string::npos);
  h.RunAs(other, {"set", "k", "1"});
  const std::string info = h.Run({"client", "info"});
  CHECK(info.find(" flags=d ") != std::string::npos);
  CHECK(info.find("watch=") == std::string::npos);
  CHECK(h.RunAs(other, {"client", "list"}).find(" flags=d ") != std::string::npos);
  CHECK(h.Run({"unwatch"}) == kOk);
  CHECK(h.Run({"client", "info"}).find(" flags=N ") != std::string::npos);
}

TEST_CASE_METHOD(WatchFixture, "WATCH inside MULTI, arity, UNWATCH queued, repeated WATCH", "[watch]") {
  CHECK(h.Run({"watch"}) == Arity("watch"));
  CHECK(h.Run({"unwatch", "x"}) == Arity("unwatch"));
  CHECK(h.Run({"multi"}) == kOk);
  // Refused, but the transaction goes on (Redis does not flag it).
  CHECK(h.Run({"watch", "k"}) == "-ERR WATCH inside MULTI is not allowed\r\n");
  CHECK(h.Run({"unwatch"}) == "+QUEUED\r\n");
  CHECK(h.Run({"ping"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*2\r\n+OK\r\n+PONG\r\n");
  CHECK(h.state().watches.Size() == 0);

  // A WATCH with the wrong arity inside MULTI does abort it (refused before running, as in Redis).
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"watch"}) == Arity("watch"));
  CHECK(h.Run({"exec"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");

  // Watching a key twice registers it once.
  CHECK(h.Run({"watch", "k", "k"}) == kOk);
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.state().watches.Size() == 1);
  CHECK(h.Run({"unwatch"}) == kOk);
}

TEST_CASE_METHOD(WatchFixture, "a queueing error wins over a changed key; a dirty client's WATCH is moot",
                 "[watch]") {
  CHECK(h.Run({"watch", "k"}) == kOk);
  h.RunAs(other, {"set", "k", "1"});
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"foo"}) == "-ERR unknown command 'foo', with args beginning with: \r\n");
  CHECK(h.Run({"exec"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
  CHECK(h.state().watches.Size() == 0);

  CHECK(h.Run({"watch", "k"}) == kOk);
  h.RunAs(other, {"set", "k", "2"});
  CHECK(h.Run({"watch", "z"}) == kOk);  // not registered: EXEC fails anyway
  CHECK(h.state().watches.Size() == 1);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kNilArray);
}

TEST_CASE_METHOD(WatchFixture, "keys that expire between WATCH and EXEC", "[watch][ttl]") {
  SECTION("live at WATCH, expired by EXEC (not reclaimed yet)") {
    CHECK(Attempt({{"set", "k", "v", "px", "50"}}, {}) == kPonged);  // still live
    h.Run({"flushall"});
    h.RunAs(other, {"set", "k", "v", "px", "50"});
    CHECK(h.Run({"watch", "k"}) == kOk);
    h.clock().AdvanceMs(100);
    CHECK(h.Run({"multi"}) == kOk);
    CHECK(h.Run({"exec"}) == kNilArray);
  }
  SECTION("live at WATCH, reclaimed by active expiry") {
    h.RunAs(other, {"set", "k", "v", "px", "50"});
    CHECK(h.Run({"watch", "k"}) == kOk);
    h.clock().AdvanceMs(100);
    CHECK(engine::EngineTestPeer::RunExpiryCycle(h.engine()) == 1);
    CHECK(h.Run({"multi"}) == kOk);
    CHECK(h.Run({"exec"}) == kNilArray);
  }
  SECTION("live at WATCH, expired, then set again") {
    h.RunAs(other, {"set", "k", "v", "px", "50"});
    CHECK(h.Run({"watch", "k"}) == kOk);
    h.clock().AdvanceMs(100);
    h.RunAs(other, {"set", "k", "v"});
    CHECK(h.Run({"multi"}) == kOk);
    CHECK(h.Run({"exec"}) == kNilArray);
  }
  SECTION("a TTL that is still in the future at EXEC") {
    h.RunAs(other, {"set", "k", "v", "px", "50"});
    CHECK(h.Run({"watch", "k"}) == kOk);
    h.clock().AdvanceMs(49);
    CHECK(h.Run({"multi"}) == kOk);
    CHECK(h.Run({"exec"}) == kEmpty);
  }
  SECTION("already expired at WATCH") {
    h.RunAs(other, {"set", "k", "v", "px", "1"});
    h.clock().AdvanceMs(10);
    CHECK(h.Run({"watch", "k"}) == kOk);
    std::string expected = kPonged;
    SECTION("left alone") {}
    SECTION("reclaimed by active expiry") { CHECK(engine::EngineTestPeer::RunExpiryCycle(h.engine()) == 1); }
    SECTION("deleted by DEL (which finds nothing)") { CHECK(h.RunAs(other, {"del", "k"}) == Int(0)); }
    SECTION("FLUSHDB") { CHECK(h.RunAs(other, {"flushdb"}) == kOk); }
    SECTION("set again") {
      CHECK(h.RunAs(other, {"set", "k", "x"}) == kOk);
      expected = kNilArray;
    }
    CHECK(h.Run({"multi"}) == kOk);
    CHECK(h.Run({"ping"}) == "+QUEUED\r\n");
    CHECK(h.Run({"exec"}) == expected);
  }
}

TEST_CASE_METHOD(WatchFixture, "FLUSHDB and FLUSHALL count only keys that existed", "[watch]") {
  CHECK(h.Run({"set", "k", "1"}) == kOk);
  CHECK(h.Run({"watch", "k", "missing"}) == kOk);
  h.RunAs(other, {"select", "1"});
  h.RunAs(other, {"flushdb"});  // another db
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kEmpty);

  CHECK(h.Run({"watch", "missing"}) == kOk);
  h.RunAs(other, {"flushall"});  // k existed, but nobody watched it
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"exec"}) == kEmpty);
}

TEST_CASE_METHOD(WatchFixture, "COMMAND INFO of WATCH and UNWATCH", "[watch]") {
  const std::string info = h.Run({"command", "info", "watch", "unwatch"});
  CHECK(info ==
        "*2\r\n"
        "*10\r\n$5\r\nwatch\r\n:-2\r\n*5\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+allow_busy\r\n"
        ":1\r\n:-1\r\n:1\r\n*2\r\n+@fast\r\n+@transaction\r\n*0\r\n"
        "*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
        "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
        "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n"
        "*0\r\n"
        "*10\r\n$7\r\nunwatch\r\n:1\r\n*5\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+allow_busy\r\n"
        ":0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@transaction\r\n*0\r\n*0\r\n*0\r\n");
}

TEST_CASE("optimistic increments from many threads never lose an update", "[watch][concurrency]") {
  CommandHarness h;
  constexpr int kThreads = 4;
  constexpr int kIncrementsEach = 100;
  std::atomic<int> aborted{0};
  testing::RunConcurrentClients(h, kThreads, [&](ClientState& c, int) {
    for (int done = 0; done < kIncrementsEach;) {
      REQUIRE(h.RunAs(c, {"watch", "counter"}) == kOk);
      const std::string got = h.RunAs(c, {"get", "counter"});
      int64_t value = 0;
      if (got != kNil) value = std::stoll(got.substr(got.find("\r\n") + 2));
      REQUIRE(h.RunAs(c, {"multi"}) == kOk);
      REQUIRE(h.RunAs(c, {"set", "counter", std::to_string(value + 1)}) == "+QUEUED\r\n");
      const std::string exec = h.RunAs(c, {"exec"});
      if (exec == kNilArray) {
        aborted.fetch_add(1);
      } else {
        REQUIRE(exec == "*1\r\n+OK\r\n");
        ++done;
      }
    }
  });
  CHECK(h.Run({"get", "counter"}) == Bulk(std::to_string(kThreads * kIncrementsEach)));
  CHECK(h.state().watches.Size() == 0);
  INFO("aborted attempts: " << aborted.load());
}

TEST_CASE("a plain write with nobody watching takes the fast path", "[watch]") {
  CommandHarness h;
  CHECK(h.state().watches.Size() == 0);
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  // A client that disconnects (harness: UnwatchAll as the connection's destructor does) leaves nothing.
  ClientState& c = h.NewClient();
  CHECK(h.RunAs(c, {"watch", "a", "b"}) == kOk);
  CHECK(h.state().watches.Size() == 2);
  h.state().watches.UnwatchAll(c);
  CHECK(h.state().watches.Size() == 0);
  CHECK_FALSE(c.watch_dirty.load());
}

}  // namespace redrock::server
