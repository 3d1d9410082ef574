// DBSIZE is exact without scanning: checked against a full KEYS count after every kind of change,
// and across a reopen.
#include <random>

#include "engine/storage/counters.h"
#include "engine/storage/encoding.h"
#include "engine/storage/engine_impl.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {
using Keys = std::vector<std::string_view>;

int64_t CountByKeys(Engine& e, int db) { return static_cast<int64_t>(e.Keys(db, "*")->size()); }
}  // namespace

TEST_CASE("DbSize is exact across every kind of change", "[engine][counters]") {
  EngineFixture f;
  auto& e = f.e();
  auto check = [&] {
    for (int db : {0, 1}) {
      INFO("db " << db);
      CHECK(f.DbSize(db) == CountByKeys(e, db));
    }
  };
  check();
  f.Set(0, "a", "1");
  f.Set(0, "b", "2", f.Now() + 100);
  f.Set(0, "a", "overwrite");
  check();
  CHECK(f.DbSize(0) == 2);
  REQUIRE(*e.Delete(0, Keys{"a"}) == 1);
  check();
  f.clock->AdvanceMs(100);  // b expires
  check();
  CHECK(f.DbSize(0) == 0);
  f.Set(0, "b", "back");  // over the expired, unreclaimed value
  check();
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);
  check();
  CHECK(f.DbSize(0) == 1);
  f.Set(0, "c", "3", f.Now() + 10);
  REQUIRE(*e.Rename(0, "c", "d", false));
  check();
  REQUIRE(*e.Copy(0, "d", 1, "d", false));
  check();
  REQUIRE(*e.Move(0, "b", 1));
  check();
  CHECK(f.DbSize(0) == 1);
  CHECK(f.DbSize(1) == 2);
  f.clock->AdvanceMs(10);  // both copies of d expire
  check();
  CHECK(f.DbSize(0) == 0);
  CHECK(f.DbSize(1) == 1);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 2);
  check();
  REQUIRE(*e.IncrBy(1, "n", 1) == 1);
  REQUIRE(*e.Append(1, "s", "x") == 1);
  REQUIRE(*e.SetRange(1, "r", 2, "x") == 3);
  REQUIRE(*e.IncrByFloat(1, "fl", 1.5L) == "1.5");
  check();
  CHECK(f.DbSize(1) == 5);
  REQUIRE(e.FlushDb(1).ok());
  check();
  f.Set(1, "z", "z");
  check();

  f.Reopen();
  auto& e2 = f.e();
  CHECK(f.DbSize(1) == 1);
  CHECK(f.DbSize(0) == 0);
  CHECK(f.DbSize(1) == CountByKeys(e2, 1));
}

TEST_CASE("DbSize stays exact under a random workload", "[engine][counters]") {
  EngineFixture f;
  auto& e = f.e();
  std::mt19937 rng(12345);
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back("k" + std::to_string(i));
  for (int step = 0; step < 3000; ++step) {
    const std::string& k = names[rng() % names.size()];
    const std::string& k2 = names[rng() % names.size()];
    const int db = static_cast<int>(rng() % 2);
    switch (rng() % 11) {
      case 0: f.Set(db, k, "v"); break;
      case 1: f.Set(db, k, "v", f.Now() + 1 + rng() % 20); break;
      case 2: REQUIRE(e.Delete(db, std::vector<std::string_view>{k, k2}).ok()); break;
      case 3: REQUIRE(e.ExpireAt(db, k, f.Now() + static_cast<int64_t>(rng() % 20) - 5, ExpireCondition::kAlways).ok()); break;
      case 4: REQUIRE(e.Persist(db, k).ok()); break;
      case 5: { auto r = e.Rename(db, k, k2, rng() % 2); REQUIRE((r.ok() || r.status().IsNotFound())); break; }
      case 6: REQUIRE(e.Copy(db, k, 1 - db, k2, rng() % 2).ok()); break;
      case 7: REQUIRE(e.Move(db, k, 1 - db).ok()); break;
      case 8: f.clock->AdvanceMs(rng() % 4); break;
      case 9: if (rng() % 3 == 0) EngineTestPeer::RunExpiryCycle(e); break;
      case 10: { auto r = e.IncrBy(db, k, 1); REQUIRE((r.ok() || r.status().code() == Status::Code::kNotInteger)); break; }
    }
    if (step % 50 == 0) {
      INFO("step " << step);
      for (int d : {0, 1}) {
        REQUIRE(f.DbSize(d) == CountByKeys(e, d));
        int64_t with_ttl = 0;
        const auto keys = e.Keys(d, "*");
        REQUIRE(keys.ok());
        for (const auto& key : *keys) with_ttl += *e.PTtl(d, key) >= 0;
        REQUIRE(e.Keyspace(d).expires == with_ttl);
      }
    }
  }
}

TEST_CASE("Counter merge operator: merges add, a put resets", "[engine][counters]") {
  EngineFixture f;
  auto& impl = EngineTestPeer::ImplOf(f.e());
  const std::string key = "test-counter";
  for (int64_t d : {5, -2, 10}) {
    rocksdb::WriteBatch b;
    AddCounterDelta(&b, impl.meta_cf, key, d);
    REQUIRE(impl.Write(&b).ok());
  }
  int64_t v = 0;
  REQUIRE(impl.ReadCounter(key, &v).ok());
  CHECK(v == 13);
  {
    rocksdb::WriteBatch b;
    AddCounterReset(&b, impl.meta_cf, key);
    AddCounterDelta(&b, impl.meta_cf, key, 3);
    REQUIRE(impl.Write(&b).ok());
  }
  REQUIRE(impl.ReadCounter(key, &v).ok());
  CHECK(v == 3);
  REQUIRE(f.e().Flush().ok());
  REQUIRE(impl.ReadCounter(key, &v).ok());
  CHECK(v == 3);
  REQUIRE(impl.ReadCounter("never-written", &v).ok());
  CHECK(v == 0);
}

}  // namespace redrock::engine::test
