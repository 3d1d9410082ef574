// Engine::SetKeyEventSink (include/redrock/engine/key_events.h): every write family reports exactly the keys it changed,
// once each, after the write; operations that change nothing report nothing; expiry reports
// OnKeyExpired once (never OnKeyModified for the same removal); flushes report OnFlushed; failed writes
// report nothing and leave nothing behind for a later write.
#include <sys/mount.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "engine/storage/engine_impl.h"
#include "redrock/engine/hash.h"
#include "redrock/engine/key_events.h"
#include "redrock/engine/list.h"
#include "redrock/engine/set.h"
#include "redrock/engine/zset.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {

using Keys = std::vector<std::string_view>;
using Events = std::vector<std::string>;

// Records events as "mod 0 k", "exp 0 k", "flush 0" (flush -1 for FLUSHALL).
class RecordingSink : public KeyEventSink {
 public:
  void OnKeyModified(int db, std::string_view key) override { Add("mod " + std::to_string(db) + " " + std::string(key)); }
  void OnKeyExpired(int db, std::string_view key) override { Add("exp " + std::to_string(db) + " " + std::string(key)); }
  void OnFlushed(int db) override { Add("flush " + std::to_string(db)); }

  // The events since the last call, in order.
  Events Take() {
    std::lock_guard lock(mu_);
    Events out;
    out.swap(events_);
    return out;
  }

 protected:
  void Add(std::string event) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }

 private:
  std::mutex mu_;
  Events events_;
};

// Also hears OnKeyCreated (optional in KeyEventSink): "new 0 k" before the write's "mod 0 k".
class CreationSink : public RecordingSink {
 public:
  void OnKeyCreated(int db, std::string_view key) override { Add("new " + std::to_string(db) + " " + std::string(key)); }
};

class SinkFixture : public EngineFixture {
 public:
  SinkFixture() { e().SetKeyEventSink(&sink); }
  ~SinkFixture() { e().SetKeyEventSink(nullptr); }
  Events Take() { return sink.Take(); }
  RecordingSink sink;
};

SetOptions Opts(SetCondition condition = SetCondition::kAlways, int64_t expire_at_ms = 0) {
  SetOptions o;
  o.condition = condition;
  o.expire_at_ms = expire_at_ms;
  return o;
}

}  // namespace

TEST_CASE_METHOD(SinkFixture, "Key events: strings", "[engine][key_events]") {
  REQUIRE(e().Set(0, "k", "v", Opts()).ok());
  CHECK(Take() == Events{"mod 0 k"});
  // Overwriting with the same value is still a modification (Redis signals every SET).
  REQUIRE(e().Set(0, "k", "v", Opts()).ok());
  CHECK(Take() == Events{"mod 0 k"});
  REQUIRE(e().Set(3, "k", "v", Opts()).ok());
  CHECK(Take() == Events{"mod 3 k"});

  SECTION("conditions that fail change nothing") {
    auto nx = e().Set(0, "k", "w", Opts(SetCondition::kIfMissing));
    REQUIRE(nx.ok());
    CHECK_FALSE(nx->applied);
    auto xx = e().Set(0, "missing", "w", Opts(SetCondition::kIfExists));
    REQUIRE(xx.ok());
    CHECK_FALSE(xx->applied);
    auto msetnx = e().MSetNX(0, std::vector<std::pair<std::string_view, std::string_view>>{{"new", "1"}, {"k", "2"}});
    REQUIRE(msetnx.ok());
    CHECK_FALSE(*msetnx);
    CHECK(Take().empty());
    // A time in the past on a missing key stores nothing, but Redis stores the key (expired at once):
    // a modification.
    REQUIRE(e().Set(0, "gone", "v", Opts(SetCondition::kAlways, Now() - 1)).ok());
    CHECK(Take() == Events{"mod 0 gone"});
    CHECK_FALSE(Get(0, "gone"));
  }
  SECTION("a time in the past deletes a live key") {
    REQUIRE(e().Set(0, "k", "v", Opts(SetCondition::kAlways, Now() - 1)).ok());
    CHECK(Take() == Events{"mod 0 k"});
    CHECK_FALSE(Get(0, "k"));
  }
  SECTION("MSET reports each distinct key once") {
    std::vector<std::pair<std::string_view, std::string_view>> pairs{{"a", "1"}, {"b", "2"}, {"a", "3"}};
    REQUIRE(e().MSet(0, pairs).ok());
    Events ev = Take();
    std::sort(ev.begin(), ev.end());
    CHECK(ev == Events{"mod 0 a", "mod 0 b"});
    REQUIRE(e().MSetNX(0, std::vector<std::pair<std::string_view, std::string_view>>{{"c", "1"}}).ok());
    CHECK(Take() == Events{"mod 0 c"});
  }
  SECTION("read-modify-writes") {
    REQUIRE(e().IncrBy(0, "n", 0).ok());
    CHECK(Take() == Events{"mod 0 n"});
    REQUIRE(e().IncrByFloat(0, "n", 1.5).ok());
    CHECK(Take() == Events{"mod 0 n"});
    REQUIRE(e().Append(0, "k", "").ok());
    CHECK(Take() == Events{"mod 0 k"});
    REQUIRE(e().SetRange(0, "k", 5, "x").ok());
    CHECK(Take() == Events{"mod 0 k"});
    // Failures and no-ops report nothing.
    CHECK(e().IncrBy(0, "k", 1).status().code() == Status::Code::kNotInteger);
    REQUIRE(e().SetRange(0, "k", 0, "").ok());
    REQUIRE(e().SetRange(0, "missing", 3, "").ok());
    CHECK(Take().empty());
  }
  SECTION("GETDEL and GETEX") {
    CHECK(e().GetDel(0, "missing").status().IsNotFound());
    REQUIRE(e().GetEx(0, "k", ExpiryUpdate{ExpiryUpdate::Kind::kPersist, 0}).ok());  // had no TTL
    REQUIRE(e().GetEx(0, "k", ExpiryUpdate{}).ok());
    CHECK(Take().empty());
    REQUIRE(e().GetEx(0, "k", ExpiryUpdate{ExpiryUpdate::Kind::kSetAt, Now() + 1000}).ok());
    CHECK(Take() == Events{"mod 0 k"});
    REQUIRE(e().GetEx(0, "k", ExpiryUpdate{ExpiryUpdate::Kind::kPersist, 0}).ok());
    CHECK(Take() == Events{"mod 0 k"});
    REQUIRE(e().GetDel(0, "k").ok());
    CHECK(Take() == Events{"mod 0 k"});
  }
}

TEST_CASE_METHOD(SinkFixture, "Key events: generic key commands", "[engine][key_events]") {
  Set(0, "a", "1");
  Set(0, "b", "2");
  Take();

  SECTION("DEL reports the keys it removed, once each") {
    auto r = e().Delete(0, Keys{"a", "missing", "a", "b"});
    REQUIRE(r.ok());
    CHECK(*r == 2);
    CHECK(Take() == Events{"mod 0 a", "mod 0 b"});
    REQUIRE(e().Delete(0, Keys{"a"}).ok());
    CHECK(Take().empty());
  }
  SECTION("EXPIRE family") {
    REQUIRE(*e().ExpireAt(0, "a", Now() + 1000, ExpireCondition::kAlways));
    CHECK(Take() == Events{"mod 0 a"});
    CHECK_FALSE(*e().ExpireAt(0, "a", Now() + 2000, ExpireCondition::kNX));
    CHECK_FALSE(*e().ExpireAt(0, "missing", Now() + 2000, ExpireCondition::kAlways));
    CHECK_FALSE(*e().Persist(0, "b"));
    CHECK(Take().empty());
    REQUIRE(*e().Persist(0, "a"));
    CHECK(Take() == Events{"mod 0 a"});
    REQUIRE(*e().ExpireAt(0, "a", Now(), ExpireCondition::kAlways));  // deletes now
    CHECK(Take() == Events{"mod 0 a"});
  }
  SECTION("RENAME reports source and destination") {
    REQUIRE(*e().Rename(0, "a", "c", false));
    Events ev = Take();
    std::sort(ev.begin(), ev.end());
    CHECK(ev == Events{"mod 0 a", "mod 0 c"});
    REQUIRE(*e().Rename(0, "c", "c", false));  // onto itself: nothing changes
    CHECK_FALSE(*e().Rename(0, "c", "b", true));
    CHECK(e().Rename(0, "missing", "x", false).status().IsNotFound());
    CHECK(Take().empty());
  }
  SECTION("COPY reports the destination only; MOVE both databases") {
    REQUIRE(*e().Copy(0, "a", 2, "a2", false));
    CHECK(Take() == Events{"mod 2 a2"});
    CHECK_FALSE(*e().Copy(0, "a", 0, "b", false));
    CHECK(Take().empty());
    REQUIRE(*e().Copy(0, "a", 0, "b", true));
    CHECK(Take() == Events{"mod 0 b"});
    REQUIRE(*e().Move(0, "a", 5));
    Events ev = Take();
    std::sort(ev.begin(), ev.end());
    CHECK(ev == Events{"mod 0 a", "mod 5 a"});
    Set(0, "a", "again");
    Take();
    CHECK_FALSE(*e().Move(0, "a", 5));  // exists there
    CHECK_FALSE(*e().Move(0, "missing", 5));
    CHECK(Take().empty());
  }
  SECTION("FLUSHDB and FLUSHALL") {
    REQUIRE(e().FlushDb(0).ok());
    CHECK(Take() == Events{"flush 0"});
    REQUIRE(e().FlushAll().ok());
    CHECK(Take() == Events{"flush -1"});
  }
}

TEST_CASE_METHOD(SinkFixture, "Key events: expiry reports OnKeyExpired once, never OnKeyModified",
                 "[engine][key_events]") {
  Set(0, "t", "v", Now() + 100);
  Set(0, "u", "v", Now() + 100);
  Set(0, "w", "v", Now() + 100);
  Take();
  clock->AdvanceMs(100);

  SECTION("active expiry") {
    CHECK(EngineTestPeer::RunExpiryCycle(e()) == 3);
    Events ev = Take();
    std::sort(ev.begin(), ev.end());
    CHECK(ev == Events{"exp 0 t", "exp 0 u", "exp 0 w"});
    CHECK(EngineTestPeer::RunExpiryCycle(e()) == 0);
    CHECK(Take().empty());
  }
  SECTION("lazy expiry by a write") {
    // DEL of an expired key removes it as expiry did (nothing visible changed): expired only.
    REQUIRE(*e().Delete(0, Keys{"t"}) == 0);
    CHECK(Take() == Events{"exp 0 t"});
    // SET over an expired key: the old value expired and the key was written.
    REQUIRE(e().Set(0, "u", "new", Opts()).ok());
    Events ev = Take();
    std::sort(ev.begin(), ev.end());
    CHECK(ev == Events{"exp 0 u", "mod 0 u"});
    // A collection write over an expired string.
    REQUIRE(SAdd(e(), 0, "w", Keys{"m"}).ok());
    ev = Take();
    std::sort(ev.begin(), ev.end());
    CHECK(ev == Events{"exp 0 w", "mod 0 w"});
    // Nothing left for the expiry pass.
    CHECK(EngineTestPeer::RunExpiryCycle(e()) == 0);
    CHECK(Take().empty());
  }
  SECTION("reads and failed conditions on expired keys report nothing") {
    CHECK_FALSE(Get(0, "t"));
    CHECK_FALSE(*e().ExpireAt(0, "t", Now() + 1000, ExpireCondition::kAlways));
    CHECK_FALSE(*e().Persist(0, "t"));
    CHECK(Take().empty());
  }
}

TEST_CASE_METHOD(SinkFixture, "Key events: hashes", "[engine][key_events]") {
  using FV = std::vector<FieldValue>;
  REQUIRE(*HSet(e(), 0, "h", FV{{"f", "1"}, {"g", "2"}}) == 2);
  CHECK(Take() == Events{"mod 0 h"});
  REQUIRE(*HSet(e(), 0, "h", FV{{"f", "1"}}) == 0);  // same value: still HSET's modification
  CHECK(Take() == Events{"mod 0 h"});
  CHECK_FALSE(*HSetNx(e(), 0, "h", "f", "x"));
  CHECK(*HDel(e(), 0, "h", Keys{"nope"}) == 0);
  CHECK(*HDel(e(), 0, "missing", Keys{"f"}) == 0);
  CHECK(Take().empty());
  CHECK(HIncrBy(e(), 0, "h", "f", 0).ok());  // by 0: still a write, as HINCRBY signals in Redis
  CHECK(Take() == Events{"mod 0 h"});
  CHECK(HIncrBy(e(), 0, "s", "f", 1).ok());
  CHECK(HIncrByFloat(e(), 0, "s", "f", 0.5).ok());
  CHECK(*HSetNx(e(), 0, "s", "g", "x"));
  CHECK(Take() == Events{"mod 0 s", "mod 0 s", "mod 0 s"});
  CHECK(*HDel(e(), 0, "h", Keys{"f", "g", "nope"}) == 2);  // the last fields: the key goes
  CHECK(Take() == Events{"mod 0 h"});
}

TEST_CASE_METHOD(SinkFixture, "Key events: sets", "[engine][key_events]") {
  REQUIRE(*SAdd(e(), 0, "s", Keys{"a", "b", "c"}) == 3);
  CHECK(Take() == Events{"mod 0 s"});
  CHECK(*SAdd(e(), 0, "s", Keys{"a", "b"}) == 0);
  CHECK(*SRem(e(), 0, "s", Keys{"zz"}) == 0);
  CHECK(*SRem(e(), 0, "missing", Keys{"a"}) == 0);
  CHECK_FALSE(*SMove(e(), 0, "s", "t", "zz"));
  CHECK(*SMove(e(), 0, "s", "s", "a"));  // same set: nothing moves
  CHECK(SPop(e(), 0, "missing", 1)->empty());
  CHECK(Take().empty());

  CHECK(*SRem(e(), 0, "s", Keys{"a"}) == 1);
  CHECK(Take() == Events{"mod 0 s"});
  CHECK(*SMove(e(), 0, "s", "t", "b"));
  Events ev = Take();
  std::sort(ev.begin(), ev.end());
  CHECK(ev == Events{"mod 0 s", "mod 0 t"});
  CHECK(SPop(e(), 0, "s", 5)->size() == 1);  // empties it
  CHECK(Take() == Events{"mod 0 s"});

  REQUIRE(*SAdd(e(), 0, "u", Keys{"x"}) == 1);
  Take();
  // *STORE: the destination is reported when written, and when an empty result deletes it.
  CHECK(*SetCombineStore(e(), 0, SetOp::kUnion, "dst", Keys{"t", "u"}) == 2);
  CHECK(Take() == Events{"mod 0 dst"});
  CHECK(*SetCombineStore(e(), 0, SetOp::kInter, "dst", Keys{"t", "u"}) == 0);
  CHECK(Take() == Events{"mod 0 dst"});
  CHECK(*SetCombineStore(e(), 0, SetOp::kInter, "dst", Keys{"t", "u"}) == 0);  // nothing to delete
  CHECK(Take().empty());
}

TEST_CASE_METHOD(SinkFixture, "Key events: lists", "[engine][key_events]") {
  CHECK(*ListPush(e(), 0, "l", ListEnd::kRight, Keys{"a", "b", "c", "d"}) == 4);
  CHECK(Take() == Events{"mod 0 l"});
  CHECK(*ListPush(e(), 0, "missing", ListEnd::kLeft, Keys{"a"}, /*only_if_exists=*/true) == 0);
  CHECK(ListPop(e(), 0, "missing", ListEnd::kLeft, 1).status().IsNotFound());
  CHECK(*ListInsert(e(), 0, "l", true, "zz", "x") == -1);
  CHECK(*ListRemove(e(), 0, "l", 0, "zz") == 0);
  CHECK_FALSE(ListPopFirst(e(), 0, Keys{"m1", "m2"}, ListEnd::kLeft)->has_value());
  CHECK(Take().empty());

  CHECK(ListSet(e(), 0, "l", 0, "a").ok());  // same element: LSET still modifies
  CHECK(Take() == Events{"mod 0 l"});
  // LTRIM that trims nothing is still a modification in Redis (it signals the key).
  CHECK(ListTrim(e(), 0, "l", 0, -1).ok());
  CHECK(Take() == Events{"mod 0 l"});
  CHECK(ListTrim(e(), 0, "missing", 0, -1).ok());
  CHECK(Take().empty());
  CHECK(ListPop(e(), 0, "l", ListEnd::kLeft, 1)->size() == 1);
  CHECK(Take() == Events{"mod 0 l"});
  CHECK(ListMove(e(), 0, "l", "l2", ListEnd::kLeft, ListEnd::kRight)->has_value());
  Events ev = Take();
  std::sort(ev.begin(), ev.end());
  CHECK(ev == Events{"mod 0 l", "mod 0 l2"});
  CHECK(ListMove(e(), 0, "l", "l", ListEnd::kLeft, ListEnd::kRight)->has_value());  // rotation
  CHECK(Take() == Events{"mod 0 l"});
  auto popped = ListPopFirstMany(e(), 0, Keys{"missing", "l"}, ListEnd::kLeft, 10);
  REQUIRE(popped.ok());
  CHECK(popped->has_value());
  CHECK(Take() == Events{"mod 0 l"});
}

TEST_CASE_METHOD(SinkFixture, "Key events: sorted sets", "[engine][key_events]") {
  using Pairs = std::vector<std::pair<double, std::string_view>>;
  REQUIRE(ZAdd(e(), 0, "z", Pairs{{1, "a"}, {2, "b"}, {3, "c"}}, ZAddOptions{})->added == 3);
  CHECK(Take() == Events{"mod 0 z"});

  ZAddOptions incr;
  incr.incr = true;
  ZAddOptions nx;
  nx.condition = ZAddCondition::kIfMissing;
  ZAddOptions xx;
  xx.condition = ZAddCondition::kIfExists;
  // Same scores, increments by 0, NX on members present, XX on a missing key: no change, no event.
  CHECK(ZAdd(e(), 0, "z", Pairs{{1, "a"}, {2, "b"}}, ZAddOptions{})->updated == 0);
  CHECK(ZAdd(e(), 0, "z", Pairs{{0, "a"}}, incr).ok());
  CHECK(ZAdd(e(), 0, "z", Pairs{{5, "a"}}, nx)->added == 0);
  CHECK(ZAdd(e(), 0, "missing", Pairs{{5, "a"}}, xx)->added == 0);
  CHECK(*ZRem(e(), 0, "z", Keys{"zz"}) == 0);
  CHECK(*ZRemRangeByScore(e(), 0, "z", ScoreRange{10, 20}) == 0);
  CHECK(*ZRemRangeByRank(e(), 0, "missing", 0, -1) == 0);
  CHECK(ZPop(e(), 0, "missing", false, 1)->empty());
  CHECK(Take().empty());

  CHECK(ZAdd(e(), 0, "z", Pairs{{1, "a"}}, incr)->score == 2);
  CHECK(Take() == Events{"mod 0 z"});
  CHECK(*ZRem(e(), 0, "z", Keys{"a"}) == 1);
  CHECK(Take() == Events{"mod 0 z"});
  CHECK(ZPop(e(), 0, "z", true, 1)->size() == 1);
  CHECK(Take() == Events{"mod 0 z"});

  const std::array<std::string_view, 1> src{"z"};
  ZCombineSpec spec;
  spec.keys = src;
  CHECK(*ZCombineStore(e(), 0, "out", spec) == 1);
  CHECK(Take() == Events{"mod 0 out"});
  ZRangeQuery all;
  CHECK(*ZRangeStore(e(), 0, "out2", "z", all) == 1);
  CHECK(Take() == Events{"mod 0 out2"});
  CHECK(*ZRemRangeByLex(e(), 0, "z", LexRange{}) == 1);  // the last member: the key goes
  CHECK(Take() == Events{"mod 0 z"});
  CHECK(*ZRangeStore(e(), 0, "out2", "z", all) == 0);  // empty: deletes out2
  CHECK(Take() == Events{"mod 0 out2"});
  CHECK(*ZRangeStore(e(), 0, "out2", "z", all) == 0);
  CHECK(Take().empty());
}

TEST_CASE_METHOD(SinkFixture, "Key events: detaching stops them; expiry still runs and is counted",
                 "[engine][key_events]") {
  Set(0, "t", "v", Now() + 10);
  Take();
  e().SetKeyEventSink(nullptr);
  Set(0, "k", "v");
  clock->AdvanceMs(10);
  CHECK(EngineTestPeer::RunExpiryCycle(e()) == 1);
  CHECK(Take().empty());
  CHECK(e().Stats().expired_keys == 1);  // "t" was removed, with no sink to hear of it
  CHECK(*e().Keys(0, "*") == std::vector<std::string>{"k"});
  e().SetKeyEventSink(&sink);
  Set(0, "k", "v");
  CHECK(Take() == Events{"mod 0 k"});
}

namespace {

// A small tmpfs so writes can be made to fail (needs root: the case is tagged [needs_root], see
// tests/engine/full_disk_test.cc).
class SmallDisk {
 public:
  SmallDisk() {
    std::string tmpl = "/tmp/redrock-key-events-XXXXXX";
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
    mounted_ = mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=8388608,mode=0700") == 0;
  }
  ~SmallDisk() {
    if (mounted_ && umount2(path_.c_str(), 0) != 0) umount2(path_.c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  bool mounted() const { return mounted_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("Key events: failed writes report nothing and leak nothing into later writes", "[engine][key_events][needs_root]") {
  SmallDisk disk;
  if (!disk.mounted()) FAIL("cannot mount a tmpfs: the [needs_root] cases must run as root");
  const std::string filler = disk.path() + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string chunk(1 << 16, 'f');
    for (size_t done = 0; done < (5u << 20); done += chunk.size()) out.write(chunk.data(), chunk.size());
  }
  Options o;
  o.dir = disk.path() + "/db";
  o.clock = std::make_shared<ManualClock>();
  o.active_expiry = false;
  o.block_cache_bytes = 1 << 20;
  o.write_buffer_bytes = size_t{16} << 20;
  auto opened = Engine::Open(o);
  REQUIRE(opened.ok());
  auto engine = std::move(opened).value();
  Engine::Impl& impl = EngineTestPeer::ImplOf(*engine);
  impl.auto_resume.store(false);
  RecordingSink sink;
  engine->SetKeyEventSink(&sink);

  // Fill the disk; every acknowledged SET is reported once, the failing one not at all.
  const std::string value(4096, 'v');
  size_t acked = 0;
  std::string failed_key;
  for (int i = 0; i < 100000; ++i) {
    std::string key = "k" + std::to_string(i);
    if (!engine->Set(0, key, value, SetOptions{}).ok()) {
      failed_key = key;
      break;
    }
    ++acked;
  }
  REQUIRE_FALSE(failed_key.empty());
  Events ev = sink.Take();
  CHECK(ev.size() == acked);
  CHECK(std::find(ev.begin(), ev.end(), "mod 0 " + failed_key) == ev.end());

  // More failing writes of every shape.
  CHECK_FALSE(engine->Delete(0, Keys{"k0"}).ok());
  CHECK_FALSE(SAdd(*engine, 0, "s", Keys{"a"}).ok());
  CHECK_FALSE(engine->Rename(0, "k1", "k1-renamed", false).ok());
  CHECK_FALSE(engine->FlushDb(0).ok());
  CHECK(sink.Take().empty());

  // Space comes back: the next write reports its own key and nothing from the failed ones.
  std::filesystem::remove(filler);
  rocksdb::Status resumed = impl.TryResume();
  INFO(resumed.ToString());
  REQUIRE(resumed.ok());
  REQUIRE(engine->Set(0, "after", "v", SetOptions{}).ok());
  CHECK(sink.Take() == Events{"mod 0 after"});
  engine->SetKeyEventSink(nullptr);
}

}  // namespace redrock::engine::test

namespace redrock::engine::test {

TEST_CASE_METHOD(EngineFixture, "Key events: a sink that takes OnKeyCreated hears which writes create keys",
                 "[engine][key_events]") {
  CreationSink sink;
  e().SetKeyEventSink(&sink);
  REQUIRE(e().Set(0, "k", "v", Opts()).ok());
  CHECK(sink.Take() == Events{"new 0 k", "mod 0 k"});
  REQUIRE(e().Set(0, "k", "w", Opts()).ok());  // overwrite: no creation
  CHECK(sink.Take() == Events{"mod 0 k"});

  // MSET: each missing key.
  REQUIRE(e().MSet(0, std::vector<std::pair<std::string_view, std::string_view>>{{"k", "1"}, {"j", "2"}}).ok());
  Events ev = sink.Take();
  std::sort(ev.begin(), ev.end());
  CHECK(ev == Events{"mod 0 j", "mod 0 k", "new 0 j"});

  // Collections: created by their first member, not by later ones.
  REQUIRE(*SAdd(e(), 0, "s", Keys{"a"}) == 1);
  REQUIRE(*SAdd(e(), 0, "s", Keys{"b"}) == 1);
  CHECK(sink.Take() == Events{"new 0 s", "mod 0 s", "mod 0 s"});

  // RENAME and COPY re-create their destination even when it existed (Redis deletes and re-adds it);
  // MOVE creates the key in the other database.
  REQUIRE(*e().Rename(0, "k", "j", false));
  ev = sink.Take();
  CHECK(std::find(ev.begin(), ev.end(), "new 0 j") != ev.end());
  REQUIRE(*e().Copy(0, "j", 0, "s", true));
  CHECK(sink.Take() == Events{"new 0 s", "mod 0 s"});
  REQUIRE(*e().Move(0, "j", 4));
  ev = sink.Take();
  std::sort(ev.begin(), ev.end());
  CHECK(ev == Events{"mod 0 j", "mod 4 j", "new 4 j"});

  // Over an expired value: expired first, then created.
  Set(0, "t", "v", Now() + 10);
  sink.Take();
  clock->AdvanceMs(10);
  REQUIRE(ListPush(e(), 0, "t", ListEnd::kLeft, Keys{"x"}).ok());
  ev = sink.Take();
  REQUIRE(ev.size() == 3);
  CHECK(ev[0] == "mod 0 t");  // the write itself
  CHECK(ev[1] == "exp 0 t");
  CHECK(ev[2] == "new 0 t");
  // A SET whose time has passed creates (in Redis's eyes) without storing anything.
  REQUIRE(e().Set(0, "p", "v", Opts(SetCondition::kAlways, Now() - 1)).ok());
  CHECK(sink.Take() == Events{"new 0 p", "mod 0 p"});
  e().SetKeyEventSink(nullptr);
}

}  // namespace redrock::engine::test

namespace redrock::engine::test {

TEST_CASE_METHOD(EngineFixture, "Key events: ModifyString's unsignalled store reports only the creation",
                 "[engine][key_events][modify]") {
  CreationSink sink;
  e().SetKeyEventSink(&sink);
  auto store = [](Engine::StoreMode mode) {
    return [mode](bool, std::string* v, Engine::StoreMode* out) {
      v->push_back('x');
      *out = mode;
      return Status::OK();
    };
  };
  REQUIRE(e().ModifyString(0, "k", store(Engine::StoreMode::kStoreUnsignalled)).ok());
  CHECK(sink.Take() == Events{"new 0 k"});
  REQUIRE(e().ModifyString(0, "k", store(Engine::StoreMode::kStoreUnsignalled)).ok());
  CHECK(sink.Take().empty());
  CHECK(*e().Get(0, "k") == "xx");
  REQUIRE(e().ModifyString(0, "k", store(Engine::StoreMode::kStore)).ok());
  CHECK(sink.Take() == Events{"mod 0 k"});
  REQUIRE(e().ModifyString(0, "j", store(Engine::StoreMode::kStore)).ok());
  CHECK(sink.Take() == Events{"new 0 j", "mod 0 j"});
  REQUIRE(e().ModifyString(0, "j", store(Engine::StoreMode::kNone)).ok());
  CHECK(sink.Take().empty());
  // ModifyStringFrom reports only the key it writes, never the sources it reads.
  const std::vector<std::string_view> sources = {"k", "j"};
  auto store_from = [](Engine::StoreMode mode) {
    return [mode](const Engine::StringSourceReader& read, bool, std::string* v, Engine::StoreMode* out) {
      auto k = read(0);
      if (!k.ok()) return k.status();
      v->append(k->value_or(""));
      *out = mode;
      return Status::OK();
    };
  };
  REQUIRE(e().ModifyStringFrom(0, "m", sources, store_from(Engine::StoreMode::kStore)).ok());
  CHECK(sink.Take() == Events{"new 0 m", "mod 0 m"});
  REQUIRE(e().ModifyStringFrom(0, "m", sources, store_from(Engine::StoreMode::kStoreUnsignalled)).ok());
  CHECK(sink.Take().empty());
  CHECK(*e().Get(0, "m") == "xxxxxx");
  e().SetKeyEventSink(nullptr);
}

}  // namespace redrock::engine::test
