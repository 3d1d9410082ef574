// ReplyWriter output, byte for byte. The double and HELLO 3 encodings were checked against a real
// redis-server 7.0.15 (ZSCORE over RESP2 and RESP3).
#include "protocol/reply_writer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

using redrock::protocol::ReplyWriter;

namespace {

template <typename F>
std::string Write(int resp, F&& f) {
  std::string out;
  ReplyWriter w(&out, resp);
  f(w);
  return out;
}

}  // namespace

TEST_CASE("writer: types that are the same in RESP2 and RESP3") {
  for (int resp : {2, 3}) {
    INFO("resp " << resp);
    CHECK(Write(resp, [](ReplyWriter& w) { w.Ok(); }) == "+OK\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Simple("PONG"); }) == "+PONG\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Error("ERR unknown command"); }) == "-ERR unknown command\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Error("ERR a\r\nb\rc\nd"); }) == "-ERR a  b c d\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Error("WRONGTYPE x"); }) == "-WRONGTYPE x\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Integer(0); }) == ":0\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Integer(7); }) == ":7\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Integer(-1); }) == ":-1\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Integer(1234567890123); }) == ":1234567890123\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Integer(INT64_MAX); }) == ":9223372036854775807\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Integer(INT64_MIN); }) == ":-9223372036854775808\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Bulk("hello"); }) == "$5\r\nhello\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Bulk(""); }) == "$0\r\n\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Bulk(std::string("a\0\r\nb", 5)); }) ==
          std::string("$5\r\na\0\r\nb\r\n", 11));
    CHECK(Write(resp, [](ReplyWriter& w) { w.ArrayHeader(0); }) == "*0\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.ArrayHeader(12); }) == "*12\r\n");
    CHECK(Write(resp, [](ReplyWriter& w) { w.Raw("+raw\r\n"); }) == "+raw\r\n");
  }
}

TEST_CASE("writer: RESP2 degrades the RESP3 types as Redis does") {
  CHECK(Write(2, [](ReplyWriter& w) { w.Null(); }) == "$-1\r\n");
  CHECK(Write(2, [](ReplyWriter& w) { w.NullArray(); }) == "*-1\r\n");
  CHECK(Write(2, [](ReplyWriter& w) { w.MapHeader(3); }) == "*6\r\n");
  CHECK(Write(2, [](ReplyWriter& w) { w.SetHeader(3); }) == "*3\r\n");
  CHECK(Write(2, [](ReplyWriter& w) { w.PushHeader(3); }) == "*3\r\n");
  CHECK(Write(2, [](ReplyWriter& w) { w.Bool(true); }) == ":1\r\n");
  CHECK(Write(2, [](ReplyWriter& w) { w.Bool(false); }) == ":0\r\n");
  CHECK(Write(2, [](ReplyWriter& w) { w.Verbatim("a\r\nb"); }) == "$4\r\na\r\nb\r\n");
}

TEST_CASE("writer: RESP3 types") {
  CHECK(Write(3, [](ReplyWriter& w) { w.Null(); }) == "_\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.NullArray(); }) == "_\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.MapHeader(3); }) == "%3\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.SetHeader(3); }) == "~3\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.PushHeader(3); }) == ">3\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.Bool(true); }) == "#t\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.Bool(false); }) == "#f\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.Verbatim("a\r\nb"); }) == "=8\r\ntxt:a\r\nb\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.Verbatim("x", "mkd"); }) == "=5\r\nmkd:x\r\n");
  CHECK(Write(3, [](ReplyWriter& w) { w.Verbatim("", "ab"); }) == "=4\r\nab :\r\n");
}

TEST_CASE("writer: doubles as Redis 7.0.15 sends them") {
  struct Case {
    double value;
    const char* text;
  };
  // Each value was stored with ZADD and read back with ZSCORE from redis-server 7.0.15.
  const Case cases[] = {
      {1.1, "1.1000000000000001"},
      {3, "3"},
      {0.1, "0.10000000000000001"},
      {1e300, "1.0000000000000001e+300"},
      {1e-300, "1e-300"},
      {-0.0, "-0"},
      {0, "0"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {2.5e-5, "2.5000000000000001e-05"},
      {1.6000000000000001, "1.6000000000000001"},
      {-2.5, "-2.5"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    std::string text = c.text;
    CHECK(Write(2, [&](ReplyWriter& w) { w.Double(c.value); }) ==
          "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n");
    CHECK(Write(3, [&](ReplyWriter& w) { w.Double(c.value); }) == "," + text + "\r\n");
  }
}

TEST_CASE("writer: appends to the buffer and switches protocol") {
  std::string out = "prefix";
  ReplyWriter w(&out);
  CHECK(w.resp() == 2);
  w.ArrayHeader(2);
  w.Bulk("a");
  w.Null();
  w.set_resp(3);
  CHECK(w.resp() == 3);
  w.MapHeader(1);
  w.Bulk("k");
  w.Double(1.5);
  CHECK(w.buffer() == &out);
  CHECK(out == "prefix*2\r\n$1\r\na\r\n$-1\r\n%1\r\n$1\r\nk\r\n,1.5\r\n");
}
