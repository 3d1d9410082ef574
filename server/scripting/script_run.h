#pragma once
// Running one script or function (Redis 7.0's script.c): the run context redis.call() executes commands
// in, the checks it makes (command allowed from scripts, writes allowed), the busy state other clients
// see once a script has run longer than busy-reply-threshold, and SCRIPT KILL / FUNCTION KILL.
//
// A script runs on the caller's thread holding the exec gate exclusively. Other clients keep waiting for
// the gate until the script is "busy"; from then on the gate refuses them (server/scripting/busy.h
// answers them BUSY) and only allow-busy commands (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS,
// SHUTDOWN NOSAVE, MULTI, DISCARD...) run, without the gate, reading this shared state.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_writer.h"
#include "server/core/client_state.h"

namespace redrock::server {

struct CommandContext;
struct CommandSpec;
class CommandTable;
class LuaVm;

// Script flags (shebang `flags=` for EVAL, register_function's flags for Functions), in the order Redis
// lists them.
enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlot = 1u << 4,
  kScriptEvalCompat = 1u << 8,  // an EVAL script without a shebang: the pre-7.0 rules
};
struct ScriptFlagName {
  ScriptFlag flag;
  std::string_view name;
};
inline constexpr ScriptFlagName kScriptFlagNames[] = {
    {kScriptNoWrites, "no-writes"},
    {kScriptAllowOom, "allow-oom"},
    {kScriptAllowStale, "allow-stale"},
    {kScriptNoCluster, "no-cluster"},
    {kScriptAllowCrossSlot, "allow-cross-slot-keys"},
};

// Error texts (Redis 7.0.15).
inline constexpr std::string_view kBusyEvalError =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunctionError =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kNotBusyError = "NOTBUSY No scripts in execution right now.";
inline constexpr std::string_view kUnkillableError =
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait "
    "the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
inline constexpr std::string_view kKilledError = "Script killed by user with SCRIPT KILL...";
inline constexpr std::string_view kWriteFlagWithRo = "ERR Can not execute a script with write flag using *_ro command.";
inline constexpr std::string_view kScriptOomError =
    "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'";

// scriptPrepareForRun's maxmemory check of a script with flags (`script_flags`): the error to reply
// when the command started over maxmemory and the script allows neither OOM nor writes, else empty.
std::string_view ScriptOomRefusal(const ClientState& caller, uint32_t script_flags);

// What is running now, shared between the script's thread and the clients that inspect or kill it.
class ScriptRunState {
 public:
  void Begin(bool eval, std::string_view name, std::span<const std::string_view> caller_argv);
  void End();

  bool running() const;
  bool running_eval() const;

  // A write command is about to run: false (and nothing changes) when a kill was requested meanwhile, so
  // a script is never killed after its first write.
  bool BeginWrite();
  bool kill_requested() const { return kill_.load(std::memory_order_acquire); }
  // Whether the running script has written (BeginWrite succeeded).
  bool dirty() const;

  // SCRIPT KILL (from_eval = true) / FUNCTION KILL: writes the reply.
  void Kill(bool from_eval, protocol::ReplyWriter& reply);
  // The server is stopping (SHUTDOWN NOSAVE during a busy script, Server::Stop): stops the running
  // script even if it wrote, and every script started from now on at its first count hook.
  void ForceKill();
  bool shutting_down() const { return shutdown_.load(std::memory_order_acquire); }

  struct Snapshot {
    bool running = false;
    bool eval = false;
    std::string name;
    std::vector<std::string> argv;
    int64_t duration_ms = 0;
  };
  Snapshot Get() const;

 private:
  mutable std::mutex mu_;
  bool running_ = false;
  bool eval_ = false;
  bool dirty_ = false;
  std::string name_;
  std::span<const std::string_view> argv_;  // the caller's argv, valid while it runs
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> kill_{false};
  std::atomic<bool> shutdown_{false};
};

// One invocation (EVAL/EVALSHA/FCALL...), on the stack of the command handler.
struct ScriptRun {
  ScriptRun(CommandContext& caller_ctx, ClientState& client, ScriptRunState& run_state, std::string script_name)
      : caller(caller_ctx), script_client(client), state(run_state), name(std::move(script_name)) {}

  CommandContext& caller;
  ClientState& script_client;  // the client redis.call runs commands as
  ScriptRunState& state;
  std::string name;  // the sha (EVAL) or function name (FCALL), for error messages
  bool eval = true;
  bool read_only = false;  // EVAL_RO / FCALL_RO / no-writes: write commands are refused
  // Over maxmemory when the command started (ClientState::oom_at_start), and whether the script declared
  // allow-oom: without it, deny-oom commands are refused until the script's first write.
  bool oom_at_start = false;
  bool allow_oom = false;
  int64_t busy_threshold_ms = 0;
  std::chrono::steady_clock::time_point start;
  bool timed_out = false;         // past busy-reply-threshold: the exec gate is marked busy
  std::string reply_buffer;       // redis.call's reply bytes, reused
  std::vector<std::string> args;  // redis.call's arguments, reused
  std::vector<std::string_view> arg_views;
};

// Runs the function referenced by `function_ref` in `vm` and writes its result (or error) to
// run.caller.reply. EVAL passes keys/args as the KEYS/ARGV globals, Functions as the two arguments.
void RunScript(LuaVm& vm, ScriptRun& run, int function_ref, std::span<const std::string_view> keys,
               std::span<const std::string_view> args);

// redis.call / redis.pcall's command execution: resolves `args`, checks it may run from this script,
// and runs it as run.script_client, leaving the reply bytes in run.reply_buffer. On refusal returns the
// error text (without "ERR "/"-"), else an empty string.
std::string ExecuteScriptCommand(ScriptRun& run);

// The command `args` names, as Redis's lookupCommand finds it: the container itself when there is no
// second argument, else its subcommand; nullptr when unknown.
const CommandSpec* LookupScriptCommand(const CommandTable& table, const std::vector<std::string>& args);

}  // namespace redrock::server
