// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT; TTL, PTTL, EXPIRETIME, PEXPIRETIME; PERSIST.
// Validation order and overflow checks follow Redis 7.0's expire.c (expireGenericCommand,
// ttlGenericCommand).

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "redrock/engine/engine.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/key_commands.h"
#include "server/commands/keyspace_events.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

enum ExpireFlag : uint32_t { kNx = 1u << 0, kXx = 1u << 1, kGt = 1u << 2, kLt = 1u << 3 };

// Redis parseExtendedExpireArgumentsOrReply: every argument after the time is an option; an unknown one
// is reported as typed, before the time is even parsed. Conflicts are checked after the whole list.
bool ParseExpireFlags(CommandContext& ctx, uint32_t* flags) {
  ArgReader args(ctx.argv, 3);
  while (!args.Done()) {
    const std::string_view opt = args.Take();
    if (EqualsIgnoreCase(opt, "nx")) {
      *flags |= kNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      *flags |= kXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      *flags |= kGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      *flags |= kLt;
    } else {
      std::string message = "ERR Unsupported option ";
      message.append(opt);
      ctx.reply.Error(message);
      return false;
    }
  }
  if ((*flags & kNx) && (*flags & (kXx | kGt | kLt))) {
    ctx.reply.Error(err::kExpireOptionsConflict);
    return false;
  }
  if ((*flags & kGt) && (*flags & kLt)) {
    ctx.reply.Error(err::kGtLtConflict);
    return false;
  }
  return true;
}

enum class Unit { kSeconds, kMilliseconds };

// The four EXPIRE commands: `relative` adds the engine's now, as Redis adds mstime() (basetime).
void ExpireGeneric(CommandContext& ctx, std::string_view command, bool relative, Unit unit) {
  uint32_t flags = 0;
  if (!ParseExpireFlags(ctx, &flags)) return;
  int64_t when = 0;
  if (!common::ParseInt64(ctx.argv[2], &when)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  // Negative times are allowed (they delete the key); only overflow is an error.
  if (unit == Unit::kSeconds) {
    if (when > kInt64Max / 1000 || when < kInt64Min / 1000) {
      ctx.reply.Error(err::InvalidExpireTime(command));
      return;
    }
    when *= 1000;
  }
  const int64_t base = relative ? ctx.engine().NowMs() : 0;
  if (when > kInt64Max - base) {
    ctx.reply.Error(err::InvalidExpireTime(command));
    return;
  }
  when += base;

  // XX+GT is GT (GT already fails on a key without expiry); XX+LT is its own engine condition.
  engine::ExpireCondition condition = engine::ExpireCondition::kAlways;
  if (flags & kNx) condition = engine::ExpireCondition::kNX;
  if (flags & kXx) condition = engine::ExpireCondition::kXX;
  if (flags & kGt) condition = engine::ExpireCondition::kGT;
  if (flags & kLt) condition = (flags & kXx) ? engine::ExpireCondition::kXXLT : engine::ExpireCondition::kLT;
  const int64_t now = ctx.engine().NowMs();
  auto result = ctx.engine().ExpireAt(ctx.db(), ctx.argv[1], when, condition);
  if (result.ok()) {
    // A time already past deletes the key: Redis reports that as "del", before its reply; "expire" goes
    // after the reply.
    const bool deleted = *result && when <= now;
    if (deleted) NotifyKey(ctx, kNotifyGeneric, "del", ctx.argv[1]);
    ctx.reply.Integer(*result ? 1 : 0);
    if (*result && !deleted) NotifyKey(ctx, kNotifyGeneric, "expire", ctx.argv[1]);
  } else {
    ctx.reply.Error(err::FromStatus(result.status()));
  }
}

// EXPIRE key seconds [NX | XX | GT | LT]
void ExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, "expire", true, Unit::kSeconds); }

// PEXPIRE key milliseconds [NX | XX | GT | LT]
void PExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, "pexpire", true, Unit::kMilliseconds); }

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
void ExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, "expireat", false, Unit::kSeconds); }

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
void PExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, "pexpireat", false, Unit::kMilliseconds); }

// Replies -2 / -1 as they are, otherwise ms or seconds rounded to nearest (Redis (ttl+500)/1000, computed
// without overflow for times near INT64_MAX).
void ReplyTime(CommandContext& ctx, const engine::Result<int64_t>& result, Unit unit) {
  if (!result.ok()) {
    ctx.reply.Error(err::FromStatus(result.status()));
    return;
  }
  const int64_t value = *result;
  if (value < 0 || unit == Unit::kMilliseconds) {
    ctx.reply.Integer(value);
  } else {
    ctx.reply.Integer(static_cast<int64_t>((static_cast<uint64_t>(value) + 500) / 1000));
  }
}

// TTL key
void TtlCommand(CommandContext& ctx) { ReplyTime(ctx, ctx.engine().PTtl(ctx.db(), ctx.argv[1]), Unit::kSeconds); }

// PTTL key
void PTtlCommand(CommandContext& ctx) {
  ReplyTime(ctx, ctx.engine().PTtl(ctx.db(), ctx.argv[1]), Unit::kMilliseconds);
}

// EXPIRETIME key
void ExpireTimeCommand(CommandContext& ctx) {
  ReplyTime(ctx, ctx.engine().ExpireTimeMs(ctx.db(), ctx.argv[1]), Unit::kSeconds);
}

// PEXPIRETIME key
void PExpireTimeCommand(CommandContext& ctx) {
  ReplyTime(ctx, ctx.engine().ExpireTimeMs(ctx.db(), ctx.argv[1]), Unit::kMilliseconds);
}

// PERSIST key
void PersistCommand(CommandContext& ctx) {
  auto result = ctx.engine().Persist(ctx.db(), ctx.argv[1]);
  if (result.ok()) {
    if (*result) NotifyKey(ctx, kNotifyGeneric, "persist", ctx.argv[1]);
    ctx.reply.Integer(*result ? 1 : 0);
  } else {
    ctx.reply.Error(err::FromStatus(result.status()));
  }
}

}  // namespace

void RegisterExpireCommands(CommandTable& table) {
  table.Bind("expire", ExpireCommand);
  table.Bind("pexpire", PExpireCommand);
  table.Bind("expireat", ExpireAtCommand);
  table.Bind("pexpireat", PExpireAtCommand);
  table.Bind("ttl", TtlCommand);
  table.Bind("pttl", PTtlCommand);
  table.Bind("expiretime", ExpireTimeCommand);
  table.Bind("pexpiretime", PExpireTimeCommand);
  table.Bind("persist", PersistCommand);
}

}  // namespace redrock::server
