#include "redrock/server/engine_options.h"

namespace redrock::server {

engine::Result<engine::Options> EngineOptionsFor(const Config& config) {
  const int databases = config.databases();
  if (databases < 1 || databases > 256) {
    return engine::Status::InvalidArgument("databases must be between 1 and 256 in redrock");
  }
  engine::Options options;
  options.dir = config.dir();
  options.databases = databases;
  options.sync = Config::SyncModeFor(config.appendfsync());
  options.max_string_bytes = config.proto_max_bulk_len();
  options.value_cache_bytes = config.value_cache_size();
  return options;
}

}  // namespace redrock::server
