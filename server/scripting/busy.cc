#include "server/scripting/busy.h"

#include <string>

#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/scripting/scripting.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

bool IsShutdown(const CommandSpec& spec) { return spec.parent == nullptr && spec.name == "shutdown"; }

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

}  // namespace redrock::server
