#include "server/scripting/script_run.h"

#include <fmt/format.h>

#include <lua.hpp>

#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/core/log.h"
#include "server/core/disk_error.h"
#include "server/core/memory_limit.h"
#include "server/scripting/lua_reply.h"
#include "server/scripting/lua_vm.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

// Redis's count hook runs every 100000 VM instructions.
constexpr int kHookInstructions = 100000;

int64_t ElapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

void CountHook(lua_State* L, lua_Debug*) {
  ScriptRun* run = LuaVm::From(L)->run();
  if (run == nullptr) return;
  if (!run->timed_out && run->busy_threshold_ms > 0) {
    int64_t elapsed = ElapsedMs(run->start);
    if (elapsed >= run->busy_threshold_ms) {
      run->timed_out = true;
      Log(LogLevel::kWarning,
          "Slow script detected: still in execution after {} milliseconds. You can try killing the script "
          "using the {} command. Script name is: {}.",
          elapsed, run->eval ? "SCRIPT KILL" : "FUNCTION KILL", run->name);
      run->caller.server.exec_gate.set_busy(true);
    }
  }
  if (run->state.kill_requested()) {
    Log(LogLevel::kWarning, "Lua script killed by user with SCRIPT KILL.");
    // From now on on every line, so a pcall cannot swallow the kill and keep going.
    lua_sethook(L, CountHook, LUA_MASKLINE, 0);
    PushErrorTable(L, kKilledError);
    lua_error(L);
  }
}

void PushStringArray(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// luaCallFunction's error reply: "<msg> script: <name>, on <source>:<line>.".
void ReplyScriptError(lua_State* L, const ScriptRun& run, LuaReplyErrors& errors) {
  protocol::ReplyWriter& reply = run.caller.reply;
  if (!lua_istable(L, -1)) {
    std::string msg = "execution failure";
    if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
    if (msg.size() > 100) msg.resize(100);
    std::string text = fmt::format("ERR Error running script {}, {}", run.name, msg);
    reply.Error(text);
    errors.counted.push_back(std::move(text));
    return;
  }
  LuaErrorInfo info = ExtractErrorInfo(L, -1);
  std::string text = info.has_msg ? info.msg : "ERR nil";
  if (info.has_source && info.has_line) {
    text += fmt::format(" script: {}, on {}:{}.", run.name, info.source, info.line);
  }
  reply.Error(text);
  if (info.ignore_stats) {
    ++errors.uncounted;
  } else {
    errors.counted.push_back(std::move(text));
  }
}

}  // namespace

// --- ScriptRunState ------------------------------------------------------------------------------------

void ScriptRunState::Begin(bool eval, std::string_view name, std::span<const std::string_view> caller_argv) {
  std::lock_guard lock(mu_);
  running_ = true;
  eval_ = eval;
  dirty_ = false;
  name_.assign(name);
  argv_ = caller_argv;
  start_ = std::chrono::steady_clock::now();
  kill_.store(shutdown_.load(std::memory_order_acquire), std::memory_order_release);
}

void ScriptRunState::End() {
  std::lock_guard lock(mu_);
  running_ = false;
  argv_ = {};
  kill_.store(false, std::memory_order_release);
}

bool ScriptRunState::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

bool ScriptRunState::running_eval() const {
  std::lock_guard lock(mu_);
  return running_ && eval_;
}

bool ScriptRunState::dirty() const {
  std::lock_guard lock(mu_);
  return dirty_;
}

std::string_view ScriptOomRefusal(const ClientState& caller, uint32_t script_flags) {
  if (!caller.oom_at_start || (script_flags & (kScriptAllowOom | kScriptNoWrites))) return {};
  return kScriptOomError;
}

bool ScriptRunState::BeginWrite() {
  std::lock_guard lock(mu_);
  if (kill_.load(std::memory_order_acquire)) return false;
  dirty_ = true;
  return true;
}

void ScriptRunState::Kill(bool from_eval, protocol::ReplyWriter& reply) {
  std::lock_guard lock(mu_);
  if (!running_) {
    reply.Error(kNotBusyError);
  } else if (dirty_) {
    reply.Error(kUnkillableError);
  } else if (from_eval && !eval_) {
    reply.Error(kBusyFunctionError);
  } else if (!from_eval && eval_) {
    reply.Error(kBusyEvalError);
  } else {
    kill_.store(true, std::memory_order_release);
    reply.Ok();
  }
}

void ScriptRunState::ForceKill() {
  std::lock_guard lock(mu_);
  shutdown_.store(true, std::memory_order_release);
  if (running_) kill_.store(true, std::memory_order_release);
}

ScriptRunState::Snapshot ScriptRunState::Get() const {
  std::lock_guard lock(mu_);
  Snapshot s;
  s.running = running_;
  if (!running_) return s;
  s.eval = eval_;
  s.name = name_;
  s.argv.assign(argv_.begin(), argv_.end());
  s.duration_ms = ElapsedMs(start_);
  return s;
}

// --- Running ---------------------------------------------------------------------------------------------

void RunScript(LuaVm& vm, ScriptRun& run, int function_ref, std::span<const std::string_view> keys,
               std::span<const std::string_view> args) {
  lua_State* L = vm.state();
  LuaVm::PushErrorHandler(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, function_ref);
  int nargs = 0;
  if (run.eval) {
    PushStringArray(L, keys);
    vm.SetProtectedGlobal("KEYS");
    PushStringArray(L, args);
    vm.SetProtectedGlobal("ARGV");
  } else {
    PushStringArray(L, keys);
    PushStringArray(L, args);
    nargs = 2;
  }
  run.script_client.db.store(run.caller.db(), std::memory_order_relaxed);
  run.script_client.resp = 2;
  run.start = std::chrono::steady_clock::now();
  run.state.Begin(run.eval, run.name, run.caller.argv);
  vm.set_run(&run);
  if (run.busy_threshold_ms > 0 || run.state.shutting_down()) {
    lua_sethook(L, CountHook, LUA_MASKCOUNT, kHookInstructions);
  }

  const int err = lua_pcall(L, nargs, 1, -(nargs + 2));

  lua_sethook(L, nullptr, 0, 0);
  if (++vm.runs_since_gc() == 50) {
    lua_gc(L, LUA_GCSTEP, 50);
    vm.runs_since_gc() = 0;
  }
  // The error stats as Redis keeps them: an error of the script's reply is counted here unless it was
  // counted where it arose (ignore_error_stats_update: a refused or failed redis.call/pcall); the script
  // failed once if any was counted here, and once more for each of the others (Redis's afterErrorReply).
  LuaReplyErrors errors;
  if (err != 0) {
    ReplyScriptError(L, run, errors);
    lua_pop(L, 1);
  } else {
    WriteLuaValue(L, run.caller.reply, run.script_client.resp, &errors);
  }
  for (const std::string& error : errors.counted) CountErrorReply(run.caller.server, error);
  run.caller.client.reply_errors = {true, errors.uncounted + (errors.counted.empty() ? 0u : 1u)};
  lua_pop(L, 1);  // the error handler
  vm.set_run(nullptr);
  if (run.timed_out) run.caller.server.exec_gate.set_busy(false);
  run.state.End();
}

std::string ExecuteScriptCommand(ScriptRun& run) {
  const CommandTable& table = run.caller.table;
  const CommandSpec* spec = LookupScriptCommand(table, run.args);
  // A command refused before it runs is an error reply and one of its rejected calls, as Redis's
  // scriptCall counts them (an unknown command has no stats of its own). The script gets the error
  // marked as counted.
  auto reject = [&run, spec](std::string error) {
    CountErrorReply(run.caller.server, error.starts_with('-') ? error.substr(1) : "ERR " + error);
    if (spec != nullptr && spec->stats != nullptr) {
      spec->stats->rejected_calls.fetch_add(1, std::memory_order_relaxed);
    }
    return error;
  };
  if (spec == nullptr) return reject("Unknown Redis command called from script");
  const size_t argc = run.args.size();
  if ((spec->arity > 0 && static_cast<size_t>(spec->arity) != argc) ||
      (spec->arity < 0 && argc < static_cast<size_t>(-spec->arity)) || spec->handler == nullptr) {
    return reject("Wrong number of args calling Redis command from script");
  }
  if (spec->flags & kCmdNoScript) return reject("This Redis command is not allowed from script");
  // scriptVerifyOOM: over maxmemory at the start, a script without allow-oom may not grow memory before
  // it has written (after that it cannot be stopped half way).
  if (run.oom_at_start && !run.allow_oom && (spec->flags & kCmdDenyOom) && !run.state.dirty()) {
    return reject("-" + std::string(kOomError));
  }
  if (spec->flags & kCmdWrite) {
    if (run.read_only) return reject("Write commands are not allowed from read-only scripts.");
    // scriptVerifyWriteCommandAllow: no writes while storage is failing.
    if (run.caller.server.engine.WritesFailing()) return reject("-" + DiskErrorText(run.caller.server.engine));
    if (!run.state.BeginWrite()) return std::string(kKilledError);  // killed: the command is not refused
  }
  run.arg_views.assign(run.args.begin(), run.args.end());
  run.reply_buffer.clear();
  protocol::ReplyWriter writer(&run.reply_buffer, run.script_client.resp);
  table.Invoke(*spec, run.script_client, run.caller.server, writer, run.arg_views);
  return {};
}

const CommandSpec* LookupScriptCommand(const CommandTable& table, const std::vector<std::string>& args) {
  if (args.empty()) return nullptr;
  const CommandSpec* spec = table.Find(args[0]);
  if (spec == nullptr || args.size() == 1 || spec->subcommands.empty()) return spec;
  return table.FindSubcommand(*spec, args[1]);
}

}  // namespace redrock::server
