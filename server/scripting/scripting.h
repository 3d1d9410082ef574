#pragma once
// Lua scripting and Functions for one server (ServerState::scripting): the EVAL script cache and VM,
// the function libraries and their VM, the state of the script running now (for BUSY, SCRIPT KILL,
// FUNCTION STATS), and the client scripts run their commands as.
//
// Function libraries persist: after every change they are written to `functions.dump` in the engine's
// data directory (temp file, rename; fsyncs as appendfsync says, see SaveFunctions), and read back when
// the server state is created.
//
// Everything except run_state() is touched only with the exec gate held exclusively (EVAL, FCALL,
// SCRIPT LOAD/FLUSH, FUNCTION LOAD/DELETE/FLUSH/RESTORE), or shared by readers that change nothing
// (SCRIPT EXISTS, FUNCTION LIST/DUMP/STATS).

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "server/core/client_state.h"
#include "server/scripting/eval_scripts.h"
#include "server/scripting/function_library.h"
#include "server/scripting/script_run.h"

namespace redrock::server {

class Config;
struct CommandSpec;
struct ServerState;

class Scripting {
 public:
  // Loads the persisted function libraries from `data_dir` (the engine's directory; a damaged file is
  // logged and left alone: the server starts without those libraries). `config` (appendfsync,
  // busy-reply-threshold) must outlive this.
  Scripting(const Config& config, std::string_view data_dir);
  ~Scripting();

  EvalScripts& eval() { return eval_; }
  FunctionLibrary& functions() { return functions_; }
  ScriptRunState& run_state() { return run_state_; }
  ClientState& script_client() { return script_client_; }

  // Writes the libraries to the data directory; logs and returns false when that fails (the change
  // stays in memory).
  bool SaveFunctions();

  // busy-reply-threshold in milliseconds (0: scripts are never busy nor killable).
  int64_t BusyThresholdMs() const;

  const std::string& functions_path() const { return functions_path_; }

 private:
  const Config& config_;
  std::string functions_path_;
  EvalScripts eval_;
  FunctionLibrary functions_;
  ScriptRunState run_state_;
  ClientState script_client_;
  std::chrono::steady_clock::time_point last_sync_{};  // SaveFunctions' last fsync (appendfsync everysec)
  std::string saved_dump_;  // what the file holds, when saved_dump_valid_
  bool saved_dump_valid_ = false;
};

// Redis's evalGetCommandFlags/fcallGetCommandFlags for the OOM check: whether EVAL*/FCALL* (`spec`,
// `argv`) counts as deny-oom. A script with flags (a shebang, or a function) is unless it declares
// allow-oom or no-writes; an EVAL without a shebang, or a script not found, has the command's own flags
// (not deny-oom). Call with the exec gate held.
bool ScriptDeniesOom(ServerState& server, const CommandSpec& spec, std::span<const std::string_view> argv);

// The file name, inside the engine's data directory, holding the function libraries.
inline constexpr const char* kFunctionsFileName = "functions.dump";

}  // namespace redrock::server
