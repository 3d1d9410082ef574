#include "server/scripting/lua_vm.h"

#include <cmath>
#include <cstring>
#include <lua.hpp>
#include <string>

extern "C" int luaopen_cjson(lua_State* L);

namespace redrock::server {

namespace {

// Registry keys.
constexpr const char* kVmKey = "redrock.vm";
constexpr const char* kProxiesKey = "redrock.proxies";           // proxy -> real table
constexpr const char* kRealGlobalsKey = "redrock.globals";       // the real globals table
constexpr const char* kGlobalsMetaKey = "redrock.globals_meta";  // metatable of the globals proxy
constexpr const char* kLibraryApiKey = "redrock.library_api";    // FUNCTION LOAD-time globals
constexpr const char* kTostringKey = "redrock.tostring";

constexpr const char* kReadonlyError = "Attempt to modify a readonly table";

// Raises an error without position information, as errors raised inside Lua's own C API do.
[[noreturn]] void RaisePlain(lua_State* L, const char* msg) {
  lua_pushstring(L, msg);
  lua_error(L);
  __builtin_unreachable();
}

int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, "%s", kReadonlyError); }

// __index of the real globals (and of the FUNCTION LOAD-time tables): a missing name is an error.
int MissingGlobal(lua_State* L) {
  if (lua_gettop(L) != 2) return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
  if (!lua_isstring(L, -1) && !lua_isnumber(L, -1)) {
    return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
  }
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", lua_tostring(L, -1));
}

void SetErrorMetatable(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

// Replaces the value at `idx` by the real table when it is a proxy; true if it was one.
bool ResolveProxy(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE) return false;
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 2);
    return false;
  }
  lua_replace(L, idx);
  lua_pop(L, 1);
  return true;
}

bool IsProxy(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE) return false;
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool proxy = !lua_isnil(L, -1);
  lua_pop(L, 2);
  return proxy;
}

// Pushes a read-only proxy of the table at `idx`. `meta_value` is what getmetatable() returns for it.
void PushProxy(lua_State* L, int idx, bool meta_is_table) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  if (meta_is_table) {
    // getmetatable(_G) is a (read-only) table in Redis.
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, ReadonlyNewIndex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
  } else {
    lua_pushboolean(L, 0);
  }
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, idx);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

// Replaces every table value of the (real) table at `idx` with a read-only proxy, recursively. `seen`
// (a table at `seen_idx`) maps real tables to their proxies so shared tables get one proxy.
void ProtectFields(lua_State* L, int idx, int seen_idx) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  lua_checkstack(L, 8);
  // Collect first: changing values while iterating with lua_next is allowed, adding keys is not.
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -1) == LUA_TTABLE && !IsProxy(L, -1)) {
      lua_pushvalue(L, -1);
      lua_rawget(L, seen_idx);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        // Mark before recursing (cycles), with a placeholder replaced below.
        lua_pushvalue(L, -1);
        lua_pushboolean(L, 1);
        lua_rawset(L, seen_idx);
        ProtectFields(L, -1, seen_idx);
        PushProxy(L, -1, false);
        lua_pushvalue(L, -2);
        lua_pushvalue(L, -2);
        lua_rawset(L, seen_idx);
      } else if (lua_isboolean(L, -1)) {
        lua_pop(L, 2);  // a table being protected further up: leave it as it is
        continue;
      }
      // Stack: key, real, proxy. Store the proxy in place of the real table.
      lua_pushvalue(L, -3);
      lua_pushvalue(L, -2);
      lua_rawset(L, idx);
      lua_pop(L, 2);
    } else {
      lua_pop(L, 1);
    }
  }
}

// --- Wrappers that keep the proxies opaque ------------------------------------------------------------

int SafeNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  ResolveProxy(L, 1);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int SafePairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // SafeNext
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int SafeIpairsAux(lua_State* L) {
  int i = luaL_checkint(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  ResolveProxy(L, 1);
  i++;
  lua_pushinteger(L, i);
  lua_rawgeti(L, 1, i);
  return lua_isnil(L, -1) ? 0 : 2;
}

int SafeIpairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // SafeIpairsAux
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

int SafeRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  ResolveProxy(L, 1);
  lua_rawget(L, 1);
  return 1;
}

int SafeRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProxy(L, 1)) RaisePlain(L, kReadonlyError);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// A wrapper that refuses a proxy as first argument and otherwise calls the original (upvalue 1).
int RefuseProxyFirst(lua_State* L) {
  if (IsProxy(L, 1)) RaisePlain(L, kReadonlyError);
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

// Lua's luaO_chunkid for the chunk names loadstring()/load() give (LUA_IDSIZE 60).
std::string ChunkId(const char* source) {
  constexpr size_t kIdSize = 60;
  std::string out;
  if (*source == '=') {
    out.assign(source + 1, strnlen(source + 1, kIdSize - 1));
  } else if (*source == '@') {
    size_t budget = kIdSize - sizeof(" '...' ");
    std::string_view s(source + 1);
    if (s.size() > budget) {
      out = "...";
      s.remove_prefix(s.size() - budget);
    }
    out += s;
  } else {
    size_t budget = kIdSize - sizeof(" [string \"...\"] ");
    size_t len = std::strcspn(source, "\n\r");
    if (len > budget) len = budget;
    out = "[string \"";
    if (source[len] != '\0') {
      out.append(source, len);
      out += "...";
    } else {
      out += source;
    }
    out += "\"]";
  }
  return out;
}

// Compiles `code` as loadstring would, but refuses precompiled chunks with the error Redis's patched
// Lua gives (its parser sees the ESC byte as an unexpected symbol).
int LoadChunk(lua_State* L, const char* code, size_t len, const char* chunkname) {
  if (len > 0 && code[0] == '\033') {
    lua_pushnil(L);
    std::string msg = ChunkId(chunkname) + ":1: unexpected symbol near 'char(27)'";
    lua_pushlstring(L, msg.data(), msg.size());
    return 2;
  }
  if (luaL_loadbuffer(L, code, len, chunkname) == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

int SafeLoadstring(lua_State* L) {
  size_t len;
  const char* code = luaL_checklstring(L, 1, &len);
  const char* chunkname = luaL_optstring(L, 2, code);
  return LoadChunk(L, code, len, chunkname);
}

int SafeLoad(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const char* chunkname = luaL_optstring(L, 2, "=(load)");
  luaL_Buffer b;
  lua_settop(L, 2);
  luaL_buffinit(L, &b);
  for (;;) {
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      lua_pushnil(L);
      lua_pushstring(L, "reader function must return a string");
      return 2;
    }
    if (lua_objlen(L, -1) == 0) {
      lua_pop(L, 1);
      break;
    }
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  size_t len;
  const char* code = lua_tolstring(L, -1, &len);
  return LoadChunk(L, code, len, chunkname);
}

// Redis's pcall: an error table raised by redis.call() reaches the script as its message string, as
// Lua error strings did before Redis 7.
int RedisPcall(lua_State* L) {
  int argc = lua_gettop(L);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// math.random / math.randomseed over rand48, as Redis's (platform-independent) implementation.
constexpr uint64_t kRand48Mask = (uint64_t{1} << 48) - 1;
constexpr int32_t kRand48Max = 0x7fffffff;

int32_t NextRand48(uint64_t& state) {
  state = (state * 0x5DEECE66Dull + 0xB) & kRand48Mask;
  return static_cast<int32_t>(state >> 17);
}

int MathRandom(lua_State* L) {
  LuaVm* vm = LuaVm::From(L);
  if (vm->run() == nullptr) return luaL_error(L, "math.random can only be called inside a script invocation");
  lua_Number r = static_cast<lua_Number>(NextRand48(vm->rand_state()) % kRand48Max) / kRand48Max;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomseed(lua_State* L) {
  LuaVm* vm = LuaVm::From(L);
  if (vm->run() == nullptr) return luaL_error(L, "math.randomseed can only be called inside a script invocation");
  int seed = luaL_checkint(L, 1);
  vm->rand_state() = ((static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E) & kRand48Mask;
  return 0;
}

// The error handler lua_pcall runs scripts under (Redis's __redis__err__handler, in C): the error
// becomes a table {err=..., source=..., line=...} pointing at the Lua code that failed (the caller of a
// failing C function).
int ErrorHandler(lua_State* L) {
  lua_Debug ar;
  bool have = false;
  if (lua_getstack(L, 1, &ar)) {
    lua_getinfo(L, "nSl", &ar);
    have = true;
    if (std::strcmp(ar.what, "C") == 0) {
      have = lua_getstack(L, 2, &ar) != 0;
      if (have) lua_getinfo(L, "nSl", &ar);
    }
  }
  if (!lua_istable(L, 1)) {
    lua_getfield(L, LUA_REGISTRYINDEX, kTostringKey);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    std::string msg = "ERR ";
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    if (s != nullptr) msg.append(s, len);
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushlstring(L, msg.data(), msg.size());
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
  }
  if (have) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

void OpenLibrary(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

// Wraps the field `name` of the table on top of the stack in `wrapper`, with the original as upvalue.
void WrapField(lua_State* L, const char* name, lua_CFunction wrapper) {
  lua_getfield(L, -1, name);
  lua_pushcclosure(L, wrapper, 1);
  lua_setfield(L, -2, name);
}

}  // namespace

LuaVm::LuaVm(Kind kind) : L_(luaL_newstate()), kind_(kind), rand_state_((uint64_t{0x1234ABCD} << 16) | 0x330E) {
  lua_State* L = L_;
  lua_pushlightuserdata(L, this);
  lua_setfield(L, LUA_REGISTRYINDEX, kVmKey);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxiesKey);

  OpenLibrary(L, "", luaopen_base);
  OpenLibrary(L, LUA_TABLIBNAME, luaopen_table);
  OpenLibrary(L, LUA_STRLIBNAME, luaopen_string);
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  lua_pushcfunction(L, lua_detail::OpenBit);
  lua_call(L, 0, 1);
  lua_setglobal(L, "bit");
  lua_pushcfunction(L, lua_detail::OpenCmsgpack);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cmsgpack");
  lua_pushcfunction(L, lua_detail::OpenStruct);
  lua_call(L, 0, 1);
  lua_setglobal(L, "struct");

  lua_pushvalue(L, LUA_GLOBALSINDEX);
  const int globals = lua_gettop(L);
  lua_getfield(L, globals, "tostring");
  lua_setfield(L, LUA_REGISTRYINDEX, kTostringKey);
  for (const char* name : {"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy"}) {
    lua_pushnil(L);
    lua_setfield(L, globals, name);
  }
  lua_pushcfunction(L, SafeLoadstring);
  lua_setfield(L, globals, "loadstring");
  lua_pushcfunction(L, SafeLoad);
  lua_setfield(L, globals, "load");
  lua_pushcfunction(L, RedisPcall);
  lua_setfield(L, globals, "pcall");
  lua_pushcfunction(L, SafeNext);
  lua_pushvalue(L, -1);
  lua_setfield(L, globals, "next");
  lua_pushcclosure(L, SafePairs, 1);
  lua_setfield(L, globals, "pairs");
  lua_pushcfunction(L, SafeIpairsAux);
  lua_pushcclosure(L, SafeIpairs, 1);
  lua_setfield(L, globals, "ipairs");
  lua_pushcfunction(L, SafeRawget);
  lua_setfield(L, globals, "rawget");
  lua_pushcfunction(L, SafeRawset);
  lua_setfield(L, globals, "rawset");
  WrapField(L, "setmetatable", RefuseProxyFirst);
  lua_getfield(L, globals, "table");
  for (const char* name : {"insert", "remove", "sort"}) WrapField(L, name, RefuseProxyFirst);
  lua_pop(L, 1);
  lua_getfield(L, globals, "math");
  lua_pushcfunction(L, MathRandom);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, MathRandomseed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);

  lua_newtable(L);
  lua_detail::RegisterRedisApi(L, kind);
  lua_setfield(L, globals, "redis");

  if (kind == Kind::kFunctions) {
    // The globals FUNCTION LOAD's code sees: only `redis`, with the library API; a missing name in
    // either table is an error.
    lua_newtable(L);
    lua_detail::PushLibraryRedisApi(L);
    SetErrorMetatable(L);
    PushProxy(L, -1, false);
    lua_setfield(L, -3, "redis");
    lua_pop(L, 1);
    SetErrorMetatable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, kLibraryApiKey);
  }

  // Protect: every table reachable from the globals becomes a proxy, the string metatable forwards to
  // the protected string table, and the globals themselves become a proxy.
  lua_newtable(L);
  const int seen = lua_gettop(L);
  lua_pushvalue(L, globals);
  lua_pushboolean(L, 1);
  lua_rawset(L, seen);
  ProtectFields(L, globals, seen);
  lua_pushstring(L, "");
  lua_getmetatable(L, -1);  // the string metatable
  lua_getfield(L, globals, "string");
  lua_setfield(L, -2, "__index");
  PushProxy(L, -1, false);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 3);  // metatable, "", seen

  lua_pushvalue(L, globals);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobalsKey);
  PushProxy(L, globals, true);
  lua_pushvalue(L, -1);
  lua_setfield(L, globals, "_G");
  lua_getmetatable(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsMetaKey);
  lua_pushvalue(L, globals);
  SetErrorMetatable(L);
  lua_pop(L, 1);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, 0);
}

LuaVm::~LuaVm() { lua_close(L_); }

LuaVm* LuaVm::From(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kVmKey);
  auto* vm = static_cast<LuaVm*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return vm;
}

void LuaVm::SetProtectedGlobal(const char* name) {
  lua_getfield(L_, LUA_REGISTRYINDEX, kRealGlobalsKey);
  lua_insert(L_, -2);
  lua_setfield(L_, -2, name);  // the real globals have only an __index metamethod: a plain set
  lua_pop(L_, 1);
}

void LuaVm::BeginLoad(FunctionLoadContext* load) {
  load_ = load;
  lua_getfield(L_, LUA_REGISTRYINDEX, kGlobalsMetaKey);
  lua_getfield(L_, LUA_REGISTRYINDEX, kLibraryApiKey);
  lua_setfield(L_, -2, "__index");
  lua_pop(L_, 1);
}

void LuaVm::EndLoad() {
  load_ = nullptr;
  lua_getfield(L_, LUA_REGISTRYINDEX, kGlobalsMetaKey);
  lua_getfield(L_, LUA_REGISTRYINDEX, kRealGlobalsKey);
  lua_setfield(L_, -2, "__index");
  lua_pop(L_, 1);
}

void LuaVm::PushErrorHandler(lua_State* L) { lua_pushcfunction(L, ErrorHandler); }

void lua_detail::ResolveReadonlyProxy(lua_State* L, int idx) { ResolveProxy(L, idx); }

}  // namespace redrock::server
