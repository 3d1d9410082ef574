// KEYS and SCAN. Both are served by the engine, which seeks to the pattern's literal prefix and returns
// keys in key order (Redis returns them in hash order, so only the set of keys is comparable).

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "redrock/engine/engine.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/key_commands.h"
#include "server/core/errors.h"

namespace redrock::server {

bool ParseScanCursor(std::string_view text, uint64_t* cursor) {
  // Redis hands the argument to strtoul as a C string, so the cursor is what precedes the first NUL
  // ("0\0junk" is cursor 0). strtoul skips leading space, but Redis rejects a cursor that starts with
  // one; so no space anywhere.
  text = text.substr(0, text.find('\0'));
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  if (i == text.size()) {
    // strtoul converts nothing: the end pointer stays at the start, which is the end only for "".
    *cursor = 0;
    return text.empty();
  }
  uint64_t value = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;  // ERANGE
    value = value * 10 + digit;
  }
  // strtoul negates in unsigned arithmetic: "-1" is 2^64-1.
  *cursor = negative ? (~value + 1) : value;
  return true;
}

namespace {

// Redis's default SCAN COUNT.
constexpr int64_t kDefaultScanCount = 10;

// KEYS pattern
void KeysCommand(CommandContext& ctx) {
  auto result = ctx.engine().Keys(ctx.db(), ctx.argv[1]);
  if (Failed(ctx, result)) return;
  ctx.reply.ArrayHeader(result->size());
  for (const std::string& key : *result) ctx.reply.Bulk(key);
}

struct ScanArgs {
  uint64_t cursor = 0;
  std::string_view pattern = "*";  // "*" = every key (the engine skips matching, as Redis does)
  int64_t count = kDefaultScanCount;
  std::optional<engine::KeyType> type;
};

// Redis scanGenericCommand's option loop: each option needs its value, later ones override earlier ones,
// COUNT must be an integer >= 1 (a non-integer is "not an integer", < 1 is a syntax error).
bool ParseScanArgs(CommandContext& ctx, ScanArgs* out) {
  if (!ParseScanCursor(ctx.argv[1], &out->cursor)) {
    ctx.reply.Error(kInvalidCursor);
    return false;
  }
  ArgReader args(ctx.argv, 2);
  while (!args.Done()) {
    const std::string_view opt = args.Take();
    if (args.Done()) {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    if (EqualsIgnoreCase(opt, "count")) {
      if (!common::ParseInt64(args.Take(), &out->count)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (out->count < 1) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "match")) {
      out->pattern = args.Take();
    } else if (EqualsIgnoreCase(opt, "type")) {
      // Redis 7.0 accepts any type name; one that no key can have ("foo", "none", "stream") just
      // matches nothing. kNone is such a filter.
      out->type = engine::ParseKeyType(args.Take()).value_or(engine::KeyType::kNone);
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void ScanCommand(CommandContext& ctx) {
  ScanArgs args;
  if (!ParseScanArgs(ctx, &args)) return;
  auto result = ctx.engine().Scan(ctx.db(), args.cursor, args.pattern, args.count, args.type);
  if (Failed(ctx, result)) return;
  ReplyScanCursor(ctx, result->next_cursor);
  ctx.reply.ArrayHeader(result->keys.size());
  for (const std::string& key : result->keys) ctx.reply.Bulk(key);
}

}  // namespace

void RegisterScanCommands(CommandTable& table) {
  table.Bind("keys", KeysCommand);
  table.Bind("scan", ScanCommand);
}

}  // namespace redrock::server
