// The string family: GET, SET and its variants, GETEX/GETDEL/GETSET, MGET/MSET/MSETNX, the INCR family,
// APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE and LCS. Validation order and error texts follow Redis 7.0's
// t_string.c: SET, SETNX, SETEX and PSETEX share one generic path, as there.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/engine.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/keyspace_events.h"
#include "redrock/server/config.h"
#include "server/core/errors.h"
#include "server/events/key_event_sink.h"

namespace redrock::server {

namespace {

// Redis's decrbyCommand rejects LLONG_MIN before anything else (negating it would overflow). Not in
// errors.h: only DECRBY sends it.
constexpr std::string_view kDecrementOverflow = "ERR decrement would overflow";

// ---- Extended SET / GETEX arguments (Redis parseExtendedStringArgumentsOrReply) -------------------

enum ExtFlag : uint32_t {
  kFlagNx = 1u << 0,
  kFlagXx = 1u << 1,
  kFlagGet = 1u << 2,
  kFlagKeepTtl = 1u << 3,
  kFlagPersist = 1u << 4,
  kFlagEx = 1u << 5,
  kFlagPx = 1u << 6,
  kFlagExAt = 1u << 7,
  kFlagPxAt = 1u << 8,
};
constexpr uint32_t kExpireFlags = kFlagEx | kFlagPx | kFlagExAt | kFlagPxAt;

enum class ExtMode { kSet, kGetEx };

struct ExtArgs {
  uint32_t flags = 0;
  std::optional<std::string_view> expire;  // the EX/PX/EXAT/PXAT argument, unparsed
};

struct ExtOption {
  std::string_view name;
  uint32_t flag;
  uint32_t conflicts;  // flags already seen that make this option a syntax error
  bool for_set;        // accepted by SET
  bool for_getex;      // accepted by GETEX
  bool takes_value;    // consumes the next argument (an error if there is none)
};

constexpr uint32_t ExpireConflicts(uint32_t self) { return kFlagKeepTtl | kFlagPersist | (kExpireFlags & ~self); }

constexpr ExtOption kExtOptions[] = {
    {"nx", kFlagNx, kFlagXx, true, false, false},
    {"xx", kFlagXx, kFlagNx, true, false, false},
    {"get", kFlagGet, 0, true, false, false},
    {"keepttl", kFlagKeepTtl, kFlagPersist | kExpireFlags, true, false, false},
    {"persist", kFlagPersist, kFlagKeepTtl | kExpireFlags, false, true, false},
    {"ex", kFlagEx, ExpireConflicts(kFlagEx), true, true, true},
    {"px", kFlagPx, ExpireConflicts(kFlagPx), true, true, true},
    {"exat", kFlagExAt, ExpireConflicts(kFlagExAt), true, true, true},
    {"pxat", kFlagPxAt, ExpireConflicts(kFlagPxAt), true, true, true},
};

// Parses options from argv[start] on. Like Redis, an option is accepted only when it does not conflict
// with one already seen; repeating one (EX 1 EX 2, NX NX) is allowed and the last value wins.
// Writes "ERR syntax error" and returns false on anything else.
bool ParseExtArgs(CommandContext& ctx, size_t start, ExtMode mode, ExtArgs* out) {
  ArgReader args(ctx.argv, start);
  while (!args.Done()) {
    const std::string_view opt = args.Take();
    const ExtOption* match = nullptr;
    for (const ExtOption& candidate : kExtOptions) {
      if (EqualsIgnoreCase(opt, candidate.name)) {
        match = &candidate;
        break;
      }
    }
    const bool ok = match != nullptr && (mode == ExtMode::kSet ? match->for_set : match->for_getex) &&
                    !(out->flags & match->conflicts) && (!match->takes_value || !args.Done());
    if (!ok) {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    out->flags |= match->flag;
    if (match->takes_value) out->expire = args.Take();
  }
  return true;
}

enum class ExpireCheck { kOk, kNotInteger, kInvalid };

// Redis getExpireMillisecondsOrReply: the argument must be a positive integer; seconds must not overflow
// when scaled to ms, and a relative time must not overflow when now is added. Produces an absolute time.
ExpireCheck AbsoluteExpireMs(std::string_view arg, uint32_t flags, int64_t now_ms, int64_t* at_ms) {
  int64_t ms = 0;
  if (!common::ParseInt64(arg, &ms)) return ExpireCheck::kNotInteger;
  const bool seconds = flags & (kFlagEx | kFlagExAt);
  if (ms <= 0 || (seconds && ms > std::numeric_limits<int64_t>::max() / 1000)) return ExpireCheck::kInvalid;
  if (seconds) ms *= 1000;
  if (flags & (kFlagEx | kFlagPx)) {
    // Redis adds and then sees the wrapped sum as <= 0; we test before adding to avoid the overflow.
    if (now_ms > 0 && ms > std::numeric_limits<int64_t>::max() - now_ms) return ExpireCheck::kInvalid;
    ms += now_ms;
  }
  if (ms <= 0) return ExpireCheck::kInvalid;
  *at_ms = ms;
  return ExpireCheck::kOk;
}

void ReplyExpireError(CommandContext& ctx, ExpireCheck check, std::string_view command) {
  if (check == ExpireCheck::kNotInteger) {
    ctx.reply.Error(err::kNotInteger);
  } else {
    ctx.reply.Error(err::InvalidExpireTime(command));
  }
}

// How a generic SET answers: SET/SETEX/PSETEX with +OK / null, SETNX with :1 / :0.
enum class SetReplyStyle { kOkOrNull, kOneOrZero };

// The one path behind SET, SETNX, SETEX and PSETEX (Redis setGenericCommand). The expiry is validated
// before anything is read or written.
void SetGeneric(CommandContext& ctx, std::string_view command, uint32_t flags, std::string_view key,
                std::string_view value, std::optional<std::string_view> expire, SetReplyStyle style) {
  engine::SetOptions options;
  if (expire) {
    const ExpireCheck check = AbsoluteExpireMs(*expire, flags, ctx.engine().NowMs(), &options.expire_at_ms);
    if (check != ExpireCheck::kOk) {
      ReplyExpireError(ctx, check, command);
      return;
    }
  }
  if (flags & kFlagNx) options.condition = engine::SetCondition::kIfMissing;
  if (flags & kFlagXx) options.condition = engine::SetCondition::kIfExists;
  options.keep_ttl = flags & kFlagKeepTtl;
  options.get_old = flags & kFlagGet;

  // With GET, Redis writes the old value before it creates the key: its "new" goes after the reply.
  std::optional<KeyCreationDeferral> defer_new;
  if (options.get_old) defer_new.emplace(ctx.server);
  auto result = ctx.engine().Set(ctx.db(), key, value, options);
  if (Failed(ctx, result)) return;
  // Events go where Redis sends them relative to the reply (a RESP3 client subscribed to its own keys
  // sees the difference): after it with GET (the old value is written first), before it otherwise.
  auto notify = [&] {
    if (!result->applied) return;
    if (defer_new) defer_new->Flush(ctx.db(), key);
    NotifyKey(ctx, kNotifyString, "set", key);
    if (expire) {
      NotifyKey(ctx, kNotifyGeneric, "expire", key);
      // A time already past (PXAT 1): Redis stores the key expired and sends "expired" when it reclaims
      // it; the engine stores nothing, so the event goes now.
      if (options.expire_at_ms <= ctx.engine().NowMs()) NotifyKey(ctx, kNotifyExpired, "expired", key);
    }
  };
  if (!options.get_old) notify();
  if (options.get_old) {
    // With GET the reply is the old value whether or not NX/XX let the write happen.
    if (result->old_value) {
      ctx.reply.Bulk(*result->old_value);
    } else {
      ctx.reply.Null();
    }
    notify();
  } else if (style == SetReplyStyle::kOneOrZero) {
    ctx.reply.Integer(result->applied ? 1 : 0);
  } else if (result->applied) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Null();
  }
}

// ---- Handlers ----------------------------------------------------------------------------------

// GET key
void GetCommand(CommandContext& ctx) {
  // Reused per I/O thread: the hot GET path copies the value once, into the reply, and allocates nothing.
  static thread_local std::string value;
  engine::Status st = ctx.engine().Get(ctx.db(), ctx.argv[1], &value);
  if (st.ok()) {
    ctx.reply.Bulk(value);
  } else if (st.IsNotFound()) {
    ctx.reply.Null();
  } else {
    Failed(ctx, st);
  }
  // A huge value must not stay pinned in the buffer.
  if (value.capacity() > (1u << 20)) std::string().swap(value);
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//   PXAT unix-time-milliseconds | KEEPTTL]
void SetCommand(CommandContext& ctx) {
  ExtArgs args;
  if (!ParseExtArgs(ctx, 3, ExtMode::kSet, &args)) return;
  SetGeneric(ctx, "set", args.flags, ctx.argv[1], ctx.argv[2], args.expire, SetReplyStyle::kOkOrNull);
}

// SETNX key value
void SetNxCommand(CommandContext& ctx) {
  SetGeneric(ctx, "setnx", kFlagNx, ctx.argv[1], ctx.argv[2], std::nullopt, SetReplyStyle::kOneOrZero);
}

// SETEX key seconds value
void SetExCommand(CommandContext& ctx) {
  SetGeneric(ctx, "setex", kFlagEx, ctx.argv[1], ctx.argv[3], ctx.argv[2], SetReplyStyle::kOkOrNull);
}

// PSETEX key milliseconds value
void PSetExCommand(CommandContext& ctx) {
  SetGeneric(ctx, "psetex", kFlagPx, ctx.argv[1], ctx.argv[3], ctx.argv[2], SetReplyStyle::kOkOrNull);
}

// GETSET key value
void GetSetCommand(CommandContext& ctx) {
  SetGeneric(ctx, "getset", kFlagGet, ctx.argv[1], ctx.argv[2], std::nullopt, SetReplyStyle::kOkOrNull);
}

// GETDEL key
void GetDelCommand(CommandContext& ctx) {
  auto result = ctx.engine().GetDel(ctx.db(), ctx.argv[1]);
  ReplyBulkOrNull(ctx, result);
  if (result.ok()) NotifyKey(ctx, kNotifyGeneric, "del", ctx.argv[1]);  // after the value, as Redis
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
void GetExCommand(CommandContext& ctx) {
  ExtArgs args;
  if (!ParseExtArgs(ctx, 2, ExtMode::kGetEx, &args)) return;
  engine::ExpiryUpdate update;
  if (args.flags & kFlagPersist) update.kind = engine::ExpiryUpdate::Kind::kPersist;
  if (args.expire) {
    const ExpireCheck check = AbsoluteExpireMs(*args.expire, args.flags, ctx.engine().NowMs(), &update.at_ms);
    if (check != ExpireCheck::kOk) {
      // Redis looks the key up before it validates the time: a missing key answers null and another
      // type WRONGTYPE, whatever the time says. Only this error path reads the key separately.
      auto value = ctx.engine().Get(ctx.db(), ctx.argv[1]);
      if (value.ok()) {
        ReplyExpireError(ctx, check, "getex");
      } else {
        ReplyBulkOrNull(ctx, value);
      }
      return;
    }
    update.kind = engine::ExpiryUpdate::Kind::kSetAt;
  }
  // PERSIST reports only a TTL it removed: read it first, when the event is wanted.
  bool had_ttl = false;
  if (update.kind == engine::ExpiryUpdate::Kind::kPersist && KeyspaceEventsWanted(ctx, kNotifyGeneric)) {
    engine::UncountedLookups for_the_event;  // GetEx below is the command's lookup
    auto ttl = ctx.engine().PTtl(ctx.db(), ctx.argv[1]);
    had_ttl = ttl.ok() && *ttl >= 0;
  }
  const int64_t now = ctx.engine().NowMs();
  auto result = ctx.engine().GetEx(ctx.db(), ctx.argv[1], update);
  ReplyBulkOrNull(ctx, result);  // the value first, then the event, as Redis
  if (result.ok()) {
    if (update.kind == engine::ExpiryUpdate::Kind::kSetAt) {
      NotifyKey(ctx, kNotifyGeneric, update.at_ms <= now ? "del" : "expire", ctx.argv[1]);
    } else if (had_ttl) {
      NotifyKey(ctx, kNotifyGeneric, "persist", ctx.argv[1]);
    }
  }
}

// MGET key [key ...]
void MGetCommand(CommandContext& ctx) {
  auto result = ctx.engine().MGet(ctx.db(), ctx.argv.subspan(1));
  if (!Failed(ctx, result)) ReplyBulksOrNulls(ctx, *result);
}

// Pairs of argv[1..] for MSET/MSETNX; false (after the arity error Redis sends) when one is unpaired.
bool CollectPairs(CommandContext& ctx, std::string_view command,
                  std::vector<std::pair<std::string_view, std::string_view>>* pairs) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error(err::WrongArity(command));
    return false;
  }
  pairs->reserve((ctx.argc() - 1) / 2);
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) pairs->emplace_back(ctx.argv[i], ctx.argv[i + 1]);
  return true;
}

// MSET key value [key value ...]
void MSetCommand(CommandContext& ctx) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (!CollectPairs(ctx, "mset", &pairs)) return;
  // Redis sends "new" and "set" key by key: the engine's "new" events are held until then.
  KeyCreationDeferral defer_new(ctx.server);
  const engine::Status status = ctx.engine().MSet(ctx.db(), pairs);
  if (Failed(ctx, status)) return;
  for (const auto& pair : pairs) {
    defer_new.Flush(ctx.db(), pair.first);
    NotifyKey(ctx, kNotifyString, "set", pair.first);  // repeats too, as Redis
  }
  ctx.reply.Ok();
}

// MSETNX key value [key value ...]
void MSetNxCommand(CommandContext& ctx) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (!CollectPairs(ctx, "msetnx", &pairs)) return;
  KeyCreationDeferral defer_new(ctx.server);
  auto result = ctx.engine().MSetNX(ctx.db(), pairs);
  if (Failed(ctx, result)) return;
  if (*result) {
    for (const auto& pair : pairs) {
      defer_new.Flush(ctx.db(), pair.first);
      NotifyKey(ctx, kNotifyString, "set", pair.first);
    }
  }
  ctx.reply.Integer(*result ? 1 : 0);
}

// INCR, DECR, INCRBY and DECRBY all report "incrby", as Redis's incrDecrCommand does.
void IncrByGeneric(CommandContext& ctx, int64_t delta) {
  auto result = ctx.engine().IncrBy(ctx.db(), ctx.argv[1], delta);
  if (result.ok()) NotifyKey(ctx, kNotifyString, "incrby", ctx.argv[1]);
  ReplyInteger(ctx, result);
}

// INCR key
void IncrCommand(CommandContext& ctx) { IncrByGeneric(ctx, 1); }

// DECR key
void DecrCommand(CommandContext& ctx) { IncrByGeneric(ctx, -1); }

// INCRBY key increment
void IncrByCommand(CommandContext& ctx) {
  int64_t delta = 0;
  if (!common::ParseInt64(ctx.argv[2], &delta)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  IncrByGeneric(ctx, delta);
}

// DECRBY key decrement
void DecrByCommand(CommandContext& ctx) {
  int64_t delta = 0;
  if (!common::ParseInt64(ctx.argv[2], &delta)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (delta == std::numeric_limits<int64_t>::min()) {
    ctx.reply.Error(kDecrementOverflow);
    return;
  }
  IncrByGeneric(ctx, -delta);
}

// INCRBYFLOAT key increment
void IncrByFloatCommand(CommandContext& ctx) {
  long double delta = 0;
  if (!common::ParseLongDouble(ctx.argv[2], &delta)) {
    // Redis checks the key's type before it parses the increment, so a bad increment on another type
    // answers WRONGTYPE. Only this error path asks for the type; Redis's is a write lookup (uncounted).
    engine::UncountedLookups write_lookup;
    auto type = ctx.engine().Type(ctx.db(), ctx.argv[1]);
    if (Failed(ctx, type)) return;
    const bool other_type = *type != engine::KeyType::kNone && *type != engine::KeyType::kString;
    ctx.reply.Error(other_type ? err::kWrongType : err::kNotFloat);
    return;
  }
  auto result = ctx.engine().IncrByFloat(ctx.db(), ctx.argv[1], delta);
  if (Failed(ctx, result)) return;
  NotifyKey(ctx, kNotifyString, "incrbyfloat", ctx.argv[1]);
  ctx.reply.Bulk(*result);
}

// APPEND key value
void AppendCommand(CommandContext& ctx) {
  auto result = ctx.engine().Append(ctx.db(), ctx.argv[1], ctx.argv[2]);
  if (result.ok()) NotifyKey(ctx, kNotifyString, "append", ctx.argv[1]);  // even when appending ""
  ReplyInteger(ctx, result);
}

// STRLEN key
void StrLenCommand(CommandContext& ctx) { ReplyInteger(ctx, ctx.engine().StrLen(ctx.db(), ctx.argv[1])); }

// GETRANGE key start end   (and SUBSTR key start end)
void GetRangeCommand(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!common::ParseInt64(ctx.argv[2], &start) || !common::ParseInt64(ctx.argv[3], &end)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  auto result = ctx.engine().GetRange(ctx.db(), ctx.argv[1], start, end);
  if (result.ok()) {
    ctx.reply.Bulk(*result);
  } else if (result.status().IsNotFound()) {
    ctx.reply.Bulk("");  // Redis answers an empty bulk, not a null, for a missing key
  } else {
    Failed(ctx, result);
  }
}

// SETRANGE key offset value
void SetRangeCommand(CommandContext& ctx) {
  int64_t offset = 0;
  if (!common::ParseInt64(ctx.argv[2], &offset)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (offset < 0) {
    ctx.reply.Error(err::kOffsetOutOfRange);
    return;
  }
  auto result = ctx.engine().SetRange(ctx.db(), ctx.argv[1], offset, ctx.argv[3]);
  // Setting nothing changes nothing, and reports nothing.
  if (result.ok() && !ctx.argv[3].empty()) NotifyKey(ctx, kNotifyString, "setrange", ctx.argv[1]);
  ReplyInteger(ctx, result);
}

// ---- LCS ----------------------------------------------------------------------------------------

constexpr std::string_view kLcsNotStrings = "ERR The specified keys must contain string values";
constexpr std::string_view kLcsLenAndIdx = "ERR If you want both the length and indexes, please just use IDX.";
constexpr std::string_view kLcsTooLong = "ERR String too long for LCS";
constexpr std::string_view kLcsOverBulkLen =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
constexpr std::string_view kLcsNoMemory = "ERR Insufficient memory, failed allocating transient memory for LCS";

// A key's string for LCS: a missing key is "", another type is an error (false).
bool LcsOperand(CommandContext& ctx, std::string_view key, std::string* out, bool* wrong_type) {
  engine::Status st = ctx.engine().Get(ctx.db(), key, out);
  if (st.ok()) return true;
  out->clear();
  if (st.IsNotFound()) return true;
  if (st.IsWrongType()) {
    *wrong_type = true;
    return true;
  }
  Failed(ctx, st);
  return false;
}

struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end;
};

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
void LcsCommand(CommandContext& ctx) {
  // Both keys are read before the options, so a wrong type wins over any option error, as in Redis.
  std::string a, b;
  bool wrong_type = false;
  if (!LcsOperand(ctx, ctx.argv[1], &a, &wrong_type) || !LcsOperand(ctx, ctx.argv[2], &b, &wrong_type)) return;
  if (wrong_type) {
    ctx.reply.Error(kLcsNotStrings);
    return;
  }
  bool want_len = false, want_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const std::string_view opt = ctx.argv[i];
    if (EqualsIgnoreCase(opt, "idx")) {
      want_idx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      want_len = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && i + 1 < ctx.argc()) {
      if (!common::ParseInt64(ctx.argv[++i], &min_match_len)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      min_match_len = std::max<int64_t>(min_match_len, 0);
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (want_len && want_idx) {
    ctx.reply.Error(kLcsLenAndIdx);
    return;
  }
  constexpr size_t kMaxLen = std::numeric_limits<uint32_t>::max() - 1;
  if (a.size() >= kMaxLen || b.size() >= kMaxLen) {
    ctx.reply.Error(kLcsTooLong);
    return;
  }
  // The classic dynamic-programming table: at (i, j) the LCS length of a[0, i) and b[0, j).
  const size_t rows = a.size() + 1, cols = b.size() + 1;
  const unsigned __int128 cells = static_cast<unsigned __int128>(rows) * cols;
  const unsigned __int128 bytes = cells * sizeof(uint32_t);
  if (bytes > ctx.server.config.proto_max_bulk_len()) {
    ctx.reply.Error(kLcsOverBulkLen);
    return;
  }
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[static_cast<size_t>(cells)]);
  if (!table) {
    ctx.reply.Error(kLcsNoMemory);
    return;
  }
  auto at = [&](size_t i, size_t j) -> uint32_t& { return table[i * cols + j]; };
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      if (i == 0 || j == 0) {
        at(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  const uint32_t length = at(a.size(), b.size());
  if (want_len) {
    ctx.reply.Integer(length);
    return;
  }

  // Walk back from the end: the common subsequence (built from its last byte), and for IDX the runs of
  // bytes that are contiguous in both strings, from the last run to the first. A tie between
  // skipping a byte of a and one of b skips b's, as Redis does, so the same runs come out.
  std::string common(length, '\0');
  std::vector<LcsMatch> matches;
  size_t i = a.size(), j = b.size(), k = length;
  bool in_run = false;
  LcsMatch run{};
  auto close_run = [&] {
    const uint64_t run_len = run.a_end - run.a_start + 1;
    if (min_match_len == 0 || run_len >= static_cast<uint64_t>(min_match_len)) matches.push_back(run);
    in_run = false;
  };
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      common[--k] = a[i - 1];
      const uint32_t ai = static_cast<uint32_t>(i - 1), bj = static_cast<uint32_t>(j - 1);
      if (!in_run) {
        run = {ai, ai, bj, bj};
        in_run = true;
      } else {
        run.a_start = ai;  // a match right after a match extends the run backwards
        run.b_start = bj;
      }
      --i;
      --j;
      if (run.a_start == 0 || run.b_start == 0) close_run();
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (in_run) close_run();
    }
  }
  if (!want_idx) {
    ctx.reply.Bulk(common);
    return;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(matches.size());
  for (const LcsMatch& m : matches) {
    ctx.reply.ArrayHeader(with_match_len ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.a_start);
    ctx.reply.Integer(m.a_end);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.b_start);
    ctx.reply.Integer(m.b_end);
    if (with_match_len) ctx.reply.Integer(m.a_end - m.a_start + 1);
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(length);
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  table.Bind("get", GetCommand);
  table.Bind("set", SetCommand);
  table.Bind("setnx", SetNxCommand);
  table.Bind("setex", SetExCommand);
  table.Bind("psetex", PSetExCommand);
  table.Bind("getset", GetSetCommand);
  table.Bind("getdel", GetDelCommand);
  table.Bind("getex", GetExCommand);
  table.Bind("mget", MGetCommand);
  table.Bind("mset", MSetCommand);
  table.Bind("msetnx", MSetNxCommand);
  table.Bind("incr", IncrCommand);
  table.Bind("decr", DecrCommand);
  table.Bind("incrby", IncrByCommand);
  table.Bind("decrby", DecrByCommand);
  table.Bind("incrbyfloat", IncrByFloatCommand);
  table.Bind("append", AppendCommand);
  table.Bind("strlen", StrLenCommand);
  table.Bind("getrange", GetRangeCommand);
  table.Bind("substr", GetRangeCommand);
  table.Bind("setrange", SetRangeCommand);
  table.Bind("lcs", LcsCommand);
}

}  // namespace redrock::server
