// The commands of Redis 7.0.15's catalog (core/command_catalog.h) that redrock does not run yet, each
// with the issue that brings it (0: no issue plans it). A test checks that the catalog's commands are
// exactly the bound ones plus these, so a command is never silently missing: binding one means taking
// it off this list. Containers are not listed, only their subcommands; a container exists once one of
// its subcommands is bound. Unknown to COMMAND, these answer "unknown command" as Redis does for a name
// it does not have.
#include "server/commands/families.h"

namespace redrock::server {

namespace {

constexpr NotYetImplemented kNotYet[] = {
    // Issue 13: client-side caching, CLIENT PAUSE, MONITOR, SLOWLOG, LATENCY, MEMORY, DEBUG.
    {"client|caching", 13}, {"client|getredir", 13}, {"client|pause", 13}, {"client|tracking", 13},
    {"client|trackinginfo", 13}, {"client|unpause", 13}, {"monitor", 13},
    {"slowlog|get", 13}, {"slowlog|help", 13}, {"slowlog|len", 13}, {"slowlog|reset", 13},
    {"latency|doctor", 13}, {"latency|graph", 13}, {"latency|help", 13}, {"latency|histogram", 13},
    {"latency|history", 13}, {"latency|latest", 13}, {"latency|reset", 13},
    {"memory|doctor", 13}, {"memory|stats", 13}, {"debug", 13}, {"lolwut", 13},
    // Issue 14: ACL.
    {"acl|cat", 14}, {"acl|deluser", 14}, {"acl|dryrun", 14}, {"acl|genpass", 14}, {"acl|getuser", 14},
    {"acl|help", 14}, {"acl|list", 14}, {"acl|load", 14}, {"acl|log", 14}, {"acl|save", 14},
    {"acl|setuser", 14}, {"acl|users", 14}, {"acl|whoami", 14},
    // Issue 15: DUMP/RESTORE, MIGRATE and replication.
    {"dump", 15}, {"restore", 15}, {"restore-asking", 15}, {"migrate", 15}, {"psync", 15},
    {"sync", 15}, {"replconf", 15}, {"replicaof", 15}, {"slaveof", 15}, {"wait", 15}, {"failover", 15},
    // No issue plans these: cluster mode (redrock answers CLUSTER as a non-cluster Redis does, but has
    // no ASKING/READONLY/READWRITE), modules, and the AOF rewrite (redrock has no AOF).
    {"asking", 0}, {"readonly", 0}, {"readwrite", 0}, {"bgrewriteaof", 0},
    {"module|help", 0}, {"module|list", 0}, {"module|load", 0}, {"module|loadex", 0}, {"module|unload", 0},
};

}  // namespace

std::span<const NotYetImplemented> NotYetImplementedCommands() { return kNotYet; }

}  // namespace redrock::server
