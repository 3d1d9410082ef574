// The consumer-group commands of the stream family: XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/
// DELCONSUMER/HELP, XACK, XPENDING, XCLAIM and XAUTOCLAIM. Argument order, checks and error texts follow
// Redis 7.0.15's t_stream.c; the semantics are in engine/stream.h.

#include <climits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/number_format.h"
#include "redrock/engine/stream.h"
#include "server/commands/command_helpers.h"
#include "server/commands/keyspace_events.h"
#include "server/commands/stream_commands.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/core/errors.h"

namespace redrock::server::stream_commands {

namespace {

using engine::StreamId;

constexpr std::string_view kKeyMustExist =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
    "MKSTREAM option to create an empty stream automatically.";

std::string NoSuchGroupForKey(std::string_view group, std::string_view key) {
  return "NOGROUP No such consumer group '" + std::string(group) + "' for key name '" + std::string(key) + "'";
}
std::string NoSuchKeyOrGroup(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) + "'";
}

// What XGROUP's subcommands share (xgroupCommand's prologue): options from argv[5] on, then the key and
// group checks. Returns false when it replied.
struct XGroupArgs {
  bool mkstream = false;
  int64_t entries_read = engine::kInvalidEntriesRead;
  bool key_exists = false;
  bool group_exists = false;
};

bool ParseXGroup(CommandContext& ctx, bool create, bool setid, bool needs_group, XGroupArgs* out) {
  for (size_t i = 5; i < ctx.argc();) {
    if (create && EqualsIgnoreCase(ctx.argv[i], "MKSTREAM")) {
      out->mkstream = true;
      ++i;
    } else if ((create || setid) && EqualsIgnoreCase(ctx.argv[i], "ENTRIESREAD") && i + 1 < ctx.argc()) {
      if (!common::ParseInt64(ctx.argv[i + 1], &out->entries_read)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (out->entries_read < 0 && out->entries_read != engine::kInvalidEntriesRead) {
        ctx.reply.Error("ERR value for ENTRIESREAD must be positive or -1");
        return false;
      }
      i += 2;
    } else {
      ReplySubcommandSyntaxError(ctx);
      return false;
    }
  }
  auto meta = engine::StreamGetMeta(ctx.engine(), ctx.db(), ctx.argv[2]);
  if (Failed(ctx, meta)) return false;
  out->key_exists = meta->has_value();
  if (!out->mkstream) {
    if (!out->key_exists) {
      ctx.reply.Error(kKeyMustExist);
      return false;
    }
    auto g = engine::XGroupExists(ctx.engine(), ctx.db(), ctx.argv[2], ctx.argv[3]);
    if (Failed(ctx, g)) return false;
    out->group_exists = *g;
    if (!*g && needs_group) {
      ctx.reply.Error(NoSuchGroupForKey(ctx.argv[3], ctx.argv[2]));
      return false;
    }
  }
  return true;
}

// The `$`-or-ID argument of CREATE (strict) and SETID (not strict).
bool ParseGroupStart(CommandContext& ctx, std::string_view arg, bool strict, engine::GroupStartId* out) {
  if (arg == "$") {
    out->last = true;
    return true;
  }
  return ParseId(ctx, arg, &out->id, 0, strict);
}

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
void XGroupCreateCommand(CommandContext& ctx) {
  XGroupArgs args;
  if (!ParseXGroup(ctx, true, false, false, &args)) return;
  if (ctx.argc() > 8) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  engine::GroupStartId start;
  if (!ParseGroupStart(ctx, ctx.argv[4], true, &start)) return;
  engine::Status st =
      engine::XGroupCreate(ctx.engine(), ctx.db(), ctx.argv[2], ctx.argv[3], start, args.mkstream, args.entries_read);
  if (st.code() == engine::Status::Code::kBusy) {
    ctx.reply.Error(engine::kBusyGroup);
    return;
  }
  if (st.IsNotFound()) {
    ctx.reply.Error(kKeyMustExist);
    return;
  }
  if (Failed(ctx, st)) return;
  ctx.reply.Ok();
  NotifyKey(ctx, kNotifyStream, "xgroup-create", ctx.argv[2]);
}

// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
void XGroupSetIdCommand(CommandContext& ctx) {
  XGroupArgs args;
  if (!ParseXGroup(ctx, false, true, true, &args)) return;
  if (ctx.argc() != 5 && ctx.argc() != 7) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  engine::GroupStartId start;
  if (!ParseGroupStart(ctx, ctx.argv[4], false, &start)) return;
  engine::Status st =
      engine::XGroupSetId(ctx.engine(), ctx.db(), ctx.argv[2], ctx.argv[3], start, args.entries_read);
  if (engine::IsNoGroup(st)) {
    ctx.reply.Error(NoSuchGroupForKey(ctx.argv[3], ctx.argv[2]));
    return;
  }
  if (Failed(ctx, st)) return;
  ctx.reply.Ok();
  NotifyKey(ctx, kNotifyStream, "xgroup-setid", ctx.argv[2]);
}

// XGROUP DESTROY key group
void XGroupDestroyCommand(CommandContext& ctx) {
  XGroupArgs args;
  if (!ParseXGroup(ctx, false, false, false, &args)) return;
  auto destroyed = engine::XGroupDestroy(ctx.engine(), ctx.db(), ctx.argv[2], ctx.argv[3]);
  if (Failed(ctx, destroyed)) return;
  if (!*destroyed) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.reply.Integer(1);
  NotifyKey(ctx, kNotifyStream, "xgroup-destroy", ctx.argv[2]);
  // XREADGROUP clients blocked on the group get -NOGROUP.
  SignalStream(ctx, ctx.argv[2]);
}

// XGROUP CREATECONSUMER key group consumer
void XGroupCreateConsumerCommand(CommandContext& ctx) {
  XGroupArgs args;
  if (!ParseXGroup(ctx, false, false, true, &args)) return;
  auto created = engine::XGroupCreateConsumer(ctx.engine(), ctx.db(), ctx.argv[2], ctx.argv[3], ctx.argv[4]);
  if (Failed(ctx, created)) return;
  if (*created) NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", ctx.argv[2]);  // before the reply
  ctx.reply.Integer(*created ? 1 : 0);
}

// XGROUP DELCONSUMER key group consumer
void XGroupDelConsumerCommand(CommandContext& ctx) {
  XGroupArgs args;
  if (!ParseXGroup(ctx, false, false, true, &args)) return;
  auto pending = engine::XGroupDelConsumer(ctx.engine(), ctx.db(), ctx.argv[2], ctx.argv[3], ctx.argv[4]);
  if (Failed(ctx, pending)) return;
  if (*pending >= 0) NotifyKey(ctx, kNotifyStream, "xgroup-delconsumer", ctx.argv[2]);  // before the reply
  ctx.reply.Integer(*pending < 0 ? 0 : *pending);
}

// XGROUP HELP
void XGroupHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

// XACK key group id [id ...]
void XAckCommand(CommandContext& ctx) {
  auto meta = engine::StreamGetMeta(ctx.engine(), ctx.db(), ctx.argv[1]);
  if (Failed(ctx, meta)) return;
  if (!meta->has_value()) {
    ctx.reply.Integer(0);
    return;
  }
  auto g = engine::XGroupExists(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2]);
  if (Failed(ctx, g)) return;
  if (!*g) {
    ctx.reply.Integer(0);
    return;
  }
  std::vector<StreamId> ids(ctx.argc() - 3);
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (!ParseId(ctx, ctx.argv[j], &ids[j - 3], 0, true)) return;
  }
  ReplyInteger(ctx, engine::XAck(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], ids));
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
void XPendingCommand(CommandContext& ctx) {
  const size_t argc = ctx.argc();
  const bool justinfo = argc == 3;
  if (argc != 3 && (argc < 6 || argc > 9)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  StreamId start, end;
  int64_t count = 0, minidle = 0;
  std::optional<std::string_view> consumer;
  if (argc >= 6) {
    size_t startidx = 3;
    if (EqualsIgnoreCase(ctx.argv[3], "IDLE")) {
      if (!common::ParseInt64(ctx.argv[4], &minidle)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (argc < 8) {
        ctx.reply.Error(err::kSyntax);
        return;
      }
      startidx += 2;
    }
    if (!common::ParseInt64(ctx.argv[startidx + 2], &count)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
    if (count < 0) count = 0;
    bool startex = false, endex = false;
    if (!ParseIntervalId(ctx, ctx.argv[startidx], &start, &startex, 0)) return;
    if (startex && !engine::StreamIdIncr(&start)) {
      ctx.reply.Error("ERR invalid start ID for the interval");
      return;
    }
    if (!ParseIntervalId(ctx, ctx.argv[startidx + 1], &end, &endex, UINT64_MAX)) return;
    if (endex && !engine::StreamIdDecr(&end)) {
      ctx.reply.Error("ERR invalid end ID for the interval");
      return;
    }
    if (startidx + 3 < argc) consumer = ctx.argv[startidx + 3];
  }
  auto fail = [&](const engine::Status& st) {
    if (st.IsNotFound() || engine::IsNoGroup(st)) {
      ctx.reply.Error(NoSuchKeyOrGroup(ctx.argv[1], ctx.argv[2]));
    } else {
      Failed(ctx, st);
    }
  };
  if (justinfo) {
    auto summary = engine::XPendingSummaryOf(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2]);
    if (!summary.ok()) return fail(summary.status());
    ctx.reply.ArrayHeader(4);
    ctx.reply.Integer(static_cast<int64_t>(summary->count));
    if (summary->count == 0) {
      ctx.reply.Null();
      ctx.reply.Null();
      ctx.reply.NullArray();
      return;
    }
    ReplyId(ctx, summary->min);
    ReplyId(ctx, summary->max);
    ctx.reply.ArrayHeader(summary->consumers.size());
    for (const auto& [name, n] : summary->consumers) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(name);
      ctx.reply.Bulk(std::to_string(n));
    }
    return;
  }
  auto entries = engine::XPendingRange(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], minidle, start, end,
                                       static_cast<uint64_t>(count), consumer);
  if (!entries.ok()) return fail(entries.status());
  const int64_t now = ctx.engine().NowMs();
  ctx.reply.ArrayHeader(entries->size());
  for (const engine::StreamPendingEntry& p : *entries) {
    ctx.reply.ArrayHeader(4);
    ReplyId(ctx, p.id);
    ctx.reply.Bulk(p.consumer);
    int64_t elapsed = now - p.delivery_time_ms;
    ctx.reply.Integer(elapsed < 0 ? 0 : elapsed);
    ctx.reply.Integer(static_cast<int64_t>(p.delivery_count));
  }
}

void ReplyClaimed(CommandContext& ctx, const std::vector<engine::StreamEntry>& claimed, bool justid) {
  ctx.reply.ArrayHeader(claimed.size());
  for (const engine::StreamEntry& e : claimed) {
    if (justid) {
      ReplyId(ctx, e.id);
    } else {
      ReplyEntry(ctx, e);
    }
  }
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
//   [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
void XClaimCommand(CommandContext& ctx) {
  auto meta = engine::StreamGetMeta(ctx.engine(), ctx.db(), ctx.argv[1]);
  if (Failed(ctx, meta)) return;
  bool group_ok = false;
  if (meta->has_value()) {
    auto g = engine::XGroupExists(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2]);
    if (Failed(ctx, g)) return;
    group_ok = *g;
  }
  if (!group_ok) {
    ctx.reply.Error(NoSuchKeyOrGroup(ctx.argv[1], ctx.argv[2]));
    return;
  }
  engine::XClaimArgs args;
  if (!common::ParseInt64(ctx.argv[4], &args.min_idle_ms)) {
    ctx.reply.Error("ERR Invalid min-idle-time argument for XCLAIM");
    return;
  }
  if (args.min_idle_ms < 0) args.min_idle_ms = 0;
  std::vector<StreamId> ids;
  size_t j = 5;
  for (; j < ctx.argc(); ++j) {
    StreamId id;
    if (!ParseIdQuiet(ctx.argv[j], &id, 0, true)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.engine().NowMs();
  for (; j < ctx.argc(); ++j) {
    const size_t moreargs = ctx.argc() - 1 - j;
    const std::string_view opt = ctx.argv[j];
    int64_t v = 0;
    if (EqualsIgnoreCase(opt, "FORCE")) {
      args.force = true;
    } else if (EqualsIgnoreCase(opt, "JUSTID")) {
      args.justid = true;
    } else if (EqualsIgnoreCase(opt, "IDLE") && moreargs) {
      ++j;
      if (!common::ParseInt64(ctx.argv[j], &v)) {
        ctx.reply.Error("ERR Invalid IDLE option argument for XCLAIM");
        return;
      }
      // Redis computes now - idle in C's wrapping long long arithmetic; a bogus result becomes `now`.
      args.delivery_time_ms = static_cast<int64_t>(static_cast<uint64_t>(now) - static_cast<uint64_t>(v));
    } else if (EqualsIgnoreCase(opt, "TIME") && moreargs) {
      ++j;
      if (!common::ParseInt64(ctx.argv[j], &v)) {
        ctx.reply.Error("ERR Invalid TIME option argument for XCLAIM");
        return;
      }
      args.delivery_time_ms = v;
    } else if (EqualsIgnoreCase(opt, "RETRYCOUNT") && moreargs) {
      ++j;
      if (!common::ParseInt64(ctx.argv[j], &v)) {
        ctx.reply.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM");
        return;
      }
      args.retry_count = v;
    } else if (EqualsIgnoreCase(opt, "LASTID") && moreargs) {
      ++j;
      StreamId last;
      if (!ParseId(ctx, ctx.argv[j], &last, 0, true)) return;
      args.last_id = last;
    } else {
      ctx.reply.Error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
      return;
    }
  }
  auto result = engine::XClaim(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], ctx.argv[3], ids, args);
  if (!result.ok() && (result.status().IsNotFound() || engine::IsNoGroup(result.status()))) {
    ctx.reply.Error(NoSuchKeyOrGroup(ctx.argv[1], ctx.argv[2]));
    return;
  }
  if (Failed(ctx, result)) return;
  ReplyClaimed(ctx, result->claimed, args.justid);
  if (result->consumer_created) NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", ctx.argv[1]);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void XAutoClaimCommand(CommandContext& ctx) {
  int64_t minidle = 0;
  if (!common::ParseInt64(ctx.argv[4], &minidle)) {
    ctx.reply.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
    return;
  }
  if (minidle < 0) minidle = 0;
  StreamId start;
  bool startex = false;
  if (!ParseIntervalId(ctx, ctx.argv[5], &start, &startex, 0)) return;
  if (startex && !engine::StreamIdIncr(&start)) {
    ctx.reply.Error("ERR invalid start ID for the interval");
    return;
  }
  int64_t count = 100;
  bool justid = false;
  constexpr int64_t kMaxCount = LONG_MAX / 16;  // LONG_MAX / max(sizeof(streamID), attempts factor 10)
  for (size_t j = 6; j < ctx.argc(); ++j) {
    const size_t moreargs = ctx.argc() - 1 - j;
    if (EqualsIgnoreCase(ctx.argv[j], "COUNT") && moreargs) {
      int64_t v = 0;
      if (!common::ParseInt64(ctx.argv[j + 1], &v) || v < 1 || v > kMaxCount) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return;
      }
      count = v;
      ++j;
    } else if (EqualsIgnoreCase(ctx.argv[j], "JUSTID")) {
      justid = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  auto result = engine::XAutoClaim(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], ctx.argv[3], minidle, start,
                                   static_cast<uint64_t>(count), justid);
  if (!result.ok() && (result.status().IsNotFound() || engine::IsNoGroup(result.status()))) {
    ctx.reply.Error(NoSuchKeyOrGroup(ctx.argv[1], ctx.argv[2]));
    return;
  }
  if (Failed(ctx, result)) return;
  ctx.reply.ArrayHeader(3);
  ReplyId(ctx, result->next);
  ReplyClaimed(ctx, result->claimed, justid);
  ctx.reply.ArrayHeader(result->deleted.size());
  for (StreamId id : result->deleted) ReplyId(ctx, id);
  if (result->consumer_created) NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", ctx.argv[1]);
}

}  // namespace

void RegisterGroupCommands(CommandTable& table) {
  table.Bind("xgroup|create", XGroupCreateCommand);
  table.Bind("xgroup|setid", XGroupSetIdCommand);
  table.Bind("xgroup|destroy", XGroupDestroyCommand);
  table.Bind("xgroup|createconsumer", XGroupCreateConsumerCommand);
  table.Bind("xgroup|delconsumer", XGroupDelConsumerCommand);
  table.Bind("xgroup|help", XGroupHelpCommand);
  table.Bind("xack", XAckCommand);
  table.Bind("xpending", XPendingCommand);
  table.Bind("xclaim", XClaimCommand);
  table.Bind("xautoclaim", XAutoClaimCommand);
}

}  // namespace redrock::server::stream_commands
