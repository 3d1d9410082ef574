// How blocked clients are served (server/core/blocking.h), in process and deterministic: harness clients that
// may block register as waiters, and the pushes of other clients serve them after each command, as
// Redis's handleClientsBlockedOnKeys does. A waiter's reply is read with TakeReply (a connection would
// be woken to write it). The cases mirror Redis 7.0.15's unit/type/list tests.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/blocking.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

std::string Pair(std::string_view key, std::string_view value) { return Bulks({key, value}); }

struct Serving {
  CommandHarness h;
  BlockingRegistry& registry() { return h.state().blocking; }

  // A client whose blocking commands really block (like a connection's).
  ClientState& Blocker() {
    ClientState& c = h.NewClient();
    c.may_block = true;
    return c;
  }
  // Runs a command that must block `c`; returns its waiter.
  std::shared_ptr<BlockedWaiter> Block(ClientState& c, const std::vector<std::string>& argv) {
    REQUIRE(h.RunAs(c, argv).empty());
    REQUIRE(c.blocked.active);
    auto waiter = c.blocked.waiter;
    c.blocked = BlockedState{};
    return waiter;
  }
  // The waiter's reply once served; empty while it still waits.
  std::string Reply(BlockedWaiter& waiter) {
    std::string out;
    registry().TakeReply(waiter, &out);
    return out;
  }
  size_t blocked() { return registry().blocked_clients(); }
};

TEST_CASE("A blocking handler registers its client instead of replying", "[blocking]") {
  Serving s;
  ClientState& c = s.Blocker();
  auto waiter = s.Block(c, {"blpop", "k1", "k2", "k1", "1.5"});
  CHECK(waiter->keys == std::vector<std::string>{"k1", "k2"});  // a key named twice waits once
  CHECK(s.blocked() == 1);
  CHECK(s.Reply(*waiter).empty());
  CHECK(s.registry().Remove(waiter));  // timeout or disconnect
  CHECK(s.blocked() == 0);
  CHECK_FALSE(s.registry().Remove(waiter));

  // Redis rounds the timeout up to whole milliseconds: 0.001 and 0.0001 are 1 ms, not "forever".
  for (const char* timeout : {"0.001", "0.0001"}) {
    s.h.RunAs(c, {"blpop", "k1", timeout});
    REQUIRE(c.blocked.active);
    CHECK(c.blocked.timeout_ms == 1);
    s.registry().Remove(c.blocked.waiter);
    c.blocked = BlockedState{};
  }
  s.h.RunAs(c, {"blmove", "src", "dst", "LEFT", "LEFT", "0"});
  CHECK(c.blocked.timeout_ms == 0);
  CHECK(c.blocked.waiter->keys == std::vector<std::string>{"src"});
  s.registry().Remove(c.blocked.waiter);
  c.blocked = BlockedState{};
  CHECK(s.blocked() == 0);

  // Something to pop: served at once, nothing registered.
  s.h.Run({"rpush", "k2", "v"});
  CHECK(s.h.RunAs(c, {"blpop", "k1", "k2", "0"}) == Pair("k2", "v"));
  CHECK_FALSE(c.blocked.active);
  CHECK(s.blocked() == 0);
}

TEST_CASE("A push serves the clients blocked on its key in the order they blocked", "[blocking]") {
  Serving s;
  auto first = s.Block(s.Blocker(), {"blpop", "q", "0"});
  auto second = s.Block(s.Blocker(), {"blpop", "q", "0"});
  auto third = s.Block(s.Blocker(), {"brpop", "other", "q", "0"});
  CHECK(s.blocked() == 3);
  CHECK(s.h.Run({"rpush", "q", "a"}) == Int(1));
  // Served before the push's reply was even returned: the count is already down.
  CHECK(s.Reply(*first) == Pair("q", "a"));
  CHECK(s.blocked() == 2);
  CHECK(s.Reply(*second).empty());
  CHECK(s.h.Run({"exists", "q"}) == Int(0));
  CHECK(s.h.Run({"rpush", "q", "b", "c", "d"}) == Int(3));
  CHECK(s.Reply(*second) == Pair("q", "b"));
  CHECK(s.Reply(*third) == Pair("q", "d"));  // BRPOP: from the right, and from the key that was pushed
  CHECK(s.h.Run({"lrange", "q", "0", "-1"}) == Bulks({"c"}));
  CHECK(s.blocked() == 0);

  // Another database's key of the same name serves nobody.
  auto waiter = s.Block(s.Blocker(), {"blpop", "q2", "0"});
  s.h.Run({"select", "1"});
  s.h.Run({"rpush", "q2", "x"});
  s.h.Run({"select", "0"});
  CHECK(s.Reply(*waiter).empty());
  s.h.Run({"lpush", "q2", "y"});
  CHECK(s.Reply(*waiter) == Pair("q2", "y"));
}

TEST_CASE("A key that is not a list when the command ends does not wake its clients", "[blocking]") {
  Serving s;
  auto blpop = s.Block(s.Blocker(), {"blpop", "k", "0"});
  auto blmpop = s.Block(s.Blocker(), {"blmpop", "0", "1", "k", "LEFT"});
  s.h.Run({"multi"});
  s.h.Run({"lpush", "k", "x"});
  s.h.Run({"del", "k"});
  s.h.Run({"set", "k", "foo"});
  CHECK(s.h.Run({"exec"}) == Array({Int(1), Int(1), kOk}));
  CHECK(s.Reply(*blpop).empty());
  CHECK(s.Reply(*blmpop).empty());
  CHECK(s.blocked() == 2);
  // Pushed and deleted in the transaction: nothing either.
  s.h.Run({"del", "k"});
  s.h.Run({"multi"});
  s.h.Run({"lpush", "k", "x"});
  s.h.Run({"del", "k"});
  s.h.Run({"exec"});
  CHECK(s.Reply(*blpop).empty());
  CHECK(s.blocked() == 2);
  // A real list serves them, one element each.
  s.h.Run({"rpush", "k", "a", "b"});
  CHECK(s.Reply(*blpop) == Pair("k", "a"));
  CHECK(s.Reply(*blmpop) == Array({Bulk("k"), Bulks({"b"})}));
  CHECK(s.blocked() == 0);
}

TEST_CASE("BRPOPLPUSH onto a wrong-type destination fails that client; the next one gets the element",
          "[blocking]") {
  Serving s;
  s.h.Run({"set", "target1", "nolist"});
  auto first = s.Block(s.Blocker(), {"brpoplpush", "blist", "target1", "0"});
  auto second = s.Block(s.Blocker(), {"brpoplpush", "blist", "target2", "0"});
  CHECK(s.h.Run({"lpush", "blist", "foo"}) == Int(1));
  CHECK(s.Reply(*first) == kWrongType);
  CHECK(s.Reply(*second) == Bulk("foo"));
  CHECK(s.h.Run({"lrange", "target2", "0", "-1"}) == Bulks({"foo"}));
  CHECK(s.h.Run({"exists", "blist"}) == Int(0));
  CHECK(s.blocked() == 0);
}

TEST_CASE("A served BLMOVE's push serves the clients blocked on its destination in the same pass",
          "[blocking]") {
  Serving s;
  SECTION("Linked LMOVEs") {
    auto first = s.Block(s.Blocker(), {"blmove", "list1", "list2", "RIGHT", "LEFT", "0"});
    auto second = s.Block(s.Blocker(), {"blmove", "list2", "list3", "LEFT", "RIGHT", "0"});
    s.h.Run({"rpush", "list1", "foo"});
    CHECK(s.h.Run({"lrange", "list1", "0", "-1"}) == kEmpty);
    CHECK(s.h.Run({"lrange", "list2", "0", "-1"}) == kEmpty);
    CHECK(s.h.Run({"lrange", "list3", "0", "-1"}) == Bulks({"foo"}));
    CHECK(s.Reply(*first) == Bulk("foo"));
    CHECK(s.Reply(*second) == Bulk("foo"));
  }
  SECTION("Circular BRPOPLPUSH") {
    auto first = s.Block(s.Blocker(), {"brpoplpush", "list1", "list2", "0"});
    auto second = s.Block(s.Blocker(), {"brpoplpush", "list2", "list1", "0"});
    s.h.Run({"rpush", "list1", "foo"});
    CHECK(s.h.Run({"lrange", "list1", "0", "-1"}) == Bulks({"foo"}));
    CHECK(s.h.Run({"lrange", "list2", "0", "-1"}) == kEmpty);
    CHECK(s.Reply(*first) == Bulk("foo"));
    CHECK(s.Reply(*second) == Bulk("foo"));
  }
  SECTION("Self-referential BRPOPLPUSH") {
    auto waiter = s.Block(s.Blocker(), {"brpoplpush", "blist", "blist", "0"});
    s.h.Run({"rpush", "blist", "foo"});
    CHECK(s.h.Run({"lrange", "blist", "0", "-1"}) == Bulks({"foo"}));
    CHECK(s.Reply(*waiter) == Bulk("foo"));
  }
  SECTION("BLMOVE serving a BLPOP of its destination") {
    auto pop = s.Block(s.Blocker(), {"blpop", "stage2", "0"});
    auto move = s.Block(s.Blocker(), {"brpoplpush", "stage1", "stage2", "0"});
    s.h.Run({"lpush", "stage1", "job"});
    CHECK(s.Reply(*move) == Bulk("job"));
    CHECK(s.Reply(*pop) == Pair("stage2", "job"));
    CHECK(s.h.Run({"exists", "stage1", "stage2"}) == Int(0));
  }
  CHECK(s.blocked() == 0);
}

TEST_CASE("BLMPOP with multiple blocked clients: each key is served in signal order after EXEC",
          "[blocking]") {
  Serving s;
  auto rd1 = s.Block(s.Blocker(), {"blmpop", "0", "2", "blist", "blist2", "left", "count", "1"});
  auto rd2 = s.Block(s.Blocker(), {"blmpop", "0", "2", "blist", "blist2", "right", "count", "10"});
  auto rd3 = s.Block(s.Blocker(), {"blmpop", "0", "2", "blist", "blist2", "left", "count", "10"});
  auto rd4 = s.Block(s.Blocker(), {"blmpop", "0", "2", "blist", "blist2", "right", "count", "1"});
  s.h.Run({"multi"});
  s.h.Run({"lpush", "blist", "a", "b", "c", "d", "e"});
  s.h.Run({"lpush", "blist2", "1", "2", "3", "4", "5"});
  s.h.Run({"exec"});
  CHECK(s.Reply(*rd1) == Array({Bulk("blist"), Bulks({"e"})}));
  CHECK(s.Reply(*rd2) == Array({Bulk("blist"), Bulks({"a", "b", "c", "d"})}));
  CHECK(s.Reply(*rd3) == Array({Bulk("blist2"), Bulks({"5", "4", "3", "2", "1"})}));
  CHECK(s.Reply(*rd4).empty());
  s.h.Run({"lpush", "blist2", "1", "2", "3"});
  CHECK(s.Reply(*rd4) == Array({Bulk("blist2"), Bulks({"1"})}));
  CHECK(s.h.Run({"lrange", "blist2", "0", "-1"}) == Bulks({"3", "2"}));
}

TEST_CASE("Keys that arrive by RENAME, COPY, MOVE or LINSERT serve their clients", "[blocking]") {
  Serving s;
  auto blpop = s.Block(s.Blocker(), {"blpop", "foo", "0"});
  auto blmpop = s.Block(s.Blocker(), {"blmpop", "0", "1", "foo", "LEFT"});
  s.h.Run({"lpush", "bob", "abc", "def", "hij"});
  s.h.Run({"rename", "bob", "foo"});
  CHECK(s.Reply(*blpop) == Pair("foo", "hij"));
  CHECK(s.Reply(*blmpop) == Array({Bulk("foo"), Bulks({"def"})}));
  s.h.Run({"del", "foo"});

  auto copied = s.Block(s.Blocker(), {"brpop", "c", "0"});
  s.h.Run({"rpush", "src", "1", "2"});
  s.h.Run({"copy", "src", "c"});
  CHECK(s.Reply(*copied) == Pair("c", "2"));

  ClientState& in_db1 = s.Blocker();
  s.h.RunAs(in_db1, {"select", "1"});
  auto moved = s.Block(in_db1, {"blpop", "src", "0"});
  s.h.Run({"move", "src", "1"});
  CHECK(s.Reply(*moved) == Pair("src", "1"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("A script's pushes serve blocked clients after the script", "[blocking]") {
  Serving s;
  auto waiter = s.Block(s.Blocker(), {"blpop", "q", "0"});
  // Not served in the middle of the script: it still sees both elements.
  CHECK(s.h.Run({"eval", "redis.call('rpush', KEYS[1], 'a', 'b'); return redis.call('llen', KEYS[1])", "1", "q"}) ==
        Int(2));
  CHECK(s.Reply(*waiter) == Pair("q", "a"));
  waiter = s.Block(s.Blocker(), {"blpop", "k", "0"});
  s.h.Run({"eval", "redis.call('rpush', KEYS[1], 'a'); redis.call('del', KEYS[1]); redis.call('set', KEYS[1], 'x')",
           "1", "k"});
  CHECK(s.Reply(*waiter).empty());
  CHECK(s.registry().Remove(waiter));
}

TEST_CASE("CLIENT UNBLOCK answers a blocked client as a timeout or with an error", "[blocking]") {
  Serving s;
  ClientState& c = s.Blocker();
  const std::string id = std::to_string(c.id);
  auto waiter = s.Block(c, {"blpop", "l", "0"});
  CHECK(s.h.Run({"client", "unblock", id}) == Int(1));
  CHECK(s.Reply(*waiter) == kNilArray);
  CHECK(s.blocked() == 0);
  CHECK(s.h.Run({"client", "unblock", id}) == Int(0));  // not blocked any more

  waiter = s.Block(c, {"blmove", "l", "d", "LEFT", "LEFT", "0"});
  CHECK(s.h.Run({"client", "unblock", id, "timeout"}) == Int(1));
  CHECK(s.Reply(*waiter) == kNilArray);

  waiter = s.Block(c, {"blmpop", "0", "1", "l", "RIGHT"});
  CHECK(s.h.Run({"client", "unblock", id, "ERROR"}) == Int(1));
  CHECK(s.Reply(*waiter) == Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));

  CHECK(s.h.Run({"client", "unblock", "asd"}) == kNotInt);
  CHECK(s.h.Run({"client", "unblock", id, "later"}) == Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
  CHECK(s.h.Run({"client", "unblock"}) == Err("ERR wrong number of arguments for 'client|unblock' command"));
  CHECK(s.h.Run({"client", "unblock", id, "error", "x"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP."));

  // The client is still usable: blocked again and served.
  waiter = s.Block(c, {"blpop", "l", "0"});
  s.h.Run({"lpush", "l", "foo"});
  CHECK(s.Reply(*waiter) == Pair("l", "foo"));
}

// ---- Sorted sets: BZPOPMIN, BZPOPMAX, BZMPOP (Redis 7.0.15's unit/type/zset cases) ----------------

// [member, score] as BZMPOP nests them in RESP2.
std::string Scored(std::string_view member, std::string_view score) { return Bulks({member, score}); }

TEST_CASE("BZPOPMIN, BZPOPMAX and BZMPOP block and are served by a ZADD in the order they blocked",
          "[blocking][zset]") {
  Serving s;
  auto min = s.Block(s.Blocker(), {"bzpopmin", "z", "z", "0"});
  auto max = s.Block(s.Blocker(), {"bzpopmax", "other", "z", "0"});
  auto mpop = s.Block(s.Blocker(), {"bzmpop", "0", "2", "z", "other", "MAX", "COUNT", "2"});
  CHECK(min->keys == std::vector<std::string>{"z"});  // a key named twice waits once
  CHECK(max->keys == std::vector<std::string>{"other", "z"});
  CHECK(mpop->keys == std::vector<std::string>{"z", "other"});
  CHECK(s.blocked() == 3);
  CHECK(s.h.Run({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d"}) == Int(4));
  CHECK(s.Reply(*min) == Bulks({"z", "a", "1"}));
  CHECK(s.Reply(*max) == Bulks({"z", "d", "4"}));
  CHECK(s.Reply(*mpop) == Array({Bulk("z"), Array({Scored("c", "3"), Scored("b", "2")})}));
  CHECK(s.h.Run({"exists", "z"}) == Int(0));
  CHECK(s.blocked() == 0);

  // One member for two waiters: the first gets it, the key is gone, the second waits for the next one.
  auto first = s.Block(s.Blocker(), {"bzpopmin", "z", "0"});
  auto second = s.Block(s.Blocker(), {"bzmpop", "0", "1", "z", "MIN"});
  CHECK(s.h.Run({"zadd", "z", "-1", "foo"}) == Int(1));
  CHECK(s.Reply(*first) == Bulks({"z", "foo", "-1"}));
  CHECK(s.Reply(*second).empty());
  CHECK(s.blocked() == 1);
  // A variadic ZADD: the lowest score is popped, the rest stays.
  CHECK(s.h.Run({"zadd", "z", "1", "bar", "-1", "foo"}) == Int(2));
  CHECK(s.Reply(*second) == Array({Bulk("z"), Array({Scored("foo", "-1")})}));
  CHECK(s.h.Run({"zrange", "z", "0", "-1"}) == Bulks({"bar"}));

  // Members already there: answered at once, nothing registered.
  ClientState& c = s.Blocker();
  CHECK(s.h.RunAs(c, {"bzpopmin", "nokey", "z", "0"}) == Bulks({"z", "bar", "1"}));
  CHECK_FALSE(c.blocked.active);
  CHECK(s.blocked() == 0);
  // A key of another type before any sorted set: WRONGTYPE, never blocks.
  s.h.Run({"set", "str", "x"});
  CHECK(s.h.RunAs(c, {"bzpopmax", "nokey", "str", "0"}) == kWrongType);
  CHECK(s.h.RunAs(c, {"bzmpop", "0", "1", "str", "MIN"}) == kWrongType);
  CHECK_FALSE(c.blocked.active);

  // Timeouts: whole milliseconds, rounded up; BZMPOP reads its own after the other arguments.
  s.h.RunAs(c, {"bzpopmin", "nokey", "0.5"});
  REQUIRE(c.blocked.active);
  CHECK(c.blocked.timeout_ms == 500);
  s.registry().Remove(c.blocked.waiter);
  c.blocked = BlockedState{};
  s.h.RunAs(c, {"bzmpop", "0.0001", "1", "nokey", "MAX"});
  REQUIRE(c.blocked.active);
  CHECK(c.blocked.timeout_ms == 1);
  s.registry().Remove(c.blocked.waiter);
  c.blocked = BlockedState{};
  CHECK(s.h.RunAs(c, {"bzmpop", "x", "0", "nokey", "MAX"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(s.h.RunAs(c, {"bzmpop", "x", "1", "nokey", "MAX"}) == Err("ERR timeout is not a float or out of range"));
  CHECK(s.h.RunAs(c, {"bzpopmin", "str", "-1"}) == Err("ERR timeout is negative"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("A RESP3 waiter gets its scores as doubles", "[blocking][zset]") {
  Serving s;
  ClientState& c3 = s.Blocker();
  c3.resp = 3;
  auto pop = s.Block(c3, {"bzpopmax", "z", "0"});
  ClientState& d3 = s.Blocker();
  d3.resp = 3;
  auto mpop = s.Block(d3, {"bzmpop", "0", "1", "z", "MIN", "COUNT", "5"});
  s.h.Run({"zadd", "z", "1.5", "a", "2", "b", "3", "c"});
  CHECK(s.Reply(*pop) == Array({Bulk("z"), Bulk("c"), Dbl("3")}));
  CHECK(s.Reply(*mpop) == Array({Bulk("z"), Array({Array({Bulk("a"), Dbl("1.5")}), Array({Bulk("b"), Dbl("2")})})}));
}

TEST_CASE("Only a key that holds a sorted set, created by a write, serves BZPOP* clients", "[blocking][zset]") {
  Serving s;
  auto bzpop = s.Block(s.Blocker(), {"bzpopmin", "z", "0"});
  auto bzmpop = s.Block(s.Blocker(), {"bzmpop", "0", "1", "z", "MIN"});
  // ZADD + DEL, and ZADD + DEL + SET, in a transaction: nothing to serve when it ends.
  s.h.Run({"multi"});
  s.h.Run({"zadd", "z", "0", "foo"});
  s.h.Run({"del", "z"});
  CHECK(s.h.Run({"exec"}) == Array({Int(1), Int(1)}));
  s.h.Run({"multi"});
  s.h.Run({"zadd", "z", "0", "foo"});
  s.h.Run({"del", "z"});
  s.h.Run({"set", "z", "foo"});
  s.h.Run({"exec"});
  CHECK(s.Reply(*bzpop).empty());
  CHECK(s.Reply(*bzmpop).empty());
  CHECK(s.blocked() == 2);
  s.h.Run({"del", "z"});

  // A list on the key serves the BLPOP queued behind them, not them.
  auto blpop = s.Block(s.Blocker(), {"blpop", "z", "0"});
  s.h.Run({"lpush", "z", "x"});
  CHECK(s.Reply(*blpop) == Pair("z", "x"));
  CHECK(s.Reply(*bzpop).empty());
  CHECK(s.blocked() == 2);

  // A key that becomes a sorted set by overwriting another value is not signalled (Redis signals in
  // dbAdd only): ZUNIONSTORE onto a string, then a ZADD to the existing key, wake nobody.
  s.h.Run({"set", "z", "string"});
  s.h.Run({"zadd", "src", "5", "m"});
  CHECK(s.h.Run({"zunionstore", "z", "1", "src"}) == Int(1));
  CHECK(s.h.Run({"zadd", "z", "6", "n"}) == Int(1));
  CHECK(s.Reply(*bzpop).empty());
  CHECK(s.blocked() == 2);
  // Created again: served, in order.
  s.h.Run({"del", "z"});
  s.h.Run({"zadd", "z", "1", "bar", "2", "baz"});
  CHECK(s.Reply(*bzpop) == Bulks({"z", "bar", "1"}));
  CHECK(s.Reply(*bzmpop) == Array({Bulk("z"), Array({Scored("baz", "2")})}));
  CHECK(s.blocked() == 0);
}

TEST_CASE("Sorted sets created by ZINCRBY, the STORE commands, RENAME, COPY or MOVE serve their clients",
          "[blocking][zset]") {
  Serving s;
  const std::vector<std::vector<std::vector<std::string>>> writes = {
      {{"zincrby", "z", "1", "a"}},
      {{"zadd", "tmp", "1", "a"}, {"zunionstore", "z", "1", "tmp"}},
      {{"zadd", "tmp", "1", "a"}, {"zinterstore", "z", "1", "tmp"}},
      {{"zadd", "tmp", "1", "a"}, {"zdiffstore", "z", "1", "tmp"}},
      {{"zadd", "tmp", "1", "a"}, {"zrangestore", "z", "tmp", "0", "-1"}},
      {{"sadd", "tmp", "a"}, {"zunionstore", "z", "1", "tmp"}},
      {{"zadd", "tmp", "1", "a"}, {"rename", "tmp", "z"}},
      {{"zadd", "tmp", "1", "a"}, {"renamenx", "tmp", "z"}},
      {{"zadd", "tmp", "1", "a"}, {"copy", "tmp", "z"}},
      {{"select", "1"}, {"zadd", "z", "1", "a"}, {"move", "z", "0"}, {"select", "0"}},
      {{"eval", "redis.call('zadd', KEYS[1], 1, 'a')", "1", "z"}},
  };
  for (const auto& commands : writes) {
    INFO(commands.back()[0]);
    s.h.Run({"del", "z", "tmp"});
    auto waiter = s.Block(s.Blocker(), {"bzpopmax", "z", "0"});
    for (const auto& argv : commands) s.h.Run(argv);
    CHECK(s.Reply(*waiter) == Bulks({"z", "a", "1"}));
    CHECK(s.blocked() == 0);
    s.registry().Remove(waiter);
  }
  // An empty STORE result creates nothing.
  s.h.Run({"del", "z", "tmp"});
  auto waiter = s.Block(s.Blocker(), {"bzpopmin", "z", "0"});
  CHECK(s.h.Run({"zinterstore", "z", "2", "nokey", "tmp"}) == Int(0));
  CHECK(s.Reply(*waiter).empty());
  CHECK(s.registry().Remove(waiter));
}

TEST_CASE("MULTI/EXEC is isolated from the point of view of BZPOPMIN and BZMPOP", "[blocking][zset]") {
  Serving s;
  auto bzpop = s.Block(s.Blocker(), {"bzpopmin", "z", "0"});
  auto bzmpop = s.Block(s.Blocker(), {"bzmpop", "0", "1", "z", "MIN"});
  s.h.Run({"multi"});
  s.h.Run({"zadd", "z", "0", "a"});
  s.h.Run({"zadd", "z", "1", "b"});
  s.h.Run({"zadd", "z", "2", "c"});
  CHECK(s.h.Run({"exec"}) == Array({Int(1), Int(1), Int(1)}));
  CHECK(s.Reply(*bzpop) == Bulks({"z", "a", "0"}));
  CHECK(s.Reply(*bzmpop) == Array({Bulk("z"), Array({Scored("b", "1")})}));

  // Redis's "BZMPOP with multiple blocked clients": each key serves its queue, in signal order.
  auto rd1 = s.Block(s.Blocker(), {"bzmpop", "0", "2", "myzset", "myzset2", "min", "count", "1"});
  auto rd2 = s.Block(s.Blocker(), {"bzmpop", "0", "2", "myzset", "myzset2", "max", "count", "10"});
  auto rd3 = s.Block(s.Blocker(), {"bzmpop", "0", "2", "myzset", "myzset2", "min", "count", "10"});
  auto rd4 = s.Block(s.Blocker(), {"bzmpop", "0", "2", "myzset", "myzset2", "max", "count", "1"});
  s.h.Run({"del", "z"});
  s.h.Run({"multi"});
  s.h.Run({"zadd", "myzset", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  s.h.Run({"zadd", "myzset2", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  s.h.Run({"exec"});
  CHECK(s.Reply(*rd1) == Array({Bulk("myzset"), Array({Scored("a", "1")})}));
  CHECK(s.Reply(*rd2) ==
        Array({Bulk("myzset"), Array({Scored("e", "5"), Scored("d", "4"), Scored("c", "3"), Scored("b", "2")})}));
  CHECK(s.Reply(*rd3) == Array({Bulk("myzset2"), Array({Scored("a", "1"), Scored("b", "2"), Scored("c", "3"),
                                                        Scored("d", "4"), Scored("e", "5")})}));
  CHECK(s.Reply(*rd4).empty());
  s.h.Run({"zadd", "myzset2", "1", "a", "2", "b", "3", "c"});
  CHECK(s.Reply(*rd4) == Array({Bulk("myzset2"), Array({Scored("c", "3")})}));

  // Arguments that are not keys (timeout, numkeys, MIN, COUNT's value) are not waited on (#10762).
  s.h.Run({"del", "myzset", "myzset2", "myzset3"});
  auto one = s.Block(s.Blocker(), {"bzmpop", "0", "1", "myzset", "min", "count", "10"});
  auto two = s.Block(s.Blocker(), {"bzmpop", "0", "2", "myzset2", "myzset3", "max", "count", "10"});
  for (const char* key : {"0", "1", "2", "min", "max", "count", "10"}) s.h.Run({"zadd", key, "100", "x"});
  CHECK(s.Reply(*one).empty());
  CHECK(s.Reply(*two).empty());
  s.h.Run({"zadd", "myzset", "1", "zset"});
  s.h.Run({"zadd", "myzset3", "1", "zset3"});
  CHECK(s.Reply(*one) == Array({Bulk("myzset"), Array({Scored("zset", "1")})}));
  CHECK(s.Reply(*two) == Array({Bulk("myzset3"), Array({Scored("zset3", "1")})}));
  CHECK(s.blocked() == 0);
}

TEST_CASE("Inside MULTI or a script BZPOP*/BZMPOP answer at once", "[blocking][zset]") {
  Serving s;
  ClientState& c = s.Blocker();
  s.h.RunAs(c, {"multi"});
  s.h.RunAs(c, {"bzpopmin", "nokey", "0"});
  s.h.RunAs(c, {"bzmpop", "0", "1", "nokey", "MAX"});
  s.h.RunAs(c, {"zadd", "z", "1", "a", "2", "b"});
  s.h.RunAs(c, {"bzpopmax", "z", "0"});
  CHECK(s.h.RunAs(c, {"exec"}) == Array({kNilArray, kNilArray, Int(2), Bulks({"z", "b", "2"})}));
  CHECK_FALSE(c.blocked.active);
  CHECK(s.h.RunAs(c, {"eval", "return redis.call('bzmpop', 0, 1, KEYS[1], 'max')", "1", "nokey"}) == kNil);
  CHECK(s.h.RunAs(c, {"eval", "return redis.call('bzmpop', 0, 1, KEYS[1], 'max')", "1", "z"}) ==
        Array({Bulk("z"), Array({Scored("a", "1")})}));
  const std::string refused = s.h.RunAs(c, {"eval", "return redis.call('bzpopmin', KEYS[1], 0)", "1", "nokey"});
  CHECK(refused.rfind("-ERR This Redis command is not allowed from script", 0) == 0);
  CHECK_FALSE(c.blocked.active);
  CHECK(s.blocked() == 0);
}

TEST_CASE("CLIENT UNBLOCK answers a client blocked in BZPOPMIN or BZMPOP", "[blocking][zset]") {
  Serving s;
  ClientState& c = s.Blocker();
  const std::string id = std::to_string(c.id);
  auto waiter = s.Block(c, {"bzpopmin", "z", "0"});
  CHECK(s.h.Run({"client", "unblock", id}) == Int(1));
  CHECK(s.Reply(*waiter) == kNilArray);
  waiter = s.Block(c, {"bzmpop", "0", "1", "z", "MAX"});
  CHECK(s.h.Run({"client", "unblock", id, "error"}) == Int(1));
  CHECK(s.Reply(*waiter) == Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
  CHECK(s.blocked() == 0);
  // Still usable, and the unblocked waiters are gone from the key's queue.
  waiter = s.Block(c, {"bzpopmax", "z", "0"});
  s.h.Run({"zadd", "z", "1", "a"});
  CHECK(s.Reply(*waiter) == Bulks({"z", "a", "1"}));
}

}  // namespace
}  // namespace redrock::server
