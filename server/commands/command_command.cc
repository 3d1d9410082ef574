// COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS | GETKEYSANDFLAGS | HELP]: introspection of the command
// table, in the shape Redis 7.0.15 replies with. Everything printed comes from the bound specs and their
// catalog entries (core/command_catalog.h). COMMAND is the one container Redis also runs without a
// subcommand: it is bound with a handler of its own.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/glob.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_catalog.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
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

std::string_view Str(const char* s) { return s != nullptr ? std::string_view(s) : std::string_view(); }

// A set of simple strings (flags, ACL categories) from a space separated catalog field.
void WriteWordSet(protocol::ReplyWriter& r, const char* words, bool bulk) {
  std::vector<std::string_view> parts = Split(Str(words), ' ');
  r.SetHeader(parts.size());
  for (std::string_view p : parts) bulk ? r.Bulk(p) : r.Simple(p);
}

void WriteKeySpec(protocol::ReplyWriter& r, const catalog::KeySpec& ks) {
  r.MapHeader(ks.notes != nullptr ? 4 : 3);
  if (ks.notes != nullptr) {
    r.Bulk("notes");
    r.Bulk(ks.notes);
  }
  r.Bulk("flags");
  WriteWordSet(r, ks.flags, /*bulk=*/false);
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(ks.begin_type);
  r.Bulk("spec");
  const std::string_view begin = ks.begin_type;
  if (begin == "index") {
    r.MapHeader(1);
    r.Bulk("index");
    r.Integer(ks.index);
  } else if (begin == "keyword") {
    r.MapHeader(2);
    r.Bulk("keyword");
    r.Bulk(Str(ks.keyword));
    r.Bulk("startfrom");
    r.Integer(ks.startfrom);
  } else {
    r.MapHeader(0);
  }
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(ks.find_type);
  r.Bulk("spec");
  const std::string_view find = ks.find_type;
  if (find == "range" || find == "keynum") {
    const bool range = find == "range";
    r.MapHeader(3);
    r.Bulk(range ? "lastkey" : "keynumidx");
    r.Integer(ks.a);
    r.Bulk(range ? "keystep" : "firstkey");
    r.Integer(ks.b);
    r.Bulk(range ? "limit" : "keystep");
    r.Integer(ks.c);
  } else {
    r.MapHeader(0);
  }
}

void WriteCommandInfo(protocol::ReplyWriter& r, const CommandSpec& spec) {
  const catalog::Command& doc = *spec.doc;
  r.ArrayHeader(10);
  r.Bulk(doc.full_name);
  r.Integer(spec.arity);
  std::vector<std::string_view> flags = FlagNames(spec.flags);
  r.SetHeader(flags.size());
  for (std::string_view f : flags) r.Simple(f);
  r.Integer(spec.first_key);
  r.Integer(spec.last_key);
  r.Integer(spec.step);
  WriteWordSet(r, doc.acl_categories, /*bulk=*/false);
  WriteWordSet(r, doc.tips, /*bulk=*/true);
  std::span<const catalog::KeySpec> specs = catalog::KeySpecs(doc.key_specs);
  r.SetHeader(specs.size());
  for (const catalog::KeySpec& ks : specs) WriteKeySpec(r, ks);
  // Redis prints a container's subcommands as an array, and a plain command's none as an empty set.
  if (spec.subcommands.empty()) {
    r.SetHeader(0);
  } else {
    r.ArrayHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) WriteCommandInfo(r, sub);
  }
}

void WriteArgs(protocol::ReplyWriter& r, std::span<const catalog::Arg> args) {
  static constexpr std::pair<uint8_t, std::string_view> kArgFlags[] = {
      {catalog::kArgOptional, "optional"},
      {catalog::kArgMultiple, "multiple"},
      {catalog::kArgMultipleToken, "multiple_token"},
  };
  r.ArrayHeader(args.size());
  for (const catalog::Arg& a : args) {
    const std::string_view type = a.type;
    const bool nested = type == "oneof" || type == "block";
    r.MapHeader(2 + (a.key_spec_index != -1) + (a.token != nullptr) + (a.summary != nullptr) +
                (a.since != nullptr) + (a.deprecated_since != nullptr) + (a.flags != 0) + nested);
    r.Bulk("name");
    r.Bulk(a.name);
    r.Bulk("type");
    r.Bulk(type);
    if (a.key_spec_index != -1) {
      r.Bulk("key_spec_index");
      r.Integer(a.key_spec_index);
    }
    const std::pair<const char*, const char*> optional[] = {
        {"token", a.token}, {"summary", a.summary}, {"since", a.since}, {"deprecated_since", a.deprecated_since}};
    for (const auto& [field, value] : optional) {
      if (value == nullptr) continue;
      r.Bulk(field);
      r.Bulk(value);
    }
    if (a.flags != 0) {
      r.Bulk("flags");
      int n = 0;
      for (const auto& [bit, name] : kArgFlags) n += (a.flags & bit) != 0;
      r.SetHeader(n);
      for (const auto& [bit, name] : kArgFlags) {
        if (a.flags & bit) r.Simple(name);
      }
    }
    if (nested) {
      r.Bulk("arguments");
      WriteArgs(r, catalog::Args({a.first_child, a.num_children}));
    }
  }
}

void WriteCommandDocs(protocol::ReplyWriter& r, const CommandSpec& spec) {
  const catalog::Command& doc = *spec.doc;
  const bool subs = !spec.subcommands.empty();
  r.MapHeader(1 + (doc.summary != nullptr) + (doc.since != nullptr) + (doc.complexity != nullptr) +
              (doc.doc_flags != 0) + (doc.deprecated_since != nullptr) + (doc.replaced_by != nullptr) +
              doc.has_history + doc.has_arguments + subs);
  if (doc.summary != nullptr) {
    r.Bulk("summary");
    r.Bulk(doc.summary);
  }
  if (doc.since != nullptr) {
    r.Bulk("since");
    r.Bulk(doc.since);
  }
  r.Bulk("group");
  r.Bulk(doc.group);
  if (doc.complexity != nullptr) {
    r.Bulk("complexity");
    r.Bulk(doc.complexity);
  }
  if (doc.doc_flags != 0) {
    r.Bulk("doc_flags");
    const bool deprecated = doc.doc_flags & catalog::kDocDeprecated, syscmd = doc.doc_flags & catalog::kDocSyscmd;
    r.SetHeader(deprecated + syscmd);
    if (deprecated) r.Simple("deprecated");
    if (syscmd) r.Simple("syscmd");
  }
  if (doc.deprecated_since != nullptr) {
    r.Bulk("deprecated_since");
    r.Bulk(doc.deprecated_since);
  }
  if (doc.replaced_by != nullptr) {
    r.Bulk("replaced_by");
    r.Bulk(doc.replaced_by);
  }
  if (doc.has_history) {
    r.Bulk("history");
    std::span<const catalog::History> history = catalog::HistoryOf(doc.history);
    r.SetHeader(history.size());
    for (const catalog::History& h : history) {
      r.ArrayHeader(2);
      r.Bulk(h.since);
      r.Bulk(h.changes);
    }
  }
  if (doc.has_arguments) {
    r.Bulk("arguments");
    WriteArgs(r, catalog::Args(doc.arguments));
  }
  if (subs) {
    r.Bulk("subcommands");
    r.MapHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) {
      r.Bulk(sub.doc->full_name);
      WriteCommandDocs(r, sub);
    }
  }
}

// Finds "name" or "container|sub" (COMMAND INFO/DOCS accept both).
const CommandSpec* FindByFullName(const CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* spec = table.Find(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) return spec;
  return table.FindSubcommand(*spec, name.substr(bar + 1));
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
      case By::kPattern: keep = common::GlobMatch(arg, full, /*nocase=*/true); break;
    }
    if (keep) names.push_back(std::move(full));
  };
  for (const auto& spec : ctx.table.commands()) {
    consider(*spec);
    for (const CommandSpec& sub : spec->subcommands) consider(sub);
  }
  ctx.reply.ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply.Bulk(n);
}

struct KeyRef {
  size_t pos;
  const char* flags;  // the key spec's flags
};

// The keys of `cmd` found by the command's key specs, as Redis's getKeysUsingKeySpecs does (specs
// marked not_key are skipped); nullopt when a spec does not fit the arguments (a syntax error, or an
// incomplete or unknown spec), where Redis falls back to the command's own key finder. redrock has none
// of those, so such a call has no keys.
std::optional<std::vector<KeyRef>> KeysFromSpecs(const CommandSpec& spec, std::span<const std::string_view> cmd) {
  const int64_t argc = static_cast<int64_t>(cmd.size());
  std::vector<KeyRef> keys;
  for (const catalog::KeySpec& ks : catalog::KeySpecs(spec.doc->key_specs)) {
    const std::string_view flags = ks.flags;
    std::vector<std::string_view> words = Split(flags, ' ');
    auto has = [&](std::string_view w) { return std::find(words.begin(), words.end(), w) != words.end(); };
    if (has("not_key")) continue;
    int64_t first = 0;
    if (std::string_view(ks.begin_type) == "index") {
      first = ks.index;
    } else if (std::string_view(ks.begin_type) == "keyword") {
      const int64_t start = ks.startfrom > 0 ? ks.startfrom : argc + ks.startfrom;
      const int64_t end = ks.startfrom > 0 ? argc - 1 : 1;
      for (int64_t i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (EqualsIgnoreCase(cmd[static_cast<size_t>(i)], ks.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first == 0) continue;  // keyword absent: this spec names no keys
    } else {
      return std::nullopt;
    }
    int64_t last = 0, step = 1;
    if (std::string_view(ks.find_type) == "range") {
      step = ks.b;
      if (ks.a >= 0) last = first + ks.a;
      else if (ks.c == 0) last = argc + ks.a;
      else last = first + ((argc - first) / ks.c + ks.a);
    } else if (std::string_view(ks.find_type) == "keynum") {
      step = ks.c;
      int64_t numkeys = 0;
      if (ks.a >= argc || first + ks.a >= argc) return std::nullopt;
      if (!common::ParseInt64(cmd[static_cast<size_t>(first + ks.a)], &numkeys) || numkeys < 0) return std::nullopt;
      first += ks.b;
      last = first + numkeys - 1;
    } else {
      return std::nullopt;
    }
    if (last >= argc || last < first || first >= argc) return std::nullopt;
    for (int64_t i = first; i <= last; i += std::max<int64_t>(step, 1)) {
      keys.push_back({static_cast<size_t>(i), ks.flags});
    }
    if (has("incomplete")) return std::nullopt;
  }
  return keys;
}

// The key finders of their own that Redis falls back to when the key specs cannot say, for the
// commands redrock has that need one: SORT (sortGetKeys: the key, and the destination of the last STORE
// that has an argument, skipping LIMIT's two arguments and GET's and BY's one) and SORT_RO
// (sortROGetKeys: the key). nullopt for every other command.
std::optional<std::vector<KeyRef>> KeysFromFinder(const CommandSpec& spec, std::span<const std::string_view> cmd) {
  if (spec.name != "sort" && spec.name != "sort_ro") return std::nullopt;
  std::vector<KeyRef> keys = {{1, "RO access"}};
  if (spec.name == "sort_ro") return keys;
  std::optional<size_t> store;
  for (size_t i = 2; i < cmd.size(); ++i) {
    if (EqualsIgnoreCase(cmd[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(cmd[i], "get") || EqualsIgnoreCase(cmd[i], "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(cmd[i], "store") && i + 1 < cmd.size()) {
      store = i + 1;  // the option's value is examined as an option next, as in Redis
    }
  }
  if (store) keys.push_back({*store, "OW update"});
  return keys;
}

// Redis's doesCommandHaveKeys, for the commands redrock has (SORT and SORT_RO have key finders of their
// own, KeysFromFinder, and key specs naming their first key).
bool HasKeyArguments(const CommandSpec& spec) {
  for (const catalog::KeySpec& ks : catalog::KeySpecs(spec.doc->key_specs)) {
    if (std::string_view(ks.flags).find("not_key") == std::string_view::npos) return true;
  }
  return false;
}

// COMMAND GETKEYS command [arg ...] / COMMAND GETKEYSANDFLAGS command [arg ...]
void GetKeys(CommandContext& ctx, bool with_flags) {
  std::span<const std::string_view> cmd = ctx.argv.subspan(2);
  const CommandSpec* spec = ctx.table.Find(cmd[0]);
  if (spec != nullptr && !spec->subcommands.empty() && cmd.size() >= 2) {
    spec = ctx.table.FindSubcommand(*spec, cmd[1]);
  }
  if (spec == nullptr) {
    ctx.reply.Error("ERR Invalid command specified");
    return;
  }
  if (!HasKeyArguments(*spec)) {
    ctx.reply.Error("ERR The command has no key arguments");
    return;
  }
  const size_t argc = cmd.size();
  if ((spec->arity > 0 && argc != static_cast<size_t>(spec->arity)) ||
      (spec->arity < 0 && argc < static_cast<size_t>(-spec->arity))) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  std::optional<std::vector<KeyRef>> keys = KeysFromSpecs(*spec, cmd);
  if (!keys) keys = KeysFromFinder(*spec, cmd);
  if (!keys || keys->empty()) {
    if (spec->flags & kCmdNoMandatoryKeys) {
      ctx.reply.ArrayHeader(0);
    } else {
      ctx.reply.Error("ERR Invalid arguments specified for command");
    }
    return;
  }
  ctx.reply.ArrayHeader(keys->size());
  for (const KeyRef& key : *keys) {
    if (with_flags) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(cmd[key.pos]);
      WriteWordSet(ctx.reply, key.flags, /*bulk=*/false);
    } else {
      ctx.reply.Bulk(cmd[key.pos]);
    }
  }
}

void CommandGetKeysCommand(CommandContext& ctx) { GetKeys(ctx, /*with_flags=*/false); }
void CommandGetKeysAndFlagsCommand(CommandContext& ctx) { GetKeys(ctx, /*with_flags=*/true); }

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

// COMMAND (no subcommand): every command's COMMAND INFO.
void CommandCommand(CommandContext& ctx) { CommandAllCommand(ctx); }

}  // namespace

void RegisterCommandCommand(CommandTable& table) {
  table.Bind("command", CommandCommand);
  table.Bind("command|count", CommandCountCommand);
  table.Bind("command|docs", CommandDocsCommand);
  table.Bind("command|getkeys", CommandGetKeysCommand);
  table.Bind("command|getkeysandflags", CommandGetKeysAndFlagsCommand);
  table.Bind("command|help", CommandHelpCommand);
  table.Bind("command|info", CommandInfoCommand);
  table.Bind("command|list", CommandListCommand);
}

}  // namespace redrock::server
