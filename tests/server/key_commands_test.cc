// The key family (DEL ... OBJECT, the EXPIRE/TTL commands, KEYS and SCAN) through the whole command
// pipeline, comparing exact RESP bytes with what Redis 7.0.15 sends. Expiry runs on the ManualClock.
// Not covered here: keys of collection types (TYPE hash, OBJECT ENCODING listpack...), which need
// collection commands these tests do not have.

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/key_commands.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

const std::string kSameObject = "-ERR source and destination objects are the same\r\n";
const std::string kDbRange = "-ERR DB index is out of range\r\n";
const std::string kNotInt32 = "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n";

// Splits a SCAN reply into its cursor and keys (the reply format itself is checked elsewhere).
struct ScanReply {
  std::string cursor;
  std::vector<std::string> keys;
};
ScanReply ParseScanReply(const std::string& reply) {
  ScanReply out;
  size_t pos = 0;
  auto line = [&]() {
    const size_t end = reply.find("\r\n", pos);
    std::string text = reply.substr(pos, end - pos);
    pos = end + 2;
    return text;
  };
  auto bulk = [&]() {
    const std::string header = line();
    REQUIRE(header[0] == '$');
    const size_t len = std::stoul(header.substr(1));
    std::string value = reply.substr(pos, len);
    pos += len + 2;
    return value;
  };
  REQUIRE(line() == "*2");
  out.cursor = bulk();
  const std::string header = line();
  REQUIRE(header[0] == '*');
  const size_t n = std::stoul(header.substr(1));
  for (size_t i = 0; i < n; ++i) out.keys.push_back(bulk());
  REQUIRE(pos == reply.size());
  return out;
}

// Runs a full SCAN iteration with the given options and returns every key seen.
std::multiset<std::string> ScanAll(CommandHarness& h, const std::vector<std::string>& options) {
  std::multiset<std::string> keys;
  std::string cursor = "0";
  for (int rounds = 0; rounds < 1000; ++rounds) {
    std::vector<std::string> argv{"scan", cursor};
    argv.insert(argv.end(), options.begin(), options.end());
    ScanReply reply = ParseScanReply(h.Run(argv));
    keys.insert(reply.keys.begin(), reply.keys.end());
    cursor = reply.cursor;
    if (cursor == "0") return keys;
  }
  FAIL("SCAN did not finish");
  return keys;
}

TEST_CASE("DEL, UNLINK, EXISTS, TOUCH, TYPE", "[keys]") {
  CommandHarness h;
  CHECK(h.Run({"mset", "a", "1", "b", "2", "c", "3"}) == kOk);
  CHECK(h.Run({"exists", "a", "b", "b", "missing"}) == Int(3));  // repeats count twice
  CHECK(h.Run({"touch", "a", "a", "missing"}) == Int(2));
  CHECK(h.Run({"type", "a"}) == "+string\r\n");
  CHECK(h.Run({"type", "missing"}) == "+none\r\n");
  CHECK(h.Run({"del", "a", "b", "a", "missing"}) == Int(2));  // repeats count once
  CHECK(h.Run({"exists", "a", "b"}) == Int(0));
  CHECK(h.Run({"unlink", "c", "missing"}) == Int(1));
  CHECK(h.Run({"unlink", "c"}) == Int(0));
  CHECK(h.Run({"del"}) == Err("ERR wrong number of arguments for 'del' command"));
  CHECK(h.Run({"exists"}) == Err("ERR wrong number of arguments for 'exists' command"));

  // Expired keys are gone for every one of them.
  CHECK(h.Run({"set", "t", "v", "PX", "100"}) == kOk);
  h.clock().AdvanceMs(101);
  CHECK(h.Run({"exists", "t"}) == Int(0));
  CHECK(h.Run({"type", "t"}) == "+none\r\n");
  CHECK(h.Run({"del", "t"}) == Int(0));
}

TEST_CASE("EXPIRE family, TTL family and PERSIST", "[keys][ttl]") {
  CommandHarness h;
  const int64_t now = h.engine().NowMs();
  CHECK(h.Run({"expire", "missing", "10"}) == Int(0));
  CHECK(h.Run({"ttl", "missing"}) == Int(-2));
  CHECK(h.Run({"pttl", "missing"}) == Int(-2));
  CHECK(h.Run({"expiretime", "missing"}) == Int(-2));
  CHECK(h.Run({"pexpiretime", "missing"}) == Int(-2));
  CHECK(h.Run({"persist", "missing"}) == Int(0));

  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"ttl", "k"}) == Int(-1));
  CHECK(h.Run({"pttl", "k"}) == Int(-1));
  CHECK(h.Run({"expiretime", "k"}) == Int(-1));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(-1));
  CHECK(h.Run({"persist", "k"}) == Int(0));

  CHECK(h.Run({"expire", "k", "100"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(100));
  CHECK(h.Run({"pttl", "k"}) == Int(100000));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(now + 100000));
  CHECK(h.Run({"expiretime", "k"}) == Int((now + 100000 + 500) / 1000));
  h.clock().AdvanceMs(40000);
  CHECK(h.Run({"ttl", "k"}) == Int(60));
  CHECK(h.Run({"persist", "k"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(-1));

  // TTL rounds to the nearest second.
  CHECK(h.Run({"pexpire", "k", "1500"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(2));
  CHECK(h.Run({"pexpire", "k", "1499"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(1));
  CHECK(h.Run({"pexpire", "k", "499"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(0));
  CHECK(h.Run({"pttl", "k"}) == Int(499));
  h.clock().AdvanceMs(500);
  CHECK(h.Run({"exists", "k"}) == Int(0));
  CHECK(h.Run({"ttl", "k"}) == Int(-2));

  // Absolute times.
  const int64_t t = h.engine().NowMs();
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"expireat", "k", std::to_string(t / 1000 + 50)}) == Int(1));
  CHECK(h.Run({"expiretime", "k"}) == Int(t / 1000 + 50));
  CHECK(h.Run({"pexpiretime", "k"}) == Int((t / 1000 + 50) * 1000));
  CHECK(h.Run({"pexpireat", "k", std::to_string(t + 1234)}) == Int(1));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(t + 1234));
  CHECK(h.Run({"pttl", "k"}) == Int(1234));
  CHECK(h.Run({"expireat", "k", "9223372036854775"}) == Int(1));
  CHECK(h.Run({"expiretime", "k"}) == Int(9223372036854775));
  // The largest time Redis accepts; EXPIRETIME rounds it without overflowing.
  CHECK(h.Run({"pexpireat", "k", "9223372036854775807"}) == Int(1));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(INT64_MAX));
  CHECK(h.Run({"expiretime", "k"}) == Int(9223372036854776));
  CHECK(h.Run({"pttl", "k"}) == Int(INT64_MAX - h.engine().NowMs()));

  // A time at or before now deletes the key (and still answers 1).
  CHECK(h.Run({"expire", "k", "-1"}) == Int(1));
  CHECK(h.Run({"exists", "k"}) == Int(0));
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"expire", "k", "0"}) == Int(1));
  CHECK(h.Run({"exists", "k"}) == Int(0));
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"pexpireat", "k", "1"}) == Int(1));
  CHECK(h.Run({"exists", "k"}) == Int(0));
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"expire", "k", "-9223372036854775"}) == Int(1));
  CHECK(h.Run({"exists", "k"}) == Int(0));
}

TEST_CASE("EXPIRE errors", "[keys][ttl]") {
  CommandHarness h;
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"expire", "k", "9223372036854775807"}) == InvalidExpire("expire"));
  CHECK(h.Run({"expire", "k", "9223372036854775"}) == InvalidExpire("expire"));  // + now overflows
  CHECK(h.Run({"expire", "k", "-9223372036854776"}) == InvalidExpire("expire"));
  CHECK(h.Run({"expire", "k", "-9223372036854775808"}) == InvalidExpire("expire"));
  CHECK(h.Run({"pexpire", "k", "9223372036854775807"}) == InvalidExpire("pexpire"));
  CHECK(h.Run({"expireat", "k", "9223372036854775807"}) == InvalidExpire("expireat"));
  CHECK(h.Run({"expireat", "k", "9223372036854776"}) == InvalidExpire("expireat"));
  CHECK(h.Run({"EXPIRE", "k", "abc"}) == kNotInt);
  CHECK(h.Run({"pexpireat", "k", "1.5"}) == kNotInt);
  CHECK(h.Run({"expire", "missing", "abc"}) == kNotInt);

  const std::string conflict = Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  CHECK(h.Run({"expire", "k", "10", "NX", "XX"}) == conflict);
  CHECK(h.Run({"expire", "k", "10", "nx", "gt"}) == conflict);
  CHECK(h.Run({"expire", "k", "10", "LT", "NX"}) == conflict);
  CHECK(h.Run({"expire", "k", "10", "GT", "LT"}) == Err("ERR GT and LT options at the same time are not compatible"));
  CHECK(h.Run({"expire", "k", "10", "Foo"}) == Err("ERR Unsupported option Foo"));
  CHECK(h.Run({"pexpire", "k", "10", "NX", "bar"}) == Err("ERR Unsupported option bar"));
  // Options are checked before the time.
  CHECK(h.Run({"expire", "k", "abc", "FOO"}) == Err("ERR Unsupported option FOO"));
  CHECK(h.Run({"expire", "k", "abc", "NX", "XX"}) == conflict);
  CHECK(h.Run({"expire", "k"}) == Err("ERR wrong number of arguments for 'expire' command"));
  CHECK(h.Run({"ttl", "k", "x"}) == Err("ERR wrong number of arguments for 'ttl' command"));
  CHECK(h.Run({"ttl", "k"}) == Int(-1));
}

TEST_CASE("EXPIRE NX, XX, GT, LT", "[keys][ttl]") {
  CommandHarness h;
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  // No expiry: XX and GT fail, LT succeeds (no expiry counts as infinite).
  CHECK(h.Run({"expire", "k", "10", "XX"}) == Int(0));
  CHECK(h.Run({"expire", "k", "10", "GT"}) == Int(0));
  CHECK(h.Run({"expire", "k", "10", "XX", "LT"}) == Int(0));
  CHECK(h.Run({"ttl", "k"}) == Int(-1));
  CHECK(h.Run({"expire", "k", "10", "LT"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(10));
  // With an expiry.
  CHECK(h.Run({"expire", "k", "100", "NX"}) == Int(0));
  CHECK(h.Run({"expire", "k", "100", "xx"}) == Int(1));
  CHECK(h.Run({"expire", "k", "5", "GT"}) == Int(0));
  CHECK(h.Run({"expire", "k", "100", "GT"}) == Int(0));  // equal is not greater
  CHECK(h.Run({"expire", "k", "200", "gt"}) == Int(1));
  CHECK(h.Run({"expire", "k", "300", "LT"}) == Int(0));
  CHECK(h.Run({"expire", "k", "20", "LT", "XX"}) == Int(1));
  CHECK(h.Run({"expire", "k", "30", "XX", "GT"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(30));
  CHECK(h.Run({"expire", "k", "20", "nx", "nx"}) == Int(0));
  CHECK(h.Run({"persist", "k"}) == Int(1));
  CHECK(h.Run({"expire", "k", "20", "nx", "nx"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(20));
  CHECK(h.Run({"expire", "missing", "20", "LT"}) == Int(0));
  CHECK(h.Run({"expire", "missing", "20", "XX", "LT"}) == Int(0));
  // The condition is applied before "already expired": a failed GT does not delete.
  CHECK(h.Run({"expire", "k", "-1", "GT"}) == Int(0));
  CHECK(h.Run({"exists", "k"}) == Int(1));
  CHECK(h.Run({"expire", "k", "-1", "LT"}) == Int(1));
  CHECK(h.Run({"exists", "k"}) == Int(0));
}

TEST_CASE("KEYS with patterns", "[keys]") {
  CommandHarness h;
  CHECK(h.Run({"keys", "*"}) == "*0\r\n");
  CHECK(h.Run({"mset", "user:1", "a", "user:2", "b", "user:10", "c", "hello", "d", "hallo", "e", "a*b", "f"}) == kOk);
  CHECK(h.Run({"keys", "*"}) == Bulks({"a*b", "hallo", "hello", "user:1", "user:10", "user:2"}));
  CHECK(h.Run({"keys", "user:*"}) == Bulks({"user:1", "user:10", "user:2"}));
  CHECK(h.Run({"keys", "user:?"}) == Bulks({"user:1", "user:2"}));
  CHECK(h.Run({"keys", "h[ae]llo"}) == Bulks({"hallo", "hello"}));
  CHECK(h.Run({"keys", "h[^e]llo"}) == Bulks({"hallo"}));
  CHECK(h.Run({"keys", "a\\*b"}) == Bulks({"a*b"}));
  CHECK(h.Run({"keys", "hello"}) == Bulks({"hello"}));
  CHECK(h.Run({"keys", "nothing*"}) == "*0\r\n");
  CHECK(h.Run({"pexpire", "user:10", "10"}) == Int(1));
  h.clock().AdvanceMs(11);
  CHECK(h.Run({"keys", "user:*"}) == Bulks({"user:1", "user:2"}));
  CHECK(h.Run({"keys"}) == Err("ERR wrong number of arguments for 'keys' command"));
}

TEST_CASE("SCAN", "[keys]") {
  CommandHarness h;
  CHECK(h.Run({"scan", "0"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  CHECK(h.Run({"mset", "a1", "1", "a2", "2", "a3", "3", "b1", "4", "b2", "5"}) == kOk);
  // A small keyspace comes back in one step.
  CHECK(h.Run({"scan", "0", "MATCH", "a*"}) == "*2\r\n$1\r\n0\r\n" + Bulks({"a1", "a2", "a3"}));
  CHECK(h.Run({"scan", "0", "match", "*", "count", "100"}) ==
        "*2\r\n$1\r\n0\r\n" + Bulks({"a1", "a2", "a3", "b1", "b2"}));
  CHECK(h.Run({"scan", "0", "TYPE", "string", "MATCH", "b?"}) == "*2\r\n$1\r\n0\r\n" + Bulks({"b1", "b2"}));

  const std::multiset<std::string> all{"a1", "a2", "a3", "b1", "b2"};
  CHECK(ScanAll(h, {}) == all);
  CHECK(ScanAll(h, {"COUNT", "1"}) == all);
  CHECK(ScanAll(h, {"COUNT", "2"}) == all);
  CHECK(ScanAll(h, {"COUNT", "2", "MATCH", "b*"}) == std::multiset<std::string>{"b1", "b2"});
  CHECK(ScanAll(h, {"TYPE", "STRING"}) == all);
  // Redis 7.0 accepts any type name; an unknown one matches nothing.
  CHECK(ScanAll(h, {"TYPE", "foo"}).empty());
  CHECK(ScanAll(h, {"TYPE", "hash"}).empty());
  CHECK(ScanAll(h, {"TYPE", "none"}).empty());
  // Later options override earlier ones.
  CHECK(ScanAll(h, {"MATCH", "a*", "MATCH", "b*"}) == std::multiset<std::string>{"b1", "b2"});
  // Cursors strtoul accepts.
  CHECK(ScanAll(h, {}) == all);
  for (const char* cursor : {"", "+0", "00", "-0"}) {
    CHECK(ParseScanReply(h.Run({"scan", cursor, "COUNT", "100"})).keys.size() == 5);
  }

  CHECK(h.Run({"pexpire", "a2", "5"}) == Int(1));
  h.clock().AdvanceMs(6);
  CHECK(ScanAll(h, {"COUNT", "1"}) == std::multiset<std::string>{"a1", "a3", "b1", "b2"});

  const std::string invalid_cursor = Err("ERR invalid cursor");
  CHECK(h.Run({"scan", "abc"}) == invalid_cursor);
  CHECK(h.Run({"scan", " 0"}) == invalid_cursor);
  CHECK(h.Run({"scan", "0x"}) == invalid_cursor);
  CHECK(h.Run({"scan", "-"}) == invalid_cursor);
  CHECK(h.Run({"scan", "18446744073709551616"}) == invalid_cursor);
  CHECK(h.Run({"scan", "abc", "COUNT", "0"}) == invalid_cursor);
  CHECK(h.Run({"scan", "0", "COUNT", "0"}) == kSyntax);
  CHECK(h.Run({"scan", "0", "COUNT", "-1"}) == kSyntax);
  CHECK(h.Run({"scan", "0", "COUNT", "abc"}) == kNotInt);
  CHECK(h.Run({"scan", "0", "COUNT", "9223372036854775808"}) == kNotInt);
  CHECK(h.Run({"scan", "0", "COUNT"}) == kSyntax);
  CHECK(h.Run({"scan", "0", "MATCH"}) == kSyntax);
  CHECK(h.Run({"scan", "0", "TYPE"}) == kSyntax);
  CHECK(h.Run({"scan", "0", "FOO", "bar"}) == kSyntax);
  CHECK(h.Run({"scan", "0", "COUNT", "0", "MATCH"}) == kSyntax);
  CHECK(h.Run({"scan"}) == Err("ERR wrong number of arguments for 'scan' command"));
}

TEST_CASE("ParseScanCursor follows strtoul", "[keys]") {
  uint64_t c = 7;
  CHECK(ParseScanCursor("0", &c));
  CHECK(c == 0);
  CHECK(ParseScanCursor("", &c));
  CHECK(c == 0);
  CHECK(ParseScanCursor("123", &c));
  CHECK(c == 123);
  CHECK(ParseScanCursor("+42", &c));
  CHECK(c == 42);
  CHECK(ParseScanCursor("-1", &c));
  CHECK(c == UINT64_MAX);
  CHECK(ParseScanCursor("18446744073709551615", &c));
  CHECK(c == UINT64_MAX);
  CHECK_FALSE(ParseScanCursor("18446744073709551616", &c));
  CHECK_FALSE(ParseScanCursor("+", &c));
  CHECK_FALSE(ParseScanCursor(" 1", &c));
  CHECK_FALSE(ParseScanCursor("1 ", &c));
  CHECK_FALSE(ParseScanCursor("1a", &c));
  CHECK_FALSE(ParseScanCursor("--1", &c));
  // A C string to Redis: the cursor ends at the first NUL.
  CHECK(ParseScanCursor(std::string_view("12\0junk", 7), &c));
  CHECK(c == 12);
  CHECK(ParseScanCursor(std::string_view("\0x", 2), &c));
  CHECK(c == 0);
  CHECK_FALSE(ParseScanCursor(std::string_view("x\0" "1", 3), &c));
  CHECK_FALSE(ParseScanCursor(std::string_view("+\0" "1", 3), &c));
}

TEST_CASE("RENAME and RENAMENX", "[keys][ttl]") {
  CommandHarness h;
  const std::string no_such_key = Err("ERR no such key");
  CHECK(h.Run({"rename", "a", "b"}) == no_such_key);
  CHECK(h.Run({"rename", "a", "a"}) == no_such_key);
  CHECK(h.Run({"renamenx", "a", "b"}) == no_such_key);
  CHECK(h.Run({"renamenx", "a", "a"}) == no_such_key);

  CHECK(h.Run({"set", "a", "1"}) == kOk);
  CHECK(h.Run({"rename", "a", "a"}) == kOk);
  CHECK(h.Run({"renamenx", "a", "a"}) == Int(0));
  CHECK(h.Run({"expire", "a", "100"}) == Int(1));
  CHECK(h.Run({"rename", "a", "b"}) == kOk);
  CHECK(h.Run({"exists", "a"}) == Int(0));
  CHECK(h.Run({"get", "b"}) == Bulk("1"));
  CHECK(h.Run({"ttl", "b"}) == Int(100));  // the expiry moves with the key

  CHECK(h.Run({"set", "c", "3"}) == kOk);
  CHECK(h.Run({"renamenx", "b", "c"}) == Int(0));
  CHECK(h.Run({"get", "c"}) == Bulk("3"));
  CHECK(h.Run({"renamenx", "b", "d"}) == Int(1));
  CHECK(h.Run({"get", "d"}) == Bulk("1"));
  CHECK(h.Run({"rename", "d", "c"}) == kOk);  // overwrites
  CHECK(h.Run({"get", "c"}) == Bulk("1"));
  CHECK(h.Run({"ttl", "c"}) == Int(100));
  h.clock().AdvanceMs(100001);
  CHECK(h.Run({"rename", "c", "e"}) == no_such_key);
}

TEST_CASE("RANDOMKEY", "[keys]") {
  CommandHarness h;
  CHECK(h.Run({"randomkey"}) == kNil);
  CHECK(h.Run({"set", "only", "v"}) == kOk);
  CHECK(h.Run({"randomkey"}) == Bulk("only"));
  CHECK(h.Run({"set", "other", "v"}) == kOk);
  const std::string reply = h.Run({"randomkey"});
  CHECK((reply == Bulk("only") || reply == Bulk("other")));
  CHECK(h.Run({"randomkey", "x"}) == Err("ERR wrong number of arguments for 'randomkey' command"));
}

TEST_CASE("COPY", "[keys][ttl]") {
  CommandHarness h;
  CHECK(h.Run({"copy", "missing", "missing"}) == kSameObject);  // checked before existence
  CHECK(h.Run({"copy", "missing", "x"}) == Int(0));
  CHECK(h.Run({"set", "d", "1", "EX", "100"}) == kOk);
  CHECK(h.Run({"copy", "d", "d"}) == kSameObject);
  CHECK(h.Run({"copy", "d", "d", "db", "0"}) == kSameObject);
  CHECK(h.Run({"copy", "d", "e"}) == Int(1));
  CHECK(h.Run({"get", "e"}) == Bulk("1"));
  CHECK(h.Run({"ttl", "e"}) == Int(100));  // the expiry is copied
  CHECK(h.Run({"set", "d", "2"}) == kOk);
  CHECK(h.Run({"copy", "d", "e"}) == Int(0));
  CHECK(h.Run({"get", "e"}) == Bulk("1"));
  CHECK(h.Run({"copy", "d", "e", "REPLACE"}) == Int(1));
  CHECK(h.Run({"get", "e"}) == Bulk("2"));
  CHECK(h.Run({"ttl", "e"}) == Int(-1));

  CHECK(h.Run({"copy", "d", "d", "DB", "1"}) == Int(1));
  CHECK(h.Run({"copy", "d", "d", "db", "1"}) == Int(0));
  CHECK(h.Run({"copy", "d", "d", "replace", "db", "1"}) == Int(1));
  CHECK(h.engine().Get(1, "d").value() == "2");

  CHECK(h.Run({"copy", "d", "e", "db", "16"}) == kDbRange);
  CHECK(h.Run({"copy", "d", "e", "db", "-1"}) == kDbRange);
  CHECK(h.Run({"copy", "d", "e", "db", "abc"}) == kNotInt);
  CHECK(h.Run({"copy", "d", "e", "db", "4294967296"}) == kNotInt32);
  CHECK(h.Run({"copy", "d", "e", "db"}) == kSyntax);
  CHECK(h.Run({"copy", "d", "e", "foo"}) == kSyntax);
  CHECK(h.Run({"copy", "d", "e", "db", "99", "foo"}) == kDbRange);  // options are checked in order
  CHECK(h.Run({"copy", "d", "e", "foo", "db", "99"}) == kSyntax);
  CHECK(h.Run({"copy", "d"}) == Err("ERR wrong number of arguments for 'copy' command"));

  // From another selected database.
  h.client().db.store(3);
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"copy", "k", "k", "db", "0"}) == Int(1));
  CHECK(h.Run({"copy", "k", "k", "db", "3"}) == kSameObject);
  h.client().db.store(0);
  CHECK(h.Run({"get", "k"}) == Bulk("v"));
}

TEST_CASE("MOVE", "[keys][ttl]") {
  CommandHarness h;
  CHECK(h.Run({"set", "d", "1", "PX", "5000"}) == kOk);
  CHECK(h.Run({"move", "d", "0"}) == kSameObject);
  CHECK(h.Run({"move", "missing", "0"}) == kSameObject);
  CHECK(h.Run({"move", "d", "16"}) == kDbRange);
  CHECK(h.Run({"move", "d", "-1"}) == kDbRange);
  CHECK(h.Run({"move", "missing", "99"}) == kDbRange);
  CHECK(h.Run({"move", "d", "abc"}) == kNotInt);
  CHECK(h.Run({"move", "d", "4294967296"}) == kNotInt32);
  CHECK(h.Run({"move", "missing", "2"}) == Int(0));

  CHECK(h.Run({"move", "d", "1"}) == Int(1));
  CHECK(h.Run({"exists", "d"}) == Int(0));
  CHECK(h.engine().Get(1, "d").value() == "1");
  CHECK(h.engine().PTtl(1, "d").value() == 5000);  // the expiry moves too

  CHECK(h.Run({"set", "d", "2"}) == kOk);
  CHECK(h.Run({"move", "d", "1"}) == Int(0));  // exists in the target
  CHECK(h.Run({"get", "d"}) == Bulk("2"));
  CHECK(h.engine().Get(1, "d").value() == "1");
}

TEST_CASE("OBJECT", "[keys]") {
  CommandHarness h;
  auto encoding = [&](std::string_view value) {
    REQUIRE(h.Run(std::vector<std::string>{"set", "k", std::string(value)}) == kOk);
    return h.Run({"object", "encoding", "k"});
  };
  CHECK(encoding("12345") == Bulk("int"));
  CHECK(encoding("-1") == Bulk("int"));
  CHECK(encoding("-9223372036854775808") == Bulk("int"));
  CHECK(encoding("12345678901234567890") == Bulk("embstr"));  // does not fit
  CHECK(encoding("01") == Bulk("embstr"));                    // not a strict integer
  CHECK(encoding("") == Bulk("embstr"));
  CHECK(encoding(std::string(44, 'a')) == Bulk("embstr"));
  CHECK(encoding(std::string(45, 'a')) == Bulk("raw"));
  CHECK(h.Run({"OBJECT", "ENCODING", "missing"}) == kNil);

  CHECK(h.Run({"set", "k", "3"}) == kOk);
  CHECK(h.Run({"object", "refcount", "k"}) == Int(2147483647));  // a shared integer
  CHECK(h.Run({"set", "k", "9999"}) == kOk);
  CHECK(h.Run({"object", "refcount", "k"}) == Int(2147483647));
  CHECK(h.Run({"set", "k", "10000"}) == kOk);
  CHECK(h.Run({"object", "refcount", "k"}) == Int(1));
  CHECK(h.Run({"set", "k", "-1"}) == kOk);
  CHECK(h.Run({"object", "refcount", "k"}) == Int(1));
  CHECK(h.Run({"set", "k", "abc"}) == kOk);
  CHECK(h.Run({"object", "refcount", "k"}) == Int(1));
  CHECK(h.Run({"object", "refcount", "missing"}) == kNil);

  CHECK(h.Run({"object", "idletime", "k"}) == Int(0));
  CHECK(h.Run({"object", "idletime", "missing"}) == kNil);
  CHECK(h.Run({"object", "freq", "missing"}) == kNil);
  CHECK(h.Run({"object", "freq", "k"}) ==
        Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
            "switching between policies at runtime LRU and LFU data will take some time to adjust."));

  CHECK(h.Run({"object", "help"}) ==
        "*15\r\n"
        "+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
        "+ENCODING <key>\r\n"
        "+    Return the kind of internal representation used in order to store the value\r\n"
        "+    associated with a <key>.\r\n"
        "+FREQ <key>\r\n"
        "+    Return the access frequency index of the <key>. The returned integer is\r\n"
        "+    proportional to the logarithm of the recent access frequency of the key.\r\n"
        "+IDLETIME <key>\r\n"
        "+    Return the idle time of the <key>, that is the approximated number of\r\n"
        "+    seconds elapsed since the last access to the key.\r\n"
        "+REFCOUNT <key>\r\n"
        "+    Return the number of references of the value associated with the specified\r\n"
        "+    <key>.\r\n"
        "+HELP\r\n"
        "+    Prints this help.\r\n");

  CHECK(h.Run({"object", "foo"}) == Err("ERR unknown subcommand 'foo'. Try OBJECT HELP."));
  CHECK(h.Run({"object"}) == Err("ERR wrong number of arguments for 'object' command"));
  CHECK(h.Run({"object", "encoding"}) == Err("ERR wrong number of arguments for 'object|encoding' command"));
  CHECK(h.Run({"object", "encoding", "a", "b"}) == Err("ERR wrong number of arguments for 'object|encoding' command"));
  CHECK(h.Run({"object", "help", "x"}) == Err("ERR wrong number of arguments for 'object|help' command"));
}

}  // namespace
}  // namespace redrock::server
