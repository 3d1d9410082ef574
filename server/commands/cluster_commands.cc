// CLUSTER, as a Redis 7.0 server started without cluster-enabled answers it: every subcommand exists
// (arity, flags and ACL categories as COMMAND INFO shows them, so scripts and MULTI treat each one as
// Redis does: CLUSTER RESET is refused inside a script) and replies that cluster support is disabled.

#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"

namespace redrock::server {

namespace {

void ClusterDisabledCommand(CommandContext& ctx) { ctx.reply.Error("ERR This instance has cluster support disabled"); }

}  // namespace

void RegisterClusterCommands(CommandTable& table) {
  constexpr uint32_t kInfo = kCmdStale;
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdStale;
  constexpr uint32_t kAdminChange = kCmdAdmin | kCmdStale | kCmdNoAsyncLoading;
  constexpr const char* kAcl = "@slow";
  constexpr const char* kAdminAcl = "@admin @slow @dangerous";
  struct Sub {
    const char* name;
    int arity;
    uint32_t flags;
    const char* acl;
  };
  static constexpr Sub kSubs[] = {
      {"addslots", -3, kAdminChange, kAdminAcl},
      {"addslotsrange", -4, kAdminChange, kAdminAcl},
      {"bumpepoch", 2, kAdminChange, kAdminAcl},
      {"count-failure-reports", 3, kAdmin, kAdminAcl},
      {"countkeysinslot", 3, kInfo, kAcl},
      {"delslots", -3, kAdminChange, kAdminAcl},
      {"delslotsrange", -4, kAdminChange, kAdminAcl},
      {"failover", -2, kAdminChange, kAdminAcl},
      {"flushslots", 2, kAdminChange, kAdminAcl},
      {"forget", 3, kAdminChange, kAdminAcl},
      {"getkeysinslot", 4, kInfo, kAcl},
      {"help", 2, kCmdLoading | kCmdStale, kAcl},
      {"info", 2, kInfo, kAcl},
      {"keyslot", 3, kInfo, kAcl},
      {"links", 2, kInfo, kAcl},
      {"meet", -4, kAdminChange, kAdminAcl},
      {"myid", 2, kInfo, kAcl},
      {"nodes", 2, kInfo, kAcl},
      {"replicas", 3, kAdmin, kAdminAcl},
      {"replicate", 3, kAdminChange, kAdminAcl},
      {"reset", -2, kAdmin | kCmdNoScript, kAdminAcl},
      {"saveconfig", 2, kAdminChange, kAdminAcl},
      {"set-config-epoch", 3, kAdminChange, kAdminAcl},
      {"setslot", -4, kAdminChange, kAdminAcl},
      {"shards", 2, kInfo, kAcl},
      {"slaves", 3, kAdmin, kAdminAcl},
      {"slots", 2, kInfo, kAcl},
  };
  CommandSpec cluster = MakeSpec("cluster", -2, 0, nullptr, "@slow");
  for (const Sub& sub : kSubs) {
    cluster.subcommands.push_back(MakeSpec(sub.name, sub.arity, sub.flags, ClusterDisabledCommand, sub.acl));
  }
  table.Register(std::move(cluster));
}

}  // namespace redrock::server
