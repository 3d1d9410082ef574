// The value cache in front of GET: the class on its own, and through the engine (every kind of write
// must make a cached GET see the new state at once).
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "redrock/engine/hash.h"
#include "engine/storage/value_cache.h"
#include "engine_fixture.h"

namespace redrock::engine::test {

namespace {

std::string DataKey(int db, std::string_view key) {
  std::string out(1, static_cast<char>(db));
  out.append(key);
  return out;
}

// A clock that reads `ms` (ValueCache::Get reads the time only for an entry with an expiry).
const Clock& At(int64_t ms) {
  static ManualClock clock;
  clock.SetMs(ms);
  return clock;
}

// Warms the cache for key: a GET fills it, a second one must hit.
void Warm(EngineFixture& f, std::string_view key) {
  REQUIRE(f.Get(0, key).has_value());
  const uint64_t hits = f.e().Stats().value_cache_hits;
  REQUIRE(f.Get(0, key).has_value());
  REQUIRE(f.e().Stats().value_cache_hits == hits + 1);
}

}  // namespace

TEST_CASE("ValueCache stores, expires, erases and clears by db", "[engine][value_cache]") {
  ValueCache cache(1 << 20);
  std::string v;
  CHECK_FALSE(cache.Get(DataKey(0, "a"), At(100), &v));
  cache.Put(DataKey(0, "a"), "one", 0);
  cache.Put(DataKey(1, "a"), "uno", 150);
  REQUIRE(cache.Get(DataKey(0, "a"), At(100), &v));
  CHECK(v == "one");
  REQUIRE(cache.Get(DataKey(1, "a"), At(149), &v));
  CHECK(v == "uno");
  CHECK_FALSE(cache.Get(DataKey(1, "a"), At(150), &v));  // expired reads as a miss
  int64_t expire = -1;
  REQUIRE(cache.Peek(DataKey(1, "a"), &expire, &v));  // but is still there for a writer to see
  CHECK(expire == 150);
  cache.Put(DataKey(0, "a"), "two", 0);
  REQUIRE(cache.Get(DataKey(0, "a"), At(100), &v));
  CHECK(v == "two");
  CHECK(cache.entries() == 2);
  cache.Clear(1);
  CHECK(cache.entries() == 1);
  cache.Erase(DataKey(0, "a"));
  CHECK(cache.entries() == 0);
  CHECK(cache.bytes() == 0);
}

TEST_CASE("ValueCache stays within its budget, evicting the least recently used", "[engine][value_cache]") {
  ValueCache cache(1 << 20);  // 16 KiB per shard
  const std::string value(200, 'x');
  for (int i = 0; i < 20000; ++i) cache.Put(DataKey(0, "k" + std::to_string(i)), value, 0);
  CHECK(cache.bytes() <= (1 << 20));
  CHECK(cache.bytes() > (1 << 19));
  CHECK(cache.entries() > 0);
  CHECK(cache.entries() < 20000);
  std::string v;
  CHECK(cache.Get(DataKey(0, "k19999"), At(0), &v));  // the newest survives
  CHECK_FALSE(cache.Get(DataKey(0, "k0"), At(0), &v));
  // Larger than an eighth of a shard: not cached at all.
  cache.Put(DataKey(0, "huge"), std::string(4096, 'h'), 0);
  CHECK_FALSE(cache.Get(DataKey(0, "huge"), At(0), &v));
}

TEST_CASE("A disabled ValueCache never caches", "[engine][value_cache]") {
  ValueCache cache(0);
  cache.Put(DataKey(0, "a"), "one", 0);
  std::string v;
  CHECK_FALSE(cache.Get(DataKey(0, "a"), At(0), &v));
  CHECK(cache.entries() == 0);
}

TEST_CASE("A cached GET sees every kind of write at once", "[engine][value_cache]") {
  EngineFixture f;
  Engine& e = f.e();

  f.Set(0, "k", "v1");
  Warm(f, "k");
  f.Set(0, "k", "v2");
  CHECK(f.Get(0, "k") == "v2");

  Warm(f, "k");
  REQUIRE(e.Append(0, "k", "+").ok());
  CHECK(f.Get(0, "k") == "v2+");

  f.Set(0, "n", "10");
  Warm(f, "n");
  REQUIRE(e.IncrBy(0, "n", 5).value() == 15);
  CHECK(f.Get(0, "n") == "15");
  REQUIRE(e.IncrByFloat(0, "n", 0.5).ok());
  CHECK(f.Get(0, "n") == "15.5");
  REQUIRE(e.SetRange(0, "n", 0, "2").ok());
  CHECK(f.Get(0, "n") == "25.5");

  Warm(f, "k");
  std::string_view del[] = {"k"};
  REQUIRE(e.Delete(0, del).value() == 1);
  CHECK_FALSE(f.Get(0, "k").has_value());

  f.Set(0, "r", "moved");
  Warm(f, "r");
  REQUIRE(e.Rename(0, "r", "r2", false).value());
  CHECK_FALSE(f.Get(0, "r").has_value());
  CHECK(f.Get(0, "r2") == "moved");
  f.Set(0, "src", "new");
  Warm(f, "r2");
  REQUIRE(e.Rename(0, "src", "r2", false).value());  // overwrites a cached destination
  CHECK(f.Get(0, "r2") == "new");

  Warm(f, "r2");
  REQUIRE(e.Copy(0, "n", 0, "r2", true).value());
  CHECK(f.Get(0, "r2") == "25.5");
  Warm(f, "r2");
  REQUIRE(e.Move(0, "r2", 1).value());
  CHECK_FALSE(f.Get(0, "r2").has_value());

  // A cached string overwritten by another type.
  f.Set(0, "h", "string");
  Warm(f, "h");
  std::string_view hdel[] = {"h"};
  REQUIRE(e.Delete(0, hdel).value() == 1);
  FieldValue fv[] = {{"f", "v"}};
  REQUIRE(HSet(e, 0, "h", fv).ok());
  CHECK(e.Get(0, "h").status().IsWrongType());

  // GETDEL, GETEX PERSIST / EX in the past, MSET.
  f.Set(0, "g", "1");
  Warm(f, "g");
  REQUIRE(e.GetDel(0, "g").value() == "1");
  CHECK_FALSE(f.Get(0, "g").has_value());
  f.Set(0, "g", "2");
  Warm(f, "g");
  ExpiryUpdate past;
  past.kind = ExpiryUpdate::Kind::kSetAt;
  past.at_ms = f.Now() - 1;
  REQUIRE(e.GetEx(0, "g", past).value() == "2");
  CHECK_FALSE(f.Get(0, "g").has_value());
  f.Set(0, "m", "a");
  Warm(f, "m");
  std::pair<std::string_view, std::string_view> pairs[] = {{"m", "b"}};
  REQUIRE(e.MSet(0, pairs).ok());
  CHECK(f.Get(0, "m") == "b");

  // FLUSHDB and FLUSHALL.
  Warm(f, "m");
  REQUIRE(e.FlushDb(0).ok());
  CHECK_FALSE(f.Get(0, "m").has_value());
  f.Set(0, "m", "c");
  Warm(f, "m");
  REQUIRE(e.FlushAll().ok());
  CHECK_FALSE(f.Get(0, "m").has_value());
}

TEST_CASE("A cached GET honours expiry changes and the clock", "[engine][value_cache]") {
  EngineFixture f;
  Engine& e = f.e();
  f.Set(0, "s", "v", f.Now() + 1000);
  Warm(f, "s");
  f.clock->AdvanceMs(999);
  CHECK(f.Get(0, "s") == "v");
  f.clock->AdvanceMs(1);
  CHECK_FALSE(f.Get(0, "s").has_value());  // expired in the cache too
  CHECK(e.PTtl(0, "s").value() == kTtlMissing);

  f.Set(0, "t", "v");
  Warm(f, "t");
  REQUIRE(e.ExpireAt(0, "t", f.Now() + 10, ExpireCondition::kAlways).value());
  f.clock->AdvanceMs(10);
  CHECK_FALSE(f.Get(0, "t").has_value());

  f.Set(0, "u", "v", f.Now() + 10);
  Warm(f, "u");
  REQUIRE(e.Persist(0, "u").value());
  f.clock->AdvanceMs(100);
  CHECK(f.Get(0, "u") == "v");

  // SET KEEPTTL on a cached key keeps the expiry; SET GET returns the cached old value.
  f.Set(0, "w", "old", f.Now() + 50);
  Warm(f, "w");
  SetOptions keep;
  keep.keep_ttl = true;
  keep.get_old = true;
  auto r = e.Set(0, "w", "new", keep);
  REQUIRE(r.ok());
  CHECK(r.value().old_value == "old");
  CHECK(e.PTtl(0, "w").value() == 50);
  CHECK(f.Get(0, "w") == "new");
  f.clock->AdvanceMs(50);
  CHECK_FALSE(f.Get(0, "w").has_value());

  // Counters stay exact when writes take their old value from the cache.
  const int64_t keys_before = e.DbSize(0).value();
  const int64_t expires_before = e.Keyspace(0).expires;
  f.Set(0, "c", "1", f.Now() + 5);
  Warm(f, "c");
  CHECK(e.Keyspace(0).expires == expires_before + 1);
  f.Set(0, "c", "2");  // drops the expiry
  CHECK(e.Keyspace(0).expires == expires_before);
  CHECK(e.DbSize(0).value() == keys_before + 1);
}

TEST_CASE("Cached GETs never go back in time under concurrent writers", "[engine][value_cache]") {
  EngineFixture f;
  Engine& e = f.e();
  constexpr int kKeys = 8;
  constexpr int kWrites = 3000;
  for (int k = 0; k < kKeys; ++k) f.Set(0, "key" + std::to_string(k), "0");
  std::atomic<bool> done{false};
  std::atomic<int> violations{0};
  std::thread writer([&] {
    for (int i = 1; i <= kWrites; ++i) {
      for (int k = 0; k < kKeys; ++k) {
        // Alternate SET and INCR so both cached write paths run.
        const std::string key = "key" + std::to_string(k);
        if (i % 2) {
          REQUIRE(e.Set(0, key, std::to_string(i), SetOptions{}).ok());
        } else {
          REQUIRE(e.IncrBy(0, key, 1).value() == i);
        }
      }
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      std::vector<int64_t> last(kKeys, 0);
      std::string v;
      while (!done) {
        for (int k = 0; k < kKeys; ++k) {
          if (!e.Get(0, "key" + std::to_string(k), &v).ok()) {
            violations++;
            continue;
          }
          const int64_t n = std::stoll(v);
          if (n < last[k]) violations++;
          last[k] = n;
        }
      }
    });
  }
  writer.join();
  for (auto& r : readers) r.join();
  CHECK(violations == 0);
  for (int k = 0; k < kKeys; ++k) CHECK(f.Get(0, "key" + std::to_string(k)) == std::to_string(kWrites));
}

}  // namespace redrock::engine::test

namespace redrock::engine::test {

TEST_CASE("MGET answers from the cache and from RocksDB alike", "[engine][value_cache]") {
  EngineFixture f;
  Engine& e = f.e();
  f.Set(0, "a", "1");            // written through: cached
  f.Set(0, "b", "2", f.Now() + 5);
  FieldValue fv[] = {{"f", "v"}};
  REQUIRE(HSet(e, 0, "h", fv).ok());
  std::string_view keys[] = {"a", "b", "h", "missing"};
  auto r = e.MGet(0, keys);
  REQUIRE(r.ok());
  CHECK(r.value() == std::vector<std::optional<std::string>>{"1", "2", std::nullopt, std::nullopt});
  f.clock->AdvanceMs(5);
  REQUIRE(e.Append(0, "a", "+").ok());
  r = e.MGet(0, keys);
  REQUIRE(r.ok());
  CHECK(r.value() == std::vector<std::optional<std::string>>{"1+", std::nullopt, std::nullopt, std::nullopt});
}

}  // namespace redrock::engine::test
