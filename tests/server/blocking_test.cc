// Blocking list commands over real sockets: a Server on port 0 over a temp-dir Engine. BLPOP woken by a
// push from another client, timeouts, BLMOVE, FIFO service of several waiters, wakes from inside EXEC,
// clients that disconnect or are killed while blocked, Stop() with a blocked client, and a stress run
// that checks no wakeup is lost. Tests wait for a client to be blocked by polling the registry's count
// (never by sleeping a guessed time).

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/core/client_state.h"
#include "redrock/server/server.h"
#include "server/core/server_state.h"
#include "tests/support/network_client.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using Clock = std::chrono::steady_clock;

using namespace ::redrock::testing::resp;

std::string Pair(std::string_view key, std::string_view value) { return "*2\r\n" + Bulk(key) + Bulk(value); }

// Every client here must connect; NetworkClient::Quiet(ms) is how a test sees that one is still blocked.
using Client = testing::ConnectedClient;

// The shared test server plus what these tests ask of its state: how many clients are blocked.
struct BlockingServer : testing::NetworkServer {
  size_t blocked() { return server().state().blocking.blocked_clients(); }
  // Waits until exactly `n` clients are blocked.
  void WaitBlocked(size_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (blocked() != n && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(blocked() == n);
  }

  // Clients whose ClientState says they wait in a blocking command.
  int WaitingClients() {
    int n = 0;
    server().state().clients.ForEach([&](ClientState& c, const std::function<void()>&) {
      if (c.waiting_blocked.load()) ++n;
    });
    return n;
  }
};

TEST_CASE("BLPOP is woken by an LPUSH from another client; later commands wait their turn",
          "[server][blocking]") {
  BlockingServer s;
  Client waiter(s.port()), producer(s.port());
  // The BLPOP and a PING in one write: the PING is answered only after the BLPOP.
  waiter.Send(Cmd({"PING"}) + Cmd({"BLPOP", "q", "0"}) + Cmd({"PING"}));
  CHECK(waiter.Read() == "+PONG\r\n");  // replies before the blocked command are written at once
  s.WaitBlocked(1);
  CHECK(waiter.Quiet(50));
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
  CHECK(second.Quiet(50));
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
  s.server().Stop();
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

TEST_CASE("Short timeouts racing with pushes from several producers lose no element", "[server][blocking]") {
  // Consumers time out every few ms while two producers push: an element is either delivered once or
  // still in the list at the end (a timeout that races with being served must not drop it).
  BlockingServer s;
  constexpr int kConsumers = 3;
  constexpr int kPerProducer = 150;
  std::atomic<int> received{0};
  std::atomic<bool> bad{false};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kConsumers; ++i) {
    threads.emplace_back([&, i] {
      Client c(s.port());
      while (!done.load()) {
        const std::string reply = i == 0 ? c.Call({"BLMOVE", "jobs", "moved", "LEFT", "RIGHT", "0.002"})
                                         : c.Call({"BLPOP", "jobs", "0.003"});
        if (reply == "*-1\r\n") continue;
        if (reply.empty() || (reply[0] != '*' && reply[0] != '$')) {
          bad = true;
          return;
        }
        received.fetch_add(1);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&] {
      Client producer(s.port());
      for (int i = 0; i < kPerProducer; ++i) {
        if (producer.Call({"RPUSH", "jobs", std::to_string(i)}).rfind(':', 0) != 0) bad = true;
      }
    });
  }
  for (auto& t : producers) t.join();
  Client checker(s.port());
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (checker.Call({"LLEN", "jobs"}) != ":0\r\n" && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  done = true;
  for (auto& t : threads) t.join();
  CHECK_FALSE(bad.load());
  CHECK(checker.Call({"LLEN", "jobs"}) == ":0\r\n");
  CHECK(received.load() == 2 * kPerProducer);
  CHECK(s.blocked() == 0);
}

// INFO's blocked_clients, which Redis's suite polls to see a client block.
int64_t InfoBlockedClients(Client& c) {
  const std::string info = c.Call({"INFO", "clients"});
  const size_t at = info.find("blocked_clients:");
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + 16));
}

TEST_CASE("INFO blocked_clients counts exactly the registered waiters", "[server][blocking]") {
  BlockingServer s;
  Client a(s.port()), b(s.port()), producer(s.port());
  CHECK(InfoBlockedClients(producer) == 0);
  a.Send(Cmd({"BLPOP", "q", "0"}));
  s.WaitBlocked(1);
  CHECK(InfoBlockedClients(producer) == 1);
  b.Send(Cmd({"BLMOVE", "q", "d", "LEFT", "LEFT", "0"}));
  s.WaitBlocked(2);
  CHECK(InfoBlockedClients(producer) == 2);
  // Served during the push: down before the push's reply.
  CHECK(producer.Call({"RPUSH", "q", "x"}) == ":1\r\n");
  CHECK(InfoBlockedClients(producer) == 1);
  CHECK(a.Read() == Pair("q", "x"));
  CHECK(producer.Call({"RPUSH", "q", "y"}) == ":1\r\n");
  CHECK(InfoBlockedClients(producer) == 0);
  CHECK(b.Read() == Bulk("y"));
}

TEST_CASE("BLPOP with a 0.001 timeout times out; a push serves before its own reply", "[server][blocking]") {
  BlockingServer s;
  Client c(s.port()), producer(s.port());
  for (const char* cmd : {"BLPOP", "BRPOP"}) {
    CHECK(c.Call({cmd, "blist1", "0.001"}) == "*-1\r\n");
  }
  CHECK(c.Call({"BLMPOP", "0.001", "1", "blist1", "LEFT"}) == "*-1\r\n");
  CHECK(s.blocked() == 0);
  // "with single empty list argument": the key is gone as soon as the push has answered.
  c.Send(Cmd({"BRPOP", "blist1", "1"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"RPUSH", "blist1", "foo"}) == ":1\r\n");
  CHECK(producer.Call({"EXISTS", "blist1"}) == ":0\r\n");
  CHECK(c.Read() == Pair("blist1", "foo"));
}

TEST_CASE("BRPOPLPUSH with multiple blocked clients: WRONGTYPE for one, the element for the next",
          "[server][blocking]") {
  BlockingServer s;
  Client rd1(s.port()), rd2(s.port()), r(s.port());
  r.Call({"SET", "target1", "nolist"});
  rd1.Send(Cmd({"BRPOPLPUSH", "blist", "target1", "0"}));
  s.WaitBlocked(1);
  rd2.Send(Cmd({"BRPOPLPUSH", "blist", "target2", "0"}));
  s.WaitBlocked(2);
  CHECK(r.Call({"LPUSH", "blist", "foo"}) == ":1\r\n");
  CHECK(rd1.Read() == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  CHECK(rd2.Read() == Bulk("foo"));
  CHECK(r.Call({"LRANGE", "target2", "0", "-1"}) == "*1\r\n" + Bulk("foo"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("Chained BLMOVEs are all served before the push answers", "[server][blocking]") {
  BlockingServer s;
  Client rd1(s.port()), rd2(s.port()), r(s.port());
  // Linked LMOVEs.
  rd1.Send(Cmd({"BLMOVE", "list1", "list2", "RIGHT", "LEFT", "0"}));
  s.WaitBlocked(1);
  rd2.Send(Cmd({"BLMOVE", "list2", "list3", "LEFT", "RIGHT", "0"}));
  s.WaitBlocked(2);
  r.Call({"RPUSH", "list1", "foo"});
  CHECK(r.Call({"LRANGE", "list1", "0", "-1"}) == "*0\r\n");
  CHECK(r.Call({"LRANGE", "list2", "0", "-1"}) == "*0\r\n");
  CHECK(r.Call({"LRANGE", "list3", "0", "-1"}) == "*1\r\n" + Bulk("foo"));
  CHECK(rd1.Read() == Bulk("foo"));
  CHECK(rd2.Read() == Bulk("foo"));
  // Circular BRPOPLPUSH.
  r.Call({"DEL", "list1", "list2", "list3"});
  rd1.Send(Cmd({"BRPOPLPUSH", "list1", "list2", "0"}));
  s.WaitBlocked(1);
  rd2.Send(Cmd({"BRPOPLPUSH", "list2", "list1", "0"}));
  s.WaitBlocked(2);
  r.Call({"RPUSH", "list1", "foo"});
  CHECK(r.Call({"LRANGE", "list1", "0", "-1"}) == "*1\r\n" + Bulk("foo"));
  CHECK(r.Call({"LRANGE", "list2", "0", "-1"}) == "*0\r\n");
  CHECK(rd1.Read() == Bulk("foo"));
  CHECK(rd2.Read() == Bulk("foo"));
  // Self-referential BRPOPLPUSH.
  r.Call({"DEL", "blist"});
  rd1.Send(Cmd({"BRPOPLPUSH", "blist", "blist", "0"}));
  s.WaitBlocked(1);
  r.Call({"RPUSH", "blist", "foo"});
  CHECK(r.Call({"LRANGE", "blist", "0", "-1"}) == "*1\r\n" + Bulk("foo"));
  CHECK(rd1.Read() == Bulk("foo"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("LPUSH + DEL + SET in a transaction does not wake BLPOP or BLMPOP", "[server][blocking]") {
  BlockingServer s;
  Client blpop(s.port()), blmpop(s.port()), r(s.port());
  blpop.Send(Cmd({"BLPOP", "list", "0"}));
  s.WaitBlocked(1);
  blmpop.Send(Cmd({"BLMPOP", "0", "1", "list", "LEFT"}));
  s.WaitBlocked(2);
  r.Call({"MULTI"});
  r.Call({"LPUSH", "list", "a"});
  r.Call({"DEL", "list"});
  r.Call({"SET", "list", "foo"});
  CHECK(r.Call({"EXEC"}) == "*3\r\n:1\r\n:1\r\n+OK\r\n");
  CHECK(s.blocked() == 2);
  r.Call({"DEL", "list"});
  CHECK(r.Call({"LPUSH", "list", "b", "c"}) == ":2\r\n");
  CHECK(blpop.Read() == Pair("list", "c"));
  CHECK(blmpop.Read() == "*2\r\n" + Bulk("list") + "*1\r\n" + Bulk("b"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("CLIENT UNBLOCK over the network", "[server][blocking]") {
  BlockingServer s;
  Client c(s.port()), r(s.port());
  const std::string id_reply = c.Call({"CLIENT", "ID"});
  const std::string id = id_reply.substr(1, id_reply.size() - 3);
  c.Send(Cmd({"BLPOP", "l", "0"}) + Cmd({"PING"}));
  s.WaitBlocked(1);
  CHECK(r.Call({"CLIENT", "UNBLOCK", id}) == ":1\r\n");
  CHECK(c.Read(2) == "*-1\r\n+PONG\r\n");
  c.Send(Cmd({"BLMPOP", "0", "1", "l", "RIGHT"}));
  s.WaitBlocked(1);
  CHECK(r.Call({"CLIENT", "UNBLOCK", id, "ERROR"}) == ":1\r\n");
  CHECK(c.Read() == "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  CHECK(r.Call({"CLIENT", "UNBLOCK", id}) == ":0\r\n");
  CHECK(s.blocked() == 0);
}

// ---- Sorted sets: BZPOPMIN, BZPOPMAX, BZMPOP -----------------------------------------------------------

// BZPOPMIN/BZPOPMAX's reply in RESP2: [key, member, score].
std::string Popped(std::string_view key, std::string_view member, std::string_view score) {
  return "*3\r\n" + Bulk(key) + Bulk(member) + Bulk(score);
}

TEST_CASE("BZPOPMIN and BZMPOP are woken by a ZADD from another client, in the order they blocked",
          "[server][blocking][zset]") {
  BlockingServer s;
  Client first(s.port()), second(s.port()), third(s.port()), producer(s.port());
  first.Send(Cmd({"BZPOPMIN", "z", "0"}) + Cmd({"PING"}));
  s.WaitBlocked(1);
  second.Send(Cmd({"BZMPOP", "0", "2", "other", "z", "MAX", "COUNT", "2"}));
  s.WaitBlocked(2);
  third.Send(Cmd({"BZPOPMAX", "other", "z", "0"}));
  s.WaitBlocked(3);
  CHECK(first.Quiet(50));
  CHECK(producer.Call({"ZADD", "z", "1", "a", "2", "b"}) == ":2\r\n");
  CHECK(first.Read(2) == Popped("z", "a", "1") + "+PONG\r\n");
  CHECK(second.Read() == "*2\r\n" + Bulk("z") + "*1\r\n" + Pair("b", "2"));
  CHECK(third.Quiet(50));  // the key is gone: the third waits on
  CHECK(s.blocked() == 1);
  // Woken by its other key, a sorted set created in another way.
  CHECK(producer.Call({"ZADD", "src", "7", "x", "8", "y"}) == ":2\r\n");
  CHECK(producer.Call({"ZUNIONSTORE", "other", "1", "src"}) == ":2\r\n");
  CHECK(third.Read() == Popped("other", "y", "8"));
  CHECK(producer.Call({"ZRANGE", "other", "0", "-1"}) == "*1\r\n" + Bulk("x"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("BZPOPMIN and BZMPOP time out with a null array; RESP3 replies carry doubles",
          "[server][blocking][zset]") {
  BlockingServer s;
  Client c(s.port()), producer(s.port());
  auto start = Clock::now();
  CHECK(c.Call({"BZPOPMIN", "empty", "0.1"}) == "*-1\r\n");
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  CHECK(elapsed >= 95);
  CHECK(elapsed < 2000);
  CHECK(c.Call({"BZPOPMAX", "empty", "other", "0.001"}) == "*-1\r\n");
  CHECK(c.Call({"BZMPOP", "0.01", "2", "empty", "other", "MIN", "COUNT", "2"}) == "*-1\r\n");
  CHECK(s.blocked() == 0);
  // Errors and MULTI never block.
  CHECK(c.Call({"BZPOPMIN", "empty", "-1"}) == "-ERR timeout is negative\r\n");
  CHECK(c.Call({"BZMPOP", "0", "0", "empty", "MIN"}) == "-ERR numkeys should be greater than 0\r\n");
  CHECK(c.Call({"MULTI"}) == "+OK\r\n");
  CHECK(c.Call({"BZPOPMIN", "empty", "0"}) == "+QUEUED\r\n");
  CHECK(c.Call({"BZMPOP", "0", "1", "empty", "MIN"}) == "+QUEUED\r\n");
  CHECK(c.Call({"EXEC"}) == "*2\r\n*-1\r\n*-1\r\n");

  CHECK(c.Call({"HELLO", "3"}).substr(0, 1) == "%");
  CHECK(c.Call({"BZPOPMIN", "empty", "0.01"}) == "_\r\n");
  CHECK(c.Call({"BZMPOP", "0.01", "1", "empty", "MAX"}) == "_\r\n");
  c.Send(Cmd({"BZPOPMAX", "z", "0"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"ZADD", "z", "1.5", "a", "3", "b", "-inf", "c"}) == ":3\r\n");
  CHECK(c.Read() == "*3\r\n" + Bulk("z") + Bulk("b") + ",3\r\n");
  c.Send(Cmd({"BZMPOP", "0", "1", "z2", "MIN", "COUNT", "5"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"RENAME", "z", "z2"}) == "+OK\r\n");
  CHECK(c.Read() == "*2\r\n" + Bulk("z2") + "*2\r\n*2\r\n" + Bulk("c") + ",-inf\r\n*2\r\n" + Bulk("a") + ",1.5\r\n");
  // Back to RESP2 on the same connection: nothing left over.
  CHECK(c.Call({"HELLO", "2"}).substr(0, 1) == "*");
  CHECK(c.Call({"PING"}) == "+PONG\r\n");
}

TEST_CASE("ZADD + DEL (+ SET) in a transaction does not wake BZPOPMIN; a ZADD inside EXEC does after it",
          "[server][blocking][zset]") {
  BlockingServer s;
  Client bzpop(s.port()), bzmpop(s.port()), r(s.port());
  bzpop.Send(Cmd({"BZPOPMIN", "zset", "0"}));
  s.WaitBlocked(1);
  bzmpop.Send(Cmd({"BZMPOP", "0", "1", "zset", "MIN"}));
  s.WaitBlocked(2);
  r.Call({"MULTI"});
  r.Call({"ZADD", "zset", "0", "foo"});
  r.Call({"DEL", "zset"});
  r.Call({"SET", "zset", "foo"});
  CHECK(r.Call({"EXEC"}) == "*3\r\n:1\r\n:1\r\n+OK\r\n");
  CHECK(bzpop.Quiet(50));
  CHECK(s.blocked() == 2);
  r.Call({"DEL", "zset"});
  r.Call({"MULTI"});
  r.Call({"ZADD", "zset", "0", "a"});
  r.Call({"ZADD", "zset", "1", "b"});
  r.Call({"ZADD", "zset", "2", "c"});
  CHECK(r.Call({"EXEC"}) == "*3\r\n:1\r\n:1\r\n:1\r\n");
  CHECK(bzpop.Read() == Popped("zset", "a", "0"));
  CHECK(bzmpop.Read() == "*2\r\n" + Bulk("zset") + "*1\r\n" + Pair("b", "1"));
  CHECK(r.Call({"ZRANGE", "zset", "0", "-1"}) == "*1\r\n" + Bulk("c"));
  CHECK(s.blocked() == 0);
}

TEST_CASE("A served BZPOPMIN or BZMPOP sends zpopmin/zpopmax and del after the write's own event",
          "[server][blocking][zset]") {
  BlockingServer s;
  Client events(s.port()), waiter(s.port()), r(s.port());
  CHECK(r.Call({"CONFIG", "SET", "notify-keyspace-events", "KEA"}) == "+OK\r\n");
  CHECK(events.Call({"HELLO", "3"}).substr(0, 1) == "%");
  CHECK(events.Call({"PSUBSCRIBE", "__keyevent@0__:*"}) ==
        ">3\r\n" + Bulk("psubscribe") + Bulk("__keyevent@0__:*") + ":1\r\n");
  auto event = [](std::string_view name, std::string_view key) {
    return ">4\r\n" + Bulk("pmessage") + Bulk("__keyevent@0__:*") + Bulk("__keyevent@0__:" + std::string(name)) +
           Bulk(key);
  };
  waiter.Send(Cmd({"BZPOPMIN", "k", "0"}));
  s.WaitBlocked(1);
  CHECK(r.Call({"ZADD", "k", "1", "a"}) == ":1\r\n");
  CHECK(waiter.Read() == Popped("k", "a", "1"));
  CHECK(events.Read(3) == event("zadd", "k") + event("zpopmin", "k") + event("del", "k"));
  waiter.Send(Cmd({"BZMPOP", "0", "1", "k", "MAX", "COUNT", "1"}));
  s.WaitBlocked(1);
  CHECK(r.Call({"ZADD", "k", "1", "a", "2", "b"}) == ":2\r\n");
  CHECK(waiter.Read() == "*2\r\n" + Bulk("k") + "*1\r\n" + Pair("b", "2"));
  CHECK(events.Read(2) == event("zadd", "k") + event("zpopmax", "k"));
  CHECK(events.Quiet(50));  // "a" is left: no del

}

TEST_CASE("CLIENT UNBLOCK and INFO blocked_clients with BZPOPMIN and BZMPOP", "[server][blocking][zset]") {
  BlockingServer s;
  Client c(s.port()), r(s.port());
  const std::string id_reply = c.Call({"CLIENT", "ID"});
  const std::string id = id_reply.substr(1, id_reply.size() - 3);
  c.Send(Cmd({"BZPOPMIN", "z", "0"}) + Cmd({"PING"}));
  s.WaitBlocked(1);
  CHECK(r.Call({"INFO", "clients"}).find("blocked_clients:1\r\n") != std::string::npos);
  CHECK(r.Call({"CLIENT", "UNBLOCK", id}) == ":1\r\n");
  CHECK(c.Read(2) == "*-1\r\n+PONG\r\n");
  c.Send(Cmd({"BZMPOP", "0", "1", "z", "MAX"}));
  s.WaitBlocked(1);
  CHECK(r.Call({"CLIENT", "UNBLOCK", id, "ERROR"}) == ":1\r\n");
  CHECK(c.Read() == "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  CHECK(r.Call({"INFO", "clients"}).find("blocked_clients:0\r\n") != std::string::npos);
  CHECK(s.blocked() == 0);
}

}  // namespace
}  // namespace redrock::server
