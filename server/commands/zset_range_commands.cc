// The sorted-set family, range and set-algebra commands: ZRANGE (BYSCORE, BYLEX, REV, LIMIT, WITHSCORES)
// and its older forms ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, ZRANGESTORE, ZCOUNT, ZLEXCOUNT,
// ZREMRANGEBYRANK/SCORE/LEX, ZUNION/ZINTER/ZDIFF and their STORE forms, ZINTERCARD. Argument handling
// copies Redis 7.0's zrangeGenericCommand, zslParseRange, zslParseLexRange and
// zunionInterDiffGenericCommand, including the order in which they report errors.

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/engine.h"
#include "redrock/engine/zset.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/keyspace_events.h"
#include "server/commands/zset_commands.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

constexpr std::string_view kMinMaxNotFloat = "ERR min or max is not a float";

// After a store into `dst` (ZRANGESTORE, ZUNIONSTORE...) and its reply: `event` when it got a result,
// "del" when an empty result removed a destination that existed (`dst_existed`, read before the store
// when wanted).
void NotifyStored(CommandContext& ctx, std::string_view event, std::string_view dst, int64_t size, bool dst_existed) {
  if (size > 0) {
    NotifyKey(ctx, kNotifyZSet, event, dst);
  } else if (dst_existed) {
    NotifyKey(ctx, kNotifyGeneric, "del", dst);
  }
}

// After ZREMRANGEBY*: `event` and, when that emptied the key, "del".
void NotifyRemovedRange(CommandContext& ctx, std::string_view event, int64_t removed) {
  if (removed == 0) return;
  NotifyKey(ctx, kNotifyZSet, event, ctx.argv[1]);
  NotifyDelIfEmptied(ctx, ctx.argv[1]);
}
constexpr std::string_view kMinMaxNotLex = "ERR min or max not valid string range item";
constexpr std::string_view kLimitNeedsByScoreOrLex =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
constexpr std::string_view kWithScoresWithLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
constexpr std::string_view kWeightNotFloat = "ERR weight value is not a float";

// One end of a score range as zslParseRange reads it: an optional "(" then whatever strtod accepts in
// full (leading blanks, "inf", hex, even the empty string, which is 0), but not NaN.
bool ParseScoreBound(std::string_view arg, double* value, bool* exclusive) {
  *exclusive = !arg.empty() && arg[0] == '(';
  if (*exclusive) arg.remove_prefix(1);
  // strtod stops at a NUL, as Redis's C string does; the rest must be consumed.
  const std::string text(arg);
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return *end == '\0' && !std::isnan(*value);
}

bool ParseScoreRange(std::string_view min, std::string_view max, engine::ScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->min_exclusive) && ParseScoreBound(max, &out->max, &out->max_exclusive);
}

// zslParseLexRangeItem: "+", "-", "[value" or "(value".
bool ParseLexBound(std::string_view arg, engine::LexBound* out) {
  using Kind = engine::LexBound::Kind;
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
    case '-':
      if (arg.size() != 1) return false;
      out->kind = arg[0] == '+' ? Kind::kPlusInfinity : Kind::kMinusInfinity;
      return true;
    case '[':
    case '(':
      out->kind = arg[0] == '[' ? Kind::kInclusive : Kind::kExclusive;
      out->value.assign(arg.substr(1));
      return true;
    default:
      return false;
  }
}

bool ParseLexRange(std::string_view min, std::string_view max, engine::LexRange* out) {
  return ParseLexBound(min, &out->min) && ParseLexBound(max, &out->max);
}

// ---- ZRANGE and friends ------------------------------------------------------------------------

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Redis zrangeGenericCommand. `key_index` is the source key's position; `store` is ZRANGESTORE (whose
// destination is argv[1]).
void ZRangeGeneric(CommandContext& ctx, size_t key_index, bool store, RangeType type, Direction direction) {
  size_t min_index = key_index + 1, max_index = key_index + 2;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = key_index + 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.argv[j];
    const size_t left = ctx.argc() - j - 1;
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!common::ParseInt64(ctx.argv[j + 1], &offset) || !common::ParseInt64(ctx.argv[j + 2], &limit)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      j += 2;
    } else if (direction == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      direction = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (direction == Direction::kAuto) direction = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  // Like Redis, "LIMIT x -1" counts as no LIMIT here.
  if (limit != -1 && type == RangeType::kRank) {
    ctx.reply.Error(kLimitNeedsByScoreOrLex);
    return;
  }
  if (withscores && type == RangeType::kLex) {
    ctx.reply.Error(kWithScoresWithLex);
    return;
  }
  engine::ZRangeQuery query;
  query.reverse = direction == Direction::kReverse;
  query.offset = offset;
  query.limit = limit;
  if (query.reverse && type != RangeType::kRank) std::swap(min_index, max_index);  // given as max, min
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      query.kind = engine::ZRangeQuery::Kind::kRank;
      if (!common::ParseInt64(ctx.argv[min_index], &query.start) ||
          !common::ParseInt64(ctx.argv[max_index], &query.stop)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      break;
    case RangeType::kScore:
      query.kind = engine::ZRangeQuery::Kind::kScore;
      if (!ParseScoreRange(ctx.argv[min_index], ctx.argv[max_index], &query.score)) {
        ctx.reply.Error(kMinMaxNotFloat);
        return;
      }
      break;
    case RangeType::kLex:
      query.kind = engine::ZRangeQuery::Kind::kLex;
      if (!ParseLexRange(ctx.argv[min_index], ctx.argv[max_index], &query.lex)) {
        ctx.reply.Error(kMinMaxNotLex);
        return;
      }
      break;
  }
  if (store) {
    const bool dst_existed = ExistsIfWanted(ctx, kNotifyGeneric, ctx.argv[1]);
    auto result = engine::ZRangeStore(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[key_index], query);
    if (Failed(ctx, result)) return;
    ctx.reply.Integer(*result);
    NotifyStored(ctx, "zrangestore", ctx.argv[1], *result, dst_existed);
    return;
  }
  auto result = engine::ZRange(ctx.engine(), ctx.db(), ctx.argv[key_index], query);
  if (Failed(ctx, result)) return;
  ReplyScoredMembers(ctx, *result, withscores);
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
void ZRangeCommand(CommandContext& ctx) { ZRangeGeneric(ctx, 1, false, RangeType::kAuto, Direction::kAuto); }
// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
void ZRangeStoreCommand(CommandContext& ctx) { ZRangeGeneric(ctx, 2, true, RangeType::kAuto, Direction::kAuto); }
// ZREVRANGE key start stop [WITHSCORES]
void ZRevRangeCommand(CommandContext& ctx) { ZRangeGeneric(ctx, 1, false, RangeType::kRank, Direction::kReverse); }
// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
void ZRangeByScoreCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kForward);
}
// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
void ZRevRangeByScoreCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kReverse);
}
// ZRANGEBYLEX key min max [LIMIT offset count]
void ZRangeByLexCommand(CommandContext& ctx) { ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kForward); }
// ZREVRANGEBYLEX key max min [LIMIT offset count]
void ZRevRangeByLexCommand(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kReverse);
}

// ---- Counts and range removal ------------------------------------------------------------------

// ZCOUNT key min max
void ZCountCommand(CommandContext& ctx) {
  engine::ScoreRange range;
  if (!ParseScoreRange(ctx.argv[2], ctx.argv[3], &range)) {
    ctx.reply.Error(kMinMaxNotFloat);
    return;
  }
  auto result = engine::ZCount(ctx.engine(), ctx.db(), ctx.argv[1], range);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(*result);
}

// ZLEXCOUNT key min max
void ZLexCountCommand(CommandContext& ctx) {
  engine::LexRange range;
  if (!ParseLexRange(ctx.argv[2], ctx.argv[3], &range)) {
    ctx.reply.Error(kMinMaxNotLex);
    return;
  }
  auto result = engine::ZLexCount(ctx.engine(), ctx.db(), ctx.argv[1], range);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(*result);
}

// ZREMRANGEBYRANK key start stop
void ZRemRangeByRankCommand(CommandContext& ctx) {
  int64_t start = 0, stop = 0;
  if (!common::ParseInt64(ctx.argv[2], &start) || !common::ParseInt64(ctx.argv[3], &stop)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  auto result = engine::ZRemRangeByRank(ctx.engine(), ctx.db(), ctx.argv[1], start, stop);
  if (Failed(ctx, result)) return;
  NotifyRemovedRange(ctx, "zremrangebyrank", *result);
  ctx.reply.Integer(*result);
}

// ZREMRANGEBYSCORE key min max
void ZRemRangeByScoreCommand(CommandContext& ctx) {
  engine::ScoreRange range;
  if (!ParseScoreRange(ctx.argv[2], ctx.argv[3], &range)) {
    ctx.reply.Error(kMinMaxNotFloat);
    return;
  }
  auto result = engine::ZRemRangeByScore(ctx.engine(), ctx.db(), ctx.argv[1], range);
  if (Failed(ctx, result)) return;
  NotifyRemovedRange(ctx, "zremrangebyscore", *result);
  ctx.reply.Integer(*result);
}

// ZREMRANGEBYLEX key min max
void ZRemRangeByLexCommand(CommandContext& ctx) {
  engine::LexRange range;
  if (!ParseLexRange(ctx.argv[2], ctx.argv[3], &range)) {
    ctx.reply.Error(kMinMaxNotLex);
    return;
  }
  auto result = engine::ZRemRangeByLex(ctx.engine(), ctx.db(), ctx.argv[1], range);
  if (Failed(ctx, result)) return;
  NotifyRemovedRange(ctx, "zremrangebylex", *result);
  ctx.reply.Integer(*result);
}

// ---- ZUNION / ZINTER / ZDIFF -------------------------------------------------------------------

enum class AlgebraForm { kReply, kStore, kCardinality };

// Redis zunionInterDiffGenericCommand. `name` is the command's lower-case name for the numkeys error.
void ZAlgebraGeneric(CommandContext& ctx, std::string_view name, size_t numkeys_index, engine::ZSetOp op,
                     AlgebraForm form) {
  int64_t setnum = 0;
  if (!common::ParseInt64(ctx.argv[numkeys_index], &setnum)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (setnum < 1) {
    ctx.reply.Error("ERR at least 1 input key is needed for '" + std::string(name) + "' command");
    return;
  }
  if (static_cast<uint64_t>(setnum) > ctx.argc() - (numkeys_index + 1)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  const auto keys = ctx.argv.subspan(numkeys_index + 1, static_cast<size_t>(setnum));
  std::vector<double> weights;
  engine::ZCombineSpec spec;
  spec.op = op;
  spec.keys = keys;
  bool withscores = false;
  int64_t limit = 0;
  // Redis checks the sources' types before it reads the options, so an option error is held back until
  // the sources are known to be sorted sets or sets.
  std::string option_error;
  size_t j = numkeys_index + 1 + keys.size();
  const bool algebra_options = op != engine::ZSetOp::kDiff && form != AlgebraForm::kCardinality;
  while (j < ctx.argc() && option_error.empty()) {
    const size_t remaining = ctx.argc() - j;
    const std::string_view opt = ctx.argv[j];
    if (algebra_options && remaining >= keys.size() + 1 && EqualsIgnoreCase(opt, "weights")) {
      ++j;
      weights.assign(keys.size(), 1.0);
      for (size_t i = 0; i < keys.size(); ++i, ++j) {
        if (!common::ParseDouble(ctx.argv[j], &weights[i])) {
          option_error = kWeightNotFloat;
          break;
        }
      }
    } else if (algebra_options && remaining >= 2 && EqualsIgnoreCase(opt, "aggregate")) {
      const std::string_view how = ctx.argv[j + 1];
      if (EqualsIgnoreCase(how, "sum")) {
        spec.aggregate = engine::ZAggregate::kSum;
      } else if (EqualsIgnoreCase(how, "min")) {
        spec.aggregate = engine::ZAggregate::kMin;
      } else if (EqualsIgnoreCase(how, "max")) {
        spec.aggregate = engine::ZAggregate::kMax;
      } else {
        option_error = err::kSyntax;
      }
      j += 2;
    } else if (form == AlgebraForm::kReply && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
      ++j;
    } else if (form == AlgebraForm::kCardinality && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!common::ParseInt64(ctx.argv[j + 1], &limit) || limit < 0) option_error = kLimitNegative;
      j += 2;
    } else {
      option_error = err::kSyntax;
    }
  }
  if (!option_error.empty()) {
    for (std::string_view key : keys) {
      auto type = ctx.engine().Type(ctx.db(), key);
      if (Failed(ctx, type)) return;
      if (*type != engine::KeyType::kNone && *type != engine::KeyType::kZSet && *type != engine::KeyType::kSet) {
        ctx.reply.Error(err::kWrongType);
        return;
      }
    }
    ctx.reply.Error(option_error);
    return;
  }
  spec.weights = weights;
  switch (form) {
    case AlgebraForm::kStore: {
      const bool dst_existed = ExistsIfWanted(ctx, kNotifyGeneric, ctx.argv[1]);
      auto result = engine::ZCombineStore(ctx.engine(), ctx.db(), ctx.argv[1], spec);
      if (Failed(ctx, result)) return;
      ctx.reply.Integer(*result);
      NotifyStored(ctx, name, ctx.argv[1], *result, dst_existed);  // "zunionstore", "zinterstore"...
      return;
    }
    case AlgebraForm::kCardinality: {
      auto result = engine::ZInterCard(ctx.engine(), ctx.db(), keys, limit);
      if (Failed(ctx, result)) return;
      ctx.reply.Integer(*result);
      return;
    }
    case AlgebraForm::kReply: {
      auto result = engine::ZCombine(ctx.engine(), ctx.db(), spec);
      if (Failed(ctx, result)) return;
      ReplyScoredMembers(ctx, *result, withscores);
      return;
    }
  }
}

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
void ZUnionStoreCommand(CommandContext& ctx) {
  ZAlgebraGeneric(ctx, "zunionstore", 2, engine::ZSetOp::kUnion, AlgebraForm::kStore);
}
// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
void ZInterStoreCommand(CommandContext& ctx) {
  ZAlgebraGeneric(ctx, "zinterstore", 2, engine::ZSetOp::kInter, AlgebraForm::kStore);
}
// ZDIFFSTORE destination numkeys key [key ...]
void ZDiffStoreCommand(CommandContext& ctx) {
  ZAlgebraGeneric(ctx, "zdiffstore", 2, engine::ZSetOp::kDiff, AlgebraForm::kStore);
}
// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
void ZUnionCommand(CommandContext& ctx) {
  ZAlgebraGeneric(ctx, "zunion", 1, engine::ZSetOp::kUnion, AlgebraForm::kReply);
}
// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
void ZInterCommand(CommandContext& ctx) {
  ZAlgebraGeneric(ctx, "zinter", 1, engine::ZSetOp::kInter, AlgebraForm::kReply);
}
// ZDIFF numkeys key [key ...] [WITHSCORES]
void ZDiffCommand(CommandContext& ctx) { ZAlgebraGeneric(ctx, "zdiff", 1, engine::ZSetOp::kDiff, AlgebraForm::kReply); }
// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void ZInterCardCommand(CommandContext& ctx) {
  ZAlgebraGeneric(ctx, "zintercard", 1, engine::ZSetOp::kInter, AlgebraForm::kCardinality);
}

}  // namespace

void RegisterZSetRangeCommands(CommandTable& table) {
  table.Bind("zrange", ZRangeCommand);
  table.Bind("zrangestore", ZRangeStoreCommand);
  table.Bind("zrevrange", ZRevRangeCommand);
  table.Bind("zrangebyscore", ZRangeByScoreCommand);
  table.Bind("zrevrangebyscore", ZRevRangeByScoreCommand);
  table.Bind("zrangebylex", ZRangeByLexCommand);
  table.Bind("zrevrangebylex", ZRevRangeByLexCommand);
  table.Bind("zcount", ZCountCommand);
  table.Bind("zlexcount", ZLexCountCommand);
  table.Bind("zremrangebyrank", ZRemRangeByRankCommand);
  table.Bind("zremrangebyscore", ZRemRangeByScoreCommand);
  table.Bind("zremrangebylex", ZRemRangeByLexCommand);
  table.Bind("zunionstore", ZUnionStoreCommand);
  table.Bind("zinterstore", ZInterStoreCommand);
  table.Bind("zdiffstore", ZDiffStoreCommand);
  table.Bind("zunion", ZUnionCommand);
  table.Bind("zinter", ZInterCommand);
  table.Bind("zdiff", ZDiffCommand);
  table.Bind("zintercard", ZInterCardCommand);
}

}  // namespace redrock::server
