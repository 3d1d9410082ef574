// Sorted sets at the engine level (include/redrock/engine/zset.h): ZADD options, the score encoding's order, every range
// kind checked against a reference model on random data, removal, pops, random members, set algebra
// (with plain-set sources), ZSCAN paging, wrong types, TTL on the manual clock, the generic key
// operations, reopening, and concurrency counts.
#include "redrock/engine/zset.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "redrock/engine/set.h"
#include "tests/engine/engine_fixture.h"

namespace redrock::engine::test {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
using Pairs = std::vector<std::pair<double, std::string_view>>;
using Names = std::vector<std::string_view>;
// (member, score) as the tests compare them.
using Flat = std::vector<std::pair<std::string, double>>;

Flat Flatten(const std::vector<ScoredMember>& v) {
  Flat out;
  for (const ScoredMember& m : v) out.emplace_back(m.member, m.score);
  return out;
}

ZAddResult Add(Engine& e, std::string_view key, const Pairs& pairs, ZAddOptions o = {}) {
  auto r = ZAdd(e, 0, key, pairs, o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::optional<double> Score(Engine& e, std::string_view key, std::string_view member) {
  auto r = ZScore(e, 0, key, member);
  if (r.status().IsNotFound()) return std::nullopt;
  REQUIRE(r.ok());
  return *r;
}

int64_t Card(Engine& e, std::string_view key) {
  auto r = ZCard(e, 0, key);
  REQUIRE(r.ok());
  return *r;
}

Flat Range(Engine& e, std::string_view key, const ZRangeQuery& q) {
  auto r = ZRange(e, 0, key, q);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return Flatten(*r);
}

ZRangeQuery Rank(int64_t start, int64_t stop, bool reverse = false) {
  ZRangeQuery q;
  q.kind = ZRangeQuery::Kind::kRank;
  q.start = start;
  q.stop = stop;
  q.reverse = reverse;
  return q;
}

ZRangeQuery ByScore(ScoreRange r, bool reverse = false, int64_t offset = 0, int64_t limit = -1) {
  ZRangeQuery q;
  q.kind = ZRangeQuery::Kind::kScore;
  q.score = r;
  q.reverse = reverse;
  q.offset = offset;
  q.limit = limit;
  return q;
}

LexBound Lex(std::string_view text) {
  if (text == "-") return {LexBound::Kind::kMinusInfinity, {}};
  if (text == "+") return {LexBound::Kind::kPlusInfinity, {}};
  return {text[0] == '[' ? LexBound::Kind::kInclusive : LexBound::Kind::kExclusive, std::string(text.substr(1))};
}

ZRangeQuery ByLex(std::string_view min, std::string_view max, bool reverse = false, int64_t offset = 0,
                  int64_t limit = -1) {
  ZRangeQuery q;
  q.kind = ZRangeQuery::Kind::kLex;
  q.lex = {Lex(min), Lex(max)};
  q.reverse = reverse;
  q.offset = offset;
  q.limit = limit;
  return q;
}

// The reference model: (score, member) pairs sorted as Redis sorts them.
Flat Sorted(std::map<std::string, double> m) {
  Flat out(m.begin(), m.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  return out;
}

// Redis's rank range on the model.
Flat ModelRank(const Flat& all, int64_t start, int64_t stop, bool reverse) {
  const int64_t len = static_cast<int64_t>(all.size());
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return {};
  if (stop >= len) stop = len - 1;
  Flat ordered = all;
  if (reverse) std::reverse(ordered.begin(), ordered.end());
  return Flat(ordered.begin() + start, ordered.begin() + stop + 1);
}

Flat ModelScore(const Flat& all, const ScoreRange& r, bool reverse, int64_t offset, int64_t limit) {
  Flat ordered = all;
  if (reverse) std::reverse(ordered.begin(), ordered.end());
  Flat in;
  for (const auto& e : ordered) {
    const bool above = r.min_exclusive ? e.second > r.min : e.second >= r.min;
    const bool below = r.max_exclusive ? e.second < r.max : e.second <= r.max;
    if (above && below) in.push_back(e);
  }
  if (offset < 0) return {};
  Flat out;
  for (size_t i = static_cast<size_t>(offset); i < in.size() && (limit < 0 || static_cast<int64_t>(out.size()) < limit); ++i) {
    out.push_back(in[i]);
  }
  return out;
}

}  // namespace

TEST_CASE("ZADD adds, updates and counts like Redis", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  ZAddResult r = Add(e, "z", {{1, "a"}, {2, "b"}, {3, "c"}});
  CHECK(r.added == 3);
  CHECK(r.updated == 0);
  CHECK(Card(e, "z") == 3);
  CHECK(Score(e, "z", "b") == 2.0);
  CHECK_FALSE(Score(e, "z", "zz"));
  CHECK_FALSE(Score(e, "nokey", "a"));

  // Updates count as updated, unchanged scores do not; a member named twice ends with its last score.
  // (As in Redis, d's second pair counts as an update of the member the first one added.)
  r = Add(e, "z", {{1, "a"}, {5, "b"}, {7, "d"}, {8, "d"}});
  CHECK(r.added == 1);
  CHECK(r.updated == 2);
  CHECK(Score(e, "z", "d") == 8.0);
  CHECK(Card(e, "z") == 4);

  ZAddOptions nx;
  nx.condition = ZAddCondition::kIfMissing;
  r = Add(e, "z", {{100, "a"}, {9, "e"}}, nx);
  CHECK(r.added == 1);
  CHECK(Score(e, "z", "a") == 1.0);

  ZAddOptions xx;
  xx.condition = ZAddCondition::kIfExists;
  r = Add(e, "z", {{10, "a"}, {10, "new"}}, xx);
  CHECK(r.added == 0);
  CHECK(r.updated == 1);
  CHECK_FALSE(Score(e, "z", "new"));
  r = Add(e, "missing", {{1, "a"}}, xx);
  CHECK(r.added == 0);
  auto exists = e.Exists(0, std::vector<std::string_view>{"missing"});
  REQUIRE(exists.ok());
  CHECK(*exists == 0);

  ZAddOptions gt;
  gt.gt = true;
  r = Add(e, "z", {{5, "a"}, {50, "b"}, {1, "fresh"}}, gt);  // a 10 -> stays; b 5 -> 50; fresh added
  CHECK(r.added == 1);
  CHECK(r.updated == 1);
  CHECK(Score(e, "z", "a") == 10.0);
  CHECK(Score(e, "z", "b") == 50.0);
  ZAddOptions lt;
  lt.lt = true;
  r = Add(e, "z", {{5, "a"}, {60, "b"}}, lt);
  CHECK(r.updated == 1);
  CHECK(Score(e, "z", "a") == 5.0);
  CHECK(Score(e, "z", "b") == 50.0);
}

TEST_CASE("ZADD INCR and ZINCRBY semantics, NaN refused", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  ZAddOptions incr;
  incr.incr = true;
  ZAddResult r = Add(e, "z", {{1.5, "a"}}, incr);
  CHECK(r.added == 1);
  CHECK(r.score == 1.5);
  r = Add(e, "z", {{2, "a"}}, incr);
  CHECK(r.score == 3.5);
  CHECK(r.updated == 1);
  r = Add(e, "z", {{0, "a"}}, incr);  // processed, unchanged: the score is still reported
  CHECK(r.score == 3.5);
  CHECK(r.updated == 0);

  ZAddOptions gt_incr = incr;
  gt_incr.gt = true;
  r = Add(e, "z", {{-1, "a"}}, gt_incr);
  CHECK_FALSE(r.score.has_value());
  CHECK(Score(e, "z", "a") == 3.5);

  Add(e, "z", {{kInf, "inf"}});
  auto nan = ZAdd(e, 0, "z", Pairs{{-kInf, "inf"}}, incr);
  REQUIRE_FALSE(nan.ok());
  CHECK(nan.status().code() == Status::Code::kInvalidArgument);
  CHECK(nan.status().message() == "resulting score is not a number (NaN)");
  CHECK(Score(e, "z", "inf") == kInf);
}

TEST_CASE("Scores sort as doubles, ties by member bytes, -0 as 0", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  const double tiny = std::numeric_limits<double>::denorm_min();
  Add(e, "z", {{-kInf, "ninf"},
               {kInf, "pinf"},
               {-1e300, "big-neg"},
               {-1, "m1"},
               {-tiny, "neg-tiny"},
               {0, "b"},
               {-0.0, "a"},
               {tiny, "tiny"},
               {1, "one"},
               {1, "\xff"},
               {1, ""},
               {1, "on"},
               {1e300, "big"}});
  const Flat want = {{"ninf", -kInf}, {"big-neg", -1e300}, {"m1", -1},  {"neg-tiny", -tiny}, {"a", 0},
                     {"b", 0},        {"tiny", tiny},      {"", 1},     {"on", 1},           {"one", 1},
                     {"\xff", 1},     {"big", 1e300},      {"pinf", kInf}};
  CHECK(Range(e, "z", Rank(0, -1)) == want);
  CHECK_FALSE(std::signbit(*Score(e, "z", "a")));
}

TEST_CASE("Rank, score and count queries match a reference model on random data", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  std::mt19937 rng(42);
  std::map<std::string, double> model;
  // Few distinct scores, so ties (member order) matter.
  std::uniform_int_distribution<int> score_of(-20, 20);
  Pairs pairs;
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back("m" + std::to_string(rng() % 1000));
  for (const std::string& n : names) {
    const double s = score_of(rng) / 2.0;
    pairs.emplace_back(s, n);
    model[n] = s;
  }
  Add(e, "z", pairs);
  const Flat all = Sorted(model);
  REQUIRE(Card(e, "z") == static_cast<int64_t>(all.size()));
  REQUIRE(Range(e, "z", Rank(0, -1)) == all);

  const int64_t n = static_cast<int64_t>(all.size());
  std::uniform_int_distribution<int64_t> idx(-n - 5, n + 5);
  for (int round = 0; round < 200; ++round) {
    const int64_t a = idx(rng), b = idx(rng);
    const bool rev = round % 2 == 1;
    INFO("rank " << a << " " << b << " rev " << rev);
    CHECK(Range(e, "z", Rank(a, b, rev)) == ModelRank(all, a, b, rev));
  }
  for (int round = 0; round < 200; ++round) {
    ScoreRange r;
    r.min = score_of(rng) / 2.0;
    r.max = score_of(rng) / 2.0;
    if (round % 7 == 0) r.min = -kInf;
    if (round % 11 == 0) r.max = kInf;
    r.min_exclusive = rng() % 2;
    r.max_exclusive = rng() % 2;
    const bool rev = rng() % 2;
    const int64_t offset = static_cast<int64_t>(rng() % 5) - 1;
    const int64_t limit = static_cast<int64_t>(rng() % 6) - 1;
    INFO("score " << r.min << " " << r.max << " ex " << r.min_exclusive << r.max_exclusive << " rev " << rev
                  << " limit " << offset << " " << limit);
    CHECK(Range(e, "z", ByScore(r, rev, offset, limit)) == ModelScore(all, r, rev, offset, limit));
    auto count = ZCount(e, 0, "z", r);
    REQUIRE(count.ok());
    CHECK(*count == static_cast<int64_t>(ModelScore(all, r, false, 0, -1).size()));
  }
  for (int64_t i = 0; i < n; i += 7) {
    auto rank = ZRank(e, 0, "z", all[i].first, false);
    REQUIRE(rank.ok());
    CHECK(*rank == i);
    auto rev = ZRank(e, 0, "z", all[i].first, true);
    REQUIRE(rev.ok());
    CHECK(*rev == n - 1 - i);
  }
  CHECK(ZRank(e, 0, "z", "absent", false).status().IsNotFound());
  CHECK(ZRank(e, 0, "nokey", "absent", false).status().IsNotFound());
}

TEST_CASE("Lex ranges: seeks when scores are equal, Redis's walk when they are not", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "lex", {{0, "a"}, {0, "b"}, {0, "c"}, {0, "d"}, {0, "e"}, {0, "ff"}, {0, "g"}});
  auto names = [](const Flat& v) {
    std::string out;
    for (const auto& m : v) out += m.first + ",";
    return out;
  };
  CHECK(names(Range(e, "lex", ByLex("-", "+"))) == "a,b,c,d,e,ff,g,");
  CHECK(names(Range(e, "lex", ByLex("[b", "[d"))) == "b,c,d,");
  CHECK(names(Range(e, "lex", ByLex("(b", "(d"))) == "c,");
  CHECK(names(Range(e, "lex", ByLex("[f", "[fz"))) == "ff,");
  CHECK(names(Range(e, "lex", ByLex("-", "+", false, 2, 3))) == "c,d,e,");
  CHECK(names(Range(e, "lex", ByLex("-", "+", false, -1, 3))).empty());
  CHECK(names(Range(e, "lex", ByLex("+", "-"))).empty());
  CHECK(names(Range(e, "lex", ByLex("(a", "[a"))).empty());
  CHECK(names(Range(e, "lex", ByLex("[a", "[a"))) == "a,");
  CHECK(names(Range(e, "lex", ByLex("(a", "[d", true, 1, 2))) == "c,b,");
  CHECK(names(Range(e, "lex", ByLex("[ff", "[ff", true))) == "ff,");
  CHECK(names(Range(e, "lex", ByLex("-", "(d", true))) == "c,b,a,");
  auto count = ZLexCount(e, 0, "lex", {Lex("[b"), Lex("(e")});
  REQUIRE(count.ok());
  CHECK(*count == 3);

  // Mixed scores (order d0 b1 a2 c3 e5): checked against Redis 7.0.15.
  Add(e, "mixed", {{2, "a"}, {1, "b"}, {3, "c"}, {0, "d"}, {5, "e"}});
  CHECK(names(Range(e, "mixed", ByLex("[b", "+"))) == "d,b,a,c,e,");
  CHECK(names(Range(e, "mixed", ByLex("[c", "[d"))) == "d,b,a,c,");
  CHECK(names(Range(e, "mixed", ByLex("(a", "[c"))) == "");
  CHECK(names(Range(e, "mixed", ByLex("[b", "+", true))) == "e,c,");
  CHECK(names(Range(e, "mixed", ByLex("-", "[c", true))).empty());

  auto removed = ZRemRangeByLex(e, 0, "lex", {Lex("[b"), Lex("(d")});
  REQUIRE(removed.ok());
  CHECK(*removed == 2);
  CHECK(names(Range(e, "lex", ByLex("-", "+"))) == "a,d,e,ff,g,");
}

TEST_CASE("ZREM, ZREMRANGEBY* and ZPOP; an emptied set disappears", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "z", {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}, {6, "f"}});
  auto rem = ZRem(e, 0, "z", Names{"a", "a", "x"});
  REQUIRE(rem.ok());
  CHECK(*rem == 1);
  auto by_rank = ZRemRangeByRank(e, 0, "z", -2, -1);
  REQUIRE(by_rank.ok());
  CHECK(*by_rank == 2);
  ScoreRange r{2, 3, false, true};
  auto by_score = ZRemRangeByScore(e, 0, "z", r);
  REQUIRE(by_score.ok());
  CHECK(*by_score == 1);
  CHECK(Range(e, "z", Rank(0, -1)) == Flat{{"c", 3}, {"d", 4}});

  auto popped = ZPop(e, 0, "z", /*max=*/true, 1);
  REQUIRE(popped.ok());
  CHECK(Flatten(*popped) == Flat{{"d", 4}});
  popped = ZPop(e, 0, "z", false, 10);
  REQUIRE(popped.ok());
  CHECK(Flatten(*popped) == Flat{{"c", 3}});
  CHECK(Card(e, "z") == 0);
  auto type = e.Type(0, "z");
  REQUIRE(type.ok());
  CHECK(*type == KeyType::kNone);
  CHECK(f.DbSize(0) == 0);
  popped = ZPop(e, 0, "z", false, 3);
  REQUIRE(popped.ok());
  CHECK(popped->empty());

  Add(e, "z2", {{1, "a"}});
  rem = ZRem(e, 0, "z2", Names{"a"});
  REQUIRE(rem.ok());
  CHECK(f.DbSize(0) == 0);
}

TEST_CASE("ZRANDMEMBER count rules", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  auto empty = ZRandMember(e, 0, "nokey", 5);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  std::map<std::string, double> model;
  Pairs pairs;
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i) names.push_back("m" + std::to_string(i));
  for (int i = 0; i < 50; ++i) {
    pairs.emplace_back(i, names[i]);
    model[names[i]] = i;
  }
  Add(e, "z", pairs);
  // count >= size: everything, highest score first (as Redis walks it).
  auto whole = ZRandMember(e, 0, "z", 100);
  REQUIRE(whole.ok());
  Flat desc = Sorted(model);
  std::reverse(desc.begin(), desc.end());
  CHECK(Flatten(*whole) == desc);
  // Positive count: distinct members with their scores.
  std::set<std::string> seen;
  for (int round = 0; round < 40; ++round) {
    auto r = ZRandMember(e, 0, "z", 10);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 10);
    std::set<std::string> distinct;
    for (const ScoredMember& m : *r) {
      CHECK(model.at(m.member) == m.score);
      distinct.insert(m.member);
      seen.insert(m.member);
    }
    CHECK(distinct.size() == 10);
  }
  CHECK(seen.size() == 50);  // 400 draws of 50: every member shows up
  // Negative count: exactly |count|, repeats allowed.
  auto repeats = ZRandMember(e, 0, "z", -200);
  REQUIRE(repeats.ok());
  CHECK(repeats->size() == 200);
  for (const ScoredMember& m : *repeats) CHECK(model.at(m.member) == m.score);
  auto zero = ZRandMember(e, 0, "z", 0);
  REQUIRE(zero.ok());
  CHECK(zero->empty());
}

TEST_CASE("ZUNION / ZINTER / ZDIFF with weights, aggregates and plain-set sources", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "za", {{1, "a"}, {2, "b"}, {3, "c"}});
  Add(e, "zb", {{10, "b"}, {20, "c"}, {30, "d"}});
  REQUIRE(SAdd(e, 0, "st", Names{"a", "b", "x"}).ok());
  const Names two{"za", "zb"};
  const std::vector<double> weights{2, 0.5};
  ZCombineSpec spec;
  spec.keys = two;
  spec.weights = weights;
  auto u = ZCombine(e, 0, spec);
  REQUIRE(u.ok());
  CHECK(Flatten(*u) == Flat{{"a", 2}, {"b", 9}, {"d", 15}, {"c", 16}});

  spec.weights = {};
  spec.op = ZSetOp::kInter;
  spec.aggregate = ZAggregate::kMax;
  auto i = ZCombine(e, 0, spec);
  REQUIRE(i.ok());
  CHECK(Flatten(*i) == Flat{{"b", 10}, {"c", 20}});

  spec.op = ZSetOp::kDiff;
  auto d = ZCombine(e, 0, spec);
  REQUIRE(d.ok());
  CHECK(Flatten(*d) == Flat{{"a", 1}});

  // A plain set's members score 1.
  const Names with_set{"za", "st"};
  ZCombineSpec s;
  s.keys = with_set;
  auto us = ZCombine(e, 0, s);
  REQUIRE(us.ok());
  CHECK(Flatten(*us) == Flat{{"x", 1}, {"a", 2}, {"b", 3}, {"c", 3}});
  s.op = ZSetOp::kInter;
  auto is = ZCombine(e, 0, s);
  REQUIRE(is.ok());
  CHECK(Flatten(*is) == Flat{{"a", 2}, {"b", 3}});
  auto card = ZInterCard(e, 0, with_set, 1);
  REQUIRE(card.ok());
  CHECK(*card == 1);

  // inf * 0 is 0; inf + -inf is 0.
  const std::vector<double> inf_weights{kInf, -kInf};
  ZCombineSpec nan_spec;
  nan_spec.keys = two;
  nan_spec.weights = inf_weights;
  Add(e, "zero", {{0, "q"}});
  auto nn = ZCombine(e, 0, nan_spec);
  REQUIRE(nn.ok());
  CHECK(Flatten(*nn) == Flat{{"d", -kInf}, {"b", 0}, {"c", 0}, {"a", kInf}});

  // A wrong-typed source.
  f.Set(0, "str", "v");
  const Names bad{"za", "str"};
  ZCombineSpec bad_spec;
  bad_spec.keys = bad;
  CHECK(ZCombine(e, 0, bad_spec).status().IsWrongType());
}

TEST_CASE("STORE forms replace the destination, may read it, and delete it when empty", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "za", {{1, "a"}, {2, "b"}});
  Add(e, "zb", {{5, "b"}, {6, "c"}});
  f.Set(0, "dst", "a string", f.Now() + 100000);
  const Names two{"za", "zb"};
  ZCombineSpec spec;
  spec.keys = two;
  auto stored = ZCombineStore(e, 0, "dst", spec);
  REQUIRE(stored.ok());
  CHECK(*stored == 3);
  CHECK(Range(e, "dst", Rank(0, -1)) == Flat{{"a", 1}, {"c", 6}, {"b", 7}});
  auto ttl = e.PTtl(0, "dst");
  REQUIRE(ttl.ok());
  CHECK(*ttl == kTtlNone);

  // The destination as a source.
  const Names self{"za", "zb"};
  spec.keys = self;
  spec.op = ZSetOp::kInter;
  stored = ZCombineStore(e, 0, "za", spec);
  REQUIRE(stored.ok());
  CHECK(*stored == 1);
  CHECK(Range(e, "za", Rank(0, -1)) == Flat{{"b", 7}});

  // An empty result deletes the destination.
  const Names none{"za", "nokey"};
  spec.keys = none;
  stored = ZCombineStore(e, 0, "dst", spec);
  REQUIRE(stored.ok());
  CHECK(*stored == 0);
  auto type = e.Type(0, "dst");
  REQUIRE(type.ok());
  CHECK(*type == KeyType::kNone);

  // ZRANGESTORE, including onto its own source.
  auto rs = ZRangeStore(e, 0, "zb", "zb", Rank(1, 1));
  REQUIRE(rs.ok());
  CHECK(*rs == 1);
  CHECK(Range(e, "zb", Rank(0, -1)) == Flat{{"c", 6}});
  rs = ZRangeStore(e, 0, "zb", "nokey", Rank(0, -1));
  REQUIRE(rs.ok());
  CHECK(*rs == 0);
  CHECK(Card(e, "zb") == 0);
}

TEST_CASE("ZSetSnapshot::Store overwrites any type and value, deletes on an empty set", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  f.Set(0, "dst", "a string", f.Now() + 100000);
  auto replace = [&](const std::vector<ScoredMember>& members) {
    auto snap = ZSetSnapshot::OpenForStore(e, 0, "nokey", "dst");
    REQUIRE(snap.ok());
    auto r = (*snap)->Store(members);
    REQUIRE(r.ok());
    return r->size;
  };
  CHECK(replace({{"b", 2}, {"a", 1}, {"z", -0.0}}) == 3);
  CHECK(Range(e, "dst", Rank(0, -1)) == Flat{{"z", 0}, {"a", 1}, {"b", 2}});
  CHECK(Score(e, "dst", "z") == 0);
  CHECK(Card(e, "dst") == 3);
  auto ttl = e.PTtl(0, "dst");
  REQUIRE(ttl.ok());
  CHECK(*ttl == -1);  // no expiry, as Redis's setKey
  CHECK(replace({{"only", 5}}) == 1);
  CHECK(Range(e, "dst", Rank(0, -1)) == Flat{{"only", 5}});
  CHECK(replace({}) == 0);
  CHECK(Card(e, "dst") == 0);
  const std::string_view key[] = {"dst"};
  CHECK(*e.Exists(0, key) == 0);
}

TEST_CASE("ZSetSnapshot: scores and ranges from one snapshot, WrongType on open", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "z", {{1, "a"}, {2, "b"}, {3, "c"}});
  auto snap = ZSetSnapshot::Open(e, 0, "z");
  REQUIRE(snap.ok());
  const ZSetSnapshot& z = **snap;
  CHECK(z.exists());
  Add(e, "z", {{10, "d"}});  // after the snapshot: not seen
  REQUIRE(z.Score("b").ok());
  CHECK(*z.Score("b") == 2);
  CHECK(z.Score("d").status().IsNotFound());
  ZRangeQuery q;
  q.kind = ZRangeQuery::Kind::kScore;
  q.score.min = 1;
  q.score.max = 3;
  q.score.max_exclusive = true;
  auto r = z.Range(q);
  REQUIRE(r.ok());
  CHECK(Flatten(*r) == Flat{{"a", 1}, {"b", 2}});
  auto missing = ZSetSnapshot::Open(e, 0, "nokey");
  REQUIRE(missing.ok());
  CHECK(!(*missing)->exists());
  CHECK((*missing)->Score("a").status().IsNotFound());
  CHECK((*missing)->Range(q)->empty());
  f.Set(0, "str", "v");
  CHECK(ZSetSnapshot::Open(e, 0, "str").status().IsWrongType());
}

TEST_CASE("ZSetSnapshot::OpenForStore: read and replace under one lock, dst may be the source", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "src", {{1, "a"}, {2, "b"}});
  f.Set(0, "dst", "a string");
  {
    auto snap = ZSetSnapshot::OpenForStore(e, 0, "src", "dst");
    REQUIRE(snap.ok());
    CHECK(*(*snap)->Score("a") == 1);
    auto st = (*snap)->Store(std::vector<ScoredMember>{{"x", 7}});
    REQUIRE(st.ok());
    CHECK(st->size == 1);
    CHECK(st->dst_existed);
  }
  CHECK(Range(e, "dst", Rank(0, -1)) == Flat{{"x", 7}});
  {
    auto snap = ZSetSnapshot::OpenForStore(e, 0, "src", "src");
    REQUIRE(snap.ok());
    auto st = (*snap)->Store(std::vector<ScoredMember>{{"b", 5}});
    REQUIRE(st.ok());
    CHECK(st->dst_existed);
  }
  CHECK(Range(e, "src", Rank(0, -1)) == Flat{{"b", 5}});
  {
    auto snap = ZSetSnapshot::OpenForStore(e, 0, "nokey", "dst");
    REQUIRE(snap.ok());
    CHECK(!(*snap)->exists());
    auto st = (*snap)->Store({});
    REQUIRE(st.ok());
    CHECK(st->dst_existed);
  }
  CHECK(Card(e, "dst") == 0);
  {
    auto snap = ZSetSnapshot::OpenForStore(e, 0, "nokey", "dst");
    REQUIRE(snap.ok());
    auto st = (*snap)->Store({});
    REQUIRE(st.ok());
    CHECK(!st->dst_existed);
  }
  auto plain = ZSetSnapshot::Open(e, 0, "src");
  REQUIRE(plain.ok());
  CHECK(!(*plain)->Store({}).ok());  // Store needs OpenForStore
}

TEST_CASE("ZSCAN: small sets whole in score order, large ones paged by cursor", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "small", {{3, "c"}, {1, "a"}, {2, "b"}, {1, "aa"}});
  auto s = ZScan(e, 0, "small", 0, "*", 1);
  REQUIRE(s.ok());
  CHECK(s->whole);
  CHECK(s->next_cursor == 0);
  CHECK(Flatten(s->items) == Flat{{"a", 1}, {"aa", 1}, {"b", 2}, {"c", 3}});
  s = ZScan(e, 0, "small", 0, "a*", 10);
  REQUIRE(s.ok());
  CHECK(Flatten(s->items) == Flat{{"a", 1}, {"aa", 1}});

  Pairs pairs;
  std::vector<std::string> names;
  for (int i = 0; i < 500; ++i) names.push_back("m" + std::to_string(i));
  for (int i = 0; i < 500; ++i) pairs.emplace_back(i % 17, names[i]);
  Add(e, "big", pairs);
  std::map<std::string, double> seen;
  uint64_t cursor = 0;
  int steps = 0;
  do {
    auto r = ZScan(e, 0, "big", cursor, "*", 50);
    REQUIRE(r.ok());
    CHECK_FALSE(r->whole);
    for (const ScoredMember& m : r->items) CHECK(seen.emplace(m.member, m.score).second);
    cursor = r->next_cursor;
    ++steps;
  } while (cursor != 0 && steps < 100);
  CHECK(seen.size() == 500);
  CHECK(seen["m20"] == 3);
  CHECK(steps >= 10);

  auto missing = ZScan(e, 0, "nokey", 0, "*", 10);
  REQUIRE(missing.ok());
  CHECK(missing->items.empty());
}

TEST_CASE("Wrong types are refused everywhere", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  f.Set(0, "str", "v");
  REQUIRE(SAdd(e, 0, "set", Names{"a"}).ok());
  for (std::string_view key : {"str", "set"}) {
    CHECK(ZAdd(e, 0, key, Pairs{{1, "a"}}, {}).status().IsWrongType());
    CHECK(ZRem(e, 0, key, Names{"a"}).status().IsWrongType());
    CHECK(ZScore(e, 0, key, "a").status().IsWrongType());
    CHECK(ZMScore(e, 0, key, Names{"a"}).status().IsWrongType());
    CHECK(ZCard(e, 0, key).status().IsWrongType());
    CHECK(ZRank(e, 0, key, "a", false).status().IsWrongType());
    CHECK(ZRange(e, 0, key, Rank(0, -1)).status().IsWrongType());
    CHECK(ZCount(e, 0, key, {}).status().IsWrongType());
    CHECK(ZLexCount(e, 0, key, {}).status().IsWrongType());
    CHECK(ZRemRangeByRank(e, 0, key, 0, -1).status().IsWrongType());
    CHECK(ZPop(e, 0, key, false, 1).status().IsWrongType());
    CHECK(ZRandMember(e, 0, key, 1).status().IsWrongType());
    CHECK(ZScan(e, 0, key, 0, "*", 10).status().IsWrongType());
    CHECK(ZRangeStore(e, 0, "dst", key, Rank(0, -1)).status().IsWrongType());
  }
  CHECK(f.Get(0, "str") == "v");
}

TEST_CASE("TTL on a sorted set: kept by edits, expiry hides every member", "[zset][ttl]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "z", {{1, "a"}, {2, "b"}});
  auto set = e.ExpireAt(0, "z", f.Now() + 1000, ExpireCondition::kAlways);
  REQUIRE(set.ok());
  REQUIRE(*set);
  Add(e, "z", {{3, "c"}});
  REQUIRE(ZRem(e, 0, "z", Names{"a"}).ok());
  auto ttl = e.PTtl(0, "z");
  REQUIRE(ttl.ok());
  CHECK(*ttl == 1000);
  f.clock->AdvanceMs(999);
  CHECK(Card(e, "z") == 2);
  f.clock->AdvanceMs(1);
  CHECK(Card(e, "z") == 0);
  CHECK_FALSE(Score(e, "z", "b"));
  CHECK(Range(e, "z", Rank(0, -1)).empty());
  // Re-created after expiry: the old members stay invisible.
  ZAddResult r = Add(e, "z", {{9, "fresh"}});
  CHECK(r.added == 1);
  CHECK(Range(e, "z", Rank(0, -1)) == Flat{{"fresh", 9}});
  ttl = e.PTtl(0, "z");
  REQUIRE(ttl.ok());
  CHECK(*ttl == kTtlNone);
}

TEST_CASE("Generic key operations on a sorted set: rename, copy, move, delete, reopen", "[zset]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "z", {{1, "a"}, {2, "b"}});
  auto renamed = e.Rename(0, "z", "z2", false);
  REQUIRE(renamed.ok());
  CHECK(Range(e, "z2", Rank(0, -1)) == Flat{{"a", 1}, {"b", 2}});
  auto copied = e.Copy(0, "z2", 0, "z3", false);
  REQUIRE(copied.ok());
  REQUIRE(*copied);
  Add(e, "z3", {{5, "c"}});
  CHECK(Card(e, "z2") == 2);
  CHECK(Card(e, "z3") == 3);
  auto moved = e.Move(0, "z3", 1);
  REQUIRE(moved.ok());
  REQUIRE(*moved);
  auto in_db1 = ZRange(e, 1, "z3", Rank(0, -1));
  REQUIRE(in_db1.ok());
  CHECK(in_db1->size() == 3);
  auto deleted = e.Delete(0, std::vector<std::string_view>{"z2"});
  REQUIRE(deleted.ok());
  CHECK(*deleted == 1);
  CHECK(Card(e, "z2") == 0);
  Add(e, "z2", {{7, "x"}});
  CHECK(Range(e, "z2", Rank(0, -1)) == Flat{{"x", 7}});
  f.Reopen();
  CHECK(Range(f.e(), "z2", Rank(0, -1)) == Flat{{"x", 7}});
  CHECK(*ZScore(f.e(), 1, "z3", "c") == 5.0);
}

TEST_CASE("Concurrent ZINCRBY and ZADD lose no update", "[zset][concurrency]") {
  EngineFixture f;
  Engine& e = f.e();
  constexpr int kThreads = 8;
  constexpr int kOps = 500;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ZAddOptions incr;
      incr.incr = true;
      for (int i = 0; i < kOps; ++i) {
        if (!ZAdd(e, 0, "counter", Pairs{{1, "hits"}}, incr).ok()) ++failures;
        if (!ZAdd(e, 0, "counter", Pairs{{1, "t" + std::to_string(t)}}, incr).ok()) ++failures;
        const std::string member = std::to_string(t) + ":" + std::to_string(i);
        auto r = ZAdd(e, 0, "members", Pairs{{static_cast<double>(i), member}}, {});
        if (!r.ok() || r->added != 1) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  CHECK(Score(e, "counter", "hits") == kThreads * kOps);
  for (int t = 0; t < kThreads; ++t) CHECK(Score(e, "counter", "t" + std::to_string(t)) == kOps);
  CHECK(Card(e, "counter") == kThreads + 1);
  CHECK(Card(e, "members") == kThreads * kOps);
  auto all = ZRange(e, 0, "members", Rank(0, -1));
  REQUIRE(all.ok());
  CHECK(all->size() == static_cast<size_t>(kThreads * kOps));  // the index agrees with the count
}

TEST_CASE("Concurrent ZUNIONSTORE into a source never deadlocks or loses members", "[zset][concurrency]") {
  EngineFixture f;
  Engine& e = f.e();
  Add(e, "acc", {{0, "seed"}});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string mine = "src" + std::to_string(t);
      for (int i = 0; i < 100; ++i) {
        const std::string member = std::to_string(t) + ":" + std::to_string(i);
        if (!ZAdd(e, 0, mine, Pairs{{1, member}}, {}).ok()) ++failures;
        const std::vector<std::string_view> keys{"acc", mine};
        ZCombineSpec spec;
        spec.keys = keys;
        spec.aggregate = ZAggregate::kMax;
        if (!ZCombineStore(e, 0, "acc", spec).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  CHECK(Card(e, "acc") == 401);
}

}  // namespace redrock::engine::test
