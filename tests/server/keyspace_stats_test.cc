// INFO's keyspace_hits and keyspace_misses, in process: which commands count (one hit or miss per key
// they look up for reading, as Redis 7.0.15's lookupKeyRead does), that writes and the server's own
// reads (keyspace events, WATCH, serving blocked clients) count nothing, that EXEC and scripts count
// their commands' lookups, that an expired key is a miss, and CONFIG RESETSTAT. The counts expected
// here were checked against a real redis-server 7.0.15; tests/diff/script_keyspace_stats.txt makes the
// differential suite compare them with Redis after every group of commands.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

// One INFO stats field's value, asked by `as` (the default client when null).
uint64_t InfoField(CommandHarness& h, std::string_view name, ClientState* as = nullptr) {
  const std::string info = as != nullptr ? h.RunAs(*as, {"info", "stats"}) : h.Run({"info", "stats"});
  const std::string prefix = "\r\n" + std::string(name) + ":";
  const size_t at = info.find(prefix);
  REQUIRE(at != std::string::npos);
  return std::stoull(info.substr(at + prefix.size()));
}

struct Counts {
  uint64_t hits = 0;
  uint64_t misses = 0;
  bool operator==(const Counts&) const = default;
};

Counts Read(CommandHarness& h, ClientState* as = nullptr) {
  return {InfoField(h, "keyspace_hits", as), InfoField(h, "keyspace_misses", as)};
}

// A command and the hits and misses Redis counts for it.
struct Step {
  std::vector<std::string> argv;
  uint64_t hits;
  uint64_t misses;
};

// Runs the steps in order, checking each one's count against the step's.
void RunSteps(CommandHarness& h, const std::vector<Step>& steps) {
  for (const Step& step : steps) {
    const Counts before = Read(h);
    h.Run(step.argv);
    const Counts after = Read(h);
    std::string text;
    for (const std::string& arg : step.argv) text += arg + " ";
    INFO(text);
    CHECK(after.hits - before.hits == step.hits);
    CHECK(after.misses - before.misses == step.misses);
  }
}

TEST_CASE("Reads count a hit or a miss per key they look up; writes count nothing", "[server][info]") {
  CommandHarness h;
  CHECK(Read(h) == Counts{0, 0});
  RunSteps(h, {
                  // strings
                  {{"set", "s", "v"}, 0, 0},
                  {{"set", "s", "v", "nx"}, 0, 0},
                  {{"append", "s", "x"}, 0, 0},
                  {{"setrange", "s", "0", "y"}, 0, 0},
                  {{"incr", "n"}, 0, 0},
                  {{"incrbyfloat", "n", "x"}, 0, 0},  // its type check is a write lookup
                  {{"get", "s"}, 1, 0},
                  {{"get", "nokey"}, 0, 1},
                  {{"mget", "s", "nokey", "s", "n"}, 3, 1},
                  {{"set", "s", "v2", "get"}, 1, 0},
                  {{"set", "s2", "v", "get"}, 0, 1},
                  {{"set", "s", "v", "ex", "-1", "get"}, 0, 0},  // the expiry is checked first
                  {{"getset", "s", "v3"}, 1, 0},
                  {{"getdel", "s2"}, 1, 0},
                  {{"getdel", "s2"}, 0, 1},
                  {{"getex", "s", "persist"}, 1, 0},
                  {{"getex", "s", "ex", "-1"}, 1, 0},  // looked up before the time is checked
                  {{"getrange", "s", "x", "1"}, 0, 0},
                  {{"strlen", "s"}, 1, 0},
                  {{"lcs", "nokey", "s"}, 1, 1},
                  // keys
                  {{"exists", "s", "nokey", "s"}, 2, 1},
                  {{"touch", "s", "nokey"}, 1, 1},
                  {{"type", "s"}, 1, 0},
                  {{"ttl", "nokey"}, 0, 1},
                  {{"pexpiretime", "s"}, 1, 0},
                  {{"expire", "s", "100"}, 0, 0},
                  {{"persist", "s"}, 0, 0},
                  {{"copy", "s", "c"}, 1, 0},
                  {{"copy", "nokey", "c2"}, 0, 1},
                  {{"rename", "c", "c3"}, 0, 0},
                  {{"move", "c3", "1"}, 0, 0},
                  {{"object", "encoding", "s"}, 1, 0},
                  {{"object", "freq", "nokey"}, 0, 1},
                  {{"keys", "*"}, 0, 0},
                  {{"scan", "0"}, 0, 0},
                  {{"dbsize"}, 0, 0},
                  {{"randomkey"}, 0, 0},
                  {{"memory", "usage", "s"}, 0, 0},
                  {{"del", "s", "nokey"}, 0, 0},
                  // hashes
                  {{"hset", "h", "f", "v"}, 0, 0},
                  {{"hincrby", "h", "i", "1"}, 0, 0},
                  {{"hget", "h", "f"}, 1, 0},
                  {{"hget", "h", "nofield"}, 1, 0},  // the key was found
                  {{"hget", "n", "f"}, 1, 0},        // another type is a hit
                  {{"hmget", "noh", "a", "b"}, 0, 1},
                  {{"hgetall", "h"}, 1, 0},
                  {{"hscan", "h", "0", "count", "0"}, 1, 0},
                  // lists
                  {{"rpush", "l", "a", "b"}, 0, 0},
                  {{"lrange", "l", "0", "-1"}, 1, 0},
                  {{"lindex", "l", "x"}, 1, 0},
                  {{"lset", "l", "x", "z"}, 0, 0},
                  {{"lpos", "nol", "a"}, 0, 1},
                  {{"lpop", "l"}, 0, 0},
                  {{"lmove", "l", "l2", "left", "left"}, 0, 0},
                  {{"blpop", "l2", "0.1"}, 0, 0},
                  // sets
                  {{"sadd", "a", "1", "2"}, 0, 0},
                  {{"sadd", "b", "2"}, 0, 0},
                  {{"sinter", "a", "b", "nokey"}, 2, 1},
                  {{"sinter", "a", "n", "b"}, 2, 0},  // stops at the wrong type
                  {{"sunionstore", "d", "a", "nokey"}, 1, 1},
                  {{"sintercard", "2", "a", "b"}, 2, 0},
                  {{"smove", "a", "b", "1"}, 0, 0},
                  {{"spop", "b", "1"}, 0, 0},
                  {{"sscan", "nokey", "0", "count", "0"}, 0, 1},
                  // sorted sets
                  {{"zadd", "z", "1", "a", "2", "b"}, 0, 0},
                  {{"zscore", "z", "a"}, 1, 0},
                  {{"zrange", "z", "0", "-1"}, 1, 0},
                  {{"zrangestore", "zd", "z", "0", "-1"}, 1, 0},
                  {{"zunionstore", "zd", "2", "z", "nokey"}, 1, 1},
                  {{"zunion", "2", "z", "nokey", "weights", "x", "1"}, 1, 1},  // looked up before WEIGHTS
                  {{"zinter", "2", "n", "z"}, 1, 0},
                  {{"zscan", "nokey", "0", "count", "0"}, 0, 1},
                  {{"zpopmin", "z"}, 0, 0},
                  {{"zmpop", "1", "z", "min"}, 0, 0},
              });
}

TEST_CASE("SCAN with TYPE looks up each key that matches the pattern", "[server][info]") {
  CommandHarness h;
  h.Run({"set", "k1", "v"});
  h.Run({"set", "k2", "v"});
  h.Run({"rpush", "k3", "a"});
  h.Run({"set", "other", "v"});
  RunSteps(h, {
                  {{"scan", "0", "type", "string", "count", "100"}, 4, 0},
                  {{"scan", "0", "match", "k*", "type", "list", "count", "100"}, 3, 0},
                  {{"scan", "0", "match", "k*", "count", "100"}, 0, 0},
              });
}

TEST_CASE("A key found expired is a miss", "[server][info]") {
  CommandHarness h;
  h.Run({"set", "k", "v", "px", "100"});
  h.Run({"hset", "h", "f", "v"});
  h.Run({"pexpire", "h", "100"});
  RunSteps(h, {{{"get", "k"}, 1, 0}, {{"hget", "h", "f"}, 1, 0}});
  h.clock().AdvanceMs(200);
  RunSteps(h, {
                  {{"get", "k"}, 0, 1},
                  {{"hget", "h", "f"}, 0, 1},
                  {{"exists", "k", "h"}, 0, 2},
              });
}

TEST_CASE("Commands inside EXEC and scripts count their lookups", "[server][info]") {
  CommandHarness h;
  h.Run({"set", "k", "v"});
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"get", "k"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exists", "k", "nokey"}) == "+QUEUED\r\n");
  CHECK(h.Run({"set", "k2", "v"}) == "+QUEUED\r\n");
  CHECK(Read(h, &h.NewClient()) == Counts{0, 0});  // queueing looks nothing up
  h.Run({"exec"});
  CHECK(Read(h) == Counts{2, 1});
  RunSteps(h, {
                  {{"eval", "return redis.call('get', KEYS[1])", "1", "k"}, 1, 0},
                  {{"eval", "return redis.call('exists', KEYS[1], KEYS[2])", "2", "k", "nokey"}, 1, 1},
                  {{"eval", "redis.call('set', KEYS[1], 'x') return 1", "1", "k"}, 0, 0},
                  {{"watch", "k", "nokey"}, 0, 0},
                  {{"unwatch"}, 0, 0},
              });
}

TEST_CASE("Reads made only for keyspace events or blocked clients count nothing", "[server][info]") {
  CommandHarness h;
  const std::vector<Step> steps = {
      {{"rpush", "l", "a", "b", "c"}, 0, 0},
      {{"lpop", "l"}, 0, 0},
      {{"ltrim", "l", "0", "-1"}, 0, 0},
      {{"sadd", "s", "a"}, 0, 0},
      {{"sadd", "s2", "a"}, 0, 0},
      {{"smove", "s", "s2", "a"}, 0, 0},
      {{"del", "l", "s", "nokey"}, 0, 0},
      {{"set", "k", "v", "ex", "100"}, 0, 0},
      {{"getex", "k", "persist"}, 1, 0},
      {{"sunionstore", "s2", "nokey"}, 0, 1},
      {{"flushall"}, 0, 0},
  };
  SECTION("notify-keyspace-events off") { RunSteps(h, steps); }
  SECTION("notify-keyspace-events on") {
    REQUIRE(h.Run({"config", "set", "notify-keyspace-events", "KEA"}) == "+OK\r\n");
    RunSteps(h, steps);
  }
  SECTION("a push serving a blocked client") {
    ClientState& waiter = h.NewClient();
    waiter.may_block = true;
    REQUIRE(h.RunAs(waiter, {"blmove", "src", "dst", "left", "left", "0"}).empty());
    REQUIRE(waiter.blocked.active);
    RunSteps(h, {{{"rpush", "src", "a"}, 0, 0}});  // serves the waiter: pop and push are write lookups
    std::string reply;
    h.state().blocking.TakeReply(*waiter.blocked.waiter, &reply);
    CHECK(reply == Bulk("a"));
    waiter.blocked = BlockedState{};
  }
}

TEST_CASE("CONFIG RESETSTAT starts the counts from zero", "[server][info]") {
  CommandHarness h;
  h.Run({"set", "k", "v"});
  h.Run({"get", "k"});
  h.Run({"get", "nokey"});
  CHECK(Read(h) == Counts{1, 1});
  CHECK(h.Run({"config", "resetstat"}) == "+OK\r\n");
  CHECK(Read(h) == Counts{0, 0});
  h.Run({"mget", "k", "nokey", "nokey"});
  CHECK(Read(h) == Counts{1, 2});
}

TEST_CASE("CONFIG RESETSTAT also zeroes expired_keys, as Redis's resetServerStats", "[server][info]") {
  CommandHarness h;
  h.Run({"set", "a", "v", "px", "100"});
  h.Run({"set", "b", "v", "px", "100"});
  h.clock().AdvanceMs(200);
  h.Run({"set", "a", "w"});  // a write finds it expired
  CHECK(InfoField(h, "expired_keys") == 1);
  CHECK(h.Run({"config", "resetstat"}) == "+OK\r\n");
  CHECK(InfoField(h, "expired_keys") == 0);
  h.Run({"set", "b", "w"});
  CHECK(InfoField(h, "expired_keys") == 1);
}

TEST_CASE("INFO reports the engine's counts since the server state's last reset", "[server][info]") {
  ServerStats stats;
  engine::EngineStats engine_stats;
  engine_stats.keyspace_hits = 7;
  engine_stats.keyspace_misses = 3;
  stats.ResetKeyspaceCounts(engine_stats);  // what the constructor and CONFIG RESETSTAT do
  CHECK(stats.KeyspaceHits(engine_stats) == 0);
  CHECK(stats.KeyspaceMisses(engine_stats) == 0);
  engine_stats.keyspace_hits = 10;
  engine_stats.keyspace_misses = 4;
  CHECK(stats.KeyspaceHits(engine_stats) == 3);
  CHECK(stats.KeyspaceMisses(engine_stats) == 1);
  // Counts read before a concurrent reset took a newer base: zero, never a wrapped-around number.
  engine_stats.keyspace_hits = 5;
  CHECK(stats.KeyspaceHits(engine_stats) == 0);
}

}  // namespace
}  // namespace redrock::server
