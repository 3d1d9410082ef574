// Opening, reopening, locking, durability modes, stats and concurrency.
#include <thread>

#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

TEST_CASE("Reopen keeps data and TTLs", "[engine][open]") {
  EngineFixture f;
  f.Set(0, "plain", "v");
  f.Set(2, "ttl", "w", f.Now() + 5000);
  f.Set(0, "short", "x", f.Now() + 10);
  f.Reopen();
  auto& e = f.e();
  CHECK(*e.Get(0, "plain") == "v");
  CHECK(*e.Get(2, "ttl") == "w");
  CHECK(*e.PTtl(2, "ttl") == 5000);
  CHECK(f.DbSize(0) == 2);
  CHECK(f.DbSize(2) == 1);
  f.clock->AdvanceMs(10);
  CHECK(f.DbSize(0) == 1);
  f.Reopen();
  CHECK(f.DbSize(0) == 1);
  CHECK(EngineTestPeer::RunExpiryCycle(f.e()) == 1);
  CHECK(f.Expired() == std::vector<std::pair<int, std::string>>{{0, "short"}});
  f.Reopen();
  CHECK(f.DbSize(0) == 1);
  CHECK(f.e().Keyspace(2).expires == 1);
}

TEST_CASE("A second Open of the same directory is Busy", "[engine][open]") {
  EngineFixture f;
  auto r = Engine::Open(f.MakeOptions());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kBusy);
  CHECK(r.status().message().find("locked by another process") != std::string::npos);
  // The first one is unaffected.
  f.Set(0, "k", "v");
  CHECK(*f.Get(0, "k") == "v");
}

TEST_CASE("Open failures", "[engine][open]") {
  Options o;
  o.dir = "/proc/redrock-cannot-create/db";
  auto r = Engine::Open(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kIOError);
  CHECK(r.status().message().find("/proc/redrock-cannot-create/db") != std::string::npos);

  TempDir dir;
  o.dir = dir.path() + "/absent";
  o.create_if_missing = false;
  r = Engine::Open(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kIOError);

  o.dir = "";
  CHECK(Engine::Open(o).status().code() == Status::Code::kInvalidArgument);
  o.dir = dir.path() + "/x";
  o.create_if_missing = true;
  o.databases = 0;
  CHECK(Engine::Open(o).status().code() == Status::Code::kInvalidArgument);
  o.databases = 257;
  CHECK(Engine::Open(o).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("SyncMode can be switched at run time", "[engine][open]") {
  EngineFixture f;
  auto opts = f.MakeOptions();
  opts.sync = SyncMode::kAlways;
  f.Close();
  f.Open(opts);
  auto& e = f.e();
  f.Set(0, "a", "1");
  e.SetSyncMode(SyncMode::kEverySec);
  f.Set(0, "b", "2");
  e.SetSyncMode(SyncMode::kNo);
  f.Set(0, "c", "3");
  e.SetSyncMode(SyncMode::kAlways);
  f.Set(0, "d", "4");
  REQUIRE(e.Flush().ok());
  f.Reopen();
  CHECK(f.DbSize(0) == 4);
  CHECK(*f.Get(0, "c") == "3");
}

TEST_CASE("Concurrent IncrBy loses nothing", "[engine][concurrency]") {
  EngineFixture f;
  auto& e = f.e();
  constexpr int kThreads = 8;
  constexpr int kIncrements = 10000;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        if (!e.IncrBy(0, "counter", 1).ok()) failures.fetch_add(1);
        if (i % 100 == 0 && !e.IncrBy(0, "k" + std::to_string(t), 1).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(*f.Get(0, "counter") == std::to_string(kThreads * kIncrements));
  CHECK(f.DbSize(0) == 1 + kThreads);
}

TEST_CASE("Concurrent multi-key operations do not deadlock and keep counts", "[engine][concurrency]") {
  EngineFixture f;
  auto& e = f.e();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string a = "k" + std::to_string((i + t) % 17);
        const std::string b = "k" + std::to_string((i * 7 + t) % 17);
        switch ((i + t) % 5) {
          case 0: (void)e.Rename(0, a, b, false); break;
          case 1: (void)e.Copy(0, a, 1, b, true); break;
          case 2: { std::pair<std::string_view, std::string_view> p[] = {{a, "1"}, {b, "2"}}; (void)e.MSet(0, p); break; }
          case 3: { std::string_view ks[] = {a, b}; (void)e.Delete(0, ks); break; }
          case 4: (void)e.Move(0, a, 1); break;
        }
        if (i % 500 == 0) (void)e.FlushDb(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int db : {0, 1}) CHECK(f.DbSize(db) == static_cast<int64_t>(e.Keys(db, "*")->size()));
}

TEST_CASE("Stats", "[engine][open]") {
  EngineFixture f;
  auto& e = f.e();
  for (int i = 0; i < 1000; ++i) f.Set(0, "key" + std::to_string(i), std::string(100, 'x'));
  auto s = e.Stats();
  CHECK(s.disk_bytes > 100'000);  // WAL
  CHECK(s.memory_bytes > 100'000);  // memtable
  CHECK(s.write_errors == 0);
  CHECK(s.last_write_error.empty());
  REQUIRE(e.Flush().ok());
  CHECK(e.Stats().disk_bytes > 0);
}

TEST_CASE("Status::ToString", "[engine][status]") {
  CHECK(Status::OK().ToString() == "OK");
  CHECK(Status::NotFound().ToString() == "NotFound");
  CHECK(Status::IOError("disk full").ToString() == "IOError: disk full");
  CHECK(Status::Busy("x").ToString() == "Busy: x");
}

}  // namespace redrock::engine::test
