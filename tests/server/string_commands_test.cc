// The string family through the whole command pipeline (table, handler, engine), comparing exact RESP
// bytes with what Redis 7.0.15 sends. Expiry runs on the harness's ManualClock.
// Not covered here: WRONGTYPE replies (they need collections, which these tests do not create).

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

TEST_CASE("GET and SET basics", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"get", "k"}) == kNil);
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"get", "k"}) == Bulk("v"));
  CHECK(h.Run({"SET", "k", "v2"}) == kOk);
  CHECK(h.Run({"GeT", "k"}) == Bulk("v2"));
  CHECK(h.Run({"set", "empty", ""}) == kOk);
  CHECK(h.Run({"get", "empty"}) == Bulk(""));

  const std::string binary("a\0b\r\nc", 6);
  CHECK(h.Run(std::vector<std::string>{"set", binary, binary}) == kOk);
  CHECK(h.Run(std::vector<std::string>{"get", binary}) == Bulk(binary));

  CHECK(h.Run({"get"}) == Err("ERR wrong number of arguments for 'get' command"));
  CHECK(h.Run({"set", "k"}) == Err("ERR wrong number of arguments for 'set' command"));
}

TEST_CASE("SET NX and XX", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"set", "k", "v", "XX"}) == kNil);
  CHECK(h.Run({"get", "k"}) == kNil);
  CHECK(h.Run({"set", "k", "v", "nx"}) == kOk);
  CHECK(h.Run({"set", "k", "w", "NX"}) == kNil);
  CHECK(h.Run({"get", "k"}) == Bulk("v"));
  CHECK(h.Run({"set", "k", "w", "xx"}) == kOk);
  CHECK(h.Run({"get", "k"}) == Bulk("w"));
  // Repeating a flag is accepted.
  CHECK(h.Run({"set", "k", "x", "XX", "XX"}) == kOk);
  CHECK(h.Run({"set", "k", "x", "NX", "NX"}) == kNil);
}

TEST_CASE("SET GET returns the old value", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"set", "k", "v1", "GET"}) == kNil);
  CHECK(h.Run({"set", "k", "v2", "get"}) == Bulk("v1"));
  CHECK(h.Run({"set", "k", "v3", "GET", "GET"}) == Bulk("v2"));
  // With NX the old value is still returned, and nothing is written.
  CHECK(h.Run({"set", "k", "v4", "NX", "GET"}) == Bulk("v3"));
  CHECK(h.Run({"get", "k"}) == Bulk("v3"));
  CHECK(h.Run({"set", "nx", "v", "XX", "GET"}) == kNil);
  CHECK(h.Run({"get", "nx"}) == kNil);
  CHECK(h.Run({"set", "k", "v5", "XX", "GET"}) == Bulk("v3"));
  CHECK(h.Run({"get", "k"}) == Bulk("v5"));
}

TEST_CASE("SET with EX, PX, EXAT, PXAT on the manual clock", "[strings][ttl]") {
  CommandHarness h;
  const int64_t now = h.engine().NowMs();

  CHECK(h.Run({"set", "ex", "v", "EX", "10"}) == kOk);
  CHECK(h.Run({"pttl", "ex"}) == Int(10000));
  CHECK(h.Run({"ttl", "ex"}) == Int(10));
  CHECK(h.Run({"set", "px", "v", "px", "1500"}) == kOk);
  CHECK(h.Run({"pttl", "px"}) == Int(1500));
  CHECK(h.Run({"set", "exat", "v", "EXAT", std::to_string(now / 1000 + 100)}) == kOk);
  CHECK(h.Run({"pexpiretime", "exat"}) == Int((now / 1000 + 100) * 1000));
  CHECK(h.Run({"set", "pxat", "v", "PXAT", std::to_string(now + 2500)}) == kOk);
  CHECK(h.Run({"pexpiretime", "pxat"}) == Int(now + 2500));

  h.clock().AdvanceMs(1499);
  CHECK(h.Run({"get", "px"}) == Bulk("v"));
  h.clock().AdvanceMs(2);
  CHECK(h.Run({"get", "px"}) == kNil);
  CHECK(h.Run({"get", "pxat"}) == Bulk("v"));
  h.clock().AdvanceMs(1000);
  CHECK(h.Run({"get", "pxat"}) == kNil);
  CHECK(h.Run({"get", "ex"}) == Bulk("v"));
  h.clock().AdvanceMs(7600);
  CHECK(h.Run({"get", "ex"}) == kNil);
  CHECK(h.Run({"exists", "exat"}) == Int(1));

  // The last of repeated EX options wins.
  CHECK(h.Run({"set", "k", "v", "EX", "10", "EX", "20"}) == kOk);
  CHECK(h.Run({"ttl", "k"}) == Int(20));
  // A plain SET clears the expiry; KEEPTTL keeps it.
  CHECK(h.Run({"set", "k", "v2", "KEEPTTL"}) == kOk);
  CHECK(h.Run({"ttl", "k"}) == Int(20));
  CHECK(h.Run({"set", "k", "v3", "keepttl", "keepttl"}) == kOk);
  CHECK(h.Run({"ttl", "k"}) == Int(20));
  CHECK(h.Run({"set", "k", "v4"}) == kOk);
  CHECK(h.Run({"ttl", "k"}) == Int(-1));

  // A time already past stores nothing visible; GET still reports the old value.
  CHECK(h.Run({"set", "old", "v"}) == kOk);
  CHECK(h.Run({"set", "old", "w", "PXAT", "1", "GET"}) == Bulk("v"));
  CHECK(h.Run({"exists", "old"}) == Int(0));
  CHECK(h.Run({"set", "old", "w", "EXAT", "1"}) == kOk);
  CHECK(h.Run({"exists", "old"}) == Int(0));

  // Large but valid.
  CHECK(h.Run({"set", "far", "v", "EX", "9000000000000000"}) == kOk);
  CHECK(h.Run({"ttl", "far"}) == Int(9000000000000000));
  CHECK(h.Run({"set", "far", "v", "PXAT", "9223372036854775807"}) == kOk);
  CHECK(h.Run({"pexpiretime", "far"}) == Int(INT64_MAX));
}

TEST_CASE("SET option errors, in Redis's order", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"set", "k", "v", "EX", "0"}) == InvalidExpire("set"));
  CHECK(h.Run({"set", "k", "v", "EX", "-1"}) == InvalidExpire("set"));
  CHECK(h.Run({"set", "k", "v", "PX", "0"}) == InvalidExpire("set"));
  CHECK(h.Run({"set", "k", "v", "EXAT", "0"}) == InvalidExpire("set"));
  CHECK(h.Run({"set", "k", "v", "PXAT", "-5"}) == InvalidExpire("set"));
  CHECK(h.Run({"set", "k", "v", "EX", "abc"}) == kNotInt);
  CHECK(h.Run({"set", "k", "v", "PX", "1.5"}) == kNotInt);
  CHECK(h.Run({"set", "k", "v", "EX", "9223372036854775807"}) == InvalidExpire("set"));  // * 1000 overflows
  CHECK(h.Run({"set", "k", "v", "EX", "9223372036854775"}) == InvalidExpire("set"));    // + now overflows
  CHECK(h.Run({"set", "k", "v", "EX", "9223372036854774"}) == InvalidExpire("set"));
  CHECK(h.Run({"set", "k", "v", "PX", "9223372036854775807"}) == InvalidExpire("set"));
  CHECK(h.Run({"set", "k", "v", "EXAT", "9223372036854775808"}) == kNotInt);
  CHECK(h.Run({"set", "k", "v", "EXAT", "9223372036854776"}) == InvalidExpire("set"));

  CHECK(h.Run({"set", "k", "v", "NX", "XX"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "XX", "NX"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "EX", "10", "PX", "10"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "PXAT", "10", "EXAT", "10"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "KEEPTTL", "EX", "10"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "EX", "10", "KEEPTTL"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "EX"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "FOO"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "PERSIST"}) == kSyntax);
  // The whole option list is parsed before the time is validated.
  CHECK(h.Run({"set", "k", "v", "EX", "0", "FOO"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "GET", "EX", "abc"}) == kNotInt);
  // Nothing was written by any of the failures.
  CHECK(h.Run({"exists", "k"}) == Int(0));
}

TEST_CASE("SETNX, SETEX, PSETEX", "[strings][ttl]") {
  CommandHarness h;
  CHECK(h.Run({"setnx", "k", "v"}) == Int(1));
  CHECK(h.Run({"setnx", "k", "w"}) == Int(0));
  CHECK(h.Run({"get", "k"}) == Bulk("v"));

  CHECK(h.Run({"setex", "k", "100", "x"}) == kOk);
  CHECK(h.Run({"get", "k"}) == Bulk("x"));
  CHECK(h.Run({"ttl", "k"}) == Int(100));
  CHECK(h.Run({"psetex", "p", "250", "y"}) == kOk);
  CHECK(h.Run({"pttl", "p"}) == Int(250));
  h.clock().AdvanceMs(251);
  CHECK(h.Run({"get", "p"}) == kNil);

  CHECK(h.Run({"setex", "e", "0", "v"}) == InvalidExpire("setex"));
  CHECK(h.Run({"setex", "e", "-5", "v"}) == InvalidExpire("setex"));
  CHECK(h.Run({"setex", "e", "9223372036854775807", "v"}) == InvalidExpire("setex"));
  CHECK(h.Run({"SETEX", "e", "abc", "v"}) == kNotInt);
  CHECK(h.Run({"psetex", "e", "0", "v"}) == InvalidExpire("psetex"));
  CHECK(h.Run({"PSETEX", "e", "9223372036854775807", "v"}) == InvalidExpire("psetex"));
  CHECK(h.Run({"exists", "e"}) == Int(0));
  CHECK(h.Run({"setex", "e", "1"}) == Err("ERR wrong number of arguments for 'setex' command"));
}

TEST_CASE("GETSET and GETDEL", "[strings][ttl]") {
  CommandHarness h;
  CHECK(h.Run({"getset", "k", "a"}) == kNil);
  CHECK(h.Run({"get", "k"}) == Bulk("a"));
  CHECK(h.Run({"expire", "k", "100"}) == Int(1));
  CHECK(h.Run({"getset", "k", "b"}) == Bulk("a"));
  CHECK(h.Run({"ttl", "k"}) == Int(-1));  // GETSET clears the expiry

  CHECK(h.Run({"getdel", "k"}) == Bulk("b"));
  CHECK(h.Run({"getdel", "k"}) == kNil);
  CHECK(h.Run({"exists", "k"}) == Int(0));
}

TEST_CASE("GETEX", "[strings][ttl]") {
  CommandHarness h;
  const int64_t now = h.engine().NowMs();
  CHECK(h.Run({"getex", "k"}) == kNil);
  CHECK(h.Run({"set", "k", "v", "EX", "50"}) == kOk);
  CHECK(h.Run({"getex", "k"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "k"}) == Int(50));  // no option: only reads

  CHECK(h.Run({"getex", "k", "EX", "100"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "k"}) == Int(100));
  CHECK(h.Run({"getex", "k", "px", "1234"}) == Bulk("v"));
  CHECK(h.Run({"pttl", "k"}) == Int(1234));
  CHECK(h.Run({"getex", "k", "EXAT", std::to_string(now / 1000 + 300)}) == Bulk("v"));
  CHECK(h.Run({"pexpiretime", "k"}) == Int((now / 1000 + 300) * 1000));
  CHECK(h.Run({"getex", "k", "PXAT", std::to_string(now + 777)}) == Bulk("v"));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(now + 777));
  CHECK(h.Run({"getex", "k", "ex", "10", "ex", "20"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "k"}) == Int(20));
  CHECK(h.Run({"getex", "k", "PERSIST"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "k"}) == Int(-1));
  CHECK(h.Run({"getex", "k", "persist", "persist"}) == Bulk("v"));

  // A time in the past returns the value and then deletes the key.
  CHECK(h.Run({"getex", "k", "PXAT", "1"}) == Bulk("v"));
  CHECK(h.Run({"exists", "k"}) == Int(0));

  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"getex", "k", "FOO"}) == kSyntax);
  CHECK(h.Run({"getex", "k", "EX"}) == kSyntax);
  CHECK(h.Run({"getex", "k", "GET"}) == kSyntax);
  CHECK(h.Run({"getex", "k", "NX"}) == kSyntax);
  CHECK(h.Run({"getex", "k", "KEEPTTL"}) == kSyntax);
  CHECK(h.Run({"getex", "k", "PERSIST", "EX", "10"}) == kSyntax);
  CHECK(h.Run({"getex", "k", "EX", "10", "PERSIST"}) == kSyntax);
  CHECK(h.Run({"getex", "k", "PXAT", "10", "EXAT", "1"}) == kSyntax);
  CHECK(h.Run({"getex", "k", "EX", "0"}) == InvalidExpire("getex"));
  CHECK(h.Run({"getex", "k", "EXAT", "-1"}) == InvalidExpire("getex"));
  CHECK(h.Run({"getex", "k", "PX", "9223372036854775807"}) == InvalidExpire("getex"));
  CHECK(h.Run({"getex", "k", "EX", "abc"}) == kNotInt);
  CHECK(h.Run({"ttl", "k"}) == Int(-1));
  // A missing key answers null before the time is validated, but not before the syntax is.
  CHECK(h.Run({"getex", "missing", "EX", "0"}) == kNil);
  CHECK(h.Run({"getex", "missing", "EX", "abc"}) == kNil);
  CHECK(h.Run({"getex", "missing", "FOO"}) == kSyntax);
}

TEST_CASE("MGET, MSET, MSETNX", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"mset", "a", "1", "b", "2"}) == kOk);
  CHECK(h.Run({"mget", "a", "missing", "b", "a"}) == "*4\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n$1\r\n1\r\n");
  CHECK(h.Run({"mget", "missing"}) == "*1\r\n$-1\r\n");
  CHECK(h.Run({"mset", "a", "1", "b"}) == Err("ERR wrong number of arguments for 'mset' command"));
  CHECK(h.Run({"mset", "a"}) == Err("ERR wrong number of arguments for 'mset' command"));
  CHECK(h.Run({"mset", "d", "1", "d", "2"}) == kOk);
  CHECK(h.Run({"get", "d"}) == Bulk("2"));  // later duplicates win
  CHECK(h.Run({"expire", "d", "100"}) == Int(1));
  CHECK(h.Run({"mset", "d", "3"}) == kOk);
  CHECK(h.Run({"ttl", "d"}) == Int(-1));  // MSET clears expiries

  CHECK(h.Run({"msetnx", "a", "9", "c", "3"}) == Int(0));
  CHECK(h.Run({"exists", "c"}) == Int(0));  // all or nothing
  CHECK(h.Run({"msetnx", "c", "3", "e", "5"}) == Int(1));
  CHECK(h.Run({"mget", "c", "e"}) == "*2\r\n$1\r\n3\r\n$1\r\n5\r\n");
  CHECK(h.Run({"msetnx", "x", "1", "x", "2"}) == Int(1));
  CHECK(h.Run({"get", "x"}) == Bulk("2"));
  CHECK(h.Run({"msetnx", "f", "1", "g"}) == Err("ERR wrong number of arguments for 'msetnx' command"));
}

TEST_CASE("INCR, DECR, INCRBY, DECRBY", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"incr", "n"}) == Int(1));
  CHECK(h.Run({"incr", "n"}) == Int(2));
  CHECK(h.Run({"decr", "n"}) == Int(1));
  CHECK(h.Run({"decr", "m"}) == Int(-1));
  CHECK(h.Run({"incrby", "n", "41"}) == Int(42));
  CHECK(h.Run({"incrby", "n", "-50"}) == Int(-8));
  CHECK(h.Run({"decrby", "n", "-10"}) == Int(2));
  CHECK(h.Run({"decrby", "n", "5"}) == Int(-3));
  CHECK(h.Run({"get", "n"}) == Bulk("-3"));

  // Stored values that are not strict integers.
  for (const char* bad : {"abc", " 1", "01", "-0", "1.5", "12345678901234567890", ""}) {
    CHECK(h.Run({"set", "s", bad}) == kOk);
    CHECK(h.Run({"incr", "s"}) == kNotInt);
    CHECK(h.Run({"decrby", "s", "1"}) == kNotInt);
  }
  // Arguments that are not strict integers.
  CHECK(h.Run({"incrby", "n", "abc"}) == kNotInt);
  CHECK(h.Run({"incrby", "n", "+1"}) == kNotInt);
  CHECK(h.Run({"incrby", "n", "1.0"}) == kNotInt);
  CHECK(h.Run({"decrby", "n", "9223372036854775808"}) == kNotInt);

  CHECK(h.Run({"set", "big", "9223372036854775806"}) == kOk);
  CHECK(h.Run({"incr", "big"}) == Int(INT64_MAX));
  CHECK(h.Run({"incr", "big"}) == Err("ERR increment or decrement would overflow"));
  CHECK(h.Run({"incrby", "big", "9223372036854775807"}) == Err("ERR increment or decrement would overflow"));
  CHECK(h.Run({"get", "big"}) == Bulk("9223372036854775807"));
  CHECK(h.Run({"decrby", "low", "9223372036854775807"}) == Int(-INT64_MAX));
  CHECK(h.Run({"decr", "low"}) == Int(INT64_MIN));
  CHECK(h.Run({"decr", "low"}) == Err("ERR increment or decrement would overflow"));
  CHECK(h.Run({"decrby", "x", "-9223372036854775808"}) == Err("ERR decrement would overflow"));
  CHECK(h.Run({"exists", "x"}) == Int(0));

  // The expiry survives an increment.
  CHECK(h.Run({"setex", "t", "100", "5"}) == kOk);
  CHECK(h.Run({"incr", "t"}) == Int(6));
  CHECK(h.Run({"ttl", "t"}) == Int(100));
}

TEST_CASE("INCRBYFLOAT", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"incrbyfloat", "f", "1.5"}) == Bulk("1.5"));
  CHECK(h.Run({"incrbyfloat", "f", "1.5"}) == Bulk("3"));
  CHECK(h.Run({"incrbyfloat", "f", "3.0e3"}) == Bulk("3003"));
  CHECK(h.Run({"set", "g", "10.50"}) == kOk);
  CHECK(h.Run({"incrbyfloat", "g", "0.1"}) == Bulk("10.6"));
  CHECK(h.Run({"incrbyfloat", "g", "-0.6"}) == Bulk("10"));
  CHECK(h.Run({"incrbyfloat", "z", "-0"}) == Bulk("0"));
  CHECK(h.Run({"get", "g"}) == Bulk("10"));

  CHECK(h.Run({"incrbyfloat", "g", "abc"}) == kNotFloat);
  CHECK(h.Run({"incrbyfloat", "g", " 1"}) == kNotFloat);
  CHECK(h.Run({"incrbyfloat", "g", ""}) == kNotFloat);
  CHECK(h.Run({"incrbyfloat", "missing", "abc"}) == kNotFloat);
  CHECK(h.Run({"exists", "missing"}) == Int(0));
  CHECK(h.Run({"set", "s", "abc"}) == kOk);
  CHECK(h.Run({"incrbyfloat", "s", "1"}) == kNotFloat);
  CHECK(h.Run({"incrbyfloat", "g", "inf"}) == Err("ERR increment would produce NaN or Infinity"));
  CHECK(h.Run({"get", "g"}) == Bulk("10"));

  CHECK(h.Run({"psetex", "t", "5000", "1"}) == kOk);
  CHECK(h.Run({"incrbyfloat", "t", "0.25"}) == Bulk("1.25"));
  CHECK(h.Run({"pttl", "t"}) == Int(5000));
}

TEST_CASE("APPEND and STRLEN", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"strlen", "a"}) == Int(0));
  CHECK(h.Run({"append", "a", "hello"}) == Int(5));
  CHECK(h.Run({"append", "a", " world"}) == Int(11));
  CHECK(h.Run({"append", "a", ""}) == Int(11));
  CHECK(h.Run({"get", "a"}) == Bulk("hello world"));
  CHECK(h.Run({"strlen", "a"}) == Int(11));
  CHECK(h.Run({"set", "n", "12345"}) == kOk);
  CHECK(h.Run({"strlen", "n"}) == Int(5));
  CHECK(h.Run({"append", "n", "6"}) == Int(6));
  CHECK(h.Run({"incr", "n"}) == Int(123457));
  CHECK(h.Run({"setex", "t", "100", "x"}) == kOk);
  CHECK(h.Run({"append", "t", "y"}) == Int(2));
  CHECK(h.Run({"ttl", "t"}) == Int(100));
}

TEST_CASE("GETRANGE and SUBSTR", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"set", "a", "hello world"}) == kOk);
  CHECK(h.Run({"getrange", "a", "0", "4"}) == Bulk("hello"));
  CHECK(h.Run({"getrange", "a", "-5", "-1"}) == Bulk("world"));
  CHECK(h.Run({"getrange", "a", "5", "1"}) == Bulk(""));
  CHECK(h.Run({"getrange", "a", "-1", "-5"}) == Bulk(""));
  CHECK(h.Run({"getrange", "a", "0", "-100"}) == Bulk("h"));
  CHECK(h.Run({"getrange", "a", "-100", "-100"}) == Bulk("h"));
  CHECK(h.Run({"getrange", "a", "0", "100"}) == Bulk("hello world"));
  CHECK(h.Run({"getrange", "a", "0", "-1"}) == Bulk("hello world"));
  CHECK(h.Run({"getrange", "a", "10", "10"}) == Bulk("d"));
  CHECK(h.Run({"getrange", "a", "11", "20"}) == Bulk(""));
  CHECK(h.Run({"getrange", "a", "9223372036854775807", "9223372036854775807"}) == Bulk(""));
  CHECK(h.Run({"getrange", "a", "-9223372036854775808", "-1"}) == Bulk("hello world"));
  CHECK(h.Run({"getrange", "missing", "0", "-1"}) == Bulk(""));
  CHECK(h.Run({"getrange", "a", "x", "1"}) == kNotInt);
  CHECK(h.Run({"getrange", "a", "1", "y"}) == kNotInt);
  CHECK(h.Run({"getrange", "missing", "1", "y"}) == kNotInt);
  CHECK(h.Run({"set", "e", ""}) == kOk);
  CHECK(h.Run({"getrange", "e", "0", "-1"}) == Bulk(""));
  CHECK(h.Run({"substr", "a", "0", "2"}) == Bulk("hel"));
  CHECK(h.Run({"substr", "a", "-3", "-1"}) == Bulk("rld"));
  CHECK(h.Run({"substr", "a", "0"}) == Err("ERR wrong number of arguments for 'substr' command"));
}

TEST_CASE("SETRANGE", "[strings]") {
  CommandHarness h;
  CHECK(h.Run({"setrange", "r", "5", "hi"}) == Int(7));
  CHECK(h.Run({"get", "r"}) == Bulk(std::string("\0\0\0\0\0hi", 7)));
  CHECK(h.Run({"set", "a", "hello world"}) == kOk);
  CHECK(h.Run({"setrange", "a", "6", "redis"}) == Int(11));
  CHECK(h.Run({"get", "a"}) == Bulk("hello redis"));
  CHECK(h.Run({"setrange", "a", "10", "XYZ"}) == Int(13));
  CHECK(h.Run({"get", "a"}) == Bulk("hello rediXYZ"));
  // An empty value creates nothing and reports the current length.
  CHECK(h.Run({"setrange", "none", "0", ""}) == Int(0));
  CHECK(h.Run({"setrange", "none", "100", ""}) == Int(0));
  CHECK(h.Run({"exists", "none"}) == Int(0));
  CHECK(h.Run({"setrange", "a", "100", ""}) == Int(13));

  CHECK(h.Run({"setrange", "a", "-1", "x"}) == Err("ERR offset is out of range"));
  CHECK(h.Run({"setrange", "a", "abc", "x"}) == kNotInt);
  CHECK(h.Run({"setrange", "a", "-1", ""}) == Err("ERR offset is out of range"));
  const std::string too_big = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  CHECK(h.Run({"setrange", "big", "536870912", "x"}) == too_big);
  CHECK(h.Run({"setrange", "a", "9223372036854775807", "x"}) == too_big);
  CHECK(h.Run({"exists", "big"}) == Int(0));
  CHECK(h.Run({"get", "a"}) == Bulk("hello rediXYZ"));
}

}  // namespace
}  // namespace redrock::server
