// The stream family: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XREAD, XREADGROUP (with BLOCK)
// and XINFO. Argument order, checks and error texts follow Redis 7.0.15's t_stream.c; the semantics are
// in engine/stream.h. The group commands (XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM) are in
// stream_group_commands.cc.

#include "server/commands/stream_commands.h"

#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii_case.h"
#include "common/number_format.h"
#include "redrock/engine/stream.h"
#include "redrock/server/config.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/keyspace_events.h"
#include "server/core/args.h"
#include "server/core/blocking.h"
#include "server/core/command_table.h"
#include "server/core/errors.h"
#include "server/core/server_state.h"
#include "server/scripting/scripting.h"

namespace redrock::server {

namespace stream_commands {

using engine::StreamId;

namespace {

// Redis's string2ull: string2ll, else strtoull over the whole (non-empty) text.
bool ParseU64(std::string_view s, uint64_t* out) {
  int64_t v = 0;
  if (common::ParseInt64(s, &v)) {
    if (v < 0) return false;
    *out = static_cast<uint64_t>(v);
    return true;
  }
  if (s.empty() || s.size() > 127) return false;
  std::string buf(s);
  if (buf.find('\0') != std::string::npos) return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v2 = std::strtoull(buf.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  *out = v2;
  return true;
}

}  // namespace

bool ParseIdQuietImpl(std::string_view arg, StreamId* id, uint64_t missing_seq, bool strict, bool* seq_given) {
  if (arg.size() > 127) return false;
  if (strict && (arg == "-" || arg == "+")) return false;
  if (seq_given) *seq_given = true;
  if (arg == "-") {
    *id = {};
    return true;
  }
  if (arg == "+") {
    *id = StreamId::Max();
    return true;
  }
  // Redis works on a C string: anything after a NUL is ignored.
  if (auto nul = arg.find('\0'); nul != std::string_view::npos) arg = arg.substr(0, nul);
  const size_t dash = arg.find('-');
  uint64_t ms = 0, seq = missing_seq;
  if (!ParseU64(arg.substr(0, dash), &ms)) return false;
  if (dash != std::string_view::npos) {
    const std::string_view rest = arg.substr(dash + 1);
    if (seq_given && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!ParseU64(rest, &seq)) {
      return false;
    }
  }
  *id = {ms, seq};
  return true;
}

bool ParseIdQuiet(std::string_view arg, StreamId* id, uint64_t missing_seq, bool strict) {
  return ParseIdQuietImpl(arg, id, missing_seq, strict, nullptr);
}

bool ParseId(CommandContext& ctx, std::string_view arg, StreamId* id, uint64_t missing_seq, bool strict,
             bool* seq_given) {
  if (ParseIdQuietImpl(arg, id, missing_seq, strict, seq_given)) return true;
  ctx.reply.Error(kInvalidId);
  return false;
}

bool ParseIntervalId(CommandContext& ctx, std::string_view arg, StreamId* id, bool* exclude, uint64_t missing_seq) {
  *exclude = arg.size() > 1 && arg[0] == '(';
  if (*exclude) return ParseId(ctx, arg.substr(1), id, missing_seq, true);
  return ParseId(ctx, arg, id, missing_seq, false);
}

void ReplyId(CommandContext& ctx, StreamId id) { ctx.reply.Bulk(id.ToString()); }

void ReplyEntry(CommandContext& ctx, const engine::StreamEntry& e) {
  ctx.reply.ArrayHeader(2);
  ReplyId(ctx, e.id);
  if (e.deleted) {
    ctx.reply.NullArray();
    return;
  }
  ctx.reply.ArrayHeader(e.fields.size() * 2);
  for (const engine::StreamFieldValue& fv : e.fields) {
    ctx.reply.Bulk(fv.field);
    ctx.reply.Bulk(fv.value);
  }
}

void ReplyEntries(CommandContext& ctx, const std::vector<engine::StreamEntry>& entries) {
  ctx.reply.ArrayHeader(entries.size());
  for (const engine::StreamEntry& e : entries) ReplyEntry(ctx, e);
}

void ReplySubcommandSyntaxError(CommandContext& ctx) {
  std::string cmd(ctx.argv[0]);
  for (char& c : cmd) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  std::string sub(ctx.argv[1].substr(0, 128));
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try " + cmd + " HELP.");
}

bool FromScript(const CommandContext& ctx) {
  return ctx.server.scripting && &ctx.client == &ctx.server.scripting->script_client();
}

void SignalStream(CommandContext& ctx, std::string_view key) { ctx.server.blocking.Signal(ctx.db(), key); }

namespace {

constexpr std::string_view kMaxLenNegative = "ERR The MAXLEN argument must be >= 0.";
constexpr std::string_view kLimitNegativeErr = "ERR The LIMIT argument must be >= 0.";
constexpr std::string_view kMaxLenMinId =
    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
constexpr std::string_view kLimitNoStrategy =
    "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
constexpr std::string_view kXTrimNoStrategy = "ERR syntax error, XTRIM must be called with a trimming strategy";
constexpr std::string_view kLimitNoApprox = "ERR syntax error, LIMIT cannot be used without the special ~ option";
constexpr uint64_t kBlockedDefaultCount = 1000;

int64_t ConfigInt(CommandContext& ctx, std::string_view name, int64_t fallback) {
  if (std::optional<std::string> v = ctx.server.config.Get(name)) {
    int64_t n = 0;
    if (common::ParseInt64(*v, &n)) return n;
  }
  return fallback;
}

engine::StreamNodeLimits NodeLimits(CommandContext& ctx) {
  engine::StreamNodeLimits limits;
  limits.max_entries = ConfigInt(ctx, "stream-node-max-entries", 100);
  limits.max_bytes = ConfigInt(ctx, "stream-node-max-bytes", 4096);
  return limits;
}

bool ReplyIntegerError(CommandContext& ctx) {
  ctx.reply.Error(err::kNotInteger);
  return false;
}

// streamParseAddOrTrimArgsOrReply. For XADD returns the index of the ID argument (args filled);
// 0 on error (replied).
size_t ParseAddOrTrim(CommandContext& ctx, bool xadd, engine::XAddArgs* args) {
  using Strategy = engine::StreamTrim::Strategy;
  engine::StreamTrim& trim = args->trim;
  bool limit_given = false;
  size_t i = 2;
  const size_t argc = ctx.argc();
  // MAXLEN/MINID's common start: only one of them, then an optional `~` or `=` before the threshold.
  auto start_trim = [&](size_t moreargs) {
    if (trim.strategy != Strategy::kNone) {
      ctx.reply.Error(kMaxLenMinId);
      return false;
    }
    trim.approx = false;
    const std::string_view next = ctx.argv[i + 1];
    if (moreargs >= 2 && (next == "~" || next == "=")) {
      trim.approx = next == "~";
      ++i;
    }
    return true;
  };
  for (; i < argc; ++i) {
    const size_t moreargs = argc - 1 - i;
    const std::string_view opt = ctx.argv[i];
    if (xadd && opt == "*") break;
    if (EqualsIgnoreCase(opt, "maxlen") && moreargs) {
      if (!start_trim(moreargs)) return 0;
      int64_t maxlen = 0;
      if (!common::ParseInt64(ctx.argv[i + 1], &maxlen)) return ReplyIntegerError(ctx), 0;
      if (maxlen < 0) {
        ctx.reply.Error(kMaxLenNegative);
        return 0;
      }
      trim.maxlen = static_cast<uint64_t>(maxlen);
      ++i;
      trim.strategy = Strategy::kMaxLen;
    } else if (EqualsIgnoreCase(opt, "minid") && moreargs) {
      if (!start_trim(moreargs)) return 0;
      if (!ParseId(ctx, ctx.argv[i + 1], &trim.minid, 0, true)) return 0;
      ++i;
      trim.strategy = Strategy::kMinId;
    } else if (EqualsIgnoreCase(opt, "limit") && moreargs) {
      int64_t limit = 0;
      if (!common::ParseInt64(ctx.argv[i + 1], &limit)) return ReplyIntegerError(ctx), 0;
      if (limit < 0) {
        ctx.reply.Error(kLimitNegativeErr);
        return 0;
      }
      trim.limit = limit;
      limit_given = true;
      ++i;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      args->no_mkstream = true;
    } else if (xadd) {
      if (!ParseId(ctx, opt, &args->id, 0, true, &args->seq_given)) return 0;
      args->id_given = true;
      break;
    } else {
      ctx.reply.Error(err::kSyntax);
      return 0;
    }
  }
  if (trim.limit && trim.strategy == Strategy::kNone) {
    ctx.reply.Error(kLimitNoStrategy);
    return 0;
  }
  if (!xadd && trim.strategy == Strategy::kNone) {
    ctx.reply.Error(kXTrimNoStrategy);
    return 0;
  }
  if (limit_given) {
    if (!trim.approx) {
      ctx.reply.Error(kLimitNoApprox);
      return 0;
    }
  } else if (trim.approx) {
    int64_t limit = 100 * NodeLimits(ctx).max_entries;
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
    trim.limit = limit;
  } else {
    trim.limit = 0;
  }
  args->nodes = NodeLimits(ctx);
  return i;
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
void XAddCommand(CommandContext& ctx) {
  engine::XAddArgs args;
  const size_t idpos = ParseAddOrTrim(ctx, true, &args);
  if (idpos == 0) return;
  const size_t field_pos = idpos + 1;
  if (ctx.argc() < field_pos + 2 || (ctx.argc() - field_pos) % 2 == 1) {
    ctx.reply.Error(err::WrongArity("xadd"));
    return;
  }
  if (args.id_given && args.seq_given && args.id.IsZero()) {
    ctx.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  auto result = engine::XAdd(ctx.engine(), ctx.db(), ctx.argv[1], args, ctx.argv.subspan(field_pos));
  if (Failed(ctx, result)) return;
  if (!result->added) {
    ctx.reply.Null();
    return;
  }
  ReplyId(ctx, result->id);
  NotifyKey(ctx, kNotifyStream, "xadd", ctx.argv[1]);
  if (result->trimmed) NotifyKey(ctx, kNotifyStream, "xtrim", ctx.argv[1]);
  SignalStream(ctx, ctx.argv[1]);
}

void XRangeGeneric(CommandContext& ctx, bool rev) {
  const std::string_view start_arg = rev ? ctx.argv[3] : ctx.argv[2];
  const std::string_view end_arg = rev ? ctx.argv[2] : ctx.argv[3];
  StreamId start, end;
  bool startex = false, endex = false;
  if (!ParseIntervalId(ctx, start_arg, &start, &startex, 0)) return;
  if (startex && !engine::StreamIdIncr(&start)) {
    ctx.reply.Error("ERR invalid start ID for the interval");
    return;
  }
  if (!ParseIntervalId(ctx, end_arg, &end, &endex, UINT64_MAX)) return;
  if (endex && !engine::StreamIdDecr(&end)) {
    ctx.reply.Error("ERR invalid end ID for the interval");
    return;
  }
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.argv[j], "COUNT") && j + 1 < ctx.argc()) {
      if (!common::ParseInt64(ctx.argv[j + 1], &count)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (count < 0) count = 0;
      ++j;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  auto meta = engine::StreamGetMeta(ctx.engine(), ctx.db(), ctx.argv[1]);
  if (Failed(ctx, meta)) return;
  if (!meta->has_value()) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (count == 0) {
    ctx.reply.NullArray();
    return;
  }
  auto entries = engine::XRange(ctx.engine(), ctx.db(), ctx.argv[1], start, end,
                                count == -1 ? 0 : static_cast<uint64_t>(count), rev);
  if (Failed(ctx, entries)) return;
  ReplyEntries(ctx, *entries);
}

// XRANGE key start end [COUNT count]
void XRangeCommand(CommandContext& ctx) { XRangeGeneric(ctx, false); }
// XREVRANGE key end start [COUNT count]
void XRevRangeCommand(CommandContext& ctx) { XRangeGeneric(ctx, true); }

// XLEN key
void XLenCommand(CommandContext& ctx) { ReplyInteger(ctx, engine::XLen(ctx.engine(), ctx.db(), ctx.argv[1])); }

// XDEL key id [id ...]
void XDelCommand(CommandContext& ctx) {
  // Redis looks the key up (and checks its type) before it parses the IDs.
  auto meta = engine::StreamGetMeta(ctx.engine(), ctx.db(), ctx.argv[1]);
  if (Failed(ctx, meta)) return;
  if (!meta->has_value()) {
    ctx.reply.Integer(0);
    return;
  }
  std::vector<StreamId> ids(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (!ParseId(ctx, ctx.argv[j], &ids[j - 2], 0, true)) return;
  }
  auto deleted = engine::XDel(ctx.engine(), ctx.db(), ctx.argv[1], ids);
  if (Failed(ctx, deleted)) return;
  if (*deleted) NotifyKey(ctx, kNotifyStream, "xdel", ctx.argv[1]);
  ctx.reply.Integer(*deleted);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void XTrimCommand(CommandContext& ctx) {
  engine::XAddArgs args;
  if (ParseAddOrTrim(ctx, false, &args) == 0) return;
  auto trimmed = engine::XTrim(ctx.engine(), ctx.db(), ctx.argv[1], args.trim);
  if (Failed(ctx, trimmed)) return;
  if (*trimmed) NotifyKey(ctx, kNotifyStream, "xtrim", ctx.argv[1]);
  ctx.reply.Integer(*trimmed);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
void XSetIdCommand(CommandContext& ctx) {
  StreamId id;
  if (!ParseId(ctx, ctx.argv[2], &id, 0, true)) return;
  std::optional<int64_t> entries_added;
  std::optional<StreamId> max_deleted;
  for (size_t i = 3; i < ctx.argc();) {
    const size_t moreargs = ctx.argc() - 1 - i;
    if (EqualsIgnoreCase(ctx.argv[i], "ENTRIESADDED") && moreargs) {
      int64_t n = 0;
      if (!common::ParseInt64(ctx.argv[i + 1], &n)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (n < 0) {
        ctx.reply.Error("ERR entries_added must be positive");
        return;
      }
      entries_added = n;
      i += 2;
    } else if (EqualsIgnoreCase(ctx.argv[i], "MAXDELETEDID") && moreargs) {
      StreamId md;
      if (!ParseId(ctx, ctx.argv[i + 1], &md, 0, true)) return;
      if (id < md) {
        ctx.reply.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
      max_deleted = md;
      i += 2;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  engine::Status st = engine::XSetId(ctx.engine(), ctx.db(), ctx.argv[1], id, entries_added, max_deleted);
  if (st.IsNotFound()) {
    ctx.reply.Error(err::kNoSuchKey);
    return;
  }
  if (Failed(ctx, st)) return;
  ctx.reply.Ok();
  NotifyKey(ctx, kNotifyStream, "xsetid", ctx.argv[1]);
}

// ---- XREAD / XREADGROUP ------------------------------------------------------------------------------

void ReplyStreamsHeader(CommandContext& ctx, size_t n) {
  if (ctx.client.resp == 2) {
    ctx.reply.ArrayHeader(n);
  } else {
    ctx.reply.MapHeader(n);
  }
}

void ReplyOneStream(CommandContext& ctx, std::string_view key, const std::vector<engine::StreamEntry>& entries) {
  if (ctx.client.resp == 2) ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(key);
  ReplyEntries(ctx, entries);
}

std::string NoGroupForRead(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "' in XREADGROUP with GROUP option";
}

// A blocked XREAD: for each key the ID it waits to see exceeded.
class XReadOp final : public BlockedOp {
 public:
  XReadOp(std::map<std::string, StreamId, std::less<>> gt, uint64_t count) : gt_(std::move(gt)), count_(count) {}
  engine::KeyType type() const override { return engine::KeyType::kStream; }
  bool serve_all() const override { return true; }
  bool Serve(CommandContext& ctx, std::string_view key) const override {
    auto it = gt_.find(key);
    if (it == gt_.end()) return false;
    auto meta = engine::StreamGetMeta(ctx.engine(), ctx.db(), key);
    if (!meta.ok()) return ServeFailure(ctx, meta.status());
    if (!meta->has_value() || (*meta)->last_id <= it->second) return false;
    StreamId start = it->second;
    engine::StreamIdIncr(&start);
    auto entries = engine::XRange(ctx.engine(), ctx.db(), key, start, StreamId::Max(), count_, false);
    if (!entries.ok()) return ServeFailure(ctx, entries.status());
    ReplyStreamsHeader(ctx, 1);
    ReplyOneStream(ctx, key, *entries);
    return true;
  }

 private:
  std::map<std::string, StreamId, std::less<>> gt_;
  uint64_t count_;
};

// The error a blocked XREADGROUP is answered with, counted as Redis's updateStatsOnUnblock counts it: an
// error reply and a failed call of the command (its call was counted when it blocked).
void ReplyBlockedError(CommandContext& ctx, std::string_view error) {
  ctx.reply.Error(error);
  CountErrorReply(ctx.server, error);
  if (const CommandSpec* spec = ctx.table.Find("xreadgroup"); spec != nullptr && spec->stats != nullptr) {
    spec->stats->failed_calls.fetch_add(1, std::memory_order_relaxed);
  }
}

// A blocked XREADGROUP ... >: served with what arrives past the group's last-delivered ID.
class XReadGroupOp final : public BlockedOp {
 public:
  XReadGroupOp(std::string group, std::string consumer, uint64_t count, bool noack)
      : group_(std::move(group)), consumer_(std::move(consumer)), count_(count), noack_(noack) {}
  engine::KeyType type() const override { return engine::KeyType::kStream; }
  bool serve_all() const override { return true; }
  bool Serve(CommandContext& ctx, std::string_view key) const override {
    auto result = engine::XReadGroup(ctx.engine(), ctx.db(), key, group_, consumer_, true, {}, count_, noack_);
    if (!result.ok()) {
      if (engine::IsNoGroup(result.status())) {
        ReplyBlockedError(ctx, "NOGROUP the consumer group this client was blocked on no longer exists");
        return true;
      }
      if (result.status().IsNotFound()) return ServeGone(ctx);
      return ServeFailure(ctx, result.status());
    }
    if (!result->served) return false;
    if (result->consumer_created) NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", key);
    ReplyStreamsHeader(ctx, 1);
    ReplyOneStream(ctx, key, result->entries);
    return true;
  }
  bool ServeGone(CommandContext& ctx) const override {
    ReplyBlockedError(ctx, "UNBLOCKED the stream key no longer exists");
    return true;
  }

 private:
  std::string group_, consumer_;
  uint64_t count_;
  bool noack_;
};

void XReadGeneric(CommandContext& ctx, bool group_form) {
  int64_t timeout_ms = -1;
  int64_t count = 0;
  size_t streams_arg = 0, streams_count = 0;
  bool noack = false;
  std::optional<std::string_view> group, consumer;
  const size_t argc = ctx.argc();
  const std::string_view name = group_form ? "XREADGROUP" : "XREAD";
  for (size_t i = 1; i < argc; ++i) {
    const size_t moreargs = argc - i - 1;
    const std::string_view o = ctx.argv[i];
    if (EqualsIgnoreCase(o, "BLOCK") && moreargs) {
      if (FromScript(ctx)) {
        ctx.reply.Error("ERR " + std::string(ctx.argv[0]) + " command is not allowed with BLOCK option from scripts");
        return;
      }
      ++i;
      int64_t t = 0;
      if (!common::ParseInt64(ctx.argv[i], &t)) {
        ctx.reply.Error("ERR timeout is not an integer or out of range");
        return;
      }
      if (t < 0) {
        ctx.reply.Error("ERR timeout is negative");
        return;
      }
      timeout_ms = t;
    } else if (EqualsIgnoreCase(o, "COUNT") && moreargs) {
      ++i;
      if (!common::ParseInt64(ctx.argv[i], &count)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (count < 0) count = 0;
    } else if (EqualsIgnoreCase(o, "STREAMS") && moreargs) {
      streams_arg = i + 1;
      streams_count = argc - streams_arg;
      if (streams_count % 2 != 0) {
        ctx.reply.Error(
            "ERR Unbalanced " + std::string(group_form ? "XREADGROUP" : "XREAD") +
            " list of streams: for each stream key an ID or '$' must be specified.");
        return;
      }
      streams_count /= 2;
      break;
    } else if (EqualsIgnoreCase(o, "GROUP") && moreargs >= 2) {
      if (!group_form) {
        ctx.reply.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return;
      }
      group = ctx.argv[i + 1];
      consumer = ctx.argv[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(o, "NOACK")) {
      if (!group_form) {
        ctx.reply.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return;
      }
      noack = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  (void)name;
  if (streams_arg == 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (group_form && !group) {
    ctx.reply.Error("ERR Missing GROUP option for XREADGROUP");
    return;
  }
  const auto keys = ctx.argv.subspan(streams_arg, streams_count);
  std::vector<StreamId> ids(streams_count);
  std::vector<bool> newer(streams_count, false);
  std::vector<std::optional<engine::StreamMeta>> metas(streams_count);
  for (size_t k = 0; k < streams_count; ++k) {
    const std::string_view id_arg = ctx.argv[streams_arg + streams_count + k];
    auto meta = engine::StreamGetMeta(ctx.engine(), ctx.db(), keys[k]);
    if (Failed(ctx, meta)) return;
    metas[k] = *meta;
    if (group) {
      bool exists = false;
      if (meta->has_value()) {
        auto g = engine::XGroupExists(ctx.engine(), ctx.db(), keys[k], *group);
        if (Failed(ctx, g)) return;
        exists = *g;
      }
      if (!exists) {
        ctx.reply.Error(NoGroupForRead(keys[k], *group));
        return;
      }
    }
    if (id_arg == "$") {
      if (group_form) {
        ctx.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this "
            "consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return "
            "an empty result set.");
        return;
      }
      ids[k] = meta->has_value() ? (*meta)->last_id : StreamId{};
      continue;
    }
    if (id_arg == ">") {
      if (!group_form) {
        ctx.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> "
            "option.");
        return;
      }
      newer[k] = true;
      continue;
    }
    if (!ParseId(ctx, id_arg, &ids[k], 0, true)) return;
  }

  // With BLOCK, the attempt covers the look at the keys (a write on another thread is then either seen
  // here or readies the keys once this client has blocked).
  std::optional<BlockingAttempt> attempt;
  if (timeout_ms != -1) attempt.emplace(ctx);
  // Serve synchronously what can be served (into a scratch buffer: the count comes first).
  std::string body;
  size_t served = 0;
  {
    std::string* saved = ctx.reply.buffer();
    ctx.reply.set_buffer(&body);
    for (size_t k = 0; k < streams_count; ++k) {
      if (group) {
        StreamId start = ids[k];
        if (!newer[k]) engine::StreamIdIncr(&start);
        auto result = engine::XReadGroup(ctx.engine(), ctx.db(), keys[k], *group, *consumer, newer[k], start,
                                         static_cast<uint64_t>(count), noack);
        if (!result.ok() && (result.status().IsNotFound() || engine::IsNoGroup(result.status()))) continue;
        if (!result.ok()) {
          ctx.reply.set_buffer(saved);
          Failed(ctx, result.status());
          return;
        }
        if (!result->served) continue;
        ++served;
        ReplyOneStream(ctx, keys[k], result->entries);
        if (result->consumer_created) NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", keys[k]);
        continue;
      }
      auto last = engine::XRange(ctx.engine(), ctx.db(), keys[k], StreamId{}, StreamId::Max(), 1, true);
      if (!last.ok()) {
        ctx.reply.set_buffer(saved);
        Failed(ctx, last.status());
        return;
      }
      if (last->empty() || last->front().id <= ids[k]) continue;
      StreamId start = ids[k];
      engine::StreamIdIncr(&start);
      auto entries = engine::XRange(ctx.engine(), ctx.db(), keys[k], start, StreamId::Max(),
                                    static_cast<uint64_t>(count), false);
      if (!entries.ok()) {
        ctx.reply.set_buffer(saved);
        Failed(ctx, entries.status());
        return;
      }
      ++served;
      ReplyOneStream(ctx, keys[k], *entries);
    }
    ctx.reply.set_buffer(saved);
  }
  if (served) {
    ReplyStreamsHeader(ctx, served);
    ctx.reply.buffer()->append(body);
    return;
  }
  if (timeout_ms == -1) {
    ctx.reply.NullArray();
    return;
  }
  std::unique_ptr<BlockedOp> op;
  const uint64_t block_count = count ? static_cast<uint64_t>(count) : kBlockedDefaultCount;
  if (group) {
    op = std::make_unique<XReadGroupOp>(std::string(*group), std::string(*consumer), block_count, noack);
  } else {
    std::map<std::string, StreamId, std::less<>> gt;
    for (size_t k = 0; k < streams_count; ++k) gt.emplace(std::string(keys[k]), ids[k]);
    op = std::make_unique<XReadOp>(std::move(gt), block_count);
  }
  BlockOrTimeOut(ctx, *attempt, keys, timeout_ms, std::move(op), ImmediateReply::kNullArray);
}

// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
void XReadCommand(CommandContext& ctx) { XReadGeneric(ctx, false); }
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
void XReadGroupCommand(CommandContext& ctx) { XReadGeneric(ctx, true); }

// ---- XINFO ---------------------------------------------------------------------------------------------

void ReplyGroupLag(CommandContext& ctx, const std::optional<int64_t>& lag) {
  if (lag) {
    ctx.reply.Integer(*lag);
  } else {
    ctx.reply.Null();
  }
}

void ReplyEntriesRead(CommandContext& ctx, int64_t entries_read) {
  if (entries_read != engine::kInvalidEntriesRead) {
    ctx.reply.Integer(entries_read);
  } else {
    ctx.reply.Null();
  }
}

// XINFO STREAM key [FULL [COUNT count]]
void XInfoStreamCommand(CommandContext& ctx) {
  bool full = false;
  int64_t count = 10;
  const size_t optc = ctx.argc() - 3;
  if (optc != 0) {
    if ((optc != 1 && optc != 3) || !EqualsIgnoreCase(ctx.argv[3], "full")) {
      ReplySubcommandSyntaxError(ctx);
      return;
    }
    full = true;
    if (optc == 3) {
      if (!EqualsIgnoreCase(ctx.argv[4], "count")) {
        ReplySubcommandSyntaxError(ctx);
        return;
      }
      if (!common::ParseInt64(ctx.argv[5], &count)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (count < 0) count = 10;
    }
  }
  auto info = engine::XInfoStream(ctx.engine(), ctx.db(), ctx.argv[2], full, static_cast<uint64_t>(count));
  if (!info.ok() && info.status().IsNotFound()) {
    ctx.reply.Error(err::kNoSuchKey);
    return;
  }
  if (Failed(ctx, info)) return;
  const engine::StreamMeta& m = info->meta;
  ctx.reply.MapHeader(full ? 9 : 10);
  ctx.reply.Bulk("length");
  ctx.reply.Integer(static_cast<int64_t>(m.length));
  ctx.reply.Bulk("radix-tree-keys");
  ctx.reply.Integer(static_cast<int64_t>(info->nodes));
  ctx.reply.Bulk("radix-tree-nodes");
  ctx.reply.Integer(static_cast<int64_t>(info->rax_nodes));
  ctx.reply.Bulk("last-generated-id");
  ReplyId(ctx, m.last_id);
  ctx.reply.Bulk("max-deleted-entry-id");
  ReplyId(ctx, m.max_deleted_id);
  ctx.reply.Bulk("entries-added");
  ctx.reply.Integer(static_cast<int64_t>(m.entries_added));
  ctx.reply.Bulk("recorded-first-entry-id");
  ReplyId(ctx, m.first_id);
  if (!full) {
    ctx.reply.Bulk("groups");
    ctx.reply.Integer(static_cast<int64_t>(m.groups));
    ctx.reply.Bulk("first-entry");
    if (info->first) {
      ReplyEntry(ctx, *info->first);
    } else {
      ctx.reply.Null();
    }
    ctx.reply.Bulk("last-entry");
    if (info->last) {
      ReplyEntry(ctx, *info->last);
    } else {
      ctx.reply.Null();
    }
    return;
  }
  ctx.reply.Bulk("entries");
  ReplyEntries(ctx, info->entries);
  ctx.reply.Bulk("groups");
  ctx.reply.ArrayHeader(info->groups.size());
  for (const engine::StreamInfo::Group& g : info->groups) {
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(g.info.name);
    ctx.reply.Bulk("last-delivered-id");
    ReplyId(ctx, g.info.last_id);
    ctx.reply.Bulk("entries-read");
    ReplyEntriesRead(ctx, g.info.entries_read);
    ctx.reply.Bulk("lag");
    ReplyGroupLag(ctx, g.info.lag);
    ctx.reply.Bulk("pel-count");
    ctx.reply.Integer(static_cast<int64_t>(g.info.pel_count));
    ctx.reply.Bulk("pending");
    ctx.reply.ArrayHeader(g.pel.size());
    for (const engine::StreamPendingEntry& p : g.pel) {
      ctx.reply.ArrayHeader(4);
      ReplyId(ctx, p.id);
      ctx.reply.Bulk(p.consumer);
      ctx.reply.Integer(p.delivery_time_ms);
      ctx.reply.Integer(static_cast<int64_t>(p.delivery_count));
    }
    ctx.reply.Bulk("consumers");
    ctx.reply.ArrayHeader(g.consumers.size());
    for (const engine::StreamInfo::Consumer& c : g.consumers) {
      ctx.reply.MapHeader(4);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(c.info.name);
      ctx.reply.Bulk("seen-time");
      ctx.reply.Integer(c.info.seen_time_ms);
      ctx.reply.Bulk("pel-count");
      ctx.reply.Integer(static_cast<int64_t>(c.info.pending));
      ctx.reply.Bulk("pending");
      ctx.reply.ArrayHeader(c.pel.size());
      for (const engine::StreamPendingEntry& p : c.pel) {
        ctx.reply.ArrayHeader(3);
        ReplyId(ctx, p.id);
        ctx.reply.Integer(p.delivery_time_ms);
        ctx.reply.Integer(static_cast<int64_t>(p.delivery_count));
      }
    }
  }
}

// XINFO GROUPS key
void XInfoGroupsCommand(CommandContext& ctx) {
  auto groups = engine::XInfoGroups(ctx.engine(), ctx.db(), ctx.argv[2]);
  if (!groups.ok() && groups.status().IsNotFound()) {
    ctx.reply.Error(err::kNoSuchKey);
    return;
  }
  if (Failed(ctx, groups)) return;
  ctx.reply.ArrayHeader(groups->size());
  for (const engine::StreamGroupInfo& g : *groups) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(g.name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer(static_cast<int64_t>(g.consumers));
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(g.pel_count));
    ctx.reply.Bulk("last-delivered-id");
    ReplyId(ctx, g.last_id);
    ctx.reply.Bulk("entries-read");
    ReplyEntriesRead(ctx, g.entries_read);
    ctx.reply.Bulk("lag");
    ReplyGroupLag(ctx, g.lag);
  }
}

// XINFO CONSUMERS key group
void XInfoConsumersCommand(CommandContext& ctx) {
  auto consumers = engine::XInfoConsumers(ctx.engine(), ctx.db(), ctx.argv[2], ctx.argv[3]);
  if (!consumers.ok()) {
    if (consumers.status().IsNotFound()) {
      ctx.reply.Error(err::kNoSuchKey);
      return;
    }
    if (engine::IsNoGroup(consumers.status())) {
      ctx.reply.Error("NOGROUP No such consumer group '" + std::string(ctx.argv[3]) + "' for key name '" +
                      std::string(ctx.argv[2]) + "'");
      return;
    }
  }
  if (Failed(ctx, consumers)) return;
  const int64_t now = ctx.engine().NowMs();
  ctx.reply.ArrayHeader(consumers->size());
  for (const engine::StreamConsumerInfo& c : *consumers) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(c.name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(c.pending));
    ctx.reply.Bulk("idle");
    int64_t idle = now - c.seen_time_ms;
    ctx.reply.Integer(idle < 0 ? 0 : idle);
  }
}

// XINFO HELP
void XInfoHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

}  // namespace
}  // namespace stream_commands

void RegisterStreamCommands(CommandTable& table) {
  using namespace stream_commands;
  table.Bind("xadd", XAddCommand);
  table.Bind("xrange", XRangeCommand);
  table.Bind("xrevrange", XRevRangeCommand);
  table.Bind("xlen", XLenCommand);
  table.Bind("xdel", XDelCommand);
  table.Bind("xtrim", XTrimCommand);
  table.Bind("xsetid", XSetIdCommand);
  table.Bind("xread", XReadCommand);
  table.Bind("xreadgroup", XReadGroupCommand);
  table.Bind("xinfo|stream", XInfoStreamCommand);
  table.Bind("xinfo|groups", XInfoGroupsCommand);
  table.Bind("xinfo|consumers", XInfoConsumersCommand);
  table.Bind("xinfo|help", XInfoHelpCommand);
  RegisterGroupCommands(table);
}

}  // namespace redrock::server
