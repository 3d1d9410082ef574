// KEYS, SCAN and RANDOMKEY.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "engine/storage/engine_impl.h"
#include "redrock/engine/hash.h"
#include "redrock/engine/set.h"
#include "redrock/engine/zset.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {
using Strings = std::vector<std::string>;

// Runs a whole SCAN iteration and returns every key with how often it was returned.
std::map<std::string, int> ScanAll(Engine& e, int db, std::string_view pattern, int64_t count,
                                   std::optional<KeyType> type, int* calls = nullptr) {
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int n = 0;
  do {
    auto r = e.Scan(db, cursor, pattern, count, type);
    REQUIRE(r.ok());
    for (auto& k : r->keys) ++seen[k];
    cursor = r->next_cursor;
    REQUIRE(++n < 100000);
  } while (cursor != 0);
  if (calls) *calls = n;
  return seen;
}
}  // namespace

TEST_CASE("Keys with prefix, infix and literal patterns", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  for (const char* k : {"user:1", "user:2", "user:10", "usex", "admin:1", "u", "a*b", "a\\b"}) f.Set(0, k, "v");
  f.Set(1, "user:99", "other db");
  CHECK(*e.Keys(0, "user:*") == Strings{"user:1", "user:10", "user:2"});
  CHECK(*e.Keys(0, "*:1") == Strings{"admin:1", "user:1"});
  CHECK(*e.Keys(0, "*1*") == Strings{"admin:1", "user:1", "user:10"});
  CHECK(*e.Keys(0, "user:?") == Strings{"user:1", "user:2"});
  CHECK(*e.Keys(0, "us[a-z]?") == Strings{"usex"});
  CHECK(*e.Keys(0, "user:1") == Strings{"user:1"});
  CHECK(*e.Keys(0, "user:3") == Strings{});
  CHECK(*e.Keys(0, "a\\*b") == Strings{"a*b"});
  CHECK(*e.Keys(0, "u") == Strings{"u"});
  CHECK(e.Keys(0, "*")->size() == 8);
  CHECK(*e.Keys(1, "*") == Strings{"user:99"});
  CHECK(e.Keys(2, "*")->empty());
}

TEST_CASE("Keys at the top of the byte range", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  const std::string high = "\xff\xff" "a";
  f.Set(0, high, "v");
  f.Set(0, "\xff", "v");
  f.Set(1, "x", "v");
  CHECK(*e.Keys(0, "\xff*") == Strings{"\xff", high});
  CHECK(*e.Keys(0, "\xff\xff*") == Strings{high});
}

TEST_CASE("Scan visits every key exactly once", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  std::set<std::string> all;
  for (int i = 0; i < 500; ++i) {
    std::string k = (i % 3 ? "item:" : "other:") + std::to_string(i);
    f.Set(0, k, "v");
    all.insert(k);
  }
  f.Set(1, "item:x", "v");
  for (int64_t count : {1, 3, 10, 1000}) {
    INFO("count " << count);
    int calls = 0;
    auto seen = ScanAll(e, 0, "*", count, std::nullopt, &calls);
    CHECK(seen.size() == all.size());
    CHECK(std::all_of(seen.begin(), seen.end(), [](auto& p) { return p.second == 1; }));
    if (count == 1) CHECK(calls >= 500);
    if (count == 1000) CHECK(calls == 1);
  }
  // MATCH with a literal prefix, and an infix pattern.
  auto items = ScanAll(e, 0, "item:*", 7, std::nullopt);
  CHECK(items.size() == 333);
  auto nines = ScanAll(e, 0, "*9", 7, std::nullopt);
  size_t expected = 0;
  for (auto& k : all) expected += k.back() == '9';
  CHECK(nines.size() == expected);
  // A huge COUNT is fine.
  auto huge = e.Scan(0, 0, "*", std::numeric_limits<int64_t>::max(), std::nullopt);
  REQUIRE(huge.ok());
  CHECK(huge->keys.size() == 500);
  CHECK(huge->next_cursor == 0);
  // A single step returns at most count keys.
  auto step = e.Scan(0, 0, "*", 5, std::nullopt);
  REQUIRE(step.ok());
  CHECK(step->keys.size() == 5);
  CHECK(step->next_cursor != 0);
}

TEST_CASE("Scan TYPE filters after fetching", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  for (int i = 0; i < 30; ++i) {
    if (i % 3 == 0) {
      REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h" + std::to_string(i), KeyType::kHash).ok());
    } else {
      f.Set(0, "s" + std::to_string(i), "v");
    }
  }
  CHECK(ScanAll(e, 0, "*", 4, KeyType::kHash).size() == 10);
  CHECK(ScanAll(e, 0, "*", 4, KeyType::kString).size() == 20);
  CHECK(ScanAll(e, 0, "*", 4, KeyType::kZSet).empty());
  CHECK(ScanAll(e, 0, "s*", 4, KeyType::kHash).empty());
  // A step may return nothing while the iteration is not over.
  auto r = e.Scan(0, 0, "*", 1, KeyType::kZSet);
  REQUIRE(r.ok());
  CHECK(r->keys.empty());
  CHECK(r->next_cursor != 0);
}

TEST_CASE("Scan cursors: unknown restarts, other db restarts, repeatable", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  for (int i = 0; i < 10; ++i) f.Set(0, "k" + std::to_string(i), "v");
  auto first = e.Scan(0, 0, "*", 3, std::nullopt);
  REQUIRE(first.ok());
  CHECK(first->keys == Strings{"k0", "k1", "k2"});
  auto second = e.Scan(0, first->next_cursor, "*", 3, std::nullopt);
  CHECK(second->keys == Strings{"k3", "k4", "k5"});
  // The same cursor again gives the same step.
  auto again = e.Scan(0, first->next_cursor, "*", 3, std::nullopt);
  CHECK(again->keys == Strings{"k3", "k4", "k5"});
  auto unknown = e.Scan(0, 123456789, "*", 3, std::nullopt);
  CHECK(unknown->keys == Strings{"k0", "k1", "k2"});
  auto other_db = e.Scan(1, first->next_cursor, "*", 3, std::nullopt);
  CHECK(other_db->keys.empty());
  CHECK(other_db->next_cursor == 0);
  // Keys added behind the cursor are not revisited; keys deleted ahead are skipped.
  REQUIRE(*e.Delete(0, std::vector<std::string_view>{"k6"}) == 1);
  auto third = e.Scan(0, second->next_cursor, "*", 3, std::nullopt);
  CHECK(third->keys == Strings{"k7", "k8", "k9"});
  CHECK(third->next_cursor == 0);
}

TEST_CASE("Scan ends and returns each key once when the empty key or the prefix key is a stop", "[engine][iteration]") {
  // A step that stops on the empty key, or on the key equal to the pattern's literal prefix, used to
  // restart the iteration instead of resuming past it, so SCAN never returned cursor 0.
  EngineFixture f;
  auto& e = f.e();
  for (const char* k : {"", "a", "abc", "abcd", "abce", "b", "c"}) f.Set(0, k, "v");
  for (int64_t count : {1, 2, 3, 7, 100}) {
    INFO("count " << count);
    auto all = ScanAll(e, 0, "*", count, std::nullopt);
    CHECK(all.size() == 7);
    CHECK(all.count("") == 1);
    CHECK(std::all_of(all.begin(), all.end(), [](auto& p) { return p.second == 1; }));
    auto prefixed = ScanAll(e, 0, "abc*", count, std::nullopt);
    CHECK(prefixed == std::map<std::string, int>{{"abc", 1}, {"abcd", 1}, {"abce", 1}});
  }
}

TEST_CASE("Scan MATCH \"\" matches only the empty key", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(ScanAll(e, 0, "", 10, std::nullopt).empty());
  for (const char* k : {"a", "b", "", "c"}) f.Set(0, k, "v");
  for (int64_t count : {1, 10}) {
    CHECK(ScanAll(e, 0, "", count, std::nullopt) == std::map<std::string, int>{{"", 1}});
  }
  CHECK(*e.Keys(0, "") == Strings{""});
}

TEST_CASE("Member scans: \"*\" is every member, \"\" only the empty one", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  for (int size : {3, 300}) {  // whole in one step, and cursor-driven
    INFO("size " << size);
    const std::string hkey = "h" + std::to_string(size), skey = "s" + std::to_string(size),
                      zkey = "z" + std::to_string(size);
    std::vector<std::string> names{""};
    for (int i = 1; i < size; ++i) names.push_back("m" + std::to_string(i));
    std::vector<FieldValue> fields;
    std::vector<std::string_view> members;
    std::vector<std::pair<double, std::string_view>> scored;
    for (const std::string& n : names) {
      fields.emplace_back(n, "v");
      members.push_back(n);
      scored.emplace_back(1.0, n);
    }
    REQUIRE(HSet(e, 0, hkey, fields).ok());
    REQUIRE(SAdd(e, 0, skey, members).ok());
    REQUIRE(ZAdd(e, 0, zkey, scored, ZAddOptions{}).ok());
    for (std::string_view pattern : {std::string_view("*"), std::string_view("")}) {
      const size_t expected = pattern.empty() ? 1 : names.size();
      std::multiset<std::string> h, s, z;
      uint64_t cursor = 0;
      do {
        auto step = HScan(e, 0, hkey, cursor, pattern, 7);
        REQUIRE(step.ok());
        for (auto& item : step->items) h.insert(item.first);
        cursor = step->next_cursor;
      } while (cursor != 0);
      do {
        auto step = SScan(e, 0, skey, cursor, pattern, 7);
        REQUIRE(step.ok());
        s.insert(step->members.begin(), step->members.end());
        cursor = step->next_cursor;
      } while (cursor != 0);
      do {
        auto step = ZScan(e, 0, zkey, cursor, pattern, 7);
        REQUIRE(step.ok());
        for (auto& item : step->items) z.insert(item.member);
        cursor = step->next_cursor;
      } while (cursor != 0);
      CHECK(h.size() == expected);
      CHECK(s.size() == expected);
      CHECK(z.size() == expected);
      CHECK(h.count("") == 1);
      CHECK(s.count("") == 1);
      CHECK(z.count("") == 1);
    }
  }
}

TEST_CASE("RandomKey", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK_FALSE(e.RandomKey(0)->has_value());
  f.Set(0, "only", "v");
  CHECK(**e.RandomKey(0) == "only");
  for (int i = 0; i < 100; ++i) f.Set(0, "user:" + std::to_string(1000 + i), "v");
  f.Set(1, "elsewhere", "v");
  std::set<std::string> picked;
  for (int i = 0; i < 200; ++i) {
    auto r = e.RandomKey(0);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    CHECK(**r != "elsewhere");
    picked.insert(**r);
  }
  // Small dbs get a uniform pick: 200 draws over 101 keys leave few unseen.
  CHECK(picked.size() > 60);
}

TEST_CASE("RandomKey spreads over a large db", "[engine][iteration]") {
  EngineFixture f;
  auto& e = f.e();
  std::vector<std::pair<std::string, std::string>> kv;
  for (int i = 0; i < 3000; ++i) kv.emplace_back("session:" + std::to_string(i * 7919 % 100000), "v");
  std::vector<std::pair<std::string_view, std::string_view>> pairs(kv.begin(), kv.end());
  REQUIRE(e.MSet(0, pairs).ok());
  std::set<std::string> picked;
  for (int i = 0; i < 300; ++i) picked.insert(**e.RandomKey(0));
  CHECK(picked.size() > 100);
}

}  // namespace redrock::engine::test
