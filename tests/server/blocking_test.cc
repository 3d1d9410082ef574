// Blocking list commands over real sockets: a Server on port 0 over a temp-dir Engine. BLPOP woken by a
// push from another client, timeouts, BLMOVE, FIFO service of several waiters, wakes from inside EXEC,
// clients that disconnect or are killed while blocked, Stop() with a blocked client, and a stress run
// that checks no wakeup is lost. Tests wait for a client to be blocked by polling the registry's count
// (never by sleeping a guessed time).

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
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

using Clock = std::chrono::steady_clock;

using namespace ::redrock::testing::resp;

std::string Pair(std::string_view key, std::string_view value) { return "*2\r\n" + Bulk(key) + Bulk(value); }

// The end of the complete RESP reply starting at `pos`, or npos (enough of RESP2/3 for these tests).
size_t ReplyEnd(std::string_view buf, size_t pos) {
  if (pos >= buf.size()) return std::string_view::npos;
  const size_t eol = buf.find("\r\n", pos);
  if (eol == std::string_view::npos) return eol;
  const long n = (buf[pos] == '$' || buf[pos] == '*' || buf[pos] == '%') ? std::stol(std::string(buf.substr(pos + 1, eol - pos - 1))) : 0;
  size_t next = eol + 2;
  if (buf[pos] == '$') {
    if (n < 0) return next;
    const size_t end = next + static_cast<size_t>(n) + 2;
    return end <= buf.size() ? end : std::string_view::npos;
  }
  if (buf[pos] == '*' || buf[pos] == '%') {
    for (long i = 0; i < (buf[pos] == '%' ? 2 * n : n); ++i) {
      next = ReplyEnd(buf, next);
      if (next == std::string_view::npos) return next;
    }
  }
  return next;
}

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  // `count` complete replies, or whatever arrived by the timeout ("" when nothing).
  std::string Read(int count = 1, int timeout_ms = 5000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      size_t pos = 0;
      int complete = 0;
      while (complete < count) {
        const size_t end = ReplyEnd(buf_, pos);
        if (end == std::string::npos) break;
        pos = end;
        ++complete;
      }
      if (complete == count) {
        std::string out = buf_.substr(0, pos);
        buf_.erase(0, pos);
        return out;
      }
      if (!Fill(deadline)) return std::exchange(buf_, {});
    }
  }
  std::string Call(std::initializer_list<std::string_view> args) {
    Send(Cmd(args));
    return Read();
  }
  // True when nothing arrives within `ms` (the client is still blocked).
  bool Silent(int ms) { return Read(1, ms).empty(); }
  bool WaitClosed(int timeout_ms = 5000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Fill(deadline)) {
    }
    return closed_;
  }

 private:
  bool Fill(Clock::time_point deadline) {
    if (closed_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool closed_ = false;
  std::string buf_;
};

struct BlockingServer {
  BlockingServer() : dir("redrock-blocking-test") {
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
    server = std::make_unique<Server>(*engine, config);
    REQUIRE(server->Start().ok());
  }
  ~BlockingServer() {
    server->Stop();
    server.reset();
    engine.reset();
  }
  uint16_t port() const { return server->port(); }
  size_t blocked() { return server->state().blocking.blocked_clients(); }
  // Waits until exactly `n` clients are blocked.
  void WaitBlocked(size_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (blocked() != n && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(blocked() == n);
  }

  // Clients whose ClientState says they wait in a blocking command.
  int WaitingClients() {
    int n = 0;
    server->state().clients.ForEach([&](ClientState& c, const std::function<void()>&) {
      if (c.waiting_blocked.load()) ++n;
    });
    return n;
  }

  redrock::testing::TempDir dir;
  std::unique_ptr<engine::Engine> engine;
  Config config;
  std::unique_ptr<Server> server;
};

TEST_CASE("BLPOP is woken by an LPUSH from another client; later commands wait their turn",
          "[server][blocking]") {
  BlockingServer s;
  Client waiter(s.port()), producer(s.port());
  // The BLPOP and a PING in one write: the PING is answered only after the BLPOP.
  waiter.Send(Cmd({"PING"}) + Cmd({"BLPOP", "q", "0"}) + Cmd({"PING"}));
  CHECK(waiter.Read() == "+PONG\r\n");  // replies before the blocked command are written at once
  s.WaitBlocked(1);
  CHECK(waiter.Silent(50));
  CHECK(s.WaitingClients() == 1);
  waiter.Send(Cmd({"ECHO", "sent while blocked"}));
  CHECK(producer.Call({"LPUSH", "q", "hello"}) == ":1\r\n");
  CHECK(waiter.Read(3) == Pair("q", "hello") + "+PONG\r\n" + Bulk("sent while blocked"));
  CHECK(s.blocked() == 0);
  CHECK(s.WaitingClients() == 0);
  CHECK(producer.Call({"EXISTS", "q"}) == ":0\r\n");

  // Several keys: woken by the second one.
  waiter.Send(Cmd({"BRPOP", "k1", "k2", "0"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"RPUSH", "k2", "a", "b"}) == ":2\r\n");
  CHECK(waiter.Read() == Pair("k2", "b"));
  CHECK(producer.Call({"LRANGE", "k2", "0", "-1"}) == "*1\r\n" + Bulk("a"));
}

TEST_CASE("A blocking timeout answers a null array and the client carries on", "[server][blocking]") {
  BlockingServer s;
  Client c(s.port());
  auto start = Clock::now();
  CHECK(c.Call({"BLPOP", "empty", "0.1"}) == "*-1\r\n");
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  CHECK(elapsed >= 95);
  CHECK(elapsed < 2000);
  CHECK(s.blocked() == 0);
  // BLMOVE and BRPOPLPUSH time out with a null array too (Redis's timeout reply for every list command).
  CHECK(c.Call({"BRPOPLPUSH", "empty", "dst", "0.05"}) == "*-1\r\n");
  CHECK(c.Call({"BLMOVE", "empty", "dst", "LEFT", "RIGHT", "0.05"}) == "*-1\r\n");
  CHECK(c.Call({"BLMPOP", "0.05", "1", "empty", "LEFT"}) == "*-1\r\n");
  CHECK(c.Call({"PING"}) == "+PONG\r\n");
  CHECK(c.Call({"HELLO", "3"}).substr(0, 1) == "%");
  CHECK(c.Call({"BLPOP", "empty", "0.05"}) == "_\r\n");
  CHECK(c.Call({"BLMOVE", "empty", "dst", "LEFT", "RIGHT", "0.05"}) == "_\r\n");
  // Errors and immediate replies never block.
  CHECK(c.Call({"BLPOP", "empty", "-1"}) == "-ERR timeout is negative\r\n");
  CHECK(c.Call({"MULTI"}) == "+OK\r\n");
  CHECK(c.Call({"BLPOP", "empty", "0"}) == "+QUEUED\r\n");
  CHECK(c.Call({"EXEC"}) == "*1\r\n_\r\n");
}

TEST_CASE("BLMOVE and BRPOPLPUSH are woken by a push and move the element", "[server][blocking]") {
  BlockingServer s;
  Client waiter(s.port()), producer(s.port());
  waiter.Send(Cmd({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"RPUSH", "src", "x", "y"}) == ":2\r\n");
  CHECK(waiter.Read() == Bulk("x"));
  CHECK(producer.Call({"LRANGE", "dst", "0", "-1"}) == "*1\r\n" + Bulk("x"));
  CHECK(producer.Call({"LRANGE", "src", "0", "-1"}) == "*1\r\n" + Bulk("y"));

  // A BLMOVE that serves another waiter: its push to the destination wakes the client blocked there.
  Client chained(s.port());
  chained.Send(Cmd({"BLPOP", "stage2", "0"}));
  s.WaitBlocked(1);
  waiter.Send(Cmd({"BRPOPLPUSH", "stage1", "stage2", "0"}));
  s.WaitBlocked(2);
  CHECK(producer.Call({"LPUSH", "stage1", "job"}) == ":1\r\n");
  CHECK(waiter.Read() == Bulk("job"));
  CHECK(chained.Read() == Pair("stage2", "job"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("Waiters on one key are served in the order they blocked", "[server][blocking]") {
  BlockingServer s;
  Client first(s.port()), second(s.port()), third(s.port()), producer(s.port());
  first.Send(Cmd({"BLPOP", "q", "0"}));
  s.WaitBlocked(1);
  second.Send(Cmd({"BLPOP", "q", "0"}));
  s.WaitBlocked(2);
  third.Send(Cmd({"BLPOP", "q", "other", "0"}));
  s.WaitBlocked(3);
  CHECK(producer.Call({"RPUSH", "q", "a"}) == ":1\r\n");
  CHECK(first.Read() == Pair("q", "a"));
  CHECK(second.Silent(50));
  // One push of two elements serves the next two in line.
  CHECK(producer.Call({"RPUSH", "q", "b", "c"}) == ":2\r\n");
  CHECK(second.Read() == Pair("q", "b"));
  CHECK(third.Read() == Pair("q", "c"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("A push inside EXEC wakes a blocked client after the transaction", "[server][blocking]") {
  BlockingServer s;
  Client waiter(s.port()), producer(s.port());
  waiter.Send(Cmd({"BLPOP", "q", "0"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"MULTI"}) == "+OK\r\n");
  CHECK(producer.Call({"RPUSH", "q", "1", "2"}) == "+QUEUED\r\n");
  CHECK(producer.Call({"LPOP", "q"}) == "+QUEUED\r\n");
  CHECK(producer.Call({"EXEC"}) == "*2\r\n:2\r\n" + Bulk("1"));
  CHECK(waiter.Read() == Pair("q", "2"));
}

TEST_CASE("A client that disconnects or is killed while blocked leaves the queue", "[server][blocking]") {
  BlockingServer s;
  Client producer(s.port());
  {
    Client gone(s.port());
    gone.Send(Cmd({"BLPOP", "q", "0"}));
    s.WaitBlocked(1);
  }  // closed while blocked
  s.WaitBlocked(0);
  Client next(s.port());
  next.Send(Cmd({"BLPOP", "q", "0"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"RPUSH", "q", "v"}) == ":1\r\n");
  CHECK(next.Read() == Pair("q", "v"));  // the departed client consumed nothing

  Client victim(s.port());
  const std::string id_reply = victim.Call({"CLIENT", "ID"});
  const std::string id = id_reply.substr(1, id_reply.size() - 3);
  victim.Send(Cmd({"BRPOP", "q", "0"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"CLIENT", "KILL", "ID", id}) == ":1\r\n");
  CHECK(victim.WaitClosed());
  s.WaitBlocked(0);
  CHECK(producer.Call({"RPUSH", "q", "kept"}) == ":1\r\n");
  CHECK(producer.Call({"LLEN", "q"}) == ":1\r\n");
}

TEST_CASE("Stop() does not hang on a blocked client", "[server][blocking]") {
  BlockingServer s;
  Client waiter(s.port());
  waiter.Send(Cmd({"BLPOP", "q", "0"}));
  s.WaitBlocked(1);
  const auto start = Clock::now();
  s.server->Stop();
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count() < 2000);
  CHECK(waiter.WaitClosed());
  CHECK(s.blocked() == 0);
}

TEST_CASE("Many consumers and one producer: every element is delivered once", "[server][blocking]") {
  BlockingServer s;
  constexpr int kConsumers = 4;
  constexpr int kElements = 200;
  std::atomic<int> received{0};
  std::atomic<bool> bad{false};
  std::vector<std::thread> consumers;
  for (int i = 0; i < kConsumers; ++i) {
    consumers.emplace_back([&] {
      Client c(s.port());
      for (;;) {
        const std::string reply = c.Call({"BLPOP", "jobs", "stop", "0"});
        if (reply == Pair("stop", "now")) return;
        if (reply.rfind("*2\r\n$4\r\njobs\r\n", 0) != 0) {
          bad = true;
          return;
        }
        received.fetch_add(1);
      }
    });
  }
  {
    Client producer(s.port());
    for (int i = 0; i < kElements; ++i) {
      const std::string reply = producer.Call({i % 2 ? "RPUSH" : "LPUSH", "jobs", std::to_string(i)});
      if (reply.empty() || reply[0] != ':') bad = true;
    }
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (received.load() < kElements && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (int i = 0; i < kConsumers; ++i) producer.Call({"RPUSH", "stop", "now"});
  }
  for (auto& t : consumers) t.join();
  CHECK_FALSE(bad.load());
  CHECK(received.load() == kElements);
}

}  // namespace
}  // namespace redrock::server
