// The HyperLogLog family through the whole command pipeline, comparing exact RESP bytes and HLL
// encodings with what Redis 7.0.15 produces. Every expected value here was captured from a real
// redis-server 7.0.15 (redis-cli GET / PFCOUNT / STRLEN after the same commands).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/commands/hyperloglog.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

// PFADD key e<from> ... e<to-1>, in one command.
std::string AddRange(CommandHarness& h, const std::string& key, int from, int to) {
  std::vector<std::string> argv{"pfadd", key};
  for (int i = from; i < to; ++i) argv.push_back("e" + std::to_string(i));
  return h.Run(argv);
}

const std::string kHeaderStale("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80", 16);
const std::string kHeaderCard3("HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00", 16);
// Redis 7.0.15: PFADD h a b c; GET h  (registers: Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603)
const std::string kAbcOps("\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a", 11);

TEST_CASE("PFADD builds Redis's exact sparse encoding, PFCOUNT caches the cardinality", "[hll]") {
  CommandHarness h;
  CHECK(h.Run({"pfadd", "h", "a", "b", "c"}) == Int(1));
  CHECK(h.Run({"get", "h"}) == Bulk(kHeaderStale + kAbcOps));
  CHECK(h.Run({"pfdebug", "decode", "h"}) == Bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
  CHECK(h.Run({"pfdebug", "encoding", "h"}) == "+sparse\r\n");
  CHECK(h.Run({"pfadd", "h", "a"}) == Int(0));
  CHECK(h.Run({"pfcount", "h"}) == Int(3));
  CHECK(h.Run({"get", "h"}) == Bulk(kHeaderCard3 + kAbcOps));  // cache written back, valid bit clear
  CHECK(h.Run({"pfcount", "h"}) == Int(3));
}

TEST_CASE("PFADD without elements creates an empty HLL; a Redis-made HLL is read as is", "[hll]") {
  CommandHarness h;
  CHECK(h.Run({"pfadd", "e"}) == Int(1));
  CHECK(h.Run({"get", "e"}) == Bulk(std::string("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff", 18)));
  CHECK(h.Run({"pfadd", "e"}) == Int(0));
  CHECK(h.Run({"pfcount", "e"}) == Int(0));
  CHECK(h.Run({"pfcount", "missing"}) == Int(0));
  CHECK(h.Run({"set", "r", kHeaderStale + kAbcOps}) == kOk);
  CHECK(h.Run({"pfcount", "r"}) == Int(3));
  // A cached cardinality is trusted as Redis does.
  CHECK(h.Run({"set", "c", std::string("HYLL\x01\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00", 16) + kAbcOps}) ==
        kOk);
  CHECK(h.Run({"pfcount", "c"}) == Int(42));
}

TEST_CASE("sparse HLLs promote to dense past hll-sparse-max-bytes", "[hll]") {
  CommandHarness h;
  // Redis 7.0.15 (default hll-sparse-max-bytes 3000): e0..e999 stays sparse, 1906 bytes, PFCOUNT 1008;
  // e0..e1999 is dense (12304 bytes), PFCOUNT 2000.
  CHECK(AddRange(h, "s1000", 0, 1000) == Int(1));
  CHECK(h.Run({"pfdebug", "encoding", "s1000"}) == "+sparse\r\n");
  CHECK(h.Run({"strlen", "s1000"}) == Int(1906));
  CHECK(h.Run({"pfcount", "s1000"}) == Int(1008));
  CHECK(AddRange(h, "s2000", 0, 2000) == Int(1));
  CHECK(h.Run({"pfdebug", "encoding", "s2000"}) == "+dense\r\n");
  CHECK(h.Run({"strlen", "s2000"}) == Int(12304));
  CHECK(h.Run({"pfcount", "s2000"}) == Int(2000));
  // A lower limit promotes sooner.
  CHECK(h.Run({"config", "set", "hll-sparse-max-bytes", "30"}) == kOk);
  CHECK(AddRange(h, "small", 0, 100) == Int(1));
  CHECK(h.Run({"pfdebug", "encoding", "small"}) == "+dense\r\n");
}

TEST_CASE("PFCOUNT of 100,000 elements equals Redis's estimate", "[hll]") {
  CommandHarness h;
  // Redis 7.0.15: PFADD big e0 ... PFADD big e99999 (one element a command), PFCOUNT big -> 100853.
  for (int i = 0; i < 100000; i += 1000) REQUIRE(AddRange(h, "big", i, i + 1000).size() == 4);
  CHECK(h.Run({"pfcount", "big"}) == Int(100853));
  CHECK(h.Run({"pfdebug", "encoding", "big"}) == "+dense\r\n");
}

TEST_CASE("PFCOUNT of several keys and PFMERGE", "[hll]") {
  CommandHarness h;
  // Redis 7.0.15: x = e0..e499, y = e250..e999: PFCOUNT x y -> 1008; PFMERGE z x y gives the bytes of
  // e0..e999 added in one PFADD (1906 bytes, PFCOUNT 1008).
  AddRange(h, "x", 0, 500);
  AddRange(h, "y", 250, 1000);
  AddRange(h, "all", 0, 1000);
  CHECK(h.Run({"pfcount", "x", "y", "nosuch"}) == Int(1008));
  CHECK(h.Run({"pfmerge", "z", "x", "y"}) == kOk);
  CHECK(h.Run({"pfcount", "z"}) == Int(1008));
  CHECK(h.Run({"pfcount", "all"}) == Int(1008));
  CHECK(h.Run({"get", "z"}) == h.Run({"get", "all"}));
  CHECK(h.Run({"pfmerge", "empty"}) == kOk);
  CHECK(h.Run({"pfcount", "empty"}) == Int(0));
  AddRange(h, "d", 0, 2000);
  CHECK(h.Run({"pfmerge", "w", "x", "d"}) == kOk);
  CHECK(h.Run({"pfdebug", "encoding", "w"}) == "+dense\r\n");
  CHECK(h.Run({"pfcount", "w"}) == Int(2000));
}

TEST_CASE("PFADD and PFMERGE keep the key's TTL", "[hll]") {
  CommandHarness h;
  h.Run({"pfadd", "t", "a"});
  CHECK(h.Run({"expire", "t", "100"}) == Int(1));
  CHECK(h.Run({"pfadd", "t", "b", "c"}) == Int(1));
  CHECK(h.Run({"ttl", "t"}) == Int(100));
  CHECK(h.Run({"pfmerge", "t", "t"}) == kOk);
  CHECK(h.Run({"pfcount", "t"}) == Int(3));
  CHECK(h.Run({"ttl", "t"}) == Int(100));
}

TEST_CASE("HLL errors match Redis's texts", "[hll]") {
  CommandHarness h;
  const std::string not_hll = Err("WRONGTYPE Key is not a valid HyperLogLog string value.");
  const std::string corrupt = Err("INVALIDOBJ Corrupted HLL object detected");
  h.Run({"set", "str", "hello"});
  h.Run({"lpush", "list", "a"});
  CHECK(h.Run({"pfadd", "str", "a"}) == not_hll);
  CHECK(h.Run({"pfcount", "str"}) == not_hll);
  CHECK(h.Run({"pfmerge", "str"}) == not_hll);
  CHECK(h.Run({"pfadd", "list", "a"}) == kWrongType);
  CHECK(h.Run({"pfcount", "list", "str"}) == kWrongType);
  // Dense of the wrong length, unknown encoding.
  h.Run({"set", "baddense", std::string("HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16) + "xx"});
  CHECK(h.Run({"pfcount", "baddense"}) == not_hll);
  h.Run({"set", "badenc", std::string("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80", 16)});
  CHECK(h.Run({"pfcount", "badenc"}) == not_hll);
  // Sparse opcodes not covering 16384 registers.
  h.Run({"set", "short", kHeaderStale + "\x7f\x00"});
  CHECK(h.Run({"pfcount", "short"}) == corrupt);
  CHECK(h.Run({"pfcount", "short", "x"}) == corrupt);
  CHECK(h.Run({"pfmerge", "m", "short"}) == corrupt);
  // Elements landing in the covered part are added (Redis edits in place), then one beyond fails, and
  // the edits before it stay (Redis 7.0.15: same replies, same PFDEBUG DECODE after).
  CHECK(h.Run({"pfadd", "short", "a", "b", "c", "d", "e", "f"}) == Int(1));
  CHECK(h.Run({"pfadd", "short", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "y1", "y2", "y3"}) == corrupt);
  CHECK(h.Run({"pfdebug", "decode", "short"}) ==
        Bulk("Z:1646 v:1,1 Z:2006 v:2,1 Z:3638 v:1,1 Z:1143 v:1,1 Z:4274 v:2,1 Z:518 v:3,1 Z:1926 v:1,1 Z:622 "
             "v:1,1 Z:348"));
  CHECK(h.Run({"pfdebug", "todense", "short"}) == corrupt);
  CHECK(h.Run({"pfdebug", "getreg", "nosuch"}) == Err("ERR The specified key does not exist"));
  h.Run({"pfadd", "ok", "a"});
  CHECK(h.Run({"pfdebug", "what", "ok"}) == Err("ERR Unknown PFDEBUG subcommand 'what'"));
  CHECK(h.Run({"pfdebug", "todense", "ok"}) == Int(1));
  CHECK(h.Run({"pfdebug", "todense", "ok"}) == Int(0));
  CHECK(h.Run({"pfdebug", "decode", "ok"}) == Err("ERR HLL encoding is not sparse"));
}

TEST_CASE("PFDEBUG GETREG and the register helpers", "[hll]") {
  CommandHarness h;
  h.Run({"pfadd", "h", "a", "b", "c"});
  const std::string regs = h.Run({"pfdebug", "getreg", "h"});
  CHECK(regs.rfind("*16384\r\n:0\r\n", 0) == 0);
  CHECK(h.Run({"pfdebug", "encoding", "h"}) == "+dense\r\n");  // GETREG stores the dense form, as Redis
  CHECK(h.Run({"pfcount", "h"}) == Int(3));
  std::vector<uint8_t> dense(hll::kDenseSize - hll::kHeaderSize, 0);
  for (int i = 0; i < hll::kRegisters; ++i) hll::DenseSetRaw(dense.data(), i, static_cast<uint8_t>((i * 7) & 63));
  for (int i = 0; i < hll::kRegisters; ++i) REQUIRE(hll::DenseGet(dense.data(), i) == ((i * 7) & 63));
  int index = 0;
  // Redis 7.0.15: PFADD q a; PFDEBUG DECODE q -> "Z:12711 v:2,1 Z:3672".
  CHECK(hll::PatternLength("a", &index) == 2);
  CHECK(index == 12711);
}


// WATCH: Redis's signalModifiedKey follows a change (PFADD that set a register, PFMERGE, PFCOUNT that
// rewrote a stale cached cardinality); a PFADD that changed nothing or a PFCOUNT answered from the cache
// touches nothing.
TEST_CASE("HLL writes touch watched keys as Redis's", "[hll][watch]") {
  CommandHarness h;
  ClientState& other = h.NewClient();
  auto attempt = [&](const std::vector<std::string>& touch) {
    REQUIRE(h.Run({"watch", "k"}) == kOk);
    h.RunAs(other, touch);
    REQUIRE(h.Run({"multi"}) == kOk);
    REQUIRE(h.Run({"ping"}) == "+QUEUED\r\n");
    return h.Run({"exec"});
  };
  const std::string ran = "*1\r\n+PONG\r\n";
  CHECK(attempt({"pfadd", "k", "a"}) == kNilArray);
  CHECK(attempt({"pfadd", "k", "a"}) == ran);
  CHECK(attempt({"pfcount", "k"}) == kNilArray);  // stale cache rewritten
  CHECK(attempt({"pfcount", "k"}) == ran);        // cached
  CHECK(attempt({"pfmerge", "k"}) == kNilArray);
  // Redis converts to dense without signalModifiedKey (checked against 7.0.15): the WATCH survives.
  CHECK(attempt({"pfdebug", "todense", "k"}) == ran);
  CHECK(h.Run({"pfdebug", "encoding", "k"}) == "+dense\r\n");
  h.Run({"del", "k"});
  h.Run({"pfadd", "k", "a"});
  CHECK(attempt({"pfdebug", "getreg", "k"}) == ran);
  CHECK(h.Run({"pfdebug", "encoding", "k"}) == "+dense\r\n");
  // The edits a PFADD leaves behind when a later element meets a corrupt encoding: no signal either.
  h.Run({"set", "k", kHeaderStale + std::string("\x7f\x00", 2)});
  CHECK(attempt({"pfadd", "k", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "y1", "y2", "y3"}) == ran);
  CHECK(h.Run({"pfdebug", "decode", "k"}) != Bulk("Z:16129"));
}

// Keyspace hits and misses as Redis 7.0.15 counts them: PFCOUNT and PFMERGE's keys are lookupKeyRead
// (PFMERGE's destination once, as a source), PFADD and PFDEBUG lookupKeyWrite.
TEST_CASE("HLL lookups count as Redis's", "[hll][stats]") {
  CommandHarness h;
  h.Run({"pfadd", "a", "x"});
  h.Run({"lpush", "list", "x"});
  auto stats = [&] {
    const std::string info = h.Run({"info", "stats"});
    auto field = [&](const std::string& name) {
      const size_t at = info.find(name + ":");
      REQUIRE(at != std::string::npos);
      return std::stoll(info.substr(at + name.size() + 1));
    };
    return std::make_pair(field("keyspace_hits"), field("keyspace_misses"));
  };
  auto delta = [&](const std::vector<std::string>& cmd) {
    const auto before = stats();
    h.Run(cmd);
    const auto after = stats();
    return std::make_pair(after.first - before.first, after.second - before.second);
  };
  using P = std::pair<long long, long long>;
  CHECK(delta({"pfadd", "a", "y"}) == P{0, 0});
  CHECK(delta({"pfadd", "new", "y"}) == P{0, 0});
  CHECK(delta({"pfcount", "a"}) == P{1, 0});
  CHECK(delta({"pfcount", "nosuch"}) == P{0, 1});
  CHECK(delta({"pfcount", "a", "nosuch", "new"}) == P{2, 1});
  CHECK(delta({"pfcount", "list", "a"}) == P{1, 0});     // stops at the wrong type
  CHECK(delta({"pfcount", "a", "list", "new"}) == P{2, 0});
  CHECK(delta({"pfmerge", "dst", "a", "nosuch"}) == P{1, 2});
  CHECK(delta({"pfmerge", "dst", "a"}) == P{2, 0});
  CHECK(delta({"pfmerge", "list", "a"}) == P{1, 0});
  CHECK(delta({"pfdebug", "encoding", "a"}) == P{0, 0});
}

}  // namespace
}  // namespace redrock::server
