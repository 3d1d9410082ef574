// Hashes at the engine level (include/redrock/engine/hash.h): semantics, wrong types, TTL on the manual clock, the
// generic key operations on a hash, random fields, HSCAN paging and a concurrency count.
#include "redrock/engine/hash.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "engine/storage/engine_impl.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {

using Pairs = std::vector<FieldValue>;
using Names = std::vector<std::string_view>;
using Entries = std::vector<std::pair<std::string, std::string>>;

void HSetOk(Engine& e, std::string_view key, const Pairs& pairs, int64_t expect_added) {
  auto r = HSet(e, 0, key, pairs);
  REQUIRE(r.ok());
  CHECK(*r == expect_added);
}

std::optional<std::string> Field(Engine& e, std::string_view key, std::string_view field) {
  auto r = HGet(e, 0, key, field);
  if (r.status().IsNotFound()) return std::nullopt;
  REQUIRE(r.ok());
  return *r;
}

int64_t Len(Engine& e, std::string_view key) {
  auto r = HLen(e, 0, key);
  REQUIRE(r.ok());
  return *r;
}

Entries All(Engine& e, std::string_view key) {
  auto r = HGetAll(e, 0, key);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("HSet counts new fields; the last duplicate wins", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  HSetOk(e, "h", {{"a", "1"}, {"b", "2"}}, 2);
  HSetOk(e, "h", {{"a", "x"}, {"c", "3"}}, 1);
  HSetOk(e, "h", {{"d", "1"}, {"d", "2"}, {"d", "3"}}, 1);
  CHECK(Field(e, "h", "a") == "x");
  CHECK(Field(e, "h", "d") == "3");
  CHECK(Len(e, "h") == 4);
  CHECK(*e.Type(0, "h") == KeyType::kHash);
  CHECK(f.DbSize(0) == 1);

  // Many pairs (the hash-set de-duplication path), with repeats.
  Pairs many;
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back("f" + std::to_string(i % 30));
  for (const auto& n : names) many.emplace_back(n, n);
  HSetOk(e, "big", many, 30);
  CHECK(Len(e, "big") == 30);
  HSetOk(e, "big", many, 0);

  // Binary-safe fields and values, and empty ones.
  const std::string bin("a\0b", 3);
  HSetOk(e, "bin", {{bin, bin}, {"", ""}}, 2);
  CHECK(Field(e, "bin", bin) == bin);
  CHECK(Field(e, "bin", "") == "");
  CHECK(*HStrLen(e, 0, "bin", bin) == 3);
}

TEST_CASE("HGet, HMGet, HExists, HStrLen on missing keys and fields", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(HGet(e, 0, "h", "a").status().IsNotFound());
  auto mget = HMGet(e, 0, "h", Names{"a", "b"});
  REQUIRE(mget.ok());
  CHECK(*mget == std::vector<std::optional<std::string>>{std::nullopt, std::nullopt});
  CHECK(Len(e, "h") == 0);
  CHECK_FALSE(*HExists(e, 0, "h", "a"));
  CHECK(*HStrLen(e, 0, "h", "a") == 0);

  HSetOk(e, "h", {{"a", "hello"}}, 1);
  mget = HMGet(e, 0, "h", Names{"a", "zz", "a"});
  REQUIRE(mget.ok());
  CHECK(*mget == std::vector<std::optional<std::string>>{"hello", std::nullopt, "hello"});
  CHECK(*HExists(e, 0, "h", "a"));
  CHECK_FALSE(*HExists(e, 0, "h", "b"));
  CHECK(*HStrLen(e, 0, "h", "a") == 5);
  CHECK(*HStrLen(e, 0, "h", "b") == 0);
  CHECK(HGet(e, 0, "h", "b").status().IsNotFound());
  // Other databases are separate.
  CHECK(HGet(e, 1, "h", "a").status().IsNotFound());
}

TEST_CASE("HSetNx", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*HSetNx(e, 0, "h", "a", "1"));
  CHECK_FALSE(*HSetNx(e, 0, "h", "a", "2"));
  CHECK(Field(e, "h", "a") == "1");
  CHECK(*HSetNx(e, 0, "h", "b", "2"));
  CHECK(Len(e, "h") == 2);
}

TEST_CASE("HDel removes fields and the emptied key", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*HDel(e, 0, "h", Names{"a"}) == 0);
  HSetOk(e, "h", {{"a", "1"}, {"b", "2"}, {"c", "3"}}, 3);
  CHECK(*HDel(e, 0, "h", Names{"a", "a", "zz"}) == 1);
  CHECK(Len(e, "h") == 2);
  CHECK(*HDel(e, 0, "h", Names{"zz"}) == 0);
  CHECK(*HDel(e, 0, "h", Names{"b", "c"}) == 2);
  CHECK(*e.Type(0, "h") == KeyType::kNone);
  CHECK(*e.Exists(0, Names{"h"}) == 0);
  CHECK(f.DbSize(0) == 0);
  // A new hash under the same name starts empty.
  HSetOk(e, "h", {{"z", "1"}}, 1);
  CHECK(All(e, "h") == Entries{{"z", "1"}});
}

TEST_CASE("HIncrBy", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*HIncrBy(e, 0, "h", "n", 5) == 5);
  CHECK(*HIncrBy(e, 0, "h", "n", -7) == -2);
  CHECK(Field(e, "h", "n") == "-2");
  CHECK(Len(e, "h") == 1);
  HSetOk(e, "h", {{"s", "abc"}, {"sp", " 1"}, {"max", "9223372036854775807"}, {"min", "-9223372036854775808"}}, 4);
  CHECK(HIncrBy(e, 0, "h", "s", 1).status().code() == Status::Code::kNotInteger);
  CHECK(HIncrBy(e, 0, "h", "sp", 1).status().code() == Status::Code::kNotInteger);
  CHECK(HIncrBy(e, 0, "h", "max", 1).status().code() == Status::Code::kOverflow);
  CHECK(HIncrBy(e, 0, "h", "min", -1).status().code() == Status::Code::kOverflow);
  CHECK(*HIncrBy(e, 0, "h", "max", -1) == 9223372036854775806);
  CHECK(Field(e, "h", "s") == "abc");
  CHECK(Len(e, "h") == 5);
}

TEST_CASE("HIncrByFloat formats like INCRBYFLOAT", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*HIncrByFloat(e, 0, "h", "x", 10.5L) == "10.5");
  CHECK(*HIncrByFloat(e, 0, "h", "x", 0.1L) == "10.6");
  HSetOk(e, "h", {{"e", "3.0e3"}, {"i", "5"}, {"s", "abc"}, {"big", "1e308"}}, 4);
  CHECK(*HIncrByFloat(e, 0, "h", "e", 0) == "3000");
  CHECK(*HIncrByFloat(e, 0, "h", "i", -5) == "0");
  CHECK(HIncrByFloat(e, 0, "h", "s", 1).status().code() == Status::Code::kNotFloat);
  CHECK(*HIncrByFloat(e, 0, "h", "big", 1e308L) != "inf");  // long double has the room
  HSetOk(e, "h", {{"huge", "1e4932"}}, 1);
  CHECK(HIncrByFloat(e, 0, "h", "huge", 1e4932L).status().code() == Status::Code::kNanOrInfinity);
  CHECK(Field(e, "h", "huge") == "1e4932");
}

TEST_CASE("Wrong types give WrongType and change nothing", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "str", "v");
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "set", KeyType::kSet).ok());
  for (std::string_view key : {"str", "set"}) {
    CHECK(HSet(e, 0, key, Pairs{{"a", "1"}}).status().IsWrongType());
    CHECK(HSetNx(e, 0, key, "a", "1").status().IsWrongType());
    CHECK(HGet(e, 0, key, "a").status().IsWrongType());
    CHECK(HMGet(e, 0, key, Names{"a"}).status().IsWrongType());
    CHECK(HDel(e, 0, key, Names{"a"}).status().IsWrongType());
    CHECK(HLen(e, 0, key).status().IsWrongType());
    CHECK(HExists(e, 0, key, "a").status().IsWrongType());
    CHECK(HStrLen(e, 0, key, "a").status().IsWrongType());
    CHECK(HIncrBy(e, 0, key, "a", 1).status().IsWrongType());
    CHECK(HIncrByFloat(e, 0, key, "a", 1).status().IsWrongType());
    CHECK(HGetAll(e, 0, key).status().IsWrongType());
    CHECK(HRandField(e, 0, key).status().IsWrongType());
    CHECK(HRandFieldCount(e, 0, key, 0, false).status().IsWrongType());
    CHECK(HScan(e, 0, key, 0, "*", 10).status().IsWrongType());
  }
  CHECK(f.Get(0, "str") == "v");
  CHECK(*e.Type(0, "set") == KeyType::kSet);
}

TEST_CASE("A hash's TTL: kept by edits, expiry hides it, a new hash starts clean", "[engine][hash][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  HSetOk(e, "h", {{"a", "1"}, {"b", "2"}}, 2);
  REQUIRE(*e.ExpireAt(0, "h", f.Now() + 1000, ExpireCondition::kAlways));
  HSetOk(e, "h", {{"c", "3"}}, 1);
  CHECK(*HIncrBy(e, 0, "h", "n", 1) == 1);
  CHECK(*HDel(e, 0, "h", Names{"c"}) == 1);
  CHECK(*e.PTtl(0, "h") == 1000);

  f.clock->AdvanceMs(999);
  CHECK(Field(e, "h", "a") == "1");
  f.clock->AdvanceMs(1);
  CHECK(HGet(e, 0, "h", "a").status().IsNotFound());
  CHECK(Len(e, "h") == 0);
  CHECK(All(e, "h").empty());
  CHECK(*e.Type(0, "h") == KeyType::kNone);
  CHECK(*e.PTtl(0, "h") == kTtlMissing);
  CHECK(HScan(e, 0, "h", 0, "*", 10)->items.empty());
  CHECK(HRandField(e, 0, "h").status().IsNotFound());

  // Writing over the expired hash creates a new one without the old fields or the old expiry.
  HSetOk(e, "h", {{"z", "26"}}, 1);
  CHECK(All(e, "h") == Entries{{"z", "26"}});
  CHECK(*e.PTtl(0, "h") == kTtlNone);
  CHECK(f.Expired() == std::vector<std::pair<int, std::string>>{{0, "h"}});

  // PERSIST, and active expiry removing a hash.
  HSetOk(e, "g", {{"a", "1"}}, 1);
  REQUIRE(*e.ExpireAt(0, "g", f.Now() + 10, ExpireCondition::kAlways));
  REQUIRE(*e.Persist(0, "g"));
  REQUIRE(*e.ExpireAt(0, "h", f.Now() + 10, ExpireCondition::kAlways));
  f.clock->AdvanceMs(10);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 1);
  CHECK(f.DbSize(0) == 1);
  CHECK(Field(e, "g", "a") == "1");
  // An expiry in the past deletes at once.
  REQUIRE(*e.ExpireAt(0, "g", f.Now() - 1, ExpireCondition::kAlways));
  CHECK(f.DbSize(0) == 0);
}

TEST_CASE("DEL, RENAME, COPY, MOVE and overwrite by SET on a hash", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  HSetOk(e, "h", {{"a", "1"}, {"b", "2"}}, 2);
  REQUIRE(*e.Rename(0, "h", "r", false));
  CHECK(All(e, "r") == Entries{{"a", "1"}, {"b", "2"}});
  CHECK(Len(e, "h") == 0);

  REQUIRE(*e.Copy(0, "r", 0, "c", false));
  HSetOk(e, "c", {{"a", "changed"}}, 0);
  CHECK(Field(e, "r", "a") == "1");  // the copy has its own members
  CHECK(Field(e, "c", "a") == "changed");

  REQUIRE(*e.Move(0, "c", 3));
  CHECK(Len(e, "c") == 0);
  auto moved = HGetAll(e, 3, "c");
  REQUIRE(moved.ok());
  CHECK(*moved == Entries{{"a", "changed"}, {"b", "2"}});

  // SET overwrites a hash; a hash then created under the name has none of the old fields.
  f.Set(0, "r", "string now");
  CHECK(HGet(e, 0, "r", "a").status().IsWrongType());
  CHECK(*e.Delete(0, Names{"r"}) == 1);
  HSetOk(e, "r", {{"new", "1"}}, 1);
  CHECK(All(e, "r") == Entries{{"new", "1"}});

  // Survives a reopen.
  f.Reopen();
  CHECK(All(f.e(), "r") == Entries{{"new", "1"}});
  CHECK(Len(f.e(), "r") == 1);
}

TEST_CASE("HVisit streams fields in order; HGetAll collects them", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  HSetOk(e, "h", {{"b", "2"}, {"a", "1"}, {"c", "3"}}, 3);
  CHECK(All(e, "h") == Entries{{"a", "1"}, {"b", "2"}, {"c", "3"}});

  struct Recorder : HashVisitor {
    void Begin(uint64_t size) override { begun.push_back(size); }
    void Field(std::string_view k, std::string_view v) override { seen.emplace_back(k, v); }
    std::vector<uint64_t> begun;
    Entries seen;
  } rec;
  REQUIRE(HVisit(e, 0, "missing", rec).ok());
  CHECK(rec.begun == std::vector<uint64_t>{0});
  CHECK(rec.seen.empty());
  REQUIRE(HVisit(e, 0, "h", rec).ok());
  CHECK(rec.begun == std::vector<uint64_t>{0, 3});
  CHECK(rec.seen.size() == 3);
}

TEST_CASE("HRandField and HRandFieldCount follow Redis's count rules", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(HRandField(e, 0, "h").status().IsNotFound());
  CHECK(HRandFieldCount(e, 0, "h", 5, true)->empty());
  CHECK(HRandFieldCount(e, 0, "h", -5, true)->empty());

  HSetOk(e, "one", {{"f", "v"}}, 1);
  CHECK(*HRandField(e, 0, "one") == "f");
  auto rep = HRandFieldCount(e, 0, "one", -4, true);
  REQUIRE(rep.ok());
  CHECK(*rep == Entries(4, {"f", "v"}));
  CHECK(*HRandFieldCount(e, 0, "one", -2, false) == Entries(2, {"f", ""}));
  CHECK(HRandFieldCount(e, 0, "one", 0, true)->empty());

  Pairs pairs;
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i) names.push_back("f" + std::to_string(i));
  for (const auto& n : names) pairs.emplace_back(n, n);
  HSetOk(e, "h", pairs, 50);
  const std::set<std::string> all(names.begin(), names.end());

  // count >= size: every field once.
  auto whole = HRandFieldCount(e, 0, "h", 500, true);
  REQUIRE(whole.ok());
  REQUIRE(whole->size() == 50);
  std::set<std::string> got;
  for (const auto& [k, v] : *whole) {
    got.insert(k);
    CHECK(v == k);
  }
  CHECK(got == all);

  // 0 < count < size: that many distinct fields.
  for (int round = 0; round < 20; ++round) {
    auto some = HRandFieldCount(e, 0, "h", 7, false);
    REQUIRE(some.ok());
    REQUIRE(some->size() == 7);
    std::set<std::string> distinct;
    for (const auto& [k, v] : *some) {
      distinct.insert(k);
      CHECK(all.count(k) == 1);
      CHECK(v.empty());
    }
    CHECK(distinct.size() == 7);
  }

  // Negative count: exactly |count| draws, all real fields, repeats allowed; over many draws every
  // field turns up (a loose uniformity check: 5000 draws over 50 fields).
  auto draws = HRandFieldCount(e, 0, "h", -5000, true);
  REQUIRE(draws.ok());
  REQUIRE(draws->size() == 5000);
  std::map<std::string, int> hits;
  for (const auto& [k, v] : *draws) {
    CHECK(v == k);
    ++hits[k];
  }
  CHECK(hits.size() == 50);
  for (const auto& [k, n] : hits) CHECK(n > 30);

  std::set<std::string> singles;
  for (int i = 0; i < 400; ++i) singles.insert(*HRandField(e, 0, "h"));
  CHECK(singles.size() > 40);

  CHECK(HRandFieldCount(e, 0, "h", -static_cast<int64_t>(kMaxRandomFieldRepeat) - 1, false).status().code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("HScan returns small hashes whole and pages large ones", "[engine][hash]") {
  EngineFixture f;
  auto& e = f.e();
  HSetOk(e, "small", {{"a1", "1"}, {"b1", "2"}, {"a2", "3"}}, 3);
  auto r = HScan(e, 0, "small", 0, "*", 1);
  REQUIRE(r.ok());
  CHECK(r->next_cursor == 0);
  CHECK(r->items == Entries{{"a1", "1"}, {"a2", "3"}, {"b1", "2"}});
  r = HScan(e, 0, "small", 0, "a*", 10);
  CHECK(r->items == Entries{{"a1", "1"}, {"a2", "3"}});
  CHECK(HScan(e, 0, "missing", 0, "*", 10)->items.empty());

  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back("field:" + std::to_string(i));
  Pairs pairs;
  for (const auto& n : names) pairs.emplace_back(n, n);
  HSetOk(e, "large", pairs, 300);

  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int steps = 0;
  do {
    auto step = HScan(e, 0, "large", cursor, "*", 25);
    REQUIRE(step.ok());
    CHECK(step->items.size() <= 25);
    for (const auto& [k, v] : step->items) {
      CHECK(k == v);
      seen.insert(k);
    }
    cursor = step->next_cursor;
    ++steps;
  } while (cursor != 0 && steps < 100);
  CHECK(cursor == 0);
  CHECK(steps >= 12);
  CHECK(seen == std::multiset<std::string>(names.begin(), names.end()));

  // MATCH filters what is returned, not how much is examined.
  size_t matched = 0;
  cursor = 0;
  steps = 0;
  do {
    auto step = HScan(e, 0, "large", cursor, "field:1?", 50);
    REQUIRE(step.ok());
    matched += step->items.size();
    cursor = step->next_cursor;
    ++steps;
  } while (cursor != 0 && steps < 100);
  CHECK(matched == 10);
}

TEST_CASE("Concurrent HIncrBy and HSet lose no update", "[engine][hash][concurrency]") {
  EngineFixture f;
  auto& e = f.e();
  constexpr int kThreads = 8;
  constexpr int kOps = 500;
  // Catch2 assertions are not thread-safe: the workers only count failures.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&e, &failures, t] {
      const std::string own = "t" + std::to_string(t);
      for (int i = 0; i < kOps; ++i) {
        if (!HIncrBy(e, 0, "counter", "hits", 1).ok()) ++failures;
        if (!HIncrBy(e, 0, "counter", own, 2).ok()) ++failures;
        const std::string field = own + ":" + std::to_string(i);
        auto added = HSet(e, 0, "fields", Pairs{{field, "x"}});
        if (!added.ok() || *added != 1) ++failures;
        if (i % 2 == 0) {
          auto deleted = HDel(e, 0, "fields", Names{field});
          if (!deleted.ok() || *deleted != 1) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  CHECK(Field(e, "counter", "hits") == std::to_string(kThreads * kOps));
  for (int t = 0; t < kThreads; ++t) CHECK(Field(e, "counter", "t" + std::to_string(t)) == std::to_string(2 * kOps));
  CHECK(Len(e, "counter") == kThreads + 1);
  CHECK(Len(e, "fields") == kThreads * kOps / 2);
  CHECK(All(e, "fields").size() == static_cast<size_t>(kThreads * kOps / 2));
}

}  // namespace redrock::engine::test
