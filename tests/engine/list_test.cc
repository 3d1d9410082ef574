// Lists at the engine level (include/redrock/engine/list.h): semantics, edge indexes, a randomized comparison with a
// std::deque model, wrong types, TTL on the manual clock, the generic key operations on a list, moves
// between keys, and concurrency counts.
#include "redrock/engine/list.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/storage/engine_impl.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::engine::test {

namespace {

using Strings = std::vector<std::string>;
using Views = std::vector<std::string_view>;

int64_t Push(Engine& e, std::string_view key, ListEnd end, const Views& elements, bool only_if_exists = false) {
  auto r = ListPush(e, 0, key, end, elements, only_if_exists);
  REQUIRE(r.ok());
  return *r;
}

Strings Range(Engine& e, std::string_view key, int64_t start = 0, int64_t stop = -1) {
  auto r = ListRange(e, 0, key, start, stop);
  REQUIRE(r.ok());
  return *r;
}

int64_t Len(Engine& e, std::string_view key) {
  auto r = ListLength(e, 0, key);
  REQUIRE(r.ok());
  return *r;
}

Strings Pop(Engine& e, std::string_view key, ListEnd end, int64_t count) {
  auto r = ListPop(e, 0, key, end, count);
  if (r.status().IsNotFound()) return {};
  REQUIRE(r.ok());
  return *r;
}

std::optional<std::string> Index(Engine& e, std::string_view key, int64_t index) {
  auto r = ListIndex(e, 0, key, index);
  REQUIRE(r.ok());
  return *r;
}

bool Exists(Engine& e, std::string_view key) {
  std::string_view keys[] = {key};
  auto r = e.Exists(0, keys);
  REQUIRE(r.ok());
  return *r == 1;
}

}  // namespace

TEST_CASE("Push and pop at both ends keep Redis order", "[engine][list]") {
  EngineFixture f;
  CHECK(Push(f.e(), "l", ListEnd::kLeft, {"a", "b", "c"}) == 3);  // LPUSH a b c -> c b a
  CHECK(Push(f.e(), "l", ListEnd::kRight, {"x", "y"}) == 5);
  CHECK(Range(f.e(), "l") == Strings{"c", "b", "a", "x", "y"});
  CHECK(Len(f.e(), "l") == 5);
  CHECK(Pop(f.e(), "l", ListEnd::kLeft, 1) == Strings{"c"});
  CHECK(Pop(f.e(), "l", ListEnd::kRight, 2) == Strings{"y", "x"});
  CHECK(Pop(f.e(), "l", ListEnd::kLeft, 0).empty());
  CHECK(Len(f.e(), "l") == 2);
  CHECK(Pop(f.e(), "l", ListEnd::kLeft, 10) == Strings{"b", "a"});
  CHECK_FALSE(Exists(f.e(), "l"));  // an emptied list disappears
  CHECK(ListPop(f.e(), 0, "l", ListEnd::kLeft, 1).status().IsNotFound());
  CHECK(Len(f.e(), "l") == 0);

  // PUSHX creates nothing.
  CHECK(Push(f.e(), "nx", ListEnd::kLeft, {"a"}, true) == 0);
  CHECK_FALSE(Exists(f.e(), "nx"));
  CHECK(Push(f.e(), "nx", ListEnd::kLeft, {"a"}) == 1);
  CHECK(Push(f.e(), "nx", ListEnd::kRight, {"b", "c"}, true) == 3);
  CHECK(Range(f.e(), "nx") == Strings{"a", "b", "c"});

  // Binary-safe elements, the empty string included.
  std::string bin("a\0b\r\n", 5);
  CHECK(Push(f.e(), "bin", ListEnd::kRight, {bin, ""}) == 2);
  CHECK(Range(f.e(), "bin") == Strings{bin, ""});
}

TEST_CASE("A queue that wraps through many pushes and pops keeps its window", "[engine][list]") {
  EngineFixture f;
  // RPUSH + LPOP walk the window to the right; the inverse walks it left; both cross the start position.
  for (int i = 0; i < 300; ++i) {
    std::string v = std::to_string(i);
    REQUIRE(Push(f.e(), "q", ListEnd::kRight, {v}) == 1);
    REQUIRE(Pop(f.e(), "q", ListEnd::kLeft, 1) == Strings{v});
  }
  CHECK_FALSE(Exists(f.e(), "q"));
  REQUIRE(Push(f.e(), "q", ListEnd::kLeft, {"a", "b"}) == 2);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(Pop(f.e(), "q", ListEnd::kRight, 1).size() == 1);
    REQUIRE(Push(f.e(), "q", ListEnd::kLeft, {std::to_string(i)}) == 2);
  }
  CHECK(Range(f.e(), "q") == Strings{"49", "48"});
  f.Reopen();  // the window survives a restart
  CHECK(Range(f.e(), "q") == Strings{"49", "48"});
  CHECK(Index(f.e(), "q", -1) == "48");
}

TEST_CASE("LRANGE, LINDEX and LSET indexes follow Redis", "[engine][list]") {
  EngineFixture f;
  Push(f.e(), "l", ListEnd::kRight, {"a", "b", "c", "d", "e"});
  CHECK(Range(f.e(), "l", 1, 3) == Strings{"b", "c", "d"});
  CHECK(Range(f.e(), "l", -2, -1) == Strings{"d", "e"});
  CHECK(Range(f.e(), "l", -100, 100).size() == 5);
  CHECK(Range(f.e(), "l", 3, 1).empty());
  CHECK(Range(f.e(), "l", 5, 9).empty());
  CHECK(Range(f.e(), "l", INT64_MIN, INT64_MAX).size() == 5);
  CHECK(Range(f.e(), "missing").empty());
  CHECK(Index(f.e(), "l", 0) == "a");
  CHECK(Index(f.e(), "l", -5) == "a");
  CHECK(Index(f.e(), "l", 4) == "e");
  CHECK_FALSE(Index(f.e(), "l", 5).has_value());
  CHECK_FALSE(Index(f.e(), "l", -6).has_value());
  CHECK_FALSE(Index(f.e(), "missing", 0).has_value());

  REQUIRE(ListSet(f.e(), 0, "l", -1, "E").ok());
  REQUIRE(ListSet(f.e(), 0, "l", 0, "A").ok());
  CHECK(Range(f.e(), "l") == Strings{"A", "b", "c", "d", "E"});
  Status st = ListSet(f.e(), 0, "l", 5, "x");
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.message() == "index out of range");
  CHECK(ListSet(f.e(), 0, "missing", 0, "x").IsNotFound());

  // The streaming form announces the count first.
  size_t announced = 99;
  Strings seen;
  REQUIRE(ListRange(
              f.e(), 0, "l", 1, 2, [&](size_t n) { announced = n; },
              [&](std::string_view v) { seen.emplace_back(v); })
              .ok());
  CHECK(announced == 2);
  CHECK(seen == Strings{"b", "c"});
}

TEST_CASE("LINSERT, LREM, LTRIM and LPOS", "[engine][list]") {
  EngineFixture f;
  Push(f.e(), "l", ListEnd::kRight, {"a", "b", "c"});
  auto ins = ListInsert(f.e(), 0, "l", true, "b", "x");
  REQUIRE(ins.ok());
  CHECK(*ins == 4);
  CHECK(*ListInsert(f.e(), 0, "l", false, "c", "z") == 5);
  CHECK(*ListInsert(f.e(), 0, "l", true, "a", "first") == 6);
  CHECK(*ListInsert(f.e(), 0, "l", true, "nope", "q") == -1);
  CHECK(*ListInsert(f.e(), 0, "missing", true, "a", "q") == 0);
  CHECK_FALSE(Exists(f.e(), "missing"));
  CHECK(Range(f.e(), "l") == Strings{"first", "a", "x", "b", "c", "z"});

  Push(f.e(), "r", ListEnd::kRight, {"a", "b", "a", "c", "a", "d", "a"});
  CHECK(*ListRemove(f.e(), 0, "r", 2, "a") == 2);
  CHECK(Range(f.e(), "r") == Strings{"b", "c", "a", "d", "a"});
  CHECK(*ListRemove(f.e(), 0, "r", -1, "a") == 1);
  CHECK(Range(f.e(), "r") == Strings{"b", "c", "a", "d"});
  CHECK(*ListRemove(f.e(), 0, "r", 0, "zz") == 0);
  CHECK(*ListRemove(f.e(), 0, "r", INT64_MIN, "c") == 1);
  CHECK(Range(f.e(), "r") == Strings{"b", "a", "d"});
  CHECK(*ListRemove(f.e(), 0, "missing", 0, "a") == 0);
  Push(f.e(), "same", ListEnd::kRight, {"x", "x"});
  CHECK(*ListRemove(f.e(), 0, "same", 0, "x") == 2);
  CHECK_FALSE(Exists(f.e(), "same"));

  Push(f.e(), "t", ListEnd::kRight, {"a", "b", "c", "d", "e", "f"});
  REQUIRE(ListTrim(f.e(), 0, "t", 1, -2).ok());
  CHECK(Range(f.e(), "t") == Strings{"b", "c", "d", "e"});
  REQUIRE(ListTrim(f.e(), 0, "t", 0, 100).ok());
  CHECK(Len(f.e(), "t") == 4);
  REQUIRE(ListTrim(f.e(), 0, "t", 3, 1).ok());
  CHECK_FALSE(Exists(f.e(), "t"));
  REQUIRE(ListTrim(f.e(), 0, "missing", 0, 1).ok());

  Push(f.e(), "p", ListEnd::kRight, {"a", "b", "c", "a", "b", "c", "a"});
  auto pos = [&](ListPosOptions o) {
    auto r = ListPos(f.e(), 0, "p", "a", o);
    REQUIRE(r.ok());
    return *r;
  };
  using Ints = std::vector<int64_t>;
  CHECK(pos({}) == Ints{0});
  CHECK(pos({2, 1, 0}) == Ints{3});
  CHECK(pos({-1, 1, 0}) == Ints{6});
  CHECK(pos({-2, 0, 0}) == Ints{3, 0});
  CHECK(pos({1, 0, 0}) == Ints{0, 3, 6});
  CHECK(pos({1, 0, 4}) == Ints{0, 3});
  CHECK(pos({4, 1, 0}).empty());
  CHECK(pos({INT64_MIN, 1, 0}) == Ints{6});
  CHECK(ListPos(f.e(), 0, "missing", "a", {})->empty());
}

TEST_CASE("LTRIM of long ends uses range deletes and stays exact", "[engine][list]") {
  EngineFixture f;
  std::vector<std::string> values;
  for (int i = 0; i < 500; ++i) values.push_back(std::to_string(i));
  Views views(values.begin(), values.end());
  Push(f.e(), "big", ListEnd::kRight, views);
  REQUIRE(ListTrim(f.e(), 0, "big", 100, 399).ok());
  CHECK(Len(f.e(), "big") == 300);
  CHECK(Index(f.e(), "big", 0) == "100");
  CHECK(Index(f.e(), "big", -1) == "399");
  // Growing back over the trimmed positions must not resurrect anything.
  Push(f.e(), "big", ListEnd::kLeft, {"L"});
  Push(f.e(), "big", ListEnd::kRight, {"R"});
  CHECK(Len(f.e(), "big") == 302);
  Strings all = Range(f.e(), "big");
  CHECK(all.front() == "L");
  CHECK(all[1] == "100");
  CHECK(all.back() == "R");
  CHECK(all[all.size() - 2] == "399");
  REQUIRE(f.e().Flush().ok());
  CHECK(Range(f.e(), "big") == all);
}

TEST_CASE("Randomized operations match a deque model", "[engine][list]") {
  EngineFixture f;
  std::deque<std::string> model;
  std::mt19937 rng(12345);
  auto rnd = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto value = [&] { return std::string(1, static_cast<char>('a' + rnd(4))); };
  auto check_all = [&] {
    Strings expect(model.begin(), model.end());
    REQUIRE(Range(f.e(), "m") == expect);
    REQUIRE(Len(f.e(), "m") == static_cast<int64_t>(model.size()));
  };
  for (int step = 0; step < 600; ++step) {
    const int op = rnd(9);
    const int64_t len = static_cast<int64_t>(model.size());
    if (op == 0) {
      std::string v = value();
      Push(f.e(), "m", ListEnd::kLeft, {v});
      model.push_front(v);
    } else if (op == 1) {
      std::string v = value();
      Push(f.e(), "m", ListEnd::kRight, {v});
      model.push_back(v);
    } else if (op == 2) {
      const int64_t n = rnd(3);
      Strings got = Pop(f.e(), "m", rnd(2) ? ListEnd::kLeft : ListEnd::kRight, n);
      // Which end was popped is checked by comparing against both.
      Strings from_left(model.begin(), model.begin() + std::min<int64_t>(n, len));
      Strings from_right(model.rbegin(), model.rbegin() + std::min<int64_t>(n, len));
      if (got == from_left && (got != from_right || got.empty())) {
        model.erase(model.begin(), model.begin() + static_cast<ptrdiff_t>(got.size()));
      } else {
        REQUIRE(got == from_right);
        model.erase(model.end() - static_cast<ptrdiff_t>(got.size()), model.end());
      }
    } else if (op == 3 && len > 0) {
      const bool before = rnd(2) == 0;
      std::string pivot = value(), v = value();
      auto r = ListInsert(f.e(), 0, "m", before, pivot, v);
      REQUIRE(r.ok());
      auto it = std::find(model.begin(), model.end(), pivot);
      if (it == model.end()) {
        REQUIRE(*r == -1);
      } else {
        model.insert(before ? it : it + 1, v);
        REQUIRE(*r == static_cast<int64_t>(model.size()));
      }
    } else if (op == 4) {
      const int64_t count = rnd(5) - 2;
      std::string v = value();
      auto r = ListRemove(f.e(), 0, "m", count, v);
      REQUIRE(r.ok());
      int64_t removed = 0;
      if (count >= 0) {
        for (auto it = model.begin(); it != model.end();) {
          if (*it == v && (count == 0 || removed < count)) {
            it = model.erase(it);
            ++removed;
          } else {
            ++it;
          }
        }
      } else {
        for (int64_t i = static_cast<int64_t>(model.size()) - 1; i >= 0 && removed < -count; --i) {
          if (model[static_cast<size_t>(i)] == v) {
            model.erase(model.begin() + i);
            ++removed;
          }
        }
      }
      REQUIRE(*r == removed);
    } else if (op == 5 && len > 0) {
      int64_t start = rnd(static_cast<int>(len) + 2) - 1, stop = rnd(static_cast<int>(len) + 2) - 2;
      REQUIRE(ListTrim(f.e(), 0, "m", start, stop).ok());
      int64_t s = start < 0 ? start + len : start, e = stop < 0 ? stop + len : stop;
      if (s < 0) s = 0;
      if (s > e || s >= len) {
        model.clear();
      } else {
        if (e >= len) e = len - 1;
        model = std::deque<std::string>(model.begin() + s, model.begin() + e + 1);
      }
    } else if (op == 6 && len > 0) {
      const int64_t i = rnd(static_cast<int>(len));
      std::string v = value();
      REQUIRE(ListSet(f.e(), 0, "m", i, v).ok());
      model[static_cast<size_t>(i)] = v;
    } else if (op == 7 && len > 0) {
      const int64_t i = rnd(static_cast<int>(2 * len)) - len;
      REQUIRE(Index(f.e(), "m", i) == model[static_cast<size_t>(i < 0 ? i + len : i)]);
    } else if (op == 8) {
      auto r = ListMove(f.e(), 0, "m", "m", ListEnd::kLeft, ListEnd::kRight);
      REQUIRE(r.ok());
      if (model.empty()) {
        REQUIRE_FALSE(r->has_value());
      } else {
        REQUIRE(**r == model.front());
        model.push_back(model.front());
        model.pop_front();
      }
    }
    check_all();
  }
}

TEST_CASE("ListMove moves atomically between keys, and checks types first", "[engine][list]") {
  EngineFixture f;
  Push(f.e(), "src", ListEnd::kRight, {"1", "2", "3"});
  auto r = ListMove(f.e(), 0, "src", "dst", ListEnd::kRight, ListEnd::kLeft);
  REQUIRE(r.ok());
  CHECK(**r == "3");
  CHECK(*ListMove(f.e(), 0, "src", "dst", ListEnd::kLeft, ListEnd::kRight) == std::optional<std::string>("1"));
  CHECK(Range(f.e(), "dst") == Strings{"3", "1"});
  CHECK(*ListMove(f.e(), 0, "src", "dst", ListEnd::kLeft, ListEnd::kLeft) == std::optional<std::string>("2"));
  CHECK_FALSE(Exists(f.e(), "src"));
  CHECK_FALSE(ListMove(f.e(), 0, "src", "dst", ListEnd::kLeft, ListEnd::kLeft)->has_value());

  // A string destination: WRONGTYPE and nothing moves; a missing source wins over a bad destination.
  f.Set(0, "str", "v");
  CHECK(ListMove(f.e(), 0, "dst", "str", ListEnd::kLeft, ListEnd::kLeft).status().IsWrongType());
  CHECK(Len(f.e(), "dst") == 3);
  CHECK_FALSE(ListMove(f.e(), 0, "nothing", "str", ListEnd::kLeft, ListEnd::kLeft)->has_value());
  CHECK(ListMove(f.e(), 0, "str", "dst", ListEnd::kLeft, ListEnd::kLeft).status().IsWrongType());

  // A one-element rotation keeps the element.
  Push(f.e(), "one", ListEnd::kRight, {"x"});
  CHECK(*ListMove(f.e(), 0, "one", "one", ListEnd::kLeft, ListEnd::kRight) == std::optional<std::string>("x"));
  CHECK(Range(f.e(), "one") == Strings{"x"});
}

TEST_CASE("ListPopFirst examines keys in order; WrongType stops it", "[engine][list]") {
  EngineFixture f;
  Push(f.e(), "b", ListEnd::kRight, {"1", "2"});
  Views keys{"a", "b"};
  auto r = ListPopFirst(f.e(), 0, keys, ListEnd::kRight);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->key == "b");
  CHECK((*r)->element == "2");
  auto many = ListPopFirstMany(f.e(), 0, keys, ListEnd::kLeft, 5);
  REQUIRE(many.ok());
  CHECK((*many)->elements == Strings{"1"});
  CHECK_FALSE(ListPopFirst(f.e(), 0, keys, ListEnd::kLeft)->has_value());
  f.Set(0, "s", "v");
  Push(f.e(), "c", ListEnd::kRight, {"x"});
  Views bad{"s", "c"};
  CHECK(ListPopFirst(f.e(), 0, bad, ListEnd::kLeft).status().IsWrongType());
  Views good_first{"c", "s"};
  CHECK((*ListPopFirst(f.e(), 0, good_first, ListEnd::kLeft))->element == "x");
}

TEST_CASE("Every list operation rejects other types", "[engine][list]") {
  EngineFixture f;
  f.Set(0, "s", "v");
  REQUIRE(EngineTestPeer::PutFakeCollection(f.e(), 0, "h", KeyType::kHash).ok());
  for (std::string_view key : {"s", "h"}) {
    INFO(key);
    CHECK(ListPush(f.e(), 0, key, ListEnd::kLeft, Views{"a"}).status().IsWrongType());
    CHECK(ListPush(f.e(), 0, key, ListEnd::kLeft, Views{"a"}, true).status().IsWrongType());
    CHECK(ListPop(f.e(), 0, key, ListEnd::kLeft, 1).status().IsWrongType());
    CHECK(ListLength(f.e(), 0, key).status().IsWrongType());
    CHECK(ListRange(f.e(), 0, key, 0, -1).status().IsWrongType());
    CHECK(ListIndex(f.e(), 0, key, 0).status().IsWrongType());
    CHECK(ListSet(f.e(), 0, key, 0, "x").IsWrongType());
    CHECK(ListInsert(f.e(), 0, key, true, "a", "b").status().IsWrongType());
    CHECK(ListRemove(f.e(), 0, key, 0, "a").status().IsWrongType());
    CHECK(ListTrim(f.e(), 0, key, 0, 1).IsWrongType());
    CHECK(ListPos(f.e(), 0, key, "a", {}).status().IsWrongType());
  }
  CHECK(f.Get(0, "s") == "v");
}

TEST_CASE("TTL on a list with the manual clock", "[engine][list][ttl]") {
  EngineFixture f;
  Push(f.e(), "l", ListEnd::kRight, {"a", "b"});
  REQUIRE(*f.e().ExpireAt(0, "l", f.Now() + 1000, ExpireCondition::kAlways));
  Push(f.e(), "l", ListEnd::kRight, {"c"});  // pushes keep the expiry
  CHECK(*f.e().PTtl(0, "l") == 1000);
  f.clock->AdvanceMs(999);
  CHECK(Len(f.e(), "l") == 3);
  f.clock->AdvanceMs(1);
  CHECK(Len(f.e(), "l") == 0);
  CHECK(Range(f.e(), "l").empty());
  CHECK_FALSE(Exists(f.e(), "l"));
  // A push onto the expired key starts a fresh list without expiry and without the old elements.
  CHECK(Push(f.e(), "l", ListEnd::kLeft, {"new"}) == 1);
  CHECK(Range(f.e(), "l") == Strings{"new"});
  CHECK(*f.e().PTtl(0, "l") == kTtlNone);

  Push(f.e(), "gone", ListEnd::kRight, {"x"});
  REQUIRE(*f.e().ExpireAt(0, "gone", f.Now() + 10, ExpireCondition::kAlways));
  f.clock->AdvanceMs(10);
  CHECK(EngineTestPeer::RunExpiryCycle(f.e()) == 1);
  CHECK(f.DbSize(0) == 1);
}

TEST_CASE("DEL, RENAME, COPY and MOVE work on lists", "[engine][list]") {
  EngineFixture f;
  Push(f.e(), "l", ListEnd::kRight, {"a", "b", "c"});
  REQUIRE(*f.e().Copy(0, "l", 0, "copy", false));
  Push(f.e(), "copy", ListEnd::kLeft, {"z"});
  CHECK(Range(f.e(), "l") == Strings{"a", "b", "c"});
  CHECK(Range(f.e(), "copy") == Strings{"z", "a", "b", "c"});
  REQUIRE(*f.e().Rename(0, "copy", "renamed", false));
  CHECK(Range(f.e(), "renamed") == Strings{"z", "a", "b", "c"});
  CHECK(Pop(f.e(), "renamed", ListEnd::kRight, 1) == Strings{"c"});
  REQUIRE(*f.e().Move(0, "renamed", 3));
  auto moved = ListRange(f.e(), 3, "renamed", 0, -1);
  REQUIRE(moved.ok());
  CHECK(*moved == Strings{"z", "a", "b"});
  std::string_view del[] = {"l"};
  CHECK(*f.e().Delete(0, del) == 1);
  CHECK(Range(f.e(), "l").empty());
  Push(f.e(), "l", ListEnd::kRight, {"fresh"});
  CHECK(Range(f.e(), "l") == Strings{"fresh"});  // no stale members show through
  CHECK(*f.e().Type(0, "l") == KeyType::kList);
}

TEST_CASE("Concurrent pushes and pops lose no update", "[engine][list][concurrency]") {
  EngineFixture f;
  constexpr int kThreads = 8, kPerThread = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string v = std::to_string(t) + ":" + std::to_string(i);
        auto r = ListPush(f.e(), 0, "c", t % 2 ? ListEnd::kLeft : ListEnd::kRight, Views{v});
        REQUIRE(r.ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(Len(f.e(), "c") == kThreads * kPerThread);
  Strings all = Range(f.e(), "c");
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.size() == static_cast<size_t>(kThreads * kPerThread));

  // Concurrent moves between two lists conserve the elements.
  threads.clear();
  std::atomic<int> moved{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto r = t % 2 ? ListMove(f.e(), 0, "c", "d", ListEnd::kLeft, ListEnd::kRight)
                       : ListMove(f.e(), 0, "d", "c", ListEnd::kRight, ListEnd::kLeft);
        REQUIRE(r.ok());
        if (r->has_value()) moved.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(moved.load() > 0);
  CHECK(Len(f.e(), "c") + Len(f.e(), "d") == kThreads * kPerThread);
}

}  // namespace redrock::engine::test

namespace redrock::engine::test {

TEST_CASE("ListReplace replaces any value with a list, or deletes it when empty", "[engine][list]") {
  EngineFixture f;
  Engine& e = f.e();
  // A missing key: created; an empty replacement of a missing key writes nothing.
  auto r = ListReplace(e, 0, "l", Strings{"b", "a", "b"});
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  CHECK(Range(e, "l") == Strings{"b", "a", "b"});
  r = ListReplace(e, 0, "none", Strings{});
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  CHECK_FALSE(Exists(e, "none"));

  // A list: its old elements are gone, whatever their number.
  r = ListReplace(e, 0, "l", Strings{"x"});
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK(Range(e, "l") == Strings{"x"});
  CHECK(Len(e, "l") == 1);
  CHECK(Push(e, "l", ListEnd::kLeft, {"w"}) == 2);  // the window still works at both ends
  CHECK(Range(e, "l") == Strings{"w", "x"});

  // A string with an expiry: becomes a list with none.
  REQUIRE(e.Set(0, "s", "v", SetOptions{}).ok());
  REQUIRE(e.ExpireAt(0, "s", e.NowMs() + 100000, ExpireCondition::kAlways).ok());
  r = ListReplace(e, 0, "s", Strings{"1", "2"});
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK(*e.Type(0, "s") == KeyType::kList);
  CHECK(*e.PTtl(0, "s") == -1);
  CHECK(Range(e, "s") == Strings{"1", "2"});

  // An empty replacement deletes an existing key of any type.
  r = ListReplace(e, 0, "s", Strings{});
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK_FALSE(Exists(e, "s"));
  REQUIRE(e.Set(0, "s2", "v", SetOptions{}).ok());
  r = ListReplace(e, 0, "s2", Strings{});
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK_FALSE(Exists(e, "s2"));
}

}  // namespace redrock::engine::test
