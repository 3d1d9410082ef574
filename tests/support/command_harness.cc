#include "tests/support/command_harness.h"

#include <catch2/catch.hpp>

#include <thread>

#include "protocol/reply_writer.h"
#include "server/commands/families.h"

namespace redrock::server::testing {

CommandHarness::CommandHarness(HarnessOptions options)
    : dir_("redrock-harness"), dir_str_(dir_.str()), clock_(std::make_shared<engine::ManualClock>()) {
  engine::Options engine_options;
  engine_options.dir = dir_str_;
  engine_options.databases = options.databases;
  engine_options.clock = clock_;
  engine_options.active_expiry = false;
  engine_options.block_cache_bytes = 4u << 20;
  engine_options.write_buffer_bytes = 4u << 20;
  auto opened = engine::Engine::Open(engine_options);
  if (!opened.ok()) FAIL("engine open failed: " << opened.status().ToString());
  engine_ = std::move(opened).value();

  config_ = std::make_unique<Config>();
  config_->Set("dir", dir_str_, ConfigSource::kStartup);
  config_->Set("databases", std::to_string(options.databases), ConfigSource::kStartup);
  if (!options.requirepass.empty()) config_->Set("requirepass", options.requirepass, ConfigSource::kStartup);
  state_ = std::make_unique<ServerState>(*engine_, *config_);
  RegisterAllCommands(table_);

  ClientState& first = NewClient();
  first.authenticated = options.requirepass.empty();
}

CommandHarness::~CommandHarness() {
  for (auto& client : clients_) state_->clients.Remove(client.get());
}

ClientState& CommandHarness::NewClient() {
  auto client = std::make_unique<ClientState>();
  client->id = state_->clients.NextId();
  client->addr = "127.0.0.1:" + std::to_string(40000 + client->id);
  client->laddr = "127.0.0.1:6379";
  client->created_ms = clock_->NowMs();
  client->authenticated = config_->requirepass().empty();
  state_->clients.Add(client.get(), [] {});
  clients_.push_back(std::move(client));
  return *clients_.back();
}

std::string CommandHarness::Run(std::initializer_list<std::string_view> argv) {
  return RunAs(client(), std::vector<std::string>(argv.begin(), argv.end()));
}

std::string CommandHarness::Run(const std::vector<std::string>& argv) { return RunAs(client(), argv); }

std::string CommandHarness::RunAs(ClientState& client, const std::vector<std::string>& argv) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  std::string out;
  protocol::ReplyWriter writer(&out, client.resp);
  table_.Dispatch(client, *state_, writer, views);
  return out;
}

void RunConcurrentClients(CommandHarness& h, int threads, const std::function<void(ClientState& client, int t)>& body) {
  std::vector<ClientState*> clients;
  for (int t = 0; t < threads; ++t) clients.push_back(&h.NewClient());
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) running.emplace_back([&, t] { body(*clients[t], t); });
  for (auto& th : running) th.join();
}

}  // namespace redrock::server::testing
