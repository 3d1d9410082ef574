// Keyspace notifications: Redis's notify.c (keyspaceEventsStringToFlags, keyspaceEventsFlagsToString,
// notifyKeyspaceEvent) over the pub/sub registry.

#include "server/events/notify.h"

#include <string>

#include "common/number_format.h"
#include "redrock/server/config.h"
#include "server/events/pubsub.h"

namespace redrock::server {

std::shared_ptr<void> FollowNotifyKeyspaceEvents(Config& config, std::atomic<uint32_t>& flags) {
  uint32_t parsed = 0;
  if (auto v = config.Get("notify-keyspace-events"); v && ParseNotifyFlags(*v, &parsed)) {
    flags.store(parsed, std::memory_order_relaxed);
  }
  auto token = std::make_shared<std::atomic<uint32_t>*>(&flags);
  std::weak_ptr<std::atomic<uint32_t>*> alive = token;
  config.OnChange("notify-keyspace-events", [alive](const std::string& value) {
    auto target = alive.lock();
    uint32_t updated = 0;
    if (target && ParseNotifyFlags(value, &updated)) (*target)->store(updated);
  });
  return token;
}

bool ParseNotifyFlags(std::string_view letters, uint32_t* flags) {
  uint32_t f = 0;
  for (char c : letters) {
    switch (c) {
      case 'A': f |= kNotifyAll; break;
      case 'g': f |= kNotifyGeneric; break;
      case '$': f |= kNotifyString; break;
      case 'l': f |= kNotifyList; break;
      case 's': f |= kNotifySet; break;
      case 'h': f |= kNotifyHash; break;
      case 'z': f |= kNotifyZSet; break;
      case 'x': f |= kNotifyExpired; break;
      case 'e': f |= kNotifyEvicted; break;
      case 'K': f |= kNotifyKeyspace; break;
      case 'E': f |= kNotifyKeyevent; break;
      case 't': f |= kNotifyStream; break;
      case 'm': f |= kNotifyKeyMiss; break;
      case 'd': f |= kNotifyModule; break;
      case 'n': f |= kNotifyNew; break;
      default: return false;
    }
  }
  // Without K or E no channel is ever written to (notifyKeyspaceEvent checks both per channel).
  if (!(f & (kNotifyKeyspace | kNotifyKeyevent))) f = 0;
  *flags = f;
  return true;
}

std::string NotifyFlagsToString(uint32_t flags) {
  std::string res;
  if ((flags & kNotifyAll) == kNotifyAll) {
    // As Redis 7.0 prints it: "n" is only listed without "A" (KEAn reads back as AKE).
    res += 'A';
  } else {
    if (flags & kNotifyGeneric) res += 'g';
    if (flags & kNotifyString) res += '$';
    if (flags & kNotifyList) res += 'l';
    if (flags & kNotifySet) res += 's';
    if (flags & kNotifyHash) res += 'h';
    if (flags & kNotifyZSet) res += 'z';
    if (flags & kNotifyExpired) res += 'x';
    if (flags & kNotifyEvicted) res += 'e';
    if (flags & kNotifyStream) res += 't';
    if (flags & kNotifyModule) res += 'd';
    if (flags & kNotifyNew) res += 'n';
  }
  if (flags & kNotifyKeyspace) res += 'K';
  if (flags & kNotifyKeyevent) res += 'E';
  if (flags & kNotifyKeyMiss) res += 'm';
  return res;
}

void NotifyKeyspaceEventSlow(ServerState& server, uint32_t type, std::string_view event, std::string_view key,
                             int db) {
  const uint32_t flags = server.notify_keyspace_events.load(std::memory_order_relaxed);
  if (!(flags & type)) return;
  PubSub& pubsub = server.pubsub;
  // Nobody listening: skip building the channel names.
  if (pubsub.Empty()) return;
  char db_buf[24];
  const std::string_view db_text = common::FormatInt64(db, db_buf);
  // The channel name is built in a per-thread buffer that keeps its capacity: no allocation per event.
  // Publish does not call back into here (subscribers must not re-enter the registry).
  thread_local std::string channel;
  auto publish = [&](std::string_view kind, std::string_view suffix, std::string_view payload) {
    channel.assign(kind).append(db_text).append("__:").append(suffix);
    pubsub.Publish(channel, payload);
  };
  if (flags & kNotifyKeyspace) publish("__keyspace@", key, event);
  if (flags & kNotifyKeyevent) publish("__keyevent@", event, key);
}

}  // namespace redrock::server
