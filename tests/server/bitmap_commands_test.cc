// The bitmap family (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO) through the whole
// command pipeline, comparing exact RESP bytes with what Redis 7.0.15 sends. tests/diff/script_bitmap.txt
// compares many more cases with a real redis-server, events and keyspace counters included.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

const std::string kBitOffset = Err("ERR bit offset is not an integer or out of range");

TEST_CASE("SETBIT and GETBIT", "[bitmap]") {
  CommandHarness h;
  CHECK(h.Run({"setbit", "k", "7", "1"}) == Int(0));
  CHECK(h.Run({"get", "k"}) == Bulk("\x01"));
  CHECK(h.Run({"setbit", "k", "7", "1"}) == Int(1));
  CHECK(h.Run({"setbit", "k", "7", "0"}) == Int(1));
  CHECK(h.Run({"setbit", "k", "0", "1"}) == Int(0));
  CHECK(h.Run({"get", "k"}) == Bulk("\x80"));
  CHECK(h.Run({"setbit", "k", "23", "1"}) == Int(0));
  CHECK(h.Run({"get", "k"}) == Bulk(std::string("\x80\x00\x01", 3)));
  CHECK(h.Run({"getbit", "k", "0"}) == Int(1));
  CHECK(h.Run({"getbit", "k", "1"}) == Int(0));
  CHECK(h.Run({"getbit", "k", "23"}) == Int(1));
  CHECK(h.Run({"getbit", "k", "4294967295"}) == Int(0));
  CHECK(h.Run({"getbit", "nokey", "0"}) == Int(0));
  CHECK(h.Run({"exists", "nokey"}) == Int(0));

  CHECK(h.Run({"getbit", "k", "4294967296"}) == kBitOffset);
  CHECK(h.Run({"setbit", "k", "4294967296", "1"}) == kBitOffset);
  CHECK(h.Run({"setbit", "k", "-1", "1"}) == kBitOffset);
  CHECK(h.Run({"setbit", "k", "x", "1"}) == kBitOffset);
  CHECK(h.Run({"setbit", "k", "1", "2"}) == Err("ERR bit is not an integer or out of range"));
  CHECK(h.Run({"setbit", "k", "1", "x"}) == Err("ERR bit is not an integer or out of range"));
  CHECK(h.Run({"setbit", "k", "1"}) == Arity("setbit"));

  // The expiry stays; the offset limit follows proto-max-bulk-len.
  CHECK(h.Run({"set", "t", "x", "EX", "100"}) == kOk);
  CHECK(h.Run({"setbit", "t", "100", "1"}) == Int(0));
  CHECK(h.Run({"ttl", "t"}) == Int(100));
  CHECK(h.Run({"config", "set", "proto-max-bulk-len", "1048576"}) == kOk);
  CHECK(h.Run({"setbit", "b", "8388607", "1"}) == Int(0));
  CHECK(h.Run({"setbit", "b", "8388608", "1"}) == kBitOffset);
  CHECK(h.Run({"strlen", "b"}) == Int(1048576));

  CHECK(h.Run({"rpush", "l", "a"}) == Int(1));
  CHECK(h.Run({"setbit", "l", "0", "1"}) == kWrongType);
  CHECK(h.Run({"getbit", "l", "0"}) == kWrongType);
}

TEST_CASE("BITCOUNT with BYTE and BIT ranges", "[bitmap]") {
  CommandHarness h;
  CHECK(h.Run({"set", "c", "foobar"}) == kOk);
  CHECK(h.Run({"bitcount", "c"}) == Int(26));
  CHECK(h.Run({"bitcount", "c", "0", "0"}) == Int(4));
  CHECK(h.Run({"bitcount", "c", "1", "1"}) == Int(6));
  CHECK(h.Run({"bitcount", "c", "1", "1", "BYTE"}) == Int(6));
  CHECK(h.Run({"bitcount", "c", "5", "30", "BIT"}) == Int(17));
  CHECK(h.Run({"bitcount", "c", "-2", "-1"}) == Int(7));
  CHECK(h.Run({"bitcount", "c", "-1", "-2", "nonsense"}) == Int(0));
  CHECK(h.Run({"bitcount", "c", "0", "-1", "nonsense"}) == kSyntax);
  CHECK(h.Run({"bitcount", "c", "0"}) == kSyntax);
  CHECK(h.Run({"bitcount", "c", "x", "1"}) == kNotInt);
  CHECK(h.Run({"bitcount", "nokey", "0"}) == Int(0));
  CHECK(h.Run({"bitcount", "c", "100", "200"}) == Int(0));
}

TEST_CASE("BITPOS", "[bitmap]") {
  CommandHarness h;
  CHECK(h.Run({"set", "p", "\xff\xf0"}) == kOk);
  CHECK(h.Run({"bitpos", "p", "0"}) == Int(12));
  CHECK(h.Run({"bitpos", "p", "1"}) == Int(0));
  CHECK(h.Run({"bitpos", "p", "1", "1"}) == Int(8));
  CHECK(h.Run({"bitpos", "p", "0", "0", "0"}) == Int(-1));
  CHECK(h.Run({"bitpos", "p", "0", "7", "-1", "BIT"}) == Int(12));
  CHECK(h.Run({"bitpos", "p", "1", "12", "15", "BIT"}) == Int(-1));
  CHECK(h.Run({"set", "ones", "\xff\xff"}) == kOk);
  CHECK(h.Run({"bitpos", "ones", "0"}) == Int(16));
  CHECK(h.Run({"bitpos", "ones", "0", "0", "-1"}) == Int(-1));
  CHECK(h.Run({"bitpos", "nokey", "0"}) == Int(0));
  CHECK(h.Run({"bitpos", "nokey", "1"}) == Int(-1));
  CHECK(h.Run({"bitpos", "p", "2"}) == Err("ERR The bit argument must be 1 or 0."));
  CHECK(h.Run({"bitpos", "p", "1", "0", "1", "foo"}) == kSyntax);
}

TEST_CASE("BITOP", "[bitmap]") {
  CommandHarness h;
  CHECK(h.Run({"set", "a", "\xff\x0f"}) == kOk);
  CHECK(h.Run({"set", "b", "\xf0"}) == kOk);
  CHECK(h.Run({"bitop", "and", "d", "a", "b"}) == Int(2));
  CHECK(h.Run({"get", "d"}) == Bulk(std::string("\xf0\x00", 2)));
  CHECK(h.Run({"bitop", "OR", "d", "a", "b"}) == Int(2));
  CHECK(h.Run({"get", "d"}) == Bulk("\xff\x0f"));
  CHECK(h.Run({"bitop", "xor", "d", "a", "b"}) == Int(2));
  CHECK(h.Run({"get", "d"}) == Bulk("\x0f\x0f"));
  CHECK(h.Run({"bitop", "not", "d", "a"}) == Int(2));
  CHECK(h.Run({"get", "d"}) == Bulk(std::string("\x00\xf0", 2)));
  CHECK(h.Run({"bitop", "not", "d", "a", "b"}) == Err("ERR BITOP NOT must be called with a single source key."));
  CHECK(h.Run({"bitop", "nand", "d", "a"}) == kSyntax);
  // An empty result deletes the destination, and the destination's expiry goes with an overwrite.
  CHECK(h.Run({"bitop", "or", "d", "nokey"}) == Int(0));
  CHECK(h.Run({"exists", "d"}) == Int(0));
  CHECK(h.Run({"set", "d", "x", "EX", "100"}) == kOk);
  CHECK(h.Run({"bitop", "or", "d", "a"}) == Int(2));
  CHECK(h.Run({"ttl", "d"}) == Int(-1));
  CHECK(h.Run({"rpush", "l", "x"}) == Int(1));
  CHECK(h.Run({"bitop", "or", "d", "a", "l"}) == kWrongType);
  CHECK(h.Run({"bitop", "or", "l", "a"}) == Int(2));
  CHECK(h.Run({"type", "l"}) == "+string\r\n");
}

TEST_CASE("BITFIELD and BITFIELD_RO", "[bitmap]") {
  CommandHarness h;
  CHECK(h.Run({"bitfield", "f", "set", "u8", "0", "255", "get", "u8", "0"}) == Array({Int(0), Int(255)}));
  CHECK(h.Run({"bitfield", "f", "incrby", "u8", "0", "10"}) == Array({Int(9)}));
  CHECK(h.Run({"bitfield", "f", "overflow", "sat", "incrby", "u8", "0", "1000", "overflow", "fail", "incrby", "u8",
               "0", "1"}) == Array({Int(255), kNil}));
  CHECK(h.Run({"bitfield", "f", "set", "i8", "0", "-1", "get", "i8", "0", "get", "u4", "0"}) ==
        Array({Int(-1), Int(-1), Int(15)}));
  CHECK(h.Run({"bitfield", "f", "set", "u8", "#1", "7", "get", "u16", "0"}) == Array({Int(0), Int(0xff07)}));
  CHECK(h.Run({"bitfield", "i", "set", "i64", "0", "9223372036854775807", "incrby", "i64", "0", "1"}) ==
        Array({Int(0), Int(INT64_MIN)}));
  CHECK(h.Run({"bitfield", "f", "get", "u64", "0"}) ==
        Err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."));
  CHECK(h.Run({"bitfield", "f", "overflow", "x"}) == Err("ERR Invalid OVERFLOW type specified"));
  CHECK(h.Run({"bitfield", "f", "get", "u8"}) == kSyntax);
  CHECK(h.Run({"bitfield", "f", "set", "u8", "0", "x"}) == kNotInt);
  CHECK(h.Run({"bitfield", "f", "get", "u8", "#x"}) == kBitOffset);
  CHECK(h.Run({"bitfield", "nokey", "get", "u8", "0"}) == Array({Int(0)}));
  CHECK(h.Run({"exists", "nokey"}) == Int(0));
  CHECK(h.Run({"bitfield", "f"}) == kEmpty);
  // A refused write still creates the key, as Redis does.
  CHECK(h.Run({"bitfield", "g", "overflow", "fail", "incrby", "u2", "0", "9"}) == Array({kNil}));
  CHECK(h.Run({"get", "g"}) == Bulk(std::string("\0", 1)));

  CHECK(h.Run({"bitfield_ro", "f", "get", "u8", "8"}) == Array({Int(7)}));
  CHECK(h.Run({"bitfield_ro", "f", "set", "u8", "0", "1"}) == Err("ERR BITFIELD_RO only supports the GET subcommand"));
  CHECK(h.Run({"rpush", "l", "x"}) == Int(1));
  CHECK(h.Run({"bitfield_ro", "l", "get", "u8", "0"}) == kWrongType);
  CHECK(h.Run({"bitfield", "l", "set", "u8", "0", "1"}) == kWrongType);

  // That creation is not signalled: a WATCH of the key does not abort (as in Redis); a real write does.
  CHECK(h.Run({"watch", "w"}) == kOk);
  CHECK(h.Run({"bitfield", "w", "overflow", "fail", "incrby", "u8", "0", "1000"}) == Array({kNil}));
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"get", "w"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == Array({Bulk(std::string("\0", 1))}));
  CHECK(h.Run({"watch", "w"}) == kOk);
  CHECK(h.Run({"bitfield", "w", "set", "u8", "0", "1"}) == Array({Int(0)}));
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"get", "w"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == kNilArray);

  // RESP3: a refused write is a null.
  CHECK(h.Run({"hello", "3"}).substr(0, 1) == "%");
  CHECK(h.Run({"bitfield", "f", "overflow", "fail", "set", "u2", "0", "9"}) == Array({kNull3}));
}

}  // namespace
}  // namespace redrock::server
