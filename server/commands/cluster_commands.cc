// CLUSTER, as a Redis 7.0 server started without cluster-enabled answers it: every subcommand of the
// catalog exists (with its arity, flags and ACL categories, so scripts and MULTI treat each one as Redis
// does: CLUSTER RESET is refused inside a script) and replies that cluster support is disabled.

#include "server/core/command_catalog.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"

namespace redrock::server {

namespace {

void ClusterDisabledCommand(CommandContext& ctx) { ctx.reply.Error("ERR This instance has cluster support disabled"); }

}  // namespace

void RegisterClusterCommands(CommandTable& table) {
  for (const catalog::Command& sub : catalog::Subcommands(*catalog::Find("cluster"))) {
    table.Bind(sub.full_name, ClusterDisabledCommand);
  }
}

}  // namespace redrock::server
