// The hash family: HSET/HMSET/HSETNX, HGET/HMGET, HGETALL/HKEYS/HVALS, HDEL, HLEN, HEXISTS, HSTRLEN,
// HINCRBY/HINCRBYFLOAT, HRANDFIELD and HSCAN. Validation order and error texts follow Redis 7.0's
// t_hash.c; the semantics live in engine/hash.h.

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/engine.h"
#include "redrock/engine/hash.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/key_commands.h"
#include "server/commands/keyspace_events.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

// Hash-only error texts (t_hash.c).
constexpr std::string_view kHashNotInteger = "ERR hash value is not an integer";
constexpr std::string_view kHashNotFloat = "ERR hash value is not a float";
constexpr std::string_view kIncrNanOrInfinity = "ERR value is NaN or Infinity";
constexpr int64_t kDefaultScanCount = 10;

// HSET and HMSET share one path (Redis hsetCommand); only the reply differs.
void HSetGeneric(CommandContext& ctx, std::string_view name, bool reply_ok) {
  if (ctx.argc() % 2 == 1) {
    ctx.reply.Error(err::WrongArity(name));
    return;
  }
  std::vector<engine::FieldValue> pairs;
  pairs.reserve((ctx.argc() - 2) / 2);
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ctx.argv[i], ctx.argv[i + 1]);
  auto result = engine::HSet(ctx.engine(), ctx.db(), ctx.argv[1], pairs);
  if (Failed(ctx, result)) return;
  if (reply_ok) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Integer(*result);
  }
  NotifyKey(ctx, kNotifyHash, "hset", ctx.argv[1]);  // HMSET too, even when no field was new; after the reply
}

// HSET key field value [field value ...]
void HSetCommand(CommandContext& ctx) { HSetGeneric(ctx, "hset", false); }

// HMSET key field value [field value ...]
void HMSetCommand(CommandContext& ctx) { HSetGeneric(ctx, "hmset", true); }

// HSETNX key field value
void HSetNxCommand(CommandContext& ctx) {
  auto result = engine::HSetNx(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], ctx.argv[3]);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(*result ? 1 : 0);
  if (*result) NotifyKey(ctx, kNotifyHash, "hset", ctx.argv[1]);
}

// HGET key field
void HGetCommand(CommandContext& ctx) {
  ReplyBulkOrNull(ctx, engine::HGet(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2]));
}

// HMGET key field [field ...]
void HMGetCommand(CommandContext& ctx) {
  auto result = engine::HMGet(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2));
  if (!Failed(ctx, result)) ReplyBulksOrNulls(ctx, *result);
}

// Writes HGETALL/HKEYS/HVALS straight from the engine's iterator into the reply buffer.
class ReplyVisitor : public engine::HashVisitor {
 public:
  enum Part { kKeys = 1, kValues = 2, kBoth = 3 };
  ReplyVisitor(protocol::ReplyWriter& reply, Part part) : reply_(reply), part_(part) {}
  void Begin(uint64_t size) override {
    // RESP3: a map only when both halves are returned (Redis uses a flat array for HKEYS/HVALS).
    if (part_ == kBoth) {
      reply_.MapHeader(size);
    } else {
      reply_.ArrayHeader(size);
    }
  }
  void Field(std::string_view field, std::string_view value) override {
    if (part_ & kKeys) reply_.Bulk(field);
    if (part_ & kValues) reply_.Bulk(value);
  }

 private:
  protocol::ReplyWriter& reply_;
  Part part_;
};

void HGetAllGeneric(CommandContext& ctx, ReplyVisitor::Part part) {
  std::string* out = ctx.reply.buffer();
  const size_t mark = out->size();
  ReplyVisitor visitor(ctx.reply, part);
  const engine::Status st = engine::HVisit(ctx.engine(), ctx.db(), ctx.argv[1], visitor);
  if (!st.ok()) {
    out->resize(mark);  // drop a partly written reply
    Failed(ctx, st);
  }
}

// HGETALL key
void HGetAllCommand(CommandContext& ctx) { HGetAllGeneric(ctx, ReplyVisitor::kBoth); }

// HKEYS key
void HKeysCommand(CommandContext& ctx) { HGetAllGeneric(ctx, ReplyVisitor::kKeys); }

// HVALS key
void HValsCommand(CommandContext& ctx) { HGetAllGeneric(ctx, ReplyVisitor::kValues); }

// HDEL key field [field ...]
void HDelCommand(CommandContext& ctx) {
  auto result = engine::HDel(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv.subspan(2));
  if (Failed(ctx, result)) return;
  if (*result > 0) {
    NotifyKey(ctx, kNotifyHash, "hdel", ctx.argv[1]);
    NotifyDelIfEmptied(ctx, ctx.argv[1]);
  }
  ctx.reply.Integer(*result);
}

// HLEN key
void HLenCommand(CommandContext& ctx) {
  auto result = engine::HLen(ctx.engine(), ctx.db(), ctx.argv[1]);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(*result);
}

// HEXISTS key field
void HExistsCommand(CommandContext& ctx) {
  auto result = engine::HExists(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2]);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(*result ? 1 : 0);
}

// HSTRLEN key field
void HStrLenCommand(CommandContext& ctx) {
  auto result = engine::HStrLen(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2]);
  if (Failed(ctx, result)) return;
  ctx.reply.Integer(*result);
}

// HINCRBY key field increment
void HIncrByCommand(CommandContext& ctx) {
  int64_t delta = 0;
  if (!common::ParseInt64(ctx.argv[3], &delta)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  auto result = engine::HIncrBy(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], delta);
  if (result.ok()) {
    ctx.reply.Integer(*result);
    NotifyKey(ctx, kNotifyHash, "hincrby", ctx.argv[1]);
  } else if (result.status().code() == engine::Status::Code::kNotInteger) {
    ctx.reply.Error(kHashNotInteger);
  } else {
    Failed(ctx, result);
  }
}

// HINCRBYFLOAT key field increment
void HIncrByFloatCommand(CommandContext& ctx) {
  long double delta = 0;
  if (!common::ParseLongDouble(ctx.argv[3], &delta)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  if (std::isnan(delta) || std::isinf(delta)) {
    ctx.reply.Error(kIncrNanOrInfinity);
    return;
  }
  auto result = engine::HIncrByFloat(ctx.engine(), ctx.db(), ctx.argv[1], ctx.argv[2], delta);
  if (result.ok()) {
    ctx.reply.Bulk(*result);
    NotifyKey(ctx, kNotifyHash, "hincrbyfloat", ctx.argv[1]);
  } else if (result.status().code() == engine::Status::Code::kNotFloat) {
    ctx.reply.Error(kHashNotFloat);
  } else {
    Failed(ctx, result);
  }
}

// HRANDFIELD key [count [WITHVALUES]]
void HRandFieldCommand(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    ReplyBulkOrNull(ctx, engine::HRandField(ctx.engine(), ctx.db(), ctx.argv[1]));
    return;
  }
  // As Redis: the count is validated first, then the option, then (with WITHVALUES) the count's range.
  int64_t count = 0;
  if (!ParseRandomCount(ctx, ctx.argv[2], &count)) return;
  const bool with_values = ctx.argc() == 4;
  if (ctx.argc() > 4 || (with_values && !EqualsIgnoreCase(ctx.argv[3], "withvalues"))) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (with_values && !CheckRandomPairCount(ctx, count)) return;
  auto result = engine::HRandFieldCount(ctx.engine(), ctx.db(), ctx.argv[1], count, with_values);
  if (Failed(ctx, result)) return;
  // WITHVALUES: a flat field/value array in RESP2, an array of [field, value] pairs in RESP3.
  const bool pairs = with_values && ctx.reply.resp() >= 3;
  ctx.reply.ArrayHeader(with_values && !pairs ? result->size() * 2 : result->size());
  for (const auto& [field, value] : *result) {
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(field);
    if (with_values) ctx.reply.Bulk(value);
  }
}

struct HScanArgs {
  std::string_view pattern = "*";
  int64_t count = kDefaultScanCount;
};

// Redis scanGenericCommand's option loop for a key (no TYPE option). Returns the error text, or an
// empty view when the options are valid.
std::string_view ParseHScanOptions(CommandContext& ctx, HScanArgs* out) {
  return ParseKeyScanOptions(ctx.argv, 3, &out->pattern, &out->count);
}

void ReplyScan(CommandContext& ctx, uint64_t cursor, const engine::HashScanResult* result) {
  ReplyScanCursor(ctx, cursor);
  ctx.reply.ArrayHeader(result ? result->items.size() * 2 : 0);
  if (!result) return;
  for (const auto& [field, value] : result->items) {
    ctx.reply.Bulk(field);
    ctx.reply.Bulk(value);
  }
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
void HScanCommand(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx.argv[2], &cursor)) {
    ctx.reply.Error(kInvalidCursor);
    return;
  }
  HScanArgs args;
  const std::string_view option_error = ParseHScanOptions(ctx, &args);
  if (!option_error.empty()) {
    // Redis looks the key up before it parses the options: a missing key answers an empty scan and
    // another type WRONGTYPE, whatever the options say. Only this error path reads the key separately.
    auto len = engine::HLen(ctx.engine(), ctx.db(), ctx.argv[1]);
    if (Failed(ctx, len)) return;
    if (*len == 0) {
      ReplyScan(ctx, 0, nullptr);
    } else {
      ctx.reply.Error(option_error);
    }
    return;
  }
  auto result = engine::HScan(ctx.engine(), ctx.db(), ctx.argv[1], cursor, args.pattern, args.count);
  if (Failed(ctx, result)) return;
  ReplyScan(ctx, result->next_cursor, &*result);
}

}  // namespace

void RegisterHashCommands(CommandTable& table) {
  table.Bind("hset", HSetCommand);
  table.Bind("hsetnx", HSetNxCommand);
  table.Bind("hget", HGetCommand);
  table.Bind("hmget", HMGetCommand);
  table.Bind("hmset", HMSetCommand);
  table.Bind("hgetall", HGetAllCommand);
  table.Bind("hdel", HDelCommand);
  table.Bind("hlen", HLenCommand);
  table.Bind("hexists", HExistsCommand);
  table.Bind("hkeys", HKeysCommand);
  table.Bind("hvals", HValsCommand);
  table.Bind("hincrby", HIncrByCommand);
  table.Bind("hincrbyfloat", HIncrByFloatCommand);
  table.Bind("hstrlen", HStrLenCommand);
  table.Bind("hrandfield", HRandFieldCommand);
  table.Bind("hscan", HScanCommand);
}

}  // namespace redrock::server
