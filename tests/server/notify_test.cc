// Keyspace-notification machinery: flag letters both ways (Redis 7.0.15's strings), CONFIG SET / GET /
// config file wiring into ServerState, channel names, and publishing to a test receiver.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "server/events/notify.h"
#include "server/events/pubsub.h"
#include "tests/support/command_harness.h"
#include "tests/support/recording_subscriber.h"
#include "tests/support/resp_builders.h"
#include "tests/support/temp_dir.h"
#include "tests/support/engine_test_peer.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;
using testing::RecordedMessage;
using testing::RecordingSubscriber;

uint32_t Parse(std::string_view letters) {
  uint32_t flags = 0xdeadbeef;
  REQUIRE(ParseNotifyFlags(letters, &flags));
  return flags;
}

TEST_CASE("ParseNotifyFlags: Redis's letters", "[notify]") {
  CHECK(Parse("") == 0);
  CHECK(Parse("KEA") == (kNotifyKeyspace | kNotifyKeyevent | kNotifyAll));
  CHECK(Parse("Ex") == (kNotifyKeyevent | kNotifyExpired));
  CHECK(Parse("K$") == (kNotifyKeyspace | kNotifyString));
  CHECK(Parse("Eg$lshzxetmdn") == (kNotifyKeyevent | kNotifyAll | kNotifyKeyMiss | kNotifyNew));
  CHECK(Parse("KEAn") == (kNotifyKeyspace | kNotifyKeyevent | kNotifyAll | kNotifyNew));
  // Classes without K or E send nothing.
  CHECK(Parse("g") == 0);
  CHECK(Parse("A") == 0);
  uint32_t flags = 7;
  CHECK_FALSE(ParseNotifyFlags("Q", &flags));
  CHECK_FALSE(ParseNotifyFlags("KEQ", &flags));
  CHECK_FALSE(ParseNotifyFlags("a", &flags));  // letters are case-sensitive
  CHECK(flags == 7);                            // untouched on failure
}

TEST_CASE("NotifyFlagsToString: Redis's canonical order", "[notify]") {
  CHECK(NotifyFlagsToString(0).empty());
  CHECK(NotifyFlagsToString(Parse("KEA")) == "AKE");
  CHECK(NotifyFlagsToString(Parse("KEAn")) == "AKE");  // Redis 7.0 drops n next to A
  CHECK(NotifyFlagsToString(Parse("AKEm")) == "AKEm");
  CHECK(NotifyFlagsToString(Parse("Kg$lshzxetd")) == "AK");
  CHECK(NotifyFlagsToString(Parse("Ez")) == "zE");
  CHECK(NotifyFlagsToString(Parse("xE")) == "xE");
  CHECK(NotifyFlagsToString(Parse("mK")) == "Km");
  CHECK(NotifyFlagsToString(Parse("EnxdtK")) == "xtdnKE");
  CHECK(NotifyFlagsToString(kNotifyGeneric) == "g");
  CHECK(NotifyFlagsToString(kNotifyGeneric | kNotifyKeyspace) == "gK");
}

TEST_CASE("notify-keyspace-events: CONFIG SET / GET update the server state", "[notify][config]") {
  CommandHarness h;
  CHECK(h.state().notify_keyspace_events.load() == 0);
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "KEA"}) == kOk);
  CHECK(h.state().notify_keyspace_events.load() == (kNotifyKeyspace | kNotifyKeyevent | kNotifyAll));
  CHECK(h.Run({"config", "get", "notify-keyspace-events"}) == Bulks({"notify-keyspace-events", "AKE"}));
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "Ex"}) == kOk);
  CHECK(h.state().notify_keyspace_events.load() == (kNotifyKeyevent | kNotifyExpired));
  CHECK(h.Run({"config", "get", "notify-keyspace-events"}) == Bulks({"notify-keyspace-events", "xE"}));
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "Q"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class "
            "character. Use 'Ag$lshzxeKEtmdn'."));
  CHECK(h.state().notify_keyspace_events.load() == (kNotifyKeyevent | kNotifyExpired));  // unchanged
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "g"}) == kOk);
  CHECK(h.Run({"config", "get", "notify-keyspace-events"}) == Bulks({"notify-keyspace-events", "g"}));
  CHECK(h.state().notify_keyspace_events.load() == 0);
  CHECK(h.Run({"config", "set", "notify-keyspace-events", ""}) == kOk);
  CHECK(h.state().notify_keyspace_events.load() == 0);
}

TEST_CASE("notify-keyspace-events from the config file reaches a new server state", "[notify][config]") {
  redrock::testing::TempDir dir("redrock-notify-test");
  engine::Options options;
  options.dir = dir.str();
  options.active_expiry = false;
  auto engine = engine::Engine::Open(options);
  REQUIRE(engine.ok());
  Config config;
  REQUIRE(config.Set("notify-keyspace-events", "KEx", ConfigSource::kStartup).ok());
  REQUIRE(config.Set("client-output-buffer-limit", "pubsub 1mb 512kb 7", ConfigSource::kStartup).ok());
  {
    ServerState state(*engine.value(), config);
    CHECK(state.notify_keyspace_events.load() == (kNotifyKeyspace | kNotifyKeyevent | kNotifyExpired));
    OutputBufferLimit limit = state.pubsub.pubsub_limit();
    CHECK(limit.hard_bytes == 1024 * 1024);
    CHECK(limit.soft_bytes == 512 * 1024);
    CHECK(limit.soft_seconds == 7);
    REQUIRE(config.Set("client-output-buffer-limit", "pubsub 100 0 0", ConfigSource::kRuntime).ok());
    CHECK(state.pubsub.pubsub_limit().hard_bytes == 100);
    CHECK(state.pubsub.pubsub_limit().soft_bytes == 0);
  }
  // The callbacks outlive that state and must do nothing now.
  CHECK(config.Set("notify-keyspace-events", "E$", ConfigSource::kRuntime).ok());
}

TEST_CASE("Default pubsub output buffer limit is Redis's 32mb 8mb 60", "[notify][config]") {
  CommandHarness h;
  OutputBufferLimit limit = h.state().pubsub.pubsub_limit();
  CHECK(limit.hard_bytes == 33554432);
  CHECK(limit.soft_bytes == 8388608);
  CHECK(limit.soft_seconds == 60);
}

TEST_CASE("NotifyKeyspaceEvent publishes __keyspace@db__:key and __keyevent@db__:event", "[notify]") {
  CommandHarness h;
  ServerState& st = h.state();
  RecordingSubscriber rec;
  st.pubsub.Subscribe(rec, SubscriptionKind::kPattern, "__key*__:*");

  // Off: nothing.
  NotifyKeyspaceEvent(st, kNotifyString, "set", "k", 0);
  CHECK(rec.Count() == 0);

  st.notify_keyspace_events = kNotifyKeyspace | kNotifyKeyevent | kNotifyAll;
  NotifyKeyspaceEvent(st, kNotifyString, "set", "user:1", 3);
  CHECK(rec.Messages() == std::vector<RecordedMessage>{
                              {"pmessage", "__key*__:*", "__keyspace@3__:user:1", "set"},
                              {"pmessage", "__key*__:*", "__keyevent@3__:set", "user:1"}});
  rec.Clear();

  // Only the configured classes.
  st.notify_keyspace_events = kNotifyKeyevent | kNotifyExpired;
  NotifyKeyspaceEvent(st, kNotifyString, "set", "k", 0);
  NotifyKeyspaceEvent(st, kNotifyGeneric, "del", "k", 0);
  CHECK(rec.Count() == 0);
  NotifyKeyspaceEvent(st, kNotifyExpired, "expired", "session:9", 0);
  CHECK(rec.Messages() ==
        std::vector<RecordedMessage>{{"pmessage", "__key*__:*", "__keyevent@0__:expired", "session:9"}});
  rec.Clear();

  // K only.
  st.notify_keyspace_events = kNotifyKeyspace | kNotifyHash;
  NotifyKeyspaceEvent(st, kNotifyHash, "hset", "h", 15);
  CHECK(rec.Messages() == std::vector<RecordedMessage>{{"pmessage", "__key*__:*", "__keyspace@15__:h", "hset"}});
  rec.Clear();

  // Binary keys pass through unchanged.
  st.notify_keyspace_events = kNotifyKeyevent | kNotifyGeneric;
  const std::string key("a\0b\r\n", 5);
  NotifyKeyspaceEvent(st, kNotifyGeneric, "del", key, 0);
  REQUIRE(rec.Count() == 1);
  CHECK(rec.Messages()[0].payload == key);
  st.pubsub.UnsubscribeAll(rec);
}

TEST_CASE("Keyspace events are counted as PUBLISH counts them and are safe from any thread", "[notify][concurrency]") {
  CommandHarness h;
  ServerState& st = h.state();
  st.notify_keyspace_events = kNotifyKeyevent | kNotifyExpired;
  RecordingSubscriber rec;
  st.pubsub.Subscribe(rec, SubscriptionKind::kChannel, "__keyevent@0__:expired");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) NotifyKeyspaceEvent(st, kNotifyExpired, "expired", std::to_string(t * 1000 + i), 0);
    });
  }
  for (auto& th : threads) th.join();
  CHECK(rec.Count() == 1000);
  st.pubsub.UnsubscribeAll(rec);
}

TEST_CASE("A subscribed harness client receives keyspace events of other clients' commands", "[notify]") {
  CommandHarness h;
  RecordingSubscriber rec;
  h.client().subscriber = &rec;
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "E$"}) == kOk);
  CHECK(h.Run({"subscribe", "__keyevent@0__:set"}) ==
        "*3\r\n" + Bulk("subscribe") + Bulk("__keyevent@0__:set") + Int(1));
  // Whatever command family sends "set" (the watch engineer's call sites), the machinery delivers it.
  NotifyKeyspaceEvent(h.state(), kNotifyString, "set", "k", 0);
  CHECK(rec.Messages() == std::vector<RecordedMessage>{{"message", "", "__keyevent@0__:set", "k"}});
}

TEST_CASE("Expiry sends one expired event through the engine's key-event sink", "[notify][expiry]") {
  CommandHarness h;  // ManualClock; active expiry runs only when the test asks
  RecordingSubscriber rec;
  h.client().subscriber = &rec;
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "Ex"}) == kOk);
  h.Run({"subscribe", "__keyevent@0__:expired"});
  ClientState& other = h.NewClient();
  CHECK(h.RunAs(other, {"set", "session:1", "v", "PX", "10"}) == kOk);
  CHECK(h.RunAs(other, {"set", "session:2", "v", "PX", "10"}) == kOk);
  engine::EngineTestPeer::RunExpiryCycle(h.engine());
  CHECK(rec.Count() == 0);
  h.clock().AdvanceMs(20);
  // Nobody touches session:1: the active expiry pass reports it.
  engine::EngineTestPeer::RunExpiryCycle(h.engine());
  std::vector<RecordedMessage> got = rec.Messages();
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.payload < b.payload; });
  CHECK(got == std::vector<RecordedMessage>{{"message", "", "__keyevent@0__:expired", "session:1"},
                                            {"message", "", "__keyevent@0__:expired", "session:2"}});
  // Once per key.
  engine::EngineTestPeer::RunExpiryCycle(h.engine());
  CHECK(h.RunAs(other, {"get", "session:1"}) == kNil);
  CHECK(rec.Count() == 2);
}

}  // namespace
}  // namespace redrock::server
