// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis 7.0's eval.c). Scripts run with the exec gate
// held exclusively (kCmdExclusive), so a script is atomic and the one EVAL VM is never shared.

#include <string>
#include <string_view>

#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/core/errors.h"
#include "common/ascii_case.h"
#include "server/scripting/busy.h"
#include "server/scripting/script_commands.h"
#include "server/scripting/scripting.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

constexpr std::string_view kNoScript = "NOSCRIPT No matching script. Please use EVAL.";

// EVAL script numkeys [key ...] [arg ...] and its variants.
void EvalGeneric(CommandContext& ctx, bool by_sha, bool read_only) {
  Scripting& scripting = *ctx.server.scripting;
  if (by_sha && ctx.argv[1].size() != 40) {
    ctx.reply.Error(kNoScript);
    return;
  }
  size_t numkeys = 0;
  if (!ParseNumKeys(ctx, err::kNotInteger, &numkeys)) return;

  const EvalScripts::Script* script = nullptr;
  std::string name;
  if (by_sha) {
    script = scripting.eval().Find(ctx.argv[1]);
    if (script == nullptr) {
      ctx.reply.Error(kNoScript);
      return;
    }
    name = common::AsciiLower(ctx.argv[1]);
  } else {
    std::string error;
    script = scripting.eval().Create(ctx.argv[1], &name, &error);
    if (script == nullptr) {
      ctx.reply.Error(error);
      return;
    }
  }
  const bool compat = (script->flags & kScriptEvalCompat) != 0;
  if (!compat && !(script->flags & kScriptNoWrites) && read_only) {
    ctx.reply.Error(kWriteFlagWithRo);
    return;
  }
  if (!compat) {
    if (std::string_view refusal = ScriptOomRefusal(ctx.client, script->flags); !refusal.empty()) {
      ctx.reply.Error(refusal);
      return;
    }
  }
  ScriptRun run{ctx, scripting.script_client(), scripting.run_state(), std::move(name)};
  run.eval = true;
  run.read_only = read_only || (!compat && (script->flags & kScriptNoWrites));
  run.oom_at_start = ctx.client.oom_at_start;
  run.allow_oom = !compat && (script->flags & kScriptAllowOom);
  run.busy_threshold_ms = scripting.BusyThresholdMs();
  auto keys = ctx.argv.subspan(3, numkeys);
  auto args = ctx.argv.subspan(3 + numkeys);
  RunScript(scripting.eval().vm(), run, script->function_ref, keys, args);
}

void EvalCommand(CommandContext& ctx) { EvalGeneric(ctx, false, false); }
void EvalShaCommand(CommandContext& ctx) { EvalGeneric(ctx, true, false); }
void EvalRoCommand(CommandContext& ctx) { EvalGeneric(ctx, false, true); }
void EvalShaRoCommand(CommandContext& ctx) { EvalGeneric(ctx, true, true); }

// SCRIPT LOAD script
void ScriptLoadCommand(CommandContext& ctx) {
  std::string sha, error;
  if (ctx.server.scripting->eval().Create(ctx.argv[2], &sha, &error) == nullptr) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Bulk(sha);
}

// SCRIPT EXISTS sha1 [sha1 ...]
void ScriptExistsCommand(CommandContext& ctx) {
  EvalScripts& scripts = ctx.server.scripting->eval();
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.reply.Integer(scripts.Find(ctx.argv[i]) != nullptr ? 1 : 0);
}

// SCRIPT FLUSH [ASYNC|SYNC]: both flush synchronously.
void ScriptFlushCommand(CommandContext& ctx) {
  if (ctx.argc() != 2 &&
      !(ctx.argc() == 3 && (EqualsIgnoreCase(ctx.argv[2], "sync") || EqualsIgnoreCase(ctx.argv[2], "async")))) {
    ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.server.scripting->eval().Flush();
  ctx.reply.Ok();
}

// SCRIPT KILL: runs without the exec gate while a script is busy (server/scripting/busy.h).
void ScriptKillCommand(CommandContext& ctx) { ctx.server.scripting->run_state().Kill(true, ctx.reply); }

// SCRIPT DEBUG YES|SYNC|NO: redrock has no Lua debugger; NO (the default state) is accepted.
void ScriptDebugCommand(CommandContext& ctx) {
  std::string_view mode = ctx.argv[2];
  if (EqualsIgnoreCase(mode, "no")) {
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "yes") || EqualsIgnoreCase(mode, "sync")) {
    ctx.reply.Error("ERR SCRIPT DEBUG is not supported by redrock");
  } else {
    ctx.reply.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
  }
}

void ScriptHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

}  // namespace

void ReplySubcommandSyntaxError(CommandContext& ctx) {
  std::string container(ctx.argv[0]);
  for (char& c : container) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.argv[1]) + "'. Try " +
                  container + " HELP.");
}

bool ParseNumKeys(CommandContext& ctx, std::string_view not_integer, size_t* numkeys) {
  int64_t n = 0;
  if (!common::ParseInt64(ctx.argv[2], &n)) {
    ctx.reply.Error(not_integer);
    return false;
  }
  if (n > static_cast<int64_t>(ctx.argc() - 3)) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (n < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return false;
  }
  *numkeys = static_cast<size_t>(n);
  return true;
}

void RegisterEvalCommands(CommandTable& table) {
  // A script runs with the exec gate held exclusively; its own flags decide deny-oom.
  constexpr uint32_t kScript = kCmdExclusive | kCmdRunsScript;
  table.Bind("eval", EvalCommand, kScript).denies_oom = ScriptDeniesOom;
  table.Bind("evalsha", EvalShaCommand, kScript).denies_oom = ScriptDeniesOom;
  table.Bind("eval_ro", EvalRoCommand, kScript).denies_oom = ScriptDeniesOom;
  table.Bind("evalsha_ro", EvalShaRoCommand, kScript).denies_oom = ScriptDeniesOom;

  table.Bind("script|debug", ScriptDebugCommand);
  table.Bind("script|exists", ScriptExistsCommand);
  table.Bind("script|flush", ScriptFlushCommand, kCmdExclusive);
  table.Bind("script|help", ScriptHelpCommand);
  table.Bind("script|kill", ScriptKillCommand);
  table.Bind("script|load", ScriptLoadCommand, kCmdExclusive);
}

void RegisterScriptingCommands(CommandTable& table) {
  RegisterScriptAdmission(table);
  RegisterEvalCommands(table);
  RegisterFunctionCommands(table);
}

}  // namespace redrock::server
