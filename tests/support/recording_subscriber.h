#pragma once
// A pub/sub Subscriber that records every message it receives, so in-process tests can observe PUBLISH,
// keyspace notifications and expiry events without sockets:
//
//   RecordingSubscriber rec;
//   h.client().subscriber = &rec;           // the harness client now receives into `rec`
//   h.Run({"subscribe", "ch"});
//   h.RunAs(other, {"publish", "ch", "hi"});
//   REQUIRE(rec.Messages() == std::vector<RecordedMessage>{{"message", "", "ch", "hi"}});
//
// Thread-safe: messages may arrive from any thread (the engine's expiry thread, other clients).

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "server/events/pubsub.h"

namespace redrock::server::testing {

struct RecordedMessage {
  std::string kind;     // "message", "pmessage", "smessage"
  std::string pattern;  // pmessage only
  std::string channel;
  std::string payload;
  bool operator==(const RecordedMessage&) const = default;
};

std::ostream& operator<<(std::ostream& os, const RecordedMessage& m);

class RecordingSubscriber : public Subscriber {
 public:
  void Deliver(const std::shared_ptr<const PubSubMessage>& message) override;

  std::vector<RecordedMessage> Messages() const;
  // The raw frames received, each encoded for `resp` (2: arrays, 3: pushes), concatenated.
  std::string Frames(int resp = 2) const;
  size_t Count() const;
  void Clear();
  // Waits until at least `n` messages arrived; false after timeout_ms (for deliveries from other threads).
  bool WaitForCount(size_t n, int timeout_ms = 5000) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::shared_ptr<const PubSubMessage>> messages_;
};

}  // namespace redrock::server::testing
