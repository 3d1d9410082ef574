// Server commands: DBSIZE TIME FLUSHDB FLUSHALL SWAPDB SHUTDOWN LASTSAVE SAVE BGSAVE ROLE, plus INFO, CONFIG and
// COMMAND from their own files (FUNCTION is in server/scripting/).

#include <sys/time.h>

#include <atomic>
#include <climits>
#include <string>

#include "common/number_format.h"
#include "redrock/engine/engine.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/client_info.h"
#include "server/commands/families.h"
#include "server/commands/server_families.h"
#include "server/core/errors.h"
#include "server/core/log.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

std::atomic<int64_t> g_last_save_s{0};

void DbSizeCommand(CommandContext& ctx) {
  auto size = ctx.engine().DbSize(ctx.db());
  if (Failed(ctx, size)) return;
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
  if (Failed(ctx, s)) return;
  ctx.reply.Ok();
}

void FlushAllCommand(CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  engine::Status s = ctx.engine().FlushAll();
  if (Failed(ctx, s)) return;
  ctx.reply.Ok();
}

// SWAPDB index1 index2: runs with the exec gate held exclusively (nothing else runs meanwhile, so the
// WATCH and blocked-client scans below see the state the swap made). Redis sends no keyspace event.
void SwapDbCommand(CommandContext& ctx) {
  // Redis reads each index with getIntFromObjectOrReply: anything but an int gives the index's message.
  int64_t index[2] = {0, 0};
  constexpr std::string_view kInvalid[2] = {"ERR invalid first DB index", "ERR invalid second DB index"};
  for (int i = 0; i < 2; ++i) {
    if (!common::ParseInt64(ctx.argv[1 + i], &index[i]) || index[i] < INT_MIN || index[i] > INT_MAX) {
      ctx.reply.Error(kInvalid[i]);
      return;
    }
  }
  const int64_t databases = ctx.engine().options().databases;
  if (index[0] < 0 || index[0] >= databases || index[1] < 0 || index[1] >= databases) {
    ctx.reply.Error(err::kDbIndexOutOfRange);
    return;
  }
  const int a = static_cast<int>(index[0]);
  const int b = static_cast<int>(index[1]);
  if (a != b) {
    engine::Status st = ctx.engine().SwapDb(a, b);
    if (Failed(ctx, st)) return;
    // As touchAllWatchedKeysInDb: a watched key of either db is touched when it exists in either one
    // (what one db holds now, the other held before); a key missing from both changed nothing.
    engine::UncountedLookups uncounted;
    auto live = [&](int db, const std::string& key) {
      auto type = ctx.engine().Type(db, key);
      return !type.ok() || *type != engine::KeyType::kNone;  // an I/O error: touch, the safe side
    };
    for (int db : {a, b}) {
      for (const std::string& key : ctx.server.watches.WatchedKeys(db)) {
        if (live(a, key) || live(b, key)) ctx.server.watches.Touch(db, key);
      }
    }
    // As scanDatabaseForReadyKeys: a key someone waits on that now exists may serve them (ServeReadyKeys,
    // after the command, checks the type). As scanDatabaseForDeletedStreams: a blocked XREADGROUP whose
    // stream was swapped away for something else (or nothing) is told, as if the key were deleted.
    for (int db : {a, b}) {
      for (const std::string& key : ctx.server.blocking.BlockedKeys(db)) {
        if (live(db, key)) ctx.server.blocking.Signal(db, key);
        ctx.server.blocking.SignalStreamWaiters(db, key);
      }
    }
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
  if (Failed(ctx, s)) return;
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
  if (Failed(ctx, s)) return;
  RecordSave();
  ctx.reply.Simple("Background saving started");
}

void RoleCommand(CommandContext& ctx) {
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(0);
  ctx.reply.ArrayHeader(0);
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
  table.Bind("dbsize", DbSizeCommand);
  table.Bind("time", TimeCommand);
  table.Bind("flushdb", FlushDbCommand, kCmdExclusive);
  table.Bind("flushall", FlushAllCommand, kCmdExclusive);
  table.Bind("swapdb", SwapDbCommand, kCmdExclusive);
  table.Bind("shutdown", ShutdownCommand);
  table.Bind("lastsave", LastSaveCommand);
  table.Bind("save", SaveCommand);
  table.Bind("bgsave", BgSaveCommand);
  table.Bind("role", RoleCommand);
}

}  // namespace redrock::server
