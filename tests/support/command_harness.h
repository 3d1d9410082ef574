#pragma once
// Runs commands in process, with no sockets, on a real Engine in a temp directory and a ManualClock
// (Dragonfly's habit: Run({"set","k","v","PX","20"}); clock().AdvanceMs(10);).
//
//   redrock::server::testing::CommandHarness h;
//   REQUIRE(h.Run({"set", "k", "v"}) == "+OK\r\n");

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/clock.h"
#include "redrock/engine/engine.h"
#include "server/core/client_state.h"
#include "server/core/command_table.h"
#include "redrock/server/config.h"
#include "server/core/server_state.h"
#include "tests/support/temp_dir.h"

namespace redrock::server::testing {

struct HarnessOptions {
  int databases = 16;
  std::string requirepass;  // sets requirepass and starts the default client unauthenticated
};

class CommandHarness {
 public:
  explicit CommandHarness(HarnessOptions options = {});
  ~CommandHarness();

  // Runs one command as the default client and returns the raw reply bytes.
  std::string Run(std::initializer_list<std::string_view> argv);
  std::string Run(const std::vector<std::string>& argv);
  // The same, as another client.
  std::string RunAs(ClientState& client, const std::vector<std::string>& argv);

  // A further client registered with the server state (for MULTI isolation, CLIENT LIST...).
  ClientState& NewClient();

  engine::ManualClock& clock() { return *clock_; }
  engine::Engine& engine() { return *engine_; }
  Config& config() { return *config_; }
  ServerState& state() { return *state_; }
  ClientState& client() { return *clients_.front(); }
  const CommandTable& table() const { return table_; }
  const std::string& dir() const { return dir_str_; }

 private:
  redrock::testing::TempDir dir_;
  std::string dir_str_;
  std::shared_ptr<engine::ManualClock> clock_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Config> config_;
  std::unique_ptr<ServerState> state_;
  CommandTable table_;
  std::vector<std::unique_ptr<ClientState>> clients_;
};

// Runs body(client, t) for t = 0 .. threads-1 on that many threads at once, each as its own new client of
// `h` (all registered before the first thread starts); returns when every thread has finished.
void RunConcurrentClients(CommandHarness& h, int threads, const std::function<void(ClientState& client, int t)>& body);

}  // namespace redrock::server::testing
