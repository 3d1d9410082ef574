#pragma once
// maxmemory: whether the server is over its memory limit (Redis's performEvictions() failing). redrock
// never evicts keys, so only maxmemory-policy noeviction is accepted (server/config/config_options.cc): over the limit, the commands that may
// grow memory are refused with Redis's OOM error (the admission rules below and, for the commands a
// script runs, ExecuteScriptCommand) until memory is back under it or the limit is raised. The memory
// measured is the engine's (memtables, block cache, table readers, value cache: INFO's used_memory).

#include <atomic>
#include <cstdint>
#include <memory>

namespace redrock::engine { class Engine; }

namespace redrock::server {

class Config;
class CommandTable;

// The admission rules of maxmemory (core/admission.h): over the limit, MULTI queues nothing (Redis lets
// only EXEC, DISCARD, QUIT and RESET through), and a deny-oom command is refused when it is about to run
// (Redis's is_denyoom_command: deny-oom commands, EVAL*/FCALL* of a script that does not allow OOM, and an
// EXEC whose queue holds one of those). The second rule also notes, for the scripts the command may run,
// whether the server was over the limit at the start (ClientState::oom_at_start).
void RegisterMemoryAdmission(CommandTable& table);

// Redis's shared.oomerr.
inline constexpr const char* kOomError = "OOM command not allowed when used memory > 'maxmemory'.";

class MemoryLimit {
 public:
  // Follows the config's maxmemory (CONFIG SET included).
  MemoryLimit(engine::Engine& engine, Config& config);
  ~MemoryLimit();
  MemoryLimit(const MemoryLimit&) = delete;
  MemoryLimit& operator=(const MemoryLimit&) = delete;

  // False when maxmemory is 0 (the default): then nothing else costs anything.
  bool enabled() const { return maxmemory_.load(std::memory_order_relaxed) != 0; }
  // Whether used memory exceeds maxmemory (false when disabled). Any thread; the engine's memory is
  // measured at most every kMeasureIntervalMs, and again right after maxmemory changes.
  bool OverLimit();

  static constexpr int64_t kMeasureIntervalMs = 100;

 private:
  void SetLimit(uint64_t bytes);

  engine::Engine& engine_;
  std::atomic<uint64_t> maxmemory_{0};
  std::atomic<uint64_t> used_{0};
  std::atomic<int64_t> measured_at_ms_{0};  // steady clock; 0 = measure at the next check
  std::shared_ptr<MemoryLimit*> alive_;     // lets the config callback outlive this object safely
};

}  // namespace redrock::server
