// The sorted-set family, point commands: ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK,
// ZPOPMIN, ZPOPMAX, ZMPOP, their blocking forms BZPOPMIN, BZPOPMAX and BZMPOP, ZRANDMEMBER and ZSCAN.
// The range and set-algebra commands are in zset_range_commands.cc. Validation order and error texts follow Redis 7.0's t_zset.c; the semantics
// live in engine/zset.h.

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/engine.h"
#include "redrock/engine/zset.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/blocking.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/key_commands.h"
#include "server/commands/keyspace_events.h"
#include "server/commands/zset_commands.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

// Sorted-set error texts (t_zset.c, object.c).
constexpr std::string_view kXxAndNx = "ERR XX and NX options at the same time are not compatible";
constexpr std::string_view kGtLtNx = "ERR GT, LT, and/or NX options at the same time are not compatible";
constexpr std::string_view kIncrSinglePair = "ERR INCR option supports a single increment-element pair";
constexpr int64_t kDefaultScanCount = 10;

// Redis d2string, which ZSCAN's scores go through (they are stored as strings in the small encoding):
// integral values within +-2^62 print as integers, the rest as "%.17g".
std::string_view D2String(double v, char* buf) {
  constexpr double kLimit = static_cast<double>(std::numeric_limits<int64_t>::max() / 2);
  if (std::isfinite(v) && v >= -kLimit && v <= kLimit) {
    const auto ll = static_cast<int64_t>(v);
    if (static_cast<double>(ll) == v) return common::FormatInt64(ll, buf);
  }
  return common::FormatDoubleTo(v, buf);
}

// Replies with a double, or a null when NotFound.
void ReplyScoreOrNull(CommandContext& ctx, const engine::Result<double>& result) {
  if (result.ok()) {
    ctx.reply.Double(*result);
  } else if (result.status().IsNotFound()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Error(err::FromStatus(result.status()));
  }
}

// ---- ZADD / ZINCRBY ----------------------------------------------------------------------------

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
void ZAddCommand(CommandContext& ctx) {
  engine::ZAddOptions options;
  bool nx = false, xx = false, ch = false;
  ArgReader args(ctx.argv, 2);
  for (;;) {
    if (args.EatFlag("nx")) {
      nx = true;
    } else if (args.EatFlag("xx")) {
      xx = true;
    } else if (args.EatFlag("ch")) {
      ch = true;
    } else if (args.EatFlag("incr")) {
      options.incr = true;
    } else if (args.EatFlag("gt")) {
      options.gt = true;
    } else if (args.EatFlag("lt")) {
      options.lt = true;
    } else {
      break;
    }
  }
  const size_t first = args.Position();
  const size_t elements = ctx.argc() - first;
  if (elements == 0 || elements % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (nx && xx) {
    ctx.reply.Error(kXxAndNx);
    return;
  }
  if ((options.gt && nx) || (options.lt && nx) || (options.gt && options.lt)) {
    ctx.reply.Error(kGtLtNx);
    return;
  }
  if (options.incr && elements > 2) {
    ctx.reply.Error(kIncrSinglePair);
    return;
  }
  options.condition = nx ? engine::ZAddCondition::kIfMissing
                         : (xx ? engine::ZAddCondition::kIfExists : engine::ZAddCondition::kAlways);
  // Every score is validated before anything is written, as Redis does.
  std::vector<std::pair<double, std::string_view>> pairs;
  pairs.reserve(elements / 2);
  for (size_t i = first; i < ctx.argc(); i += 2) {
    double score = 0;
    if (!common::ParseDouble(ctx.argv[i], &score)) {
      ctx.reply.Error(err::kNotFloat);
      return;
    }
    pairs.emplace_back(score, ctx.argv[i + 1]);
  }
  auto result = engine::ZAdd(ctx.engine(), ctx.db(), ctx.argv[1], pairs, options);
  if (Failed(ctx, result)) return;
  if (options.incr) {
    if (result->score) {
      ctx.reply.Double(*result->score);
    } else {
      ctx.reply.Null();
    }
  } else {
    ctx.reply.Integer(ch ? result->added + result->updated : result->added);
  }
  // After the reply, as Redis; only a change is reported (equal scores, an increment by 0, NX on a
  // present member: nothing).
  if (result->added + result->updated > 0) NotifyKey(ctx, kNotifyZSet, options.incr ? "zincr" : "zadd", ctx.argv[1]);
}

// ZINCRBY key increment member
void ZIncrByCommand(CommandContext& ctx) {
  double delta = 0;
  if (!common::ParseDouble(ctx.argv[2], &delta)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  engine::ZAddOptions options;
  options.incr = true;
  const std::pair<double, std::string_view> pair{delta, ctx.argv[3]};
  auto result = engine::ZAdd(ctx.engine(), ctx.db(), ctx.argv[1], std::span(&pair, 1), options);
  if (Failed(ctx, result)) return;
  ctx.reply.Double(result->score.value_or(0));
  if (result->added + result->updated > 0) NotifyKey(ctx, kNotifyZSet, "zincr", ctx.argv[1]);
}

// ---- ZREM / point reads ------------------------------------------------------------------------

// ZREM key member [member ...]
void ZRemCommand(CommandContext& ctx) {
  auto result = engine::ZRem(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2));
  if (Failed(ctx, result)) return;
  if (*result > 0) {
    NotifyKey(ctx, kNotifyZSet, "zrem", ctx.argv[1]);
    NotifyDelIfEmptied(ctx, ctx.argv[1]);
  }
  ctx.reply.Integer(*result);
}

// ZCARD key
void ZCardCommand(CommandContext& ctx) {
  auto result = engine::ZCard(ctx.engine(), ctx.db(), ctx.argv[1]);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(*result);
}

// ZSCORE key member
void ZScoreCommand(CommandContext& ctx) {
  ReplyScoreOrNull(ctx, engine::ZScore(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2]));
}

// ZMSCORE key member [member ...]
void ZMScoreCommand(CommandContext& ctx) {
  auto result = engine::ZMScore(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2));
  if (Failed(ctx, result)) return;
  ctx.reply.ArrayHeader(result->size());
  for (const std::optional<double>& score : *result) {
    if (score) {
      ctx.reply.Double(*score);
    } else {
      ctx.reply.Null();
    }
  }
}

void ZRankGeneric(CommandContext& ctx, bool reverse) {
  auto result = engine::ZRank(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], reverse);
  if (result.ok()) {
    ctx.reply.Integer(*result);
  } else if (result.status().IsNotFound()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Error(err::FromStatus(result.status()));
  }
}

// ZRANK key member
void ZRankCommand(CommandContext& ctx) { ZRankGeneric(ctx, false); }
// ZREVRANK key member
void ZRevRankCommand(CommandContext& ctx) { ZRankGeneric(ctx, true); }

// ---- ZPOPMIN / ZPOPMAX -------------------------------------------------------------------------

// Redis zpopMinMaxCommand: at most one count argument, a non-negative integer.
void ZPopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  int64_t count = 1;
  const bool has_count = ctx.argc() == 3;
  if (has_count && (!common::ParseInt64(ctx.argv[2], &count) || count < 0)) {
    ctx.reply.Error(kMustBePositive);
    return;
  }
  auto result = engine::ZPop(ctx.engine(), ctx.db(), ctx.argv[1], max, count);
  if (Failed(ctx, result)) return;
  if (result->empty()) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  // With a count: a flat array in RESP2, pairs in RESP3. Redis sends the event after the array's
  // header, before the first member, and "del" after the whole reply.
  const bool pairs = has_count && ctx.reply.resp() >= 3;
  ctx.reply.ArrayHeader(pairs ? result->size() : result->size() * 2);
  NotifyKey(ctx, kNotifyZSet, max ? "zpopmax" : "zpopmin", ctx.argv[1]);
  for (const engine::ScoredMember& m : *result) {
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(m.member);
    ctx.reply.Double(m.score);
  }
  NotifyDelIfEmptied(ctx, ctx.argv[1]);
}

// ZPOPMIN key [count]
void ZPopMinCommand(CommandContext& ctx) { ZPopGeneric(ctx, false); }
// ZPOPMAX key [count]
void ZPopMaxCommand(CommandContext& ctx) { ZPopGeneric(ctx, true); }

// The reply and events of ZMPOP, BZPOPMIN/BZPOPMAX and BZMPOP for members popped from popped.key:
// [key, member, score] for BZPOPMIN/BZPOPMAX (`nested` false: one member, flat), [key, [[member, score]
// ...]] for ZMPOP/BZMPOP, in both protocols. As for ZPOPMIN, Redis sends the event after the members'
// header and "del" after the whole reply.
void ReplyKeyPopped(CommandContext& ctx, const engine::KeyScoredMembers& popped, bool max, bool nested) {
  if (nested) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(popped.key);
    ctx.reply.ArrayHeader(popped.members.size());
  } else {
    ctx.reply.ArrayHeader(popped.members.size() * 2 + 1);
    ctx.reply.Bulk(popped.key);
  }
  NotifyKey(ctx, kNotifyZSet, max ? "zpopmax" : "zpopmin", popped.key);
  for (const engine::ScoredMember& m : popped.members) {
    if (nested) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(m.member);
    ctx.reply.Double(m.score);
  }
  NotifyDelIfEmptied(ctx, popped.key);
}

// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
void ZMPopCommand(CommandContext& ctx) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, 1, "min", "max", &args)) return;
  const bool max = args.second;
  auto result = engine::ZPopFirst(ctx.engine(), ctx.db(), args.keys, max, args.count);
  if (Failed(ctx, result)) return;
  if (!result->has_value()) {
    ctx.reply.NullArray();
    return;
  }
  ReplyKeyPopped(ctx, **result, max, /*nested=*/true);
}

// ---- BZPOPMIN / BZPOPMAX / BZMPOP --------------------------------------------------------------
// The blocking forms (server/core/blocking.h): pop at once like ZMPOP when a key holds members; otherwise
// block until a write creates one of the keys as a sorted set, or, where blocking is not possible
// (MULTI/EXEC, a script's BZMPOP), answer a null array as if the timeout had expired, as Redis does.

// Serves a blocked client from the one key that became ready (Redis's serveClientsBlockedOnSortedSetKey:
// the same pop and reply as the command's own).
class ZPopOp final : public BlockedOp {
 public:
  ZPopOp(bool max, int64_t count, bool nested) : max_(max), count_(count), nested_(nested) {}
  engine::KeyType type() const override { return engine::KeyType::kZSet; }
  bool Serve(CommandContext& ctx, std::string_view key) const override {
    auto result = engine::ZPopFirst(ctx.engine(), ctx.db(), std::span(&key, 1), max_, count_);
    if (!result.ok()) return ServeFailure(ctx, result.status());
    if (!result->has_value()) return false;
    ReplyKeyPopped(ctx, **result, max_, nested_);
    return true;
  }

 private:
  bool max_;
  int64_t count_;
  bool nested_;
};

// Redis blockingGenericZpopCommand, once the arguments are parsed: the keys are looked at in order (a
// key of another type before the first sorted set answers WRONGTYPE).
void BlockingZPop(CommandContext& ctx, std::span<const std::string_view> keys, bool max, int64_t count, bool nested,
                  int64_t timeout_ms) {
  BlockingAttempt attempt(ctx);
  auto result = engine::ZPopFirst(ctx.engine(), ctx.db(), keys, max, count);
  if (Failed(ctx, result)) return;
  if (!result->has_value()) {
    BlockOrTimeOut(ctx, attempt, keys, timeout_ms, std::make_unique<ZPopOp>(max, count, nested),
                   ImmediateReply::kNullArray);
    return;
  }
  ReplyKeyPopped(ctx, **result, max, nested);
}

// BZPOPMIN/BZPOPMAX key [key ...] timeout (the timeout is parsed first)
void BZPopGeneric(CommandContext& ctx, bool max) {
  int64_t timeout_ms = 0;
  if (!ParseBlockingTimeout(ctx, ctx.argv.back(), &timeout_ms)) return;
  BlockingZPop(ctx, ctx.argv.subspan(1, ctx.argc() - 2), max, 1, /*nested=*/false, timeout_ms);
}
void BZPopMinCommand(CommandContext& ctx) { BZPopGeneric(ctx, false); }
void BZPopMaxCommand(CommandContext& ctx) { BZPopGeneric(ctx, true); }

// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count] (the timeout is parsed after the rest)
void BZMPopCommand(CommandContext& ctx) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, 2, "min", "max", &args)) return;
  int64_t timeout_ms = 0;
  if (!ParseBlockingTimeout(ctx, ctx.argv[1], &timeout_ms)) return;
  BlockingZPop(ctx, args.keys, args.second, args.count, /*nested=*/true, timeout_ms);
}

// ---- ZRANDMEMBER -------------------------------------------------------------------------------

// ZRANDMEMBER key [count [WITHSCORES]]
void ZRandMemberCommand(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    auto result = engine::ZRandMember(ctx.engine(), ctx.db(), ctx.argv[1], -1);
    if (Failed(ctx, result)) return;
    if (result->empty()) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(result->front().member);
    }
    return;
  }
  int64_t count = 0;
  if (!ParseRandomCount(ctx, ctx.argv[2], &count)) return;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.argv[3], "withscores"))) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  const bool withscores = ctx.argc() == 4;
  if (withscores && !CheckRandomPairCount(ctx, count)) return;
  auto result = engine::ZRandMember(ctx.engine(), ctx.db(), ctx.argv[1], count);
  if (Failed(ctx, result)) return;
  ReplyScoredMembers(ctx, *result, withscores);
}

// ---- ZSCAN -------------------------------------------------------------------------------------

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void ZScanCommand(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx.argv[2], &cursor)) {
    ctx.reply.Error(kInvalidCursor);
    return;
  }
  // Redis looks the key up before it reads the options: a missing key scans as empty and a wrong type
  // is reported whatever the options say. So an option error is only reported for a live sorted set.
  std::string_view pattern;
  int64_t count = kDefaultScanCount;
  const std::string_view option_error = ParseKeyScanOptions(ctx.argv, 3, &pattern, &count);
  if (!option_error.empty()) {
    // The command's one lookup of the key (ZScan is not called after it).
    auto card = engine::ZCard(ctx.engine(), ctx.db(), ctx.argv[1]);
    if (Failed(ctx, card)) return;
    if (*card > 0) {
      ctx.reply.Error(option_error);
    } else {
      ReplyScanCursor(ctx, 0);
      ctx.reply.ArrayHeader(0);
    }
    return;
  }
  auto result = engine::ZScan(ctx.engine(), ctx.db(), ctx.argv[1], cursor, pattern, count);
  if (Failed(ctx, result)) return;
  ReplyScanCursor(ctx, result->next_cursor);
  char buf[common::kDoubleBufSize];
  ctx.reply.ArrayHeader(result->items.size() * 2);
  for (const engine::ScoredMember& item : result->items) {
    ctx.reply.Bulk(item.member);
    // Small sets print their scores as Redis's listpack stores them; large ones with "%.17g".
    ctx.reply.Bulk(result->whole ? D2String(item.score, buf) : common::FormatDoubleTo(item.score, buf));
  }
}

}  // namespace

void ReplyScoredMembers(CommandContext& ctx, const std::vector<engine::ScoredMember>& members, bool withscores) {
  if (!withscores) {
    ctx.reply.ArrayHeader(members.size());
    for (const engine::ScoredMember& m : members) ctx.reply.Bulk(m.member);
    return;
  }
  const bool pairs = ctx.reply.resp() >= 3;
  ctx.reply.ArrayHeader(pairs ? members.size() : members.size() * 2);
  for (const engine::ScoredMember& m : members) {
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(m.member);
    ctx.reply.Double(m.score);
  }
}

void RegisterZSetCommands(CommandTable& table) {
  table.Bind("zadd", ZAddCommand);
  table.Bind("zincrby", ZIncrByCommand);
  table.Bind("zrem", ZRemCommand);
  table.Bind("zcard", ZCardCommand);
  table.Bind("zscore", ZScoreCommand);
  table.Bind("zmscore", ZMScoreCommand);
  table.Bind("zrank", ZRankCommand);
  table.Bind("zrevrank", ZRevRankCommand);
  table.Bind("zpopmin", ZPopMinCommand);
  table.Bind("zpopmax", ZPopMaxCommand);
  table.Bind("zmpop", ZMPopCommand);
  table.Bind("bzpopmin", BZPopMinCommand);
  table.Bind("bzpopmax", BZPopMaxCommand);
  // BZMPOP, like BLMPOP, is allowed in scripts (where it never blocks).
  table.Bind("bzmpop", BZMPopCommand);
  table.Bind("zrandmember", ZRandMemberCommand);
  table.Bind("zscan", ZScanCommand);
  RegisterZSetRangeCommands(table);
}

}  // namespace redrock::server
