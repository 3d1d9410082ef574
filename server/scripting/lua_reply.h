#pragma once
// Conversions between Redis replies and Lua values, as Redis 7.0's script_lua.c makes them.
//
// Reply -> Lua (what redis.call returns): integer -> number, bulk -> string, null bulk / null array ->
// false, array -> table (1-based), status -> {ok=...}, error -> {err=...} (plus the field
// ignore_error_stats_update=true, as Redis adds). RESP3 (after redis.setresp(3)): map -> {map={k=v}},
// set -> {set={member=true}}, null -> nil, boolean -> boolean, double -> {double=n},
// big number -> {big_number=s}, verbatim -> {verbatim_string={format=f, string=s}}; attributes are
// skipped.
//
// Lua -> reply (what a script returns): string -> bulk, number -> integer (truncated toward zero; NaN
// and out-of-range values give INT64_MIN as Redis's (long long) cast does on x86), true -> 1 (a boolean
// after redis.setresp(3)), false and nil -> null, tables: {err=s} -> error, {ok=s} -> status,
// {double=n}, {big_number=s}, {verbatim_string=...}, {map=...}, {set=...}, else an array of the
// elements 1..n up to the first nil. Anything else (functions, coroutines) -> null.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_writer.h"

struct lua_State;

namespace redrock::server {

// Pushes the Lua value of the one complete reply in `reply` (a command handler's output).
void PushReplyAsLua(lua_State* L, std::string_view reply);

// The error replies a conversion wrote, for the error stats as Redis keeps them: `counted` holds the
// texts of those to count (without '-'); `uncounted` is how many carried ignore_error_stats_update (they
// were counted where they arose: a refused or failed redis.call/pcall).
struct LuaReplyErrors {
  std::vector<std::string> counted;
  uint32_t uncounted = 0;
};

// Pops the value on top of the stack and writes it as a reply. `script_resp` is the protocol the
// script chose with redis.setresp() (it decides how booleans are sent). `errors`, when given, collects
// the error replies written (at any depth).
void WriteLuaValue(lua_State* L, protocol::ReplyWriter& reply, int script_resp, LuaReplyErrors* errors = nullptr);

// Pushes Redis's error table {err="CODE message"}: "-CODE message" keeps its code ("-FOO" alone becomes
// "ERR FOO"), a text without the leading '-' gets "ERR "; CR/LF at either end of the message are trimmed.
void PushErrorTable(lua_State* L, std::string_view error);

// The parts of a Lua error object (Redis's luaExtractErrorInformation): a string error gives
// msg = "ERR <string>"; a table gives its err, source and line fields when they are strings or numbers,
// and whether its ignore_error_stats_update field is true.
struct LuaErrorInfo {
  bool has_msg = false;
  bool has_source = false;
  bool has_line = false;
  bool ignore_stats = false;
  std::string msg;
  std::string source;
  std::string line;
};
LuaErrorInfo ExtractErrorInfo(lua_State* L, int idx);

// Redis's (long long) cast of a Lua number.
int64_t LuaNumberToInteger(double value);

}  // namespace redrock::server
