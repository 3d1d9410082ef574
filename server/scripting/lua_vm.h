#pragma once
// One sandboxed Lua 5.1 interpreter, set up the way Redis 7.0 sets up its scripting VMs (script_lua.c,
// eval.c, function_lua.c). Two kinds exist per server: the EVAL VM and the Functions VM.
//
// The sandbox, as Redis 7.0.15 shows it to scripts:
// - libraries: base (without dofile, loadfile, print, getfenv, setfenv, newproxy), table, string, math
//   (math.random/randomseed replaced by a rand48 generator), coroutine, cjson, bit, cmsgpack, struct,
//   and `redis`;
// - loadstring/load refuse precompiled bytecode, as Redis's patched Lua does;
// - every global and every table reachable from the globals is read-only: assigning one raises
//   "Attempt to modify a readonly table", reading a missing global raises "Script attempted to access
//   nonexistent global variable 'x'".
// Debian's Lua has no read-only tables (Redis patches its own copy), so the globals and the library
// tables are empty proxies whose metatables forward reads to the real tables and refuse writes. rawset,
// rawget, next, pairs, ipairs, setmetatable and table.insert/remove/sort see through (or refuse) the
// proxies, so scripts observe the same behaviour (getmetatable() of the globals differs in detail).
//
// The VM is used by one thread at a time: scripts run with the exec gate held exclusively.

#include <cstdint>
#include <string>
#include <string_view>

struct lua_State;

namespace redrock::server {

struct ScriptRun;            // script_run.h
struct FunctionLoadContext;  // function_library.h

class LuaVm {
 public:
  enum class Kind { kEval, kFunctions };

  explicit LuaVm(Kind kind);
  ~LuaVm();
  LuaVm(const LuaVm&) = delete;
  LuaVm& operator=(const LuaVm&) = delete;

  lua_State* state() const { return L_; }
  Kind kind() const { return kind_; }

  // The script invocation in progress (redis.call and the count hook need it); null between runs.
  ScriptRun* run() const { return run_; }
  void set_run(ScriptRun* run) { run_ = run; }

  // Functions VM only: the FUNCTION LOAD in progress (redis.register_function needs it). While set, the
  // globals show only the library API (`redis` with register_function, log, LOG_*, REDIS_VERSION*).
  FunctionLoadContext* load() const { return load_; }
  void BeginLoad(FunctionLoadContext* load);
  void EndLoad();

  // Pops the value on top of the stack into the real globals table as `name`, past the protection (KEYS
  // and ARGV of an EVAL).
  void SetProtectedGlobal(const char* name);

  // The VM owning `L` (also works from coroutines of it).
  static LuaVm* From(lua_State* L);

  // Pushes the error handler lua_pcall runs scripts under: it turns the error into Redis's error table
  // {err=..., source=..., line=...} (see script_run.h).
  static void PushErrorHandler(lua_State* L);

  // The rand48 generator behind math.random.
  uint64_t& rand_state() { return rand_state_; }
  // Scripts run since the last incremental GC step (Redis steps the collector every 50 runs).
  int& runs_since_gc() { return runs_since_gc_; }

 private:
  lua_State* L_;
  Kind kind_;
  ScriptRun* run_ = nullptr;
  FunctionLoadContext* load_ = nullptr;
  uint64_t rand_state_;
  int runs_since_gc_ = 0;
};

// The Lua-facing pieces, implemented in the other lua_*.cc files.
namespace lua_detail {
// Registers the `redis` table into the table on top of the stack (lua_api.cc).
void RegisterRedisApi(lua_State* L, LuaVm::Kind kind);
// Pushes the FUNCTION LOAD-time `redis` table (register_function, log, levels, versions) (lua_api.cc).
void PushLibraryRedisApi(lua_State* L);
// Opens the `bit` library (LuaBitOp's API) and pushes its table (lua_bit.cc).
int OpenBit(lua_State* L);
// Opens the `cmsgpack` library (lua-cmsgpack's API) and pushes its table (lua_cmsgpack.cc).
int OpenCmsgpack(lua_State* L);
// Opens the `struct` library (Lua struct's API) and pushes its table (lua_struct.cc).
int OpenStruct(lua_State* L);
// Replaces the table at `idx` by the real table when it is one of the sandbox's read-only proxies
// (lua_vm.cc), for C code that walks a table's contents with lua_next.
void ResolveReadonlyProxy(lua_State* L, int idx);
// redis.register_function (function_library.cc).
int RegisterFunction(lua_State* L);
}  // namespace lua_detail

}  // namespace redrock::server
