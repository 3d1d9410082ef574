// Server commands: DBSIZE TIME FLUSHDB FLUSHALL SHUTDOWN FUNCTION LASTSAVE SAVE BGSAVE ROLE, plus INFO,
// CONFIG and COMMAND from their own files.

#include <sys/time.h>

#include <atomic>
#include <string>

#include "engine/engine.h"
#include "server/args.h"
#include "server/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/client_info.h"
#include "server/commands/families.h"
#include "server/commands/server_families.h"
#include "server/errors.h"
#include "server/log.h"
#include "server/server_state.h"

namespace redrock::server {

namespace {

std::atomic<int64_t> g_last_save_s{0};

void DbSizeCommand(CommandContext& ctx) {
  auto size = ctx.engine().DbSize(ctx.db());
  if (!size.ok()) {
    ctx.reply.Error(err::FromStatus(size.status()));
    return;
  }
  ctx.reply.Integer(*size);
}

// TIME: wall-clock seconds and microseconds, as two bulk strings.
void TimeCommand(CommandContext& ctx) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(tv.tv_sec));
  ctx.reply.Bulk(std::to_string(tv.tv_usec));
}

// [ASYNC|SYNC]: both flush synchronously (RocksDB drops the ranges in one batch either way).
bool ParseFlushMode(CommandContext& ctx) {
  if (ctx.argc() > 2 ||
      (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.argv[1], "ASYNC") && !EqualsIgnoreCase(ctx.argv[1], "SYNC"))) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

void FlushDbCommand(CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  engine::Status s = ctx.engine().FlushDb(ctx.db());
  if (!s.ok()) {
    ctx.reply.Error(err::FromStatus(s));
    return;
  }
  ctx.reply.Ok();
}

void FlushAllCommand(CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  engine::Status s = ctx.engine().FlushAll();
  if (!s.ok()) {
    ctx.reply.Error(err::FromStatus(s));
    return;
  }
  ctx.reply.Ok();
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: no reply on success; the server stops gracefully (the
// engine syncs its WAL on close, so SAVE and NOSAVE end the same way).
void ShutdownCommand(CommandContext& ctx) {
  bool save = false, nosave = false, abort = false, other = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.argv[i];
    if (EqualsIgnoreCase(a, "NOSAVE")) nosave = true;
    else if (EqualsIgnoreCase(a, "SAVE")) save = true;
    else if (EqualsIgnoreCase(a, "NOW") || EqualsIgnoreCase(a, "FORCE")) other = true;
    else if (EqualsIgnoreCase(a, "ABORT")) abort = true;
    else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if ((save && nosave) || (abort && (save || nosave || other))) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (abort) {
    ctx.reply.Error("ERR No shutdown in progress.");
    return;
  }
  if (save) {
    engine::Status s = ctx.engine().Flush();
    if (!s.ok()) {
      ctx.reply.Error("ERR Errors trying to SHUTDOWN. Check logs.");
      return;
    }
  }
  Log(LogLevel::kWarning, "User requested shutdown...");
  ctx.client.close_after_reply = true;
  if (ctx.server.request_shutdown) ctx.server.request_shutdown();
}

void LastSaveCommand(CommandContext& ctx) { ctx.reply.Integer(LastSaveTime(ctx.server)); }

void SaveCommand(CommandContext& ctx) {
  engine::Status s = ctx.engine().Flush();
  if (!s.ok()) {
    ctx.reply.Error(err::FromStatus(s));
    return;
  }
  RecordSave();
  ctx.reply.Ok();
}

// BGSAVE [SCHEDULE]: the flush is quick (memtables to SST), so it runs inline.
void BgSaveCommand(CommandContext& ctx) {
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.argv[1], "SCHEDULE"))) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  engine::Status s = ctx.engine().Flush();
  if (!s.ok()) {
    ctx.reply.Error(err::FromStatus(s));
    return;
  }
  RecordSave();
  ctx.reply.Simple("Background saving started");
}

void RoleCommand(CommandContext& ctx) {
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(0);
  ctx.reply.ArrayHeader(0);
}

// FUNCTION FLUSH [ASYNC|SYNC]: there are never any libraries.
void FunctionFlushCommand(CommandContext& ctx) {
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.argv[2], "ASYNC") && !EqualsIgnoreCase(ctx.argv[2], "SYNC")) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
void FunctionListCommand(CommandContext& ctx) {
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view a = ctx.argv[i];
    if (EqualsIgnoreCase(a, "WITHCODE")) continue;
    if (EqualsIgnoreCase(a, "LIBRARYNAME")) {
      if (i + 1 >= ctx.argc()) {
        ctx.reply.Error("ERR library name argument was not given");
        return;
      }
      ++i;
      continue;
    }
    ctx.reply.Error("ERR Unknown argument " + std::string(a));
    return;
  }
  ctx.reply.ArrayHeader(0);
}

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

int64_t LastSaveTime(const ServerState& state) {
  int64_t t = g_last_save_s.load(std::memory_order_relaxed);
  return t != 0 ? t : state.start_time_ms / 1000;
}

void RecordSave() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  g_last_save_s.store(tv.tv_sec, std::memory_order_relaxed);
}

void RegisterServerCommands(CommandTable& table) {
  RegisterInfoCommand(table);
  RegisterConfigCommand(table);
  RegisterCommandCommand(table);
  table.Register(MakeSpec("dbsize", 1, kCmdReadOnly | kCmdFast, DbSizeCommand, "@keyspace @read @fast"));
  table.Register(MakeSpec("time", 1, kCmdLoading | kCmdStale | kCmdFast, TimeCommand, "@fast"));
  table.Register(
      MakeSpec("flushdb", -1, kCmdWrite | kCmdExclusive, FlushDbCommand, "@keyspace @write @slow @dangerous"));
  table.Register(
      MakeSpec("flushall", -1, kCmdWrite | kCmdExclusive, FlushAllCommand, "@keyspace @write @slow @dangerous"));
  table.Register(MakeSpec("shutdown", -1,
                          kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdNoMulti | kCmdAllowBusy,
                          ShutdownCommand, "@admin @slow @dangerous"));
  table.Register(
      MakeSpec("lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, LastSaveCommand, "@admin @fast @dangerous"));
  table.Register(MakeSpec("save", 1, kCmdAdmin | kCmdNoScript | kCmdNoAsyncLoading | kCmdNoMulti, SaveCommand,
                          "@admin @slow @dangerous"));
  table.Register(MakeSpec("bgsave", -1, kCmdAdmin | kCmdNoScript | kCmdNoAsyncLoading, BgSaveCommand,
                          "@admin @slow @dangerous"));
  table.Register(MakeSpec("role", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast, RoleCommand,
                          "@admin @fast @dangerous"));

  CommandSpec function = MakeSpec("function", -2, 0, nullptr, "@slow");
  function.subcommands.push_back(
      MakeSpec("flush", -2, kCmdWrite | kCmdNoScript, FunctionFlushCommand, "@write @slow @scripting"));
  function.subcommands.push_back(MakeSpec("list", -2, kCmdNoScript, FunctionListCommand, "@slow @scripting"));
  function.subcommands.push_back(
      MakeSpec("help", 2, kCmdLoading | kCmdStale, FunctionHelpCommand, "@slow @scripting"));
  table.Register(std::move(function));
}

}  // namespace redrock::server
