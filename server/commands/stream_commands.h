#pragma once
// Pieces the stream families share (stream_commands.cc, stream_group_commands.cc): ID parsing as
// Redis's t_stream.c parses IDs, and the entry replies.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "redrock/engine/stream.h"
#include "server/core/command_table.h"

namespace redrock::server::stream_commands {

inline constexpr std::string_view kInvalidId = "ERR Invalid stream ID specified as stream command argument";

// streamGenericParseIDOrReply: `-`/`+` (refused when strict), `ms` (seq = missing_seq) or `ms-seq`;
// with seq_given, `ms-*` too (then *seq_given = false). Writes the error and returns false when invalid.
bool ParseId(CommandContext& ctx, std::string_view arg, engine::StreamId* id, uint64_t missing_seq, bool strict,
             bool* seq_given = nullptr);
// The same without a reply (XCLAIM's ID list, which stops at the first non-ID).
bool ParseIdQuiet(std::string_view arg, engine::StreamId* id, uint64_t missing_seq, bool strict);
// streamParseIntervalIDOrReply with an exclusion flag: `(id` is exclusive.
bool ParseIntervalId(CommandContext& ctx, std::string_view arg, engine::StreamId* id, bool* exclude,
                     uint64_t missing_seq);

void ReplyId(CommandContext& ctx, engine::StreamId id);
// [id, [field, value, ...]], or [id, nil] for a deleted entry.
void ReplyEntry(CommandContext& ctx, const engine::StreamEntry& e);
void ReplyEntries(CommandContext& ctx, const std::vector<engine::StreamEntry>& entries);

// The `unknown subcommand or wrong number of arguments` error of XGROUP/XINFO.
void ReplySubcommandSyntaxError(CommandContext& ctx);

// Whether the command runs from a Lua script.
bool FromScript(const CommandContext& ctx);

// Marks `key` ready for the clients blocked on it (XADD, XGROUP DESTROY...).
void SignalStream(CommandContext& ctx, std::string_view key);

void RegisterGroupCommands(CommandTable& table);

}  // namespace redrock::server::stream_commands
