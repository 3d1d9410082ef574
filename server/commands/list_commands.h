#pragma once
// Private to the list family (server/commands/list_*.cc): pieces shared by the plain and the blocking
// commands.

#include <cstdint>
#include <span>
#include <string_view>

#include "redrock/engine/list.h"
#include "server/core/command_table.h"

namespace redrock::server::list_commands {

// LEFT / RIGHT (case-insensitive); false for anything else (the caller replies "ERR syntax error").
bool ParseListEnd(std::string_view arg, engine::ListEnd* end);

// Wakes clients blocked on (db, key) after elements were added to it (see server/core/blocking.h).
void SignalPushed(CommandContext& ctx, std::string_view key);

// Keyspace events after elements were popped from `key` at `end`: "lpop"/"rpop", then "del" when that
// emptied the list. Redis sends them after the pop's reply. (LMOVE & co. send the push event on the
// destination before their reply, and these after it.)
void NotifyPopped(CommandContext& ctx, engine::ListEnd end, std::string_view key);
// "lpush" or "rpush".
std::string_view PushEventName(engine::ListEnd end);

// Registers BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP (list_blocking_commands.cc).
void RegisterBlockingListCommands(CommandTable& table);

// The LMPOP / BLMPOP arguments from numkeys on: `numkeys key... LEFT|RIGHT [COUNT count]`. Writes the
// Redis error and returns false when invalid.
struct MPopArgs {
  std::span<const std::string_view> keys;
  engine::ListEnd end = engine::ListEnd::kLeft;
  int64_t count = 1;
};
bool ParseMPopArgs(CommandContext& ctx, size_t numkeys_index, MPopArgs* out);
// [key, [elements...]].
void ReplyKeyElements(CommandContext& ctx, const engine::KeyElements& popped);

}  // namespace redrock::server::list_commands
