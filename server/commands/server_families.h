#pragma once
// The pieces of RegisterServerCommands, one file each (private to server/commands).

namespace redrock::server {

class CommandTable;

void RegisterInfoCommand(CommandTable& table);     // INFO
void RegisterConfigCommand(CommandTable& table);   // CONFIG GET|SET|RESETSTAT|REWRITE|HELP
void RegisterCommandCommand(CommandTable& table);  // COMMAND [COUNT|LIST|INFO|DOCS|GETKEYS|HELP]

}  // namespace redrock::server
