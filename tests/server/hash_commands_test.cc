// The hash family through the whole command pipeline (table, handler, engine), comparing exact RESP
// bytes with what Redis 7.0.15 sends (every expected reply here was checked against the real server).
// Expiry runs on the harness's ManualClock.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/storage/engine_impl.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using testing::RunConcurrentClients;
using namespace ::redrock::testing::resp;

TEST_CASE("HSET, HMSET, HSETNX, HGET, HMGET", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"hset", "h", "a", "1", "b", "2"}) == Int(2));
  CHECK(h.Run({"HSET", "h", "a", "10", "c", "3"}) == Int(1));
  CHECK(h.Run({"hset", "h2", "f", "1", "f", "2"}) == Int(1));
  CHECK(h.Run({"hget", "h2", "f"}) == Bulk("2"));
  CHECK(h.Run({"hmset", "h", "d", "4", "a", "11"}) == kOk);
  CHECK(h.Run({"hget", "h", "a"}) == Bulk("11"));
  CHECK(h.Run({"hget", "h", "zz"}) == kNil);
  CHECK(h.Run({"hget", "missing", "a"}) == kNil);
  CHECK(h.Run({"hmget", "h", "a", "zz", "b"}) == Array({Bulk("11"), kNil, Bulk("2")}));
  CHECK(h.Run({"hmget", "missing", "a", "b"}) == Array({kNil, kNil}));
  CHECK(h.Run({"hsetnx", "h", "a", "x"}) == Int(0));
  CHECK(h.Run({"hsetnx", "h", "e", "5"}) == Int(1));
  CHECK(h.Run({"hsetnx", "new", "e", "5"}) == Int(1));
  CHECK(h.Run({"hget", "h", "a"}) == Bulk("11"));
  CHECK(h.Run({"hlen", "h"}) == Int(5));

  CHECK(h.Run({"hset", "h", "a"}) == Arity("hset"));
  CHECK(h.Run({"hset", "h", "a", "1", "b"}) == Arity("hset"));
  CHECK(h.Run({"HMSET", "h", "a", "1", "b"}) == Arity("hmset"));
  CHECK(h.Run({"hset", "h"}) == Arity("hset"));
  CHECK(h.Run({"hsetnx", "h", "a"}) == Arity("hsetnx"));
  CHECK(h.Run({"hget", "h"}) == Arity("hget"));
  CHECK(h.Run({"hmget", "h"}) == Arity("hmget"));
}

TEST_CASE("HDEL, HLEN, HEXISTS, HSTRLEN; an emptied hash disappears", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"hdel", "h", "a"}) == Int(0));
  CHECK(h.Run({"hlen", "h"}) == Int(0));
  CHECK(h.Run({"hexists", "h", "a"}) == Int(0));
  CHECK(h.Run({"hstrlen", "h", "a"}) == Int(0));
  CHECK(h.Run({"hset", "h", "a", "hello", "b", "", "c", "3"}) == Int(3));
  CHECK(h.Run({"hexists", "h", "a"}) == Int(1));
  CHECK(h.Run({"hstrlen", "h", "a"}) == Int(5));
  CHECK(h.Run({"hstrlen", "h", "b"}) == Int(0));
  CHECK(h.Run({"hdel", "h", "a", "a", "zz"}) == Int(1));
  CHECK(h.Run({"hlen", "h"}) == Int(2));
  CHECK(h.Run({"hdel", "h", "b", "c"}) == Int(2));
  CHECK(h.Run({"exists", "h"}) == Int(0));
  CHECK(h.Run({"type", "h"}) == "+none\r\n");
  CHECK(h.Run({"dbsize"}) == Int(0));
  CHECK(h.Run({"hdel", "h"}) == Arity("hdel"));
  CHECK(h.Run({"hlen"}) == Arity("hlen"));
  CHECK(h.Run({"hexists", "h"}) == Arity("hexists"));
  CHECK(h.Run({"hstrlen", "h", "a", "b"}) == Arity("hstrlen"));
}

TEST_CASE("HGETALL, HKEYS, HVALS in RESP2 and RESP3", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"hgetall", "h"}) == kEmpty);
  CHECK(h.Run({"hkeys", "h"}) == kEmpty);
  CHECK(h.Run({"hvals", "h"}) == kEmpty);
  CHECK(h.Run({"hset", "h", "b", "2", "a", "1"}) == Int(2));
  CHECK(h.Run({"hgetall", "h"}) == Bulks({"a", "1", "b", "2"}));
  CHECK(h.Run({"hkeys", "h"}) == Bulks({"a", "b"}));
  CHECK(h.Run({"hvals", "h"}) == Bulks({"1", "2"}));

  REQUIRE(h.Run({"hello", "3"}).rfind("%7\r\n", 0) == 0);
  CHECK(h.Run({"hgetall", "h"}) == "%2\r\n" + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2"));
  CHECK(h.Run({"hgetall", "missing"}) == "%0\r\n");
  CHECK(h.Run({"hkeys", "h"}) == Bulks({"a", "b"}));  // an array, not a set, as in Redis
  CHECK(h.Run({"hvals", "missing"}) == kEmpty);
  CHECK(h.Run({"hget", "h", "zz"}) == kNull3);
  CHECK(h.Run({"hmget", "h", "a", "zz"}) == Array({Bulk("1"), kNull3}));
  CHECK(h.Run({"hgetall"}) == Arity("hgetall"));
}

TEST_CASE("HINCRBY and HINCRBYFLOAT", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"hincrby", "h", "n", "5"}) == Int(5));
  CHECK(h.Run({"hincrby", "h", "n", "-10"}) == Int(-5));
  CHECK(h.Run({"hset", "h", "s", "abc", "max", "9223372036854775807", "f", "1.5"}) == Int(3));
  CHECK(h.Run({"hincrby", "h", "s", "1"}) == Err("ERR hash value is not an integer"));
  CHECK(h.Run({"hincrby", "h", "f", "1"}) == Err("ERR hash value is not an integer"));
  CHECK(h.Run({"hincrby", "h", "max", "1"}) == Err("ERR increment or decrement would overflow"));
  CHECK(h.Run({"hincrby", "h", "n", "x"}) == kNotInt);
  CHECK(h.Run({"hincrby", "h", "n", "1.5"}) == kNotInt);
  CHECK(h.Run({"hincrby", "h", "n"}) == Arity("hincrby"));

  CHECK(h.Run({"hincrbyfloat", "h", "f", "1"}) == Bulk("2.5"));
  CHECK(h.Run({"hincrbyfloat", "h", "x", "10.5"}) == Bulk("10.5"));
  CHECK(h.Run({"hincrbyfloat", "h", "x", "0.1"}) == Bulk("10.6"));
  CHECK(h.Run({"hincrbyfloat", "h", "n", "5.0e3"}) == Bulk("4995"));
  CHECK(h.Run({"hget", "h", "n"}) == Bulk("4995"));
  CHECK(h.Run({"hincrbyfloat", "h", "s", "1"}) == Err("ERR hash value is not a float"));
  CHECK(h.Run({"hincrbyfloat", "h", "f", "abc"}) == kNotFloat);
  CHECK(h.Run({"hincrbyfloat", "h", "f", "nan"}) == kNotFloat);
  CHECK(h.Run({"hincrbyfloat", "h", "f", "inf"}) == Err("ERR value is NaN or Infinity"));
  CHECK(h.Run({"hincrbyfloat", "h", "f", "-inf"}) == Err("ERR value is NaN or Infinity"));
  CHECK(h.Run({"hset", "h", "huge", "1e4932"}) == Int(1));
  CHECK(h.Run({"hincrbyfloat", "h", "huge", "1e4932"}) == Err("ERR increment would produce NaN or Infinity"));
  CHECK(h.Run({"hincrbyfloat", "h", "f"}) == Arity("hincrbyfloat"));
  // Argument errors come before the type check, as in Redis.
  CHECK(h.Run({"set", "str", "v"}) == kOk);
  CHECK(h.Run({"hincrby", "str", "n", "x"}) == kNotInt);
  CHECK(h.Run({"hincrbyfloat", "str", "n", "x"}) == kNotFloat);
  CHECK(h.Run({"hincrbyfloat", "str", "n", "inf"}) == Err("ERR value is NaN or Infinity"));
}

TEST_CASE("WRONGTYPE against a string and another collection type", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"set", "str", "v"}) == kOk);
  REQUIRE(engine::EngineTestPeer::PutFakeCollection(h.engine(), 0, "lst", engine::KeyType::kList).ok());
  for (const std::string key : {"str", "lst"}) {
    const std::vector<std::vector<std::string>> commands = {
        {"hset", key, "a", "1"},     {"hmset", key, "a", "1"},        {"hsetnx", key, "a", "1"},
        {"hget", key, "a"},          {"hmget", key, "a"},             {"hgetall", key},
        {"hkeys", key},              {"hvals", key},                  {"hdel", key, "a"},
        {"hlen", key},               {"hexists", key, "a"},           {"hstrlen", key, "a"},
        {"hincrby", key, "a", "1"},  {"hincrbyfloat", key, "a", "1"}, {"hrandfield", key},
        {"hrandfield", key, "0"},    {"hrandfield", key, "-3", "withvalues"},
        {"hscan", key, "0"},         {"hscan", key, "0", "count", "0"}};
    for (const auto& cmd : commands) {
      INFO(cmd[0] << " " << key);
      CHECK(h.Run(cmd) == kWrongType);
    }
  }
  CHECK(h.Run({"get", "str"}) == Bulk("v"));
  CHECK(h.Run({"type", "lst"}) == "+list\r\n");
}

TEST_CASE("HRANDFIELD where Redis is deterministic", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"hrandfield", "h"}) == kNil);
  CHECK(h.Run({"hrandfield", "h", "3"}) == kEmpty);
  CHECK(h.Run({"hrandfield", "h", "-3", "withvalues"}) == kEmpty);
  CHECK(h.Run({"hset", "h", "f", "v"}) == Int(1));
  CHECK(h.Run({"hrandfield", "h"}) == Bulk("f"));
  CHECK(h.Run({"hrandfield", "h", "1"}) == Bulks({"f"}));
  CHECK(h.Run({"hrandfield", "h", "5", "WITHVALUES"}) == Bulks({"f", "v"}));
  CHECK(h.Run({"hrandfield", "h", "0"}) == kEmpty);
  CHECK(h.Run({"hrandfield", "h", "0", "withvalues"}) == kEmpty);
  CHECK(h.Run({"hrandfield", "h", "-3"}) == Bulks({"f", "f", "f"}));
  CHECK(h.Run({"hrandfield", "h", "-2", "withvalues"}) == Bulks({"f", "v", "f", "v"}));

  CHECK(h.Run({"hrandfield", "h", "x"}) == kNotInt);
  CHECK(h.Run({"hrandfield", "h", "x", "withvalues"}) == kNotInt);
  CHECK(h.Run({"hrandfield", "h", "1", "withvalue"}) == kSyntax);
  CHECK(h.Run({"hrandfield", "h", "1", "withvalues", "x"}) == kSyntax);
  CHECK(h.Run({"hrandfield", "h", "-9223372036854775808"}) ==
        Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
  CHECK(h.Run({"hrandfield", "h", "-9223372036854775807", "withvalues"}) == Err("ERR value is out of range"));
  CHECK(h.Run({"hrandfield", "h", "4611686018427387904", "withvalues"}) == Err("ERR value is out of range"));
  CHECK(h.Run({"hrandfield"}) == Arity("hrandfield"));

  // Count >= size returns every field once (in some order).
  CHECK(h.Run({"hset", "h", "g", "w", "e", "u"}) == Int(2));
  const std::string all = h.Run({"hrandfield", "h", "10"});
  CHECK(all.rfind("*3\r\n", 0) == 0);
  for (std::string_view f : {"e", "f", "g"}) CHECK(all.find(Bulk(f)) != std::string::npos);

  REQUIRE(h.Run({"hello", "3"}).rfind("%7\r\n", 0) == 0);
  CHECK(h.Run({"hdel", "h", "g", "e"}) == Int(2));
  // RESP3 WITHVALUES: an array of [field, value] pairs.
  CHECK(h.Run({"hrandfield", "h", "-2", "withvalues"}) ==
        Array({Bulks({"f", "v"}), Bulks({"f", "v"})}));
  CHECK(h.Run({"hrandfield", "h", "3", "withvalues"}) == Array({Bulks({"f", "v"})}));
  CHECK(h.Run({"hrandfield", "h", "-2"}) == Bulks({"f", "f"}));
  CHECK(h.Run({"hrandfield", "missing"}) == kNull3);
}

TEST_CASE("HSCAN", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"hscan", "h", "0"}) == kEmptyScan);
  // A missing key answers an empty scan even with bad options (Redis looks it up first).
  CHECK(h.Run({"hscan", "h", "0", "count", "0"}) == kEmptyScan);
  CHECK(h.Run({"hscan", "h", "0", "bogus"}) == kEmptyScan);
  CHECK(h.Run({"hscan", "h", "x"}) == Err("ERR invalid cursor"));
  CHECK(h.Run({"hset", "h", "a1", "1", "b1", "2", "a2", "3"}) == Int(3));
  CHECK(h.Run({"hscan", "h", "0"}) ==
        Array({Bulk("0"), Bulks({"a1", "1", "a2", "3", "b1", "2"})}));
  CHECK(h.Run({"hscan", "h", "0", "MATCH", "a*", "COUNT", "1"}) ==
        Array({Bulk("0"), Bulks({"a1", "1", "a2", "3"})}));
  CHECK(h.Run({"hscan", "h", "0", "match", "*"}) ==
        Array({Bulk("0"), Bulks({"a1", "1", "a2", "3", "b1", "2"})}));
  CHECK(h.Run({"hscan", "h", "0", "match", "zz*"}) == Array({Bulk("0"), kEmpty}));
  CHECK(h.Run({"hscan", "h", "0", "count", "0"}) == kSyntax);
  CHECK(h.Run({"hscan", "h", "0", "count", "x"}) == kNotInt);
  CHECK(h.Run({"hscan", "h", "0", "count"}) == kSyntax);
  CHECK(h.Run({"hscan", "h", "0", "type", "hash"}) == kSyntax);
  CHECK(h.Run({"hscan", "h", "x", "count", "0"}) == Err("ERR invalid cursor"));
  CHECK(h.Run({"hscan", "h"}) == Arity("hscan"));

  // A large hash is paged; following the cursors returns every field exactly once.
  std::vector<std::string> cmd = {"hset", "big"};
  for (int i = 0; i < 200; ++i) {
    cmd.push_back("f" + std::to_string(i));
    cmd.push_back(std::to_string(i));
  }
  CHECK(h.Run(cmd) == Int(200));
  std::string cursor = "0";
  std::multiset<std::string> fields;
  int steps = 0;
  do {
    const std::string reply = h.Run({"hscan", "big", cursor, "count", "30"});
    // *2 $n cursor *m (field value)...
    size_t pos = reply.find("\r\n", 4);
    const size_t cursor_start = pos + 2;
    pos = reply.find("\r\n", cursor_start);
    cursor = reply.substr(cursor_start, pos - cursor_start);
    pos += 2;
    REQUIRE(reply[pos] == '*');
    const size_t end = reply.find("\r\n", pos);
    const int n = std::stoi(reply.substr(pos + 1, end - pos - 1));
    CHECK(n <= 60);
    pos = end + 2;
    for (int i = 0; i < n; ++i) {
      const size_t len_end = reply.find("\r\n", pos);
      const size_t len = std::stoul(reply.substr(pos + 1, len_end - pos - 1));
      if (i % 2 == 0) fields.insert(reply.substr(len_end + 2, len));
      pos = len_end + 2 + len + 2;
    }
    ++steps;
  } while (cursor != "0" && steps < 100);
  CHECK(cursor == "0");
  CHECK(fields.size() == 200);
  CHECK(std::set<std::string>(fields.begin(), fields.end()).size() == 200);
}

TEST_CASE("TTL on a hash with the manual clock", "[hash][ttl]") {
  CommandHarness h;
  CHECK(h.Run({"hset", "session", "user", "alice", "hits", "0"}) == Int(2));
  CHECK(h.Run({"expire", "session", "10"}) == Int(1));
  CHECK(h.Run({"hincrby", "session", "hits", "1"}) == Int(1));
  CHECK(h.Run({"hset", "session", "role", "admin"}) == Int(1));
  CHECK(h.Run({"ttl", "session"}) == Int(10));  // edits keep the expiry
  h.clock().AdvanceMs(9999);
  CHECK(h.Run({"hget", "session", "user"}) == Bulk("alice"));
  h.clock().AdvanceMs(1);
  CHECK(h.Run({"hget", "session", "user"}) == kNil);
  CHECK(h.Run({"hgetall", "session"}) == kEmpty);
  CHECK(h.Run({"hlen", "session"}) == Int(0));
  CHECK(h.Run({"exists", "session"}) == Int(0));
  CHECK(h.Run({"ttl", "session"}) == Int(-2));
  CHECK(h.Run({"hset", "session", "user", "bob"}) == Int(1));
  CHECK(h.Run({"hgetall", "session"}) == Bulks({"user", "bob"}));
  CHECK(h.Run({"ttl", "session"}) == Int(-1));
  CHECK(h.Run({"pexpire", "session", "100"}) == Int(1));
  CHECK(h.Run({"persist", "session"}) == Int(1));
  h.clock().AdvanceMs(1000);
  CHECK(h.Run({"hlen", "session"}) == Int(1));
}

TEST_CASE("Key commands on hashes", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"hset", "h", "a", "1", "b", "2"}) == Int(2));
  CHECK(h.Run({"type", "h"}) == "+hash\r\n");
  CHECK(h.Run({"scan", "0", "type", "hash"}) == Array({Bulk("0"), Bulks({"h"})}));
  CHECK(h.Run({"scan", "0", "type", "string"}) == Array({Bulk("0"), kEmpty}));
  CHECK(h.Run({"rename", "h", "r"}) == kOk);
  CHECK(h.Run({"hgetall", "r"}) == Bulks({"a", "1", "b", "2"}));
  CHECK(h.Run({"copy", "r", "c"}) == Int(1));
  CHECK(h.Run({"hset", "c", "a", "changed"}) == Int(0));
  CHECK(h.Run({"hget", "r", "a"}) == Bulk("1"));
  CHECK(h.Run({"move", "c", "2"}) == Int(1));
  CHECK(h.Run({"select", "2"}) == kOk);
  CHECK(h.Run({"hget", "c", "a"}) == Bulk("changed"));
  CHECK(h.Run({"select", "0"}) == kOk);
  CHECK(h.Run({"del", "r"}) == Int(1));
  CHECK(h.Run({"hgetall", "r"}) == kEmpty);
  CHECK(h.Run({"hset", "r", "x", "1"}) == Int(1));
  CHECK(h.Run({"set", "r", "s"}) == kOk);
  CHECK(h.Run({"hget", "r", "x"}) == kWrongType);
  CHECK(h.Run({"unlink", "r"}) == Int(1));
  CHECK(h.Run({"hset", "r", "y", "1"}) == Int(1));
  CHECK(h.Run({"hgetall", "r"}) == Bulks({"y", "1"}));
}

TEST_CASE("Hash commands inside MULTI/EXEC", "[hash]") {
  CommandHarness h;
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"hset", "h", "a", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"hincrby", "h", "a", "5"}) == "+QUEUED\r\n");
  CHECK(h.Run({"hincrby", "h", "a", "x"}) == "+QUEUED\r\n");
  CHECK(h.Run({"hgetall", "h"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == Array({Int(1), Int(6), kNotInt, Bulks({"a", "6"})}));
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"hset", "h", "a"}) == Arity("hset"));
  CHECK(h.Run({"exec"}) == Err("EXECABORT Transaction discarded because of previous errors."));
}

TEST_CASE("Concurrent HINCRBY from many clients loses no update", "[hash][concurrency]") {
  CommandHarness h;
  constexpr int kThreads = 8;
  constexpr int kOps = 500;
  std::atomic<int> bad{0};
  RunConcurrentClients(h, kThreads, [&](ClientState& client, int t) {
    for (int i = 0; i < kOps; ++i) {
      const std::string reply = h.RunAs(client, {"hincrby", "counter", "n", "1"});
      if (reply.empty() || reply[0] != ':') ++bad;
      const std::string field = std::to_string(t) + ":" + std::to_string(i);
      if (h.RunAs(client, {"hset", "fields", field, "x"}) != ":1\r\n") ++bad;
    }
  });
  CHECK(bad.load() == 0);
  CHECK(h.Run({"hget", "counter", "n"}) == Bulk(std::to_string(kThreads * kOps)));
  CHECK(h.Run({"hlen", "fields"}) == Int(kThreads * kOps));
}

}  // namespace
}  // namespace redrock::server
