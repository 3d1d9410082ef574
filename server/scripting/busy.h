#pragma once
// What CommandTable::Dispatch does with a command while a script is busy (has run longer than
// busy-reply-threshold and so marked the exec gate busy): allow-busy commands (SCRIPT KILL, FUNCTION
// KILL, FUNCTION STATS, SHUTDOWN NOSAVE, MULTI, DISCARD, ...) run without the gate; everything else gets
// Redis's BUSY error. As in Redis, SHUTDOWN without NOSAVE is refused too, a refused command inside MULTI
// poisons the transaction, and a refused EXEC aborts it ("EXECABORT Transaction discarded because of:
// BUSY ..."). A SHUTDOWN NOSAVE that goes ahead also stops the script, written or not, so the server
// can stop (Redis exits at once instead).

#include <span>
#include <string_view>

#include "protocol/reply_writer.h"

namespace redrock::server {

class CommandTable;
struct CommandSpec;
struct ClientState;
struct ServerState;

void DispatchWhileScriptBusy(const CommandTable& table, const CommandSpec& spec, ClientState& client,
                             ServerState& server, protocol::ReplyWriter& reply, std::span<const std::string_view> argv);

// True when `spec` may run while a script is busy (MULTI queueing uses it).
bool AllowedWhileScriptBusy(const CommandSpec& spec, std::span<const std::string_view> argv);

// The admission rules of busy and deferred scripts (core/admission.h), and the exec gate's busy handler:
// during a busy script, a command gets -BUSY (or runs, when allowed then) instead of waiting or queueing.
void RegisterScriptAdmission(CommandTable& table);

}  // namespace redrock::server
