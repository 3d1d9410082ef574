// The list family: LPUSH/RPUSH(X), LPOP/RPOP, LLEN, LRANGE, LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS,
// RPOPLPUSH, LMOVE and LMPOP; the blocking forms are in list_blocking_commands.cc. Validation order and
// error texts follow Redis 7.0's t_list.c; the semantics live in engine/list.h. Every command that adds
// elements wakes the clients blocked on its key.

#include "server/commands/list_commands.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/engine.h"
#include "redrock/engine/list.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/keyspace_events.h"
#include "server/core/errors.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace list_commands {

bool ParseListEnd(std::string_view arg, engine::ListEnd* end) {
  if (EqualsIgnoreCase(arg, "left")) {
    *end = engine::ListEnd::kLeft;
    return true;
  }
  if (EqualsIgnoreCase(arg, "right")) {
    *end = engine::ListEnd::kRight;
    return true;
  }
  return false;
}

void SignalPushed(CommandContext& ctx, std::string_view key) { ctx.server.blocking.Signal(ctx.db(), key); }

void NotifyPopped(CommandContext& ctx, engine::ListEnd end, std::string_view key) {
  NotifyKey(ctx, kNotifyList, end == engine::ListEnd::kLeft ? "lpop" : "rpop", key);
  NotifyDelIfEmptied(ctx, key);
}

std::string_view PushEventName(engine::ListEnd end) { return end == engine::ListEnd::kLeft ? "lpush" : "rpush"; }

bool ParseMPopArgs(CommandContext& ctx, size_t numkeys_index, MPopArgs* out) {
  MultiPopArgs args;
  if (!ParseMultiPopArgs(ctx, numkeys_index, "left", "right", &args)) return false;
  out->keys = args.keys;
  out->end = args.second ? engine::ListEnd::kRight : engine::ListEnd::kLeft;
  out->count = args.count;
  return true;
}

void ReplyKeyElements(CommandContext& ctx, const engine::KeyElements& popped) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(popped.key);
  ctx.reply.ArrayHeader(popped.elements.size());
  for (const std::string& element : popped.elements) ctx.reply.Bulk(element);
}

}  // namespace list_commands

namespace {

using engine::ListEnd;
using list_commands::ParseListEnd;
using list_commands::SignalPushed;

// t_list.c's texts.
constexpr std::string_view kRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to "
    "start from the end of the list";
constexpr std::string_view kCountNegative = "ERR COUNT can't be negative";
constexpr std::string_view kMaxLenNegative = "ERR MAXLEN can't be negative";

// LPUSH/RPUSH/LPUSHX/RPUSHX key element [element ...]
void PushGeneric(CommandContext& ctx, ListEnd end, bool only_if_exists) {
  auto result = engine::ListPush(ctx.engine(), ctx.db(), ctx.argv[1], end, ctx.argv.subspan(2), only_if_exists);
  if (Failed(ctx, result)) return;
  if (*result > 0) SignalPushed(ctx, ctx.argv[1]);
  ctx.reply.Integer(*result);
  if (*result > 0) NotifyKey(ctx, kNotifyList, list_commands::PushEventName(end), ctx.argv[1]);  // after, as Redis
}
void LPushCommand(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kLeft, false); }
void RPushCommand(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kRight, false); }
void LPushXCommand(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kLeft, true); }
void RPushXCommand(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kRight, true); }

// LPOP/RPOP key [count]
void PopGeneric(CommandContext& ctx, ListEnd end) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::WrongArity(end == ListEnd::kLeft ? "lpop" : "rpop"));
    return;
  }
  const bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count && (!common::ParseInt64(ctx.argv[2], &count) || count < 0)) {
    ctx.reply.Error(kMustBePositive);
    return;
  }
  auto result = engine::ListPop(ctx.engine(), ctx.db(), ctx.argv[1], end, count);
  if (!result.ok() && result.status().IsNotFound()) {
    if (has_count) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Null();
    }
    return;
  }
  if (Failed(ctx, result)) return;
  if (!has_count) {
    ctx.reply.Bulk(result->front());
  } else {
    ctx.reply.ArrayHeader(result->size());
    for (const std::string& element : *result) ctx.reply.Bulk(element);
  }
  if (!result->empty()) list_commands::NotifyPopped(ctx, end, ctx.argv[1]);  // LPOP key 0 pops nothing
}
void LPopCommand(CommandContext& ctx) { PopGeneric(ctx, ListEnd::kLeft); }
void RPopCommand(CommandContext& ctx) { PopGeneric(ctx, ListEnd::kRight); }

// LLEN key
void LLenCommand(CommandContext& ctx) {
  auto result = engine::ListLength(ctx.engine(), ctx.db(), ctx.argv[1]);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(*result);
}

// LRANGE key start stop
void LRangeCommand(CommandContext& ctx) {
  int64_t start = 0, stop = 0;
  if (!common::ParseInt64(ctx.argv[2], &start) || !common::ParseInt64(ctx.argv[3], &stop)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  // Replies straight from the iterator; a failure midway takes back what was written.
  std::string* out = ctx.reply.buffer();
  const size_t mark = out->size();
  engine::Status st = engine::ListRange(
      ctx.engine(), ctx.db(), ctx.argv[1], start, stop, [&](size_t n) { ctx.reply.ArrayHeader(n); },
      [&](std::string_view element) { ctx.reply.Bulk(element); });
  if (!st.ok()) {
    out->resize(mark);
    ctx.reply.Error(err::FromStatus(st));
  }
}

// LINDEX key index
void LIndexCommand(CommandContext& ctx) {
  int64_t index = 0;
  if (!common::ParseInt64(ctx.argv[2], &index)) {
    // Redis looks the key up first: a missing key answers nil, a wrong type WRONGTYPE.
    auto length = engine::ListLength(ctx.engine(), ctx.db(), ctx.argv[1]);
    if (Failed(ctx, length)) return;
    if (*length == 0) {
      ctx.reply.Null();
    } else {
      ctx.reply.Error(err::kNotInteger);
    }
    return;
  }
  auto result = engine::ListIndex(ctx.engine(), ctx.db(), ctx.argv[1], index);
  if (Failed(ctx, result)) return;
  if (result->has_value()) {
    ctx.reply.Bulk(**result);
  } else {
    ctx.reply.Null();
  }
}

// LSET key index element
void LSetCommand(CommandContext& ctx) {
  int64_t index = 0;
  if (!common::ParseInt64(ctx.argv[2], &index)) {
    // As LINDEX: the key is looked up before the index is parsed (a write lookup: uncounted).
    engine::UncountedLookups write_lookup;
    auto length = engine::ListLength(ctx.engine(), ctx.db(), ctx.argv[1]);
    if (Failed(ctx, length)) return;
    ctx.reply.Error(*length == 0 ? err::kNoSuchKey : err::kNotInteger);
    return;
  }
  if (Failed(ctx, engine::ListSet(ctx.engine(), ctx.db(), ctx.argv[1], index, ctx.argv[3]))) return;
  ctx.reply.Ok();
  NotifyKey(ctx, kNotifyList, "lset", ctx.argv[1]);
}

// LINSERT key BEFORE|AFTER pivot element
void LInsertCommand(CommandContext& ctx) {
  bool before = false;
  if (EqualsIgnoreCase(ctx.argv[2], "before")) {
    before = true;
  } else if (!EqualsIgnoreCase(ctx.argv[2], "after")) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  auto result = engine::ListInsert(ctx.engine(), ctx.db(), ctx.argv[1], before, ctx.argv[3], ctx.argv[4]);
  if (Failed(ctx, result)) return;
  if (*result > 0) {
    NotifyKey(ctx, kNotifyList, "linsert", ctx.argv[1]);
    SignalPushed(ctx, ctx.argv[1]);
  }
  ctx.reply.Integer(*result);
}

// LREM key count element
void LRemCommand(CommandContext& ctx) {
  int64_t count = 0;
  if (!common::ParseInt64(ctx.argv[2], &count)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  auto result = engine::ListRemove(ctx.engine(), ctx.db(), ctx.argv[1], count, ctx.argv[3]);
  if (Failed(ctx, result)) return;
  if (*result > 0) {
    NotifyKey(ctx, kNotifyList, "lrem", ctx.argv[1]);
    NotifyDelIfEmptied(ctx, ctx.argv[1]);
  }
  ctx.reply.Integer(*result);
}

// LTRIM key start stop
void LTrimCommand(CommandContext& ctx) {
  int64_t start = 0, stop = 0;
  if (!common::ParseInt64(ctx.argv[2], &start) || !common::ParseInt64(ctx.argv[3], &stop)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  // "ltrim" goes for any list that existed, trimmed or not (as Redis): asked first, when wanted.
  const bool existed = ExistsIfWanted(ctx, kNotifyList | kNotifyGeneric, ctx.argv[1]);
  if (Failed(ctx, engine::ListTrim(ctx.engine(), ctx.db(), ctx.argv[1], start, stop))) return;
  if (existed) {
    NotifyKey(ctx, kNotifyList, "ltrim", ctx.argv[1]);
    NotifyDelIfEmptied(ctx, ctx.argv[1]);
  }
  ctx.reply.Ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPosCommand(CommandContext& ctx) {
  engine::ListPosOptions options;
  bool has_count = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.argv[j];
    const bool more = j + 1 < ctx.argc();
    if (more && EqualsIgnoreCase(opt, "rank")) {
      if (!common::ParseInt64(ctx.argv[++j], &options.rank)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (options.rank == 0) {
        ctx.reply.Error(kRankZero);
        return;
      }
    } else if (more && EqualsIgnoreCase(opt, "count")) {
      if (!common::ParseInt64(ctx.argv[++j], &options.count) || options.count < 0) {
        ctx.reply.Error(kCountNegative);
        return;
      }
      has_count = true;
    } else if (more && EqualsIgnoreCase(opt, "maxlen")) {
      if (!common::ParseInt64(ctx.argv[++j], &options.maxlen) || options.maxlen < 0) {
        ctx.reply.Error(kMaxLenNegative);
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (!has_count) options.count = 1;
  auto result = engine::ListPos(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], options);
  if (Failed(ctx, result)) return;
  if (has_count) {
    ctx.reply.ArrayHeader(result->size());
    for (int64_t index : *result) ctx.reply.Integer(index);
  } else if (result->empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Integer(result->front());
  }
}

void MoveGeneric(CommandContext& ctx, ListEnd from, ListEnd to) {
  auto result = engine::ListMove(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], from, to);
  if (Failed(ctx, result)) return;
  if (!result->has_value()) {
    ctx.reply.Null();
    return;
  }
  NotifyKey(ctx, kNotifyList, list_commands::PushEventName(to), ctx.argv[2]);
  SignalPushed(ctx, ctx.argv[2]);
  ctx.reply.Bulk(**result);
  list_commands::NotifyPopped(ctx, from, ctx.argv[1]);
}

// RPOPLPUSH source destination
void RPopLPushCommand(CommandContext& ctx) { MoveGeneric(ctx, ListEnd::kRight, ListEnd::kLeft); }

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void LMoveCommand(CommandContext& ctx) {
  ListEnd from, to;
  if (!ParseListEnd(ctx.argv[3], &from) || !ParseListEnd(ctx.argv[4], &to)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  MoveGeneric(ctx, from, to);
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LMPopCommand(CommandContext& ctx) {
  list_commands::MPopArgs args;
  if (!list_commands::ParseMPopArgs(ctx, 1, &args)) return;
  auto result = engine::ListPopFirstMany(ctx.engine(), ctx.db(), args.keys, args.end, args.count);
  if (Failed(ctx, result)) return;
  if (!result->has_value()) {
    ctx.reply.NullArray();
    return;
  }
  list_commands::ReplyKeyElements(ctx, **result);
  list_commands::NotifyPopped(ctx, args.end, (*result)->key);
}

}  // namespace

void RegisterListCommands(CommandTable& table) {
  table.Bind("lpush", LPushCommand);
  table.Bind("rpush", RPushCommand);
  table.Bind("lpushx", LPushXCommand);
  table.Bind("rpushx", RPushXCommand);
  table.Bind("lpop", LPopCommand);
  table.Bind("rpop", RPopCommand);
  table.Bind("llen", LLenCommand);
  table.Bind("lrange", LRangeCommand);
  table.Bind("lindex", LIndexCommand);
  table.Bind("lset", LSetCommand);
  table.Bind("linsert", LInsertCommand);
  table.Bind("lrem", LRemCommand);
  table.Bind("ltrim", LTrimCommand);
  table.Bind("lpos", LPosCommand);
  table.Bind("rpoplpush", RPopLPushCommand);
  table.Bind("lmove", LMoveCommand);
  table.Bind("lmpop", LMPopCommand);
  list_commands::RegisterBlockingListCommands(table);
}

}  // namespace redrock::server
