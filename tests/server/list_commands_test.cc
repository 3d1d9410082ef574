// The list family through the whole command pipeline (table, handler, engine), comparing exact RESP
// bytes with what Redis 7.0.15 sends (every expected reply here was checked against the real server).
// The in-process harness's client never blocks: blocking commands answer as if their timeout expired at
// once, as they do inside MULTI. Serving blocked clients is tested in blocking_serve_test.cc (in process)
// and blocking_test.cc (over sockets).

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using testing::RunConcurrentClients;
using namespace ::redrock::testing::resp;

TEST_CASE("LPUSH, RPUSH, the X forms, LLEN and LRANGE", "[list]") {
  CommandHarness h;
  CHECK(h.Run({"lpush", "l", "b", "a"}) == Int(2));
  CHECK(h.Run({"rpush", "l", "c", "d"}) == Int(4));
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"a", "b", "c", "d"}));
  CHECK(h.Run({"lpushx", "l", "z"}) == Int(5));
  CHECK(h.Run({"rpushx", "nokey", "z"}) == Int(0));
  CHECK(h.Run({"exists", "nokey"}) == Int(0));
  CHECK(h.Run({"llen", "l"}) == Int(5));
  CHECK(h.Run({"llen", "nokey"}) == Int(0));
  CHECK(h.Run({"lrange", "l", "-2", "100"}) == Bulks({"c", "d"}));
  CHECK(h.Run({"lrange", "l", "3", "1"}) == kEmpty);
  CHECK(h.Run({"lrange", "nokey", "0", "-1"}) == kEmpty);
  CHECK(h.Run({"lrange", "l", "a", "1"}) == kNotInt);
  CHECK(h.Run({"lrange", "nokey", "0", "x"}) == kNotInt);
  CHECK(h.Run({"lpush", "l"}) == Arity("lpush"));
  CHECK(h.Run({"lrange", "l", "0"}) == Arity("lrange"));
}

TEST_CASE("LPOP and RPOP with and without count", "[list]") {
  CommandHarness h;
  h.Run({"rpush", "l", "a", "b", "c", "d"});
  CHECK(h.Run({"lpop", "l"}) == Bulk("a"));
  CHECK(h.Run({"rpop", "l"}) == Bulk("d"));
  CHECK(h.Run({"lpop", "l", "0"}) == kEmpty);
  CHECK(h.Run({"rpop", "l", "5"}) == Bulks({"c", "b"}));
  CHECK(h.Run({"exists", "l"}) == Int(0));
  CHECK(h.Run({"lpop", "l"}) == kNil);
  CHECK(h.Run({"lpop", "l", "0"}) == kNilArray);
  CHECK(h.Run({"lpop", "l", "2"}) == kNilArray);
  CHECK(h.Run({"lpop", "l", "-1"}) == Err("ERR value is out of range, must be positive"));
  CHECK(h.Run({"lpop", "l", "x"}) == Err("ERR value is out of range, must be positive"));
  CHECK(h.Run({"lpop", "l", "1", "2"}) == Arity("lpop"));
  CHECK(h.Run({"rpop", "l", "1", "2"}) == Arity("rpop"));
  CHECK(h.Run({"hello", "3"}).substr(0, 1) == "%");
  CHECK(h.Run({"lpop", "l"}) == kNull3);
  CHECK(h.Run({"lpop", "l", "2"}) == kNull3);
}

TEST_CASE("LINDEX and LSET check the key before the index", "[list]") {
  CommandHarness h;
  h.Run({"rpush", "l", "a", "b", "c"});
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"lindex", "l", "-1"}) == Bulk("c"));
  CHECK(h.Run({"lindex", "l", "3"}) == kNil);
  CHECK(h.Run({"lindex", "l", "abc"}) == kNotInt);
  CHECK(h.Run({"lindex", "nokey", "abc"}) == kNil);
  CHECK(h.Run({"lindex", "s", "abc"}) == kWrongType);
  CHECK(h.Run({"lset", "l", "1", "B"}) == kOk);
  CHECK(h.Run({"lset", "l", "-4", "x"}) == Err("ERR index out of range"));
  CHECK(h.Run({"lset", "l", "abc", "x"}) == kNotInt);
  CHECK(h.Run({"lset", "nokey", "abc", "x"}) == Err("ERR no such key"));
  CHECK(h.Run({"lset", "s", "abc", "x"}) == kWrongType);
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"a", "B", "c"}));
}

TEST_CASE("LINSERT, LREM and LTRIM", "[list]") {
  CommandHarness h;
  h.Run({"rpush", "l", "a", "b", "c"});
  CHECK(h.Run({"linsert", "l", "BEFORE", "b", "x"}) == Int(4));
  CHECK(h.Run({"linsert", "l", "after", "c", "z"}) == Int(5));
  CHECK(h.Run({"linsert", "l", "after", "nope", "z"}) == Int(-1));
  CHECK(h.Run({"linsert", "l", "middle", "a", "z"}) == kSyntax);
  CHECK(h.Run({"linsert", "nokey", "before", "a", "z"}) == Int(0));
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"a", "x", "b", "c", "z"}));

  h.Run({"rpush", "r", "a", "b", "a", "c", "a"});
  CHECK(h.Run({"lrem", "r", "-1", "a"}) == Int(1));
  CHECK(h.Run({"lrem", "r", "0", "a"}) == Int(2));
  CHECK(h.Run({"lrange", "r", "0", "-1"}) == Bulks({"b", "c"}));
  CHECK(h.Run({"lrem", "r", "x", "a"}) == kNotInt);
  CHECK(h.Run({"lrem", "nokey", "0", "a"}) == Int(0));

  CHECK(h.Run({"ltrim", "l", "1", "-2"}) == kOk);
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"x", "b", "c"}));
  CHECK(h.Run({"ltrim", "l", "5", "10"}) == kOk);
  CHECK(h.Run({"exists", "l"}) == Int(0));
  CHECK(h.Run({"ltrim", "nokey", "0", "1"}) == kOk);
  CHECK(h.Run({"ltrim", "nokey", "a", "1"}) == kNotInt);
}

TEST_CASE("LPOS with RANK, COUNT and MAXLEN", "[list]") {
  CommandHarness h;
  h.Run({"rpush", "p", "a", "b", "c", "a", "b", "c", "a"});
  CHECK(h.Run({"lpos", "p", "a"}) == Int(0));
  CHECK(h.Run({"lpos", "p", "zz"}) == kNil);
  CHECK(h.Run({"lpos", "p", "a", "RANK", "-1"}) == Int(6));
  CHECK(h.Run({"lpos", "p", "a", "COUNT", "0"}) == Array({Int(0), Int(3), Int(6)}));
  CHECK(h.Run({"lpos", "p", "a", "RANK", "-2", "COUNT", "0"}) == Array({Int(3), Int(0)}));
  CHECK(h.Run({"lpos", "p", "c", "MAXLEN", "3", "COUNT", "0"}) == Array({Int(2)}));
  CHECK(h.Run({"lpos", "p", "zz", "COUNT", "2"}) == kEmpty);
  CHECK(h.Run({"lpos", "nokey", "a", "COUNT", "2"}) == kEmpty);
  CHECK(h.Run({"lpos", "nokey", "a"}) == kNil);
  CHECK(h.Run({"lpos", "p", "a", "RANK", "0"}) ==
        Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative "
            "to start from the end of the list"));
  CHECK(h.Run({"lpos", "p", "a", "RANK", "x"}) == kNotInt);
  CHECK(h.Run({"lpos", "p", "a", "COUNT", "x"}) == Err("ERR COUNT can't be negative"));
  CHECK(h.Run({"lpos", "p", "a", "MAXLEN", "-1"}) == Err("ERR MAXLEN can't be negative"));
  CHECK(h.Run({"lpos", "p", "a", "RANK"}) == kSyntax);
}

TEST_CASE("RPOPLPUSH, LMOVE and LMPOP", "[list]") {
  CommandHarness h;
  h.Run({"rpush", "s", "1", "2", "3"});
  CHECK(h.Run({"rpoplpush", "s", "d"}) == Bulk("3"));
  CHECK(h.Run({"lmove", "s", "d", "LEFT", "RIGHT"}) == Bulk("1"));
  CHECK(h.Run({"lmove", "s", "d", "left", "up"}) == kSyntax);
  CHECK(h.Run({"lrange", "d", "0", "-1"}) == Bulks({"3", "1"}));
  CHECK(h.Run({"lmove", "d", "d", "LEFT", "RIGHT"}) == Bulk("3"));
  CHECK(h.Run({"lrange", "d", "0", "-1"}) == Bulks({"1", "3"}));
  CHECK(h.Run({"rpoplpush", "nokey", "d"}) == kNil);
  h.Run({"set", "str", "v"});
  CHECK(h.Run({"rpoplpush", "d", "str"}) == kWrongType);
  CHECK(h.Run({"rpoplpush", "nokey", "str"}) == kNil);
  CHECK(h.Run({"llen", "d"}) == Int(2));

  CHECK(h.Run({"lmpop", "2", "nokey", "d", "RIGHT", "COUNT", "5"}) == Array({Bulk("d"), Bulks({"3", "1"})}));
  CHECK(h.Run({"lmpop", "1", "d", "LEFT"}) == kNilArray);
  CHECK(h.Run({"lmpop", "0", "d", "LEFT"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(h.Run({"lmpop", "2", "d", "LEFT"}) == kSyntax);
  CHECK(h.Run({"lmpop", "1", "d", "LEFT", "COUNT", "0"}) == Err("ERR count should be greater than 0"));
  CHECK(h.Run({"lmpop", "1", "d", "LEFT", "COUNT", "1", "COUNT", "1"}) == kSyntax);
  CHECK(h.Run({"lmpop", "2", "str", "d", "LEFT"}) == kWrongType);
}

TEST_CASE("Blocking commands answer at once when they cannot block", "[list][blocking]") {
  CommandHarness h;
  h.Run({"rpush", "b2", "x", "y"});
  CHECK(h.Run({"blpop", "b1", "b2", "0"}) == Bulks({"b2", "x"}));
  CHECK(h.Run({"brpoplpush", "b2", "b1", "0"}) == Bulk("y"));
  CHECK(h.Run({"blmove", "b1", "b2", "LEFT", "RIGHT", "0"}) == Bulk("y"));
  CHECK(h.Run({"blmpop", "0", "1", "b2", "LEFT", "COUNT", "3"}) == Array({Bulk("b2"), Bulks({"y"})}));
  // Nothing to pop and no way to block (the harness is like MULTI): the immediate timeout replies.
  CHECK(h.Run({"blpop", "b1", "0"}) == kNilArray);
  CHECK(h.Run({"brpop", "b1", "0"}) == kNilArray);
  CHECK(h.Run({"blmpop", "0", "1", "b1", "LEFT"}) == kNilArray);
  CHECK(h.Run({"brpoplpush", "b1", "b2", "0"}) == kNil);
  CHECK(h.Run({"blmove", "b1", "b2", "LEFT", "LEFT", "0"}) == kNil);
  CHECK_FALSE(h.client().blocked.active);

  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"blpop", "b1", "0"}) == "+QUEUED\r\n");
  CHECK(h.Run({"blmove", "b1", "b2", "LEFT", "LEFT", "0"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == Array({kNilArray, kNil}));

  // Timeout parsing as Redis 7.0.
  CHECK(h.Run({"blpop", "b1", "abc"}) == Err("ERR timeout is not a float or out of range"));
  CHECK(h.Run({"blpop", "b1", "nan"}) == Err("ERR timeout is not a float or out of range"));
  CHECK(h.Run({"blpop", "b1", ""}) == Err("ERR timeout is not a float or out of range"));
  CHECK(h.Run({"blpop", "b1", "-1"}) == Err("ERR timeout is negative"));
  CHECK(h.Run({"blpop", "b1", "1e400"}) == Err("ERR timeout is negative"));
  CHECK(h.Run({"blpop", "b1", "inf"}) == Err("ERR timeout is negative"));
  CHECK(h.Run({"blpop", "b1", "9.3e15"}) == Err("ERR timeout is negative"));
  CHECK(h.Run({"blpop", "b1", "-0.0001"}) == kNilArray);  // rounds to 0 ms: not negative
  CHECK(h.Run({"blmove", "b1", "b2", "UP", "LEFT", "abc"}) == kSyntax);
  CHECK(h.Run({"blmpop", "abc", "1", "b1", "UP"}) == kSyntax);  // BLMPOP parses its timeout last
  CHECK(h.Run({"blmpop", "abc", "1", "b1", "LEFT"}) == Err("ERR timeout is not a float or out of range"));

  h.Run({"set", "str", "v"});
  CHECK(h.Run({"blpop", "str", "0"}) == kWrongType);
  CHECK(h.Run({"blpop", "nokey", "str", "0"}) == kWrongType);
  CHECK(h.Run({"hello", "3"}).substr(0, 1) == "%");
  CHECK(h.Run({"blpop", "b1", "0"}) == kNull3);
  CHECK(h.Run({"blmove", "b1", "b2", "LEFT", "LEFT", "0"}) == kNull3);
}

TEST_CASE("TTL and key commands on lists", "[list][ttl]") {
  CommandHarness h;
  h.Run({"rpush", "l", "a", "b"});
  CHECK(h.Run({"type", "l"}) == "+list\r\n");
  CHECK(h.Run({"pexpire", "l", "100"}) == Int(1));
  h.clock().AdvanceMs(99);
  CHECK(h.Run({"llen", "l"}) == Int(2));
  h.clock().AdvanceMs(1);
  CHECK(h.Run({"llen", "l"}) == Int(0));
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == kEmpty);
  CHECK(h.Run({"exists", "l"}) == Int(0));
  CHECK(h.Run({"rpush", "l", "c"}) == Int(1));
  CHECK(h.Run({"ttl", "l"}) == Int(-1));
  CHECK(h.Run({"rename", "l", "l2"}) == kOk);
  CHECK(h.Run({"copy", "l2", "l3"}) == Int(1));
  CHECK(h.Run({"rpush", "l3", "d"}) == Int(2));
  CHECK(h.Run({"lrange", "l2", "0", "-1"}) == Bulks({"c"}));
  CHECK(h.Run({"set", "l3", "str"}) == kOk);
  CHECK(h.Run({"type", "l3"}) == "+string\r\n");
  CHECK(h.Run({"lpush", "l3", "x"}) == kWrongType);
  CHECK(h.Run({"object", "encoding", "l2"}) == Bulk("quicklist"));
  CHECK(h.Run({"scan", "0", "type", "list"}) == Array({Bulk("0"), Bulks({"l2"})}));
}

TEST_CASE("WRONGTYPE against a string and another collection", "[list]") {
  CommandHarness h;
  h.Run({"set", "s", "v"});
  h.Run({"hset", "h", "f", "v"});
  for (std::string key : {"s", "h"}) {
    INFO(key);
    CHECK(h.Run({"lpush", key, "a"}) == kWrongType);
    CHECK(h.Run({"rpushx", key, "a"}) == kWrongType);
    CHECK(h.Run({"lpop", key}) == kWrongType);
    CHECK(h.Run({"rpop", key, "0"}) == kWrongType);
    CHECK(h.Run({"llen", key}) == kWrongType);
    CHECK(h.Run({"lrange", key, "0", "-1"}) == kWrongType);
    CHECK(h.Run({"lindex", key, "0"}) == kWrongType);
    CHECK(h.Run({"lset", key, "0", "x"}) == kWrongType);
    CHECK(h.Run({"linsert", key, "before", "a", "b"}) == kWrongType);
    CHECK(h.Run({"lrem", key, "0", "a"}) == kWrongType);
    CHECK(h.Run({"ltrim", key, "0", "1"}) == kWrongType);
    CHECK(h.Run({"lpos", key, "a"}) == kWrongType);
    CHECK(h.Run({"lmove", key, "x", "left", "left"}) == kWrongType);
  }
}

TEST_CASE("Concurrent LPUSH and RPOP from many clients lose no update", "[list][concurrency]") {
  CommandHarness h;
  constexpr int kThreads = 8;
  constexpr int kOps = 500;
  std::atomic<int> bad{0};
  std::atomic<int> popped{0};
  RunConcurrentClients(h, kThreads, [&](ClientState& client, int t) {
    for (int i = 0; i < kOps; ++i) {
      const std::string v = std::to_string(t) + ":" + std::to_string(i);
      const std::string reply = h.RunAs(client, {"lpush", "q", v});
      if (reply.empty() || reply[0] != ':') ++bad;
      if (i % 5 == 0 && h.RunAs(client, {"rpop", "q"}) != kNil) ++popped;
    }
  });
  CHECK(bad.load() == 0);
  CHECK(popped.load() == kThreads * kOps / 5);
  CHECK(h.Run({"llen", "q"}) == Int(kThreads * kOps - popped.load()));
}

}  // namespace
}  // namespace redrock::server
