// Busy scripts over real connections: a Server on port 0 with two I/O threads and two clients (each on
// its own thread, as the server hands out connections round-robin). While one client's script runs
// past busy-reply-threshold, the other gets BUSY for ordinary commands and may SCRIPT KILL / FUNCTION
// KILL / FUNCTION STATS / SHUTDOWN NOSAVE; a script that wrote is UNKILLABLE.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "common/sha1.h"
#include "tests/support/network_client.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;

const std::string kBusyEval =
    Err("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
const std::string kBusyFunction =
    Err("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");

using Client = testing::ConnectedClient;

// The shared test server with a busy-reply-threshold (ms) and a number of I/O threads.
struct BusyServer : testing::NetworkServer {
  explicit BusyServer(const char* busy_threshold_ms = "100", const char* io_threads = "2")
      : NetworkServer([&](Config& config) {
          config.Set("bind", "127.0.0.1", ConfigSource::kStartup);
          config.Set("io-threads", io_threads, ConfigSource::kStartup);
          config.Set("busy-reply-threshold", busy_threshold_ms, ConfigSource::kStartup);
        }) {}
};

TEST_CASE("a busy EVAL: BUSY for others, SCRIPT KILL stops it", "[scripting][busy]") {
  BusyServer s;
  Client a(s.port()), b(s.port());
  const std::string loop = "local i = 0 while true do i = i + 1 end";
  a.Send(Cmd({"eval", loop, "0"}));
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
        Err("ERR Script killed by user with SCRIPT KILL... script: " + common::Sha1Hex(loop) + ", on @user_script:1."));
  CHECK(b.Call({"ping"}) == "+PONG\r\n");
  CHECK(b.Call({"script", "kill"}) == Err("NOTBUSY No scripts in execution right now."));
  CHECK(a.Call({"eval", "return 'alive'", "0"}) == Bulk("alive"));

  // pcall cannot swallow the kill.
  const std::string stubborn = "while true do pcall(function() while true do end end) end";
  a.Send(Cmd({"eval", stubborn, "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(b.Call({"ping"}) == kBusyEval);
  CHECK(b.Call({"script", "kill"}) == kOk);
  CHECK(a.Read().rfind("-ERR Script killed by user with SCRIPT KILL... script: " + common::Sha1Hex(stubborn), 0) == 0);
}

TEST_CASE("with one I/O thread, a client that connects during a script can still SCRIPT KILL it",
          "[scripting][busy]") {
  BusyServer s("100", "1");
  Client a(s.port());
  const std::string loop = "while true do end";
  a.Send(Cmd({"eval", loop, "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Client b(s.port());
  CHECK(b.Call({"ping"}) == kBusyEval);
  CHECK(b.Call({"script", "kill"}) == kOk);
  CHECK(a.Read() ==
        Err("ERR Script killed by user with SCRIPT KILL... script: " + common::Sha1Hex(loop) + ", on @user_script:1."));
  CHECK(b.Call({"ping"}) == "+PONG\r\n");
  CHECK(a.Call({"ping"}) == "+PONG\r\n");
}

// Clients that connected before the script started, one of them on the script's own I/O thread (the
// server deals connections round robin, so with N threads client N shares client 0's): every one of them
// is still read, gets BUSY, and the one sharing the thread can kill the script or stop the server.
TEST_CASE("a busy script never silences the clients already connected, whatever io-threads is",
          "[scripting][busy]") {
  const char* threads = GENERATE("1", "2", "4");
  const int n = std::atoi(threads);
  const std::string how = GENERATE("script kill", "function kill", "shutdown nosave");
  CAPTURE(threads, how);
  BusyServer s("100", threads);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i <= n; ++i) clients.push_back(std::make_unique<Client>(s.port()));
  Client& runner = *clients[0];
  Client& neighbour = *clients[n];  // on the runner's I/O thread
  const bool function = how == "function kill";
  if (function) {
    REQUIRE(runner.Call({"function", "load",
                         "#!lua name=spin\nredis.register_function('spin', function() while true do end end)"}) ==
            Bulk("spin"));
    runner.Send(Cmd({"fcall", "spin", "0"}));
  } else {
    runner.Send(Cmd({"eval", "while true do end", "0"}));
  }
  // Until the script has started, a PING may still get PONG (it ran first): wait for the first BUSY.
  const std::string busy = function ? kBusyFunction : kBusyEval;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (clients[1]->Call({"ping"}) != busy && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int i = 1; i <= n; ++i) CHECK(clients[i]->Call({"ping"}) == busy);
  if (how == "shutdown nosave") {
    neighbour.Send(Cmd({"shutdown", "nosave"}));
    CHECK(neighbour.Read().empty());  // SHUTDOWN closes the connection without a reply
    CHECK(runner.Read().rfind("-ERR Script killed by user with SCRIPT KILL...", 0) == 0);
    return;
  }
  CHECK(neighbour.Call({"script", "kill"}) == (function ? kBusyFunction : kOk));
  if (function) CHECK(neighbour.Call({"function", "kill"}) == kOk);
  CHECK(runner.Read().rfind("-ERR Script killed by user with SCRIPT KILL...", 0) == 0);
  for (int i = 0; i <= n; ++i) CHECK(clients[i]->Call({"ping"}) == "+PONG\r\n");
}

TEST_CASE("a busy script that wrote is UNKILLABLE; SHUTDOWN NOSAVE stops it", "[scripting][busy]") {
  BusyServer s;
  Client a(s.port()), b(s.port());
  a.Send(Cmd({"eval", "redis.call('set', 'x', '1') while true do end", "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(b.Call({"ping"}) == kBusyEval);
  CHECK(b.Call({"script", "kill"}) ==
        Err("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either "
            "wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."));
  CHECK(b.Call({"shutdown", "nosave", "abort"}) == kSyntax);  // refused: the script keeps running
  CHECK(b.Call({"ping"}) == kBusyEval);
  b.Send(Cmd({"shutdown", "nosave"}));
  CHECK(b.Read().empty());  // SHUTDOWN closes the connection without a reply
  CHECK(a.Read().rfind("-ERR Script killed by user with SCRIPT KILL...", 0) == 0);
  CHECK(s.engine().Get(0, "x").value() == "1");
}

TEST_CASE("a busy function: FUNCTION STATS and FUNCTION KILL", "[scripting][busy]") {
  BusyServer s;
  Client a(s.port()), b(s.port());
  REQUIRE(a.Call({"function", "load",
                  "#!lua name=spin\nredis.register_function('spin', function() while true do end end)"}) ==
          Bulk("spin"));
  a.Send(Cmd({"fcall", "spin", "0"}));
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
  a.Send(Cmd({"eval", "local i = 0 while i < 200000 do i = i + 1 end redis.call('set', 'done', i) return i", "0"}));
  // B's SET, whenever it lands, runs before or after the whole script, never in the middle.
  CHECK(b.Call({"set", "other", "1"}) == kOk);
  CHECK(a.Read() == Int(200000));
  CHECK(b.Call({"get", "done"}) == Bulk("200000"));
}

}  // namespace
}  // namespace redrock::server
