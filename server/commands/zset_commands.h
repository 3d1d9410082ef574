#pragma once
// Private to the sorted-set family (zset_commands.cc, zset_range_commands.cc): RegisterZSetCommands
// (families.h) registers the range and set-algebra commands through RegisterZSetRangeCommands, and both
// files share the reply helper.

#include <vector>

#include "redrock/engine/zset.h"
#include "server/core/command_table.h"

namespace redrock::server {

// ZRANGE & co., ZRANGESTORE, ZCOUNT, ZLEXCOUNT, ZREMRANGEBY*, ZUNION/ZINTER/ZDIFF (+STORE), ZINTERCARD.
void RegisterZSetRangeCommands(CommandTable& table);

// Members, with their scores when `withscores`: a flat array in RESP2, [member, double] pairs in RESP3
// (Redis 7.0's WITHSCORES shape).
void ReplyScoredMembers(CommandContext& ctx, const std::vector<engine::ScoredMember>& members, bool withscores);

}  // namespace redrock::server
