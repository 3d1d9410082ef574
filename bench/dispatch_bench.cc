// Command dispatch micro-benchmarks: a whole command through CommandTable::Dispatch (lookup, arity,
// auth, exec gate, handler, engine, reply) with no socket. The difference from the engine benchmarks is
// the cost of the server layer; PING is the floor with no engine call at all.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_support.h"
#include "protocol/reply_writer.h"
#include "server/core/client_state.h"
#include "server/core/command_table.h"
#include "server/commands/families.h"
#include "redrock/server/config.h"
#include "server/core/server_state.h"

namespace redrock::bench {
namespace {

// The server's in-process state as a connection sees it, with one client.
struct DispatchFixture {
  DispatchFixture() : db("dispatch") {
    if (!config.Set("dir", db.dir.str(), server::ConfigSource::kStartup).ok()) Die("cannot set dir");
    state = std::make_unique<server::ServerState>(*db.engine, config);
    server::RegisterAllCommands(table);
    client.id = state->clients.NextId();
    client.addr = "127.0.0.1:40001";
    client.laddr = "127.0.0.1:6379";
    state->clients.Add(&client, [] {});
  }
  ~DispatchFixture() { state->clients.Remove(&client); }

  std::string Run(std::vector<std::string_view> argv) {
    std::string out;
    protocol::ReplyWriter writer(&out, client.resp);
    table.Dispatch(client, *state, writer, argv);
    return out;
  }

  BenchEngine db;
  server::Config config;
  std::unique_ptr<server::ServerState> state;
  server::CommandTable table;
  server::ClientState client;
};

DispatchFixture& Fixture() {
  static DispatchFixture fixture;
  return fixture;
}

// Dispatches argv in a loop into a reused reply buffer, after checking once that the reply is `expected`.
void RunDispatch(benchmark::State& state, const std::vector<std::string_view>& argv, const std::string& expected) {
  DispatchFixture& fx = Fixture();
  if (std::string reply = fx.Run(argv); reply != expected) {
    state.SkipWithError(("unexpected reply: " + reply).c_str());
    return;
  }
  std::string out;
  out.reserve(4096);
  protocol::ReplyWriter writer(&out, fx.client.resp);
  for (auto _ : state) {
    out.clear();
    fx.table.Dispatch(fx.client, *fx.state, writer, argv);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DispatchPing(benchmark::State& state) { RunDispatch(state, {"PING"}, "+PONG\r\n"); }
BENCHMARK(BM_DispatchPing);

void BM_DispatchSet(benchmark::State& state) { RunDispatch(state, {"SET", "k", Value64()}, "+OK\r\n"); }
BENCHMARK(BM_DispatchSet);

void BM_DispatchGet(benchmark::State& state) {
  if (Fixture().Run({"SET", "k", Value64()}) != "+OK\r\n") {
    state.SkipWithError("SET before GET failed");
    return;
  }
  RunDispatch(state, {"GET", "k"}, "$64\r\n" + Value64() + "\r\n");
}
BENCHMARK(BM_DispatchGet);

}  // namespace
}  // namespace redrock::bench

BENCHMARK_MAIN();
