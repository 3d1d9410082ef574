#include "server/commands/command_helpers.h"

#include <charconv>
#include <string>

#include "protocol/number_format.h"
#include "server/args.h"
#include "server/errors.h"

namespace redrock::server {

CommandSpec MakeSpec(std::string_view name, int arity, uint32_t flags, CommandHandler handler,
                     std::string_view acl_categories) {
  CommandSpec spec;
  spec.name = std::string(name);
  spec.arity = arity;
  spec.flags = flags;
  spec.handler = handler;
  spec.acl_categories = std::string(acl_categories);
  return spec;
}

void ReplyHelp(CommandContext& ctx, std::span<const std::string_view> lines) {
  ctx.reply.ArrayHeader(lines.size());
  for (std::string_view line : lines) ctx.reply.Simple(line);
}

std::string_view ParseKeyScanOptions(std::span<const std::string_view> argv, size_t start, std::string_view* pattern,
                                     int64_t* count) {
  ArgReader args(argv, start);
  while (!args.Done()) {
    const std::string_view opt = args.Take();
    if (args.Done()) return err::kSyntax;
    if (EqualsIgnoreCase(opt, "count")) {
      if (!protocol::ParseInt64(args.Take(), count)) return err::kNotInteger;
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

}  // namespace redrock::server
