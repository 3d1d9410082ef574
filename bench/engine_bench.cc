// Engine micro-benchmarks: the string hot path (GET hit/miss, SET, SET EX, INCR) and key iteration
// (KEYS and a whole SCAN) over 10k, 100k and 1M keys, each with 1 and 2 threads.
//
// Multi-threaded runs use real time, so items_per_second is the combined throughput of all threads.
// Each KEYS/SCAN dataset is built once per process, the first time a selected benchmark needs it, so a
// filter that skips the 1M runs (e.g. --benchmark_filter=-keys:1000000) never pays for building them.
//
// Dataset keys are "grpGG:item:IIIIIII" with GG = I % 100, so the patterns select known shares:
//   prefix  "grp07:*"   1%  (a literal prefix: the engine can seek straight to it)
//   infix   "*7:item:*" 10% (no literal prefix: every key is visited)
//   all     "*"         100%

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "bench/bench_support.h"

namespace redrock::bench {
namespace {

constexpr size_t kPointKeys = 1 << 16;  // distinct keys the point benchmarks cycle through (a power of 2)

std::vector<std::string> MakeKeys(const char* prefix, size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) keys.push_back(prefix + std::to_string(i));
  return keys;
}

// One engine for every point benchmark, with the hot key written and the key names prepared, so the
// timed loops do nothing but the engine call.
struct PointFixture {
  PointFixture() : db("point") {
    engine::SetOptions plain;
    if (!db.engine->Set(0, "hot", Value64(), plain).ok()) Die("cannot write the hot key");
  }
  BenchEngine db;
  std::vector<std::string> set_keys = MakeKeys("key:", kPointKeys);
  std::vector<std::string> ex_keys = MakeKeys("exkey:", kPointKeys);
  std::vector<std::string> counter_keys = MakeKeys("counter:", kPointKeys);
  std::vector<std::string> missing_keys = MakeKeys("missing:", kPointKeys);
};

PointFixture& Point() {
  static PointFixture fixture;
  return fixture;
}

// Each thread starts at its own offset, so two threads mostly touch different keys (as 50 clients with
// random keys would); the stride spreads consecutive iterations over the key space.
size_t StartIndex(const benchmark::State& state) { return static_cast<size_t>(state.thread_index()) * 7919; }
inline size_t NextIndex(size_t i) { return (i + 104729) & (kPointKeys - 1); }

// Through the call the server's GET makes: the value lands in a string the caller reuses.
void BM_GetHot(benchmark::State& state) {
  engine::Engine& engine = *Point().db.engine;
  std::string value;
  for (auto _ : state) {
    if (!engine.Get(0, "hot", &value).ok()) state.SkipWithError("GET hot failed");
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_GetMissing(benchmark::State& state) {
  PointFixture& fx = Point();
  size_t i = StartIndex(state);
  for (auto _ : state) {
    auto value = fx.db.engine->Get(0, fx.missing_keys[i]);
    if (value.ok() || !value.status().IsNotFound()) {
      state.SkipWithError("GET of a missing key did not say NotFound");
    }
    benchmark::DoNotOptimize(value);
    i = NextIndex(i);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Set(benchmark::State& state) {
  PointFixture& fx = Point();
  engine::SetOptions options;
  size_t i = StartIndex(state);
  for (auto _ : state) {
    auto result = fx.db.engine->Set(0, fx.set_keys[i], Value64(), options);
    if (!result.ok()) state.SkipWithError("SET failed");
    i = NextIndex(i);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SetEx(benchmark::State& state) {
  PointFixture& fx = Point();
  engine::Engine& engine = *fx.db.engine;
  engine::SetOptions options;
  size_t i = StartIndex(state);
  for (auto _ : state) {
    // As SET ... EX 100 does: an absolute time computed from the clock on every call.
    options.expire_at_ms = engine.NowMs() + 100'000;
    auto result = engine.Set(0, fx.ex_keys[i], Value64(), options);
    if (!result.ok()) state.SkipWithError("SET EX failed");
    i = NextIndex(i);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Incr(benchmark::State& state) {
  PointFixture& fx = Point();
  size_t i = StartIndex(state);
  for (auto _ : state) {
    auto result = fx.db.engine->IncrBy(0, fx.counter_keys[i], 1);
    if (!result.ok()) state.SkipWithError("INCR failed");
    benchmark::DoNotOptimize(result);
    i = NextIndex(i);
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- The floor: bare RocksDB ----------------------------------------------------------------------
// What an embedder would get from RocksDB alone for the same SET: one Put of the same key bytes
// ([db][key]) and value bytes (the 10-byte header and the 64-byte payload) into the default column
// family, with the engine's WAL settings (manual_wal_flush, the WAL written to the file before the call
// returns, no fsync: kEverySec) and its memtable size. No cache, no counters, no expiry index, no lock.
struct FloorFixture {
  FloorFixture() : dir("floor") {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.manual_wal_flush = true;
    options.write_buffer_size = engine::Options{}.write_buffer_bytes;
    rocksdb::Status s = rocksdb::DB::Open(options, dir.str(), &db);
    if (!s.ok()) Die("rocksdb open failed: " + s.ToString());
    keys.reserve(kPointKeys);
    for (size_t i = 0; i < kPointKeys; ++i) keys.push_back(std::string(1, '\0') + "key:" + std::to_string(i));
    value = std::string(10, '\0') + Value64();
  }
  ~FloorFixture() { delete db; }
  BenchDir dir;
  rocksdb::DB* db = nullptr;
  std::vector<std::string> keys;
  std::string value;
};

FloorFixture& Floor() {
  static FloorFixture fixture;
  return fixture;
}

void BM_RocksDbPutFloor(benchmark::State& state) {
  FloorFixture& fx = Floor();
  rocksdb::WriteOptions wo;
  size_t i = StartIndex(state);
  for (auto _ : state) {
    if (!fx.db->Put(wo, fx.keys[i], fx.value).ok() || !fx.db->FlushWAL(false).ok()) {
      state.SkipWithError("rocksdb Put failed");
    }
    i = NextIndex(i);
  }
  state.SetItemsProcessed(state.iterations());
}

// Sixteen writes per WAL write, as one I/O thread's turn of a -P 16 pipeline: the floor is 16 Puts and
// one FlushWAL; the engine's is 16 SETs under one GroupCommit. items_per_second counts the writes.
constexpr int kGroup = 16;

void BM_RocksDbPutFloorGrouped(benchmark::State& state) {
  FloorFixture& fx = Floor();
  rocksdb::WriteOptions wo;
  size_t i = StartIndex(state);
  for (auto _ : state) {
    for (int n = 0; n < kGroup; ++n) {
      if (!fx.db->Put(wo, fx.keys[i], fx.value).ok()) state.SkipWithError("rocksdb Put failed");
      i = NextIndex(i);
    }
    if (!fx.db->FlushWAL(false).ok()) state.SkipWithError("rocksdb FlushWAL failed");
  }
  state.SetItemsProcessed(state.iterations() * kGroup);
}

void BM_SetGrouped(benchmark::State& state) {
  PointFixture& fx = Point();
  engine::SetOptions options;
  size_t i = StartIndex(state);
  for (auto _ : state) {
    engine::GroupCommit group;
    for (int n = 0; n < kGroup; ++n) {
      if (!fx.db.engine->Set(0, fx.set_keys[i], Value64(), options).ok()) state.SkipWithError("SET failed");
      i = NextIndex(i);
    }
  }
  state.SetItemsProcessed(state.iterations() * kGroup);
}

// ---- KEYS / SCAN datasets ------------------------------------------------------------------------

struct Pattern {
  const char* name;
  const char* glob;
  int percent;  // share of the dataset it matches
};
constexpr Pattern kPatterns[] = {{"prefix", "grp07:*", 1}, {"infix", "*7:item:*", 10}, {"all", "*", 100}};
constexpr int64_t kSizes[] = {10'000, 100'000, 1'000'000};

// Built on first use and kept until exit; the mutex makes the second thread of a 2-thread run wait for
// the first one's build instead of building again.
engine::Engine& Dataset(int64_t size) {
  static std::mutex mu;
  static std::map<int64_t, std::unique_ptr<BenchEngine>> datasets;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = datasets[size];
  if (!slot) {
    slot = std::make_unique<BenchEngine>("keys" + std::to_string(size));
    constexpr int64_t kBatch = 1000;
    std::vector<std::string> names;
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    char key[64];
    for (int64_t start = 0; start < size; start += kBatch) {
      names.clear();
      pairs.clear();
      for (int64_t i = start; i < size && i < start + kBatch; ++i) {
        std::snprintf(key, sizeof key, "grp%02d:item:%07lld", static_cast<int>(i % 100),
                      static_cast<long long>(i));
        names.emplace_back(key);
      }
      for (const auto& name : names) pairs.emplace_back(name, Value64());
      if (!slot->engine->MSet(0, pairs).ok()) Die("cannot build the " + std::to_string(size) + " dataset");
    }
    // Steady state, as after a restart: the keys sit in SST files rather than only in the memtable.
    if (!slot->engine->Flush().ok()) Die("cannot flush the " + std::to_string(size) + " dataset");
  }
  return *slot->engine;
}

int64_t Expected(int64_t size, const Pattern& pattern) { return size * pattern.percent / 100; }

void BM_Keys(benchmark::State& state, Pattern pattern) {
  const int64_t size = state.range(0);
  engine::Engine& engine = Dataset(size);
  size_t matched = 0;
  for (auto _ : state) {
    auto keys = engine.Keys(0, pattern.glob);
    if (!keys.ok()) {
      state.SkipWithError("KEYS failed");
      break;
    }
    matched = keys.value().size();
    benchmark::DoNotOptimize(keys);
  }
  if (matched != static_cast<size_t>(Expected(size, pattern))) state.SkipWithError("KEYS matched a wrong count");
  state.SetItemsProcessed(state.iterations());
  state.counters["matched"] = benchmark::Counter(static_cast<double>(matched), benchmark::Counter::kAvgThreads);
}

// A whole SCAN iteration (cursor 0 back to 0) with COUNT 1000, as a client's scan_iter would run it.
void BM_ScanAll(benchmark::State& state, Pattern pattern) {
  const int64_t size = state.range(0);
  engine::Engine& engine = Dataset(size);
  size_t matched = 0;
  for (auto _ : state) {
    uint64_t cursor = 0;
    matched = 0;
    do {
      auto step = engine.Scan(0, cursor, pattern.glob, 1000, std::nullopt);
      if (!step.ok()) {
        state.SkipWithError("SCAN failed");
        break;
      }
      matched += step.value().keys.size();
      cursor = step.value().next_cursor;
    } while (cursor != 0);
  }
  // SCAN may return a key twice in Redis; redrock's ordered scan must not, so the count is exact.
  if (matched != static_cast<size_t>(Expected(size, pattern))) state.SkipWithError("SCAN matched a wrong count");
  state.SetItemsProcessed(state.iterations());
  state.counters["matched"] = benchmark::Counter(static_cast<double>(matched), benchmark::Counter::kAvgThreads);
}

void PointArgs(benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); }

BENCHMARK(BM_GetHot)->Apply(PointArgs);
BENCHMARK(BM_GetMissing)->Apply(PointArgs);
BENCHMARK(BM_Set)->Apply(PointArgs);
BENCHMARK(BM_SetEx)->Apply(PointArgs);
BENCHMARK(BM_Incr)->Apply(PointArgs);
BENCHMARK(BM_RocksDbPutFloor)->Apply(PointArgs);
BENCHMARK(BM_SetGrouped)->Apply(PointArgs);
BENCHMARK(BM_RocksDbPutFloorGrouped)->Apply(PointArgs);

void RegisterIterationBenchmarks() {
  for (const Pattern& pattern : kPatterns) {
    for (auto [kind, fn] : {std::pair{"BM_Keys/", &BM_Keys}, std::pair{"BM_ScanAll/", &BM_ScanAll}}) {
      auto* b = benchmark::RegisterBenchmark((std::string(kind) + pattern.name).c_str(), fn, pattern);
      b->ArgName("keys")->Unit(benchmark::kMicrosecond)->Threads(1)->Threads(2)->UseRealTime();
      for (int64_t size : kSizes) b->Arg(size);
    }
  }
}

}  // namespace
}  // namespace redrock::bench

int main(int argc, char** argv) {
  redrock::bench::RegisterIterationBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
