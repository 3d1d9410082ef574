// The connection's push path over real sockets: messages reach an idle subscriber, keep their order, come
// before the PUBLISH reply when a RESP3 client publishes to itself, and a subscriber that does not read is
// dropped at client-output-buffer-limit instead of growing memory. Subscriptions die with the connection.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "redrock/server/server.h"
#include "server/core/server_state.h"
#include "tests/support/network_client.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::NetworkClient;
using testing::NetworkServer;

std::string Conf(std::string_view kind, std::string_view name, int64_t count, char type = '*') {
  return std::string(1, type) + "3\r\n" + Bulk(kind) + Bulk(name) + Int(count);
}
std::string Push(std::initializer_list<std::string_view> items) {
  std::string out = ">" + std::to_string(items.size()) + "\r\n";
  for (std::string_view item : items) out += Bulk(item);
  return out;
}

// Polls `f` until it is true or 5 s pass.
template <typename F>
bool Eventually(F f) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return f();
}

TEST_CASE("Pub/sub network: a message reaches an idle subscriber", "[pubsub][network]") {
  NetworkServer s;
  NetworkClient sub(s.port()), pub(s.port());
  REQUIRE(sub.connected());
  REQUIRE(pub.connected());
  CHECK(sub.Call({"SUBSCRIBE", "news"}) == Conf("subscribe", "news", 1));
  CHECK(sub.Call({"PSUBSCRIBE", "n*"}) == Conf("psubscribe", "n*", 2));
  CHECK(pub.Call({"PUBLISH", "news", "hello"}) == ":2\r\n");
  CHECK(sub.Read(2) == Bulks({"message", "news", "hello"}) + Bulks({"pmessage", "n*", "news", "hello"}));
  CHECK(pub.Call({"PUBLISH", "nope", "x"}) == ":1\r\n");
  CHECK(sub.Read() == Bulks({"pmessage", "n*", "nope", "x"}));
  // The subscriber still talks: subscribed-mode PING and errors.
  CHECK(sub.Call({"PING"}) == Bulks({"pong", ""}));
  CHECK(sub.Call({"GET", "k"}).rfind("-ERR Can't execute 'get'", 0) == 0);
  CHECK(sub.Call({"UNSUBSCRIBE"}) == Conf("unsubscribe", "news", 1));
  CHECK(sub.Call({"PUNSUBSCRIBE"}) == Conf("punsubscribe", "n*", 0));
  CHECK(pub.Call({"PUBLISH", "news", "late"}) == ":0\r\n");
  CHECK(sub.Call({"GET", "k"}) == kNil);
  CHECK(sub.Quiet(50));
}

TEST_CASE("Pub/sub network: messages keep their order, interleaved with the subscriber's own commands",
          "[pubsub][network]") {
  NetworkServer s;
  NetworkClient sub(s.port()), pub(s.port());
  CHECK(sub.Call({"SUBSCRIBE", "seq"}) == Conf("subscribe", "seq", 1));
  constexpr int kMessages = 2000;
  std::string batch;
  for (int i = 0; i < kMessages; ++i) batch += Cmd({"PUBLISH", "seq", std::to_string(i)});
  std::thread publisher([&] {
    pub.Send(batch);
    std::string replies = pub.Read(kMessages);
    CHECK(replies.size() == static_cast<size_t>(kMessages) * 4);  // ":1\r\n" each
  });
  // Meanwhile the subscriber pings; every pong is a reply frame among the messages.
  constexpr int kPings = 50;
  for (int i = 0; i < kPings; ++i) sub.Send(Cmd({"PING", "p" + std::to_string(i)}));
  std::string got = sub.Read(kMessages + kPings);
  publisher.join();
  int next_message = 0, next_ping = 0;
  size_t pos = 0;
  while (pos < got.size()) {
    size_t end = testing::RespReplyEnd(got, pos);
    REQUIRE(end != std::string::npos);
    std::string frame = got.substr(pos, end - pos);
    if (frame.find("$7\r\nmessage\r\n") != std::string::npos) {
      CHECK(frame == Bulks({"message", "seq", std::to_string(next_message)}));
      ++next_message;
    } else {
      CHECK(frame == Bulks({"pong", "p" + std::to_string(next_ping)}));
      ++next_ping;
    }
    pos = end;
  }
  CHECK(next_message == kMessages);
  CHECK(next_ping == kPings);
}

TEST_CASE("Pub/sub network: RESP3 publisher subscribed to its own channel gets the push before the reply",
          "[pubsub][network][resp3]") {
  NetworkServer s;
  NetworkClient c(s.port());
  std::string hello = c.Call({"HELLO", "3"});
  REQUIRE(hello.rfind("%7\r\n", 0) == 0);
  CHECK(c.Call({"SUBSCRIBE", "c1", "c2"}) == Conf("subscribe", "c1", 1, '>'));
  CHECK(c.Read() == Conf("subscribe", "c2", 2, '>'));
  CHECK(c.Call({"PSUBSCRIBE", "c*"}) == Conf("psubscribe", "c*", 3, '>'));
  c.Send(Cmd({"PUBLISH", "c1", "hello"}));
  CHECK(c.Read(3) == Push({"message", "c1", "hello"}) + Push({"pmessage", "c*", "c1", "hello"}) + ":2\r\n");
  // RESP3 allows every command while subscribed.
  CHECK(c.Call({"SET", "k", "v"}) == kOk);
  CHECK(c.Call({"GET", "k"}) == Bulk("v"));
  // Another client's message arrives as a push too.
  NetworkClient other(s.port());
  CHECK(other.Call({"PUBLISH", "c2", "x"}) == ":2\r\n");
  CHECK(c.Read(2) == Push({"message", "c2", "x"}) + Push({"pmessage", "c*", "c2", "x"}));
  // MULTI: the push lands inside the EXEC reply, where Redis puts it.
  CHECK(c.Call({"MULTI"}) == kOk);
  CHECK(c.Call({"PUBLISH", "c2", "m"}) == "+QUEUED\r\n");
  c.Send(Cmd({"EXEC"}));
  CHECK(c.Read(3) == "*1\r\n" + Push({"message", "c2", "m"}) + Push({"pmessage", "c*", "c2", "m"}) + ":2\r\n");
}

TEST_CASE("Pub/sub network: closing a connection drops its subscriptions", "[pubsub][network]") {
  NetworkServer s;
  ServerState& st = s.server().state();
  {
    NetworkClient sub(s.port());
    CHECK(sub.Call({"SUBSCRIBE", "a", "b"}) == Conf("subscribe", "a", 1));
    CHECK(sub.Read() == Conf("subscribe", "b", 2));
    CHECK(sub.Call({"PSUBSCRIBE", "x*"}) == Conf("psubscribe", "x*", 3));
    CHECK(st.pubsub.ChannelCount() == 2);
  }
  CHECK(Eventually([&] { return st.pubsub.Empty(); }));
  CHECK(st.pubsub.ChannelCount() == 0);
  CHECK(st.pubsub.PatternCount() == 0);
  NetworkClient pub(s.port());
  CHECK(pub.Call({"PUBLISH", "a", "x"}) == ":0\r\n");
}

TEST_CASE("Pub/sub network: a subscriber that does not read is dropped at the hard limit", "[pubsub][network]") {
  NetworkServer s;
  NetworkClient admin(s.port());
  CHECK(admin.Call({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0"}) == kOk);
  NetworkClient slow(s.port());
  CHECK(slow.Call({"SUBSCRIBE", "flood"}) == Conf("subscribe", "flood", 1));
  NetworkClient fast(s.port());
  CHECK(fast.Call({"SUBSCRIBE", "flood"}) == Conf("subscribe", "flood", 1));

  // 64 MB published in total; the slow reader's socket buffers (default sizes: it never reads, so they
  // are not auto-tuned up) hold a few MB at most. The fast subscriber reads each message before the
  // next is published, so it never has more than one pending and must not be dropped.
  const std::string payload(64 * 1024, 'x');
  const std::string frame = Bulks({"message", "flood", payload});
  int64_t receivers = 0, fast_received = 0;
  for (int i = 0; i < 1024; ++i) {
    std::string reply = admin.Call({"PUBLISH", "flood", payload});
    REQUIRE((reply == ":2\r\n" || reply == ":1\r\n"));
    receivers += reply == ":2\r\n" ? 2 : 1;
    if (fast.Read() == frame) ++fast_received;
  }
  CHECK(fast_received == 1024);
  CHECK(receivers < 2 * 1024);  // the slow one stopped counting once dropped
  CHECK(Eventually([&] { return s.server().state().pubsub.NumSubscribers("flood") == 1; }));
  CHECK(slow.WaitClosed(10000));
  // It got far less than was published: the rest was never buffered for it.
  CHECK(slow.pending().size() < 1024 * frame.size() / 2);
}

TEST_CASE("Pub/sub network: the soft limit drops a subscriber that stays over it", "[pubsub][network]") {
  NetworkServer s;
  NetworkClient admin(s.port());
  // Over 64kb for more than 0 seconds: the second delivery over the limit (at least 1 ms later) closes.
  CHECK(admin.Call({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 64kb 0"}) == kOk);
  NetworkClient slow(s.port());
  CHECK(slow.Call({"SUBSCRIBE", "flood"}) == Conf("subscribe", "flood", 1));
  const std::string payload(64 * 1024, 'y');
  for (int i = 0; i < 2048 && s.server().state().pubsub.NumSubscribers("flood") > 0; ++i) {
    admin.Call({"PUBLISH", "flood", payload});
    if (i % 64 == 63) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(Eventually([&] { return s.server().state().pubsub.NumSubscribers("flood") == 0; }));
  CHECK(slow.WaitClosed(10000));
}

TEST_CASE("Pub/sub network: CLIENT LIST of a subscriber, KILL TYPE pubsub", "[pubsub][network]") {
  NetworkServer s;
  NetworkClient sub(s.port()), admin(s.port());
  CHECK(sub.Call({"SUBSCRIBE", "a"}) == Conf("subscribe", "a", 1));
  std::string list = admin.Call({"CLIENT", "LIST"});
  CHECK(list.find("flags=P db=0 sub=1 psub=0 ssub=0") != std::string::npos);
  CHECK(admin.Call({"CLIENT", "KILL", "TYPE", "pubsub"}) == ":1\r\n");
  CHECK(sub.WaitClosed());
  CHECK(Eventually([&] { return s.server().state().pubsub.Empty(); }));
}

}  // namespace
}  // namespace redrock::server
