// The `redis` table scripts see (Redis 7.0's script_lua.c luaRegisterRedisAPI, plus eval.c's
// breakpoint/debug/replicate_commands for EVAL), and the FUNCTION LOAD-time table with
// register_function.

#include <cstdio>
#include <lua.hpp>
#include <string>

#include "server/core/command_table.h"
#include "server/core/log.h"
#include "server/scripting/lua_reply.h"
#include "server/scripting/lua_vm.h"
#include "server/scripting/script_run.h"
#include "common/sha1.h"

namespace redrock::server::lua_detail {

namespace {

constexpr const char* kRedisVersion = "7.0.15";
constexpr lua_Number kRedisVersionNum = 0x07000f;

int RaiseError(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

ScriptRun* RequireRun(lua_State* L, const char* what) {
  ScriptRun* run = LuaVm::From(L)->run();
  if (run == nullptr) RaiseError(L, std::string(what) + " can only be called inside a script invocation");
  return run;
}

// luaArgsToRedisArgv: the arguments as strings (numbers as %.17g); false, with the error table pushed
// and the arguments popped, when one is neither a string nor a number.
bool TakeArgs(lua_State* L, std::vector<std::string>* args) {
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return false;
  }
  args->resize(static_cast<size_t>(argc));
  bool ok = true;
  for (int i = 1; i <= argc && ok; ++i) {
    std::string& arg = (*args)[static_cast<size_t>(i - 1)];
    if (lua_type(L, i) == LUA_TNUMBER) {
      char buf[64];
      int len = std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, i)));
      arg.assign(buf, static_cast<size_t>(len));
    } else {
      size_t len;
      const char* s = lua_tolstring(L, i, &len);
      if (s == nullptr) {
        ok = false;
      } else {
        arg.assign(s, len);
      }
    }
  }
  lua_pop(L, argc);
  if (!ok) PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
  return ok;
}

void MarkIgnoreStats(lua_State* L) {
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "ignore_error_stats_update");
}

int GenericCommand(lua_State* L, bool raise) {
  ScriptRun* run = LuaVm::From(L)->run();
  if (run == nullptr) return RaiseError(L, "redis.call/pcall can only be called inside a script invocation");
  if (!TakeArgs(L, &run->args)) return raise ? lua_error(L) : 1;
  std::string refused = ExecuteScriptCommand(*run);
  if (!refused.empty()) {
    PushErrorTable(L, refused);
    MarkIgnoreStats(L);
    return raise ? lua_error(L) : 1;
  }
  PushReplyAsLua(L, run->reply_buffer);
  if (raise && !run->reply_buffer.empty() && run->reply_buffer[0] == '-') return lua_error(L);
  return 1;
}

int Call(lua_State* L) { return GenericCommand(L, true); }
int Pcall(lua_State* L) { return GenericCommand(L, false); }

int Sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  std::string digest = common::Sha1Hex(s == nullptr ? std::string_view() : std::string_view(s, len));
  lua_pushlstring(L, digest.data(), digest.size());
  return 1;
}

int ErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  size_t len;
  const char* s = lua_tolstring(L, -1, &len);
  std::string error(s, len);
  if (error.empty() || error[0] != '-') error.insert(0, "-");
  PushErrorTable(L, error);
  return 1;
}

int StatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

int LogCommand(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseError(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < static_cast<int>(LogLevel::kDebug) || level > static_cast<int>(LogLevel::kWarning)) {
    return RaiseError(L, "Invalid debug level.");
  }
  if (level < static_cast<int>(GetLogLevel())) return 0;
  std::string message;
  for (int i = 2; i <= argc; ++i) {
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (i != 2) message += ' ';
    message.append(s, len);
  }
  LogRaw(static_cast<LogLevel>(level), message);
  return 0;
}

int SetResp(lua_State* L) {
  ScriptRun* run = RequireRun(L, "redis.setresp");
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  run->script_client.resp = resp;
  return 0;
}

// Replication is not a thing in redrock: the flags are validated and ignored, as the replication
// settings of a script are on a server without replicas.
int SetRepl(lua_State* L) {
  RequireRun(L, "redis.set_repl");
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
  int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~3) != 0) {
    return RaiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;
}

// There are no ACL users besides the default one, which may run everything.
int AclCheckCmd(lua_State* L) {
  ScriptRun* run = RequireRun(L, "redis.acl_check_cmd");
  std::vector<std::string> args;
  if (!TakeArgs(L, &args)) return lua_error(L);
  if (LookupScriptCommand(run->caller.table, args) == nullptr) {
    return RaiseError(L, "Invalid command passed to redis.acl_check_cmd()");
  }
  lua_pushboolean(L, 1);
  return 1;
}

int ReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

// The debugger (SCRIPT DEBUG) is not implemented: never in a debugging session.
int Breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int Debug(lua_State*) { return 0; }

void SetFunction(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, lua_Number n) {
  lua_pushnumber(L, n);
  lua_setfield(L, -2, name);
}

void RegisterLogAndVersion(lua_State* L) {
  SetFunction(L, "log", LogCommand);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
}

}  // namespace

void RegisterRedisApi(lua_State* L, LuaVm::Kind kind) {
  SetFunction(L, "call", Call);
  SetFunction(L, "pcall", Pcall);
  RegisterLogAndVersion(L);
  SetFunction(L, "setresp", SetResp);
  SetFunction(L, "sha1hex", Sha1hex);
  SetFunction(L, "error_reply", ErrorReply);
  SetFunction(L, "status_reply", StatusReply);
  SetFunction(L, "set_repl", SetRepl);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  SetFunction(L, "acl_check_cmd", AclCheckCmd);
  if (kind == LuaVm::Kind::kEval) {
    SetFunction(L, "breakpoint", Breakpoint);
    SetFunction(L, "debug", Debug);
    SetFunction(L, "replicate_commands", ReplicateCommands);
  }
}

void PushLibraryRedisApi(lua_State* L) {
  lua_newtable(L);
  SetFunction(L, "register_function", RegisterFunction);
  RegisterLogAndVersion(L);
}

}  // namespace redrock::server::lua_detail
