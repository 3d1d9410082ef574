// The blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP. Each first tries to serve at
// once like its non-blocking form. When every key is empty it blocks the client (server/blocking.h: the
// connection waits and re-runs the command when a push wakes it), or, where blocking is not possible
// (inside MULTI/EXEC), replies as if the timeout had expired at once, as Redis does.

#include <cstdint>
#include <string_view>

#include "engine/list.h"
#include "server/blocking.h"
#include "server/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/keyspace_events.h"
#include "server/commands/list_commands.h"
#include "server/errors.h"
#include "server/server_state.h"

namespace redrock::server::list_commands {

namespace {

using engine::ListEnd;

// What a blocking command answers when it cannot block (inside MULTI/EXEC): BLPOP, BRPOP and BLMPOP a
// null array, BLMOVE and BRPOPLPUSH a null bulk, as Redis does. (After really blocking, the timeout
// reply is a null array for all of them: the connection writes that one.)
enum class ImmediateReply { kNullArray, kNull };

// Nothing to pop: block, or answer right away where blocking is not possible.
void BlockOrTimeOut(CommandContext& ctx, std::span<const std::string_view> keys, int64_t timeout_ms,
                    ImmediateReply immediate) {
  if (ctx.client.CanBlock()) {
    BlockClient(ctx, keys, timeout_ms);
  } else if (immediate == ImmediateReply::kNullArray) {
    ctx.reply.NullArray();
  } else {
    ctx.reply.Null();
  }
}

// BLPOP/BRPOP key [key ...] timeout
void BPopGeneric(CommandContext& ctx, ListEnd end) {
  int64_t timeout_ms = 0;
  if (!ParseBlockingTimeout(ctx, ctx.argv.back(), &timeout_ms)) return;
  const auto keys = ctx.argv.subspan(1, ctx.argc() - 2);
  auto result = engine::ListPopFirst(ctx.engine(), ctx.db(), keys, end);
  if (Failed(ctx, result.status())) return;
  if (!result->has_value()) {
    BlockOrTimeOut(ctx, keys, timeout_ms, ImmediateReply::kNullArray);
    return;
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk((*result)->key);
  ctx.reply.Bulk((*result)->element);
  NotifyPopped(ctx, end, (*result)->key);
}
void BLPopCommand(CommandContext& ctx) { BPopGeneric(ctx, ListEnd::kLeft); }
void BRPopCommand(CommandContext& ctx) { BPopGeneric(ctx, ListEnd::kRight); }

void BMoveGeneric(CommandContext& ctx, ListEnd from, ListEnd to, std::string_view timeout_arg) {
  int64_t timeout_ms = 0;
  if (!ParseBlockingTimeout(ctx, timeout_arg, &timeout_ms)) return;
  auto result = engine::ListMove(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], from, to);
  if (Failed(ctx, result.status())) return;
  if (!result->has_value()) {
    BlockOrTimeOut(ctx, ctx.argv.subspan(1, 1), timeout_ms, ImmediateReply::kNull);
    return;
  }
  NotifyKey(ctx, kNotifyList, PushEventName(to), ctx.argv[2]);
  SignalPushed(ctx, ctx.argv[2]);
  ctx.reply.Bulk(**result);
  NotifyPopped(ctx, from, ctx.argv[1]);
}

// BRPOPLPUSH source destination timeout
void BRPopLPushCommand(CommandContext& ctx) { BMoveGeneric(ctx, ListEnd::kRight, ListEnd::kLeft, ctx.argv[3]); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void BLMoveCommand(CommandContext& ctx) {
  ListEnd from, to;
  if (!ParseListEnd(ctx.argv[3], &from) || !ParseListEnd(ctx.argv[4], &to)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  BMoveGeneric(ctx, from, to, ctx.argv[5]);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void BLMPopCommand(CommandContext& ctx) {
  // Unlike the other blocking commands, Redis parses BLMPOP's timeout after the rest.
  MPopArgs args;
  if (!ParseMPopArgs(ctx, 2, &args)) return;
  int64_t timeout_ms = 0;
  if (!ParseBlockingTimeout(ctx, ctx.argv[1], &timeout_ms)) return;
  auto result = engine::ListPopFirstMany(ctx.engine(), ctx.db(), args.keys, args.end, args.count);
  if (Failed(ctx, result.status())) return;
  if (!result->has_value()) {
    BlockOrTimeOut(ctx, args.keys, timeout_ms, ImmediateReply::kNullArray);
    return;
  }
  ReplyKeyElements(ctx, **result);
  NotifyPopped(ctx, args.end, (*result)->key);
}

}  // namespace

void RegisterBlockingListCommands(CommandTable& table) {
  constexpr uint32_t kBlocking = kCmdWrite | kCmdNoScript | kCmdBlocking;
  constexpr const char* kCats = "@write @list @slow @blocking";
  table.Register({"blpop", -3, kBlocking, 1, -2, 1, BLPopCommand, {}, kCats});
  table.Register({"brpop", -3, kBlocking, 1, -2, 1, BRPopCommand, {}, kCats});
  table.Register({"blmove", 6, kBlocking | kCmdDenyOom, 1, 2, 1, BLMoveCommand, {}, kCats});
  table.Register({"brpoplpush", 4, kBlocking | kCmdDenyOom, 1, 2, 1, BRPopLPushCommand, {}, kCats});
  table.Register({"blmpop", -5, kCmdWrite | kCmdBlocking | kCmdMovableKeys, 0, 0, 0, BLMPopCommand, {}, kCats});
}

}  // namespace redrock::server::list_commands
