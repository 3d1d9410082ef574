// EngineOptionsFor (redrock/server/engine_options.h): the Config options that tune the engine, and the
// engine defaults everything else keeps.

#include <catch2/catch.hpp>

#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "redrock/server/engine_options.h"
#include "tests/support/temp_dir.h"

namespace redrock::server {
namespace {

void SetOption(Config& config, std::string_view name, std::string_view value) {
  const engine::Status set = config.Set(name, value, ConfigSource::kStartup);
  INFO(set.message());
  REQUIRE(set.ok());
}

TEST_CASE("EngineOptionsFor a default Config", "[server][config]") {
  Config config;
  auto options = EngineOptionsFor(config);
  REQUIRE(options.ok());
  const engine::Options defaults;
  CHECK(options->dir == ".");
  CHECK(options->databases == 16);
  CHECK(options->sync == engine::SyncMode::kEverySec);
  CHECK(options->max_string_bytes == 512ull << 20);
  CHECK(options->value_cache_bytes == 16u << 20);
  // Not configured through Config: the engine's own defaults.
  CHECK(options->block_cache_bytes == defaults.block_cache_bytes);
  CHECK(options->write_buffer_bytes == defaults.write_buffer_bytes);
  CHECK(options->background_jobs == defaults.background_jobs);
  CHECK(options->active_expiry == defaults.active_expiry);
  CHECK(options->create_if_missing);
  CHECK(options->clock == nullptr);
}

TEST_CASE("EngineOptionsFor follows dir, databases, appendfsync, proto-max-bulk-len, value-cache-size",
          "[server][config]") {
  redrock::testing::TempDir dir;
  Config config;
  SetOption(config, "dir", dir.path().string());
  SetOption(config, "databases", "4");
  SetOption(config, "appendfsync", "always");
  SetOption(config, "proto-max-bulk-len", "2mb");
  SetOption(config, "value-cache-size", "0");
  SetOption(config, "port", "7000");  // a server option: no engine field
  auto options = EngineOptionsFor(config);
  REQUIRE(options.ok());
  CHECK(options->dir == dir.path().string());
  CHECK(options->databases == 4);
  CHECK(options->sync == engine::SyncMode::kAlways);
  CHECK(options->max_string_bytes == 2u << 20);
  CHECK(options->value_cache_bytes == 0);

  SetOption(config, "appendfsync", "no");
  CHECK(EngineOptionsFor(config)->sync == engine::SyncMode::kNo);

  // The options open an engine that has them.
  auto opened = engine::Engine::Open(*options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  CHECK((*opened)->options().databases == 4);
  CHECK((*opened)->options().max_string_bytes == 2u << 20);
}

TEST_CASE("EngineOptionsFor refuses more databases than the engine has", "[server][config]") {
  Config config;
  SetOption(config, "databases", "257");  // Redis accepts it; redrock's engine stops at 256
  auto options = EngineOptionsFor(config);
  REQUIRE_FALSE(options.ok());
  CHECK(options.status().code() == engine::Status::Code::kInvalidArgument);
  CHECK(options.status().message() == "databases must be between 1 and 256 in redrock");
  SetOption(config, "databases", "256");
  CHECK(EngineOptionsFor(config).ok());
}

}  // namespace
}  // namespace redrock::server
