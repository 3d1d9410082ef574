// The network server end to end: a Server on port 0 over a real Engine in a temp dir, driven with plain
// blocking sockets. Pipelining, concurrency, AUTH, protocol errors, inline commands, RESP3, limits,
// embedding (C++ API and sockets on the same engine) and clean shutdown.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "server/config.h"
#include "server/log.h"
#include "server/server.h"
#include "server/server_state.h"
#include "tests/support/resp_builders.h"
#include "tests/support/temp_dir.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;

// The end of the one complete RESP reply starting at `pos`, or npos if it is not all there yet.
size_t ReplyEnd(std::string_view buf, size_t pos) {
  if (pos >= buf.size()) return std::string_view::npos;
  size_t eol = buf.find("\r\n", pos);
  if (eol == std::string_view::npos) return eol;
  char type = buf[pos];
  std::string_view header = buf.substr(pos + 1, eol - pos - 1);
  size_t next = eol + 2;
  switch (type) {
    case '$':
    case '=':
    case '!': {
      long len = std::stol(std::string(header));
      if (len < 0) return next;
      size_t end = next + static_cast<size_t>(len) + 2;
      return end <= buf.size() ? end : std::string_view::npos;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      long n = std::stol(std::string(header));
      if (type == '%') n *= 2;
      for (long i = 0; i < n; ++i) {
        next = ReplyEnd(buf, next);
        if (next == std::string_view::npos) return next;
      }
      return next;
    }
    default:  // + - : _ , # (
      return next;
  }
}

class TestClient {
 public:
  explicit TestClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~TestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads until `count` complete replies have arrived (or the timeout/close); returns their bytes.
  std::string Read(int count = 1, int timeout_ms = 10000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      size_t pos = 0;
      int complete = 0;
      while (complete < count) {
        size_t end = ReplyEnd(buf_, pos);
        if (end == std::string::npos) break;
        pos = end;
        ++complete;
      }
      if (complete == count) {
        std::string out = buf_.substr(0, pos);
        buf_.erase(0, pos);
        return out;
      }
      if (!Fill(deadline)) {
        std::string out = std::move(buf_);
        buf_.clear();
        return out;
      }
    }
  }

  std::string Call(std::initializer_list<std::string_view> args) {
    Send(Cmd(args));
    return Read();
  }

  // True once the server has closed the connection (all pending bytes are drained into the buffer).
  bool WaitClosed(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Fill(deadline)) {
    }
    return closed_;
  }
  const std::string& pending() const { return buf_; }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    if (closed_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buf_;
};

struct TestServer {
  explicit TestServer(const std::function<void(Config&)>& configure = {}) : dir("redrock-server-test") {
    SetLogLevel(LogLevel::kWarning);
    engine::Options options;
    options.dir = dir.str();
    options.block_cache_bytes = 4u << 20;
    options.write_buffer_bytes = 4u << 20;
    auto opened = engine::Engine::Open(options);
    REQUIRE(opened.ok());
    engine = std::move(opened).value();
    REQUIRE(config.Set("port", "0", ConfigSource::kStartup).ok());
    REQUIRE(config.Set("io-threads", "2", ConfigSource::kStartup).ok());
    if (configure) configure(config);
    server = std::make_unique<Server>(*engine, config);
    REQUIRE(server->Start().ok());
    REQUIRE(server->port() != 0);
  }
  ~TestServer() {
    server->Stop();
    server.reset();
    engine.reset();
  }
  uint16_t port() const { return server->port(); }

  redrock::testing::TempDir dir;
  std::unique_ptr<engine::Engine> engine;
  Config config;
  std::unique_ptr<Server> server;
};

TEST_CASE("Server: basic commands and pipelining 1000 commands in one write", "[server][network]") {
  TestServer s;
  TestClient c(s.port());
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
  CHECK(s.server->state().stats.total_connections_received.load() == 1);
  CHECK(s.server->state().stats.total_net_input_bytes.load() > batch.size());
  CHECK(s.server->state().stats.total_net_output_bytes.load() >= expected.size());
}

TEST_CASE("Server: 100 concurrent clients", "[server][network]") {
  TestServer s;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 100; ++t) {
    threads.emplace_back([&, t] {
      TestClient c(s.port());
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
  TestClient c(s.port());
  CHECK(c.Call({"DBSIZE"}) == ":100\r\n");
}

TEST_CASE("Server: AUTH with requirepass", "[server][network]") {
  TestServer s([](Config& c) { REQUIRE(c.Set("requirepass", "pw", ConfigSource::kStartup).ok()); });
  TestClient c(s.port());
  CHECK(c.Call({"GET", "k"}) == "-NOAUTH Authentication required.\r\n");
  CHECK(c.Call({"AUTH", "nope"}) == "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(c.Call({"AUTH", "pw"}) == "+OK\r\n");
  CHECK(c.Call({"SET", "k", "v"}) == "+OK\r\n");
  CHECK(c.Call({"GET", "k"}) == Bulk("v"));
  // Before AUTH, Redis's tighter request limits apply (at most 10 arguments per command).
  TestClient d(s.port());
  d.Send(Cmd({"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"}));
  CHECK(d.Read() == "-ERR Protocol error: unauthenticated multibulk length\r\n");
  CHECK(d.WaitClosed());
  // HELLO can authenticate and switch protocol at once.
  TestClient e(s.port());
  std::string hello = e.Call({"HELLO", "3", "AUTH", "default", "pw"});
  CHECK(hello.rfind("%7\r\n", 0) == 0);
  CHECK(e.Call({"GET", "missing"}) == "_\r\n");
}

TEST_CASE("Server: protocol errors are answered, then the connection closes", "[server][network]") {
  TestServer s;
  TestClient c(s.port());
  c.Send("PING\r\n*1\r\n$x\r\n");
  CHECK(c.WaitClosed());
  CHECK(c.pending() == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
  TestClient d(s.port());
  d.Send("*1\r\n+PING\r\n");
  CHECK(d.WaitClosed());
  CHECK(d.pending() == "-ERR Protocol error: expected '$', got '+'\r\n");
  // Other clients are unaffected.
  TestClient e(s.port());
  CHECK(e.Call({"PING"}) == "+PONG\r\n");
}

TEST_CASE("Server: inline commands and QUIT", "[server][network]") {
  TestServer s;
  TestClient c(s.port());
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
  TestServer s;
  TestClient c(s.port());
  CHECK(c.Call({"HELLO", "3"}).rfind("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n", 0) == 0);
  CHECK(c.Call({"GET", "nothing"}) == "_\r\n");
  CHECK(c.Call({"CONFIG", "GET", "maxclients"}) == "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  CHECK(c.Call({"HELLO", "2"}).rfind("*14\r\n", 0) == 0);
  CHECK(c.Call({"GET", "nothing"}) == "$-1\r\n");
}

TEST_CASE("Server: embedding - the C++ API and the socket see the same data", "[server][network]") {
  TestServer s;
  REQUIRE(s.engine->Set(0, "from-api", "hello", {}).ok());
  REQUIRE(s.engine->Set(2, "db2", "x", {}).ok());
  TestClient c(s.port());
  CHECK(c.Call({"GET", "from-api"}) == Bulk("hello"));
  CHECK(c.Call({"SELECT", "2"}) == "+OK\r\n");
  CHECK(c.Call({"GET", "db2"}) == Bulk("x"));
  CHECK(c.Call({"SET", "from-socket", "world"}) == "+OK\r\n");
  auto got = s.engine->Get(2, "from-socket");
  REQUIRE(got.ok());
  CHECK(*got == "world");
}

TEST_CASE("Server: a big bulk string is read and written whole", "[server][network]") {
  TestServer s;
  TestClient c(s.port());
  std::string big(24u << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  c.Send(Cmd({"SET", "big", big}) + Cmd({"STRLEN", "big"}));
  CHECK(c.Read(2) == "+OK\r\n:" + std::to_string(big.size()) + "\r\n");
  CHECK(c.Call({"GET", "big"}) == Bulk(big));
}

TEST_CASE("Server: proto-max-bulk-len limits requests", "[server][network]") {
  TestServer s([](Config& c) { REQUIRE(c.Set("proto-max-bulk-len", "1mb", ConfigSource::kStartup).ok()); });
  TestClient c(s.port());
  c.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n");
  CHECK(c.WaitClosed());
  CHECK(c.pending() == "-ERR Protocol error: invalid bulk length\r\n");
}

TEST_CASE("Server: maxclients rejects extra clients", "[server][network]") {
  TestServer s([](Config& c) { REQUIRE(c.Set("maxclients", "2", ConfigSource::kStartup).ok()); });
  TestClient a(s.port()), b(s.port());
  CHECK(a.Call({"PING"}) == "+PONG\r\n");
  CHECK(b.Call({"PING"}) == "+PONG\r\n");
  TestClient c(s.port());
  CHECK(c.WaitClosed());
  CHECK(c.pending() == "-ERR max number of clients reached\r\n");
  CHECK(s.server->state().stats.rejected_connections.load() == 1);
  CHECK(a.Call({"PING"}) == "+PONG\r\n");
}

TEST_CASE("Server: CLIENT KILL closes another connection", "[server][network]") {
  TestServer s;
  TestClient a(s.port()), b(s.port());
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
  TestServer s([](Config& c) { REQUIRE(c.Set("timeout", "1", ConfigSource::kStartup).ok()); });
  TestClient c(s.port());
  CHECK(c.Call({"PING"}) == "+PONG\r\n");
  auto start = std::chrono::steady_clock::now();
  CHECK(c.WaitClosed(5000));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
}

TEST_CASE("Server: SHUTDOWN wakes WaitForShutdown", "[server][network]") {
  TestServer s;
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    s.server->WaitForShutdown();
    woke = true;
  });
  TestClient c(s.port());
  c.Send(Cmd({"SHUTDOWN", "NOSAVE"}));
  CHECK(c.WaitClosed());
  CHECK(c.pending().empty());
  waiter.join();
  CHECK(woke.load());
}

TEST_CASE("Server: Stop() with clients connected, and Start() errors", "[server][network]") {
  auto s = std::make_unique<TestServer>();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<TestClient>(s->port()));
    CHECK(clients.back()->Call({"PING"}) == "+PONG\r\n");
  }
  // A client in the middle of sending a command.
  clients[0]->Send("*2\r\n$3\r\nGET\r\n");
  auto start = std::chrono::steady_clock::now();
  s->server->Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  for (auto& c : clients) CHECK(c->WaitClosed());
  s->server->Stop();  // idempotent
  CHECK(s->server->state().clients.Count() == 0);

  // A port already in use fails Start() with IOError.
  Config config;
  TestServer holder;
  REQUIRE(config.Set("port", std::to_string(holder.port()), ConfigSource::kStartup).ok());
  Server clash(*holder.engine, config);
  engine::Status st = clash.Start();
  CHECK_FALSE(st.ok());
  CHECK(st.code() == engine::Status::Code::kIOError);
}

}  // namespace
}  // namespace redrock::server
