// The cmsgpack and struct libraries scripts get, in process. The byte-for-byte comparison with Redis 7.0.15
// over every encoding boundary is tests/diff/script_lua_libs.txt; this file pins the main encodings from
// the MessagePack format itself, the error texts, the sandbox's protection of both tables in both VMs, and
// feeds random input to every decoder (which must answer, never crash or hang).

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/sha1.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;

std::string Eval(CommandHarness& h, const std::string& script, std::vector<std::string> rest = {"0"}) {
  std::vector<std::string> argv = {"eval", script};
  argv.insert(argv.end(), rest.begin(), rest.end());
  return h.Run(argv);
}

std::string At(const std::string& script) { return " script: " + common::Sha1Hex(script) + ", on @user_script:1."; }

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST_CASE("cmsgpack.pack picks the smallest integer form", "[scripting][cmsgpack]") {
  CommandHarness h;
  auto pack = [&](const std::string& expr) { return Eval(h, "return cmsgpack.pack(" + expr + ")"); };
  CHECK(pack("0") == Bulk(Bytes({0x00})));
  CHECK(pack("127") == Bulk(Bytes({0x7f})));
  CHECK(pack("128") == Bulk(Bytes({0xcc, 0x80})));
  CHECK(pack("255") == Bulk(Bytes({0xcc, 0xff})));
  CHECK(pack("256") == Bulk(Bytes({0xcd, 0x01, 0x00})));
  CHECK(pack("65535") == Bulk(Bytes({0xcd, 0xff, 0xff})));
  CHECK(pack("65536") == Bulk(Bytes({0xce, 0x00, 0x01, 0x00, 0x00})));
  CHECK(pack("2^32 - 1") == Bulk(Bytes({0xce, 0xff, 0xff, 0xff, 0xff})));
  CHECK(pack("2^32") == Bulk(Bytes({0xcf, 0, 0, 0, 1, 0, 0, 0, 0})));
  CHECK(pack("-1") == Bulk(Bytes({0xff})));
  CHECK(pack("-32") == Bulk(Bytes({0xe0})));
  CHECK(pack("-33") == Bulk(Bytes({0xd0, 0xdf})));
  CHECK(pack("-128") == Bulk(Bytes({0xd0, 0x80})));
  CHECK(pack("-129") == Bulk(Bytes({0xd1, 0xff, 0x7f})));
  CHECK(pack("-32769") == Bulk(Bytes({0xd2, 0xff, 0xff, 0x7f, 0xff})));
  CHECK(pack("-2^31 - 1") == Bulk(Bytes({0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff})));
  CHECK(pack("-2^63") == Bulk(Bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})));
  CHECK(pack("-1099511627776") == Bulk(Bytes({0xd3, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0})));
  CHECK(pack("-0.0") == Bulk(Bytes({0x00})));
}

TEST_CASE("cmsgpack.pack: float when the value survives float, else double", "[scripting][cmsgpack]") {
  CommandHarness h;
  auto pack = [&](const std::string& expr) { return Eval(h, "return cmsgpack.pack(" + expr + ")"); };
  CHECK(pack("1.5") == Bulk(Bytes({0xca, 0x3f, 0xc0, 0x00, 0x00})));
  CHECK(pack("0.1") == Bulk(Bytes({0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a})));
  CHECK(pack("2^63") == Bulk(Bytes({0xca, 0x5f, 0x00, 0x00, 0x00})));  // no longer an int64
  CHECK(pack("math.huge") == Bulk(Bytes({0xca, 0x7f, 0x80, 0x00, 0x00})));
  CHECK(pack("1e300") == Bulk(Bytes({0xcb, 0x7e, 0x37, 0xe4, 0x3c, 0x88, 0x00, 0x75, 0x9c})));
  CHECK(pack("1e39") == Bulk(Bytes({0xcb, 0x48, 0x07, 0x82, 0x87, 0xf4, 0x9c, 0x4a, 0x1d})));  // beyond float
  CHECK(pack("0/0").substr(0, 5) == "$9\r\n\xcb");
}

TEST_CASE("cmsgpack.pack: strings, arrays, maps, nesting", "[scripting][cmsgpack]") {
  CommandHarness h;
  auto head = [&](const std::string& expr, size_t n) {
    return Eval(h, "return cmsgpack.pack(" + expr + "):sub(1, " + std::to_string(n) + ")");
  };
  CHECK(head("''", 5) == Bulk(Bytes({0xa0})));
  CHECK(head("string.rep('x', 31)", 1) == Bulk(Bytes({0xbf})));
  CHECK(head("string.rep('x', 32)", 2) == Bulk(Bytes({0xd9, 32})));
  CHECK(head("string.rep('x', 255)", 2) == Bulk(Bytes({0xd9, 0xff})));
  CHECK(head("string.rep('x', 256)", 3) == Bulk(Bytes({0xda, 0x01, 0x00})));
  CHECK(head("string.rep('x', 65535)", 3) == Bulk(Bytes({0xda, 0xff, 0xff})));
  CHECK(head("string.rep('x', 65536)", 5) == Bulk(Bytes({0xdb, 0x00, 0x01, 0x00, 0x00})));
  CHECK(Eval(h, "return cmsgpack.pack(nil, true, false, function() end)") == Bulk(Bytes({0xc0, 0xc3, 0xc2, 0xc0})));
  CHECK(Eval(h, "return cmsgpack.pack({})") == Bulk(Bytes({0x90})));
  CHECK(Eval(h, "return cmsgpack.pack({1, 'a'})") == Bulk(Bytes({0x92, 0x01, 0xa1, 'a'})));
  CHECK(Eval(h, "local t = {} for i = 1, 16 do t[i] = 0 end return cmsgpack.pack(t):sub(1, 3)") ==
        Bulk(Bytes({0xdc, 0x00, 0x10})));
  CHECK(Eval(h, "local t = {} for i = 1, 65536 do t[i] = 0 end return cmsgpack.pack(t):sub(1, 5)") ==
        Bulk(Bytes({0xdd, 0x00, 0x01, 0x00, 0x00})));
  CHECK(Eval(h, "return cmsgpack.pack({a = 1})") == Bulk(Bytes({0x81, 0xa1, 'a', 0x01})));
  CHECK(Eval(h, "return cmsgpack.pack({[2] = 5})") == Bulk(Bytes({0x81, 0x02, 0x05})));  // a hole: a map
  CHECK(Eval(h, "return cmsgpack.pack({[0] = 5})") == Bulk(Bytes({0x81, 0x00, 0x05})));
  CHECK(Eval(h, "local t = {} for i = 1, 16 do t['k' .. i] = 0 end return cmsgpack.pack(t):sub(1, 3)") ==
        Bulk(Bytes({0xde, 0x00, 0x10})));
  // Tables 16 deep are nil; a table containing itself is cut there.
  std::string sixteen(16, static_cast<char>(0x91));
  CHECK(Eval(h, "local t = {} for i = 1, 15 do t = {t} end return cmsgpack.pack(t)") ==
        Bulk(std::string(15, static_cast<char>(0x91)) + Bytes({0x90})));
  CHECK(Eval(h, "local t = {} for i = 1, 16 do t = {t} end return cmsgpack.pack(t)") == Bulk(sixteen + Bytes({0xc0})));
  CHECK(Eval(h, "local t = {} t[1] = t return cmsgpack.pack(t)") == Bulk(sixteen + Bytes({0xc0})));
  // A library table is packed with what it shows (not as the empty read-only proxy it is).
  CHECK(Eval(h, "return #cmsgpack.pack(cmsgpack) > 100") == Int(1));
}

TEST_CASE("cmsgpack.unpack and its variants", "[scripting][cmsgpack]") {
  CommandHarness h;
  CHECK(Eval(h, "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3}, true))}") ==
        Array({Int(1), Bulk("two"), Array({Int(3)}), Int(1)}));
  CHECK(Eval(h, "return string.format('%.17g', cmsgpack.unpack(cmsgpack.pack(0.1)))") == Bulk("0.10000000000000001"));
  CHECK(Eval(h, "return string.format('%.17g', cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255'))") ==
        Bulk("-1"));  // uint64 wraps to int64
  CHECK(Eval(h, "return {cmsgpack.unpack('')}") == kEmpty);
  CHECK(Eval(h, "return {cmsgpack.unpack_one('\\1\\2')}") == Array({Int(1), Int(1)}));
  CHECK(Eval(h, "return {cmsgpack.unpack_one('\\1\\2', 1)}") == Array({Int(-1), Int(2)}));
  CHECK(Eval(h, "return {cmsgpack.unpack_one('')}") == Array({Int(-1)}));
  CHECK(Eval(h, "return {cmsgpack.unpack_limit('\\1\\2\\3', 2)}") == Array({Int(2), Int(1), Int(2)}));
  CHECK(Eval(h, "return {cmsgpack.unpack_limit('\\1\\2\\3', 0)}") == Array({Int(1), Int(2), Int(3)}));
  CHECK(Eval(h, "return {cmsgpack.unpack_limit('\\1\\2\\3', 0, 1)}") == Array({Int(1)}));
}

TEST_CASE("cmsgpack errors", "[scripting][cmsgpack]") {
  CommandHarness h;
  auto err = [&](const std::string& s, const std::string& text) {
    INFO(s);
    CHECK(Eval(h, s) == Err("ERR user_script:1: " + text + At(s)));
  };
  err("return cmsgpack.pack()", "bad argument #0 to 'pack' (MessagePack pack needs input.)");
  err("local t = {} for i = 1, 4001 do t[i] = i end return cmsgpack.pack(unpack(t))",
      "bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)");
  err("return cmsgpack.unpack('\\193')", "Bad data format in input.");
  err("return cmsgpack.unpack('\\196\\1a')", "Bad data format in input.");  // bin 8 is not decoded
  err("return cmsgpack.unpack('\\205\\1')", "Missing bytes in input.");
  err("return cmsgpack.unpack('\\221\\255\\255\\255\\255')", "Missing bytes in input.");
  err("return cmsgpack.unpack('\\219\\255\\255\\255\\255ab')", "Missing bytes in input.");
  err("return cmsgpack.unpack()", "bad argument #1 to 'unpack' (string expected, got no value)");
  err("return cmsgpack.unpack_one('\\1', 2)", "Start offset 2 greater than input length 1.");
  err("return cmsgpack.unpack_one('\\1\\2', -1)", "Invalid request to unpack with offset of -1 and limit of 2.");
  err("return cmsgpack.unpack_limit('\\1')", "bad argument #2 to 'unpack_limit' (number expected, got no value)");
  err("return cmsgpack.unpack(string.rep('\\0', 8000))",
      "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)");
  err("return cmsgpack.unpack(string.rep('\\145', 5000))", "stack overflow (in function mp_decode_to_lua_array)");
  std::string s = "return cmsgpack.unpack('\\129\\192\\1')";
  CHECK(Eval(h, s) == Err("ERR table index is nil" + At(s)));
}

TEST_CASE("struct.pack, unpack and size", "[scripting][struct]") {
  CommandHarness h;
  CHECK(Eval(h, "return struct.pack('>hH<hH', -2, 258, -2, 258)") ==
        Bulk(Bytes({0xff, 0xfe, 0x01, 0x02, 0xfe, 0xff, 0x02, 0x01})));
  CHECK(Eval(h, "return struct.pack('bB', -1, 255)") == Bulk(Bytes({0xff, 0xff})));
  CHECK(Eval(h, "return struct.pack('>i3<I5', -2, 1)") == Bulk(Bytes({0xff, 0xff, 0xfe, 0x01, 0, 0, 0, 0})));
  CHECK(Eval(h, "return struct.pack('>l<L', -2, 2^63)") ==
        Bulk(Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0x80})));
  CHECK(Eval(h, "return struct.pack('>L', 2^64)") == Bulk(std::string(8, '\0')));  // x86-64's conversion
  CHECK(Eval(h, "return struct.pack('>i16', -1)") == Bulk(std::string(8, '\0') + std::string(8, '\xff')));
  CHECK(Eval(h, "return struct.pack('>f<d', 1.5, 1.5)") ==
        Bulk(Bytes({0x3f, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f})));
  CHECK(Eval(h, "return struct.pack('c2c0sx', 'abc', 'de', 'f')") == Bulk(std::string("abdef\0\0", 7)));
  CHECK(Eval(h, "return struct.pack('!bd', 1, 0)") == Bulk(Bytes({1, 0, 0, 0, 0, 0, 0, 0}) + std::string(8, '\0')));
  CHECK(Eval(h, "return struct.pack('!4bd', 1, 0)") == Bulk(Bytes({1, 0, 0, 0}) + std::string(8, '\0')));
  CHECK(Eval(h, "return {struct.unpack('>hb', '\\255\\254\\128')}") == Array({Int(-2), Int(-128), Int(4)}));
  CHECK(Eval(h, "return {struct.unpack('<I2', 'xx\\1\\2', 3)}") == Array({Int(513), Int(5)}));
  CHECK(Eval(h, "return {struct.unpack('bc0s', '\\2abcd\\0')}") == Array({Bulk("ab"), Bulk("cd"), Int(7)}));
  CHECK(Eval(h, "return {struct.unpack('>i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\128')}") == Array({Int(-128), Int(10)}));
  CHECK(Eval(h, "return struct.size('!bhbibl')") == Int(24));
  CHECK(Eval(h, "return struct.size('bBhHlLTiIfdx')") == Int(51));
  CHECK(Eval(h, "return struct.size('zQ')") == Int(0));  // size ignores letters that are no option
}

TEST_CASE("struct errors", "[scripting][struct]") {
  CommandHarness h;
  auto err = [&](const std::string& s, const std::string& text) {
    INFO(s);
    CHECK(Eval(h, s) == Err("ERR user_script:1: " + text + At(s)));
  };
  err("return struct.pack('z')", "bad argument #1 to 'pack' (invalid format option 'z')");
  err("return struct.pack('=i', 1)", "bad argument #1 to 'pack' (invalid format option '=')");
  err("return struct.unpack('q', 'a')", "bad argument #1 to 'unpack' (invalid format option 'q')");
  err("return struct.size('!5')", "alignment 5 is not a power of 2");
  err("return struct.pack('i33', 1)", "integral size 33 is larger than limit of 32");
  err("return struct.size('c2147483648')", "integral size overflow");
  err("return struct.pack('b')", "bad argument #2 to 'pack' (number expected, got nil)");
  err("return struct.pack('bb', 1)", "bad argument #3 to 'pack' (number expected, got nil)");
  err("return struct.pack('c3', 'ab')", "bad argument #3 to 'pack' (string too short)");
  err("return struct.unpack('i', 'abc')", "bad argument #2 to 'unpack' (data string too short)");
  err("return struct.unpack('b', 'abc', 0)", "bad argument #3 to 'unpack' (offset must be 1 or greater)");
  err("return struct.unpack('b', 'abc', -1)", "bad argument #2 to 'unpack' (data string too short)");
  err("return struct.unpack('c0', 'abc')", "format 'c0' needs a previous size");
  err("return struct.unpack('s', 'abc')", "unfinished string in data");
  err("return struct.size('s')", "bad argument #1 to 'size' (option 's' has no fixed size)");
  err("return struct.size('c0')", "bad argument #1 to 'size' (option 'c0' has no fixed size)");
  err("return struct.unpack(string.rep('b', 8000), string.rep('a', 8000))", "stack overflow (too many results)");
}

TEST_CASE("cmsgpack and struct in the Functions VM, read-only", "[scripting][cmsgpack][struct]") {
  CommandHarness h;
  REQUIRE(h.Run({"function", "load",
                 "#!lua name=libs\nredis.register_function('f', function(keys, args) "
                 "return {cmsgpack.pack(args[1]), struct.pack('>H', 258), tostring(_G.struct == struct)} end)"}) ==
          Bulk("libs"));
  CHECK(h.Run({"fcall", "f", "0", "hi"}) == Array({Bulk("\xa2hi"), Bulk("\x01\x02"), Bulk("true")}));
  // At FUNCTION LOAD time only `redis` is visible, as in Redis.
  CHECK(h.Run({"function", "load", "#!lua name=l2\nlocal x = cmsgpack.pack(1)"}) ==
        Err("ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global "
            "variable 'cmsgpack'"));
  std::string s = "struct.pack = nil";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s)));
  s = "rawset(cmsgpack, 'x', 1)";
  CHECK(Eval(h, s) == Err("ERR Attempt to modify a readonly table" + At(s)));
  CHECK(Eval(h, "return cmsgpack._VERSION") == Bulk("lua-cmsgpack 0.4.0"));
}

TEST_CASE("cmsgpack and struct decoders survive random input", "[scripting][cmsgpack][struct]") {
  CommandHarness h;
  std::mt19937 rng(20240607);
  // Mostly type bytes and small numbers, so that headers meet (too little) data often.
  const std::string interesting = Bytes({0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3,
                                         0xc4, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd9, 0xda, 0xdb,
                                         0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff, 0x01, 0x02});
  const std::string format_chars = "bBhHlLTiIfdxcs<>!  0123456789z=";
  const std::string cmsgpack_script =
      "local ok1 = pcall(cmsgpack.unpack, ARGV[1]) "
      "local ok2 = pcall(cmsgpack.unpack_one, ARGV[1], tonumber(ARGV[2])) "
      "local ok3 = pcall(cmsgpack.unpack_limit, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[2]) % 3) "
      "local ok4, p = pcall(cmsgpack.pack, pcall(cmsgpack.unpack, ARGV[1])) "
      "return 'done'";
  const std::string struct_script =
      "pcall(struct.unpack, ARGV[2], ARGV[1]) "
      "pcall(struct.unpack, ARGV[2], ARGV[1], #ARGV[1] % 5 + 1) "
      "pcall(struct.size, ARGV[2]) "
      "pcall(struct.pack, ARGV[2], 1, ARGV[1], -2.5, ARGV[1], 2^40, ARGV[1]) "
      "return 'done'";
  for (int i = 0; i < 1500; ++i) {
    std::string data;
    const size_t len = rng() % 24;
    for (size_t j = 0; j < len; ++j) {
      data.push_back(rng() % 2 ? interesting[rng() % interesting.size()] : static_cast<char>(rng()));
    }
    std::string format;
    const size_t flen = rng() % 8;
    for (size_t j = 0; j < flen; ++j) format.push_back(format_chars[rng() % format_chars.size()]);
    INFO("input " << i);
    REQUIRE(Eval(h, cmsgpack_script, {"0", data, std::to_string(rng() % (len + 2))}) == Bulk("done"));
    REQUIRE(Eval(h, struct_script, {"0", data, format}) == Bulk("done"));
  }
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

}  // namespace
}  // namespace redrock::server
