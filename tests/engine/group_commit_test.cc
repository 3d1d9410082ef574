// Group commit (engine::GroupCommit, engine/storage/engine_impl.h): writes under a scope are applied at
// once but reach the WAL file only at the commit; writes without one are in the WAL file when they
// return. A crash is a forked child that writes and then leaves with _exit, skipping every destructor,
// so whatever is still in the process's WAL buffer is lost as in a kill -9.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tests/engine/engine_fixture.h"

namespace redrock::engine::test {

namespace {

Options CrashOptions(const std::string& dir, SyncMode sync) {
  Options o;
  o.dir = dir;
  o.active_expiry = false;
  o.sync = sync;
  o.block_cache_bytes = 1 << 20;
  return o;
}

// The child's end: dies at once, skipping every destructor (an open GroupCommit's commit included).
[[noreturn]] void Die(bool ok) { _exit(ok ? 0 : 3); }

// Runs `body` in a child process on a fresh engine in `dir`; the body ends the child with Die() (a
// return dies too). Returns once the child is gone; fails the test if the child did not get to its end.
template <typename Body>
void InCrashingChild(const std::string& dir, SyncMode sync, Body body) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto opened = Engine::Open(CrashOptions(dir, sync));
    if (!opened.ok()) _exit(2);
    Engine* e = opened->release();  // never destroyed: the crash
    _exit(body(*e) ? 0 : 3);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

bool SetOk(Engine& e, const std::string& key, const std::string& value) {
  return e.Set(0, key, value, SetOptions{}).ok();
}

std::unique_ptr<Engine> Reopen(const std::string& dir) {
  auto r = Engine::Open(CrashOptions(dir, SyncMode::kEverySec));
  REQUIRE(r.ok());
  return std::move(r).value();
}

bool Has(Engine& e, const std::string& key, const std::string& value) {
  auto r = e.Get(0, key);
  return r.ok() && *r == value;
}

}  // namespace

TEST_CASE("GroupCommit: grouped writes are visible at once and pending until the commit", "[engine][group_commit]") {
  EngineFixture f;
  CHECK_FALSE(GroupCommit::pending());
  {
    GroupCommit group;
    const uint64_t before = GroupCommit::ThreadWrites();
    REQUIRE(f.e().Set(0, "a", "1", SetOptions{}).ok());
    REQUIRE(f.e().IncrBy(0, "n", 5).ok());
    CHECK(GroupCommit::ThreadWrites() == before + 2);
    CHECK(GroupCommit::pending());
    CHECK(*f.e().Get(0, "a") == "1");  // applied before the commit
    // A read adds nothing to commit.
    const uint64_t after_writes = GroupCommit::ThreadWrites();
    CHECK(f.e().Get(0, "n").ok());
    CHECK(GroupCommit::ThreadWrites() == after_writes);
    REQUIRE(GroupCommit::Commit().ok());
    CHECK_FALSE(GroupCommit::pending());
    REQUIRE(GroupCommit::Commit().ok());  // nothing pending: OK at once
    REQUIRE(f.e().Set(0, "b", "2", SetOptions{}).ok());
    CHECK(GroupCommit::pending());
  }
  // The end of the outermost scope committed.
  CHECK_FALSE(GroupCommit::pending());
}

TEST_CASE("GroupCommit: scopes nest, and writes outside any scope are never pending", "[engine][group_commit]") {
  EngineFixture f;
  REQUIRE(f.e().Set(0, "plain", "v", SetOptions{}).ok());
  CHECK_FALSE(GroupCommit::pending());
  GroupCommit outer;
  {
    GroupCommit inner;
    REQUIRE(f.e().Set(0, "x", "1", SetOptions{}).ok());
  }
  CHECK(GroupCommit::pending());  // only the outermost scope's end commits
  REQUIRE(GroupCommit::Commit().ok());
}

TEST_CASE("GroupCommit: a crash loses the uncommitted grouped writes and nothing committed", "[engine][group_commit]") {
  const SyncMode mode = GENERATE(SyncMode::kEverySec, SyncMode::kAlways, SyncMode::kNo);
  INFO("sync mode " << static_cast<int>(mode));
  TempDir dir;
  InCrashingChild(dir.path(), mode, [](Engine& e) {
    if (!SetOk(e, "plain", "p")) return false;  // no scope: in the WAL file when it returns
    GroupCommit group;
    for (int i = 0; i < 50; ++i) {
      if (!SetOk(e, "committed:" + std::to_string(i), "c")) return false;
    }
    if (!GroupCommit::Commit().ok()) return false;
    for (int i = 0; i < 50; ++i) {
      if (!SetOk(e, "buffered:" + std::to_string(i), "b")) return false;
    }
    Die(GroupCommit::pending());  // with them still in the buffer
  });
  auto e = Reopen(dir.path());
  CHECK(Has(*e, "plain", "p"));
  int committed = 0;
  int buffered = 0;
  for (int i = 0; i < 50; ++i) {
    committed += Has(*e, "committed:" + std::to_string(i), "c");
    buffered += Has(*e, "buffered:" + std::to_string(i), "b");
  }
  CHECK(committed == 50);
  // Proof that the writes really waited for the commit (the WAL buffer is far from full here).
  CHECK(buffered == 0);
  CHECK(*e->DbSize(0) == 51);
}

TEST_CASE("GroupCommit: one thread's commit writes what other threads buffered", "[engine][group_commit]") {
  TempDir dir;
  InCrashingChild(dir.path(), SyncMode::kEverySec, [](Engine& e) {
    bool ok = true;
    std::thread other([&] {
      GroupCommit group;
      ok = SetOk(e, "other", "o");
      // Leaves the scope by dying below, never committing itself... but the scope's end commits;
      // so keep the thread inside it until after the main thread's commit.
      ok = ok && GroupCommit::pending();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      _exit(ok && SetOk(e, "never", "n") ? 0 : 4);  // crash while the scope is open
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    {
      GroupCommit group;
      if (!SetOk(e, "mine", "m")) return false;
      if (!GroupCommit::Commit().ok()) return false;
    }
    other.join();  // never returns: the other thread ends the process
    return false;
  });
  auto e = Reopen(dir.path());
  CHECK(Has(*e, "mine", "m"));
  CHECK(Has(*e, "other", "o"));      // buffered by the other thread before the main thread's commit
  CHECK_FALSE(Has(*e, "never", "n"));  // buffered after it, never committed
}

TEST_CASE("GroupCommit: collection writes and deletes are grouped too", "[engine][group_commit]") {
  TempDir dir;
  InCrashingChild(dir.path(), SyncMode::kEverySec, [](Engine& e) {
    if (!SetOk(e, "gone", "g")) return false;
    GroupCommit group;
    const std::vector<std::string_view> keys{"gone"};
    if (!e.Delete(0, keys).ok()) return false;
    Die(GroupCommit::pending());
  });
  auto e = Reopen(dir.path());
  CHECK(Has(*e, "gone", "g"));  // the uncommitted DEL was lost with the crash
}

}  // namespace redrock::engine::test
