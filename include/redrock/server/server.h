#pragma once
// The RESP server: an Asio listener and one io_context per I/O thread. Embeddable: a program can run a
// Server on its own engine, on a port of its choosing (0 = any free port), and stop it cleanly.
//
//   auto engine = redrock::engine::Engine::Open(opts).value();   // std::unique_ptr<Engine>
//   redrock::server::Config config;
//   config.Set("port", "0", redrock::server::ConfigSource::kStartup);
//   redrock::server::Server server(*engine, config);
//   if (!server.Start().ok()) ...;
//   uint16_t port = server.port();
//   ...
//   server.Stop();  // then destroy the engine

#include <cstdint>
#include <memory>

#include "redrock/common/status.h"

namespace redrock::engine { class Engine; }

namespace redrock::server {

class Config;
struct ServerState;

class Server {
 public:
  // The engine and config must outlive the server.
  Server(engine::Engine& engine, Config& config);
  ~Server();  // Stop()s if running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every `bind` address on `port` and starts the I/O threads. IOError if a bind fails.
  common::Status Start();
  // The bound TCP port (useful after port 0).
  uint16_t port() const;
  // Stops accepting, lets commands in flight finish, closes every connection and joins the threads.
  // Idempotent; safe to call from any thread except an I/O thread of this server.
  void Stop();
  // Blocks until SHUTDOWN is received or Stop() is called.
  void WaitForShutdown();
  // Asks WaitForShutdown() to return (signal handlers use this; async-signal-safe it is not, so call it
  // from a signal-watching thread).
  void RequestShutdown();

  ServerState& state();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace redrock::server
