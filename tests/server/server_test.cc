// The network server end to end: a Server on port 0 over a real Engine in a temp dir, driven with plain
// blocking sockets. Pipelining, concurrency, AUTH, protocol errors, inline commands, RESP3, limits,
// embedding (C++ API and sockets on the same engine) and clean shutdown.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "redrock/server/server.h"
#include "server/core/server_state.h"
#include "tests/support/network_client.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;

using testing::NetworkClient;
using testing::NetworkServer;

TEST_CASE("Server: basic commands and pipelining 1000 commands in one write", "[server][network]") {
  NetworkServer s;
  NetworkClient c(s.port());
  REQUIRE(c.connected());
  CHECK(c.Call({"PING"}) == "+PONG\r\n");

  std::string batch, expected;
  for (int i = 0; i < 500; ++i) {
    std::string k = "key:" + std::to_string(i), v = "value-" + std::to_string(i);
    batch += Cmd({"SET", k, v});
    expected += "+OK\r\n";
  }
  for (int i = 0; i < 500; ++i) {
    batch += Cmd({"GET", "key:" + std::to_string(i)});
    expected += Bulk("value-" + std::to_string(i));
  }
  c.Send(batch);
  CHECK(c.Read(1000) == expected);
  CHECK(c.Call({"DBSIZE"}) == ":500\r\n");
  CHECK(s.server().state().stats.total_connections_received.load() == 1);
  CHECK(s.server().state().stats.total_net_input_bytes.load() > batch.size());
  CHECK(s.server().state().stats.total_net_output_bytes.load() >= expected.size());
}

TEST_CASE("Server: 100 concurrent clients", "[server][network]") {
  NetworkServer s;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 100; ++t) {
    threads.emplace_back([&, t] {
      NetworkClient c(s.port());
      if (!c.connected()) return;
      std::string key = "client:" + std::to_string(t);
      bool ok = true;
      for (int i = 0; i < 10; ++i) {
        std::string value = std::to_string(t * 1000 + i);
        ok = ok && c.Call({"SET", key, value}) == "+OK\r\n";
        ok = ok && c.Call({"GET", key}) == Bulk(value);
      }
      if (ok) good.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  CHECK(good.load() == 100);
  NetworkClient c(s.port());
  CHECK(c.Call({"DBSIZE"}) == ":100\r\n");
}

TEST_CASE("Server: AUTH with requirepass", "[server][network]") {
  NetworkServer s([](Config& c) { REQUIRE(c.Set("requirepass", "pw", ConfigSource::kStartup).ok()); });
  NetworkClient c(s.port());
  CHECK(c.Call({"GET", "k"}) == "-NOAUTH Authentication required.\r\n");
  CHECK(c.Call({"AUTH", "nope"}) == "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(c.Call({"AUTH", "pw"}) == "+OK\r\n");
  CHECK(c.Call({"SET", "k", "v"}) == "+OK\r\n");
  CHECK(c.Call({"GET", "k"}) == Bulk("v"));
  // Before AUTH, Redis's tighter request limits apply (at most 10 arguments per command).
  NetworkClient d(s.port());
  d.Send(Cmd({"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"}));
  CHECK(d.Read() == "-ERR Protocol error: unauthenticated multibulk length\r\n");
  CHECK(d.WaitClosed());
  // HELLO can authenticate and switch protocol at once.
  NetworkClient e(s.port());
  std::string hello = e.Call({"HELLO", "3", "AUTH", "default", "pw"});
  CHECK(hello.rfind("%7\r\n", 0) == 0);
  CHECK(e.Call({"GET", "missing"}) == "_\r\n");
}

TEST_CASE("Server: protocol errors are answered, then the connection closes", "[server][network]") {
  NetworkServer s;
  NetworkClient c(s.port());
  c.Send("PING\r\n*1\r\n$x\r\n");
  CHECK(c.WaitClosed());
  CHECK(c.pending() == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
  NetworkClient d(s.port());
  d.Send("*1\r\n+PING\r\n");
  CHECK(d.WaitClosed());
  CHECK(d.pending() == "-ERR Protocol error: expected '$', got '+'\r\n");
  // Other clients are unaffected.
  NetworkClient e(s.port());
  CHECK(e.Call({"PING"}) == "+PONG\r\n");
}

TEST_CASE("Server: inline commands and QUIT", "[server][network]") {
  NetworkServer s;
  NetworkClient c(s.port());
  c.Send("\r\nPING\r\nSET a \"b c\"\r\nGET a\r\n");
  CHECK(c.Read(3) == "+PONG\r\n+OK\r\n$3\r\nb c\r\n");
  // A command split across many writes.
  std::string cmd = Cmd({"SET", "split", "value"});
  for (char ch : cmd) {
    c.Send(std::string_view(&ch, 1));
  }
  CHECK(c.Read() == "+OK\r\n");
  c.Send(Cmd({"QUIT"}) + Cmd({"PING"}));
  CHECK(c.WaitClosed());
  CHECK(c.pending() == "+OK\r\n");
}

TEST_CASE("Server: HELLO 3 switches replies to RESP3", "[server][network]") {
  NetworkServer s;
  NetworkClient c(s.port());
  CHECK(c.Call({"HELLO", "3"}).rfind("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n", 0) == 0);
  CHECK(c.Call({"GET", "nothing"}) == "_\r\n");
  CHECK(c.Call({"CONFIG", "GET", "maxclients"}) == "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  CHECK(c.Call({"HELLO", "2"}).rfind("*14\r\n", 0) == 0);
  CHECK(c.Call({"GET", "nothing"}) == "$-1\r\n");
}

TEST_CASE("Server: embedding - the C++ API and the socket see the same data", "[server][network]") {
  NetworkServer s;
  REQUIRE(s.engine().Set(0, "from-api", "hello", {}).ok());
  REQUIRE(s.engine().Set(2, "db2", "x", {}).ok());
  NetworkClient c(s.port());
  CHECK(c.Call({"GET", "from-api"}) == Bulk("hello"));
  CHECK(c.Call({"SELECT", "2"}) == "+OK\r\n");
  CHECK(c.Call({"GET", "db2"}) == Bulk("x"));
  CHECK(c.Call({"SET", "from-socket", "world"}) == "+OK\r\n");
  auto got = s.engine().Get(2, "from-socket");
  REQUIRE(got.ok());
  CHECK(*got == "world");
}

TEST_CASE("Server: a big bulk string is read and written whole", "[server][network]") {
  NetworkServer s;
  NetworkClient c(s.port());
  std::string big(24u << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  c.Send(Cmd({"SET", "big", big}) + Cmd({"STRLEN", "big"}));
  CHECK(c.Read(2) == "+OK\r\n:" + std::to_string(big.size()) + "\r\n");
  CHECK(c.Call({"GET", "big"}) == Bulk(big));
}

TEST_CASE("Server: proto-max-bulk-len limits requests", "[server][network]") {
  NetworkServer s([](Config& c) { REQUIRE(c.Set("proto-max-bulk-len", "1mb", ConfigSource::kStartup).ok()); });
  NetworkClient c(s.port());
  c.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n");
  CHECK(c.WaitClosed());
  CHECK(c.pending() == "-ERR Protocol error: invalid bulk length\r\n");
}

TEST_CASE("Server: maxclients rejects extra clients", "[server][network]") {
  NetworkServer s([](Config& c) { REQUIRE(c.Set("maxclients", "2", ConfigSource::kStartup).ok()); });
  NetworkClient a(s.port()), b(s.port());
  CHECK(a.Call({"PING"}) == "+PONG\r\n");
  CHECK(b.Call({"PING"}) == "+PONG\r\n");
  NetworkClient c(s.port());
  CHECK(c.WaitClosed());
  CHECK(c.pending() == "-ERR max number of clients reached\r\n");
  CHECK(s.server().state().stats.rejected_connections.load() == 1);
  CHECK(a.Call({"PING"}) == "+PONG\r\n");
}

TEST_CASE("Server: CLIENT KILL closes another connection", "[server][network]") {
  NetworkServer s;
  NetworkClient a(s.port()), b(s.port());
  std::string id = b.Call({"CLIENT", "ID"});
  REQUIRE(id.size() > 3);
  id = id.substr(1, id.size() - 3);
  CHECK(a.Call({"CLIENT", "KILL", "ID", id}) == ":1\r\n");
  CHECK(b.WaitClosed());
  // The killed connection leaves the registry once its coroutine has unwound, just after the close.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = a.Call({"CLIENT", "LIST"}).find("id=" + id + " ") == std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(gone);
}

TEST_CASE("Server: idle clients are closed after `timeout` seconds", "[server][network]") {
  NetworkServer s([](Config& c) { REQUIRE(c.Set("timeout", "1", ConfigSource::kStartup).ok()); });
  NetworkClient c(s.port());
  CHECK(c.Call({"PING"}) == "+PONG\r\n");
  auto start = std::chrono::steady_clock::now();
  CHECK(c.WaitClosed(5000));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
}

TEST_CASE("Server: SHUTDOWN wakes WaitForShutdown", "[server][network]") {
  NetworkServer s;
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    s.server().WaitForShutdown();
    woke = true;
  });
  NetworkClient c(s.port());
  c.Send(Cmd({"SHUTDOWN", "NOSAVE"}));
  CHECK(c.WaitClosed());
  CHECK(c.pending().empty());
  waiter.join();
  CHECK(woke.load());
}

TEST_CASE("Server: Stop() with clients connected, and Start() errors", "[server][network]") {
  auto s = std::make_unique<NetworkServer>();
  std::vector<std::unique_ptr<NetworkClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<NetworkClient>(s->port()));
    CHECK(clients.back()->Call({"PING"}) == "+PONG\r\n");
  }
  // A client in the middle of sending a command.
  clients[0]->Send("*2\r\n$3\r\nGET\r\n");
  auto start = std::chrono::steady_clock::now();
  s->server().Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  for (auto& c : clients) CHECK(c->WaitClosed());
  s->server().Stop();  // idempotent
  CHECK(s->server().state().clients.Count() == 0);

  // A port already in use fails Start() with IOError.
  Config config;
  NetworkServer holder;
  REQUIRE(config.Set("port", std::to_string(holder.port()), ConfigSource::kStartup).ok());
  Server clash(holder.engine(), config);
  engine::Status st = clash.Start();
  CHECK_FALSE(st.ok());
  CHECK(st.code() == engine::Status::Code::kIOError);
}

}  // namespace
}  // namespace redrock::server
