#include "tests/support/recording_subscriber.h"

#include <chrono>

namespace redrock::server::testing {

namespace {
std::string KindName(PubSubMessage::Kind kind) {
  switch (kind) {
    case PubSubMessage::Kind::kMessage: return "message";
    case PubSubMessage::Kind::kPMessage: return "pmessage";
    case PubSubMessage::Kind::kSMessage: return "smessage";
  }
  return "?";
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const RecordedMessage& m) {
  return os << "{" << m.kind << " pattern='" << m.pattern << "' channel='" << m.channel << "' payload='"
            << m.payload << "'}";
}

void RecordingSubscriber::Deliver(const std::shared_ptr<const PubSubMessage>& message) {
  {
    std::lock_guard lock(mu_);
    messages_.push_back(message);
  }
  cv_.notify_all();
}

std::vector<RecordedMessage> RecordingSubscriber::Messages() const {
  std::lock_guard lock(mu_);
  std::vector<RecordedMessage> out;
  for (const auto& m : messages_) {
    out.push_back({KindName(m->kind()), std::string(m->pattern()), std::string(m->channel()),
                   std::string(m->payload())});
  }
  return out;
}

std::string RecordingSubscriber::Frames(int resp) const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& m : messages_) m->AppendTo(&out, resp);
  return out;
}

size_t RecordingSubscriber::Count() const {
  std::lock_guard lock(mu_);
  return messages_.size();
}

void RecordingSubscriber::Clear() {
  std::lock_guard lock(mu_);
  messages_.clear();
}

bool RecordingSubscriber::WaitForCount(size_t n, int timeout_ms) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return messages_.size() >= n; });
}

}  // namespace redrock::server::testing
