// Busy scripts over real connections: a Server on port 0 with two I/O threads and two clients (each on
// its own thread, as the server hands out connections round-robin). While one client's script runs
// past busy-reply-threshold, the other gets BUSY for ordinary commands and may SCRIPT KILL / FUNCTION
// KILL / FUNCTION STATS / SHUTDOWN NOSAVE; a script that wrote is UNKILLABLE.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "server/config.h"
#include "server/scripting/sha1.h"
#include "server/server.h"
#include "tests/support/resp_builders.h"
#include "tests/support/temp_dir.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;

const std::string kBusyEval =
    Err("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
const std::string kBusyFunction =
    Err("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");

// Where the complete reply starting at `pos` ends, or npos while it is incomplete.
size_t EndOfReply(std::string_view buf, size_t pos) {
  size_t eol = buf.find("\r\n", pos);
  if (pos >= buf.size() || eol == std::string_view::npos) return std::string_view::npos;
  const char type = buf[pos];
  const long n = (type == '$' || type == '*' || type == '%' || type == '~' || type == '=')
                     ? std::stol(std::string(buf.substr(pos + 1, eol - pos - 1)))
                     : 0;
  size_t next = eol + 2;
  if (type == '$' || type == '=') {
    if (n < 0) return next;
    return next + static_cast<size_t>(n) + 2 <= buf.size() ? next + static_cast<size_t>(n) + 2 : std::string_view::npos;
  }
  if (type == '*' || type == '%' || type == '~') {
    for (long i = 0; i < (type == '%' ? 2 * n : n); ++i) {
      next = EndOfReply(buf, next);
      if (next == std::string_view::npos) return next;
    }
  }
  return next;
}

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};  // a hung server fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { ::close(fd_); }

  void Send(std::initializer_list<std::string_view> args) {
    std::string out = Cmd(args);
    REQUIRE(::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size()));
  }
  // The next complete reply ("" if the connection closed or timed out).
  std::string Read() {
    for (;;) {
      size_t end = EndOfReply(buf_, 0);
      if (end != std::string::npos) {
        std::string reply = buf_.substr(0, end);
        buf_.erase(0, end);
        return reply;
      }
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {};
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }
  std::string Call(std::initializer_list<std::string_view> args) {
    Send(args);
    return Read();
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

struct BusyServer {
  redrock::testing::TempDir dir{"redrock-busy"};
  std::unique_ptr<engine::Engine> engine;
  Config config;
  std::unique_ptr<Server> server;

  explicit BusyServer(const char* busy_threshold_ms = "100", const char* io_threads = "2") {
    engine::Options options;
    options.dir = dir.str();
    options.block_cache_bytes = 4u << 20;
    options.write_buffer_bytes = 4u << 20;
    auto opened = engine::Engine::Open(options);
    REQUIRE(opened.ok());
    engine = std::move(opened).value();
    config.Set("port", "0", ConfigSource::kStartup);
    config.Set("bind", "127.0.0.1", ConfigSource::kStartup);
    config.Set("dir", dir.str(), ConfigSource::kStartup);
    config.Set("io-threads", io_threads, ConfigSource::kStartup);
    config.Set("busy-reply-threshold", busy_threshold_ms, ConfigSource::kStartup);
    server = std::make_unique<Server>(*engine, config);
    REQUIRE(server->Start().ok());
  }
  ~BusyServer() {
    server->Stop();
    server.reset();
    engine.reset();
  }
  uint16_t port() const { return server->port(); }
};

TEST_CASE("a busy EVAL: BUSY for others, SCRIPT KILL stops it", "[scripting][busy]") {
  BusyServer s;
  Client a(s.port()), b(s.port());
  const std::string loop = "local i = 0 while true do i = i + 1 end";
  a.Send({"eval", loop, "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // B waits for the exec gate until the script turns busy, then is told so.
  CHECK(b.Call({"ping"}) == kBusyEval);
  CHECK(b.Call({"get", "x"}) == kBusyEval);
  CHECK(b.Call({"function", "stats"}) == kBusyEval);
  CHECK(b.Call({"function", "kill"}) == kBusyEval);
  CHECK(b.Call({"shutdown"}) == kBusyEval);  // only SHUTDOWN NOSAVE may run
  CHECK(b.Call({"multi"}) == kOk);           // allow-busy
  CHECK(b.Call({"get", "x"}) == kBusyEval);  // refused, not queued
  CHECK(b.Call({"exec"}) ==
        Err("EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call "
            "SCRIPT KILL or SHUTDOWN NOSAVE."));
  CHECK(b.Call({"script", "kill"}) == kOk);
  CHECK(a.Read() ==
        Err("ERR Script killed by user with SCRIPT KILL... script: " + Sha1Hex(loop) + ", on @user_script:1."));
  CHECK(b.Call({"ping"}) == "+PONG\r\n");
  CHECK(b.Call({"script", "kill"}) == Err("NOTBUSY No scripts in execution right now."));
  CHECK(a.Call({"eval", "return 'alive'", "0"}) == Bulk("alive"));

  // pcall cannot swallow the kill.
  const std::string stubborn = "while true do pcall(function() while true do end end) end";
  a.Send({"eval", stubborn, "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(b.Call({"ping"}) == kBusyEval);
  CHECK(b.Call({"script", "kill"}) == kOk);
  CHECK(a.Read().rfind("-ERR Script killed by user with SCRIPT KILL... script: " + Sha1Hex(stubborn), 0) == 0);
}

TEST_CASE("with one I/O thread, a client that connects during a script can still SCRIPT KILL it",
          "[scripting][busy]") {
  BusyServer s("100", "1");
  Client a(s.port());
  const std::string loop = "while true do end";
  a.Send({"eval", loop, "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // The script holds the only I/O thread; connections accepted meanwhile go to the control thread.
  Client b(s.port());
  CHECK(b.Call({"ping"}) == kBusyEval);
  CHECK(b.Call({"script", "kill"}) == kOk);
  CHECK(a.Read() ==
        Err("ERR Script killed by user with SCRIPT KILL... script: " + Sha1Hex(loop) + ", on @user_script:1."));
  CHECK(b.Call({"ping"}) == "+PONG\r\n");
  CHECK(a.Call({"ping"}) == "+PONG\r\n");
}

TEST_CASE("a busy script that wrote is UNKILLABLE; SHUTDOWN NOSAVE stops it", "[scripting][busy]") {
  BusyServer s;
  Client a(s.port()), b(s.port());
  a.Send({"eval", "redis.call('set', 'x', '1') while true do end", "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(b.Call({"ping"}) == kBusyEval);
  CHECK(b.Call({"script", "kill"}) ==
        Err("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either "
            "wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."));
  CHECK(b.Call({"shutdown", "nosave", "abort"}) == kSyntax);  // refused: the script keeps running
  CHECK(b.Call({"ping"}) == kBusyEval);
  b.Send({"shutdown", "nosave"});
  CHECK(b.Read().empty());  // SHUTDOWN closes the connection without a reply
  CHECK(a.Read().rfind("-ERR Script killed by user with SCRIPT KILL...", 0) == 0);
  CHECK(s.engine->Get(0, "x").value() == "1");
}

TEST_CASE("a busy function: FUNCTION STATS and FUNCTION KILL", "[scripting][busy]") {
  BusyServer s;
  Client a(s.port()), b(s.port());
  REQUIRE(a.Call({"function", "load",
                  "#!lua name=spin\nredis.register_function('spin', function() while true do end end)"}) ==
          Bulk("spin"));
  a.Send({"fcall", "spin", "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(b.Call({"ping"}) == kBusyFunction);
  std::string stats = b.Call({"function", "stats"});
  // {running_script: {name, command, duration_ms}, engines: ...}, as flat RESP2 arrays.
  std::string head = "*4\r\n" + Bulk("running_script") + "*6\r\n" + Bulk("name") + Bulk("spin") + Bulk("command") +
                     Bulks({"fcall", "spin", "0"}) + Bulk("duration_ms") + ":";
  CHECK(stats.rfind(head, 0) == 0);
  CHECK(stats.find(Bulk("engines") + "*2\r\n" + Bulk("LUA")) != std::string::npos);
  CHECK(b.Call({"script", "kill"}) == kBusyFunction);
  CHECK(b.Call({"function", "kill"}) == kOk);
  CHECK(a.Read() == Err("ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2."));
  CHECK(b.Call({"ping"}) == "+PONG\r\n");
}

TEST_CASE("a script shorter than the threshold just makes others wait", "[scripting][busy]") {
  BusyServer s("5000");
  Client a(s.port()), b(s.port());
  a.Send({"eval", "local i = 0 while i < 200000 do i = i + 1 end redis.call('set', 'done', i) return i", "0"});
  // B's SET, whenever it lands, runs before or after the whole script, never in the middle.
  CHECK(b.Call({"set", "other", "1"}) == kOk);
  CHECK(a.Read() == Int(200000));
  CHECK(b.Call({"get", "done"}) == Bulk("200000"));
}

}  // namespace
}  // namespace redrock::server
