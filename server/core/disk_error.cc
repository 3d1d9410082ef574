#include "server/core/disk_error.h"

#include "redrock/engine/engine.h"
#include "server/core/admission.h"
#include "server/core/client_state.h"
#include "server/core/command_table.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

// Redis's is_write_command (a write command, or an EXEC whose queue holds one), or PING.
bool Refusable(const CommandSpec& spec, const ClientState& client) {
  if (spec.flags & kCmdWrite) return true;
  if (spec.IsTopLevel("ping")) return true;
  if (!spec.IsTopLevel("exec")) return false;
  for (const QueuedCommand& queued : client.queued) {
    if (queued.spec->flags & kCmdWrite) return true;
  }
  return false;
}

Verdict DiskErrorRule(AdmissionContext& ctx) {
  if (!ctx.server.engine.WritesFailing()) return Verdict::kAdmit;  // one relaxed load when healthy
  if (!Refusable(*ctx.spec, ctx.client)) return Verdict::kAdmit;
  return Refuse(ctx, DiskErrorText(ctx.server.engine));
}

}  // namespace

std::string DiskErrorText(const engine::Engine& engine) {
  std::string reason = engine.WriteFailureReason();
  if (reason.empty()) reason = "Input/output error";
  return "MISCONF Errors writing to the AOF file: " + reason;
}

void RegisterDiskErrorAdmission(CommandTable& table) {
  table.AddAdmissionRule({"disk-error", AdmissionStage::kBeforeQueue, kOrderDiskError, DiskErrorRule});
}

}  // namespace redrock::server
