// Fuzz harness for the Lua <-> RESP conversions (server/scripting/lua_reply.h).
//
// The input is a small program that builds Lua values on a fresh Lua state's stack: strings, numbers
// (integers, raw doubles including NaN and infinities), booleans, nil, functions, tables nested by
// appending, by index (with holes) and by any key, shared and self-referencing tables, and the special
// tables a script may return ({err=}, {ok=}, {double=}, {big_number=}, {map=}, {set=},
// {verbatim_string={format=,string=}}). The value on top is converted with WriteLuaValue for a RESP2 and
// a RESP3 client, with the script in RESP2 and in RESP3 mode; every output must be exactly one
// well-formed reply of the client's protocol, and the Lua stack must be left as it was. Each output is
// then turned back into a Lua value with PushReplyAsLua (what redis.call does with a reply) and
// converted once more, which must again be well formed (PushReplyAsLua runs in a protected call, as
// redis.call runs it). PushErrorTable / ExtractErrorInfo get the strings of the input too.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <lua.hpp>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "fuzz/resp_check.h"
#include "protocol/reply_writer.h"
#include "server/scripting/lua_reply.h"

namespace {

using redrock::fuzz::ByteReader;
using redrock::fuzz::CheckReplies;
using redrock::fuzz::Printable;

constexpr int kMaxStack = 48;  // values the builder keeps on the stack at most
constexpr int kMaxOps = 2000;
constexpr int kMaxStores = 64;

int Unused(lua_State*) { return 0; }

const char* const kSpecial[] = {"err", "ok", "double", "big_number", "map", "set", "verbatim_string"};

// True when the value at idx can be a table key (lua_rawset raises an error for nil and NaN).
bool UsableKey(lua_State* L, int idx) {
  if (lua_isnil(L, idx)) return false;
  if (lua_type(L, idx) == LUA_TNUMBER && std::isnan(lua_tonumber(L, idx))) return false;
  return true;
}

void Build(lua_State* L, ByteReader& in) {
  int table_copies = 0;
  int stores = 0;
  for (int ops = 0; ops < kMaxOps && !in.empty(); ++ops) {
    const int top = lua_gettop(L);
    const uint8_t op = in.Byte();
    if (top >= kMaxStack && op % 16 < 6) continue;  // a push: the stack is full
    // Table stores (ops 6, 7, 8, 11) are capped: a self-referencing table is expanded to the Lua stack
    // limit (~8000 levels), each level repeating all of the table's other elements.
    const int kind = op % 16;
    if ((kind == 6 || kind == 7 || kind == 8 || kind == 11) && stores++ >= kMaxStores) continue;
    switch (op % 16) {
      case 0: {
        std::string_view s = in.ShortString(40);
        lua_pushlstring(L, s.data(), s.size());
        break;
      }
      case 1:
        lua_pushnumber(L, static_cast<lua_Number>(static_cast<int32_t>(in.U32())));
        break;
      case 2: {
        uint64_t bits = static_cast<uint64_t>(in.U32()) << 32 | in.U32();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        lua_pushnumber(L, d);
        break;
      }
      case 3:
        lua_pushboolean(L, in.Bool());
        break;
      case 4:
        lua_pushnil(L);
        break;
      case 5:
        lua_newtable(L);
        break;
      case 6:  // append the top value to the table below it: t[#t+1] = v
        if (top >= 2 && lua_istable(L, -2)) {
          lua_rawseti(L, -2, static_cast<int>(lua_objlen(L, -2)) + 1);
        }
        break;
      case 7:  // t[i] = v for a small i (holes, index 0, negative)
        if (top >= 2 && lua_istable(L, -2)) {
          lua_rawseti(L, -2, static_cast<int>(in.Byte() % 12) - 2);
        }
        break;
      case 8: {  // t[key] = v with one of the special names or a short string as key
        if (top >= 2 && lua_istable(L, -2)) {
          uint8_t k = in.Byte();
          if (k < 7 * 16) {
            lua_pushstring(L, kSpecial[k % 7]);
          } else {
            std::string_view s = in.ShortString(8);
            lua_pushlstring(L, s.data(), s.size());
          }
          lua_insert(L, -2);
          lua_rawset(L, -3);
        }
        break;
      }
      case 9: {  // wrap the top value as {special = v}
        if (top >= 1) {
          const char* name = kSpecial[in.Byte() % 7];
          if (std::strcmp(name, "verbatim_string") == 0 && top >= 2) {
            // {verbatim_string = {format = below, string = top}}
            lua_newtable(L);
            lua_insert(L, -2);
            lua_setfield(L, -2, "string");
            lua_insert(L, -2);
            lua_setfield(L, -2, "format");
          }
          lua_newtable(L);
          lua_insert(L, -2);
          lua_setfield(L, -2, name);
        }
        break;
      }
      case 10: {  // push a copy of a value further down (shared or self-referencing tables)
        if (top < 1 || top >= kMaxStack) break;
        const int idx = 1 + static_cast<int>(in.Byte()) % top;
        // One extra reference to a table at most: two already allow t = {t, t}, whose conversion is
        // 2^depth elements long (Redis would build that reply too, until it runs out of memory).
        if (lua_istable(L, idx) && table_copies++ > 0) break;
        lua_pushvalue(L, idx);
        break;
      }
      case 11:  // t[k] = v with k and v the two top values (any type of key)
        if (top >= 3 && lua_istable(L, -3) && UsableKey(L, -2)) lua_rawset(L, -3);
        break;
      case 12:
        if (top < kMaxStack) {
          if (in.Bool()) {
            lua_pushcfunction(L, Unused);
          } else {
            lua_pushlightuserdata(L, nullptr);
          }
        }
        break;
      case 13:  // drop the top value
        if (top >= 1) lua_pop(L, 1);
        break;
      case 14:  // move the top value down
        if (top >= 2) lua_insert(L, 1 + static_cast<int>(in.Byte()) % top);
        break;
      case 15: {  // an error table as redis.error_reply / a failed redis.pcall make it
        std::string_view s = in.ShortString(40);
        if (top < kMaxStack) redrock::server::PushErrorTable(L, s);
        break;
      }
    }
  }
  if (lua_gettop(L) == 0) lua_pushnil(L);
}

// lua_CFunction: PushReplyAsLua of the string argument.
int PushReply(lua_State* L) {
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  redrock::server::PushReplyAsLua(L, std::string_view(s, len));
  return 1;
}

// Converts the value on top (left in place) and checks the output.
std::string Convert(lua_State* L, int client_resp, int script_resp) {
  const int top = lua_gettop(L);
  std::string out;
  redrock::protocol::ReplyWriter writer(&out, client_resp);
  lua_pushvalue(L, -1);
  redrock::server::WriteLuaValue(L, writer, script_resp);
  FUZZ_CHECK(lua_gettop(L) == top, "WriteLuaValue left the stack at %d, was %d", lua_gettop(L), top);
  std::string why;
  FUZZ_CHECK(CheckReplies(out, client_resp, 1, &why), "client RESP%d, script RESP%d: %s\nreply: %s", client_resp,
             script_resp, why.c_str(), Printable(out, 2000).c_str());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  lua_State* L = luaL_newstate();
  FUZZ_CHECK(L != nullptr, "luaL_newstate failed");
  // A new state has room for about 40 values, and the Lua API does not check pushes against it (a push
  // past the end writes over the heap). The builder keeps up to kMaxStack values and the checks below push
  // a few more; the conversions reserve their own room.
  FUZZ_CHECK(lua_checkstack(L, kMaxStack + 16), "lua_checkstack failed");
  Build(L, in);
  for (int client_resp = 2; client_resp <= 3; ++client_resp) {
    for (int script_resp = 2; script_resp <= 3; ++script_resp) {
      std::string reply = Convert(L, client_resp, script_resp);
      // As redis.call returns it to a script, and back.
      // redis.call runs it inside the script's protected call: a reply nested past the Lua stack limit
      // raises "reached lua stack limit" there, which the script sees as an error value.
      const int top = lua_gettop(L);
      lua_pushcfunction(L, PushReply);
      lua_pushlstring(L, reply.data(), reply.size());
      lua_pcall(L, 1, 1, 0);
      FUZZ_CHECK(lua_gettop(L) == top + 1, "PushReplyAsLua pushed %d values", lua_gettop(L) - top);
      Convert(L, client_resp, script_resp);
      lua_pop(L, 1);
    }
  }
  // The error-table helpers on the string on top, if it is one.
  if (lua_type(L, -1) == LUA_TSTRING) {
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    std::string text(s, len);
    redrock::server::PushErrorTable(L, text);
    redrock::server::LuaErrorInfo info = redrock::server::ExtractErrorInfo(L, -1);
    FUZZ_CHECK(info.has_msg && info.msg.find(' ') != std::string::npos, "error table without 'CODE ': %s",
               Printable(info.msg).c_str());
    lua_pop(L, 1);
  }
  lua_close(L);
  return 0;
}
