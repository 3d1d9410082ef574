#pragma once
// A real redrock Server on port 0 over an Engine in a temp dir, and a blocking-socket client that reads
// whole RESP replies (RESP3 pushes included), for network tests:
//
//   NetworkServer s;                               // io-threads 2
//   NetworkClient a(s.port()), b(s.port());
//   a.Send(Cmd({"SUBSCRIBE", "ch"}));  a.Read();
//   REQUIRE(b.Call({"PUBLISH", "ch", "hi"}) == ":1\r\n");
//   REQUIRE(a.Read() == Bulks({"message", "ch", "hi"}));
//
// Shared by every socket-level suite (server, blocking, pub/sub, busy scripts), so each test only says
// what it sends and which exact bytes it expects back.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "redrock/server/server.h"
#include "tests/support/temp_dir.h"

namespace redrock::server::testing {

// The end of the complete RESP reply that starts at `pos`, or npos while it is incomplete.
size_t RespReplyEnd(std::string_view buf, size_t pos);

class NetworkClient {
 public:
  explicit NetworkClient(uint16_t port);
  ~NetworkClient();
  NetworkClient(const NetworkClient&) = delete;
  NetworkClient& operator=(const NetworkClient&) = delete;

  bool connected() const { return connected_; }
  void Send(std::string_view bytes);
  // Reads until `count` complete replies arrived (or timeout / close) and returns their bytes.
  std::string Read(int count = 1, int timeout_ms = 10000);
  std::string Call(std::initializer_list<std::string_view> args);
  // True when nothing arrives within `ms` (and the bytes buffered so far are empty).
  bool Quiet(int ms = 100);
  // True once the server closed the connection (whatever it sent first is in pending()).
  bool WaitClosed(int timeout_ms = 5000);
  const std::string& pending() const { return buf_; }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buf_;
};

// A NetworkClient whose connect must succeed: the test fails (REQUIRE) right where it was created.
class ConnectedClient : public NetworkClient {
 public:
  explicit ConnectedClient(uint16_t port);
};

class NetworkServer {
 public:
  // `configure` runs on the Config before the server starts (port 0, io-threads 2 and dir = the temp
  // dir the engine lives in are preset).
  explicit NetworkServer(const std::function<void(Config&)>& configure = {},
                         const std::function<void(engine::Options&)>& engine_options = {});
  ~NetworkServer();

  uint16_t port() const { return server_->port(); }
  Server& server() { return *server_; }
  engine::Engine& engine() { return *engine_; }
  Config& config() { return config_; }

 private:
  redrock::testing::TempDir dir_;
  std::unique_ptr<engine::Engine> engine_;
  Config config_;
  std::unique_ptr<Server> server_;
};

}  // namespace redrock::server::testing
