// EngineStats::keyspace_hits/misses: reads count one lookup per key they read (a hit for a live key of any
// type, a miss for a missing or expired one), writes count nothing, and UncountedLookups silences the
// reads of its thread while it lives (engine.h, "Keyspace hits and misses").

#include <catch2/catch.hpp>

#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "redrock/engine/hash.h"
#include "redrock/engine/list.h"
#include "redrock/engine/set.h"
#include "redrock/engine/zset.h"
#include "tests/engine/engine_fixture.h"

namespace redrock::engine::test {
namespace {

struct Lookups {
  uint64_t hits = 0;
  uint64_t misses = 0;
  bool operator==(const Lookups&) const = default;
};

Lookups Counted(Engine& e) {
  const EngineStats s = e.Stats();
  return {s.keyspace_hits, s.keyspace_misses};
}

TEST_CASE("String and key reads count one lookup per key; writes none", "[engine][stats]") {
  EngineFixture f;
  Engine& e = f.e();
  f.Set(0, "s", "v");
  REQUIRE(e.IncrBy(0, "n", 1).ok());
  REQUIRE(e.Append(0, "s", "x").ok());
  REQUIRE(e.SetRange(0, "s", 0, "y").ok());
  CHECK(Counted(e) == Lookups{0, 0});

  REQUIRE(e.Get(0, "s").ok());  // the value cache's answer counts as well
  REQUIRE(e.Get(0, "s").ok());
  CHECK(e.Get(0, "n").ok());
  CHECK(e.Get(0, "nokey").status().IsNotFound());
  CHECK(Counted(e) == Lookups{3, 1});

  const std::vector<std::string_view> keys = {"s", "nokey", "s"};
  REQUIRE(e.MGet(0, keys).ok());
  REQUIRE(e.Exists(0, keys).ok());
  CHECK(Counted(e) == Lookups{7, 3});

  REQUIRE(e.Type(0, "nokey").ok());
  REQUIRE(e.PTtl(0, "s").ok());
  REQUIRE(e.Copy(0, "s", 0, "c", false).ok());  // the source only
  REQUIRE(e.Move(0, "c", 1).ok());               // nothing
  REQUIRE(e.Keys(0, "*").ok());
  REQUIRE(e.RandomKey(0).ok());
  REQUIRE(e.Scan(0, 0, "*", 100, std::nullopt).ok());
  CHECK(Counted(e) == Lookups{9, 4});

  SetOptions get_old;
  get_old.get_old = true;
  REQUIRE(e.Set(0, "s", "w", get_old).ok());
  REQUIRE(e.Set(0, "fresh", "w", SetOptions{}).ok());
  CHECK(e.GetDel(0, "nokey").status().IsNotFound());
  CHECK(Counted(e) == Lookups{10, 5});
}

TEST_CASE("Collection reads count their keys' lookups; an expired key is a miss", "[engine][stats]") {
  EngineFixture f;
  Engine& e = f.e();
  const std::vector<FieldValue> fields = {{"f", "v"}};
  REQUIRE(HSet(e, 0, "h", fields).ok());
  const std::vector<std::string_view> members = {"a", "b"};
  REQUIRE(SAdd(e, 0, "st", members).ok());
  REQUIRE(ListPush(e, 0, "l", ListEnd::kRight, members).ok());
  CHECK(Counted(e) == Lookups{0, 0});

  CHECK(HGet(e, 0, "h", "nofield").status().IsNotFound());  // the key was there: a hit
  CHECK(SCard(e, 0, "nokey").ok());
  CHECK(ListRange(e, 0, "l", 0, -1).ok());
  CHECK(ZCard(e, 0, "h").status().IsWrongType());  // another type: a hit
  CHECK(Counted(e) == Lookups{3, 1});

  const std::vector<std::string_view> sources = {"st", "nokey", "h"};
  CHECK(SetCombine(e, 0, SetOp::kUnion, sources).status().IsWrongType());  // up to the wrong type
  CHECK(SetCombineStore(e, 0, SetOp::kUnion, "dst", std::span(sources).first(2)).ok());  // not dst
  CHECK(ListPop(e, 0, "l", ListEnd::kLeft, 1).ok());  // a write
  CHECK(Counted(e) == Lookups{6, 3});

  REQUIRE(e.ExpireAt(0, "h", f.Now() + 10, ExpireCondition::kAlways).ok());
  f.clock->AdvanceMs(20);
  CHECK(HLen(e, 0, "h").ok());
  CHECK(e.Type(0, "h").ok());
  CHECK(Counted(e) == Lookups{6, 5});
}

TEST_CASE("UncountedLookups silences reads on its own thread only, and nests", "[engine][stats]") {
  EngineFixture f;
  Engine& e = f.e();
  f.Set(0, "k", "v");
  {
    UncountedLookups outer;
    REQUIRE(e.Get(0, "k").ok());
    {
      UncountedLookups inner;
      REQUIRE(e.Exists(0, std::vector<std::string_view>{"k"}).ok());
    }
    REQUIRE(e.Type(0, "nokey").ok());
    std::thread other([&] { REQUIRE(e.Get(0, "k").ok()); });  // another thread counts
    other.join();
    CHECK(Counted(e) == Lookups{1, 0});
  }
  REQUIRE(e.Get(0, "nokey").status().IsNotFound());
  CHECK(Counted(e) == Lookups{1, 1});
}

}  // namespace
}  // namespace redrock::engine::test
