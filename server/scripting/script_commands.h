#pragma once
// The scripting command families (private to server/scripting; PUBSUB also uses ReplySubcommandSyntaxError):
// EVAL & co. with SCRIPT, and Functions. RegisterScriptingCommands (server/commands/families.h) registers both.

#include <span>
#include <string_view>

namespace redrock::server {

class CommandTable;
struct CommandContext;

void RegisterEvalCommands(CommandTable& table);      // EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT
void RegisterFunctionCommands(CommandTable& table);  // FCALL FCALL_RO FUNCTION

// Redis's addReplySubcommandSyntaxError: "ERR unknown subcommand or wrong number of arguments for
// '<sub>'. Try <CONTAINER> HELP." (PUBSUB's subcommands send it too.)
void ReplySubcommandSyntaxError(CommandContext& ctx);

// Parses EVAL/FCALL's numkeys (argv[2]) against the arguments that follow; writes the error and returns
// false when it is not usable. `not_integer` is the error for a non-integer.
bool ParseNumKeys(CommandContext& ctx, std::string_view not_integer, size_t* numkeys);

}  // namespace redrock::server
