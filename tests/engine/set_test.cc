// Sets at the engine level: include/redrock/engine/set.h (set_ops.cc, set_combine.cc, set_random.cc).
#include "redrock/engine/set.h"

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/storage/engine_impl.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {

using Keys = std::vector<std::string_view>;
using Strings = std::vector<std::string>;

std::string MemberName(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "m%04d", i);
  return buf;
}

Strings Members(Engine& e, int db, std::string_view key) {
  auto r = SMembers(e, db, key);
  REQUIRE(r.ok());
  return *r;
}

int64_t Card(Engine& e, int db, std::string_view key) {
  auto r = SCard(e, db, key);
  REQUIRE(r.ok());
  return *r;
}

void Add(Engine& e, int db, std::string_view key, Keys members) {
  auto r = SAdd(e, db, key, members);
  REQUIRE(r.ok());
}

// A set of n members "m0000".."m{n-1}".
void Fill(Engine& e, std::string_view key, int n) {
  std::vector<std::string> owned;
  for (int i = 0; i < n; ++i) owned.push_back(MemberName(i));
  std::vector<std::string_view> views(owned.begin(), owned.end());
  auto r = SAdd(e, 0, key, views);
  REQUIRE(r.ok());
  REQUIRE(*r == n);
}

}  // namespace

TEST_CASE("SAdd, SRem, SCard, SIsMember, SMIsMember, SMembers", "[engine][set]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*SAdd(e, 0, "s", Keys{"b", "a", "c", "a"}) == 3);  // a repeat counts once
  CHECK(*SAdd(e, 0, "s", Keys{"a", "d"}) == 1);
  CHECK(Card(e, 0, "s") == 4);
  CHECK(Members(e, 0, "s") == Strings{"a", "b", "c", "d"});
  CHECK(*SIsMember(e, 0, "s", "a"));
  CHECK_FALSE(*SIsMember(e, 0, "s", "z"));
  CHECK(*SMIsMember(e, 0, "s", Keys{"a", "z", "d"}) == std::vector<bool>{true, false, true});
  CHECK(*SMIsMember(e, 0, "missing", Keys{"a"}) == std::vector<bool>{false});
  CHECK(Card(e, 0, "missing") == 0);
  CHECK(Members(e, 0, "missing").empty());
  CHECK(*e.Type(0, "s") == KeyType::kSet);
  CHECK(f.DbSize(0) == 1);
  // Binary-safe members, the empty one included.
  CHECK(*SAdd(e, 1, "bin", Keys{std::string_view("\0x", 2), "", "\xff"}) == 3);
  CHECK(Members(e, 1, "bin") == Strings{"", std::string("\0x", 2), "\xff"});
  CHECK(*SIsMember(e, 1, "bin", ""));

  CHECK(*SRem(e, 0, "s", Keys{"a", "a", "z"}) == 1);
  CHECK(*SRem(e, 0, "missing", Keys{"a"}) == 0);
  CHECK(Card(e, 0, "s") == 3);
  // The last SREM deletes the key.
  CHECK(*SRem(e, 0, "s", Keys{"b", "c", "d"}) == 3);
  CHECK(*e.Exists(0, Keys{"s"}) == 0);
  CHECK(*e.Type(0, "s") == KeyType::kNone);
  CHECK(f.DbSize(0) == 0);
  CHECK(Members(e, 0, "s").empty());
}

TEST_CASE("Set commands give WrongType on strings and other collections", "[engine][set]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "str", "v");
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "hash", KeyType::kHash).ok());
  Add(e, 0, "s", {"a"});
  for (std::string_view key : {std::string_view("str"), std::string_view("hash")}) {
    CHECK(SAdd(e, 0, key, Keys{"a"}).status().IsWrongType());
    CHECK(SRem(e, 0, key, Keys{"a"}).status().IsWrongType());
    CHECK(SCard(e, 0, key).status().IsWrongType());
    CHECK(SIsMember(e, 0, key, "a").status().IsWrongType());
    CHECK(SMIsMember(e, 0, key, Keys{"a"}).status().IsWrongType());
    CHECK(SMembers(e, 0, key).status().IsWrongType());
    CHECK(SPop(e, 0, key, 1).status().IsWrongType());
    CHECK(SRandMember(e, 0, key, 1).status().IsWrongType());
    CHECK(SScan(e, 0, key, 0, "*", 10).status().IsWrongType());
    // Every source is checked, even after a missing one.
    CHECK(SetCombine(e, 0, SetOp::kInter, Keys{"missing", key}).status().IsWrongType());
    CHECK(SetCombine(e, 0, SetOp::kUnion, Keys{"s", key}).status().IsWrongType());
    CHECK(SetCombine(e, 0, SetOp::kDiff, Keys{"missing", key}).status().IsWrongType());
    CHECK(SInterCard(e, 0, Keys{"missing", key}, 0).status().IsWrongType());
    CHECK(SetCombineStore(e, 0, SetOp::kUnion, "dst", Keys{"s", key}).status().IsWrongType());
    CHECK(SMove(e, 0, key, "s", "a").status().IsWrongType());
    CHECK(SMove(e, 0, "s", key, "a").status().IsWrongType());
    CHECK(SMove(e, 0, "s", key, "nope").status().IsWrongType());
    // A missing source wins over a wrongly typed destination, as in Redis.
    CHECK_FALSE(*SMove(e, 0, "missing", key, "a"));
  }
  CHECK(*f.Get(0, "str") == "v");
  CHECK(Members(e, 0, "s") == Strings{"a"});
  CHECK(*e.Exists(0, Keys{"dst"}) == 0);
}

TEST_CASE("Set TTL: expiry on the manual clock, and a fresh set after expiry", "[engine][set][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  Add(e, 0, "bl", {"t1", "t2"});
  REQUIRE(*e.ExpireAt(0, "bl", f.Now() + 1000, ExpireCondition::kAlways));
  CHECK(*SAdd(e, 0, "bl", Keys{"t3"}) == 1);  // adding keeps the expiry
  CHECK(*e.PTtl(0, "bl") == 1000);
  f.clock->AdvanceMs(999);
  CHECK(*SIsMember(e, 0, "bl", "t1"));
  f.clock->AdvanceMs(1);
  CHECK_FALSE(*SIsMember(e, 0, "bl", "t1"));
  CHECK(Card(e, 0, "bl") == 0);
  CHECK(Members(e, 0, "bl").empty());
  CHECK(*e.Exists(0, Keys{"bl"}) == 0);
  CHECK(*e.PTtl(0, "bl") == kTtlMissing);
  // A new set under the same key sees none of the expired members.
  CHECK(*SAdd(e, 0, "bl", Keys{"t9", "t1"}) == 2);
  CHECK(Members(e, 0, "bl") == Strings{"t1", "t9"});
  CHECK(*e.PTtl(0, "bl") == kTtlNone);
  CHECK(f.DbSize(0) == 1);

  // Active expiry removes an expired set.
  Add(e, 0, "gone", {"a", "b"});
  REQUIRE(*e.ExpireAt(0, "gone", f.Now() + 5, ExpireCondition::kAlways));
  f.clock->AdvanceMs(10);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 1);
  CHECK(f.DbSize(0) == 1);
  CHECK(*SAdd(e, 0, "gone", Keys{"c"}) == 1);
  CHECK(Members(e, 0, "gone") == Strings{"c"});
}

TEST_CASE("Generic key commands work on sets", "[engine][set]") {
  EngineFixture f;
  auto& e = f.e();
  Add(e, 0, "s", {"a", "b"});
  REQUIRE(*e.ExpireAt(0, "s", f.Now() + 5000, ExpireCondition::kAlways));
  REQUIRE(*e.Copy(0, "s", 0, "c", false));
  CHECK(Members(e, 0, "c") == Strings{"a", "b"});
  CHECK(*e.PTtl(0, "c") == 5000);
  CHECK(*SAdd(e, 0, "c", Keys{"x"}) == 1);
  CHECK(Members(e, 0, "s") == Strings{"a", "b"});  // the copy is independent
  REQUIRE(*e.Rename(0, "c", "r", false));
  CHECK(Members(e, 0, "r") == Strings{"a", "b", "x"});
  CHECK(Members(e, 0, "c").empty());
  REQUIRE(*e.Move(0, "r", 3));
  CHECK(Members(e, 3, "r") == Strings{"a", "b", "x"});
  CHECK(*e.Delete(0, Keys{"s"}) == 1);
  CHECK(Card(e, 0, "s") == 0);
  CHECK(*SAdd(e, 0, "s", Keys{"z"}) == 1);
  CHECK(Members(e, 0, "s") == Strings{"z"});
  // SET over a set replaces it.
  f.Set(0, "s", "now a string");
  CHECK(SCard(e, 0, "s").status().IsWrongType());
  auto scanned = e.Scan(0, 0, "*", 100, KeyType::kSet);
  REQUIRE(scanned.ok());
  CHECK(scanned->keys.empty());
  // Survives a reopen.
  f.Reopen();
  CHECK(Members(f.e(), 3, "r") == Strings{"a", "b", "x"});
}

TEST_CASE("SINTER, SUNION, SDIFF and SINTERCARD", "[engine][set]") {
  EngineFixture f;
  auto& e = f.e();
  Add(e, 0, "a", {"1", "2", "3", "4", "5"});
  Add(e, 0, "b", {"2", "4", "6"});
  Add(e, 0, "c", {"4", "5", "6", "2"});
  CHECK(*SetCombine(e, 0, SetOp::kInter, Keys{"a", "b", "c"}) == Strings{"2", "4"});
  CHECK(*SetCombine(e, 0, SetOp::kInter, Keys{"a"}) == Strings{"1", "2", "3", "4", "5"});
  CHECK(SetCombine(e, 0, SetOp::kInter, Keys{"a", "missing"})->empty());
  CHECK(*SetCombine(e, 0, SetOp::kUnion, Keys{"a", "b", "missing", "c"}) ==
        Strings{"1", "2", "3", "4", "5", "6"});
  CHECK(SetCombine(e, 0, SetOp::kUnion, Keys{"missing"})->empty());
  CHECK(*SetCombine(e, 0, SetOp::kDiff, Keys{"a", "b"}) == Strings{"1", "3", "5"});
  CHECK(*SetCombine(e, 0, SetOp::kDiff, Keys{"a", "missing", "c"}) == Strings{"1", "3"});
  CHECK(SetCombine(e, 0, SetOp::kDiff, Keys{"missing", "a"})->empty());
  CHECK(SetCombine(e, 0, SetOp::kDiff, Keys{"a", "a"})->empty());
  CHECK(*SInterCard(e, 0, Keys{"a", "b", "c"}, 0) == 2);
  CHECK(*SInterCard(e, 0, Keys{"a", "b", "c"}, 1) == 1);
  CHECK(*SInterCard(e, 0, Keys{"a"}, 3) == 3);
  CHECK(*SInterCard(e, 0, Keys{"a", "missing"}, 0) == 0);

  // Leapfrogging over long gaps: evens and multiples of three in 0..2999.
  std::vector<std::string> evens, threes;
  for (int i = 0; i < 3000; ++i) {
    if (i % 2 == 0) evens.push_back(MemberName(i));
    if (i % 3 == 0) threes.push_back(MemberName(i));
  }
  std::vector<std::string_view> ev(evens.begin(), evens.end()), th(threes.begin(), threes.end());
  REQUIRE(SAdd(e, 0, "evens", ev).ok());
  REQUIRE(SAdd(e, 0, "threes", th).ok());
  auto inter = SetCombine(e, 0, SetOp::kInter, Keys{"evens", "threes"});
  REQUIRE(inter.ok());
  REQUIRE(inter->size() == 500);
  for (size_t i = 0; i < inter->size(); ++i) CHECK((*inter)[i] == MemberName(static_cast<int>(i) * 6));
  CHECK(SetCombine(e, 0, SetOp::kUnion, Keys{"evens", "threes"})->size() == 2000);
  CHECK(SetCombine(e, 0, SetOp::kDiff, Keys{"evens", "threes"})->size() == 1000);
}

TEST_CASE("STORE forms overwrite, drop the TTL, and delete on an empty result", "[engine][set]") {
  EngineFixture f;
  auto& e = f.e();
  Add(e, 0, "a", {"1", "2", "3"});
  Add(e, 0, "b", {"2", "3", "4"});
  f.Set(0, "dst", "a string", f.Now() + 10000);
  CHECK(*SetCombineStore(e, 0, SetOp::kInter, "dst", Keys{"a", "b"}) == 2);
  CHECK(Members(e, 0, "dst") == Strings{"2", "3"});
  CHECK(*e.PTtl(0, "dst") == kTtlNone);
  CHECK(*SetCombineStore(e, 0, SetOp::kUnion, "dst", Keys{"a", "b"}) == 4);
  CHECK(Members(e, 0, "dst") == Strings{"1", "2", "3", "4"});
  CHECK(*SetCombineStore(e, 0, SetOp::kDiff, "dst", Keys{"a", "b"}) == 1);
  CHECK(Members(e, 0, "dst") == Strings{"1"});
  // The destination among the sources.
  CHECK(*SetCombineStore(e, 0, SetOp::kUnion, "a", Keys{"a", "b"}) == 4);
  CHECK(Members(e, 0, "a") == Strings{"1", "2", "3", "4"});
  CHECK(*SetCombineStore(e, 0, SetOp::kDiff, "b", Keys{"b", "dst"}) == 3);
  CHECK(*SetCombineStore(e, 0, SetOp::kInter, "b", Keys{"b", "a"}) == 3);
  CHECK(Members(e, 0, "b") == Strings{"2", "3", "4"});
  // An empty result deletes the destination, whatever it was.
  REQUIRE(*e.ExpireAt(0, "dst", f.Now() + 100, ExpireCondition::kAlways));
  CHECK(*SetCombineStore(e, 0, SetOp::kInter, "dst", Keys{"a", "missing"}) == 0);
  CHECK(*e.Exists(0, Keys{"dst"}) == 0);
  f.Set(0, "str", "v");
  CHECK(*SetCombineStore(e, 0, SetOp::kDiff, "str", Keys{"a", "a"}) == 0);
  CHECK(*e.Exists(0, Keys{"str"}) == 0);
  CHECK(*SetCombineStore(e, 0, SetOp::kUnion, "nothing", Keys{"missing"}) == 0);
  CHECK(*e.Exists(0, Keys{"nothing"}) == 0);
  CHECK(f.DbSize(0) == 2);
}

TEST_CASE("SMove", "[engine][set]") {
  EngineFixture f;
  auto& e = f.e();
  Add(e, 0, "src", {"a", "b"});
  Add(e, 0, "dst", {"b"});
  CHECK(*SMove(e, 0, "src", "dst", "a"));
  CHECK(Members(e, 0, "src") == Strings{"b"});
  CHECK(Members(e, 0, "dst") == Strings{"a", "b"});
  CHECK_FALSE(*SMove(e, 0, "src", "dst", "zz"));
  CHECK_FALSE(*SMove(e, 0, "missing", "dst", "a"));
  // Same key: a membership test that changes nothing.
  CHECK(*SMove(e, 0, "dst", "dst", "a"));
  CHECK_FALSE(*SMove(e, 0, "dst", "dst", "q"));
  CHECK(Card(e, 0, "dst") == 2);
  // Moving a member the destination already has still removes it from the source, which disappears.
  CHECK(*SMove(e, 0, "src", "dst", "b"));
  CHECK(*e.Exists(0, Keys{"src"}) == 0);
  CHECK(Card(e, 0, "dst") == 2);
  // A missing destination is created; the destination keeps its TTL.
  CHECK(*SMove(e, 0, "dst", "new", "a"));
  CHECK(Members(e, 0, "new") == Strings{"a"});
  REQUIRE(*e.ExpireAt(0, "new", f.Now() + 50, ExpireCondition::kAlways));
  CHECK(*SMove(e, 0, "dst", "new", "b"));
  CHECK(*e.PTtl(0, "new") == 50);
  CHECK(Members(e, 0, "new") == Strings{"a", "b"});
  CHECK(f.DbSize(0) == 1);
}

TEST_CASE("SPop and SRandMember", "[engine][set]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(SPop(e, 0, "missing", 3)->empty());
  CHECK(SRandMember(e, 0, "missing", -3)->empty());
  Add(e, 0, "one", {"x"});
  CHECK(*SRandMember(e, 0, "one", -3) == Strings{"x", "x", "x"});
  CHECK(*SRandMember(e, 0, "one", 5) == Strings{"x"});
  CHECK(SRandMember(e, 0, "one", 0)->empty());
  CHECK(SPop(e, 0, "one", 0)->empty());
  CHECK(*SPop(e, 0, "one", 1) == Strings{"x"});
  CHECK(*e.Exists(0, Keys{"one"}) == 0);
  CHECK(SRandMember(e, 0, "one", -1000000000000).status().code() == Status::Code::kInvalidArgument);

  for (int n : {10, 3000}) {  // the exact pass and the seek picker
    INFO("size " << n);
    REQUIRE(e.Delete(0, Keys{"s"}).ok());
    Fill(e, "s", n);
    const Strings all = Members(e, 0, "s");
    auto distinct = SRandMember(e, 0, "s", 7);
    REQUIRE(distinct.ok());
    CHECK(distinct->size() == 7);
    CHECK(std::set<std::string>(distinct->begin(), distinct->end()).size() == 7);
    for (const auto& m : *distinct) CHECK(std::binary_search(all.begin(), all.end(), m));
    auto repeats = SRandMember(e, 0, "s", -25);
    REQUIRE(repeats.ok());
    CHECK(repeats->size() == 25);
    for (const auto& m : *repeats) CHECK(std::binary_search(all.begin(), all.end(), m));
    auto whole = SRandMember(e, 0, "s", n + 5);
    std::sort(whole->begin(), whole->end());
    CHECK(*whole == all);
    CHECK(Card(e, 0, "s") == n);

    auto popped = SPop(e, 0, "s", 4);
    REQUIRE(popped.ok());
    CHECK(popped->size() == 4);
    CHECK(Card(e, 0, "s") == n - 4);
    Strings rest = Members(e, 0, "s");
    for (const auto& m : *popped) CHECK_FALSE(std::binary_search(rest.begin(), rest.end(), m));
    rest.insert(rest.end(), popped->begin(), popped->end());
    std::sort(rest.begin(), rest.end());
    CHECK(rest == all);
    // A count at or above the size pops everything and deletes the key.
    auto everything = SPop(e, 0, "s", static_cast<uint64_t>(n));
    CHECK(everything->size() == static_cast<size_t>(n - 4));
    CHECK(*e.Exists(0, Keys{"s"}) == 0);
  }
}

TEST_CASE("SScan streams a big set with cursors and returns a small one whole", "[engine][set]") {
  EngineFixture f;
  auto& e = f.e();
  Add(e, 0, "small", {"a", "b", "ab"});
  auto small = SScan(e, 0, "small", 0, "*", 1);
  REQUIRE(small.ok());
  CHECK(small->next_cursor == 0);
  CHECK(small->members == Strings{"a", "ab", "b"});
  CHECK(SScan(e, 0, "small", 0, "a*", 10)->members == Strings{"a", "ab"});
  CHECK(SScan(e, 0, "missing", 0, "*", 10)->members.empty());

  Fill(e, "big", 300);
  std::vector<std::string> seen;
  uint64_t cursor = 0;
  int steps = 0;
  do {
    auto step = SScan(e, 0, "big", cursor, "*", 50);
    REQUIRE(step.ok());
    CHECK(step->members.size() <= 50);
    seen.insert(seen.end(), step->members.begin(), step->members.end());
    cursor = step->next_cursor;
    REQUIRE(++steps < 100);
  } while (cursor != 0);
  CHECK(steps >= 6);
  CHECK(seen == Members(e, 0, "big"));
  auto matched = SScan(e, 0, "big", 0, "m01*", 1000);
  CHECK(matched->members.size() == 100);
}

TEST_CASE("Concurrent SADD and SMOVE lose no update", "[engine][set][concurrency]") {
  EngineFixture f;
  auto& e = f.e();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&e, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string member = std::to_string(t) + ":" + std::to_string(i);
        const std::string_view m = member;
        auto r = SAdd(e, 0, "s", std::span<const std::string_view>(&m, 1));
        if (!r.ok() || *r != 1) FAIL_CHECK("SADD lost");
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(Card(e, 0, "s") == kThreads * kPerThread);
  CHECK(Members(e, 0, "s").size() == static_cast<size_t>(kThreads * kPerThread));

  // Members shuttle between two sets while the total stays exact; SUNION sees one consistent state.
  threads.clear();
  std::atomic<int> moved{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&e, &moved, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string member = std::to_string(t) + ":" + std::to_string(i);
        const bool forward = (i % 2) == 0;
        auto r = SMove(e, 0, forward ? "s" : "t", forward ? "t" : "s", member);
        if (r.ok() && *r) moved.fetch_add(1);
      }
    });
  }
  threads.emplace_back([&e] {
    for (int i = 0; i < 200; ++i) {
      auto u = SetCombine(e, 0, SetOp::kUnion, Keys{"s", "t"});
      if (!u.ok() || u->size() != kThreads * kPerThread) FAIL_CHECK("inconsistent union");
    }
  });
  for (auto& t : threads) t.join();
  CHECK(moved.load() == 4 * kPerThread / 2);  // odd i: the member was never in t
  CHECK(Card(e, 0, "s") + Card(e, 0, "t") == kThreads * kPerThread);
  CHECK(Card(e, 0, "t") == 4 * kPerThread / 2);
}

}  // namespace redrock::engine::test
