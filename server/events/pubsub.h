#pragma once
// The pub/sub registry: channels, patterns (KEYS-style globs) and shard channels, and who is subscribed
// to each. One per server (ServerState::pubsub). Thread-safe: clients live on different I/O threads, and
// keyspace notifications are published from the engine's expiry thread too.
//
// A subscriber is anything that can take a message from any thread: the connection (which posts it to
// its own executor and writes it when it can), or a test receiver. Messages are counted as Redis counts
// them: a client subscribed to the channel and to two matching patterns is three receivers.

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace redrock::server {

struct ClientState;
class Config;

// One delivered message, already encoded as the RESP2 array Redis sends ("*3\r\n$7\r\nmessage\r\n...").
// A RESP3 receiver writes the same bytes with '>' (a push) instead of the leading '*': both headers have
// the same length, so the size is the same in either protocol. Immutable and shared by every receiver.
class PubSubMessage {
 public:
  enum class Kind : uint8_t { kMessage, kPMessage, kSMessage };

  PubSubMessage(Kind kind, std::string_view pattern, std::string_view channel, std::string_view payload);

  Kind kind() const { return kind_; }
  std::string_view pattern() const { return Field(pattern_); }  // empty unless kPMessage
  std::string_view channel() const { return Field(channel_); }
  std::string_view payload() const { return Field(payload_); }
  // The RESP2 encoding; see AppendTo for RESP3.
  const std::string& frame() const { return frame_; }
  // Appends the message as `resp` (2: array, 3: push) to `out`.
  void AppendTo(std::string* out, int resp) const;

 private:
  struct Span {
    size_t offset = 0;
    size_t size = 0;
  };
  std::string_view Field(Span s) const { return std::string_view(frame_).substr(s.offset, s.size); }
  void AppendBulk(std::string_view s, Span* where);

  Kind kind_;
  std::string frame_;
  Span pattern_, channel_, payload_;
};

// Receives messages. Deliver is called from any thread, with the registry's lock held (shared): it must
// not block and must not call back into the registry.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void Deliver(const std::shared_ptr<const PubSubMessage>& message) = 0;
};

enum class SubscriptionKind : uint8_t { kChannel, kPattern, kShardChannel };

// A client's subscription counts.
struct SubscriptionCounts {
  int64_t channels = 0;
  int64_t patterns = 0;
  int64_t shard_channels = 0;
  int64_t total() const { return channels + patterns + shard_channels; }
};

// client-output-buffer-limit for the pubsub class. 0 disables a limit.
struct OutputBufferLimit {
  uint64_t hard_bytes = 0;
  uint64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};

class PubSub {
 public:
  // Reads notify-keyspace-events and client-output-buffer-limit from state.config into `state`, and keeps
  // them current on every later CONFIG SET (the callbacks do nothing once this registry is gone).
  // Follows the config's client-output-buffer-limit (pubsub class), CONFIG SET included.
  explicit PubSub(Config& config);
  ~PubSub();
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Adds one subscription (no-op when it exists). Returns the subscriber's counts afterwards.
  SubscriptionCounts Subscribe(Subscriber& sub, SubscriptionKind kind, std::string_view name);
  // Removes one subscription (no-op when it does not exist). Returns the counts afterwards.
  SubscriptionCounts Unsubscribe(Subscriber& sub, SubscriptionKind kind, std::string_view name);
  // The subscriber's channels, patterns or shard channels, in the order it subscribed to them.
  std::vector<std::string> SubscriptionsOf(const Subscriber& sub, SubscriptionKind kind) const;
  SubscriptionCounts CountsOf(const Subscriber& sub) const;
  // Drops every subscription of `sub` (a closing connection, RESET). After it returns, `sub` receives
  // nothing more and may be destroyed.
  void UnsubscribeAll(Subscriber& sub);

  // PUBLISH: delivers to the channel's subscribers and to every subscriber of a matching pattern.
  // Returns the number of receivers.
  int64_t Publish(std::string_view channel, std::string_view payload);
  // SPUBLISH: shard-channel subscribers only.
  int64_t PublishShard(std::string_view channel, std::string_view payload);

  // Introspection (PUBSUB, INFO). `pattern` empty = everything.
  std::vector<std::string> Channels(std::string_view pattern) const;
  std::vector<std::string> ShardChannels(std::string_view pattern) const;
  int64_t NumSubscribers(std::string_view channel) const;
  int64_t NumShardSubscribers(std::string_view channel) const;
  int64_t ChannelCount() const;       // channels with at least one subscriber
  int64_t PatternCount() const;       // distinct patterns (PUBSUB NUMPAT, as Redis 7 counts)
  int64_t ShardChannelCount() const;

  // True while nobody is subscribed to anything: publishing is then free (one atomic load).
  bool Empty() const { return subscriptions_.load(std::memory_order_acquire) == 0; }

  // The current pubsub-class output buffer limit (client-output-buffer-limit).
  OutputBufferLimit pubsub_limit() const;
  void set_pubsub_limit(const OutputBufferLimit& limit);

 private:
  // Insertion-ordered set of names (a client's subscriptions, replayed in order by UNSUBSCRIBE).
  struct OrderedNames {
    std::list<std::string> order;
    std::unordered_map<std::string_view, std::list<std::string>::iterator> index;
    bool Insert(std::string_view name);
    bool Erase(std::string_view name);
    size_t size() const { return order.size(); }
  };
  struct ClientSubs {
    OrderedNames channels, patterns, shard_channels;
    OrderedNames& Of(SubscriptionKind kind);
    const OrderedNames& Of(SubscriptionKind kind) const;
    SubscriptionCounts Counts() const;
  };
  // Looked up by string_view (no allocation per PUBLISH).
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Receivers = std::unordered_map<std::string, std::unordered_set<Subscriber*>, NameHash, std::equal_to<>>;

  Receivers& MapOf(SubscriptionKind kind);
  SubscriptionCounts CountsLocked(const Subscriber& sub) const;
  std::vector<std::string> NamesLocked(const Receivers& map, std::string_view pattern) const;

  mutable std::shared_mutex mu_;
  Receivers channels_, patterns_, shard_channels_;
  std::unordered_map<const Subscriber*, ClientSubs> clients_;
  std::atomic<int64_t> subscriptions_{0};  // total over every client and kind

  std::atomic<uint64_t> limit_hard_{0}, limit_soft_{0};
  std::atomic<int64_t> limit_seconds_{0};

  // Config callbacks hold a weak reference: they outlive the registry.
  std::shared_ptr<PubSub*> alive_;
};

// The RESP2 subscribed-mode rule: while a RESP2 client has subscriptions only (P|S)SUBSCRIBE,
// (P|S)UNSUBSCRIBE, PING, QUIT and RESET may run. `name` is the top-level command name (lower case).
bool AllowedWhileSubscribed(std::string_view name);
// "ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / ... are allowed in this context".
std::string SubscribedModeError(std::string_view full_name);

// Publishes the subscription counts into the client (CLIENT LIST reads them; Dispatch and PING test
// ClientState::subscribed).
void SetClientSubscriptionCounts(ClientState& client, const SubscriptionCounts& counts);
// RESET and connection close: drops every subscription of the client, silently.
void UnsubscribeClientFromAll(PubSub& pubsub, ClientState& client);

}  // namespace redrock::server
