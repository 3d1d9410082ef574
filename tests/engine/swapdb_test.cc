// Engine::SwapDb (engine.h, "Databases and SwapDb"; engine/storage/db_map.h): the contents of two
// logical databases change places in O(1), with every type, TTL and counter; the swap survives a restart;
// whatever the engine reports (key events from writes and active expiry, SCAN cursors) names logical
// databases; and calls running on other threads never see half a swap nor write into the wrong database.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/storage/engine_impl.h"
#include "redrock/engine/hash.h"
#include "redrock/engine/list.h"
#include "redrock/engine/set.h"
#include "redrock/engine/zset.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {

using Keys = std::vector<std::string_view>;

// "mod 1 k", "new 1 k", "exp 1 k", "flush 1".
class EventLog : public KeyEventSink {
 public:
  void OnKeyModified(int db, std::string_view key) override { Add("mod", db, key); }
  void OnKeyCreated(int db, std::string_view key) override { Add("new", db, key); }
  void OnKeyExpired(int db, std::string_view key) override { Add("exp", db, key); }
  void OnFlushed(int db) override { Add("flush", db, {}); }
  std::vector<std::string> Take() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    out.swap(events_);
    return out;
  }

 private:
  void Add(const char* what, int db, std::string_view key) {
    std::lock_guard lock(mu_);
    std::string e = std::string(what) + " " + std::to_string(db);
    if (!key.empty()) e += " " + std::string(key);
    events_.push_back(std::move(e));
  }
  std::mutex mu_;
  std::vector<std::string> events_;
};

// One key of every type in `db`; the string and the hash get a TTL.
void FillEveryType(EngineFixture& f, int db, const std::string& tag) {
  auto& e = f.e();
  f.Set(db, "str", "s-" + tag, f.Now() + 50'000);
  const std::string hval = "h-" + tag;
  const FieldValue fields[] = {{"f", hval}};
  REQUIRE(HSet(e, db, "hash", fields).ok());
  REQUIRE(e.ExpireAt(db, "hash", f.Now() + 60'000, ExpireCondition::kAlways).ok());
  const std::string elem = "l-" + tag;
  const std::string_view elems[] = {elem};
  REQUIRE(ListPush(e, db, "list", ListEnd::kRight, elems).ok());
  const std::string member = "m-" + tag;
  const std::string_view members[] = {member};
  REQUIRE(SAdd(e, db, "set", members).ok());
  const std::pair<double, std::string_view> scored[] = {{1.5, member}};
  REQUIRE(ZAdd(e, db, "zset", scored, ZAddOptions{}).ok());
  REQUIRE(e.IncrBy(db, "counter", tag == "a" ? 10 : 20).ok());
}

// Checks that `db` holds what FillEveryType(tag) wrote.
void CheckEveryType(EngineFixture& f, int db, const std::string& tag) {
  auto& e = f.e();
  INFO("db " << db << " tag " << tag);
  CHECK(f.Get(db, "str") == "s-" + tag);
  auto ttl = e.PTtl(db, "str");
  REQUIRE(ttl.ok());
  CHECK(*ttl > 40'000);
  auto h = HGet(e, db, "hash", "f");
  REQUIRE(h.ok());
  CHECK(*h == "h-" + tag);
  auto httl = e.PTtl(db, "hash");
  REQUIRE(httl.ok());
  CHECK(*httl > 50'000);
  auto l = ListRange(e, db, "list", 0, -1);
  REQUIRE(l.ok());
  CHECK(*l == std::vector<std::string>{"l-" + tag});
  auto s = SMembers(e, db, "set");
  REQUIRE(s.ok());
  CHECK(*s == std::vector<std::string>{"m-" + tag});
  auto z = ZScore(e, db, "zset", "m-" + tag);
  REQUIRE(z.ok());
  CHECK(*z == 1.5);
  CHECK(f.Get(db, "counter") == (tag == "a" ? "10" : "20"));
  CHECK(f.DbSize(db) == 6);
  const KeyspaceInfo ks = e.Keyspace(db);
  CHECK(ks.keys == 6);
  CHECK(ks.expires == 2);
  auto keys = e.Keys(db, "*");
  REQUIRE(keys.ok());
  CHECK(keys->size() == 6);
}

}  // namespace

TEST_CASE("SwapDb exchanges two databases with every type, TTL and counter", "[engine][swapdb]") {
  EngineFixture f;
  auto& e = f.e();
  FillEveryType(f, 0, "a");
  FillEveryType(f, 3, "b");
  f.Set(5, "other", "x");

  REQUIRE(e.SwapDb(0, 3).ok());
  CheckEveryType(f, 3, "a");
  CheckEveryType(f, 0, "b");
  CHECK(f.DbSize(5) == 1);

  // Writes after the swap go to the logical db named, and read back from it.
  f.Set(3, "after", "1");
  CHECK(f.Get(3, "after") == "1");
  CHECK_FALSE(f.Get(0, "after"));
  CHECK(f.DbSize(3) == 7);

  // Swapping back restores the original placement; a db with itself changes nothing.
  REQUIRE(e.SwapDb(3, 0).ok());
  REQUIRE(e.SwapDb(1, 1).ok());
  CHECK(f.Get(0, "after") == "1");
  CHECK(f.Get(3, "str") == "s-b");

  // A chain of swaps composes: 0 -> 1 -> 2.
  REQUIRE(e.SwapDb(0, 1).ok());
  REQUIRE(e.SwapDb(1, 2).ok());
  CHECK(f.Get(2, "str") == "s-a");
  CHECK(f.DbSize(0) == 0);
  CHECK(f.DbSize(1) == 0);
  CHECK(f.DbSize(2) == 7);

  // From inside a call on the same thread it would wait for itself: refused.
  Status inner;
  REQUIRE(e.ModifyString(0, "m", [&](bool, std::string*, Engine::StoreMode*) {
             inner = e.SwapDb(0, 1);
             return Status::OK();
           }).ok());
  CHECK(inner.code() == Status::Code::kInvalidArgument);
  CHECK(f.Get(2, "str") == "s-a");  // nothing swapped

  CHECK(e.SwapDb(0, 16).code() == Status::Code::kInvalidArgument);
  CHECK(e.SwapDb(-1, 0).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("SwapDb survives a restart", "[engine][swapdb]") {
  EngineFixture f;
  FillEveryType(f, 0, "a");
  FillEveryType(f, 1, "b");
  REQUIRE(f.e().SwapDb(0, 1).ok());
  REQUIRE(f.e().SwapDb(1, 7).ok());  // 0 holds "b", 7 holds "a", 1 is empty
  f.Reopen();
  CheckEveryType(f, 0, "b");
  CheckEveryType(f, 7, "a");
  CHECK(f.DbSize(1) == 0);
  f.Reopen();
  CheckEveryType(f, 7, "a");
  // Writes made after a swap are found where they were made, after another swap and a restart.
  f.Set(7, "late", "1");
  REQUIRE(f.e().SwapDb(7, 2).ok());
  f.Reopen();
  CHECK(f.Get(2, "late") == "1");
  CheckEveryType(f, 0, "b");
  CHECK(f.DbSize(7) == 0);
}

TEST_CASE("After SwapDb key events, flushes and active expiry name the logical db", "[engine][swapdb]") {
  EngineFixture f;
  auto& e = f.e();
  f.Set(0, "ttl", "v", f.Now() + 100);
  f.Set(0, "k", "v");
  REQUIRE(e.SwapDb(0, 1).ok());  // the keys are now in logical 1, stored under physical 0
  EventLog log;
  e.SetKeyEventSink(&log);

  f.Set(1, "k", "w");
  const std::string_view del[] = {"k"};
  REQUIRE(e.Delete(1, del).ok());
  const std::string_view members[] = {"m"};
  REQUIRE(SAdd(e, 1, "s", members).ok());
  CHECK(log.Take() == std::vector<std::string>{"mod 1 k", "mod 1 k", "new 1 s", "mod 1 s"});

  // MOVE and COPY name the logical dbs on both ends.
  REQUIRE(e.Move(1, "s", 0).ok());
  CHECK(log.Take() == std::vector<std::string>{"new 0 s", "mod 0 s", "mod 1 s"});
  auto copied = e.Copy(0, "s", 1, "s2", false);
  REQUIRE(copied.ok());
  CHECK(*copied);
  CHECK(log.Take() == std::vector<std::string>{"new 1 s2", "mod 1 s2"});
  CHECK(SCard(e, 1, "s2").value() == 1);

  // Active expiry walks the index (physical dbs) and reports the logical one.
  f.clock->AdvanceMs(200);
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 1);
  CHECK(log.Take() == std::vector<std::string>{"exp 1 ttl"});

  // FLUSHDB of a logical db removes what it holds, and only that.
  f.Set(0, "zero", "z");
  log.Take();
  REQUIRE(e.FlushDb(1).ok());
  CHECK(log.Take() == std::vector<std::string>{"flush 1"});
  CHECK(f.DbSize(1) == 0);
  CHECK(f.Get(0, "zero") == "z");
  CHECK(SCard(e, 0, "s").value() == 1);
  e.SetKeyEventSink(nullptr);
}

TEST_CASE("SCAN cursors and value-cache entries follow the logical db across SwapDb", "[engine][swapdb]") {
  EngineFixture f;
  auto& e = f.e();
  for (int i = 0; i < 30; ++i) f.Set(0, "a" + std::to_string(100 + i), "x");
  for (int i = 0; i < 30; ++i) f.Set(1, "b" + std::to_string(100 + i), "y");
  // Cache a value of each db, then swap: reads must not come from the other db's cache entry.
  f.Set(0, "same", "zero");
  f.Set(1, "same", "one");
  CHECK(f.Get(0, "same") == "zero");
  CHECK(f.Get(1, "same") == "one");

  auto first = e.Scan(0, 0, "*", 10, std::nullopt);
  REQUIRE(first.ok());
  REQUIRE(first->next_cursor != 0);
  REQUIRE(e.SwapDb(0, 1).ok());
  CHECK(f.Get(0, "same") == "one");
  CHECK(f.Get(1, "same") == "zero");

  // The cursor was issued for logical 0: it resumes in what logical 0 holds now (the "b" keys, all
  // after the "a" key it stopped on), and never returns a key of another db.
  std::set<std::string> seen;
  uint64_t cursor = first->next_cursor;
  do {
    auto step = e.Scan(0, cursor, "*", 10, std::nullopt);
    REQUIRE(step.ok());
    for (auto& k : step->keys) seen.insert(k);
    cursor = step->next_cursor;
  } while (cursor != 0);
  CHECK(seen.size() == 31);
  for (const auto& k : seen) CHECK((k[0] == 'b' || k == "same"));
}

TEST_CASE("SwapDb waits for a call already in flight, which stays in the db it started in", "[engine][swapdb]") {
  // Deterministic: a ModifyString call is held inside the engine (after it mapped its db, under its key
  // lock) until well after SwapDb has been called. A swap that did not wait would return first, and the
  // value would be written into what logical 0 holds after the swap.
  EngineFixture f;
  auto& e = f.e();
  std::mutex mu;
  std::condition_variable cv;
  bool inside = false;
  std::atomic<bool> swap_called{false};
  std::atomic<bool> write_done{false};
  std::thread writer([&] {
    Status st = e.ModifyString(0, "x", [&](bool, std::string* value, Engine::StoreMode* mode) {
      {
        std::lock_guard lock(mu);
        inside = true;
      }
      cv.notify_all();
      while (!swap_called.load()) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      *value = "from-writer";
      *mode = Engine::StoreMode::kStore;
      return Status::OK();
    });
    write_done.store(true);
    CHECK(st.ok());
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return inside; });
  }
  swap_called.store(true);
  REQUIRE(e.SwapDb(0, 1).ok());
  const bool done_before_swap_returned = write_done.load();
  writer.join();
  CHECK(done_before_swap_returned);
  // The writer ran entirely before the swap: its value moved to logical 1 with the rest of db 0.
  CHECK(f.Get(1, "x") == "from-writer");
  CHECK_FALSE(f.Get(0, "x"));
}

TEST_CASE("Writers racing SwapDb never land in the wrong db", "[engine][swapdb][stress]") {
  // Writers hammer logical 0 with several kinds of writes. After each swap, what the writers wrote is in
  // logical 1; the swapper then stamps it (a SET of "x" and of a hash field there) and, after letting the
  // writers run for a while, checks that the stamps are still there: any writer call that mapped 0
  // before the swap but wrote after the stamp would have overwritten it. Each round also checks the
  // counters of both dbs against a key walk, and at the end every INCR is accounted for exactly once.
  EngineFixture f;
  auto& e = f.e();
  constexpr int kWriters = 3;
  constexpr int kRounds = 300;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> incrs{0};
  std::atomic<int> write_failures{0};  // Catch2 assertions are not thread-safe: counted here
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string field = "f";
      int64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string value = "w" + std::to_string(w) + "-" + std::to_string(n++);
        switch (n % 4) {
          case 0: {
            if (!e.Set(0, "x", value, SetOptions{}).ok()) write_failures.fetch_add(1);
            break;
          }
          case 1: {
            const FieldValue fv[] = {{field, value}};
            if (!HSet(e, 0, "h", fv).ok()) write_failures.fetch_add(1);
            break;
          }
          case 2: {
            if (e.IncrBy(0, "n", 1).ok()) incrs.fetch_add(1); else write_failures.fetch_add(1);
            break;
          }
          default: {
            const std::pair<std::string_view, std::string_view> pairs[] = {{"x", value}, {"y", value}};
            if (!e.MSet(0, pairs).ok()) write_failures.fetch_add(1);
            break;
          }
        }
      }
    });
  }
  for (int round = 0; round < kRounds; ++round) {
    REQUIRE(e.SwapDb(0, 1).ok());
    const std::string stamp = "stamp-" + std::to_string(round);
    REQUIRE(e.Set(1, "x", stamp, SetOptions{}).ok());
    const FieldValue fv[] = {{"f", stamp}};
    REQUIRE(HSet(e, 1, "h", fv).ok());
    for (int i = 0; i < 50; ++i) std::this_thread::yield();
    INFO("round " << round);
    REQUIRE(f.Get(1, "x") == stamp);
    REQUIRE(HGet(e, 1, "h", "f").value() == stamp);
    auto keys = e.Keys(1, "*");
    REQUIRE(keys.ok());
    REQUIRE(f.DbSize(1) == static_cast<int64_t>(keys->size()));
  }
  stop.store(true);
  for (auto& t : writers) t.join();
  int64_t total = 0;
  for (int db : {0, 1}) {
    auto v = f.Get(db, "n");
    if (v) total += std::stoll(*v);
    auto keys = e.Keys(db, "*");
    REQUIRE(keys.ok());
    CHECK(f.DbSize(db) == static_cast<int64_t>(keys->size()));
  }
  CHECK(write_failures.load() == 0);
  CHECK(total == incrs.load());
  CHECK(incrs.load() > 0);
}

}  // namespace redrock::engine::test
