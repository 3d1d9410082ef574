// SORT and SORT_RO through the whole command pipeline, comparing exact RESP bytes with what Redis 7.0.15
// sends (every expected reply here was checked against the real server; tests/diff/script_sort.txt
// compares many more cases with a live redis-server).

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

const std::string kScores = Err("ERR One or more scores can't be converted into double");

TEST_CASE("SORT orders numbers, ASC or DESC, ties by the elements' bytes", "[sort]") {
  CommandHarness h;
  h.Run({"rpush", "l", "3", "1", "2", "10", "-5", "2.5", "0x10", " 7", ""});
  CHECK(h.Run({"sort", "l"}) == Bulks({"-5", "", "1", "2", "2.5", "3", " 7", "10", "0x10"}));
  CHECK(h.Run({"sort", "l", "desc"}) == Bulks({"0x10", "10", " 7", "3", "2.5", "2", "1", "", "-5"}));
  CHECK(h.Run({"sort_ro", "l", "DESC", "ASC"}) == h.Run({"sort", "l"}));
  h.Run({"rpush", "eq", "1", "1.0", "01", "1e0"});
  CHECK(h.Run({"sort", "eq"}) == Bulks({"01", "1", "1.0", "1e0"}));
  CHECK(h.Run({"sort", "eq", "desc"}) == Bulks({"1e0", "1.0", "1", "01"}));
  // Not a number (NaN, out of range, trailing text): the error, and nothing stored.
  for (const char* bad : {"abc", "nan", "1e400", "1x"}) {
    h.Run({"del", "b"});
    h.Run({"rpush", "b", "1", bad});
    CHECK(h.Run({"sort", "b"}) == kScores);
    CHECK(h.Run({"sort", "b", "store", "dst"}) == kScores);
    CHECK(h.Run({"exists", "dst"}) == Int(0));
  }
  h.Run({"del", "b"});
  h.Run({"rpush", "b", "inf", "-inf", "0"});
  CHECK(h.Run({"sort", "b"}) == Bulks({"-inf", "0", "inf"}));
}

TEST_CASE("SORT LIMIT clamps offset and count as Redis does", "[sort]") {
  CommandHarness h;
  h.Run({"rpush", "l", "5", "4", "3", "2", "1"});
  CHECK(h.Run({"sort", "l", "limit", "1", "2"}) == Bulks({"2", "3"}));
  CHECK(h.Run({"sort", "l", "limit", "-10", "2"}) == Bulks({"1", "2"}));
  CHECK(h.Run({"sort", "l", "limit", "3", "-1"}) == Bulks({"4", "5"}));
  CHECK(h.Run({"sort", "l", "limit", "3", "100"}) == Bulks({"4", "5"}));
  CHECK(h.Run({"sort", "l", "limit", "0", "0"}) == kEmpty);
  CHECK(h.Run({"sort", "l", "limit", "5", "1"}) == kEmpty);
  CHECK(h.Run({"sort", "l", "limit", "4", "1"}) == Bulks({"5"}));
  CHECK(h.Run({"sort", "l", "desc", "limit", "1", "2"}) == Bulks({"4", "3"}));
  CHECK(h.Run({"sort", "l", "limit", "9223372036854775807", "9223372036854775807"}) == kEmpty);
  CHECK(h.Run({"sort", "l", "limit", "-9223372036854775808", "-9223372036854775808"}) ==
        Bulks({"1", "2", "3", "4", "5"}));
  // BY nosort: the list's own order, the range read in the requested direction.
  CHECK(h.Run({"sort", "l", "by", "nosort"}) == Bulks({"5", "4", "3", "2", "1"}));
  CHECK(h.Run({"sort", "l", "by", "nosort", "desc"}) == Bulks({"1", "2", "3", "4", "5"}));
  CHECK(h.Run({"sort", "l", "by", "nosort", "limit", "1", "2"}) == Bulks({"4", "3"}));
  CHECK(h.Run({"sort", "l", "by", "nosort", "desc", "limit", "1", "2"}) == Bulks({"2", "3"}));
  CHECK(h.Run({"sort", "l", "by", "nosort", "limit", "9", "2"}) == kEmpty);
  CHECK(h.Run({"sort", "nokey", "limit", "0", "5"}) == kEmpty);
}

TEST_CASE("SORT ALPHA compares bytes", "[sort]") {
  CommandHarness h;
  h.Run({"rpush", "w", "banana", "Apple", "cherry", "10", "9", ""});
  CHECK(h.Run({"sort", "w", "alpha"}) == Bulks({"", "10", "9", "Apple", "banana", "cherry"}));
  CHECK(h.Run({"sort", "w", "alpha", "desc", "limit", "0", "2"}) == Bulks({"cherry", "banana"}));
  CHECK(h.Run({"sort", "w"}) == kScores);
}

TEST_CASE("SORT BY weights from keys and hash fields; GET patterns", "[sort]") {
  CommandHarness h;
  h.Run({"rpush", "l", "1", "2", "3", "4"});
  h.Run({"mset", "w_1", "30", "w_2", "10", "w_3", "20", "o_1", "one", "o_2", "two"});
  // w_4 is missing: weight 0.
  CHECK(h.Run({"sort", "l", "by", "w_*"}) == Bulks({"4", "2", "3", "1"}));
  CHECK(h.Run({"sort", "l", "by", "w_*", "desc", "limit", "0", "2"}) == Bulks({"1", "3"}));
  CHECK(h.Run({"sort", "l", "by", "w_*", "alpha"}) == Bulks({"4", "2", "3", "1"}));
  CHECK(h.Run({"sort", "l", "by", "w_*", "get", "o_*", "get", "#"}) ==
        Array({kNil, Bulk("4"), Bulk("two"), Bulk("2"), kNil, Bulk("3"), Bulk("one"), Bulk("1")}));
  // A constant GET finds nothing; "#" is the element; a weight of another type counts as missing.
  CHECK(h.Run({"sort", "l", "limit", "0", "1", "get", "nostar", "get", "#"}) == Array({kNil, Bulk("1")}));
  h.Run({"hset", "w_4", "f", "1"});
  CHECK(h.Run({"sort", "l", "by", "w_*"}) == Bulks({"4", "2", "3", "1"}));
  h.Run({"set", "w_2", "x"});
  CHECK(h.Run({"sort", "l", "by", "w_*"}) == kScores);
  // Hash fields, "->" after the '*' with a field; "h_*->" reads the string key "h_1->".
  h.Run({"hset", "h_1", "wt", "3", "name", "one"});
  h.Run({"hset", "h_2", "wt", "1", "name", "two"});
  h.Run({"hset", "h_3", "wt", "2"});
  CHECK(h.Run({"sort", "l", "by", "h_*->wt", "get", "h_*->name"}) ==
        Array({kNil, Bulk("two"), kNil, Bulk("one")}));
  CHECK(h.Run({"sort", "l", "by", "h_*->wt", "desc"}) == Bulks({"1", "3", "2", "4"}));
  h.Run({"set", "h_2->", "9"});
  CHECK(h.Run({"sort", "l", "by", "h_*->"}) == Bulks({"1", "3", "4", "2"}));
  CHECK(h.Run({"sort", "l", "limit", "1", "1", "get", "h_*->"}) == Array({Bulk("9")}));
  // A later BY with '*' does not undo an earlier constant one.
  CHECK(h.Run({"sort", "l", "by", "nosort", "by", "h_*->wt"}) == Bulks({"1", "2", "3", "4"}));
  // RESP3: the missing values are nulls.
  h.Run({"hello", "3"});
  CHECK(h.Run({"sort", "l", "limit", "0", "3", "get", "o_*"}) == Array({Bulk("one"), Bulk("two"), kNull3}));
}

TEST_CASE("SORT of sets and sorted sets; BY nosort", "[sort]") {
  CommandHarness h;
  h.Run({"sadd", "s", "5", "2", "9", "1"});
  CHECK(h.Run({"sort", "s"}) == Bulks({"1", "2", "5", "9"}));
  CHECK(h.Run({"sort", "s", "desc", "limit", "1", "2"}) == Bulks({"5", "2"}));
  h.Run({"zadd", "z", "3", "c", "1", "a", "2", "b", "4", "d"});
  CHECK(h.Run({"sort", "z", "alpha", "desc"}) == Bulks({"d", "c", "b", "a"}));
  CHECK(h.Run({"sort", "z"}) == kScores);
  // A sorted set keeps its score order with BY nosort, LIMIT applied in the requested direction.
  CHECK(h.Run({"sort", "z", "by", "nosort"}) == Bulks({"a", "b", "c", "d"}));
  CHECK(h.Run({"sort", "z", "by", "nosort", "desc"}) == Bulks({"d", "c", "b", "a"}));
  CHECK(h.Run({"sort", "z", "by", "nosort", "limit", "1", "2"}) == Bulks({"b", "c"}));
  CHECK(h.Run({"sort", "z", "by", "nosort", "desc", "limit", "1", "2"}) == Bulks({"c", "b"}));
  CHECK(h.Run({"sort", "z", "by", "nosort", "limit", "4", "2"}) == kEmpty);
  CHECK(h.Run({"sort_ro", "z", "by", "nosort", "desc", "limit", "3", "5"}) == Bulks({"a"}));
  // A set with BY nosort is sorted (ALPHA) for STORE and for scripts.
  h.Run({"sadd", "sw", "b", "10", "a", "9"});
  CHECK(h.Run({"sort", "sw", "by", "nosort", "desc", "store", "dst"}) == Int(4));
  CHECK(h.Run({"lrange", "dst", "0", "-1"}) == Bulks({"b", "a", "9", "10"}));
  CHECK(h.Run({"eval", "return redis.call('sort', KEYS[1], 'by', 'nosort')", "1", "sw"}) ==
        Bulks({"10", "9", "a", "b"}));
  CHECK(h.Run({"eval", "return redis.call('sort_ro', KEYS[1], 'by', 'nosort', 'limit', 1, 1)", "1", "sw"}) ==
        Bulks({"9"}));
}

TEST_CASE("SORT errors: syntax, LIMIT values, STORE in SORT_RO, WRONGTYPE after the options", "[sort]") {
  CommandHarness h;
  h.Run({"rpush", "l", "1"});
  h.Run({"set", "str", "v"});
  CHECK(h.Run({"sort", "l", "limit"}) == kSyntax);
  CHECK(h.Run({"sort", "l", "limit", "1"}) == kSyntax);
  CHECK(h.Run({"sort", "l", "limit", "a", "1"}) == kNotInt);
  CHECK(h.Run({"sort", "l", "limit", "1", "1.5"}) == kNotInt);
  CHECK(h.Run({"sort", "l", "by"}) == kSyntax);
  CHECK(h.Run({"sort", "l", "get"}) == kSyntax);
  CHECK(h.Run({"sort", "l", "store"}) == kSyntax);
  CHECK(h.Run({"sort", "l", "foo"}) == kSyntax);
  CHECK(h.Run({"sort_ro", "l", "store", "dst"}) == kSyntax);
  CHECK(h.Run({"sort", "str", "foo"}) == kSyntax);
  CHECK(h.Run({"sort", "str"}) == kWrongType);
  CHECK(h.Run({"sort_ro", "str", "by", "nosort"}) == kWrongType);
  CHECK(h.Run({"sort", "str", "store", "dst"}) == kWrongType);
  CHECK(h.Run({"sort"}) == Arity("sort"));
  CHECK(h.Run({"sort_ro"}) == Arity("sort_ro"));
  CHECK(h.Run({"exists", "dst"}) == Int(0));
}

TEST_CASE("SORT STORE writes a list, replacing any value, or deletes the destination", "[sort]") {
  CommandHarness h;
  h.Run({"rpush", "l", "3", "1", "2"});
  h.Run({"mset", "o_1", "one", "o_3", "three"});
  CHECK(h.Run({"sort", "l", "store", "dst"}) == Int(3));
  CHECK(h.Run({"lrange", "dst", "0", "-1"}) == Bulks({"1", "2", "3"}));
  CHECK(h.Run({"sort", "l", "get", "#", "get", "o_*", "store", "dst"}) == Int(6));
  CHECK(h.Run({"lrange", "dst", "0", "-1"}) == Bulks({"1", "one", "2", "", "3", "three"}));
  h.Run({"set", "str", "v", "ex", "100"});
  CHECK(h.Run({"sort", "l", "desc", "limit", "0", "2", "store", "str"}) == Int(2));
  CHECK(h.Run({"type", "str"}) == "+list\r\n");
  CHECK(h.Run({"ttl", "str"}) == Int(-1));
  CHECK(h.Run({"lrange", "str", "0", "-1"}) == Bulks({"3", "2"}));
  CHECK(h.Run({"sort", "l", "store", "l"}) == Int(3));  // the source itself
  CHECK(h.Run({"lrange", "l", "0", "-1"}) == Bulks({"1", "2", "3"}));
  CHECK(h.Run({"sort", "nokey", "store", "dst"}) == Int(0));
  CHECK(h.Run({"exists", "dst"}) == Int(0));
  CHECK(h.Run({"sort", "l", "limit", "0", "0", "store", "str"}) == Int(0));
  CHECK(h.Run({"exists", "str"}) == Int(0));
  CHECK(h.Run({"sort", "nokey", "store", "dst"}) == Int(0));
  // The integer reply in RESP3 too.
  h.Run({"hello", "3"});
  CHECK(h.Run({"sort", "l", "store", "dst"}) == Int(3));
}

TEST_CASE("SORT STORE touches WATCHed keys only when it changes them", "[sort]") {
  CommandHarness h;
  h.Run({"rpush", "l", "2", "1"});
  ClientState& other = h.NewClient();
  h.Run({"watch", "dst"});
  h.RunAs(other, {"sort", "nokey", "store", "dst"});  // dst missing: nothing happens
  h.Run({"multi"});
  h.Run({"ping"});
  CHECK(h.Run({"exec"}) == Array({"+PONG\r\n"}));
  h.Run({"watch", "dst"});
  h.RunAs(other, {"sort", "l", "store", "dst"});
  h.Run({"multi"});
  h.Run({"ping"});
  CHECK(h.Run({"exec"}) == kNilArray);
  h.Run({"watch", "dst"});
  h.RunAs(other, {"sort", "nokey", "store", "dst"});  // deletes it
  h.Run({"multi"});
  h.Run({"ping"});
  CHECK(h.Run({"exec"}) == kNilArray);
}

TEST_CASE("SORT STORE serves a client blocked on the destination", "[sort][blocking]") {
  CommandHarness h;
  h.Run({"rpush", "l", "b", "a"});
  ClientState& c = h.NewClient();
  c.may_block = true;
  REQUIRE(h.RunAs(c, {"blpop", "dst", "0"}).empty());
  REQUIRE(c.blocked.active);
  auto waiter = c.blocked.waiter;
  c.blocked = BlockedState{};
  CHECK(h.Run({"sort", "l", "alpha", "store", "dst"}) == Int(2));
  std::string out;
  h.state().blocking.TakeReply(*waiter, &out);
  CHECK(out == Bulks({"dst", "a"}));
  CHECK(h.Run({"lrange", "dst", "0", "-1"}) == Bulks({"b"}));
}

}  // namespace
}  // namespace redrock::server
