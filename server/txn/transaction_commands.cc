// MULTI, EXEC, DISCARD, WATCH and UNWATCH. Queueing happens centrally in CommandTable::Dispatch; EXEC
// runs with the exec gate held exclusively (kCmdExclusive), so other clients see all of a transaction or
// none of it, and every write that could touch a watched key has finished (and reported it) before
// EXEC looks at the dirty flag. The WATCH rules are in server/watch.h.

#include <string_view>
#include <vector>

#include "redrock/engine/engine.h"
#include "server/core/command_table.h"
#include "server/commands/families.h"
#include "server/core/errors.h"
#include "server/core/server_state.h"
#include "server/txn/watch.h"

namespace redrock::server {

namespace {

void DiscardTransaction(CommandContext& ctx) { server::DiscardTransaction(ctx.client, ctx.server); }

// MULTI
void MultiCommand(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.reply.Error(err::kMultiNested);
    return;
  }
  ctx.client.in_multi = true;
  ctx.client.multi_error = false;
  ctx.client.queued.clear();
  ctx.reply.Ok();
}

// EXEC
void ExecCommand(CommandContext& ctx) {
  ClientState& client = ctx.client;
  if (!client.in_multi) {
    ctx.reply.Error(err::kExecWithoutMulti);
    return;
  }
  // A queueing error wins over a touched watched key, as in Redis.
  if (client.multi_error) {
    DiscardTransaction(ctx);
    ctx.reply.Error(err::kExecAbort);
    return;
  }
  if (WatchRegistry::ExecMustFail(client, ctx.engine().NowMs())) {
    DiscardTransaction(ctx);
    ctx.reply.NullArray();
    return;
  }
  std::vector<QueuedCommand> queued = std::move(client.queued);
  // Unwatched before the queued commands run, as Redis does (their own writes concern nobody).
  DiscardTransaction(ctx);
  ctx.reply.ArrayHeader(queued.size());
  std::vector<std::string_view> argv;
  client.in_exec = true;
  struct ClearInExec {
    ClientState& client;
    ~ClearInExec() { client.in_exec = false; }
  } clear_in_exec{client};
  for (const QueuedCommand& command : queued) {
    argv.assign(command.argv.begin(), command.argv.end());
    ctx.table.Invoke(*command.spec, client, ctx.server, ctx.reply, argv);
  }
}

// DISCARD
void DiscardCommand(CommandContext& ctx) {
  if (!ctx.client.in_multi) {
    ctx.reply.Error(err::kDiscardWithoutMulti);
    return;
  }
  DiscardTransaction(ctx);
  ctx.reply.Ok();
}

// WATCH key [key ...]
void WatchCommand(CommandContext& ctx) {
  ClientState& client = ctx.client;
  if (client.in_multi) {
    ctx.reply.Error(err::kWatchInMulti);
    return;
  }
  // As Redis: a client whose watch already failed has nothing more to learn (EXEC will fail anyway).
  if (client.watch_dirty.load(std::memory_order_acquire)) {
    ctx.reply.Ok();
    return;
  }
  const int db = ctx.db();
  const std::vector<size_t> added = ctx.server.watches.Watch(client, db, ctx.argv.subspan(1));
  // Only now, registered, read what each new key is: a write that commits after these reads finds
  // the registration (see server/txn/watch.h).
  engine::UncountedLookups not_a_lookup;  // WATCH looks nothing up in Redis (no keyspace hit or miss)
  for (size_t index : added) {
    auto expire_at = ctx.engine().ExpireTimeMs(db, client.watched_keys[index].key);
    if (!expire_at.ok()) continue;  // unreadable: stays live, the conservative choice
    const bool live = *expire_at != engine::kTtlMissing;
    ctx.server.watches.SetKeyState(client, index, live, *expire_at > 0 ? *expire_at : 0);
  }
  ctx.reply.Ok();
}

// UNWATCH
void UnwatchCommand(CommandContext& ctx) {
  ctx.server.watches.UnwatchAll(ctx.client);
  ctx.reply.Ok();
}

}  // namespace

namespace {

// kOrderNoMulti: SAVE, SHUTDOWN... (Redis's no-multi flag) are refused inside MULTI, which that poisons.
Verdict NoMultiRule(AdmissionContext& ctx) {
  if (!ctx.client.in_multi || !(ctx.spec->flags & kCmdNoMulti)) return Verdict::kAdmit;
  return Refuse(ctx, err::kNotInMulti);
}

// kOrderMultiQueue: inside MULTI every command but the MULTI controls (EXEC, DISCARD, WATCH...) is queued.
Verdict MultiQueueRule(AdmissionContext& ctx) {
  if (!ctx.client.in_multi || (ctx.spec->flags & kCmdMultiControl)) return Verdict::kAdmit;
  ctx.client.queued.push_back(QueuedCommand{ctx.spec, std::vector<std::string>(ctx.argv.begin(), ctx.argv.end())});
  ctx.reply.Simple("QUEUED");
  return Verdict::kAnswered;
}

}  // namespace

void RegisterTransactionCommands(CommandTable& table) {
  table.AddAdmissionRule({"no-multi", AdmissionStage::kBeforeQueue, kOrderNoMulti, NoMultiRule});
  table.AddAdmissionRule({"multi-queue", AdmissionStage::kBeforeQueue, kOrderMultiQueue, MultiQueueRule});
  table.Bind("multi", MultiCommand, kCmdMultiControl);
  table.Bind("exec", ExecCommand, kCmdMultiControl | kCmdExclusive);
  table.Bind("discard", DiscardCommand, kCmdMultiControl);
  // WATCH runs inside MULTI (to refuse); UNWATCH is queued there, as in Redis.
  table.Bind("watch", WatchCommand, kCmdMultiControl);
  table.Bind("unwatch", UnwatchCommand);
}

}  // namespace redrock::server
