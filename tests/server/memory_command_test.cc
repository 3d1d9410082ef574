// MEMORY USAGE's estimate (include/redrock/engine/memory.h): what it counts for each type, how SAMPLES extrapolates, and
// nil for a missing or expired key. The argument checks and HELP are in tests/diff/script_memory.txt.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

int64_t Usage(CommandHarness& h, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"memory", "usage"});
  const std::string reply = h.Run(argv);
  REQUIRE(reply.size() > 3);
  REQUIRE(reply[0] == ':');
  return std::stoll(reply.substr(1));
}

TEST_CASE("MEMORY USAGE counts a string's storage entry, and its expiry-index entry", "[memory]") {
  CommandHarness h;
  CHECK(h.Run({"memory", "usage", "k"}) == kNil);
  REQUIRE(h.Run({"set", "k", "v"}) == kOk);
  // [db][k] -> [type][expiry 8B]["v"]: internal key 2 + 8, value 10, three 1-byte length varints.
  CHECK(Usage(h, {"k"}) == 23);
  CHECK(Usage(h, {"k", "samples", "0"}) == 23);
  // The expiry index adds [time 8B][db][k] -> "".
  REQUIRE(h.Run({"pexpire", "k", "1000"}) == Int(1));
  CHECK(Usage(h, {"k"}) == 23 + 21);
  // A big value is counted in full ([db]["big"] -> 1009 bytes; its length varint takes two bytes).
  REQUIRE(h.Run({"set", "big", std::string(1000, 'x')}) == kOk);
  CHECK(Usage(h, {"big"}) == 4 + 8 + 1009 + 1 + 1 + 2);
  // Expired: nil, like a missing key.
  h.clock().AdvanceMs(1000);
  CHECK(h.Run({"memory", "usage", "k"}) == kNil);
}

TEST_CASE("MEMORY USAGE counts a collection's metadata and members, sampling like Redis", "[memory]") {
  CommandHarness h;
  REQUIRE(h.Run({"hset", "h", "a", "1"}) == Int(1));
  // Metadata entry 38 bytes; member [db][len 4B][h][version 8B][a] -> "1": 27 bytes.
  const int64_t one = Usage(h, {"h"});
  CHECK(one == 38 + 27);
  REQUIRE(h.Run({"hset", "h", "b", "2", "c", "3"}) == Int(2));
  CHECK(Usage(h, {"h"}) == 38 + 3 * 27);

  // Members of different sizes: the estimate is the average of the first SAMPLES members (in storage
  // order) times the member count; SAMPLES 0 measures them all.
  REQUIRE(h.Run({"hset", "x", "a", "1", "b", "1", "z", std::string(500, 'v')}) == Int(3));
  const int64_t all = Usage(h, {"x", "samples", "0"});
  CHECK(Usage(h, {"x"}) == all);  // the default 5 samples cover 3 members
  CHECK(Usage(h, {"x", "samples", "3"}) == all);
  CHECK(Usage(h, {"x", "samples", "1"}) == 38 + 3 * 27);           // "a" stands for all three
  CHECK(Usage(h, {"x", "samples", "2", "samples", "1"}) == 38 + 3 * 27);  // the last SAMPLES wins
  CHECK(all > 38 + 2 * 27 + 500);

  // A set member has an empty value; a list element is stored under an 8-byte index.
  REQUIRE(h.Run({"sadd", "s", "a"}) == Int(1));
  REQUIRE(h.Run({"rpush", "l", "a"}) == Int(1));
  const int64_t set_usage = Usage(h, {"s"});
  const int64_t list_usage = Usage(h, {"l"});
  CHECK(set_usage > 0);
  CHECK(list_usage > set_usage);

  // A sorted set stores two entries per member (member -> score and the score index).
  REQUIRE(h.Run({"zadd", "z", "1", "a"}) == Int(1));
  const int64_t z1 = Usage(h, {"z"});
  REQUIRE(h.Run({"zadd", "z", "2", "b"}) == Int(1));
  const int64_t z2 = Usage(h, {"z"});
  // 'm' + member -> 8-byte score: internal key 14 + 2 + 8, value 8, three varints = 35 per entry.
  CHECK(z2 - z1 == 2 * 35);

  // Emptied collections are gone: nil.
  REQUIRE(h.Run({"del", "h", "x", "s", "l", "z"}) == Int(5));
  CHECK(h.Run({"memory", "usage", "h"}) == kNil);
}

TEST_CASE("MEMORY USAGE sees the key in the selected database only", "[memory]") {
  CommandHarness h;
  REQUIRE(h.Run({"set", "k", "v"}) == kOk);
  REQUIRE(h.Run({"select", "1"}) == kOk);
  CHECK(h.Run({"memory", "usage", "k"}) == kNil);
  REQUIRE(h.Run({"set", "k", "vv"}) == kOk);
  CHECK(Usage(h, {"k"}) == 24);
}

TEST_CASE("MEMORY MALLOC-STATS answers as Redis without jemalloc; PURGE trims", "[memory]") {
  CommandHarness h;
  CHECK(h.Run({"memory", "malloc-stats"}) == Bulk("Stats not supported for the current allocator"));
  CHECK(h.Run({"memory", "malloc-stats", "x"}) == "-ERR wrong number of arguments for 'memory|malloc-stats' command\r\n");
  CHECK(h.Run({"memory", "purge"}) == kOk);
}

}  // namespace
}  // namespace redrock::server
