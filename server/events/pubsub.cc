#include "server/events/pubsub.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>

#include "common/glob.h"
#include "server/core/client_state.h"
#include "redrock/server/config.h"
#include "server/config/config_loader.h"

namespace redrock::server {

namespace {

constexpr std::string_view kKindNames[] = {"message", "pmessage", "smessage"};

void AppendHeader(std::string* out, char prefix, size_t n) {
  out->push_back(prefix);
  out->append(std::to_string(n));
  out->append("\r\n");
}

template <typename T>
bool ParseWhole(const std::string& word, T* out) {
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), *out);
  return ec == std::errc() && end == word.data() + word.size();
}

// The pubsub group of client-output-buffer-limit's normalised value ("normal 0 0 0 slave ... pubsub H S N").
bool ParsePubSubLimit(std::string_view value, OutputBufferLimit* out) {
  std::vector<std::string> words;
  if (!SplitConfigArgs(value, &words)) return false;
  for (size_t i = 0; i + 3 < words.size(); i += 4) {
    if (words[i] != "pubsub") continue;
    OutputBufferLimit limit;
    if (!ParseWhole(words[i + 1], &limit.hard_bytes) || !ParseWhole(words[i + 2], &limit.soft_bytes) ||
        !ParseWhole(words[i + 3], &limit.soft_seconds)) {
      return false;
    }
    *out = limit;
    return true;
  }
  return false;
}

}  // namespace

// ---- PubSubMessage ---------------------------------------------------------------------------------

PubSubMessage::PubSubMessage(Kind kind, std::string_view pattern, std::string_view channel,
                             std::string_view payload)
    : kind_(kind) {
  const std::string_view name = kKindNames[static_cast<int>(kind)];
  const bool with_pattern = kind == Kind::kPMessage;
  frame_.reserve(32 + name.size() + pattern.size() + channel.size() + payload.size());
  AppendHeader(&frame_, '*', with_pattern ? 4 : 3);
  Span ignored;
  AppendBulk(name, &ignored);
  if (with_pattern) AppendBulk(pattern, &pattern_);
  AppendBulk(channel, &channel_);
  AppendBulk(payload, &payload_);
}

void PubSubMessage::AppendBulk(std::string_view s, Span* where) {
  AppendHeader(&frame_, '$', s.size());
  where->offset = frame_.size();
  where->size = s.size();
  frame_.append(s);
  frame_.append("\r\n");
}

void PubSubMessage::AppendTo(std::string* out, int resp) const {
  out->push_back(resp >= 3 ? '>' : '*');
  out->append(frame_, 1, std::string::npos);
}

// ---- PubSub: subscriptions ---------------------------------------------------------------------------

bool PubSub::OrderedNames::Insert(std::string_view name) {
  if (index.count(name)) return false;
  order.emplace_back(name);
  auto it = std::prev(order.end());
  index.emplace(std::string_view(*it), it);
  return true;
}

bool PubSub::OrderedNames::Erase(std::string_view name) {
  auto found = index.find(name);
  if (found == index.end()) return false;
  auto it = found->second;
  index.erase(found);
  order.erase(it);
  return true;
}

PubSub::OrderedNames& PubSub::ClientSubs::Of(SubscriptionKind kind) {
  switch (kind) {
    case SubscriptionKind::kChannel: return channels;
    case SubscriptionKind::kPattern: return patterns;
    case SubscriptionKind::kShardChannel: break;
  }
  return shard_channels;
}

const PubSub::OrderedNames& PubSub::ClientSubs::Of(SubscriptionKind kind) const {
  return const_cast<ClientSubs*>(this)->Of(kind);
}

SubscriptionCounts PubSub::ClientSubs::Counts() const {
  return {static_cast<int64_t>(channels.size()), static_cast<int64_t>(patterns.size()),
          static_cast<int64_t>(shard_channels.size())};
}

PubSub::Receivers& PubSub::MapOf(SubscriptionKind kind) {
  switch (kind) {
    case SubscriptionKind::kChannel: return channels_;
    case SubscriptionKind::kPattern: return patterns_;
    case SubscriptionKind::kShardChannel: break;
  }
  return shard_channels_;
}

PubSub::PubSub(Config& config) : alive_(std::make_shared<PubSub*>(this)) {
  OutputBufferLimit limit;
  if (auto v = config.Get("client-output-buffer-limit"); v && ParsePubSubLimit(*v, &limit)) set_pubsub_limit(limit);
  std::weak_ptr<PubSub*> alive = alive_;
  config.OnChange("client-output-buffer-limit", [alive](const std::string& value) {
    auto self = alive.lock();
    OutputBufferLimit parsed;
    if (self && ParsePubSubLimit(value, &parsed)) (*self)->set_pubsub_limit(parsed);
  });
}

PubSub::~PubSub() = default;

SubscriptionCounts PubSub::Subscribe(Subscriber& sub, SubscriptionKind kind, std::string_view name) {
  std::unique_lock lock(mu_);
  ClientSubs& subs = clients_[&sub];
  if (subs.Of(kind).Insert(name)) {
    MapOf(kind)[std::string(name)].insert(&sub);
    subscriptions_.fetch_add(1, std::memory_order_release);
  }
  return subs.Counts();
}

SubscriptionCounts PubSub::Unsubscribe(Subscriber& sub, SubscriptionKind kind, std::string_view name) {
  std::unique_lock lock(mu_);
  auto client = clients_.find(&sub);
  if (client == clients_.end()) return {};
  if (client->second.Of(kind).Erase(name)) {
    Receivers& map = MapOf(kind);
    auto it = map.find(name);
    if (it != map.end()) {
      it->second.erase(&sub);
      if (it->second.empty()) map.erase(it);
    }
    subscriptions_.fetch_sub(1, std::memory_order_release);
  }
  SubscriptionCounts counts = client->second.Counts();
  if (counts.total() == 0) clients_.erase(client);
  return counts;
}

std::vector<std::string> PubSub::SubscriptionsOf(const Subscriber& sub, SubscriptionKind kind) const {
  std::shared_lock lock(mu_);
  auto client = clients_.find(&sub);
  if (client == clients_.end()) return {};
  const auto& order = client->second.Of(kind).order;
  return std::vector<std::string>(order.begin(), order.end());
}

SubscriptionCounts PubSub::CountsLocked(const Subscriber& sub) const {
  auto client = clients_.find(&sub);
  return client == clients_.end() ? SubscriptionCounts{} : client->second.Counts();
}

SubscriptionCounts PubSub::CountsOf(const Subscriber& sub) const {
  std::shared_lock lock(mu_);
  return CountsLocked(sub);
}

void PubSub::UnsubscribeAll(Subscriber& sub) {
  std::unique_lock lock(mu_);
  auto client = clients_.find(&sub);
  if (client == clients_.end()) return;
  for (SubscriptionKind kind :
       {SubscriptionKind::kChannel, SubscriptionKind::kPattern, SubscriptionKind::kShardChannel}) {
    Receivers& map = MapOf(kind);
    for (const std::string& name : client->second.Of(kind).order) {
      auto it = map.find(name);
      if (it == map.end()) continue;
      it->second.erase(&sub);
      if (it->second.empty()) map.erase(it);
      subscriptions_.fetch_sub(1, std::memory_order_release);
    }
  }
  clients_.erase(client);
}

// ---- PubSub: publishing ------------------------------------------------------------------------------

int64_t PubSub::Publish(std::string_view channel, std::string_view payload) {
  if (Empty()) return 0;
  int64_t receivers = 0;
  std::shared_lock lock(mu_);
  if (auto it = channels_.find(channel); it != channels_.end()) {
    auto message = std::make_shared<const PubSubMessage>(PubSubMessage::Kind::kMessage, "", channel, payload);
    for (Subscriber* sub : it->second) {
      sub->Deliver(message);
      ++receivers;
    }
  }
  for (const auto& [pattern, subs] : patterns_) {
    if (!common::GlobMatch(pattern, channel)) continue;
    auto message = std::make_shared<const PubSubMessage>(PubSubMessage::Kind::kPMessage, pattern, channel, payload);
    for (Subscriber* sub : subs) {
      sub->Deliver(message);
      ++receivers;
    }
  }
  return receivers;
}

int64_t PubSub::PublishShard(std::string_view channel, std::string_view payload) {
  if (Empty()) return 0;
  std::shared_lock lock(mu_);
  auto it = shard_channels_.find(channel);
  if (it == shard_channels_.end()) return 0;
  auto message = std::make_shared<const PubSubMessage>(PubSubMessage::Kind::kSMessage, "", channel, payload);
  for (Subscriber* sub : it->second) sub->Deliver(message);
  return static_cast<int64_t>(it->second.size());
}

// ---- PubSub: introspection ---------------------------------------------------------------------------

std::vector<std::string> PubSub::NamesLocked(const Receivers& map, std::string_view pattern) const {
  std::vector<std::string> names;
  for (const auto& [name, subs] : map) {
    if (pattern.empty() || common::GlobMatch(pattern, name)) names.push_back(name);
  }
  return names;
}

std::vector<std::string> PubSub::Channels(std::string_view pattern) const {
  std::shared_lock lock(mu_);
  return NamesLocked(channels_, pattern);
}

std::vector<std::string> PubSub::ShardChannels(std::string_view pattern) const {
  std::shared_lock lock(mu_);
  return NamesLocked(shard_channels_, pattern);
}

int64_t PubSub::NumSubscribers(std::string_view channel) const {
  std::shared_lock lock(mu_);
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSub::NumShardSubscribers(std::string_view channel) const {
  std::shared_lock lock(mu_);
  auto it = shard_channels_.find(channel);
  return it == shard_channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSub::ChannelCount() const {
  std::shared_lock lock(mu_);
  return static_cast<int64_t>(channels_.size());
}

int64_t PubSub::PatternCount() const {
  std::shared_lock lock(mu_);
  return static_cast<int64_t>(patterns_.size());
}

int64_t PubSub::ShardChannelCount() const {
  std::shared_lock lock(mu_);
  return static_cast<int64_t>(shard_channels_.size());
}

OutputBufferLimit PubSub::pubsub_limit() const {
  return {limit_hard_.load(std::memory_order_relaxed), limit_soft_.load(std::memory_order_relaxed),
          limit_seconds_.load(std::memory_order_relaxed)};
}

void PubSub::set_pubsub_limit(const OutputBufferLimit& limit) {
  limit_hard_.store(limit.hard_bytes, std::memory_order_relaxed);
  limit_soft_.store(limit.soft_bytes, std::memory_order_relaxed);
  limit_seconds_.store(limit.soft_seconds, std::memory_order_relaxed);
}

// ---- Client helpers ----------------------------------------------------------------------------------

bool AllowedWhileSubscribed(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kAllowed = {
      "subscribe", "ssubscribe", "psubscribe", "unsubscribe", "sunsubscribe", "punsubscribe",
      "ping",      "quit",       "reset"};
  return std::find(kAllowed.begin(), kAllowed.end(), name) != kAllowed.end();
}

std::string SubscribedModeError(std::string_view full_name) {
  return "ERR Can't execute '" + std::string(full_name) +
         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
}

void SetClientSubscriptionCounts(ClientState& client, const SubscriptionCounts& counts) {
  client.sub_channels.store(static_cast<int>(counts.channels), std::memory_order_relaxed);
  client.sub_patterns.store(static_cast<int>(counts.patterns), std::memory_order_relaxed);
  client.sub_shard_channels.store(static_cast<int>(counts.shard_channels), std::memory_order_relaxed);
  client.subscribed = counts.total() > 0;
}

void UnsubscribeClientFromAll(PubSub& pubsub, ClientState& client) {
  if (client.subscriber != nullptr && client.subscribed) pubsub.UnsubscribeAll(*client.subscriber);
  SetClientSubscriptionCounts(client, {});
}

}  // namespace redrock::server
