// FCALL, FCALL_RO and FUNCTION LOAD|DELETE|LIST|FLUSH|DUMP|RESTORE|STATS|KILL|HELP (Redis 7.0's
// functions.c). Commands that change the libraries or run a function hold the exec gate exclusively;
// every change is written to the data directory before the reply.

#include <string>
#include <string_view>

#include "common/glob.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/scripting/script_commands.h"
#include "server/scripting/scripting.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

// FCALL function numkeys [key ...] [arg ...]
void FcallGeneric(CommandContext& ctx, bool read_only) {
  Scripting& scripting = *ctx.server.scripting;
  const FunctionInfo* function = scripting.functions().Find(ctx.argv[1], nullptr);
  if (function == nullptr) {
    ctx.reply.Error("ERR Function not found");
    return;
  }
  size_t numkeys = 0;
  if (!ParseNumKeys(ctx, "ERR Bad number of keys provided", &numkeys)) return;
  if (!(function->flags & kScriptNoWrites) && read_only) {
    ctx.reply.Error(kWriteFlagWithRo);
    return;
  }
  if (std::string_view refusal = ScriptOomRefusal(ctx.client, function->flags); !refusal.empty()) {
    ctx.reply.Error(refusal);
    return;
  }
  ScriptRun run{ctx, scripting.script_client(), scripting.run_state(), function->name};
  run.eval = false;
  run.read_only = read_only || (function->flags & kScriptNoWrites);
  run.oom_at_start = ctx.client.oom_at_start;
  run.allow_oom = (function->flags & kScriptAllowOom) != 0;
  run.busy_threshold_ms = scripting.BusyThresholdMs();
  RunScript(scripting.functions().vm(), run, function->function_ref, ctx.argv.subspan(3, numkeys),
            ctx.argv.subspan(3 + numkeys));
}

void FcallCommand(CommandContext& ctx) { FcallGeneric(ctx, false); }
void FcallRoCommand(CommandContext& ctx) { FcallGeneric(ctx, true); }

// FUNCTION LOAD [REPLACE] function-code
void FunctionLoadCommand(CommandContext& ctx) {
  bool replace = false;
  size_t pos = 2;
  while (pos < ctx.argc() - 1) {
    std::string_view arg = ctx.argv[pos++];
    if (EqualsIgnoreCase(arg, "replace")) {
      replace = true;
      continue;
    }
    ctx.reply.Error("ERR Unknown option given: " + std::string(arg));
    return;
  }
  if (pos >= ctx.argc()) {
    ctx.reply.Error("ERR Function code is missing");
    return;
  }
  Scripting& scripting = *ctx.server.scripting;
  std::string result;
  if (!scripting.functions().Load(ctx.argv[pos], replace, &result)) {
    ctx.reply.Error(result);
    return;
  }
  scripting.SaveFunctions();
  ctx.reply.Bulk(result);
}

// FUNCTION DELETE library-name
void FunctionDeleteCommand(CommandContext& ctx) {
  Scripting& scripting = *ctx.server.scripting;
  if (!scripting.functions().Delete(ctx.argv[2])) {
    ctx.reply.Error("ERR Library not found");
    return;
  }
  scripting.SaveFunctions();
  ctx.reply.Ok();
}

// FUNCTION FLUSH [ASYNC|SYNC]: both flush synchronously.
void FunctionFlushCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.argv[2], "sync") && !EqualsIgnoreCase(ctx.argv[2], "async")) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  Scripting& scripting = *ctx.server.scripting;
  scripting.functions().Flush();
  scripting.SaveFunctions();
  ctx.reply.Ok();
}

void ReplyFunctionFlags(CommandContext& ctx, uint32_t flags) {
  size_t n = 0;
  for (const ScriptFlagName& f : kScriptFlagNames) n += (flags & f.flag) ? 1 : 0;
  ctx.reply.SetHeader(n);
  for (const ScriptFlagName& f : kScriptFlagNames) {
    if (flags & f.flag) ctx.reply.Simple(f.name);
  }
}

// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
void FunctionListCommand(CommandContext& ctx) {
  bool with_code = false;
  bool have_pattern = false;
  std::string_view pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view arg = ctx.argv[i];
    if (!with_code && EqualsIgnoreCase(arg, "withcode")) {
      with_code = true;
      continue;
    }
    if (!have_pattern && EqualsIgnoreCase(arg, "libraryname")) {
      if (i >= ctx.argc() - 1) {
        ctx.reply.Error("ERR library name argument was not given");
        return;
      }
      pattern = ctx.argv[++i];
      have_pattern = true;
      continue;
    }
    ctx.reply.Error("ERR Unknown argument " + std::string(arg));
    return;
  }
  const auto& libraries = ctx.server.scripting->functions().libraries();
  size_t count = 0;
  for (const auto& [name, library] : libraries) {
    if (!have_pattern || common::GlobMatch(pattern, name, /*nocase=*/true)) ++count;
  }
  ctx.reply.ArrayHeader(count);
  for (const auto& [name, library] : libraries) {
    if (have_pattern && !common::GlobMatch(pattern, name, /*nocase=*/true)) continue;
    ctx.reply.MapHeader(with_code ? 4 : 3);
    ctx.reply.Bulk("library_name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("engine");
    ctx.reply.Bulk("LUA");
    ctx.reply.Bulk("functions");
    ctx.reply.ArrayHeader(library->functions.size());
    for (const FunctionInfo& f : library->functions) {
      ctx.reply.MapHeader(3);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(f.name);
      ctx.reply.Bulk("description");
      if (f.description) {
        ctx.reply.Bulk(*f.description);
      } else {
        ctx.reply.Null();
      }
      ctx.reply.Bulk("flags");
      ReplyFunctionFlags(ctx, f.flags);
    }
    if (with_code) {
      ctx.reply.Bulk("library_code");
      ctx.reply.Bulk(library->code);
    }
  }
}

// FUNCTION DUMP: redrock's payload (see function_library.h), not Redis's RDB encoding.
void FunctionDumpCommand(CommandContext& ctx) { ctx.reply.Bulk(ctx.server.scripting->functions().Dump()); }

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
void FunctionRestoreCommand(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  FunctionLibrary::RestorePolicy policy = FunctionLibrary::RestorePolicy::kAppend;
  if (ctx.argc() == 4) {
    std::string_view p = ctx.argv[3];
    if (EqualsIgnoreCase(p, "append")) {
      policy = FunctionLibrary::RestorePolicy::kAppend;
    } else if (EqualsIgnoreCase(p, "replace")) {
      policy = FunctionLibrary::RestorePolicy::kReplace;
    } else if (EqualsIgnoreCase(p, "flush")) {
      policy = FunctionLibrary::RestorePolicy::kFlush;
    } else {
      ctx.reply.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  Scripting& scripting = *ctx.server.scripting;
  std::string error;
  if (!scripting.functions().Restore(ctx.argv[2], policy, &error)) {
    ctx.reply.Error(error);
    return;
  }
  scripting.SaveFunctions();
  ctx.reply.Ok();
}

// FUNCTION STATS: also answered while a function is busy (allow-busy, without the exec gate); while an
// EVAL script is busy it answers BUSY, as Redis does.
void FunctionStatsCommand(CommandContext& ctx) {
  Scripting& scripting = *ctx.server.scripting;
  ScriptRunState::Snapshot running = scripting.run_state().Get();
  if (running.running && running.eval) {
    ctx.reply.Error(kBusyEvalError);
    return;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("running_script");
  if (!running.running) {
    ctx.reply.Null();
  } else {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(running.name);
    ctx.reply.Bulk("command");
    ctx.reply.ArrayHeader(running.argv.size());
    for (const std::string& arg : running.argv) ctx.reply.Bulk(arg);
    ctx.reply.Bulk("duration_ms");
    ctx.reply.Integer(running.duration_ms);
  }
  ctx.reply.Bulk("engines");
  ctx.reply.MapHeader(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Integer(static_cast<int64_t>(scripting.functions().libraries().size()));
  ctx.reply.Bulk("functions_count");
  ctx.reply.Integer(static_cast<int64_t>(scripting.functions().function_count()));
}

// FUNCTION KILL: runs without the exec gate while a function is busy (server/scripting/busy.h).
void FunctionKillCommand(CommandContext& ctx) { ctx.server.scripting->run_state().Kill(false, ctx.reply); }

void FunctionHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using FUNCTION "
      "RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterFunctionCommands(CommandTable& table) {
  // A function runs with the exec gate held exclusively; its own flags decide deny-oom.
  constexpr uint32_t kScript = kCmdExclusive | kCmdRunsScript;
  table.Bind("fcall", FcallCommand, kScript).denies_oom = ScriptDeniesOom;
  table.Bind("fcall_ro", FcallRoCommand, kScript).denies_oom = ScriptDeniesOom;

  // Changing the libraries excludes running scripts.
  table.Bind("function|delete", FunctionDeleteCommand, kCmdExclusive);
  table.Bind("function|dump", FunctionDumpCommand);
  table.Bind("function|flush", FunctionFlushCommand, kCmdExclusive);
  table.Bind("function|help", FunctionHelpCommand);
  table.Bind("function|kill", FunctionKillCommand);
  table.Bind("function|list", FunctionListCommand);
  table.Bind("function|load", FunctionLoadCommand, kCmdExclusive);
  table.Bind("function|restore", FunctionRestoreCommand, kCmdExclusive);
  table.Bind("function|stats", FunctionStatsCommand);
}

}  // namespace redrock::server
