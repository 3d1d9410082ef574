// Streams at the engine level (include/redrock/engine/stream.h): ID rules on the manual clock, ranges,
// XDEL, trimming with Redis's node model, XSETID, consumer groups and their PELs, claiming, XINFO, and
// the generic key operations (empty streams stay, DEL/RENAME/COPY/MOVE/expiry).
#include "redrock/engine/stream.h"
#include "redrock/engine/memory.h"

#include <string>
#include <vector>

#include "tests/engine/engine_fixture.h"

namespace redrock::engine::test {

namespace {

using Args = std::vector<std::string_view>;

StreamId Add(Engine& e, std::string_view key, XAddArgs args, const Args& fv = {"f", "v"}) {
  auto r = XAdd(e, 0, key, args, fv);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->added);
  return r->id;
}

XAddArgs Explicit(uint64_t ms, uint64_t seq) {
  XAddArgs a;
  a.id_given = true;
  a.seq_given = true;
  a.id = {ms, seq};
  return a;
}

std::vector<StreamId> Ids(const std::vector<StreamEntry>& entries) {
  std::vector<StreamId> out;
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

std::vector<StreamId> All(Engine& e, std::string_view key) {
  auto r = XRange(e, 0, key, {}, StreamId::Max(), 0, false);
  REQUIRE(r.ok());
  return Ids(*r);
}

StreamMeta Meta(Engine& e, std::string_view key) {
  auto r = StreamGetMeta(e, 0, key);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return **r;
}

}  // namespace

TEST_CASE_METHOD(EngineFixture, "stream: automatic IDs follow the clock and never go back") {
  clock->SetMs(1000);
  CHECK(Add(e(), "s", {}) == StreamId{1000, 0});
  CHECK(Add(e(), "s", {}) == StreamId{1000, 1});
  clock->SetMs(500);  // the clock goes backwards: the ID keeps increasing from the last one
  CHECK(Add(e(), "s", {}) == StreamId{1000, 2});
  clock->SetMs(2000);
  CHECK(Add(e(), "s", {}) == StreamId{2000, 0});
  // ms-*: the sequence continues for the last ms, starts at 0 for a later one.
  XAddArgs a;
  a.id_given = true;
  a.id = {2000, 0};
  CHECK(Add(e(), "s", a) == StreamId{2000, 1});
  a.id = {3000, 0};
  CHECK(Add(e(), "s", a) == StreamId{3000, 0});
  CHECK(*XLen(e(), 0, "s") == 6);
  CHECK(Meta(e(), "s").entries_added == 6);
}

TEST_CASE_METHOD(EngineFixture, "stream: explicit IDs must grow") {
  Add(e(), "s", Explicit(5, 5));
  auto r = XAdd(e(), 0, "s", Explicit(5, 5), Args{"f", "v"});
  REQUIRE(r.status().code() == Status::Code::kInvalidArgument);
  CHECK(r.status().message() == "The ID specified in XADD is equal or smaller than the target stream top item");
  r = XAdd(e(), 0, "s", Explicit(4, 9), Args{"f", "v"});
  CHECK(!r.ok());
  XAddArgs a;
  a.id_given = true;
  a.id = {5, 0};
  a.seq_given = false;
  Add(e(), "s", Explicit(5, UINT64_MAX));
  r = XAdd(e(), 0, "s", a, Args{"f", "v"});  // 5-* after 5-max overflows
  CHECK(!r.ok());
  Add(e(), "s", Explicit(UINT64_MAX, UINT64_MAX));
  r = XAdd(e(), 0, "s", {}, Args{"f", "v"});
  REQUIRE(!r.ok());
  CHECK(r.status().message() == "The stream has exhausted the last possible ID, unable to add more items");
}

TEST_CASE_METHOD(EngineFixture, "stream: NOMKSTREAM, wrong types, ranges") {
  XAddArgs nomk;
  nomk.no_mkstream = true;
  auto r = XAdd(e(), 0, "s", nomk, Args{"f", "v"});
  REQUIRE(r.ok());
  CHECK(!r->added);
  CHECK(*e().Exists(0, std::vector<std::string_view>{"s"}) == 0);

  Set(0, "str", "x");
  CHECK(XAdd(e(), 0, "str", {}, Args{"f", "v"}).status().IsWrongType());
  CHECK(XLen(e(), 0, "str").status().IsWrongType());

  for (uint64_t i = 1; i <= 10; ++i) Add(e(), "s", Explicit(i, 0), {"k", std::to_string(i)});
  auto range = XRange(e(), 0, "s", {3, 0}, {6, 0}, 0, false);
  REQUIRE(range.ok());
  CHECK(Ids(*range) == std::vector<StreamId>{{3, 0}, {4, 0}, {5, 0}, {6, 0}});
  CHECK(range->front().fields.front().value == "3");
  range = XRange(e(), 0, "s", {3, 0}, {6, 0}, 2, true);
  CHECK(Ids(*range) == std::vector<StreamId>{{6, 0}, {5, 0}});
  range = XRange(e(), 0, "missing", {}, StreamId::Max(), 0, false);
  CHECK(range->empty());
}

TEST_CASE_METHOD(EngineFixture, "stream: XDEL keeps the key, tracks the first and max deleted IDs") {
  for (uint64_t i = 1; i <= 3; ++i) Add(e(), "s", Explicit(i, 0));
  std::vector<StreamId> del{{1, 0}, {9, 0}};
  CHECK(*XDel(e(), 0, "s", del) == 1);
  StreamMeta m = Meta(e(), "s");
  CHECK(m.first_id == StreamId{2, 0});
  CHECK(m.max_deleted_id == StreamId{1, 0});
  del = {{2, 0}, {3, 0}};
  CHECK(*XDel(e(), 0, "s", del) == 2);
  m = Meta(e(), "s");
  CHECK(m.length == 0);
  CHECK(m.first_id == StreamId{});
  CHECK(m.last_id == StreamId{3, 0});
  CHECK(*e().Exists(0, std::vector<std::string_view>{"s"}) == 1);  // an empty stream stays
  CHECK(*e().Type(0, "s") == KeyType::kStream);
  auto again = XAdd(e(), 0, "s", Explicit(3, 0), Args{"f", "v"});
  CHECK(!again.ok());  // the last ID is remembered
}

TEST_CASE_METHOD(EngineFixture, "stream: ~ trimming removes whole nodes only, = is exact") {
  XAddArgs a;
  a.nodes.max_entries = 10;
  for (int i = 0; i < 100; ++i) Add(e(), "s", a);
  StreamTrim t;
  t.strategy = StreamTrim::Strategy::kMaxLen;
  t.approx = true;
  t.maxlen = 55;
  CHECK(*XTrim(e(), 0, "s", t) == 40);  // 4 nodes of 10: the fifth would go below 55
  CHECK(*XLen(e(), 0, "s") == 60);
  t.approx = false;
  CHECK(*XTrim(e(), 0, "s", t) == 5);
  CHECK(*XLen(e(), 0, "s") == 55);
  // LIMIT caps the work of ~.
  t.approx = true;
  t.maxlen = 0;
  t.limit = 10;
  CHECK(*XTrim(e(), 0, "s", t) == 5);  // what was left of the partly trimmed node
  CHECK(*XLen(e(), 0, "s") == 50);
  // MINID.
  StreamTrim m;
  m.strategy = StreamTrim::Strategy::kMinId;
  const std::vector<StreamId> ids = All(e(), "s");
  m.minid = ids[7];
  CHECK(*XTrim(e(), 0, "s", m) == 7);
  CHECK(All(e(), "s").front() == ids[7]);
  CHECK(Meta(e(), "s").first_id == ids[7]);
  // XADD's own trimming counts the new entry.
  XAddArgs capped;
  capped.trim.strategy = StreamTrim::Strategy::kMaxLen;
  capped.trim.maxlen = 3;
  auto r = XAdd(e(), 0, "s", capped, Args{"f", "v"});
  REQUIRE(r.ok());
  CHECK(r->trimmed == 41);
  CHECK(*XLen(e(), 0, "s") == 3);
  capped.trim.maxlen = 0;
  r = XAdd(e(), 0, "s", capped, Args{"f", "v"});
  CHECK(*XLen(e(), 0, "s") == 0);
  CHECK(*e().Exists(0, std::vector<std::string_view>{"s"}) == 1);
}

TEST_CASE_METHOD(EngineFixture, "stream: XSETID rules") {
  CHECK(XSetId(e(), 0, "s", {1, 0}, std::nullopt, std::nullopt).IsNotFound());
  Add(e(), "s", Explicit(5, 0));
  Status st = XSetId(e(), 0, "s", {4, 0}, std::nullopt, std::nullopt);
  CHECK(st.message() == "The ID specified in XSETID is smaller than the target stream top item");
  st = XSetId(e(), 0, "s", {9, 0}, 0, std::nullopt);
  CHECK(st.message() == "The entries_added specified in XSETID is smaller than the target stream length");
  REQUIRE(XSetId(e(), 0, "s", {9, 0}, 7, StreamId{3, 0}).ok());
  StreamMeta m = Meta(e(), "s");
  CHECK(m.last_id == StreamId{9, 0});
  CHECK(m.entries_added == 7);
  CHECK(m.max_deleted_id == StreamId{3, 0});
}

TEST_CASE_METHOD(EngineFixture, "stream: groups, PEL, ack, pending, lag") {
  for (uint64_t i = 1; i <= 5; ++i) Add(e(), "s", Explicit(i, 0));
  REQUIRE(XGroupCreate(e(), 0, "s", "g", {false, {0, 0}}, false, kInvalidEntriesRead).ok());
  CHECK(XGroupCreate(e(), 0, "s", "g", {true, {}}, false, kInvalidEntriesRead).code() == Status::Code::kBusy);
  CHECK(XGroupCreate(e(), 0, "nokey", "g", {true, {}}, false, kInvalidEntriesRead).IsNotFound());
  REQUIRE(XGroupCreate(e(), 0, "fresh", "g", {true, {}}, true, kInvalidEntriesRead).ok());
  CHECK(*XLen(e(), 0, "fresh") == 0);

  auto read = XReadGroup(e(), 0, "s", "g", "alice", true, {}, 2, false);
  REQUIRE(read.ok());
  CHECK(read->served);
  CHECK(read->consumer_created);
  CHECK(Ids(read->entries) == std::vector<StreamId>{{1, 0}, {2, 0}});
  clock->AdvanceMs(100);
  read = XReadGroup(e(), 0, "s", "g", "bob", true, {}, 0, false);
  CHECK(Ids(read->entries) == std::vector<StreamId>{{3, 0}, {4, 0}, {5, 0}});
  read = XReadGroup(e(), 0, "s", "g", "bob", true, {}, 0, false);
  CHECK(!read->served);  // nothing new: a blocking reader would wait

  auto groups = XInfoGroups(e(), 0, "s");
  REQUIRE(groups.ok());
  REQUIRE(groups->size() == 1);
  CHECK(groups->front().pel_count == 5);
  CHECK(groups->front().consumers == 2);
  CHECK(groups->front().entries_read == 5);
  CHECK(groups->front().lag == 0);
  CHECK(groups->front().last_id == StreamId{5, 0});

  auto summary = XPendingSummaryOf(e(), 0, "s", "g");
  REQUIRE(summary.ok());
  CHECK(summary->count == 5);
  CHECK(summary->min == StreamId{1, 0});
  CHECK(summary->max == StreamId{5, 0});
  CHECK(summary->consumers == std::vector<std::pair<std::string, uint64_t>>{{"alice", 2}, {"bob", 3}});

  auto pending = XPendingRange(e(), 0, "s", "g", 50, {}, StreamId::Max(), 10, std::nullopt);
  REQUIRE(pending.ok());
  CHECK(pending->size() == 2);  // only alice's are idle >= 50 ms
  pending = XPendingRange(e(), 0, "s", "g", 0, {}, StreamId::Max(), 10, std::string_view("bob"));
  CHECK(pending->size() == 3);

  // History of a consumer: its own PEL, with delivery counts raised; a deleted entry shows as deleted.
  std::vector<StreamId> del{{2, 0}};
  CHECK(*XDel(e(), 0, "s", del) == 1);
  read = XReadGroup(e(), 0, "s", "g", "alice", false, {0, 0}, 0, false);
  REQUIRE(read->entries.size() == 2);
  CHECK(!read->entries[0].deleted);
  CHECK(read->entries[1].deleted);
  pending = XPendingRange(e(), 0, "s", "g", 0, {1, 0}, {1, 0}, 10, std::nullopt);
  CHECK(pending->front().delivery_count == 2);

  std::vector<StreamId> ack{{1, 0}, {1, 0}, {3, 0}, {99, 0}};
  CHECK(*XAck(e(), 0, "s", "g", ack) == 2);
  CHECK(XPendingSummaryOf(e(), 0, "s", "g")->count == 3);
  CHECK(*XAck(e(), 0, "s", "nogroup", ack) == 0);

  // Deleting a consumer drops its pending entries.
  CHECK(*XGroupDelConsumer(e(), 0, "s", "g", "bob") == 2);
  CHECK(*XGroupDelConsumer(e(), 0, "s", "g", "bob") == -1);
  CHECK(XPendingSummaryOf(e(), 0, "s", "g")->count == 1);
  CHECK(*XGroupCreateConsumer(e(), 0, "s", "g", "carol"));
  CHECK(!*XGroupCreateConsumer(e(), 0, "s", "g", "carol"));
  auto consumers = XInfoConsumers(e(), 0, "s", "g");
  REQUIRE(consumers.ok());
  CHECK(consumers->size() == 2);
  CHECK(IsNoGroup(XInfoConsumers(e(), 0, "s", "zz").status()));
  CHECK(*XGroupDestroy(e(), 0, "s", "g"));
  CHECK(!*XGroupDestroy(e(), 0, "s", "g"));
  CHECK(XInfoGroups(e(), 0, "s")->empty());
}

TEST_CASE_METHOD(EngineFixture, "stream: XCLAIM and XAUTOCLAIM move entries between consumers") {
  for (uint64_t i = 1; i <= 4; ++i) Add(e(), "s", Explicit(i, 0));
  REQUIRE(XGroupCreate(e(), 0, "s", "g", {false, {}}, false, kInvalidEntriesRead).ok());
  REQUIRE(XReadGroup(e(), 0, "s", "g", "crashed", true, {}, 0, false).ok());
  clock->AdvanceMs(1000);
  XClaimArgs args;
  args.min_idle_ms = 500;
  std::vector<StreamId> ids{{1, 0}};
  auto claimed = XClaim(e(), 0, "s", "g", "worker", ids, args);
  REQUIRE(claimed.ok());
  CHECK(Ids(claimed->claimed) == ids);
  CHECK(claimed->consumer_created);
  // Just claimed: not idle any more.
  claimed = XClaim(e(), 0, "s", "g", "other", ids, args);
  CHECK(claimed->claimed.empty());

  std::vector<StreamId> del{{3, 0}};
  REQUIRE(*XDel(e(), 0, "s", del) == 1);
  auto autoclaim = XAutoClaim(e(), 0, "s", "g", "worker", 500, {}, 10, false);
  REQUIRE(autoclaim.ok());
  CHECK(Ids(autoclaim->claimed) == std::vector<StreamId>{{2, 0}, {4, 0}});
  CHECK(autoclaim->deleted == std::vector<StreamId>{{3, 0}});
  CHECK(autoclaim->next == StreamId{});
  auto summary = XPendingSummaryOf(e(), 0, "s", "g");
  CHECK(summary->count == 3);
  CHECK(summary->consumers == std::vector<std::pair<std::string, uint64_t>>{{"worker", 3}});

  // COUNT 1: the cursor is the next pending ID.
  clock->AdvanceMs(1000);
  autoclaim = XAutoClaim(e(), 0, "s", "g", "third", 500, {}, 1, true);
  CHECK(Ids(autoclaim->claimed) == std::vector<StreamId>{{1, 0}});
  CHECK(autoclaim->next == StreamId{2, 0});
  // FORCE creates a PEL entry for an entry nobody read.
  Add(e(), "s", Explicit(9, 0));
  args.force = true;
  ids = {{9, 0}};
  claimed = XClaim(e(), 0, "s", "g", "third", ids, args);
  CHECK(Ids(claimed->claimed) == ids);
}

TEST_CASE_METHOD(EngineFixture, "stream: XINFO STREAM and the generic key operations") {
  for (uint64_t i = 1; i <= 3; ++i) Add(e(), "s", Explicit(i, 0));
  REQUIRE(XGroupCreate(e(), 0, "s", "g", {false, {}}, false, kInvalidEntriesRead).ok());
  REQUIRE(XReadGroup(e(), 0, "s", "g", "c", true, {}, 1, false).ok());
  auto info = XInfoStream(e(), 0, "s", false, 0);
  REQUIRE(info.ok());
  CHECK(info->meta.length == 3);
  CHECK(info->nodes == 1);
  CHECK(info->rax_nodes == 2);
  CHECK(info->first->id == StreamId{1, 0});
  CHECK(info->last->id == StreamId{3, 0});
  info = XInfoStream(e(), 0, "s", true, 2);
  REQUIRE(info.ok());
  CHECK(info->entries.size() == 2);
  REQUIRE(info->groups.size() == 1);
  CHECK(info->groups[0].pel.size() == 1);
  CHECK(info->groups[0].consumers[0].pel.size() == 1);

  // MEMORY USAGE samples the entries: bigger entries, a bigger estimate; groups do not skew it.
  auto small = MemoryUsage(e(), 0, "s", 0);
  REQUIRE(small.ok());
  Add(e(), "big", Explicit(1, 0), {"f", std::string(1000, 'x')});
  Add(e(), "big", Explicit(2, 0), {"f", std::string(1000, 'x')});
  Add(e(), "big", Explicit(3, 0), {"f", std::string(1000, 'x')});
  auto big = MemoryUsage(e(), 0, "big", 0);
  REQUIRE(big.ok());
  CHECK(*big > *small + 2900);
  CHECK(*e().Delete(0, std::vector<std::string_view>{"big"}) == 1);

  // COPY and RENAME carry entries and groups; MOVE too; DEL removes; expiry removes.
  REQUIRE(*e().Copy(0, "s", 0, "copy", false));
  CHECK(All(e(), "copy") == All(e(), "s"));
  CHECK(XInfoGroups(e(), 0, "copy")->size() == 1);
  REQUIRE(*e().Rename(0, "copy", "renamed", false));
  CHECK(All(e(), "renamed").size() == 3);
  REQUIRE(*e().Move(0, "renamed", 1));
  CHECK(*XLen(e(), 1, "renamed") == 3);
  CHECK(*e().Delete(1, std::vector<std::string_view>{"renamed"}) == 1);
  CHECK(StreamGetMeta(e(), 1, "renamed")->has_value() == false);
  REQUIRE(*e().ExpireAt(0, "s", Now() + 10, ExpireCondition::kAlways));
  clock->AdvanceMs(11);
  CHECK(*XLen(e(), 0, "s") == 0);
  CHECK(*e().Exists(0, std::vector<std::string_view>{"s"}) == 0);
  CHECK(DbSize(0) == 0);

  // A stream survives a reopen.
  Add(e(), "p", Explicit(1, 1));
  Reopen();
  CHECK(All(e(), "p") == std::vector<StreamId>{{1, 1}});
}

}  // namespace redrock::engine::test
