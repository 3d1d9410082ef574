// CONFIG GET|SET|RESETSTAT|REWRITE|HELP, with Redis 7.0's replies and error texts.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "redrock/engine/engine.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/server_families.h"
#include "redrock/server/config.h"
#include "server/config/config_loader.h"
#include "server/config/config_options.h"
#include "server/core/errors.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

using config_internal::AllOptions;
using config_internal::Kind;
using config_internal::OptionDef;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const OptionDef* FindOption(std::string_view name) {
  std::string lower = Lower(name);
  for (const OptionDef& def : AllOptions()) {
    if (lower == def.name || (def.alias != nullptr && lower == def.alias)) return &def;
  }
  return nullptr;
}

bool HasGlob(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

// CONFIG GET parameter [parameter ...]
void ConfigGetCommand(CommandContext& ctx) {
  std::vector<std::pair<std::string, std::string>> result;
  std::unordered_set<std::string> seen;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view pattern = ctx.argv[i];
    if (!HasGlob(pattern)) {
      // An exact name answers under the name as given, once per option (aliases included).
      const OptionDef* def = FindOption(pattern);
      if (def == nullptr || !seen.insert(def->name).second) continue;
      result.emplace_back(std::string(pattern), ctx.server.config.Get(def->name).value_or(""));
      continue;
    }
    for (auto& [name, value] : ctx.server.config.Match(pattern)) {
      if (seen.insert(name).second) result.emplace_back(std::move(name), std::move(value));
    }
  }
  ctx.reply.MapHeader(result.size());
  for (const auto& [name, value] : result) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

// CONFIG SET parameter value [parameter value ...]: all or nothing, as Redis 7.0.
void ConfigSetCommand(CommandContext& ctx) {
  if ((ctx.argc() - 2) % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  // First pass, in argument order as Redis: unknown names, immutable or protected ones, duplicates.
  std::vector<const OptionDef*> defs;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    const OptionDef* def = FindOption(ctx.argv[i]);
    if (def == nullptr) {
      ctx.reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(ctx.argv[i]) +
                      "'");
      return;
    }
    const char* reason = (def->flags & config_internal::kImmutable)   ? "can't set immutable config"
                         : (def->flags & config_internal::kProtected) ? "can't set protected config"
                                                                      : nullptr;
    for (const OptionDef* prev : defs) {
      if (prev == def) reason = "duplicate parameter";
    }
    if (reason != nullptr) {
      ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" + Lower(ctx.argv[i]) + "') - " +
                      reason);
      return;
    }
    defs.push_back(def);
  }
  std::vector<std::pair<std::string, std::string>> applied;  // (name, previous value) for rollback
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string previous = ctx.server.config.Get(ctx.argv[i]).value_or("");
    common::Status s = ctx.server.config.Set(ctx.argv[i], ctx.argv[i + 1], ConfigSource::kRuntime);
    if (!s.ok()) {
      for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
        (void)ctx.server.config.Set(it->first, it->second, ConfigSource::kRuntime);
      }
      ctx.reply.Error("ERR " + s.message());
      return;
    }
    applied.emplace_back(std::string(ctx.argv[i]), std::move(previous));
  }
  ctx.reply.Ok();
}

void ConfigResetStatCommand(CommandContext& ctx) {
  ServerStats& st = ctx.server.stats;
  st.total_connections_received = 0;
  st.total_commands_processed = 0;
  st.rejected_connections = 0;
  st.total_net_input_bytes = 0;
  st.total_net_output_bytes = 0;
  st.ResetKeyspaceCounts(ctx.engine().Stats());
  st.total_error_replies = 0;
  st.errors.Reset();
  for (const auto& command : ctx.table.commands()) {
    if (command->stats != nullptr) command->stats->Reset();
    for (const CommandSpec& sub : command->subcommands) {
      if (sub.stats != nullptr) sub.stats->Reset();
    }
  }
  ctx.reply.Ok();
}

// The config-file lines for one option's current value.
std::vector<std::string> RewriteLines(const OptionDef& def, const std::string& value) {
  std::vector<std::string> lines;
  std::string_view name = def.name;
  if (name == "save") {
    std::istringstream words(value);
    std::string a, b;
    while (words >> a >> b) lines.push_back("save " + a + " " + b);
    if (lines.empty()) lines.push_back("save \"\"");
    return lines;
  }
  if (def.kind == Kind::kString) {
    lines.push_back(std::string(name) + " " + QuoteConfigArg(value));
  } else if (value.empty()) {
    lines.push_back(std::string(name) + " \"\"");
  } else {
    lines.push_back(std::string(name) + " " + value);
  }
  return lines;
}

// Rewrites the config file in place: lines of known options take their current values (the first
// occurrence; repeats are dropped), comments and unknown lines stay, and options changed from their
// defaults that the file did not mention are appended.
common::Status RewriteConfigFile(const std::string& path, Config& config) {
  std::vector<std::string> old_lines;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) old_lines.push_back(line);
  }
  std::vector<std::string> out;
  std::set<std::string> written;
  std::vector<std::string> args;
  for (const std::string& line : old_lines) {
    if (!SplitConfigArgs(line, &args) || args.empty() || line.find_first_not_of(" \t") == std::string::npos ||
        line[line.find_first_not_of(" \t")] == '#') {
      if (line != "# Generated by CONFIG REWRITE") out.push_back(line);
      continue;
    }
    const OptionDef* def = FindOption(args[0]);
    if (def == nullptr) {
      out.push_back(line);
      continue;
    }
    if (!written.insert(def->name).second) continue;
    for (std::string& l : RewriteLines(*def, config.Get(def->name).value_or(""))) out.push_back(std::move(l));
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  bool header = false;
  for (const OptionDef& def : AllOptions()) {
    if (written.count(def.name)) continue;
    std::string value = config.Get(def.name).value_or("");
    std::string_view name = def.name;
    bool changed = name == "dir" ? true : name == "io-threads" ? false : value != def.default_value;
    if (!changed) continue;
    if (!header) {
      out.emplace_back();
      out.emplace_back("# Generated by CONFIG REWRITE");
      header = true;
    }
    for (std::string& l : RewriteLines(def, value)) out.push_back(std::move(l));
  }
  std::string tmp = path + ".redrock-rewrite.tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    for (const std::string& l : out) f << l << "\n";
    f.flush();
    if (!f) return common::Status::IOError("Rewriting config file: " + std::string(std::strerror(errno)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return common::Status::IOError("Rewriting config file: " + ec.message());
  return common::Status::OK();
}

void ConfigRewriteCommand(CommandContext& ctx) {
  if (ctx.server.config_file.empty()) {
    ctx.reply.Error("ERR The server is running without a config file");
    return;
  }
  common::Status s = RewriteConfigFile(ctx.server.config_file, ctx.server.config);
  if (!s.ok()) {
    ctx.reply.Error("ERR " + s.message());
    return;
  }
  ctx.reply.Ok();
}

void ConfigHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterConfigCommand(CommandTable& table) {
  table.Bind("config|get", ConfigGetCommand);
  table.Bind("config|help", ConfigHelpCommand);
  table.Bind("config|resetstat", ConfigResetStatCommand);
  table.Bind("config|rewrite", ConfigRewriteCommand);
  table.Bind("config|set", ConfigSetCommand);
}

}  // namespace redrock::server
