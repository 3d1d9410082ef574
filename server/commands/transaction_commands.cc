// MULTI, EXEC and DISCARD. Queueing happens centrally in CommandTable::Dispatch; EXEC runs with the exec
// gate held exclusively (kCmdExclusive), so other clients see all of a transaction or none of it.

#include <string_view>
#include <vector>

#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/errors.h"

namespace redrock::server {

namespace {

void ClearMulti(ClientState& client) {
  client.in_multi = false;
  client.multi_error = false;
  client.queued.clear();
}

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
  if (client.multi_error) {
    ClearMulti(client);
    ctx.reply.Error(err::kExecAbort);
    return;
  }
  std::vector<std::vector<std::string>> queued = std::move(client.queued);
  ClearMulti(client);
  ctx.reply.ArrayHeader(queued.size());
  std::vector<std::string_view> argv;
  for (const auto& command : queued) {
    argv.assign(command.begin(), command.end());
    // Queued commands were resolved when they were queued, so this cannot fail.
    const CommandSpec* spec = ctx.table.Resolve(argv, ctx.reply);
    if (spec != nullptr) ctx.table.Invoke(*spec, client, ctx.server, ctx.reply, argv);
  }
}

// DISCARD
void DiscardCommand(CommandContext& ctx) {
  if (!ctx.client.in_multi) {
    ctx.reply.Error(err::kDiscardWithoutMulti);
    return;
  }
  ClearMulti(ctx.client);
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionCommands(CommandTable& table) {
  constexpr uint32_t kControl = kCmdNoScript | kCmdLoading | kCmdStale | kCmdMultiControl;
  table.Register({"multi", 1, kControl | kCmdFast | kCmdAllowBusy, 0, 0, 0, MultiCommand, {}, "@fast @transaction"});
  table.Register({"exec", 1, kControl | kCmdSkipSlowlog | kCmdExclusive, 0, 0, 0, ExecCommand, {},
                  "@slow @transaction"});
  table.Register({"discard", 1, kControl | kCmdFast | kCmdAllowBusy, 0, 0, 0, DiscardCommand, {},
                  "@fast @transaction"});
}

}  // namespace redrock::server
