#include "server/commands/families.h"

namespace redrock::server {

void RegisterAllCommands(CommandTable& table) {
  RegisterConnectionCommands(table);
  RegisterServerCommands(table);
  RegisterMemoryCommand(table);
  RegisterTransactionCommands(table);
  RegisterStringCommands(table);
  RegisterKeyCommands(table);
  RegisterHashCommands(table);
  RegisterSetCommands(table);
  RegisterListCommands(table);
  RegisterZSetCommands(table);
  RegisterSortCommands(table);
  RegisterStreamCommands(table);
  RegisterGeoCommands(table);
  RegisterHyperLogLogCommands(table);
  RegisterBitmapCommands(table);
  RegisterPubSubCommands(table);
  RegisterScriptingCommands(table);
  RegisterClusterCommands(table);
}

}  // namespace redrock::server
