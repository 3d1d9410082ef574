#pragma once
// Shared helpers for the micro-benchmarks: a temp directory that cleans up after itself, an engine opened
// with the server's defaults (SyncMode::kEverySec, active expiry on, the system clock), and a 64-byte
// value like the one redis-benchmark sends with -d 64.
//
// A failure here is fatal: a benchmark with no engine measures nothing, so it aborts with a message
// rather than reporting misleading numbers.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "redrock/engine/engine.h"

namespace redrock::bench {

[[noreturn]] inline void Die(const std::string& message) {
  std::fprintf(stderr, "redrock bench: %s\n", message.c_str());
  std::exit(1);
}

class BenchDir {
 public:
  explicit BenchDir(const std::string& tag) {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("redrock-bench-" + tag + "-" + std::to_string(rd()) + std::to_string(rd()));
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) Die("cannot create " + path_.string() + ": " + ec.message());
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;

  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// An engine in its own temp directory; the directory goes away with it (engine first).
struct BenchEngine {
  explicit BenchEngine(const std::string& tag) : dir(tag) {
    engine::Options options;  // defaults: kEverySec, active expiry on, SystemClock
    options.dir = dir.str();
    auto opened = engine::Engine::Open(options);
    if (!opened.ok()) Die("engine open failed: " + opened.status().ToString());
    engine = std::move(opened).value();
  }
  ~BenchEngine() { engine.reset(); }

  BenchDir dir;
  std::unique_ptr<engine::Engine> engine;
};

// 64 printable bytes (redis-benchmark -d 64 sends 64 bytes too).
inline const std::string& Value64() {
  static const std::string value(
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_");
  return value;
}

}  // namespace redrock::bench
