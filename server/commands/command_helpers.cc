#include "server/commands/command_helpers.h"

#include <charconv>
#include <climits>
#include <limits>
#include <string>

#include "redrock/engine/engine.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/errors.h"

namespace redrock::server {

void ReplyHelp(CommandContext& ctx, std::span<const std::string_view> lines) {
  ctx.reply.ArrayHeader(lines.size());
  for (std::string_view line : lines) ctx.reply.Simple(line);
}

void ReplyInteger(CommandContext& ctx, const engine::Result<int64_t>& result) {
  if (!Failed(ctx, result)) ctx.reply.Integer(*result);
}

void ReplyBulkOrNull(CommandContext& ctx, const engine::Result<std::string>& result) {
  if (result.ok()) {
    ctx.reply.Bulk(*result);
  } else if (result.status().IsNotFound()) {
    ctx.reply.Null();
  } else {
    Failed(ctx, result.status());
  }
}

void ReplyBulksOrNulls(CommandContext& ctx, const std::vector<std::optional<std::string>>& values) {
  ctx.reply.ArrayHeader(values.size());
  for (const auto& value : values) {
    if (value) {
      ctx.reply.Bulk(*value);
    } else {
      ctx.reply.Null();
    }
  }
}

bool ParseRandomCount(CommandContext& ctx, std::string_view arg, int64_t* count) {
  if (!common::ParseInt64(arg, count)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (*count == std::numeric_limits<int64_t>::min()) {
    ctx.reply.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    return false;
  }
  return true;
}

bool CheckRandomPairCount(CommandContext& ctx, int64_t count) {
  constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
  if (count < -kHalf || count > kHalf) {
    ctx.reply.Error("ERR value is out of range");
    return false;
  }
  return true;
}

bool ParseDbIndex(CommandContext& ctx, std::string_view text, int* db) {
  int64_t value = 0;
  if (!common::ParseInt64(text, &value)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (value < INT_MIN || value > INT_MAX) {
    ctx.reply.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
    return false;
  }
  if (value < 0 || value >= ctx.engine().options().databases) {
    ctx.reply.Error(err::kDbIndexOutOfRange);
    return false;
  }
  *db = static_cast<int>(value);
  return true;
}

std::string_view ParseKeyScanOptions(std::span<const std::string_view> argv, size_t start, std::string_view* pattern,
                                     int64_t* count) {
  *pattern = "*";
  ArgReader args(argv, start);
  while (!args.Done()) {
    const std::string_view opt = args.Take();
    if (args.Done()) return err::kSyntax;
    if (EqualsIgnoreCase(opt, "count")) {
      if (!common::ParseInt64(args.Take(), count)) return err::kNotInteger;
      if (*count < 1) return err::kSyntax;
    } else if (EqualsIgnoreCase(opt, "match")) {
      *pattern = args.Take();
    } else {
      return err::kSyntax;
    }
  }
  return {};
}

void ReplyScanCursor(CommandContext& ctx, uint64_t cursor) {
  char buf[24];
  const auto printed = std::to_chars(buf, buf + sizeof(buf), cursor);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::string_view(buf, static_cast<size_t>(printed.ptr - buf)));
}

bool ParseMultiPopArgs(CommandContext& ctx, size_t numkeys_index, std::string_view first, std::string_view second,
                       MultiPopArgs* out) {
  constexpr std::string_view kNumKeys = "ERR numkeys should be greater than 0";
  constexpr std::string_view kCount = "ERR count should be greater than 0";
  int64_t numkeys = 0;
  if (!common::ParseInt64(ctx.argv[numkeys_index], &numkeys) || numkeys < 1) {
    ctx.reply.Error(kNumKeys);
    return false;
  }
  const size_t argc = ctx.argc();
  if (static_cast<uint64_t>(numkeys) >= argc - numkeys_index - 1) {
    ctx.reply.Error(err::kSyntax);  // no room left for WHERE
    return false;
  }
  const size_t where_index = numkeys_index + 1 + static_cast<size_t>(numkeys);
  const std::string_view where = ctx.argv[where_index];
  if (EqualsIgnoreCase(where, first)) {
    out->second = false;
  } else if (EqualsIgnoreCase(where, second)) {
    out->second = true;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  out->keys = ctx.argv.subspan(numkeys_index + 1, static_cast<size_t>(numkeys));
  bool have_count = false;
  out->count = 1;
  for (size_t j = where_index + 1; j < argc; ++j) {
    const bool more = j + 1 < argc;
    if (!have_count && more && EqualsIgnoreCase(ctx.argv[j], "count")) {
      ++j;
      if (!common::ParseInt64(ctx.argv[j], &out->count) || out->count < 1) {
        ctx.reply.Error(kCount);
        return false;
      }
      have_count = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

}  // namespace redrock::server
