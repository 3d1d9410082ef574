// The set family: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SINTER SINTERCARD SUNION
// SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SMOVE SSCAN. Argument checks and their order follow Redis 7.0's
// t_set.c; reply types too (SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count are RESP3 sets,
// SRANDMEMBER with a count is an array).

#include <cstdint>
#include <string>
#include <string_view>

#include "redrock/engine/engine.h"
#include "redrock/engine/set.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/key_commands.h"
#include "server/commands/keyspace_events.h"
#include "server/core/errors.h"
#include "server/events/key_event_sink.h"

namespace redrock::server {

namespace {

constexpr std::string_view kNumKeys = "ERR numkeys should be greater than 0";
constexpr std::string_view kTooManyKeys = "ERR Number of keys can't be greater than number of args";

// A RESP3 set (array in RESP2) of members.
void ReplySet(CommandContext& ctx, const engine::Result<std::vector<std::string>>& result) {
  if (Failed(ctx, result)) return;
  ctx.reply.SetHeader(result->size());
  for (const std::string& m : *result) ctx.reply.Bulk(m);
}

// SPOP and SRANDMEMBER without a count: the one member as a bulk string, or a null for a missing key.
void ReplyOneOrNull(CommandContext& ctx, const engine::Result<std::vector<std::string>>& result) {
  if (!result.ok()) {
    Failed(ctx, result);
  } else if (result->empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(result->front());
  }
}

// SADD key member [member ...]
void SAddCommand(CommandContext& ctx) {
  auto result = engine::SAdd(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2));
  if (result.ok() && *result > 0) NotifyKey(ctx, kNotifySet, "sadd", ctx.argv[1]);
  ReplyInteger(ctx, result);
}

// SREM key member [member ...]
void SRemCommand(CommandContext& ctx) {
  auto result = engine::SRem(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2));
  if (result.ok() && *result > 0) {
    NotifyKey(ctx, kNotifySet, "srem", ctx.argv[1]);
    NotifyDelIfEmptied(ctx, ctx.argv[1]);
  }
  ReplyInteger(ctx, result);
}

// SPOP with or without a count: "spop" before the reply, "del" after it when the set was emptied (the
// order Redis writes them in).
template <typename Reply>
void SPopAndReply(CommandContext& ctx, uint64_t count, Reply&& reply) {
  auto popped = engine::SPop(ctx.engine(), ctx.db(), ctx.argv[1], count);
  const bool any = popped.ok() && !popped->empty();
  if (any) NotifyKey(ctx, kNotifySet, "spop", ctx.argv[1]);
  reply(popped);
  if (any) NotifyDelIfEmptied(ctx, ctx.argv[1]);
}

// The *STORE commands: after the reply, the event when the destination got a result, or "del" when an
// empty result removed a destination that existed. One exception, as in Redis: SINTERSTORE with a
// missing source answers from an early path that sends its "del" first.
void StoreGeneric(CommandContext& ctx, engine::SetOp op, std::string_view event) {
  const std::string_view dst = ctx.argv[1];
  const auto sources = ctx.argv.subspan(2);
  const bool dst_existed = ExistsIfWanted(ctx, kNotifyGeneric, dst);
  auto result = engine::SetCombineStore(ctx.engine(), ctx.db(), op, dst, sources);
  if (Failed(ctx, result)) return;
  bool del_first = false;
  if (*result == 0 && dst_existed && op == engine::SetOp::kInter) {
    // Sources other than dst are untouched by the store; dst itself existed.
    for (std::string_view src : sources) {
      if (src != dst && !ExistsIfWanted(ctx, kNotifyGeneric, src)) del_first = true;
    }
  }
  if (del_first) NotifyKey(ctx, kNotifyGeneric, "del", dst);
  ctx.reply.Integer(*result);
  if (*result > 0) {
    NotifyKey(ctx, kNotifySet, event, dst);
  } else if (dst_existed && !del_first) {
    NotifyKey(ctx, kNotifyGeneric, "del", dst);
  }
}

// SCARD key
void SCardCommand(CommandContext& ctx) { ReplyInteger(ctx, engine::SCard(ctx.engine(), ctx.db(), ctx.argv[1])); }

// SISMEMBER key member
void SIsMemberCommand(CommandContext& ctx) {
  auto result = engine::SIsMember(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2]);
  if (result.ok()) {
    ctx.reply.Integer(*result ? 1 : 0);
  } else {
    Failed(ctx, result);
  }
}

// SMISMEMBER key member [member ...]
void SMIsMemberCommand(CommandContext& ctx) {
  auto result = engine::SMIsMember(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2));
  if (Failed(ctx, result)) return;
  ctx.reply.ArrayHeader(result->size());
  for (bool found : *result) ctx.reply.Integer(found ? 1 : 0);
}

// Writes the members straight from the engine's iterator into the reply.
class ReplySink : public engine::SetMemberSink {
 public:
  explicit ReplySink(protocol::ReplyWriter& reply) : reply_(reply) {}
  void Begin(size_t count) override { reply_.SetHeader(count); }
  void Member(std::string_view member) override { reply_.Bulk(member); }

 private:
  protocol::ReplyWriter& reply_;
};

// SMEMBERS key   (Redis 7.0 runs SINTER on the one key: a missing key is an empty set)
void SMembersCommand(CommandContext& ctx) {
  std::string* buffer = ctx.reply.buffer();
  const size_t mark = buffer->size();
  ReplySink sink(ctx.reply);
  engine::Status st = engine::SMembers(ctx.engine(), ctx.db(), ctx.argv[1], sink);
  if (!st.ok()) {
    buffer->resize(mark);  // drop a partial reply from a failed iteration
    Failed(ctx, st);
  }
}

// SPOP key [count]
void SPopCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (ctx.argc() == 2) {
    SPopAndReply(ctx, 1, [&](const auto& popped) { ReplyOneOrNull(ctx, popped); });
    return;
  }
  // The count is checked before the key is looked up; a non-integer gets the same error
  // (getPositiveLongFromObjectOrReply).
  int64_t count = 0;
  if (!common::ParseInt64(ctx.argv[2], &count) || count < 0) {
    ctx.reply.Error(kMustBePositive);
    return;
  }
  SPopAndReply(ctx, static_cast<uint64_t>(count), [&](const auto& popped) { ReplySet(ctx, popped); });
}

// SRANDMEMBER key [count]
void SRandMemberCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (ctx.argc() == 2) {
    ReplyOneOrNull(ctx, engine::SRandMember(ctx.engine(), ctx.db(), ctx.argv[1], 1));
    return;
  }
  int64_t count = 0;
  if (!ParseRandomCount(ctx, ctx.argv[2], &count)) return;
  auto result = engine::SRandMember(ctx.engine(), ctx.db(), ctx.argv[1], count);
  if (Failed(ctx, result)) return;
  ctx.reply.ArrayHeader(result->size());  // an array, not a set: members may repeat
  for (const std::string& m : *result) ctx.reply.Bulk(m);
}

// SINTER key [key ...]
void SInterCommand(CommandContext& ctx) {
  ReplySet(ctx, engine::SetCombine(ctx.engine(), ctx.db(), engine::SetOp::kInter, ctx.argv.subspan(1)));
}

// SUNION key [key ...]
void SUnionCommand(CommandContext& ctx) {
  ReplySet(ctx, engine::SetCombine(ctx.engine(), ctx.db(), engine::SetOp::kUnion, ctx.argv.subspan(1)));
}

// SDIFF key [key ...]
void SDiffCommand(CommandContext& ctx) {
  ReplySet(ctx, engine::SetCombine(ctx.engine(), ctx.db(), engine::SetOp::kDiff, ctx.argv.subspan(1)));
}

// SINTERSTORE destination key [key ...]
void SInterStoreCommand(CommandContext& ctx) { StoreGeneric(ctx, engine::SetOp::kInter, "sinterstore"); }

// SUNIONSTORE destination key [key ...]
void SUnionStoreCommand(CommandContext& ctx) { StoreGeneric(ctx, engine::SetOp::kUnion, "sunionstore"); }

// SDIFFSTORE destination key [key ...]
void SDiffStoreCommand(CommandContext& ctx) { StoreGeneric(ctx, engine::SetOp::kDiff, "sdiffstore"); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCardCommand(CommandContext& ctx) {
  int64_t numkeys = 0;
  if (!common::ParseInt64(ctx.argv[1], &numkeys) || numkeys < 1) {
    ctx.reply.Error(kNumKeys);
    return;
  }
  if (static_cast<uint64_t>(numkeys) > ctx.argc() - 2) {
    ctx.reply.Error(kTooManyKeys);
    return;
  }
  int64_t limit = 0;
  ArgReader args(ctx.argv, 2 + static_cast<size_t>(numkeys));
  while (!args.Done()) {
    if (args.Remaining() >= 2 && args.EatFlag("limit")) {
      if (!common::ParseInt64(args.Take(), &limit) || limit < 0) {
        ctx.reply.Error(kLimitNegative);
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  ReplyInteger(ctx, engine::SInterCard(ctx.engine(), ctx.db(), ctx.argv.subspan(2, static_cast<size_t>(numkeys)),
                                       static_cast<uint64_t>(limit)));
}

// SMOVE source destination member
void SMoveCommand(CommandContext& ctx) {
  const std::string_view src = ctx.argv[1], dst = ctx.argv[2], member = ctx.argv[3];
  // "sadd" goes only when the destination did not have the member yet: asked first, when wanted.
  bool dst_had_member = false;
  if (KeyspaceEventsWanted(ctx, kNotifySet)) {
    engine::UncountedLookups for_the_event;
    auto is_member = engine::SIsMember(ctx.engine(), ctx.db(), dst, member);
    dst_had_member = is_member.ok() && *is_member;
  }
  KeyCreationDeferral defer_new(ctx.server);  // Redis creates the destination after "srem" (and "del")
  auto result = engine::SMove(ctx.engine(), ctx.db(), src, dst, member);
  if (result.ok()) {
    if (*result && src != dst) {  // within one set nothing moves, and nothing is reported
      NotifyKey(ctx, kNotifySet, "srem", src);
      NotifyDelIfEmptied(ctx, src);
      defer_new.Flush(ctx.db(), dst);
      if (!dst_had_member) NotifyKey(ctx, kNotifySet, "sadd", dst);
    }
    ctx.reply.Integer(*result ? 1 : 0);
  } else {
    Failed(ctx, result);
  }
}

void ReplyScan(CommandContext& ctx, uint64_t cursor, const std::vector<std::string>& members) {
  ReplyScanCursor(ctx, cursor);
  ctx.reply.ArrayHeader(members.size());
  for (const std::string& m : members) ctx.reply.Bulk(m);
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void SScanCommand(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx.argv[2], &cursor)) {
    ctx.reply.Error(kInvalidCursor);
    return;
  }
  // Redis looks the key up before it parses the options: a missing key scans empty and a wrongly typed
  // one is WRONGTYPE whatever the options say. So an option error is only reported for a real set.
  std::string_view pattern;
  int64_t count = 10;
  const std::string_view option_error = ParseKeyScanOptions(ctx.argv, 3, &pattern, &count);
  if (!option_error.empty()) {
    auto size = engine::SCard(ctx.engine(), ctx.db(), ctx.argv[1]);
    if (!size.ok()) {
      Failed(ctx, size);
    } else if (*size == 0) {
      ReplyScan(ctx, 0, {});
    } else {
      ctx.reply.Error(option_error);
    }
    return;
  }
  auto result = engine::SScan(ctx.engine(), ctx.db(), ctx.argv[1], cursor, pattern, count);
  if (Failed(ctx, result)) return;
  ReplyScan(ctx, result->next_cursor, result->members);
}

}  // namespace

void RegisterSetCommands(CommandTable& table) {
  table.Bind("sadd", SAddCommand);
  table.Bind("srem", SRemCommand);
  table.Bind("smembers", SMembersCommand);
  table.Bind("sismember", SIsMemberCommand);
  table.Bind("smismember", SMIsMemberCommand);
  table.Bind("scard", SCardCommand);
  table.Bind("spop", SPopCommand);
  table.Bind("srandmember", SRandMemberCommand);
  table.Bind("sinter", SInterCommand);
  table.Bind("sintercard", SInterCardCommand);
  table.Bind("sunion", SUnionCommand);
  table.Bind("sdiff", SDiffCommand);
  table.Bind("sinterstore", SInterStoreCommand);
  table.Bind("sunionstore", SUnionStoreCommand);
  table.Bind("sdiffstore", SDiffStoreCommand);
  table.Bind("smove", SMoveCommand);
  table.Bind("sscan", SScanCommand);
}

}  // namespace redrock::server
