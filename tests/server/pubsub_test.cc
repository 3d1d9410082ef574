// Pub/sub in process: the registry, the commands' exact replies in RESP2 and RESP3 (Redis 7.0.15's
// bytes), subscribed mode, RESET, MULTI, PUBSUB introspection, CLIENT LIST and INFO.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server/events/pubsub.h"
#include "tests/support/command_harness.h"
#include "tests/support/recording_subscriber.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;
using testing::RecordedMessage;
using testing::RecordingSubscriber;

// One subscribe-style confirmation: [kind, name, count]; '*' in RESP2, '>' in RESP3.
std::string Conf(std::string_view kind, std::string_view name, int64_t count, char type = '*') {
  return std::string(1, type) + "3\r\n" + Bulk(kind) + Bulk(name) + Int(count);
}
std::string ConfNull(std::string_view kind, int64_t count, char type = '*') {
  return std::string(1, type) + "3\r\n" + Bulk(kind) + (type == '>' ? kNull3 : kNil) + Int(count);
}

const std::string kSubscribedErrPrefix = "-ERR Can't execute '";
std::string SubscribedErr(std::string_view cmd) {
  return Err("ERR Can't execute '" + std::string(cmd) +
             "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
}

TEST_CASE("PubSubMessage encodes Redis's arrays and RESP3 pushes", "[pubsub]") {
  PubSubMessage m(PubSubMessage::Kind::kMessage, "", "ch", "hello");
  CHECK(m.frame() == Bulks({"message", "ch", "hello"}));
  CHECK(m.channel() == "ch");
  CHECK(m.payload() == "hello");
  CHECK(m.pattern().empty());
  std::string out;
  m.AppendTo(&out, 3);
  CHECK(out == ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");

  PubSubMessage p(PubSubMessage::Kind::kPMessage, "c*", "ch", std::string("a\0b", 3));
  CHECK(p.frame() == Bulks({"pmessage", "c*", "ch", std::string_view("a\0b", 3)}));
  CHECK(p.pattern() == "c*");
  CHECK(p.payload() == std::string_view("a\0b", 3));
  PubSubMessage s(PubSubMessage::Kind::kSMessage, "", "sc", "");
  CHECK(s.frame() == Bulks({"smessage", "sc", ""}));
}

TEST_CASE("PubSub registry: counts, receivers as Redis counts them, patterns as KEYS globs", "[pubsub]") {
  CommandHarness h;
  PubSub& ps = h.state().pubsub;
  RecordingSubscriber a, b;
  CHECK(ps.Empty());
  CHECK(ps.Publish("news", "x") == 0);

  CHECK(ps.Subscribe(a, SubscriptionKind::kChannel, "news").channels == 1);
  CHECK(ps.Subscribe(a, SubscriptionKind::kChannel, "news").channels == 1);  // idempotent
  CHECK(ps.Subscribe(a, SubscriptionKind::kPattern, "n?w[se]").patterns == 1);
  CHECK(ps.Subscribe(b, SubscriptionKind::kPattern, "n*").patterns == 1);
  CHECK(ps.Subscribe(b, SubscriptionKind::kPattern, "n?w[se]").patterns == 2);
  CHECK_FALSE(ps.Empty());

  // a: channel + pattern = 2, b: two patterns = 2.
  CHECK(ps.Publish("news", "hi") == 4);
  CHECK(a.Messages() == std::vector<RecordedMessage>{{"message", "", "news", "hi"},
                                                     {"pmessage", "n?w[se]", "news", "hi"}});
  CHECK(b.Count() == 2);
  CHECK(ps.Publish("nope", "x") == 1);  // only b's "n*"
  CHECK(ps.Publish("other", "x") == 0);

  CHECK(ps.NumSubscribers("news") == 1);
  CHECK(ps.PatternCount() == 2);  // distinct patterns
  CHECK(ps.ChannelCount() == 1);
  CHECK(ps.SubscriptionsOf(b, SubscriptionKind::kPattern) == std::vector<std::string>{"n*", "n?w[se]"});

  SubscriptionCounts left = ps.Unsubscribe(b, SubscriptionKind::kPattern, "n*");
  CHECK(left.patterns == 1);
  CHECK(ps.Unsubscribe(b, SubscriptionKind::kPattern, "missing").patterns == 1);
  ps.UnsubscribeAll(a);
  CHECK(ps.CountsOf(a).total() == 0);
  CHECK(ps.NumSubscribers("news") == 0);
  CHECK(ps.Publish("news", "x") == 1);
  ps.UnsubscribeAll(b);
  CHECK(ps.Empty());
  CHECK(ps.PatternCount() == 0);
}

TEST_CASE("PubSub registry: shard channels are separate from channels", "[pubsub]") {
  CommandHarness h;
  PubSub& ps = h.state().pubsub;
  RecordingSubscriber a;
  ps.Subscribe(a, SubscriptionKind::kShardChannel, "s1");
  ps.Subscribe(a, SubscriptionKind::kPattern, "*");
  CHECK(ps.PublishShard("s1", "m") == 1);
  CHECK(ps.Publish("s1", "m") == 1);  // the pattern only
  CHECK(a.Messages() == std::vector<RecordedMessage>{{"smessage", "", "s1", "m"}, {"pmessage", "*", "s1", "m"}});
  CHECK(ps.NumShardSubscribers("s1") == 1);
  CHECK(ps.NumSubscribers("s1") == 0);
  CHECK(ps.ShardChannels("") == std::vector<std::string>{"s1"});
  CHECK(ps.Channels("").empty());
}

TEST_CASE("PubSub registry: concurrent publishers and subscribers", "[pubsub][concurrency]") {
  CommandHarness h;
  PubSub& ps = h.state().pubsub;
  constexpr int kThreads = 4, kRounds = 500;
  std::vector<RecordingSubscriber> subs(kThreads);
  std::atomic<int64_t> delivered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        ps.Subscribe(subs[t], SubscriptionKind::kChannel, "c" + std::to_string(i % 7));
        ps.Subscribe(subs[t], SubscriptionKind::kPattern, "c*");
        delivered += ps.Publish("c" + std::to_string(i % 5), "m");
        ps.Unsubscribe(subs[t], SubscriptionKind::kChannel, "c" + std::to_string((i + 3) % 7));
      }
      ps.UnsubscribeAll(subs[t]);
    });
  }
  for (auto& th : threads) th.join();
  int64_t received = 0;
  for (auto& s : subs) received += static_cast<int64_t>(s.Count());
  CHECK(received == delivered.load());
  CHECK(ps.Empty());
  CHECK(ps.ChannelCount() == 0);
}

struct PubSubHarness {
  CommandHarness h;
  RecordingSubscriber rec_a, rec_b;
  ClientState& a;
  ClientState& b;
  PubSubHarness() : a(h.client()), b(h.NewClient()) {
    a.subscriber = &rec_a;
    b.subscriber = &rec_b;
  }
  std::string A(const std::vector<std::string>& argv) { return h.RunAs(a, argv); }
  std::string B(const std::vector<std::string>& argv) { return h.RunAs(b, argv); }
};

TEST_CASE("SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE replies (RESP2)", "[pubsub]") {
  PubSubHarness t;
  CHECK(t.A({"unsubscribe"}) == ConfNull("unsubscribe", 0));
  CHECK(t.A({"punsubscribe"}) == ConfNull("punsubscribe", 0));
  CHECK(t.A({"sunsubscribe"}) == ConfNull("sunsubscribe", 0));
  CHECK(t.A({"subscribe", "a", "b", "a"}) ==
        Conf("subscribe", "a", 1) + Conf("subscribe", "b", 2) + Conf("subscribe", "a", 2));
  CHECK(t.a.subscribed);
  CHECK(t.A({"unsubscribe", "zz"}) == Conf("unsubscribe", "zz", 2));
  CHECK(t.A({"psubscribe", "h*"}) == Conf("psubscribe", "h*", 3));
  // Every channel, in subscription order; the count includes the pattern.
  CHECK(t.A({"unsubscribe"}) == Conf("unsubscribe", "a", 2) + Conf("unsubscribe", "b", 1));
  // A null-name confirmation still carries the pattern count.
  CHECK(t.A({"unsubscribe"}) == ConfNull("unsubscribe", 1));
  CHECK(t.a.subscribed);
  CHECK(t.A({"punsubscribe"}) == Conf("punsubscribe", "h*", 0));
  CHECK_FALSE(t.a.subscribed);
  CHECK(t.A({"get", "x"}) == kNil);

  CHECK(t.A({"subscribe"}) == Arity("subscribe"));
  CHECK(t.A({"psubscribe"}) == Arity("psubscribe"));
  CHECK(t.A({"publish", "x"}) == Arity("publish"));
}

TEST_CASE("Shard channel commands count separately, as Redis 7.0 does", "[pubsub]") {
  PubSubHarness t;
  CHECK(t.A({"ssubscribe", "s1", "s2"}) == Conf("ssubscribe", "s1", 1) + Conf("ssubscribe", "s2", 2));
  CHECK(t.A({"subscribe", "c1"}) == Conf("subscribe", "c1", 1));
  CHECK(t.A({"psubscribe", "p*"}) == Conf("psubscribe", "p*", 2));
  CHECK(t.A({"ssubscribe", "s3"}) == Conf("ssubscribe", "s3", 3));
  CHECK(t.A({"sunsubscribe", "s1"}) == Conf("sunsubscribe", "s1", 2));
  CHECK(t.A({"unsubscribe"}) == Conf("unsubscribe", "c1", 1));
  CHECK(t.A({"punsubscribe"}) == Conf("punsubscribe", "p*", 0));
  // Still in subscribed mode: two shard channels are left.
  CHECK(t.A({"get", "x"}) == SubscribedErr("get"));
  CHECK(t.B({"spublish", "s2", "m"}) == Int(1));
  CHECK(t.B({"publish", "s2", "m"}) == Int(0));
  CHECK(t.B({"pubsub", "shardchannels"}).size() == Bulks({"s2", "s3"}).size());
  CHECK(t.B({"pubsub", "shardnumsub", "s2", "s1"}) == Array({Bulk("s2"), Int(1), Bulk("s1"), Int(0)}));
  CHECK(t.B({"pubsub", "numsub", "s2"}) == Array({Bulk("s2"), Int(0)}));
  CHECK(t.rec_a.Messages() == std::vector<RecordedMessage>{{"smessage", "", "s2", "m"}});
  CHECK(t.A({"sunsubscribe"}) == Conf("sunsubscribe", "s2", 1) + Conf("sunsubscribe", "s3", 0));
  CHECK(t.A({"get", "x"}) == kNil);
}

TEST_CASE("PUBLISH counts receivers and delivers message / pmessage", "[pubsub]") {
  PubSubHarness t;
  t.A({"subscribe", "news"});
  t.A({"psubscribe", "n*", "*s"});
  CHECK(t.B({"publish", "news", "hello"}) == Int(3));
  // The channel's subscribers first, then the patterns (in no particular order, as in Redis).
  std::vector<RecordedMessage> got = t.rec_a.Messages();
  REQUIRE(got.size() == 3);
  CHECK(got[0] == RecordedMessage{"message", "", "news", "hello"});
  std::sort(got.begin() + 1, got.end(), [](const auto& x, const auto& y) { return x.pattern < y.pattern; });
  CHECK(got[1] == RecordedMessage{"pmessage", "*s", "news", "hello"});
  CHECK(got[2] == RecordedMessage{"pmessage", "n*", "news", "hello"});
  CHECK(t.B({"publish", "zzz", "x"}) == Int(0));
  CHECK(t.rec_b.Count() == 0);
}

TEST_CASE("RESP2 subscribed mode: only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET", "[pubsub]") {
  PubSubHarness t;
  t.A({"subscribe", "ch"});
  CHECK(t.A({"get", "x"}) == SubscribedErr("get"));
  CHECK(t.A({"set", "k", "v"}) == SubscribedErr("set"));
  CHECK(t.A({"client", "list"}) == SubscribedErr("client|list"));
  CHECK(t.A({"multi"}) == SubscribedErr("multi"));
  CHECK(t.A({"publish", "ch", "x"}) == SubscribedErr("publish"));
  // Unknown commands and arity are checked first.
  CHECK(t.A({"nosuchcmd"}).rfind("-ERR unknown command 'nosuchcmd'", 0) == 0);
  CHECK(t.A({"get"}) == Arity("get"));
  // PING answers as a message-shaped array.
  CHECK(t.A({"ping"}) == Bulks({"pong", ""}));
  CHECK(t.A({"ping", "hi"}) == Bulks({"pong", "hi"}));
  CHECK(t.A({"ping", "a", "b"}) == Arity("ping"));
  CHECK(t.A({"psubscribe", "x*"}) == Conf("psubscribe", "x*", 2));
  CHECK(t.A({"ssubscribe", "s"}) == Conf("ssubscribe", "s", 1));
  // RESET unsubscribes silently and leaves subscribed mode.
  CHECK(t.A({"reset"}) == "+RESET\r\n");
  CHECK_FALSE(t.a.subscribed);
  CHECK(t.h.state().pubsub.Empty());
  CHECK(t.A({"ping"}) == "+PONG\r\n");
  CHECK(t.A({"get", "x"}) == kNil);
  CHECK(t.A({"punsubscribe"}) == ConfNull("punsubscribe", 0));
}

TEST_CASE("RESP3: confirmations are pushes, every command is allowed, PING is normal", "[pubsub][resp3]") {
  PubSubHarness t;
  t.a.resp = 3;
  CHECK(t.A({"unsubscribe"}) == ConfNull("unsubscribe", 0, '>'));
  CHECK(t.A({"subscribe", "c1", "c2"}) == Conf("subscribe", "c1", 1, '>') + Conf("subscribe", "c2", 2, '>'));
  CHECK(t.A({"psubscribe", "c*"}) == Conf("psubscribe", "c*", 3, '>'));
  CHECK(t.A({"get", "x"}) == kNull3);
  CHECK(t.A({"ping"}) == "+PONG\r\n");
  CHECK(t.A({"ping", "x"}) == Bulk("x"));
  // Publishing to itself: the harness client's messages go to its recorder.
  CHECK(t.A({"publish", "c1", "hello"}) == Int(2));
  CHECK(t.rec_a.Frames(3) == ">3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$5\r\nhello\r\n"
                             ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$5\r\nhello\r\n");
  // HELLO 2 while subscribed: RESP2 restrictions apply from then on.
  t.A({"hello", "2"});
  CHECK(t.A({"get", "x"}) == SubscribedErr("get"));
}

TEST_CASE("SUBSCRIBE inside MULTI runs at EXEC, and the client is then in subscribed mode", "[pubsub]") {
  PubSubHarness t;
  CHECK(t.A({"multi"}) == kOk);
  CHECK(t.A({"subscribe", "m1", "m2"}) == "+QUEUED\r\n");
  CHECK(t.A({"ping"}) == "+QUEUED\r\n");
  CHECK(t.A({"exec"}) ==
        "*2\r\n" + Conf("subscribe", "m1", 1) + Conf("subscribe", "m2", 2) + Bulks({"pong", ""}));
  CHECK(t.A({"get", "x"}) == SubscribedErr("get"));
}

TEST_CASE("SSUBSCRIBE inside MULTI is refused at EXEC, as Redis 7.0 does", "[pubsub]") {
  PubSubHarness t;
  CHECK(t.A({"multi"}) == kOk);
  CHECK(t.A({"ssubscribe", "ch"}) == "+QUEUED\r\n");
  CHECK(t.A({"subscribe", "a"}) == "+QUEUED\r\n");
  CHECK(t.A({"exec"}) == "*2\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n" +
                            Conf("subscribe", "a", 1));
  CHECK(t.A({"ssubscribe", "ch"}) == Conf("ssubscribe", "ch", 1));  // outside EXEC it works
}

TEST_CASE("PUBSUB CHANNELS / NUMSUB / NUMPAT / HELP", "[pubsub]") {
  PubSubHarness t;
  t.A({"subscribe", "m1", "m2", "other"});
  t.B({"subscribe", "m1"});
  t.B({"psubscribe", "x*", "y*"});
  t.A({"psubscribe", "x*"});
  ClientState& c = t.h.NewClient();
  auto C = [&](const std::vector<std::string>& argv) { return t.h.RunAs(c, argv); };
  std::string channels = C({"pubsub", "channels", "m*"});
  CHECK((channels == Bulks({"m1", "m2"}) || channels == Bulks({"m2", "m1"})));
  CHECK(C({"pubsub", "channels", "zz*"}) == kEmpty);
  CHECK(C({"pubsub", "channels"}).rfind("*3\r\n", 0) == 0);
  CHECK(C({"pubsub", "channels", "m*", "x"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP."));
  CHECK(C({"pubsub", "numsub", "m1", "m2", "nope"}) ==
        Array({Bulk("m1"), Int(2), Bulk("m2"), Int(1), Bulk("nope"), Int(0)}));
  CHECK(C({"pubsub", "numsub"}) == kEmpty);
  CHECK(C({"pubsub", "numpat"}) == Int(2));
  CHECK(C({"pubsub", "numpat", "x"}) == Arity("pubsub|numpat"));
  CHECK(C({"pubsub", "foo"}) == Err("ERR unknown subcommand 'foo'. Try PUBSUB HELP."));
  CHECK(C({"pubsub"}) == Arity("pubsub"));
  std::string help = C({"pubsub", "help"});
  CHECK(help.rfind("*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n", 0) == 0);
  CHECK(help.find("+    pattern subscriptions(default: no channels).\r\n") != std::string::npos);
  // NUMSUB is an array even in RESP3.
  c.resp = 3;
  CHECK(C({"pubsub", "numsub", "m2"}) == Array({Bulk("m2"), Int(1)}));
}

TEST_CASE("CLIENT LIST shows sub/psub/ssub and the P flag; INFO counts channels and patterns", "[pubsub]") {
  PubSubHarness t;
  t.A({"subscribe", "a", "b"});
  t.A({"psubscribe", "p*"});
  t.A({"ssubscribe", "s"});
  std::string list = t.B({"client", "list"});
  CHECK(list.find("flags=P db=0 sub=2 psub=1 ssub=1 multi=-1") != std::string::npos);
  CHECK(list.find("flags=N db=0 sub=0 psub=0 ssub=0 multi=-1") != std::string::npos);
  std::string pubsub_only = t.B({"client", "list", "type", "pubsub"});
  CHECK(pubsub_only.find("id=" + std::to_string(t.a.id) + " ") != std::string::npos);
  CHECK(pubsub_only.find("id=" + std::to_string(t.b.id) + " ") == std::string::npos);
  std::string normal_only = t.B({"client", "list", "type", "normal"});
  CHECK(normal_only.find("id=" + std::to_string(t.a.id) + " ") == std::string::npos);
  CHECK(normal_only.find("id=" + std::to_string(t.b.id) + " ") != std::string::npos);

  std::string info = t.B({"info", "stats"});
  CHECK(info.find("pubsub_channels:2\r\npubsub_patterns:1\r\npubsubshard_channels:1\r\n") != std::string::npos);
  t.A({"reset"});
  info = t.B({"info", "stats"});
  CHECK(info.find("pubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n") != std::string::npos);
}

TEST_CASE("A client without a subscriber cannot subscribe", "[pubsub]") {
  CommandHarness h;
  CHECK(h.Run({"subscribe", "x"}) == Err("ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client"));
  CHECK(h.Run({"unsubscribe", "x"}) == Conf("unsubscribe", "x", 0));
  CHECK(h.Run({"publish", "x", "y"}) == Int(0));
}

TEST_CASE("COMMAND INFO flags of the pub/sub commands", "[pubsub]") {
  CommandHarness h;
  const CommandSpec* publish = h.table().Find("publish");
  REQUIRE(publish != nullptr);
  CHECK(FlagNames(publish->flags) == std::vector<std::string_view>{"pubsub", "loading", "stale", "fast"});
  const CommandSpec* sub = h.table().Find("SUBSCRIBE");
  REQUIRE(sub != nullptr);
  CHECK(FlagNames(sub->flags) == std::vector<std::string_view>{"pubsub", "noscript", "loading", "stale"});
  const CommandSpec* ssub = h.table().Find("ssubscribe");
  REQUIRE(ssub != nullptr);
  CHECK((ssub->first_key == 1 && ssub->last_key == -1 && ssub->step == 1));
}

}  // namespace
}  // namespace redrock::server
