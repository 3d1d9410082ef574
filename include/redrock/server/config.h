#pragma once
// The configuration registry: every redis.conf option redrock knows, for the config file, command-line
// `--name value` pairs, CONFIG GET (glob patterns) and CONFIG SET. Options with no meaning in redrock
// (save, appendonly, *-max-listpack-*, lazyfree-*...) are accepted and kept so CONFIG GET returns them,
// as tools written for Redis expect. Options for a protection, limit or feature redrock does not provide
// (maxmemory, tls-*, aclfile, replicaof...) accept only their default, which leaves it off; any other value
// is refused (config_options.cc). Thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/options.h"
#include "redrock/common/status.h"

namespace redrock::server {

enum class ConfigSource { kStartup /* file or command line */, kRuntime /* CONFIG SET */ };

class Config {
 public:
  Config();
  ~Config();

  // Sets one option. Names are case-insensitive; aliases resolve. On failure the Status message is the
  // exact text Redis would reply to CONFIG SET (without "ERR "), or, at startup, the reason.
  // Options that cannot change at run time fail with kRuntime ("can't set immutable config").
  // `bind` and `save` take several space-separated words in one value.
  common::Status Set(std::string_view name, std::string_view value, ConfigSource source);

  // Parses redis.conf lines ("name value ...", '#' comments, quoted values). Stops at the first error,
  // reporting "line N: reason".
  common::Status LoadFile(const std::string& path);

  // The current value as CONFIG GET prints it; nullopt for an unknown name.
  std::optional<std::string> Get(std::string_view name) const;
  // (name, value) for every option matching the glob (case-insensitive), canonical names only.
  std::vector<std::pair<std::string, std::string>> Match(std::string_view pattern) const;
  // True when `name` is a known option (CONFIG GET/SET name or alias).
  bool Known(std::string_view name) const;

  // Called after a successful Set of `name` (at any time); used to push appendfsync and similar to the
  // engine. The callback must not call back into Config::Set.
  void OnChange(std::string_view name, std::function<void(const std::string& value)> callback);

  // Typed reads of the options redrock acts on.
  std::vector<std::string> bind() const;
  int port() const;
  std::string dir() const;
  std::string requirepass() const;
  int databases() const;
  std::string appendfsync() const;  // always | everysec | no
  // The engine's sync mode for an appendfsync value (what Set validated: always | everysec | no).
  static engine::SyncMode SyncModeFor(std::string_view appendfsync);
  int64_t maxclients() const;
  int64_t timeout() const;          // seconds of idleness before a client is closed; 0 = never
  std::string loglevel() const;
  std::string logfile() const;
  int io_threads() const;           // 0 means one per core
  uint64_t proto_max_bulk_len() const;
  uint64_t value_cache_size() const;  // bytes of the engine's GET value cache; 0 disables it

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace redrock::server
