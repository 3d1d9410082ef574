// Strings: every method of engine.h's "Strings" section, against Redis 7 semantics.
#include <limits>

#include "engine/storage/engine_impl.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {
using Code = Status::Code;
}

TEST_CASE("Get and Set basics", "[engine][strings]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(e.Get(0, "missing").status().IsNotFound());
  f.Set(0, "k", "v");
  CHECK(*e.Get(0, "k") == "v");
  f.Set(0, "k", std::string("a\0b", 3));
  CHECK(*e.Get(0, "k") == std::string("a\0b", 3));
  f.Set(0, "", "empty key");
  CHECK(*e.Get(0, "") == "empty key");
  f.Set(0, "empty", "");
  CHECK(*e.Get(0, "empty") == "");
  // Databases are separate namespaces.
  CHECK(e.Get(1, "k").status().IsNotFound());
}

TEST_CASE("Set conditions and GET", "[engine][strings]") {
  EngineFixture f;
  auto& e = f.e();
  SetOptions nx;
  nx.condition = SetCondition::kIfMissing;
  SetOptions xx;
  xx.condition = SetCondition::kIfExists;

  auto r = e.Set(0, "k", "1", xx);
  REQUIRE(r.ok());
  CHECK_FALSE(r->applied);
  CHECK(e.Get(0, "k").status().IsNotFound());

  r = e.Set(0, "k", "1", nx);
  REQUIRE(r.ok());
  CHECK(r->applied);
  r = e.Set(0, "k", "2", nx);
  REQUIRE(r.ok());
  CHECK_FALSE(r->applied);
  CHECK(*e.Get(0, "k") == "1");
  r = e.Set(0, "k", "3", xx);
  REQUIRE(r.ok());
  CHECK(r->applied);
  CHECK(*e.Get(0, "k") == "3");

  SetOptions get;
  get.get_old = true;
  r = e.Set(0, "k", "4", get);
  REQUIRE(r.ok());
  CHECK(r->applied);
  REQUIRE(r->old_value);
  CHECK(*r->old_value == "3");
  r = e.Set(0, "new", "x", get);
  REQUIRE(r.ok());
  CHECK_FALSE(r->old_value.has_value());

  // NX + GET returns the old value and writes nothing (Redis 7).
  SetOptions nxget = nx;
  nxget.get_old = true;
  r = e.Set(0, "k", "5", nxget);
  REQUIRE(r.ok());
  CHECK_FALSE(r->applied);
  CHECK(*r->old_value == "4");
  CHECK(*e.Get(0, "k") == "4");
}

TEST_CASE("Set expiry, KEEPTTL and clearing", "[engine][strings][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  const int64_t now = f.Now();
  f.Set(0, "k", "v", now + 10'000);
  CHECK(*e.PTtl(0, "k") == 10'000);

  SetOptions keep;
  keep.keep_ttl = true;
  REQUIRE(e.Set(0, "k", "v2", keep).ok());
  CHECK(*e.PTtl(0, "k") == 10'000);
  CHECK(*e.Get(0, "k") == "v2");

  // A plain SET clears the expiry.
  f.Set(0, "k", "v3");
  CHECK(*e.PTtl(0, "k") == kTtlNone);

  // expire_at wins over keep_ttl.
  SetOptions both;
  both.keep_ttl = true;
  both.expire_at_ms = now + 5;
  REQUIRE(e.Set(0, "k", "v4", both).ok());
  CHECK(*e.PTtl(0, "k") == 5);

  // A time in the past deletes the key.
  SetOptions past;
  past.expire_at_ms = now - 1;
  auto r = e.Set(0, "k", "gone", past);
  REQUIRE(r.ok());
  CHECK(r->applied);
  CHECK(e.Get(0, "k").status().IsNotFound());
  CHECK(f.DbSize(0) == 0);
  past.expire_at_ms = now;  // "at or before now"
  REQUIRE(e.Set(0, "k2", "gone", past).ok());
  CHECK(f.DbSize(0) == 0);
}

TEST_CASE("Set GET on a non-string is WrongType and writes nothing", "[engine][strings][wrongtype]") {
  EngineFixture f;
  auto& e = f.e();
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash).ok());
  SetOptions get;
  get.get_old = true;
  auto r = e.Set(0, "h", "v", get);
  CHECK(r.status().code() == Code::kWrongType);
  CHECK(*e.Type(0, "h") == KeyType::kHash);
  // Without GET, SET overwrites any type.
  f.Set(0, "h", "v");
  CHECK(*e.Type(0, "h") == KeyType::kString);
  CHECK(f.DbSize(0) == 1);
}

TEST_CASE("Wrong types across string commands", "[engine][strings][wrongtype]") {
  EngineFixture f;
  auto& e = f.e();
  REQUIRE(EngineTestPeer::PutFakeCollection(e, 0, "h", KeyType::kHash).ok());
  CHECK(e.Get(0, "h").status().code() == Code::kWrongType);
  CHECK(e.GetDel(0, "h").status().code() == Code::kWrongType);
  CHECK(e.GetEx(0, "h", {}).status().code() == Code::kWrongType);
  ExpiryUpdate persist{ExpiryUpdate::Kind::kPersist, 0};
  CHECK(e.GetEx(0, "h", persist).status().code() == Code::kWrongType);
  CHECK(e.IncrBy(0, "h", 1).status().code() == Code::kWrongType);
  CHECK(e.IncrByFloat(0, "h", 1).status().code() == Code::kWrongType);
  CHECK(e.Append(0, "h", "x").status().code() == Code::kWrongType);
  CHECK(e.SetRange(0, "h", 0, "x").status().code() == Code::kWrongType);
  CHECK(e.SetRange(0, "h", 0, "").status().code() == Code::kWrongType);
  CHECK(e.GetRange(0, "h", 0, -1).status().code() == Code::kWrongType);
  CHECK(e.StrLen(0, "h").status().code() == Code::kWrongType);
  std::vector<std::string_view> keys = {"h", "nokey"};
  auto m = e.MGet(0, keys);
  REQUIRE(m.ok());
  CHECK(*m == std::vector<std::optional<std::string>>{std::nullopt, std::nullopt});
  CHECK(*e.Type(0, "h") == KeyType::kHash);
}

TEST_CASE("MGet, MSet and MSetNX", "[engine][strings]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "a", "old", f.Now() + 1000);
  std::vector<std::pair<std::string_view, std::string_view>> pairs = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
  REQUIRE(e.MSet(0, pairs).ok());
  std::vector<std::string_view> keys = {"a", "b", "c", "a"};
  auto m = e.MGet(0, keys);
  REQUIRE(m.ok());
  CHECK(*m == std::vector<std::optional<std::string>>{"3", "2", std::nullopt, "3"});
  CHECK(*e.PTtl(0, "a") == kTtlNone);  // MSET clears expiries
  CHECK(f.DbSize(0) == 2);

  std::vector<std::pair<std::string_view, std::string_view>> nx1 = {{"c", "x"}, {"b", "y"}};
  auto r = e.MSetNX(0, nx1);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  CHECK(e.Get(0, "c").status().IsNotFound());
  std::vector<std::pair<std::string_view, std::string_view>> nx2 = {{"c", "x"}, {"d", "y"}, {"c", "z"}};
  r = e.MSetNX(0, nx2);
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK(*e.Get(0, "c") == "z");
  CHECK(*e.Get(0, "d") == "y");
  CHECK(f.DbSize(0) == 4);
}

TEST_CASE("GetDel", "[engine][strings]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(e.GetDel(0, "k").status().IsNotFound());
  f.Set(0, "k", "v", f.Now() + 100);
  auto r = e.GetDel(0, "k");
  REQUIRE(r.ok());
  CHECK(*r == "v");
  CHECK(e.Get(0, "k").status().IsNotFound());
  CHECK(f.DbSize(0) == 0);
  CHECK(e.Keyspace(0).expires == 0);
}

TEST_CASE("GetEx", "[engine][strings][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  const int64_t now = f.Now();
  CHECK(e.GetEx(0, "k", {}).status().IsNotFound());
  f.Set(0, "k", "v");
  CHECK(*e.GetEx(0, "k", {}) == "v");
  CHECK(*e.PTtl(0, "k") == kTtlNone);

  ExpiryUpdate at{ExpiryUpdate::Kind::kSetAt, now + 500};
  CHECK(*e.GetEx(0, "k", at) == "v");
  CHECK(*e.PTtl(0, "k") == 500);
  CHECK(e.Keyspace(0).expires == 1);

  ExpiryUpdate persist{ExpiryUpdate::Kind::kPersist, 0};
  CHECK(*e.GetEx(0, "k", persist) == "v");
  CHECK(*e.PTtl(0, "k") == kTtlNone);
  CHECK(e.Keyspace(0).expires == 0);

  ExpiryUpdate past{ExpiryUpdate::Kind::kSetAt, now - 1};
  CHECK(*e.GetEx(0, "k", past) == "v");
  CHECK(e.Get(0, "k").status().IsNotFound());
  CHECK(f.DbSize(0) == 0);
}

TEST_CASE("IncrBy", "[engine][strings]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*e.IncrBy(0, "n", 5) == 5);
  CHECK(*e.IncrBy(0, "n", -7) == -2);
  CHECK(*e.Get(0, "n") == "-2");
  CHECK(*e.PTtl(0, "n") == kTtlNone);

  // Keeps the TTL.
  REQUIRE(*e.ExpireAt(0, "n", f.Now() + 1000, ExpireCondition::kAlways));
  CHECK(*e.IncrBy(0, "n", 1) == -1);
  CHECK(*e.PTtl(0, "n") == 1000);

  for (const char* bad : {"abc", " 1", "1 ", "01", "+1", "1.0", "", "99999999999999999999"}) {
    f.Set(0, "s", bad);
    CHECK(e.IncrBy(0, "s", 1).status().code() == Code::kNotInteger);
    CHECK(*e.Get(0, "s") == bad);
  }
  f.Set(0, "max", "9223372036854775807");
  CHECK(e.IncrBy(0, "max", 1).status().code() == Code::kOverflow);
  CHECK(*e.IncrBy(0, "max", 0) == std::numeric_limits<int64_t>::max());
  f.Set(0, "min", "-9223372036854775808");
  CHECK(e.IncrBy(0, "min", -1).status().code() == Code::kOverflow);
  CHECK(*e.IncrBy(0, "min", std::numeric_limits<int64_t>::max()) == -1);
  CHECK(e.IncrBy(0, "fresh", std::numeric_limits<int64_t>::min()).ok());
  CHECK(*e.Get(0, "fresh") == "-9223372036854775808");
}

TEST_CASE("IncrByFloat", "[engine][strings]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*e.IncrByFloat(0, "f", 10.5L) == "10.5");
  CHECK(*e.Get(0, "f") == "10.5");
  CHECK(*e.IncrByFloat(0, "f", 0.1L) == "10.6");
  f.Set(0, "e", "3.0e3");
  CHECK(*e.IncrByFloat(0, "e", 0) == "3000");
  f.Set(0, "i", "5");
  CHECK(*e.IncrByFloat(0, "i", -5) == "0");
  f.Set(0, "bad", "abc");
  CHECK(e.IncrByFloat(0, "bad", 1).status().code() == Code::kNotFloat);
  f.Set(0, "big", "1e4932");
  CHECK(e.IncrByFloat(0, "big", 1e4932L).status().code() == Code::kNanOrInfinity);
  CHECK(*e.Get(0, "big") == "1e4932");
  // Keeps the TTL.
  f.Set(0, "t", "1", f.Now() + 777);
  CHECK(*e.IncrByFloat(0, "t", 1) == "2");
  CHECK(*e.PTtl(0, "t") == 777);
}

TEST_CASE("Append", "[engine][strings]") {
  EngineFixture f;
  auto opts = f.MakeOptions();
  opts.max_string_bytes = 10;
  f.Close();
  f.Open(opts);
  auto& e = f.e();
  CHECK(*e.Append(0, "k", "hello") == 5);
  CHECK(*e.Append(0, "k", " you") == 9);
  CHECK(*e.Get(0, "k") == "hello you");
  CHECK(e.Append(0, "k", "!!").status().code() == Code::kTooLarge);
  CHECK(*e.Get(0, "k") == "hello you");
  CHECK(*e.Append(0, "k", "!") == 10);
  f.Set(0, "t", "a", f.Now() + 50);
  CHECK(*e.Append(0, "t", "b") == 2);
  CHECK(*e.PTtl(0, "t") == 50);
}

TEST_CASE("SetRange", "[engine][strings]") {
  EngineFixture f;
  auto opts = f.MakeOptions();
  opts.max_string_bytes = 100;
  f.Close();
  f.Open(opts);
  auto& e = f.e();
  // Empty value on a missing key: 0 and nothing created, even with a huge offset.
  CHECK(*e.SetRange(0, "k", 1000, "") == 0);
  CHECK(*e.Exists(0, std::vector<std::string_view>{"k"}) == 0);
  CHECK(*e.SetRange(0, "k", 3, "ab") == 5);
  CHECK(*e.Get(0, "k") == std::string("\0\0\0ab", 5));
  CHECK(*e.SetRange(0, "k", 0, "xyz") == 5);
  CHECK(*e.Get(0, "k") == "xyzab");
  CHECK(*e.SetRange(0, "k", 1, "Q") == 5);
  CHECK(*e.Get(0, "k") == "xQzab");
  // Empty value on an existing key: its length, no size check.
  CHECK(*e.SetRange(0, "k", 1000, "") == 5);
  CHECK(e.SetRange(0, "k", 99, "ab").status().code() == Code::kTooLarge);
  CHECK(e.SetRange(0, "new", 100, "a").status().code() == Code::kTooLarge);
  CHECK(*e.SetRange(0, "new", 99, "a") == 100);
  CHECK(e.SetRange(0, "k", -1, "a").status().code() == Code::kInvalidArgument);
  f.Set(0, "t", "abc", f.Now() + 50);
  CHECK(*e.SetRange(0, "t", 1, "X") == 3);
  CHECK(*e.PTtl(0, "t") == 50);
}

TEST_CASE("GetRange follows getrangeCommand", "[engine][strings]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*e.GetRange(0, "missing", 0, -1) == "");
  f.Set(0, "k", "This is a string");
  CHECK(*e.GetRange(0, "k", 0, 3) == "This");
  CHECK(*e.GetRange(0, "k", -3, -1) == "ing");
  CHECK(*e.GetRange(0, "k", 0, -1) == "This is a string");
  CHECK(*e.GetRange(0, "k", 10, 100) == "string");
  CHECK(*e.GetRange(0, "k", 5, 3) == "");
  CHECK(*e.GetRange(0, "k", -1, -5) == "");
  CHECK(*e.GetRange(0, "k", -100, 2) == "Thi");
  CHECK(*e.GetRange(0, "k", -100, -100) == "T");
  CHECK(*e.GetRange(0, "k", 100, 200) == "");
  CHECK(*e.GetRange(0, "k", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()) ==
        "This is a string");
  f.Set(0, "empty", "");
  CHECK(*e.GetRange(0, "empty", 0, -1) == "");
  CHECK(*e.GetRange(0, "empty", -1, 0) == "");
}

TEST_CASE("StrLen", "[engine][strings]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(*e.StrLen(0, "missing") == 0);
  f.Set(0, "k", "hello");
  CHECK(*e.StrLen(0, "k") == 5);
}

TEST_CASE("Writes over an expired key treat it as missing and report it expired once",
          "[engine][strings][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "n", "41", f.Now() + 10);
  f.Set(0, "s", "abc", f.Now() + 10);
  f.clock->AdvanceMs(10);
  CHECK(*e.IncrBy(0, "n", 1) == 1);
  CHECK(*e.PTtl(0, "n") == kTtlNone);
  CHECK(*e.Append(0, "s", "x") == 1);
  SetOptions nx;
  nx.condition = SetCondition::kIfMissing;
  f.Set(0, "x", "1", f.Now() + 5);
  f.clock->AdvanceMs(5);
  CHECK(e.Set(0, "x", "2", nx)->applied);
  CHECK(f.DbSize(0) == 3);
  CHECK(e.Keyspace(0).expires == 0);
  auto expired = f.Expired();
  std::sort(expired.begin(), expired.end());
  CHECK(expired == std::vector<std::pair<int, std::string>>{{0, "n"}, {0, "s"}, {0, "x"}});
  CHECK(e.Stats().expired_keys == 3);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);  // nothing left in the index
}

}  // namespace redrock::engine::test
