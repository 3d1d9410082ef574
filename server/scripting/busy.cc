#include "server/scripting/busy.h"

#include <string>

#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/scripting/scripting.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

bool IsShutdown(const CommandSpec& spec) { return spec.IsTopLevel("shutdown"); }

bool HasNoSave(std::span<const std::string_view> argv) {
  for (size_t i = 1; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "nosave")) return true;
  }
  return false;
}

}  // namespace

bool AllowedWhileScriptBusy(const CommandSpec& spec, std::span<const std::string_view> argv) {
  if (!(spec.flags & kCmdAllowBusy)) return false;
  return !IsShutdown(spec) || HasNoSave(argv);
}

void DispatchWhileScriptBusy(const CommandTable& table, const CommandSpec& spec, ClientState& client,
                             ServerState& server, protocol::ReplyWriter& reply,
                             std::span<const std::string_view> argv) {
  Scripting& scripting = *server.scripting;
  if (!AllowedWhileScriptBusy(spec, argv)) {
    const std::string_view busy = scripting.run_state().running_eval() ? kBusyEvalError : kBusyFunctionError;
    RejectCommand(&spec, client, server, reply, busy);
    return;
  }
  table.Invoke(spec, client, server, reply, argv);
  // A SHUTDOWN NOSAVE that went ahead: the server only stops once the script has returned.
  if (IsShutdown(spec) && client.close_after_reply) scripting.run_state().ForceKill();
}

namespace {

// kOrderBusyScript: Redis refuses commands during a busy script before queueing them in MULTI (outside
// MULTI, the exec gate refuses: the gate-busy handler below).
Verdict BusyScriptInMultiRule(AdmissionContext& ctx) {
  if (!ctx.client.in_multi || (ctx.spec->flags & kCmdMultiControl)) return Verdict::kAdmit;
  if (!ctx.server.exec_gate.busy() || AllowedWhileScriptBusy(*ctx.spec, ctx.argv)) return Verdict::kAdmit;
  DispatchWhileScriptBusy(ctx.table, *ctx.spec, ctx.client, ctx.server, ctx.reply, ctx.argv);
  return Verdict::kAnswered;
}

// Whether running `spec` now may run a Lua script: EVAL*/FCALL*, or an EXEC whose queue holds one.
bool RunsScript(const CommandSpec& spec, const ClientState& client) {
  if (spec.flags & kCmdRunsScript) return true;
  if (client.queued.empty() || spec.parent != nullptr || spec.name != "exec") return false;
  for (const QueuedCommand& queued : client.queued) {
    if (queued.spec->flags & kCmdRunsScript) return true;
  }
  return false;
}

// kOrderDeferScript: a connection that runs scripts on a thread of their own (ClientState::defer_scripts)
// dispatches such a command again there.
Verdict DeferScriptRule(AdmissionContext& ctx) {
  if (!ctx.client.defer_scripts || !RunsScript(*ctx.spec, ctx.client)) return Verdict::kAdmit;
  ctx.client.script_deferred = true;
  return Verdict::kAnswered;
}

Verdict GateBusy(AdmissionContext& ctx) {
  DispatchWhileScriptBusy(ctx.table, *ctx.spec, ctx.client, ctx.server, ctx.reply, ctx.argv);
  return Verdict::kAnswered;
}

}  // namespace

void RegisterScriptAdmission(CommandTable& table) {
  table.AddAdmissionRule({"busy-script", AdmissionStage::kBeforeQueue, kOrderBusyScript, BusyScriptInMultiRule});
  table.AddAdmissionRule({"defer-script", AdmissionStage::kBeforeQueue, kOrderDeferScript, DeferScriptRule});
  table.SetGateBusyHandler(GateBusy);
}

}  // namespace redrock::server
