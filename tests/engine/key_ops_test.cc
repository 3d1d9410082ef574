// Generic key commands: DEL, EXISTS, TYPE, the EXPIRE family, RENAME, COPY, MOVE, FLUSHDB/FLUSHALL.
#include "engine/storage/engine_impl.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {
using Keys = std::vector<std::string_view>;
}

TEST_CASE("Delete counts distinct existing keys", "[engine][keys]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "a", "1");
  f.Set(0, "b", "2");
  f.Set(1, "a", "other db");
  CHECK(*e.Delete(0, Keys{"a", "a", "b", "missing"}) == 2);
  CHECK(f.DbSize(0) == 0);
  CHECK(f.DbSize(1) == 1);
  CHECK(*e.Delete(0, Keys{"a"}) == 0);
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kSet).ok());
  CHECK(*e.Delete(0, Keys{"h"}) == 1);
  CHECK(*e.Type(0, "h") == KeyType::kNone);
}

TEST_CASE("Exists counts repeats", "[engine][keys]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "a", "1");
  CHECK(*e.Exists(0, Keys{"a", "a", "b"}) == 2);
  CHECK(*e.Exists(0, Keys{}) == 0);
}

TEST_CASE("Type", "[engine][keys]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*e.Type(0, "none") == KeyType::kNone);
  f.Set(0, "s", "v");
  CHECK(*e.Type(0, "s") == KeyType::kString);
  for (KeyType t : {KeyType::kHash, KeyType::kSet, KeyType::kList, KeyType::kZSet, KeyType::kStream}) {
    REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "c", t).ok());
    CHECK(*e.Type(0, "c") == t);
  }
  CHECK(KeyTypeName(KeyType::kZSet) == "zset");
  CHECK(KeyTypeName(KeyType::kNone) == "none");
  CHECK(ParseKeyType("STRING") == KeyType::kString);
  CHECK(ParseKeyType("Hash") == KeyType::kHash);
  CHECK(ParseKeyType("Stream") == KeyType::kStream);
  CHECK(KeyTypeName(KeyType::kStream) == "stream");
  CHECK_FALSE(ParseKeyType("streams").has_value());
}

TEST_CASE("ExpireAt, PTtl, ExpireTimeMs and Persist", "[engine][keys][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  const int64_t now = f.Now();
  CHECK_FALSE(*e.ExpireAt(0, "missing", now + 10, ExpireCondition::kAlways));
  CHECK(*e.PTtl(0, "missing") == kTtlMissing);
  CHECK(*e.ExpireTimeMs(0, "missing") == kTtlMissing);
  CHECK_FALSE(*e.Persist(0, "missing"));

  f.Set(0, "k", "v");
  CHECK(*e.PTtl(0, "k") == kTtlNone);
  CHECK(*e.ExpireTimeMs(0, "k") == kTtlNone);
  CHECK_FALSE(*e.Persist(0, "k"));

  CHECK(*e.ExpireAt(0, "k", now + 1000, ExpireCondition::kAlways));
  CHECK(*e.PTtl(0, "k") == 1000);
  CHECK(*e.ExpireTimeMs(0, "k") == now + 1000);
  f.clock->AdvanceMs(400);
  CHECK(*e.PTtl(0, "k") == 600);
  CHECK(*e.Persist(0, "k"));
  CHECK(*e.PTtl(0, "k") == kTtlNone);
  CHECK(e.Keyspace(0).expires == 0);

  // Works on any type.
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash).ok());
  CHECK(*e.ExpireAt(0, "h", f.Now() + 5, ExpireCondition::kAlways));
  CHECK(*e.PTtl(0, "h") == 5);
  f.clock->AdvanceMs(5);
  CHECK(*e.Type(0, "h") == KeyType::kNone);

  // A time at or before now deletes and returns true.
  CHECK(*e.ExpireAt(0, "k", f.Now(), ExpireCondition::kAlways));
  CHECK(*e.Exists(0, Keys{"k"}) == 0);
  CHECK(f.DbSize(0) == 0);
}

TEST_CASE("ExpireAt conditions NX XX GT LT", "[engine][keys][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  const int64_t now = f.Now();
  f.Set(0, "k", "v");  // no TTL: infinite for GT/LT
  CHECK_FALSE(*e.ExpireAt(0, "k", now + 100, ExpireCondition::kXX));
  CHECK_FALSE(*e.ExpireAt(0, "k", now + 100, ExpireCondition::kGT));
  CHECK(*e.ExpireAt(0, "k", now + 100, ExpireCondition::kLT));
  CHECK(*e.ExpireTimeMs(0, "k") == now + 100);
  CHECK_FALSE(*e.ExpireAt(0, "k", now + 50, ExpireCondition::kNX));
  CHECK(*e.ExpireAt(0, "k", now + 50, ExpireCondition::kXX));
  CHECK_FALSE(*e.ExpireAt(0, "k", now + 50, ExpireCondition::kGT));  // equal is not greater
  CHECK(*e.ExpireAt(0, "k", now + 60, ExpireCondition::kGT));
  CHECK_FALSE(*e.ExpireAt(0, "k", now + 60, ExpireCondition::kLT));
  CHECK(*e.ExpireAt(0, "k", now + 40, ExpireCondition::kLT));
  CHECK(*e.ExpireTimeMs(0, "k") == now + 40);
  f.Set(0, "k2", "v");
  CHECK(*e.ExpireAt(0, "k2", now + 10, ExpireCondition::kNX));
  // The condition is checked before the past-time deletion, as in Redis.
  CHECK_FALSE(*e.ExpireAt(0, "k2", now - 1, ExpireCondition::kGT));
  CHECK(*e.Exists(0, Keys{"k2"}) == 1);
  CHECK(*e.ExpireAt(0, "k2", now - 1, ExpireCondition::kLT));
  CHECK(*e.Exists(0, Keys{"k2"}) == 0);
}

TEST_CASE("Rename", "[engine][keys]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(e.Rename(0, "missing", "x", false).status().IsNotFound());
  CHECK(e.Rename(0, "missing", "missing", false).status().IsNotFound());
  f.Set(0, "a", "1", f.Now() + 500);
  CHECK(*e.Rename(0, "a", "b", false));
  CHECK(*e.Exists(0, Keys{"a"}) == 0);
  CHECK(*e.Get(0, "b") == "1");
  CHECK(*e.PTtl(0, "b") == 500);  // keeps the expiry
  CHECK(f.DbSize(0) == 1);
  CHECK(e.Keyspace(0).expires == 1);

  // Onto itself.
  CHECK(*e.Rename(0, "b", "b", false));
  CHECK_FALSE(*e.Rename(0, "b", "b", true));
  CHECK(*e.Get(0, "b") == "1");

  // NX onto an existing key.
  f.Set(0, "c", "3");
  CHECK_FALSE(*e.Rename(0, "b", "c", true));
  CHECK(*e.Get(0, "c") == "3");
  // Replacing an existing key of another type.
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash, f.Now() + 9000).ok());
  CHECK(*e.Rename(0, "c", "h", false));
  CHECK(*e.Type(0, "h") == KeyType::kString);
  CHECK(*e.PTtl(0, "h") == kTtlNone);
  CHECK(f.DbSize(0) == 2);
  CHECK(e.Keyspace(0).expires == 1);
  // Onto an expired key (which counts as missing, even for NX).
  f.Set(0, "old", "x", f.Now() + 1);
  f.clock->AdvanceMs(1);
  CHECK(*e.Rename(0, "h", "old", true));
  CHECK(*e.Get(0, "old") == "3");
  CHECK(f.DbSize(0) == 2);
  CHECK(f.Expired() == std::vector<std::pair<int, std::string>>{{0, "old"}});
}

TEST_CASE("Copy", "[engine][keys]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK_FALSE(*e.Copy(0, "missing", 0, "x", false));
  f.Set(0, "a", "1", f.Now() + 300);
  CHECK(*e.Copy(0, "a", 0, "b", false));
  CHECK(*e.Get(0, "b") == "1");
  CHECK(*e.PTtl(0, "b") == 300);
  CHECK(*e.Get(0, "a") == "1");
  f.Set(0, "c", "3");
  CHECK_FALSE(*e.Copy(0, "a", 0, "c", false));
  CHECK(*e.Get(0, "c") == "3");
  CHECK(*e.Copy(0, "a", 0, "c", true));
  CHECK(*e.Get(0, "c") == "1");
  CHECK(*e.Copy(0, "a", 2, "a", false));
  CHECK(*e.Get(2, "a") == "1");
  CHECK(f.DbSize(0) == 3);
  CHECK(f.DbSize(2) == 1);
  CHECK(e.Keyspace(0).expires == 3);
  CHECK(e.Keyspace(2).expires == 1);
  CHECK(e.Copy(0, "a", 0, "a", true).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Move", "[engine][keys]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK_FALSE(*e.Move(0, "missing", 1));
  f.Set(0, "a", "1", f.Now() + 300);
  CHECK(*e.Move(0, "a", 1));
  CHECK(*e.Exists(0, Keys{"a"}) == 0);
  CHECK(*e.Get(1, "a") == "1");
  CHECK(*e.PTtl(1, "a") == 300);
  CHECK(f.DbSize(0) == 0);
  CHECK(f.DbSize(1) == 1);
  CHECK(e.Keyspace(0).expires == 0);
  CHECK(e.Keyspace(1).expires == 1);
  f.Set(0, "a", "0");
  CHECK_FALSE(*e.Move(0, "a", 1));
  CHECK(*e.Get(0, "a") == "0");
  CHECK(*e.Get(1, "a") == "1");
  CHECK(e.Move(0, "a", 0).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("FlushDb affects only its db; FlushAll all", "[engine][keys]") {
  EngineFixture f;
  auto& e = f.e();
  for (int db : {0, 1, 15}) {
    for (int i = 0; i < 100; ++i) f.Set(db, "k" + std::to_string(i), "v", i % 2 ? f.Now() + 1000 : 0);
  }
  REQUIRE(e.FlushDb(1).ok());
  CHECK(f.DbSize(0) == 100);
  CHECK(f.DbSize(1) == 0);
  CHECK(f.DbSize(15) == 100);
  CHECK(e.Keyspace(1).expires == 0);
  CHECK(e.Keyspace(0).expires == 50);
  CHECK(e.Get(1, "k1").status().IsNotFound());
  CHECK(*e.Get(0, "k1") == "v");
  // Entries of the flushed db left the index: advancing past every TTL expires only the others.
  f.clock->AdvanceMs(1000);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 100);
  CHECK(f.DbSize(0) == 50);
  CHECK(f.DbSize(15) == 50);
  // The flushed db is usable again.
  f.Set(1, "again", "v");
  CHECK(f.DbSize(1) == 1);

  REQUIRE(e.FlushAll().ok());
  for (int db : {0, 1, 15}) CHECK(f.DbSize(db) == 0);
  CHECK(e.Keys(0, "*")->empty());
  f.Set(0, "after", "v");
  CHECK(f.DbSize(0) == 1);
}

TEST_CASE("FlushDb of the last db (255)", "[engine][keys]") {
  EngineFixture f;
  auto opts = f.MakeOptions();
  opts.databases = 256;
  f.Close();
  f.Open(opts);
  auto& e = f.e();
  f.Set(255, "a", "1");
  f.Set(255, std::string(20, '\xff'), "2");
  f.Set(254, "b", "3");
  CHECK(f.DbSize(255) == 2);
  REQUIRE(e.FlushDb(255).ok());
  CHECK(f.DbSize(255) == 0);
  CHECK(e.Keys(255, "*")->empty());
  CHECK(f.DbSize(254) == 1);
}

}  // namespace redrock::engine::test
