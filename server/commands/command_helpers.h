#pragma once
// Small pieces shared by the command families (private to server/commands): building a CommandSpec, the
// HELP reply, the replies for an engine call's outcome, the count of HRANDFIELD/SRANDMEMBER/ZRANDMEMBER,
// and the MATCH/COUNT option loop and reply head of the per-key *SCAN commands.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/status.h"
#include "server/core/command_table.h"
#include "server/core/errors.h"

namespace redrock::server {

// A HELP subcommand's reply: an array with one simple string per line.
void ReplyHelp(CommandContext& ctx, std::span<const std::string_view> lines);

// Error texts more than one family sends: getPositiveLongFromObjectOrReply's without a message (SPOP,
// LPOP, ZPOPMIN... counts), and the LIMIT check of SINTERCARD and ZINTERCARD.
inline constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";
inline constexpr std::string_view kLimitNegative = "ERR LIMIT can't be negative";

// ---- Replying with an engine call's outcome ------------------------------------------------------

// When the call failed: writes its error reply and returns true. Otherwise writes nothing, returns false.
inline bool Failed(CommandContext& ctx, const engine::Status& status) {
  if (status.ok()) return false;
  ctx.reply.Error(err::FromStatus(status));
  return true;
}
template <typename T>
bool Failed(CommandContext& ctx, const engine::Result<T>& result) {
  return !result.ok() && Failed(ctx, result.status());
}

// The integer, or the error.
void ReplyInteger(CommandContext& ctx, const engine::Result<int64_t>& result);
// The string as a bulk, a null bulk for NotFound, or the error.
void ReplyBulkOrNull(CommandContext& ctx, const engine::Result<std::string>& result);
// An array of bulks, a null bulk for each missing value (MGET, HMGET).
void ReplyBulksOrNulls(CommandContext& ctx, const std::vector<std::optional<std::string>>& values);

// The count of HRANDFIELD, SRANDMEMBER and ZRANDMEMBER (getRangeLongFromObjectOrReply(-LONG_MAX,
// LONG_MAX)): an integer other than INT64_MIN. Writes Redis's error and returns false otherwise.
bool ParseRandomCount(CommandContext& ctx, std::string_view arg, int64_t* count);
// With WITHVALUES/WITHSCORES the count must also be within +-INT64_MAX/2 (Redis doubles it): writes
// "ERR value is out of range" and returns false otherwise.
bool CheckRandomPairCount(CommandContext& ctx, int64_t count);

// A database index as SELECT, MOVE and COPY ... DB read it (Redis getIntFromObjectOrReply, then
// selectDb's range check). Writes Redis's error and returns false when invalid.
bool ParseDbIndex(CommandContext& ctx, std::string_view text, int* db);

// ---- LMPOP / BLMPOP / ZMPOP / BZMPOP ---------------------------------------------------------------

// Their arguments from numkeys on, `numkeys key [key ...] WHERE [COUNT count]`, read as Redis's
// lmpopGenericCommand and zmpopGenericCommand read them: numkeys an integer >= 1 with room left for
// WHERE, WHERE one of two words (`first` or `second`, case-insensitive), then at most one COUNT, an
// integer >= 1. Writes Redis's error and returns false when invalid.
struct MultiPopArgs {
  std::span<const std::string_view> keys;
  bool second = false;  // WHERE was `second`
  int64_t count = 1;
};
bool ParseMultiPopArgs(CommandContext& ctx, size_t numkeys_index, std::string_view first, std::string_view second,
                       MultiPopArgs* out);

// ---- *SCAN -----------------------------------------------------------------------------------------

// Redis's reply to a cursor parseScanCursorOrReply rejects.
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";

// The options of HSCAN/SSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count], read from argv[start] on as
// Redis's scanGenericCommand reads them: every option needs its value, a later one overrides an earlier
// one, COUNT must be an integer (else "not an integer") of at least 1 (else a syntax error). Returns the
// error text of the first bad option, or an empty view. `pattern` is "*" (every item) unless a MATCH
// gives one, which is passed through as given ("" matches only the empty name, as in Redis).
std::string_view ParseKeyScanOptions(std::span<const std::string_view> argv, size_t start, std::string_view* pattern,
                                     int64_t* count);

// The head of a SCAN-style reply: a two-element array whose first element is the cursor as a bulk
// string. The caller writes the second element (the items).
void ReplyScanCursor(CommandContext& ctx, uint64_t cursor);

}  // namespace redrock::server
