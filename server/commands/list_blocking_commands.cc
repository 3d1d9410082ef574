// The blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP. Each first tries to serve at
// once like its non-blocking form. When every key is empty it blocks the client (server/core/blocking.h: a
// later push readies the key and the client is served after the pushing command, by the BlockedOp its
// command left), or, where blocking is not possible (inside MULTI/EXEC), replies as if the timeout had
// expired at once, as Redis does.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "redrock/engine/list.h"
#include "server/core/blocking.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/keyspace_events.h"
#include "server/commands/list_commands.h"
#include "server/core/errors.h"
#include "server/core/server_state.h"

namespace redrock::server::list_commands {

namespace {

using engine::ListEnd;

// BLPOP/BRPOP's reply and events for an element popped from `popped.key`.
void ReplyPopped(CommandContext& ctx, ListEnd end, const engine::KeyElement& popped) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(popped.key);
  ctx.reply.Bulk(popped.element);
  NotifyPopped(ctx, end, popped.key);
}

// BLMOVE/BRPOPLPUSH's reply and events for `element` moved from src to dst (the push readies dst).
void ReplyMoved(CommandContext& ctx, std::string_view src, std::string_view dst, ListEnd from, ListEnd to,
                const std::string& element) {
  NotifyKey(ctx, kNotifyList, PushEventName(to), dst);
  SignalPushed(ctx, dst);
  ctx.reply.Bulk(element);
  NotifyPopped(ctx, from, src);
}

// Serving a blocked client from the one key that became ready. The engine calls are the ones the
// handlers make, restricted to that key; a WRONGTYPE of the key itself (it changed type since it was
// looked at) means there is nothing to serve.
std::span<const std::string_view> OneKey(const std::string_view& key) { return {&key, 1}; }

class PopOp final : public BlockedOp {
 public:
  explicit PopOp(ListEnd end) : end_(end) {}
  engine::KeyType type() const override { return engine::KeyType::kList; }
  bool Serve(CommandContext& ctx, std::string_view key) const override {
    auto result = engine::ListPopFirst(ctx.engine(), ctx.db(), OneKey(key), end_);
    if (!result.ok()) return ServeFailure(ctx, result.status());
    if (!result->has_value()) return false;
    ReplyPopped(ctx, end_, **result);
    return true;
  }

 private:
  ListEnd end_;
};

class MPopOp final : public BlockedOp {
 public:
  MPopOp(ListEnd end, int64_t count) : end_(end), count_(count) {}
  engine::KeyType type() const override { return engine::KeyType::kList; }
  bool Serve(CommandContext& ctx, std::string_view key) const override {
    auto result = engine::ListPopFirstMany(ctx.engine(), ctx.db(), OneKey(key), end_, count_);
    if (!result.ok()) return ServeFailure(ctx, result.status());
    if (!result->has_value()) return false;
    ReplyKeyElements(ctx, **result);
    NotifyPopped(ctx, end_, (*result)->key);
    return true;
  }

 private:
  ListEnd end_;
  int64_t count_;
};

class MoveOp final : public BlockedOp {
 public:
  MoveOp(std::string_view dst, ListEnd from, ListEnd to) : dst_(dst), from_(from), to_(to) {}
  engine::KeyType type() const override { return engine::KeyType::kList; }
  bool Serve(CommandContext& ctx, std::string_view key) const override {
    auto result = engine::ListMove(ctx.engine(), ctx.db(), key, dst_, from_, to_);
    if (!result.ok()) {
      if (result.status().IsWrongType()) {
        // The source, or (the source holding elements) the destination. Only the destination's is the
        // client's answer, as in Redis: BRPOPLPUSH onto a string fails that client, and the element stays
        // for the next one in line.
        auto src_type = ctx.engine().Type(ctx.db(), key);
        if (src_type.ok() && *src_type != engine::KeyType::kList) return false;
      }
      ctx.reply.Error(err::FromStatus(result.status()));
      return true;
    }
    if (!result->has_value()) return false;
    ReplyMoved(ctx, key, dst_, from_, to_, **result);
    return true;
  }

 private:
  std::string dst_;
  ListEnd from_;
  ListEnd to_;
};

// BLPOP/BRPOP key [key ...] timeout
void BPopGeneric(CommandContext& ctx, ListEnd end) {
  int64_t timeout_ms = 0;
  if (!ParseBlockingTimeout(ctx, ctx.argv.back(), &timeout_ms)) return;
  const auto keys = ctx.argv.subspan(1, ctx.argc() - 2);
  BlockingAttempt attempt(ctx);
  auto result = engine::ListPopFirst(ctx.engine(), ctx.db(), keys, end);
  if (Failed(ctx, result.status())) return;
  if (!result->has_value()) {
    BlockOrTimeOut(ctx, attempt, keys, timeout_ms, std::make_unique<PopOp>(end), ImmediateReply::kNullArray);
    return;
  }
  ReplyPopped(ctx, end, **result);
}
void BLPopCommand(CommandContext& ctx) { BPopGeneric(ctx, ListEnd::kLeft); }
void BRPopCommand(CommandContext& ctx) { BPopGeneric(ctx, ListEnd::kRight); }

void BMoveGeneric(CommandContext& ctx, ListEnd from, ListEnd to, std::string_view timeout_arg) {
  int64_t timeout_ms = 0;
  if (!ParseBlockingTimeout(ctx, timeout_arg, &timeout_ms)) return;
  BlockingAttempt attempt(ctx);
  auto result = engine::ListMove(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], from, to);
  if (Failed(ctx, result.status())) return;
  if (!result->has_value()) {
    BlockOrTimeOut(ctx, attempt, ctx.argv.subspan(1, 1), timeout_ms, std::make_unique<MoveOp>(ctx.argv[2], from, to),
                   ImmediateReply::kNull);
    return;
  }
  ReplyMoved(ctx, ctx.argv[1], ctx.argv[2], from, to, **result);
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
  BlockingAttempt attempt(ctx);
  auto result = engine::ListPopFirstMany(ctx.engine(), ctx.db(), args.keys, args.end, args.count);
  if (Failed(ctx, result.status())) return;
  if (!result->has_value()) {
    BlockOrTimeOut(ctx, attempt, args.keys, timeout_ms, std::make_unique<MPopOp>(args.end, args.count),
                   ImmediateReply::kNullArray);
    return;
  }
  ReplyKeyElements(ctx, **result);
  NotifyPopped(ctx, args.end, (*result)->key);
}

}  // namespace

void RegisterBlockingListCommands(CommandTable& table) {
  table.Bind("blpop", BLPopCommand);
  table.Bind("brpop", BRPopCommand);
  table.Bind("blmove", BLMoveCommand);
  table.Bind("brpoplpush", BRPopLPushCommand);
  table.Bind("blmpop", BLMPopCommand);
}

}  // namespace redrock::server::list_commands
