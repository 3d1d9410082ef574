// Engine::ModifyString, the read-modify-write of one string value that SETBIT and BITFIELD use.
#include <string>

#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

TEST_CASE("ModifyString creates, changes in place and keeps the expiry", "[engine][strings][modify]") {
  EngineFixture f;
  auto& e = f.e();
  // A missing key: the callback sees no value; storing creates the key without expiry.
  bool saw_exists = true;
  REQUIRE(e.ModifyString(0, "k", [&](bool exists, std::string* v, bool* store) {
             saw_exists = exists;
             CHECK(v->empty());
             v->assign("ab");
             *store = true;
             return Status::OK();
           }).ok());
  CHECK_FALSE(saw_exists);
  CHECK(f.Get(0, "k") == "ab");
  CHECK(*e.PTtl(0, "k") == kTtlNone);
  CHECK(f.DbSize(0) == 1);

  // An existing key keeps its expiry.
  REQUIRE(e.ExpireAt(0, "k", f.Now() + 5000, ExpireCondition::kAlways).ok());
  REQUIRE(e.ModifyString(0, "k", [&](bool exists, std::string* v, bool* store) {
             CHECK(exists);
             CHECK(*v == "ab");
             v->push_back('c');
             *store = true;
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
  REQUIRE(e.ModifyString(0, "k", [](bool, std::string* v, bool*) {
             v->assign("x");
             return Status::OK();
           }).ok());
  CHECK_FALSE(f.Get(0, "k"));
  CHECK(f.DbSize(0) == 0);
  f.Set(0, "k", "v");
  // The callback's error is returned and nothing is written.
  Status st = e.ModifyString(0, "k", [](bool, std::string* v, bool* store) {
    v->assign("changed");
    *store = true;
    return Status::TooLarge();
  });
  CHECK(st.code() == Status::Code::kTooLarge);
  CHECK(f.Get(0, "k") == "v");
  // A non-string is WrongType before the callback runs.
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash).ok());
  bool called = false;
  st = e.ModifyString(0, "h", [&](bool, std::string*, bool*) {
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
  REQUIRE(e.ModifyString(0, "k", [](bool exists, std::string* v, bool* store) {
             CHECK_FALSE(exists);
             CHECK(v->empty());
             v->assign("new");
             *store = true;
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
