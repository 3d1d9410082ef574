// Lazy expiry on every read path, active expiry (RunExpiryCycle and the background thread), and the
// counters' exactness around it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "engine/storage/engine_impl.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {
using Keys = std::vector<std::string_view>;

// Counts OnKeyExpired calls for one key (from the expiry thread); ignores the other events.
class CountingSink : public KeyEventSink {
 public:
  explicit CountingSink(std::string key) : key_(std::move(key)) {}
  void OnKeyModified(int, std::string_view) override {}
  void OnKeyExpired(int, std::string_view key) override {
    if (key == key_) calls.fetch_add(1);
  }
  void OnFlushed(int) override {}

  std::atomic<int> calls{0};

 private:
  const std::string key_;
};
}  // namespace

TEST_CASE("An expired key is missing from every read path", "[engine][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "ttl", "v", f.Now() + 100);
  f.Set(0, "keep", "v");
  CHECK(f.DbSize(0) == 2);
  f.clock->AdvanceMs(99);
  CHECK(*e.Get(0, "ttl") == "v");
  CHECK(*e.PTtl(0, "ttl") == 1);
  f.clock->AdvanceMs(1);

  CHECK(e.Get(0, "ttl").status().IsNotFound());
  CHECK((*e.MGet(0, Keys{"ttl"}))[0] == std::nullopt);
  CHECK(*e.Exists(0, Keys{"ttl"}) == 0);
  CHECK(*e.Type(0, "ttl") == KeyType::kNone);
  CHECK(*e.PTtl(0, "ttl") == kTtlMissing);
  CHECK(*e.ExpireTimeMs(0, "ttl") == kTtlMissing);
  CHECK(*e.StrLen(0, "ttl") == 0);
  CHECK(*e.GetRange(0, "ttl", 0, -1) == "");
  CHECK(*e.Keys(0, "*") == std::vector<std::string>{"keep"});
  CHECK(*e.Keys(0, "ttl") == std::vector<std::string>{});
  CHECK(*e.Keys(0, "tt*") == std::vector<std::string>{});
  auto scan = e.Scan(0, 0, "*", 100, std::nullopt);
  REQUIRE(scan.ok());
  CHECK(scan->keys == std::vector<std::string>{"keep"});
  CHECK(scan->next_cursor == 0);
  CHECK(f.DbSize(0) == 1);
  auto ks = e.Keyspace(0);
  CHECK(ks.keys == 1);
  CHECK(ks.expires == 0);
  for (int i = 0; i < 20; ++i) CHECK(**e.RandomKey(0) == "keep");
  CHECK(e.GetDel(0, "ttl").status().IsNotFound());
  CHECK_FALSE(*e.Persist(0, "ttl"));
  CHECK_FALSE(*e.ExpireAt(0, "ttl", f.Now() + 1000, ExpireCondition::kAlways));
  CHECK_FALSE(*e.Copy(0, "ttl", 0, "x", true));
  CHECK_FALSE(*e.Move(0, "ttl", 1));
  CHECK(e.Rename(0, "ttl", "x", false).status().IsNotFound());
  CHECK(*e.Delete(0, Keys{"ttl"}) == 0);  // removes it, but it did not "exist"
  CHECK(f.Expired() == std::vector<std::pair<int, std::string>>{{0, "ttl"}});

  // Only expired keys left: RandomKey has nothing.
  f.Set(1, "x", "v", f.Now() + 1);
  f.clock->AdvanceMs(1);
  CHECK_FALSE(e.RandomKey(1)->has_value());
}

TEST_CASE("RunExpiryCycle removes due keys once and reports each through OnKeyExpired", "[engine][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "a", "1", f.Now() + 10);
  f.Set(0, "b", "2", f.Now() + 20);
  f.Set(3, "c", "3", f.Now() + 10);
  f.Set(0, "forever", "4");
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);
  f.clock->AdvanceMs(10);
  CHECK(f.DbSize(0) == 2);
  CHECK(f.DbSize(3) == 0);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 2);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);
  auto expired = f.Expired();
  std::sort(expired.begin(), expired.end());
  CHECK(expired == std::vector<std::pair<int, std::string>>{{0, "a"}, {3, "c"}});
  CHECK(f.DbSize(0) == 2);
  CHECK(f.DbSize(3) == 0);
  CHECK(e.Keyspace(0).expires == 1);
  f.clock->AdvanceMs(10);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 1);
  CHECK(f.DbSize(0) == 1);
  CHECK(e.Keyspace(0).expires == 0);
  CHECK(e.Stats().expired_keys == 3);
  CHECK(f.Expired().size() == 3);
}

TEST_CASE("Changing an expiry moves its index entry", "[engine][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "k", "v", f.Now() + 10);
  REQUIRE(*e.ExpireAt(0, "k", f.Now() + 1000, ExpireCondition::kAlways));
  f.clock->AdvanceMs(10);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);
  CHECK(*e.Get(0, "k") == "v");
  CHECK(f.DbSize(0) == 1);
  REQUIRE(*e.Persist(0, "k"));
  f.clock->AdvanceMs(10'000);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);
  CHECK(f.DbSize(0) == 1);
  CHECK(f.Expired().empty());
}

TEST_CASE("Active expiry drains many keys in chunks", "[engine][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  std::vector<std::pair<std::string, std::string>> storage;
  for (int i = 0; i < 2500; ++i) storage.emplace_back("key:" + std::to_string(i), "v");
  for (int i = 0; i < 2500; ++i) f.Set(i % 2, storage[i].first, "v", f.Now() + 1 + i % 7);
  f.Set(0, "stay", "v");
  f.clock->AdvanceMs(100);
  CHECK(f.DbSize(0) == 1);
  CHECK(f.DbSize(1) == 0);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 2500);
  CHECK(f.Expired().size() == 2500);
  CHECK(f.DbSize(0) == 1);
  CHECK(*e.Keys(0, "*") == std::vector<std::string>{"stay"});
}

TEST_CASE("A value dropped by the compaction filter keeps counters exact", "[engine][ttl][compaction]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "old", "v", f.Now() + 10);
  f.Set(0, "again", "v", f.Now() + 10);
  f.Set(0, "live", "v");
  // Far past the compaction filter's safety margin, with active expiry never having run.
  f.clock->AdvanceMs(60 * 60 * 1000);
  REQUIRE(e.Flush().ok());
  auto& impl = EngineTestPeer::ImplOf(e);
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  REQUIRE(impl.db->CompactRange(cro, impl.data_cf, nullptr, nullptr).ok());
  std::string raw;
  CHECK(impl.db->Get(rocksdb::ReadOptions(), impl.data_cf, std::string("\0old", 4), &raw).IsNotFound());
  CHECK(f.DbSize(0) == 1);
  // A new incarnation of a dropped key, with a new expiry.
  f.Set(0, "again", "v2", f.Now() + 50);
  CHECK(f.DbSize(0) == 2);
  CHECK(e.Keyspace(0).expires == 1);
  // The cycle meets the stale index entries and uncounts the dropped values (no callback for them).
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);
  CHECK(f.DbSize(0) == 2);
  CHECK(e.Keyspace(0).expires == 1);
  f.clock->AdvanceMs(50);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 1);
  CHECK(f.DbSize(0) == 1);
  CHECK(e.Keyspace(0).expires == 0);
  CHECK(f.Expired() == std::vector<std::pair<int, std::string>>{{0, "again"}});
}

TEST_CASE("Index entries below the scan floor are still found (clock moved back)", "[engine][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "a", "v", f.Now() + 10);
  f.clock->AdvanceMs(60'000);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 1);  // the floor is now past everything due
  f.clock->AdvanceMs(-3'600'000);
  f.Set(0, "b", "v", f.Now() + 10);
  f.Set(1, "c", "v", f.Now() + 20);
  CHECK(f.DbSize(0) == 1);
  CHECK(e.Keyspace(1).expires == 1);
  f.clock->AdvanceMs(10);
  CHECK(f.DbSize(0) == 0);
  CHECK(f.DbSize(1) == 1);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 1);
  REQUIRE(e.FlushDb(1).ok());  // FLUSHDB must find c's entry too
  f.clock->AdvanceMs(10);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);
  CHECK(f.DbSize(1) == 0);
  CHECK(e.Keyspace(1).expires == 0);
}

// The expiry cycle raises the index floor without holding the writers' stripes (expiry.cc). Writers
// that insert entries just above "now" while cycles run must never end up below the floor, where no
// later pass would look: once the clock is past every TTL, each key has to be reclaimed by a pass.
TEST_CASE("Entries written while expiry passes raise the floor are all reclaimed", "[engine][ttl][thread]") {
  EngineFixture f;
  auto& e = f.e();
  constexpr int kWriters = 2;
  constexpr int kPerWriter = 5000;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      SetOptions options;
      for (int i = 0; i < kPerWriter; ++i) {
        options.expire_at_ms = e.NowMs() + 1 + (i % 3);
        const std::string key = "k" + std::to_string(w) + ":" + std::to_string(i);
        if (!e.Set(0, key, "v", options).ok()) failures.fetch_add(1);
      }
    });
  }
  std::thread expirer([&] {
    while (!done.load()) {
      f.clock->AdvanceMs(1);
      EngineTestPeer::RunExpiryCycle(e);
    }
  });
  for (auto& t : writers) t.join();
  done.store(true);
  expirer.join();
  REQUIRE(failures.load() == 0);
  f.clock->AdvanceMs(1000);
  while (EngineTestPeer::RunExpiryCycle(e) > 0) {
  }
  // (A SET whose time had already come by the time it ran stored nothing, so expired_keys may be short
  // of kWriters * kPerWriter; a key left behind would still be counted here.)
  CHECK(e.Keyspace(0).expires == 0);
  CHECK(e.Keyspace(0).keys == 0);
}

TEST_CASE("Keyspace estimates avg_ttl", "[engine][ttl]") {
  EngineFixture f;
  auto& e = f.e();
  CHECK(e.Keyspace(0).avg_ttl_ms == 0);
  for (int i = 0; i < 50; ++i) f.Set(0, "k" + std::to_string(i), "v", f.Now() + 10'000);
  f.Set(1, "other", "v", f.Now() + 999'000);
  auto ks = e.Keyspace(0);
  CHECK(ks.keys == 50);
  CHECK(ks.expires == 50);
  CHECK(ks.avg_ttl_ms == 10'000);
}

TEST_CASE("The active-expiry thread removes keys on a real clock", "[engine][ttl][thread]") {
  TempDir dir;
  Options o;
  o.dir = dir.path() + "/db";
  o.active_expiry = true;
  o.active_expiry_interval_ms = 10;
  CountingSink sink("short");
  auto r = Engine::Open(o);
  REQUIRE(r.ok());
  auto& e = **r;
  e.SetKeyEventSink(&sink);
  SetOptions so;
  so.expire_at_ms = e.NowMs() + 50;
  REQUIRE(e.Set(0, "short", "v", so).ok());
  REQUIRE(e.Set(0, "long", "v", {}).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (sink.calls.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(sink.calls.load() == 1);
  CHECK(*e.DbSize(0) == 1);
  CHECK(e.Stats().expired_keys == 1);
}

TEST_CASE("Reading an expired key expires it at once, not at the next interval", "[engine][ttl][thread]") {
  TempDir dir;
  auto clock = std::make_shared<ManualClock>();
  Options o;
  o.dir = dir.path() + "/db";
  o.clock = clock;
  o.active_expiry = true;
  o.active_expiry_interval_ms = 3'600'000;  // the interval alone would take an hour
  CountingSink sink("session");
  auto r = Engine::Open(o);
  REQUIRE(r.ok());
  auto& e = **r;
  e.SetKeyEventSink(&sink);
  SetOptions so;
  so.expire_at_ms = clock->NowMs() + 50;
  REQUIRE(e.Set(0, "session", "v", so).ok());
  clock->AdvanceMs(50);
  CHECK(e.Get(0, "session").status().IsNotFound());  // the read wakes the expiry thread
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sink.calls.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(sink.calls.load() == 1);  // once, whoever reads it again
  CHECK(e.Get(0, "session").status().IsNotFound());
  CHECK(*e.DbSize(0) == 0);
  CHECK(e.Stats().expired_keys == 1);
}

}  // namespace redrock::engine::test
