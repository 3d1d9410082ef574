#pragma once
// Small pieces shared by the command families (private to server/commands): building a CommandSpec, the
// HELP reply, and the MATCH/COUNT option loop and reply head of the per-key *SCAN commands.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "server/command_table.h"

namespace redrock::server {

// A spec without key positions (first/last key and step 0): containers, their subcommands, and the
// connection and server commands.
CommandSpec MakeSpec(std::string_view name, int arity, uint32_t flags, CommandHandler handler,
                     std::string_view acl_categories);

// The flag sets the data-type families register their commands with (COMMAND INFO's flags). A Register
// function says `using namespace spec_flags;`.
namespace spec_flags {
inline constexpr uint32_t kRead = kCmdReadOnly;
inline constexpr uint32_t kReadFast = kCmdReadOnly | kCmdFast;
inline constexpr uint32_t kWriteFast = kCmdWrite | kCmdFast;
inline constexpr uint32_t kWriteOom = kCmdWrite | kCmdDenyOom;
inline constexpr uint32_t kWriteOomFast = kCmdWrite | kCmdDenyOom | kCmdFast;
}  // namespace spec_flags

// A HELP subcommand's reply: an array with one simple string per line.
void ReplyHelp(CommandContext& ctx, std::span<const std::string_view> lines);

// Redis's reply to a cursor parseScanCursorOrReply rejects.
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";

// The options of HSCAN/SSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count], read from argv[start] on as
// Redis's scanGenericCommand reads them: every option needs its value, a later one overrides an earlier
// one, COUNT must be an integer (else "not an integer") of at least 1 (else a syntax error). Returns the
// error text of the first bad option, or an empty view. `pattern` is passed through as given.
std::string_view ParseKeyScanOptions(std::span<const std::string_view> argv, size_t start, std::string_view* pattern,
                                     int64_t* count);

// The head of a SCAN-style reply: a two-element array whose first element is the cursor as a bulk
// string. The caller writes the second element (the items).
void ReplyScanCursor(CommandContext& ctx, uint64_t cursor);

}  // namespace redrock::server
