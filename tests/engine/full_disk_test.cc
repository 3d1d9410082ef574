// A full disk (engine/storage/write_failure.cc): writes fail with a one-line IOError, nothing aborts (the sync
// pass, Flush, expiry, close), reads keep working, writes resume once space is back, and no
// acknowledged write is lost across a restart.
//
// The disk is a small tmpfs mounted for the test, which needs root (CAP_SYS_ADMIN). The cases are tagged
// [needs_root]: engine_tests leaves them out, and the ctest engine_tests_needs_root runs them, or shows
// as SKIPPED when not run as root (tests/CMakeLists.txt). A case that cannot mount fails.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "engine/storage/engine_impl.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {

constexpr size_t kDiskBytes = 8u << 20;
// Freed to end the episode: enough for Resume to flush the memtable (the values do not compress).
constexpr size_t kFillerBytes = 5u << 20;
constexpr size_t kValueBytes = 4096;

// A tmpfs of `bytes` on a fresh directory, unmounted and removed on destruction.
class TmpfsMount {
 public:
  explicit TmpfsMount(size_t bytes) {
    std::string tmpl = "/tmp/redrock-full-disk-XXXXXX";
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0700";
    if (mount("tmpfs", path_.c_str(), "tmpfs", 0, opts.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~TmpfsMount() {
    if (mounted_ && umount2(path_.c_str(), 0) != 0) umount2(path_.c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

void WriteFiller(const std::string& path, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  const std::string chunk(1 << 16, 'f');
  for (size_t done = 0; done < bytes; done += chunk.size()) out.write(chunk.data(), chunk.size());
  out.close();
  REQUIRE(out.good());
}

std::string RandomValue(std::mt19937_64& rng) {
  std::string v(kValueBytes, '\0');
  for (size_t i = 0; i < v.size(); i += 8) {
    const uint64_t x = rng();
    std::memcpy(v.data() + i, &x, 8);
  }
  return v;
}

Options DiskOptions(const std::string& dir, std::shared_ptr<ManualClock> clock, size_t write_buffer_bytes) {
  Options o;
  o.dir = dir;
  o.clock = std::move(clock);
  o.active_expiry = false;  // the test runs the expiry pass itself
  o.sync = SyncMode::kEverySec;
  o.block_cache_bytes = 1 << 20;
  o.write_buffer_bytes = write_buffer_bytes;
  return o;
}

std::unique_ptr<Engine> OpenOrFail(const Options& o) {
  auto r = Engine::Open(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

// Sets fresh keys until a write fails; returns what was acknowledged. The failure must be the full
// disk, reported in one line.
std::map<std::string, std::string> FillUntilFull(Engine& e, std::mt19937_64& rng) {
  std::map<std::string, std::string> acked;
  for (int i = 0; i < 100000; ++i) {
    const std::string key = "k" + std::to_string(i);
    const std::string value = RandomValue(rng);
    auto r = e.Set(0, key, value, SetOptions{});
    if (!r.ok()) {
      CHECK(r.status().code() == Status::Code::kIOError);
      CHECK(r.status().message() == "No space left on device");
      return acked;
    }
    acked.emplace(key, value);
  }
  FAIL("the disk never filled up");
  return acked;
}

void RequireAll(Engine& e, const std::map<std::string, std::string>& acked) {
  size_t missing = 0;
  for (const auto& [key, value] : acked) {
    auto r = e.Get(0, key);
    if (!r.ok() || *r != value) ++missing;
  }
  CHECK(missing == 0);
  auto size = e.DbSize(0);
  REQUIRE(size.ok());
  CHECK(*size >= static_cast<int64_t>(acked.size()));
}

// Everything that must hold right after the disk filled up: nothing aborts while the WAL writer is
// broken (the WAL sync, switching to appendfsync always, the sync thread's pass, Flush as SAVE runs
// it, an expiry pass), writes keep failing the same way, and reads keep working.
void CheckStoppedState(Engine& e, ManualClock& clock, const std::map<std::string, std::string>& acked) {
  Engine::Impl& impl = EngineTestPeer::ImplOf(e);
  CHECK(impl.write_failed.load());
  Status synced = impl.SyncWal();
  CHECK(synced.code() == Status::Code::kIOError);
  CHECK(synced.message() == "No space left on device");
  impl.wal_dirty.store(true);
  e.SetSyncMode(SyncMode::kAlways);
  e.SetSyncMode(SyncMode::kEverySec);
  impl.SyncOnce();
  Status flushed = e.Flush();
  CHECK(flushed.code() == Status::Code::kIOError);
  CHECK(flushed.message() == "No space left on device");
  clock.AdvanceMs(2000);  // "short-lived" is due
  CHECK(EngineTestPeer::RunExpiryCycle(e) == 0);

  auto again = e.Set(0, "again", "v", SetOptions{});
  CHECK(again.status().message() == "No space left on device");
  auto del = e.Delete(0, std::vector<std::string_view>{"k0"});
  CHECK(del.status().code() == Status::Code::kIOError);

  auto first = e.Get(0, "k0");
  REQUIRE(first.ok());
  CHECK(*first == acked.at("k0"));
  CHECK(e.Keys(0, "k1*").ok());
  EngineStats stats = e.Stats();
  CHECK(stats.write_errors >= 3);
  CHECK(stats.last_write_error.find("No space left on device") != std::string::npos);

  // The sync thread would try to resume now: it waits for free space instead (a Resume that fails
  // for lack of space can leave RocksDB unable to resume later).
  CHECK(impl.TryResume().IsIncomplete());
}

// Polls a write until it succeeds (the sync thread resumes in the background) or `timeout` passes.
Result<SetResult> SetWhenResumed(Engine& e, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto r = e.Set(0, "after", "resumed", SetOptions{});
    if (r.ok() || std::chrono::steady_clock::now() >= deadline) return r;
    CHECK(r.status().message() == "No space left on device");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

TEST_CASE("A full disk fails writes cleanly and writes resume once space is back", "[engine][full_disk][needs_root]") {
  TmpfsMount disk(kDiskBytes);
  if (!disk.mounted()) {
    FAIL("cannot mount a tmpfs (" << disk.error() << "): the [needs_root] cases must run as root");
  }
  const std::string filler = disk.path() + "/filler";
  WriteFiller(filler, kFillerBytes);
  // Writes resume through the sync thread on its own, or through a TryResume call.
  const bool background = GENERATE(true, false);
  INFO("resumed by " << (background ? "the sync thread" : "a call"));
  auto clock = std::make_shared<ManualClock>();
  // The 16 MB memtable never fills here: no memtable flush runs, and the WAL append is what fails.
  const Options opts = DiskOptions(disk.path() + "/db", clock, size_t{16} << 20);
  std::mt19937_64 rng(42);

  std::map<std::string, std::string> acked;
  {
    auto e = OpenOrFail(opts);
    Engine::Impl& impl = EngineTestPeer::ImplOf(*e);
    impl.auto_resume.store(false);  // the test decides when resuming is tried
    impl.resume_interval_ms.store(20);
    SetOptions ttl;
    ttl.expire_at_ms = clock->NowMs() + 1000;
    REQUIRE(e->Set(0, "short-lived", "v", ttl).ok());

    acked = FillUntilFull(*e, rng);
    REQUIRE(acked.size() > 100);
    CheckStoppedState(*e, *clock, acked);

    // Space comes back: writes resume without a restart.
    std::filesystem::remove(filler);
    Result<SetResult> after = Status::IOError("not tried");
    if (background) {
      impl.auto_resume.store(true);
      after = SetWhenResumed(*e, std::chrono::seconds(5));
    } else {
      rocksdb::Status resumed = impl.TryResume();
      INFO(resumed.ToString());
      CHECK(resumed.ok());
      CHECK_FALSE(impl.write_failed.load());
      after = e->Set(0, "after", "resumed", SetOptions{});
    }
    INFO(after.status().ToString());
    REQUIRE(after.ok());
    acked.emplace("after", "resumed");
    CHECK(EngineTestPeer::RunExpiryCycle(*e) == 1);  // the expired key is reclaimed now
    // Writes refused while the sync thread resumed keep the flag up until its next pass; Flush waits
    // for that (it refuses while the flag is up).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (impl.write_failed.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(e->Flush().ok());
    impl.wal_dirty.store(true);
    impl.SyncOnce();
    CHECK_FALSE(impl.wal_dirty.load());  // synced
    RequireAll(*e, acked);
  }

  // A restart on the same directory has every acknowledged write.
  auto e = OpenOrFail(opts);
  RequireAll(*e, acked);
  CHECK(e->Set(0, "post-restart", "v", SetOptions{}).ok());
}

TEST_CASE("A full disk amid memtable flushes loses nothing, resumed or not", "[engine][full_disk][needs_root]") {
  TmpfsMount disk(kDiskBytes);
  if (!disk.mounted()) {
    FAIL("cannot mount a tmpfs (" << disk.error() << "): the [needs_root] cases must run as root");
  }
  const std::string filler = disk.path() + "/filler";
  WriteFiller(filler, kFillerBytes);
  auto clock = std::make_shared<ManualClock>();
  // 1 MB memtables: flushes run while the disk fills, and a flush or the WAL append fails first.
  const Options opts = DiskOptions(disk.path() + "/db", clock, size_t{1} << 20);
  std::mt19937_64 rng(43);

  std::map<std::string, std::string> acked;
  {
    auto e = OpenOrFail(opts);
    Engine::Impl& impl = EngineTestPeer::ImplOf(*e);
    impl.auto_resume.store(false);
    impl.resume_interval_ms.store(20);
    SetOptions ttl;
    ttl.expire_at_ms = clock->NowMs() + 1000;
    REQUIRE(e->Set(0, "short-lived", "v", ttl).ok());

    acked = FillUntilFull(*e, rng);
    REQUIRE(acked.size() > 100);
    CheckStoppedState(*e, *clock, acked);

    std::filesystem::remove(filler);
    impl.auto_resume.store(true);
    auto after = SetWhenResumed(*e, std::chrono::seconds(3));
    if (after.ok()) {
      acked.emplace("after", "resumed");
      RequireAll(*e, acked);
    } else {
      // RocksDB 7.8 can block in Resume when a memtable flush was queued as the disk filled (see
      // engine_impl.h): writes keep failing cleanly, reads work, and closing must still work.
      CHECK(impl.resuming.load());
      WARN("RocksDB did not resume (known 7.8 issue); checking the restart path only");
      RequireAll(*e, acked);
    }
    // Closing returns, even with the sync thread blocked in Resume.
  }

  // A restart on the same directory has every acknowledged write.
  auto e = OpenOrFail(opts);
  RequireAll(*e, acked);
  CHECK(e->Set(0, "post-restart", "v", SetOptions{}).ok());
}

TEST_CASE("Closing while the disk is still full loses no acknowledged write", "[engine][full_disk][needs_root]") {
  TmpfsMount disk(kDiskBytes);
  if (!disk.mounted()) {
    FAIL("cannot mount a tmpfs (" << disk.error() << "): the [needs_root] cases must run as root");
  }
  const std::string filler = disk.path() + "/filler";
  WriteFiller(filler, kFillerBytes);
  auto clock = std::make_shared<ManualClock>();
  const Options opts = DiskOptions(disk.path() + "/db", clock, size_t{16} << 20);
  std::mt19937_64 rng(7);

  std::map<std::string, std::string> acked;
  {
    auto e = OpenOrFail(opts);
    acked = FillUntilFull(*e, rng);
    REQUIRE(acked.size() > 100);
    // The engine closes (no final sync, no flush) without aborting.
  }
  std::filesystem::remove(filler);
  auto e = OpenOrFail(opts);
  RequireAll(*e, acked);
  auto r = e->Set(0, "post-restart", "v", SetOptions{});
  CHECK(r.ok());
}

}  // namespace redrock::engine::test
