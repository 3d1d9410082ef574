#pragma once
// Internal to the key family: RegisterKeyCommands (families.h) also registers the expire and scan
// commands, which live in their own files. ParseScanCursor is shared with the other *SCAN commands.

#include <cstdint>
#include <string_view>

namespace redrock::server {

class CommandTable;

void RegisterExpireCommands(CommandTable& table);  // EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
void RegisterScanCommands(CommandTable& table);    // KEYS SCAN

// A SCAN cursor as Redis's parseScanCursorOrReply reads it (strtoul): decimal, an optional sign ("-1" wraps
// to 2^64-1), "" is 0, no leading space, no trailing bytes, no overflow. False means "ERR invalid cursor".
bool ParseScanCursor(std::string_view text, uint64_t* cursor);

}  // namespace redrock::server
