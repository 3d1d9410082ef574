// The keyspace-notification call sites of every command family: each command sends exactly the events
// Redis 7.0.15 sends, same names, same classes, same order, and nothing when nothing changed. The table
// was recorded from a real redis-server (a pattern subscription to __keyevent@*__:* with
// notify-keyspace-events KEA); the byte order of events against replies for a RESP3 client subscribed to
// its own keys is checked by tests/diff/script_keyspace_events.txt.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/events/notify.h"
#include "server/core/server_state.h"
#include "tests/support/command_harness.h"
#include "tests/support/recording_subscriber.h"
#include "tests/support/resp_builders.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;
using testing::RecordingSubscriber;
using Argv = std::vector<std::string>;
using Events = std::vector<std::string>;

// A harness whose default client records the events other clients' commands cause, as "event:key"
// ("event:key@db" outside db 0), from the keyevent channels.
class EventFixture {
 public:
  explicit EventFixture(std::string_view flags = "KEA") : other(h.NewClient()) {
    h.client().subscriber = &rec;
    REQUIRE(h.Run({"config", "set", "notify-keyspace-events", flags}) == kOk);
    REQUIRE(h.Run({"psubscribe", "__keyevent@*__:*"}) ==
            "*3\r\n" + Bulk("psubscribe") + Bulk("__keyevent@*__:*") + Int(1));
  }
  ~EventFixture() { h.state().pubsub.UnsubscribeAll(rec); }

  Events Take() {
    Events out;
    for (const auto& m : rec.Messages()) {
      // __keyevent@<db>__:<event>
      const std::string db = m.channel.substr(11, m.channel.find("__:") - 11);
      const std::string event = m.channel.substr(m.channel.find("__:") + 3);
      out.push_back(event + ":" + m.payload + (db == "0" ? "" : "@" + db));
    }
    rec.Clear();
    return out;
  }
  // Runs `setup` (events discarded), then `commands`; returns their events.
  Events Run(const std::vector<Argv>& setup, const std::vector<Argv>& commands) {
    h.RunAs(other, {"flushall"});
    h.RunAs(other, {"select", "0"});
    for (const Argv& c : setup) h.RunAs(other, c);
    Take();
    for (const Argv& c : commands) h.RunAs(other, c);
    return Take();
  }

  CommandHarness h;
  ClientState& other;
  RecordingSubscriber rec;
};

struct Case {
  std::vector<Argv> setup;
  std::vector<Argv> commands;
  Events events;
};

std::string Describe(const Case& c) {
  std::string out;
  for (const Argv& cmd : c.commands) {
    for (const std::string& a : cmd) out += a + " ";
    out += "; ";
  }
  return out;
}

}  // namespace

TEST_CASE_METHOD(EventFixture, "every family sends Redis's events", "[notify][call_sites]") {
  // Recorded from redis-server 7.0.15 (SPOP with a count picks at random; its events do not).
  const std::vector<Case> cases = {
      {{}, {{"set", "k", "v"}}, {"set:k"}},
      {{}, {{"set", "k", "v"}, {"set", "k", "v"}}, {"set:k", "set:k"}},
      {{}, {{"set", "k", "v", "ex", "100"}}, {"set:k", "expire:k"}},
      {{}, {{"set", "k", "v", "px", "100", "get"}}, {"set:k", "expire:k"}},
      {{}, {{"set", "k", "v", "nx"}}, {"set:k"}},
      {{}, {{"set", "k", "v", "xx"}}, {}},
      {{}, {{"set", "k", "v", "keepttl"}}, {"set:k"}},
      {{}, {{"set", "k", "v", "ex", "100", "nx"}}, {"set:k", "expire:k"}},
      {{}, {{"setnx", "k", "v"}}, {"set:k"}},
      {{}, {{"setex", "k", "100", "v"}}, {"set:k", "expire:k"}},
      {{}, {{"psetex", "k", "100", "v"}}, {"set:k", "expire:k"}},
      {{}, {{"getset", "k", "v"}}, {"set:k"}},
      {{{"set", "k", "v"}}, {{"getset", "k", "w"}}, {"set:k"}},
      {{{"set", "k", "v"}}, {{"getdel", "k"}}, {"del:k"}},
      {{}, {{"getdel", "k"}}, {}},
      {{{"set", "k", "v"}}, {{"getex", "k"}}, {}},
      {{{"set", "k", "v"}}, {{"getex", "k", "ex", "100"}}, {"expire:k"}},
      {{{"set", "k", "v", "ex", "100"}}, {{"getex", "k", "persist"}}, {"persist:k"}},
      {{{"set", "k", "v"}}, {{"getex", "k", "persist"}}, {}},
      {{{"set", "k", "v"}}, {{"getex", "k", "pxat", "1"}}, {"del:k"}},
      {{}, {{"mset", "a", "1", "b", "2", "a", "3"}}, {"set:a", "set:b", "set:a"}},
      {{}, {{"msetnx", "a", "1", "b", "2"}}, {"set:a", "set:b"}},
      {{{"set", "a", "1"}}, {{"msetnx", "a", "1", "b", "2"}}, {}},
      {{}, {{"incr", "n"}}, {"incrby:n"}},
      {{}, {{"incrby", "n", "5"}}, {"incrby:n"}},
      {{}, {{"decr", "n"}}, {"incrby:n"}},
      {{}, {{"decrby", "n", "3"}}, {"incrby:n"}},
      {{}, {{"incrbyfloat", "n", "1.5"}}, {"incrbyfloat:n"}},
      {{{"set", "n", "x"}}, {{"incr", "n"}}, {}},
      {{}, {{"append", "k", "v"}}, {"append:k"}},
      {{{"set", "k", "v"}}, {{"append", "k", ""}}, {"append:k"}},
      {{}, {{"setrange", "k", "0", "v"}}, {"setrange:k"}},
      {{}, {{"setrange", "k", "2", ""}}, {}},
      {{{"set", "k", "v"}}, {{"setrange", "k", "0", ""}}, {}},
      {{{"set", "k", "v"}}, {{"setrange", "k", "5", "xx"}}, {"setrange:k"}},
      {{{"set", "a", "1"}, {"set", "b", "2"}}, {{"del", "a", "b", "c"}}, {"del:a", "del:b"}},
      {{}, {{"del", "c"}}, {}},
      {{}, {{"unlink", "missing"}}, {}},
      {{{"set", "a", "1"}}, {{"unlink", "a"}}, {"del:a"}},
      {{{"set", "a", "1"}}, {{"rename", "a", "b"}}, {"rename_from:a", "rename_to:b"}},
      {{{"set", "a", "1"}, {"set", "b", "1"}}, {{"rename", "a", "b"}}, {"rename_from:a", "rename_to:b"}},
      {{{"set", "a", "1"}}, {{"rename", "a", "a"}}, {}},
      {{{"set", "a", "1"}}, {{"renamenx", "a", "b"}}, {"rename_from:a", "rename_to:b"}},
      {{{"set", "a", "1"}, {"set", "b", "1"}}, {{"renamenx", "a", "b"}}, {}},
      {{{"set", "a", "1"}}, {{"copy", "a", "b"}}, {"copy_to:b"}},
      {{{"set", "a", "1"}, {"set", "b", "1"}}, {{"copy", "a", "b", "replace"}}, {"copy_to:b"}},
      {{{"set", "a", "1"}, {"set", "b", "1"}}, {{"copy", "a", "b"}}, {}},
      {{{"set", "a", "1"}}, {{"copy", "a", "b", "db", "2"}}, {"copy_to:b@2"}},
      {{{"set", "a", "1"}}, {{"move", "a", "3"}}, {"move_from:a", "move_to:a@3"}},
      {{{"set", "a", "1"}}, {{"expire", "a", "100"}}, {"expire:a"}},
      {{{"set", "a", "1"}}, {{"pexpire", "a", "100000"}}, {"expire:a"}},
      {{{"set", "a", "1"}}, {{"expireat", "a", "99999999999"}}, {"expire:a"}},
      {{{"set", "a", "1"}}, {{"pexpireat", "a", "99999999999999"}}, {"expire:a"}},
      {{{"set", "a", "1"}}, {{"expire", "a", "-1"}}, {"del:a"}},
      {{{"set", "a", "1"}}, {{"expire", "a", "0"}}, {"del:a"}},
      {{{"set", "a", "1"}}, {{"pexpireat", "a", "1"}}, {"del:a"}},
      {{{"set", "a", "1", "ex", "100"}}, {{"expire", "a", "200", "nx"}}, {}},
      {{{"set", "a", "1", "ex", "100"}}, {{"persist", "a"}}, {"persist:a"}},
      {{{"set", "a", "1"}}, {{"persist", "a"}}, {}},
      {{}, {{"hset", "h", "f", "v", "g", "w"}}, {"hset:h"}},
      {{{"hset", "h", "f", "v"}}, {{"hset", "h", "f", "v"}}, {"hset:h"}},
      {{}, {{"hsetnx", "h", "f", "v"}}, {"hset:h"}},
      {{{"hset", "h", "f", "v"}}, {{"hsetnx", "h", "f", "v"}}, {}},
      {{}, {{"hmset", "h", "f", "v"}}, {"hset:h"}},
      {{{"hset", "h", "f", "v", "g", "w"}}, {{"hdel", "h", "f"}}, {"hdel:h"}},
      {{{"hset", "h", "f", "v"}}, {{"hdel", "h", "f"}}, {"hdel:h", "del:h"}},
      {{{"hset", "h", "f", "v"}}, {{"hdel", "h", "zz"}}, {}},
      {{}, {{"hincrby", "h", "f", "1"}}, {"hincrby:h"}},
      {{}, {{"hincrbyfloat", "h", "f", "1.5"}}, {"hincrbyfloat:h"}},
      {{}, {{"sadd", "s", "a", "b"}}, {"sadd:s"}},
      {{{"sadd", "s", "a"}}, {{"sadd", "s", "a"}}, {}},
      {{{"sadd", "s", "a", "b"}}, {{"srem", "s", "a"}}, {"srem:s"}},
      {{{"sadd", "s", "a"}}, {{"srem", "s", "a"}}, {"srem:s", "del:s"}},
      {{{"sadd", "s", "a", "b"}}, {{"spop", "s"}}, {"spop:s"}},
      {{{"sadd", "s", "a"}}, {{"spop", "s"}}, {"spop:s", "del:s"}},
      {{{"sadd", "s", "a", "b", "c"}}, {{"spop", "s", "2"}}, {"spop:s"}},
      {{{"sadd", "s", "a", "b"}}, {{"spop", "s", "5"}}, {"spop:s", "del:s"}},
      {{{"sadd", "s", "a"}}, {{"spop", "s", "0"}}, {}},
      {{{"sadd", "s", "a", "b"}}, {{"smove", "s", "t", "a"}}, {"srem:s", "sadd:t"}},
      {{{"sadd", "s", "a"}}, {{"smove", "s", "t", "a"}}, {"srem:s", "del:s", "sadd:t"}},
      {{{"sadd", "s", "a"}, {"sadd", "t", "a"}}, {{"smove", "s", "t", "a"}}, {"srem:s", "del:s"}},
      {{{"sadd", "s", "a"}}, {{"smove", "s", "s", "a"}}, {}},
      {{{"sadd", "x", "a", "b"}, {"sadd", "y", "b", "c"}}, {{"sinterstore", "d", "x", "y"}}, {"sinterstore:d"}},
      {{{"sadd", "x", "a", "b"}, {"sadd", "y", "b", "c"}}, {{"sunionstore", "d", "x", "y"}}, {"sunionstore:d"}},
      {{{"sadd", "x", "a", "b"}, {"sadd", "y", "b", "c"}}, {{"sdiffstore", "d", "x", "y"}}, {"sdiffstore:d"}},
      {{{"sadd", "x", "a"}, {"set", "d", "1"}}, {{"sinterstore", "d", "x", "y"}}, {"del:d"}},
      {{}, {{"sinterstore", "d", "x", "y"}}, {}},
      {{}, {{"lpush", "l", "a", "b"}}, {"lpush:l"}},
      {{}, {{"rpush", "l", "a"}}, {"rpush:l"}},
      {{}, {{"lpushx", "l", "a"}}, {}},
      {{{"rpush", "l", "a"}}, {{"lpushx", "l", "b"}}, {"lpush:l"}},
      {{{"rpush", "l", "a"}}, {{"rpushx", "l", "b"}}, {"rpush:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"lpop", "l"}}, {"lpop:l"}},
      {{{"rpush", "l", "a"}}, {{"rpop", "l"}}, {"rpop:l", "del:l"}},
      {{{"rpush", "l", "a", "b", "c"}}, {{"lpop", "l", "2"}}, {"lpop:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"lpop", "l", "5"}}, {"lpop:l", "del:l"}},
      {{{"rpush", "l", "a"}}, {{"lpop", "l", "0"}}, {}},
      {{{"rpush", "l", "a"}}, {{"lset", "l", "0", "b"}}, {"lset:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"linsert", "l", "before", "b", "x"}}, {"linsert:l"}},
      {{{"rpush", "l", "a"}}, {{"linsert", "l", "before", "zz", "x"}}, {}},
      {{{"rpush", "l", "a", "a", "b"}}, {{"lrem", "l", "0", "a"}}, {"lrem:l"}},
      {{{"rpush", "l", "a"}}, {{"lrem", "l", "0", "a"}}, {"lrem:l", "del:l"}},
      {{{"rpush", "l", "a", "b", "c"}}, {{"ltrim", "l", "0", "0"}}, {"ltrim:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"ltrim", "l", "0", "-1"}}, {"ltrim:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"ltrim", "l", "5", "10"}}, {"ltrim:l", "del:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"rpoplpush", "l", "m"}}, {"lpush:m", "rpop:l"}},
      {{{"rpush", "l", "a"}}, {{"rpoplpush", "l", "m"}}, {"lpush:m", "rpop:l", "del:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"lmove", "l", "l", "left", "right"}}, {"rpush:l", "lpop:l"}},
      {{{"rpush", "l", "a"}}, {{"lmove", "l", "m", "left", "right"}}, {"rpush:m", "lpop:l", "del:l"}},
      {{{"rpush", "l", "a"}, {"rpush", "m", "x"}}, {{"lmove", "l", "m", "right", "left"}}, {"lpush:m", "rpop:l", "del:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"lmpop", "2", "x", "l", "left", "count", "5"}}, {"lpop:l", "del:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"lmpop", "1", "l", "right"}}, {"rpop:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"blpop", "l", "0"}}, {"lpop:l"}},
      {{{"rpush", "l", "a"}}, {{"brpop", "l", "0"}}, {"rpop:l", "del:l"}},
      {{{"rpush", "l", "a"}}, {{"blmove", "l", "m", "left", "left", "0"}}, {"lpush:m", "lpop:l", "del:l"}},
      {{{"rpush", "l", "a"}}, {{"brpoplpush", "l", "m", "0"}}, {"lpush:m", "rpop:l", "del:l"}},
      {{{"rpush", "l", "a", "b"}}, {{"blmpop", "0", "1", "l", "left", "count", "1"}}, {"lpop:l"}},
      {{}, {{"zadd", "z", "1", "a", "2", "b"}}, {"zadd:z"}},
      {{{"zadd", "z", "1", "a"}}, {{"zadd", "z", "1", "a"}}, {}},
      {{{"zadd", "z", "1", "a"}}, {{"zadd", "z", "2", "a"}}, {"zadd:z"}},
      {{{"zadd", "z", "1", "a"}}, {{"zadd", "z", "incr", "2", "a"}}, {"zincr:z"}},
      {{{"zadd", "z", "1", "a"}}, {{"zadd", "z", "nx", "2", "a"}}, {}},
      {{}, {{"zadd", "z", "xx", "1", "a"}}, {}},
      {{}, {{"zincrby", "z", "1", "a"}}, {"zincr:z"}},
      {{{"zadd", "z", "1", "a"}}, {{"zincrby", "z", "0", "a"}}, {}},
      {{{"zadd", "z", "1", "a", "2", "b"}}, {{"zrem", "z", "a"}}, {"zrem:z"}},
      {{{"zadd", "z", "1", "a"}}, {{"zrem", "z", "a"}}, {"zrem:z", "del:z"}},
      {{{"zadd", "z", "1", "a"}}, {{"zrem", "z", "b"}}, {}},
      {{{"zadd", "z", "1", "a", "2", "b"}}, {{"zpopmin", "z"}}, {"zpopmin:z"}},
      {{{"zadd", "z", "1", "a"}}, {{"zpopmax", "z"}}, {"zpopmax:z", "del:z"}},
      {{{"zadd", "z", "1", "a", "2", "b"}}, {{"zpopmin", "z", "5"}}, {"zpopmin:z", "del:z"}},
      {{{"zadd", "z", "1", "a", "2", "b", "3", "c"}}, {{"zremrangebyrank", "z", "0", "0"}}, {"zremrangebyrank:z"}},
      {{{"zadd", "z", "1", "a", "2", "b"}}, {{"zremrangebyrank", "z", "0", "-1"}}, {"zremrangebyrank:z", "del:z"}},
      {{{"zadd", "z", "1", "a", "2", "b"}}, {{"zremrangebyscore", "z", "1", "1"}}, {"zremrangebyscore:z"}},
      {{{"zadd", "z", "1", "a", "2", "b"}}, {{"zremrangebyscore", "z", "5", "6"}}, {}},
      {{{"zadd", "z", "0", "a", "0", "b"}}, {{"zremrangebylex", "z", "[a", "[a"}}, {"zremrangebylex:z"}},
      {{{"zadd", "x", "1", "a"}, {"zadd", "y", "2", "a"}}, {{"zunionstore", "d", "2", "x", "y"}}, {"zunionstore:d"}},
      {{{"zadd", "x", "1", "a"}, {"zadd", "y", "2", "a"}}, {{"zinterstore", "d", "2", "x", "y"}}, {"zinterstore:d"}},
      {{{"zadd", "x", "1", "a"}, {"zadd", "y", "2", "a"}}, {{"zdiffstore", "d", "2", "x", "y"}}, {}},
      {{{"zadd", "x", "1", "a"}, {"set", "d", "1"}}, {{"zinterstore", "d", "2", "x", "y"}}, {"del:d"}},
      {{{"zadd", "x", "1", "a", "2", "b"}}, {{"zrangestore", "d", "x", "0", "-1"}}, {"zrangestore:d"}},
      {{{"zadd", "x", "1", "a"}, {"set", "d", "1"}}, {{"zrangestore", "d", "x", "5", "6"}}, {"del:d"}},
      {{}, {{"zrangestore", "d", "x", "0", "-1"}}, {}},
  };
  for (const Case& c : cases) {
    INFO(Describe(c));
    CHECK(Run(c.setup, c.commands) == c.events);
  }
}

TEST_CASE_METHOD(EventFixture, "events go to the keyspace channel too, and only for enabled classes",
                 "[notify][call_sites]") {
  REQUIRE(h.Run({"psubscribe", "__keyspace@*__:*"}).find("psubscribe") != std::string::npos);
  h.RunAs(other, {"set", "k", "v"});
  CHECK(rec.Messages() == std::vector<testing::RecordedMessage>{
                              {"pmessage", "__keyspace@*__:*", "__keyspace@0__:k", "set"},
                              {"pmessage", "__keyevent@*__:*", "__keyevent@0__:set", "k"}});
  h.Run({"punsubscribe", "__keyspace@*__:*"});
  rec.Clear();
  // (The subscribed client cannot run CONFIG in RESP2: the other one does.)
  CHECK(h.RunAs(other, {"config", "set", "notify-keyspace-events", "Eg"}) == kOk);
  CHECK(Run({}, {{"set", "k", "v", "ex", "100"}, {"sadd", "s", "a"}, {"del", "k", "s"}}) ==
        Events{"expire:k", "del:k", "del:s"});
  CHECK(h.RunAs(other, {"config", "set", "notify-keyspace-events", ""}) == kOk);
  CHECK(Run({}, {{"set", "k", "v"}, {"del", "k"}}).empty());
}

TEST_CASE_METHOD(EventFixture, "expiry: expired before the command's own event, once per key", "[notify][call_sites]") {
  SECTION("a write over an expired key") {
    h.RunAs(other, {"set", "k", "v", "px", "10"});
    h.RunAs(other, {"sadd", "s", "a"});
    h.RunAs(other, {"pexpire", "s", "10"});
    Take();
    h.clock().AdvanceMs(20);
    h.RunAs(other, {"incr", "k"});
    h.RunAs(other, {"sadd", "s", "b"});
    h.RunAs(other, {"del", "k", "s"});  // both live again: plain deletes
    CHECK(Take() == Events{"expired:k", "incrby:k", "expired:s", "sadd:s", "del:k", "del:s"});
  }
  SECTION("DEL of an expired key reports only its expiry") {
    h.RunAs(other, {"set", "k", "v", "px", "10"});
    Take();
    h.clock().AdvanceMs(20);
    CHECK(h.RunAs(other, {"del", "k"}) == Int(0));
    CHECK(Take() == Events{"expired:k"});
    CHECK(engine::EngineTestPeer::RunExpiryCycle(h.engine()) == 0);
    CHECK(Take().empty());
  }
  SECTION("active expiry of a key nobody touches") {
    h.RunAs(other, {"set", "k", "v", "px", "10"});
    h.RunAs(other, {"select", "3"});
    h.RunAs(other, {"hset", "h", "f", "v"});
    h.RunAs(other, {"pexpire", "h", "10"});
    Take();
    h.clock().AdvanceMs(20);
    CHECK(engine::EngineTestPeer::RunExpiryCycle(h.engine()) == 2);
    Events got = Take();
    std::sort(got.begin(), got.end());
    CHECK(got == Events{"expired:h@3", "expired:k"});
  }
  SECTION("SET with a time already past: set, expire, expired") {
    CHECK(Run({}, {{"set", "k", "v", "pxat", "1"}}) == Events{"set:k", "expire:k", "expired:k"});
    CHECK(h.RunAs(other, {"exists", "k"}) == Int(0));
    CHECK(Run({}, {{"getex", "k", "pxat", "1"}}).empty());  // missing: nothing
    CHECK(Run({{"set", "k", "v"}}, {{"getex", "k", "pxat", "1"}}) == Events{"del:k"});
  }
}

TEST_CASE_METHOD(EventFixture, "blocked pops served later send their events", "[notify][call_sites]") {
  // The harness cannot block, so BLPOP on an empty list answers at once (nothing popped, no event);
  // served through MULTI/EXEC it pops and reports like LPOP.
  CHECK(Run({}, {{"blpop", "l", "0"}}).empty());
  CHECK(Run({{"rpush", "l", "a"}}, {{"multi"}, {"blpop", "l", "0"}, {"exec"}}) == Events{"lpop:l", "del:l"});
}

TEST_CASE_METHOD(EventFixture, "events of a transaction come in command order", "[notify][call_sites]") {
  CHECK(Run({}, {{"multi"}, {"set", "a", "1"}, {"incr", "a"}, {"rename", "a", "b"}, {"exec"}}) ==
        Events{"set:a", "incrby:a", "rename_from:a", "rename_to:b"});
}

}  // namespace redrock::server
