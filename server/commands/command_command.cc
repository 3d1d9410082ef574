// COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS | HELP]: introspection of the command table, in the shape
// Redis 7.0 replies with (documentation, tips and key specs come from command_metadata.cc).
//
// COMMAND is the one container Redis also runs without a subcommand, which the table's Resolve() does
// not allow, so it is registered as a plain command that resolves its own subcommands.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/glob.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/command_metadata.h"
#include "server/commands/server_families.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t next = s.find(sep, pos);
    if (next == std::string_view::npos) next = s.size();
    if (next > pos) parts.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
  return parts;
}

int ToInt(std::string_view s) {
  int64_t v = 0;
  protocol::ParseInt64(s, &v);
  return static_cast<int>(v);
}

const CommandSpec& CommandContainer();

// The subcommands to show for a spec: COMMAND's own live outside the table.
const std::vector<CommandSpec>& SubcommandsOf(const CommandSpec& spec) {
  if (spec.parent == nullptr && spec.name == "command") return CommandContainer().subcommands;
  return spec.subcommands;
}

// One key spec from its encoded form "flags|begin_search|find_keys|notes".
void WriteKeySpec(protocol::ReplyWriter& r, std::string_view encoded) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    size_t bar = encoded.find('|', pos);
    parts.push_back(encoded.substr(pos, bar - pos));
    pos = bar + 1;
  }
  std::string_view notes = encoded.substr(pos);
  r.MapHeader(notes.empty() ? 3 : 4);
  if (!notes.empty()) {
    r.Bulk("notes");
    r.Bulk(notes);
  }
  r.Bulk("flags");
  std::vector<std::string_view> flags = Split(parts[0], ' ');
  r.SetHeader(flags.size());
  for (std::string_view f : flags) r.Simple(f);

  std::vector<std::string_view> begin = Split(parts[1], ':');
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(begin[0]);
  r.Bulk("spec");
  if (begin[0] == "index") {
    r.MapHeader(1);
    r.Bulk("index");
    r.Integer(ToInt(begin[1]));
  } else if (begin[0] == "keyword") {
    r.MapHeader(2);
    r.Bulk("keyword");
    r.Bulk(begin[1]);
    r.Bulk("startfrom");
    r.Integer(ToInt(begin[2]));
  } else {
    r.MapHeader(0);
  }

  std::vector<std::string_view> find = Split(parts[2], ':');
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(find[0]);
  r.Bulk("spec");
  if (find[0] == "range") {
    r.MapHeader(3);
    r.Bulk("lastkey");
    r.Integer(ToInt(find[1]));
    r.Bulk("keystep");
    r.Integer(ToInt(find[2]));
    r.Bulk("limit");
    r.Integer(ToInt(find[3]));
  } else if (find[0] == "keynum") {
    r.MapHeader(3);
    r.Bulk("keynumidx");
    r.Integer(ToInt(find[1]));
    r.Bulk("firstkey");
    r.Integer(ToInt(find[2]));
    r.Bulk("keystep");
    r.Integer(ToInt(find[3]));
  } else {
    r.MapHeader(0);
  }
}

void WriteCommandInfo(protocol::ReplyWriter& r, const CommandSpec& spec) {
  const std::string full = spec.FullName();
  const CommandMetadata* meta = FindCommandMetadata(full);
  r.ArrayHeader(10);
  r.Bulk(full);
  r.Integer(spec.arity);
  std::vector<std::string_view> flags = FlagNames(spec.flags);
  r.SetHeader(flags.size());
  for (std::string_view f : flags) r.Simple(f);
  r.Integer(spec.first_key);
  r.Integer(spec.last_key);
  r.Integer(spec.step);
  std::vector<std::string_view> acl = Split(spec.acl_categories, ' ');
  r.SetHeader(acl.size());
  for (std::string_view a : acl) r.Simple(a);
  std::vector<std::string_view> tips = meta ? Split(meta->tips, ',') : std::vector<std::string_view>{};
  r.SetHeader(tips.size());
  for (std::string_view t : tips) r.Bulk(t);
  if (meta != nullptr) {
    std::vector<std::string_view> specs = Split(meta->key_specs, ';');
    r.SetHeader(specs.size());
    for (std::string_view s : specs) WriteKeySpec(r, s);
  } else if (spec.first_key > 0) {
    // A command Redis does not have: derive one range spec from the legacy key positions.
    int lastkey = spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key;
    std::string encoded = std::string((spec.flags & kCmdWrite) ? "RW update" : "RO access") + "|index:" +
                          std::to_string(spec.first_key) + "|range:" + std::to_string(lastkey) + ":" +
                          std::to_string(spec.step) + ":0|";
    r.SetHeader(1);
    WriteKeySpec(r, encoded);
  } else {
    r.SetHeader(0);
  }
  const std::vector<CommandSpec>& subs = SubcommandsOf(spec);
  r.SetHeader(subs.size());
  for (const CommandSpec& sub : subs) WriteCommandInfo(r, sub);
}

void WriteCommandDocs(protocol::ReplyWriter& r, const CommandSpec& spec) {
  const CommandMetadata* meta = FindCommandMetadata(spec.FullName());
  const std::vector<CommandSpec>& subs = SubcommandsOf(spec);
  r.MapHeader(subs.empty() ? 4 : 5);
  r.Bulk("summary");
  r.Bulk(meta ? meta->summary : "");
  r.Bulk("since");
  r.Bulk(meta ? meta->since : "");
  r.Bulk("group");
  r.Bulk(meta ? meta->group : "generic");
  r.Bulk("complexity");
  r.Bulk(meta ? meta->complexity : "");
  if (!subs.empty()) {
    r.Bulk("subcommands");
    r.MapHeader(subs.size());
    for (const CommandSpec& sub : subs) {
      r.Bulk(sub.FullName());
      WriteCommandDocs(r, sub);
    }
  }
}

// Finds "name" or "container|sub" (COMMAND INFO/DOCS accept both).
const CommandSpec* FindByFullName(const CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* spec = table.Find(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) return spec;
  for (const CommandSpec& sub : SubcommandsOf(*spec)) {
    if (EqualsIgnoreCase(sub.name, name.substr(bar + 1))) return &sub;
  }
  return nullptr;
}

void CommandCountCommand(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.table.commands().size()));
}

void CommandAllCommand(CommandContext& ctx) {
  const auto& all = ctx.table.commands();
  ctx.reply.ArrayHeader(all.size());
  for (const auto& spec : all) WriteCommandInfo(ctx.reply, *spec);
}

// COMMAND INFO [command-name ...]
void CommandInfoCommand(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    CommandAllCommand(ctx);
    return;
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* spec = FindByFullName(ctx.table, ctx.argv[i]);
    if (spec == nullptr) {
      ctx.reply.Null();
    } else {
      WriteCommandInfo(ctx.reply, *spec);
    }
  }
}

// COMMAND DOCS [command-name ...]: unknown names are left out.
void CommandDocsCommand(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.argc() == 2) {
    for (const auto& spec : ctx.table.commands()) specs.push_back(spec.get());
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (const CommandSpec* spec = FindByFullName(ctx.table, ctx.argv[i])) specs.push_back(spec);
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.Bulk(spec->FullName());
    WriteCommandDocs(ctx.reply, *spec);
  }
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
void CommandListCommand(CommandContext& ctx) {
  enum class By { kAll, kModule, kAclCat, kPattern } by = By::kAll;
  std::string_view arg;
  if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.argv[2], "FILTERBY")) {
    arg = ctx.argv[4];
    if (EqualsIgnoreCase(ctx.argv[3], "MODULE")) by = By::kModule;
    else if (EqualsIgnoreCase(ctx.argv[3], "ACLCAT")) by = By::kAclCat;
    else if (EqualsIgnoreCase(ctx.argv[3], "PATTERN")) by = By::kPattern;
    else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::vector<std::string> names;
  auto consider = [&](const CommandSpec& spec) {
    std::string full = spec.FullName();
    bool keep = false;
    switch (by) {
      case By::kAll: keep = true; break;
      case By::kModule: keep = false; break;
      case By::kAclCat:
        for (std::string_view cat : Split(spec.acl_categories, ' ')) {
          if (cat.size() > 1 && EqualsIgnoreCase(cat.substr(1), arg)) keep = true;
        }
        break;
      case By::kPattern: keep = engine::GlobMatch(arg, full, /*nocase=*/true); break;
    }
    if (keep) names.push_back(std::move(full));
  };
  for (const auto& spec : ctx.table.commands()) {
    consider(*spec);
    for (const CommandSpec& sub : SubcommandsOf(*spec)) consider(sub);
  }
  ctx.reply.ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply.Bulk(n);
}

// Key positions of a movablekeys command (ZUNION, ZINTERSTORE, SINTERCARD, LMPOP...), evaluated from its
// Redis 7.0 key specs ("index:N" begin_search with "range:last:step:limit" or "keynum:idx:first:step"
// find_keys), as Redis's getKeysUsingKeySpecs does. nullopt when the arguments are invalid (numkeys out of
// range or below 1) or a spec cannot be evaluated.
std::optional<std::vector<size_t>> MovableKeyPositions(const CommandSpec& spec,
                                                       std::span<const std::string_view> cmd) {
  const CommandMetadata* meta = FindCommandMetadata(spec.FullName());
  if (meta == nullptr) return std::nullopt;
  const int64_t argc = static_cast<int64_t>(cmd.size());
  std::vector<size_t> positions;
  for (std::string_view encoded : Split(meta->key_specs, ';')) {
    std::vector<std::string_view> parts = Split(encoded, '|');
    if (parts.size() < 3) return std::nullopt;
    std::vector<std::string_view> begin = Split(parts[1], ':');
    std::vector<std::string_view> find = Split(parts[2], ':');
    int64_t start = 0;
    if (begin.size() != 2 || begin[0] != "index" || !protocol::ParseInt64(begin[1], &start)) return std::nullopt;
    if (start >= argc) continue;
    int64_t a = 0, b = 0, c = 0;
    if (find.size() != 4 || !protocol::ParseInt64(find[1], &a) || !protocol::ParseInt64(find[2], &b) ||
        !protocol::ParseInt64(find[3], &c)) {
      return std::nullopt;
    }
    if (find[0] == "range") {  // a = lastkey (negative: from the end), b = keystep
      const int64_t last = a >= 0 ? start + a : argc + a;
      for (int64_t i = start; i <= last && i < argc; i += std::max<int64_t>(b, 1)) positions.push_back(i);
    } else if (find[0] == "keynum") {  // a = numkeys index, b = first key, c = keystep
      int64_t numkeys = 0;
      const int64_t at = start + a;
      if (at >= argc || !protocol::ParseInt64(cmd[static_cast<size_t>(at)], &numkeys)) return std::nullopt;
      const int64_t first = start + b;
      const int64_t step = std::max<int64_t>(c, 1);
      if (numkeys < 1 || first + (numkeys - 1) * step >= argc) return std::nullopt;
      for (int64_t i = 0; i < numkeys; ++i) positions.push_back(static_cast<size_t>(first + i * step));
    } else {
      return std::nullopt;
    }
  }
  return positions;
}

void ReplyMovableKeys(CommandContext& ctx, const CommandSpec& spec, std::span<const std::string_view> cmd) {
  std::optional<std::vector<size_t>> positions = MovableKeyPositions(spec, cmd);
  if (!positions || positions->empty()) {
    if (spec.flags & kCmdNoMandatoryKeys) {
      ctx.reply.ArrayHeader(0);
    } else {
      ctx.reply.Error("ERR Invalid arguments specified for command");
    }
    return;
  }
  ctx.reply.ArrayHeader(positions->size());
  for (size_t i : *positions) ctx.reply.Bulk(cmd[i]);
}

// COMMAND GETKEYS command [arg ...]
void CommandGetKeysCommand(CommandContext& ctx) {
  std::span<const std::string_view> cmd = ctx.argv.subspan(2);
  const CommandSpec* spec = ctx.table.Find(cmd[0]);
  if (spec != nullptr && !SubcommandsOf(*spec).empty() && cmd.size() >= 2) {
    const CommandSpec* sub = nullptr;
    for (const CommandSpec& candidate : SubcommandsOf(*spec)) {
      if (EqualsIgnoreCase(candidate.name, cmd[1])) sub = &candidate;
    }
    spec = sub;
  }
  if (spec == nullptr) {
    ctx.reply.Error("ERR Invalid command specified");
    return;
  }
  const size_t argc = cmd.size();
  if ((spec->arity > 0 && argc != static_cast<size_t>(spec->arity)) ||
      (spec->arity < 0 && argc < static_cast<size_t>(-spec->arity))) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  if (spec->flags & kCmdMovableKeys) {
    ReplyMovableKeys(ctx, *spec, cmd);
    return;
  }
  if (spec->first_key <= 0) {
    ctx.reply.Error("ERR The command has no key arguments");
    return;
  }
  int64_t last = spec->last_key < 0 ? static_cast<int64_t>(argc) + spec->last_key : spec->last_key;
  int step = spec->step > 0 ? spec->step : 1;
  std::vector<std::string_view> keys;
  for (int64_t i = spec->first_key; i <= last && i < static_cast<int64_t>(argc); i += step) {
    keys.push_back(cmd[static_cast<size_t>(i)]);
  }
  ctx.reply.ArrayHeader(keys.size());
  for (std::string_view k : keys) ctx.reply.Bulk(k);
}

void CommandHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

CommandSpec Sub(const char* name, int arity, CommandHandler handler) {
  return MakeSpec(name, arity, kCmdLoading | kCmdStale, handler, "@slow @connection");
}

const CommandSpec& CommandContainer() {
  static const CommandSpec* container = [] {
    auto* spec = new CommandSpec(Sub("command", -1, nullptr));
    spec->subcommands.push_back(Sub("help", 2, CommandHelpCommand));
    spec->subcommands.push_back(Sub("count", 2, CommandCountCommand));
    spec->subcommands.push_back(Sub("docs", -2, CommandDocsCommand));
    spec->subcommands.push_back(Sub("getkeys", -4, CommandGetKeysCommand));
    spec->subcommands.push_back(Sub("list", -2, CommandListCommand));
    spec->subcommands.push_back(Sub("info", -2, CommandInfoCommand));
    for (CommandSpec& sub : spec->subcommands) sub.parent = spec;
    return spec;
  }();
  return *container;
}

// COMMAND [subcommand ...]
void CommandCommand(CommandContext& ctx) {
  if (ctx.argc() == 1) {
    CommandAllCommand(ctx);
    return;
  }
  const CommandSpec* sub = nullptr;
  for (const CommandSpec& candidate : CommandContainer().subcommands) {
    if (EqualsIgnoreCase(candidate.name, ctx.argv[1])) sub = &candidate;
  }
  if (sub == nullptr) {
    ctx.reply.Error(err::UnknownSubcommand(ctx.argv[0], ctx.argv[1]));
    return;
  }
  const size_t argc = ctx.argc();
  if ((sub->arity > 0 && argc != static_cast<size_t>(sub->arity)) ||
      (sub->arity < 0 && argc < static_cast<size_t>(-sub->arity))) {
    ctx.reply.Error(err::WrongArity(sub->FullName()));
    return;
  }
  sub->handler(ctx);
}

}  // namespace

void RegisterCommandCommand(CommandTable& table) {
  CommandSpec spec = Sub("command", -1, CommandCommand);
  table.Register(std::move(spec));
}

}  // namespace redrock::server
