#pragma once
// Shared setup for engine tests: a private temp directory, a ManualClock, active expiry off, and a
// record of the keys expiry removed (a KeyEventSink attached at every Open; a test that attaches a sink of
// its own replaces it).

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "redrock/engine/engine.h"
#include "redrock/engine/key_events.h"

namespace redrock::engine::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/redrock-engine-test-XXXXXX";
    char* p = mkdtemp(tmpl.data());
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Records OnKeyExpired calls; ignores the other key events.
class ExpiryRecorder : public KeyEventSink {
 public:
  void OnKeyModified(int, std::string_view) override {}
  void OnKeyExpired(int db, std::string_view key) override {
    std::lock_guard lock(mu_);
    expired_.emplace_back(db, std::string(key));
  }
  void OnFlushed(int) override {}

  std::vector<std::pair<int, std::string>> Expired() {
    std::lock_guard lock(mu_);
    return expired_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<int, std::string>> expired_;
};

class EngineFixture {
 public:
  EngineFixture() { Open(); }

  Options MakeOptions() {
    Options o;
    o.dir = dir_.path() + "/db";
    o.clock = clock;
    o.active_expiry = false;
    o.sync = SyncMode::kNo;
    o.write_buffer_bytes = 1 << 20;
    o.block_cache_bytes = 1 << 20;
    return o;
  }

  void Open() { Open(MakeOptions()); }
  void Open(const Options& o) {
    auto r = Engine::Open(o);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    engine_ = std::move(r).value();
    engine_->SetKeyEventSink(&recorder_);
  }
  void Close() { engine_.reset(); }
  void Reopen() {
    Close();
    Open();
  }

  Engine& e() { return *engine_; }
  int64_t Now() const { return clock->NowMs(); }
  // The keys expiry removed while the recorder was attached, in order, across reopens.
  std::vector<std::pair<int, std::string>> Expired() { return recorder_.Expired(); }
  const std::string& dir() const { return dir_.path(); }

  // Shorthands that REQUIRE success.
  void Set(int db, std::string_view key, std::string_view value, int64_t expire_at_ms = 0) {
    SetOptions so;
    so.expire_at_ms = expire_at_ms;
    auto r = engine_->Set(db, key, value, so);
    REQUIRE(r.ok());
    REQUIRE(r->applied);
  }
  std::optional<std::string> Get(int db, std::string_view key) {
    auto r = engine_->Get(db, key);
    if (r.status().IsNotFound()) return std::nullopt;
    REQUIRE(r.ok());
    return *r;
  }
  int64_t DbSize(int db) {
    auto r = engine_->DbSize(db);
    REQUIRE(r.ok());
    return *r;
  }

  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();

 private:
  TempDir dir_;
  ExpiryRecorder recorder_;  // outlives engine_
  std::unique_ptr<Engine> engine_;
};

}  // namespace redrock::engine::test
