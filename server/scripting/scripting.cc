#include "server/scripting/scripting.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "redrock/engine/engine.h"
#include "common/number_format.h"
#include "redrock/server/config.h"
#include "server/core/command_table.h"
#include "server/core/log.h"
#include "common/sha1.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Replaces `path` with `data` atomically: a crash leaves the old file or the new one. With `sync` the new
// file and its directory are fsynced too, so the change also survives a power loss.
bool WriteFileAtomically(const std::string& path, std::string_view data, bool sync, std::string* error) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = std::strerror(errno);
    return false;
  }
  bool ok = WriteAll(fd, data) && (!sync || ::fsync(fd) == 0);
  if (!ok) *error = std::strerror(errno);
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return false;
  }
  if (!sync) return true;
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace

Scripting::Scripting(const Config& config, std::string_view data_dir)
    : config_(config), functions_path_((std::filesystem::path(data_dir) / kFunctionsFileName).string()) {
  script_client_.id = 0;
  script_client_.authenticated = true;
  std::ifstream in(functions_path_, std::ios::binary);
  if (!in) return;
  std::stringstream content;
  content << in.rdbuf();
  std::string error;
  if (!functions_.Restore(content.str(), FunctionLibrary::RestorePolicy::kFlush, &error, /*timeout_ms=*/0)) {
    Log(LogLevel::kWarning, "Failed loading the function libraries from {}: {}", functions_path_, error);
    return;
  }
  if (!functions_.libraries().empty()) {
    Log(LogLevel::kNotice, "Loaded {} function libraries from {}", functions_.libraries().size(), functions_path_);
  }
}

Scripting::~Scripting() = default;

bool Scripting::SaveFunctions() {
  std::string dump = functions_.Dump();
  // FUNCTION LOAD REPLACE of the same code changes nothing on disk: no write (a rename that replaces a
  // file costs the filesystem a block free, with a synchronous discard on some mounts).
  if (saved_dump_valid_ && dump == saved_dump_) return true;
  // Durability follows appendfsync, as for the data: `always` syncs every change, `everysec` at most once
  // a second (a FUNCTION LOAD per FCALL must not cost two fsyncs each), `no` leaves it to the OS. The
  // rename keeps every mode safe against a process crash.
  bool sync = false;
  const auto now = std::chrono::steady_clock::now();
  switch (Config::SyncModeFor(config_.appendfsync())) {
    case engine::SyncMode::kAlways:
      sync = true;
      break;
    case engine::SyncMode::kEverySec:
      sync = now - last_sync_ >= std::chrono::seconds(1);
      break;
    case engine::SyncMode::kNo:
      break;
  }
  if (sync) last_sync_ = now;
  std::string error;
  saved_dump_valid_ = false;
  if (!WriteFileAtomically(functions_path_, dump, sync, &error)) {
    Log(LogLevel::kWarning, "Failed writing the function libraries to {}: {}", functions_path_, error);
    return false;
  }
  saved_dump_ = std::move(dump);
  saved_dump_valid_ = true;
  return true;
}

bool ScriptDeniesOom(ServerState& server, const CommandSpec& spec, std::span<const std::string_view> argv) {
  if (argv.size() < 2 || spec.parent != nullptr) return false;
  Scripting& scripting = *server.scripting;
  uint32_t flags = 0;
  if (spec.name == "fcall" || spec.name == "fcall_ro") {
    const FunctionInfo* function = scripting.functions().Find(argv[1], nullptr);
    if (function == nullptr) return false;
    flags = function->flags;
  } else {
    const bool by_sha = spec.name == "evalsha" || spec.name == "evalsha_ro";
    if (by_sha && argv[1].size() != 40) return false;
    const std::string sha = by_sha ? std::string() : common::Sha1Hex(argv[1]);
    const EvalScripts::Script* script = scripting.eval().Find(by_sha ? argv[1] : std::string_view(sha));
    if (script != nullptr) {
      flags = script->flags;
    } else {
      size_t shebang_len = 0;
      std::string error;
      if (by_sha || !ParseScriptShebang(argv[1], &flags, &shebang_len, &error)) return false;
    }
    if (flags & kScriptEvalCompat) return false;
  }
  return (flags & (kScriptAllowOom | kScriptNoWrites)) == 0;
}

int64_t Scripting::BusyThresholdMs() const {
  int64_t ms = 0;
  common::ParseInt64(config_.Get("busy-reply-threshold").value_or("0"), &ms);
  return ms;
}

}  // namespace redrock::server
