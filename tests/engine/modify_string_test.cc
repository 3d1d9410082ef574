// Engine::ModifyString (the read-modify-write of one string value SETBIT and BITFIELD use) and
// Engine::CombineStrings (BITOP's locked store of a value computed from string sources).
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

TEST_CASE("ModifyString creates, changes in place and keeps the expiry", "[engine][strings][modify]") {
  EngineFixture f;
  auto& e = f.e();
  // A missing key: the callback sees no value; storing creates the key without expiry.
  bool saw_exists = true;
  REQUIRE(e.ModifyString(0, "k", [&](bool exists, std::string* v, Engine::StoreMode* mode) {
             saw_exists = exists;
             CHECK(v->empty());
             v->assign("ab");
             *mode = Engine::StoreMode::kStore;
             return Status::OK();
           }).ok());
  CHECK_FALSE(saw_exists);
  CHECK(f.Get(0, "k") == "ab");
  CHECK(*e.PTtl(0, "k") == kTtlNone);
  CHECK(f.DbSize(0) == 1);

  // An existing key keeps its expiry.
  REQUIRE(e.ExpireAt(0, "k", f.Now() + 5000, ExpireCondition::kAlways).ok());
  REQUIRE(e.ModifyString(0, "k", [&](bool exists, std::string* v, Engine::StoreMode* mode) {
             CHECK(exists);
             CHECK(*v == "ab");
             v->push_back('c');
             *mode = Engine::StoreMode::kStore;
             return Status::OK();
           }).ok());
  CHECK(f.Get(0, "k") == "abc");
  CHECK(*e.PTtl(0, "k") == 5000);
  CHECK(e.Keyspace(0).expires == 1);
}

TEST_CASE("ModifyString without store, with an error, on a non-string", "[engine][strings][modify]") {
  EngineFixture f;
  auto& e = f.e();
  // Not storing creates nothing, even after changing the buffer.
  REQUIRE(e.ModifyString(0, "k", [](bool, std::string* v, Engine::StoreMode*) {
             v->assign("x");
             return Status::OK();
           }).ok());
  CHECK_FALSE(f.Get(0, "k"));
  CHECK(f.DbSize(0) == 0);
  f.Set(0, "k", "v");
  // The callback's error is returned and nothing is written.
  Status st = e.ModifyString(0, "k", [](bool, std::string* v, Engine::StoreMode* mode) {
    v->assign("changed");
    *mode = Engine::StoreMode::kStore;
    return Status::TooLarge();
  });
  CHECK(st.code() == Status::Code::kTooLarge);
  CHECK(f.Get(0, "k") == "v");
  // A non-string is WrongType before the callback runs.
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash).ok());
  bool called = false;
  st = e.ModifyString(0, "h", [&](bool, std::string*, Engine::StoreMode*) {
    called = true;
    return Status::OK();
  });
  CHECK(st.code() == Status::Code::kWrongType);
  CHECK_FALSE(called);
  CHECK(*e.Type(0, "h") == KeyType::kHash);
}

TEST_CASE("ModifyString treats an expired value as missing and counts no lookup", "[engine][strings][modify]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "k", "old", f.Now() + 10);
  f.clock->AdvanceMs(20);
  const EngineStats before = e.Stats();
  REQUIRE(e.ModifyString(0, "k", [](bool exists, std::string* v, Engine::StoreMode* mode) {
             CHECK_FALSE(exists);
             CHECK(v->empty());
             v->assign("new");
             *mode = Engine::StoreMode::kStore;
             return Status::OK();
           }).ok());
  const EngineStats after = e.Stats();
  CHECK(after.keyspace_hits == before.keyspace_hits);
  CHECK(after.keyspace_misses == before.keyspace_misses);
  CHECK(f.Get(0, "k") == "new");
  CHECK(*e.PTtl(0, "k") == kTtlNone);
  CHECK(f.DbSize(0) == 1);
  CHECK(e.Keyspace(0).expires == 0);
  // The replaced expired value is reported as expired.
  CHECK(f.Expired() == std::vector<std::pair<int, std::string>>{{0, "k"}});
}

}  // namespace redrock::engine::test

namespace redrock::engine::test {

TEST_CASE("CombineStrings stores, deletes and stops at a non-string", "[engine][strings][combine]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "a", "ab");
  f.Set(0, "dst", "old", f.Now() + 5000);
  const std::vector<std::string_view> srcs = {"a", "missing", "a"};
  std::vector<std::optional<std::string>> seen;
  const EngineStats before = e.Stats();
  auto r = e.CombineStrings(0, "dst", srcs, [&](std::span<const std::optional<std::string>> s) {
    seen.assign(s.begin(), s.end());
    return std::string("xyz");
  });
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  CHECK(seen == std::vector<std::optional<std::string>>{"ab", std::nullopt, "ab"});
  // One lookup per source: two hits and a miss.
  CHECK(e.Stats().keyspace_hits == before.keyspace_hits + 2);
  CHECK(e.Stats().keyspace_misses == before.keyspace_misses + 1);
  // Stored as SET stores: the old expiry is gone.
  CHECK(f.Get(0, "dst") == "xyz");
  CHECK(*e.PTtl(0, "dst") == kTtlNone);
  CHECK(e.Keyspace(0).expires == 0);

  // An empty result deletes a live destination (and says so), then finds nothing to delete.
  auto empty = [](std::span<const std::optional<std::string>>) { return std::string(); };
  r = e.CombineStrings(0, "dst", srcs, empty);
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK_FALSE(f.Get(0, "dst"));
  r = e.CombineStrings(0, "dst", srcs, empty);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  CHECK(f.DbSize(0) == 1);

  // A non-string source: WrongType, nothing computed or written; a non-string destination is replaced.
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash).ok());
  bool called = false;
  const std::vector<std::string_view> bad = {"a", "h"};
  r = e.CombineStrings(0, "dst", bad, [&](std::span<const std::optional<std::string>>) {
    called = true;
    return std::string("x");
  });
  CHECK(r.status().code() == Status::Code::kWrongType);
  CHECK_FALSE(called);
  CHECK_FALSE(f.Get(0, "dst"));
  const std::vector<std::string_view> self = {"a"};
  r = e.CombineStrings(0, "h", self, [](std::span<const std::optional<std::string>> s) { return *s[0]; });
  REQUIRE(r.ok());
  CHECK(*e.Type(0, "h") == KeyType::kString);
  CHECK(f.Get(0, "h") == "ab");
}

}  // namespace redrock::engine::test

namespace redrock::engine::test {

TEST_CASE("ModifyString with Lookup::kCounted counts one lookup of the key", "[engine][strings][modify]") {
  EngineFixture f;
  auto& e = f.e();
  auto keep = [](bool, std::string*, Engine::StoreMode*) { return Status::OK(); };
  EngineStats before = e.Stats();
  REQUIRE(e.ModifyString(0, "k", keep, Engine::Lookup::kCounted).ok());
  CHECK(e.Stats().keyspace_misses == before.keyspace_misses + 1);
  CHECK(e.Stats().keyspace_hits == before.keyspace_hits);
  f.Set(0, "k", "v");
  before = e.Stats();
  REQUIRE(e.ModifyString(0, "k", keep, Engine::Lookup::kCounted).ok());
  CHECK(e.Stats().keyspace_hits == before.keyspace_hits + 1);
  // A key of another type is a hit, then WrongType.
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash).ok());
  before = e.Stats();
  CHECK(e.ModifyString(0, "h", keep, Engine::Lookup::kCounted).code() == Status::Code::kWrongType);
  CHECK(e.Stats().keyspace_hits == before.keyspace_hits + 1);
  CHECK(e.Stats().keyspace_misses == before.keyspace_misses);
}

TEST_CASE("ModifyStringFrom reads sources under the locks and keeps the key's expiry", "[engine][strings][modify]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "a", "ab");
  f.Set(0, "dst", "d", f.Now() + 5000);
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash).ok());
  const std::vector<std::string_view> srcs = {"a", "missing", "dst", "h"};
  EngineStats before = e.Stats();
  // The callback reads what it wants, in its order; the destination itself reads as before the write.
  REQUIRE(e.ModifyStringFrom(0, "dst", srcs, [&](const Engine::StringSourceReader& read, bool exists, std::string* v,
                                                 Engine::StoreMode* mode) {
             CHECK(exists);
             CHECK(*v == "d");
             auto a = read(0);
             REQUIRE(a.ok());
             REQUIRE(*a);
             auto m = read(1);
             REQUIRE(m.ok());
             CHECK_FALSE(*m);
             v->append(**a);
             auto self = read(2);
             REQUIRE(self.ok());
             CHECK(**self == "d");
             *mode = Engine::StoreMode::kStore;
             return Status::OK();
           }).ok());
  // Three reads: two hits and a miss; the destination's own read (kUncounted) counts nothing.
  CHECK(e.Stats().keyspace_hits == before.keyspace_hits + 2);
  CHECK(e.Stats().keyspace_misses == before.keyspace_misses + 1);
  CHECK(f.Get(0, "dst") == "dab");
  CHECK(*e.PTtl(0, "dst") == 5000);
  CHECK(e.Keyspace(0).expires == 1);

  // A non-string source reads as WrongType; the callback returning it writes nothing.
  Status st = e.ModifyStringFrom(0, "dst", srcs, [&](const Engine::StringSourceReader& read, bool, std::string* v,
                                                      Engine::StoreMode* mode) {
    v->assign("changed");
    *mode = Engine::StoreMode::kStore;
    auto h = read(3);
    return h.ok() ? Status::OK() : h.status();
  });
  CHECK(st.code() == Status::Code::kWrongType);
  CHECK(f.Get(0, "dst") == "dab");

  // A missing destination is created; counted, its read is a miss.
  before = e.Stats();
  REQUIRE(e.ModifyStringFrom(0, "new", srcs, [&](const Engine::StringSourceReader&, bool exists, std::string* v,
                                                 Engine::StoreMode* mode) {
             CHECK_FALSE(exists);
             v->assign("n");
             *mode = Engine::StoreMode::kStore;
             return Status::OK();
           }, Engine::Lookup::kCounted).ok());
  CHECK(e.Stats().keyspace_misses == before.keyspace_misses + 1);
  CHECK(f.Get(0, "new") == "n");
  CHECK(*e.PTtl(0, "new") == kTtlNone);
  // A non-string destination: WrongType before the callback.
  bool called = false;
  st = e.ModifyStringFrom(0, "h", srcs, [&](const Engine::StringSourceReader&, bool, std::string*, Engine::StoreMode*) {
    called = true;
    return Status::OK();
  });
  CHECK(st.code() == Status::Code::kWrongType);
  CHECK_FALSE(called);
}

}  // namespace redrock::engine::test
