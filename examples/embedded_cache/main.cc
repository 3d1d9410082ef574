// embedded_cache DATA_DIR PORT
//
// A program that embeds redrock (examples/embedded_cache/README.md): it opens an Engine on DATA_DIR,
// writes a few sessions with TTLs through the engine API directly (no sockets), then serves the same
// data over RESP on 127.0.0.1:PORT (0 = any free port) until SIGTERM or SIGINT (or a client's SHUTDOWN),
// and stops cleanly, exiting 0. It prints "ready port=<port>" on stdout once clients can connect.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "redrock/server/engine_options.h"
#include "redrock/server/server.h"

namespace {

struct Session {
  const char* id;
  const char* user;
  int64_t ttl_seconds;
};

constexpr Session kSessions[] = {
    {"session:1001", "alice", 3600},
    {"session:1002", "bob", 1800},
    {"session:1003", "carol", 600},
};

int Fail(const char* what, const redrock::engine::Status& status) {
  std::fprintf(stderr, "embedded_cache: %s: %s\n", what, status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR PORT   (PORT 0 = any free port)\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::string port = argv[2];

  // Block the shutdown signals before any thread starts, so every thread (the engine's and the server's
  // included) inherits the mask and only the watcher below receives them, through sigwait. SIGUSR1 wakes
  // the watcher when the server stops for another reason (a client's SHUTDOWN).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that disconnects mid-reply must not kill the process

  // 1. The configuration, as redrock-server would read it from a file: the data directory, and the
  // server on loopback only, on the port given.
  redrock::server::Config config;
  using redrock::server::ConfigSource;
  for (auto [name, value] : {std::pair<const char*, std::string>{"dir", dir}, {"bind", "127.0.0.1"}, {"port", port}}) {
    redrock::engine::Status set = config.Set(name, value, ConfigSource::kStartup);
    if (!set.ok()) return Fail(("config " + std::string(name)).c_str(), set);
  }

  // 2. The engine: RocksDB in `dir` (created if missing), tuned from the configuration exactly as
  // redrock-server tunes it (databases, appendfsync, proto-max-bulk-len, value-cache-size), plus a tuning
  // of our own: a small block cache is plenty for an example.
  auto options = redrock::server::EngineOptionsFor(config);
  if (!options.ok()) return Fail("engine options", options.status());
  options->block_cache_bytes = 8u << 20;
  auto opened = redrock::engine::Engine::Open(*options);
  if (!opened.ok()) return Fail(("opening " + dir).c_str(), opened.status());
  std::unique_ptr<redrock::engine::Engine> engine = std::move(opened).value();

  // 3. Direct use, no sockets: sessions that expire on their own.
  for (const Session& s : kSessions) {
    redrock::engine::SetOptions set;
    set.expire_at_ms = engine->NowMs() + s.ttl_seconds * 1000;
    auto written = engine->Set(0, s.id, s.user, set);
    if (!written.ok()) return Fail("writing a session", written.status());
  }
  auto first = engine->Get(0, kSessions[0].id);
  if (!first.ok()) return Fail("reading a session back", first.status());
  auto ttl = engine->PTtl(0, kSessions[0].id);
  if (!ttl.ok()) return Fail("reading a TTL", ttl.status());
  std::printf("wrote %zu sessions; %s = %s, expires in %lld ms\n", std::size(kSessions), kSessions[0].id,
              first.value().c_str(), static_cast<long long>(ttl.value()));

  // 4. The same engine over RESP, with the same configuration.
  {
    redrock::server::Server server(*engine, config);
    redrock::engine::Status started = server.Start();
    if (!started.ok()) return Fail("starting the server", started);

    std::atomic<bool> stopping{false};
    std::thread watcher([&] {
      int sig = 0;
      while (sigwait(&signals, &sig) == 0) {
        if (sig == SIGTERM || sig == SIGINT) {
          std::fprintf(stderr, "embedded_cache: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
          server.RequestShutdown();
          return;
        }
        if (stopping.load()) return;  // SIGUSR1 from main: the server already stopped
      }
    });

    std::printf("ready port=%u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);

    server.WaitForShutdown();  // a signal (through the watcher) or a client's SHUTDOWN
    stopping.store(true);
    pthread_kill(watcher.native_handle(), SIGUSR1);  // no-op for the watcher if it already returned
    watcher.join();
    server.Stop();  // closes every connection and joins the server's threads
  }

  // The server is gone; the engine is still ours until it goes out of scope (which closes RocksDB).
  auto left = engine->Get(0, kSessions[0].id);
  std::printf("stopped; %s is %s\n", kSessions[0].id, left.ok() ? left.value().c_str() : "gone");
  std::fflush(stdout);
  engine.reset();
  return 0;
}
