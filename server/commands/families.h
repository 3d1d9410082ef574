#pragma once
// Every command family binds its handlers here, explicitly (CommandTable::Bind, by catalog name).

#include <span>

namespace redrock::server {

class CommandTable;

void RegisterConnectionCommands(CommandTable& table);   // PING ECHO QUIT RESET SELECT AUTH HELLO CLIENT
void RegisterServerCommands(CommandTable& table);       // INFO CONFIG COMMAND DBSIZE TIME FLUSHDB FLUSHALL SHUTDOWN
void RegisterMemoryCommand(CommandTable& table);        // MEMORY USAGE|PURGE|MALLOC-STATS|HELP
void RegisterTransactionCommands(CommandTable& table);  // MULTI EXEC DISCARD
void RegisterStringCommands(CommandTable& table);       // GET SET ... SUBSTR
void RegisterKeyCommands(CommandTable& table);          // DEL ... MOVE, KEYS, SCAN
void RegisterHashCommands(CommandTable& table);         // HSET ... HSCAN
void RegisterSetCommands(CommandTable& table);          // SADD ... SSCAN
void RegisterListCommands(CommandTable& table);         // LPUSH ... BLMOVE
void RegisterZSetCommands(CommandTable& table);         // ZADD ... ZSCAN
void RegisterStreamCommands(CommandTable& table);       // XADD ... XAUTOCLAIM, XGROUP, XINFO (stream_*commands.cc)
void RegisterGeoCommands(CommandTable& table);          // GEOADD ... GEOSEARCHSTORE (geo_commands.cc)
void RegisterPubSubCommands(CommandTable& table);       // SUBSCRIBE ... PUBLISH, SSUBSCRIBE ... SPUBLISH, PUBSUB
void RegisterScriptingCommands(CommandTable& table);    // EVAL ... SCRIPT, FCALL FCALL_RO FUNCTION (server/scripting/)
void RegisterSortCommands(CommandTable& table);       // SORT SORT_RO
void RegisterHyperLogLogCommands(CommandTable& table);  // PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST
void RegisterBitmapCommands(CommandTable& table);     // SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO
void RegisterClusterCommands(CommandTable& table);      // CLUSTER (cluster support disabled)

// All of the above, in that order.
void RegisterAllCommands(CommandTable& table);

// A catalog command redrock does not run yet, and the issue that brings it (0: none plans it).
struct NotYetImplemented {
  const char* full_name;  // "xadd", "acl|setuser"
  int issue;
};
// Every catalog command (leaf: a plain command or a subcommand) that RegisterAllCommands does not bind.
std::span<const NotYetImplemented> NotYetImplementedCommands();

}  // namespace redrock::server
