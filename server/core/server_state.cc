#include "server/core/server_state.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "redrock/engine/engine.h"
#include "server/events/key_event_sink.h"
#include "server/events/notify.h"
#include "server/scripting/scripting.h"

namespace redrock::server {

namespace {
std::string RandomRunId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::string id(40, '0');
  for (char& c : id) c = kHex[rng() & 15];
  return id;
}
}  // namespace

ServerState::ServerState(engine::Engine& engine_ref, Config& config_ref)
    : engine(engine_ref), config(config_ref), run_id(RandomRunId()) {
  start_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  stats.ResetKeyspaceCounts(engine.Stats());  // an engine used before this server counts from here
  notify_follow = FollowNotifyKeyspaceEvents(config, notify_keyspace_events);
  scripting = std::make_shared<Scripting>(config, engine.options().dir);
  key_events = std::make_unique<ServerKeyEvents>(*this);
  engine.SetKeyEventSink(key_events.get());
}

ServerState::~ServerState() {
  // Returns once no engine thread is still inside the sink (see Engine::SetKeyEventSink).
  engine.SetKeyEventSink(nullptr);
}

void ServerStats::ResetKeyspaceCounts(const engine::EngineStats& now) {
  keyspace_hits_base.store(now.keyspace_hits, std::memory_order_relaxed);
  keyspace_misses_base.store(now.keyspace_misses, std::memory_order_relaxed);
  expired_keys_base.store(now.expired_keys, std::memory_order_relaxed);
}

namespace {
// `now` minus `base`; 0 if a concurrent RESETSTAT took a base newer than `now`.
uint64_t Since(uint64_t now, const std::atomic<uint64_t>& base) {
  const uint64_t b = base.load(std::memory_order_relaxed);
  return now > b ? now - b : 0;
}
}  // namespace

uint64_t ServerStats::KeyspaceHits(const engine::EngineStats& now) const {
  return Since(now.keyspace_hits, keyspace_hits_base);
}

uint64_t ServerStats::KeyspaceMisses(const engine::EngineStats& now) const {
  return Since(now.keyspace_misses, keyspace_misses_base);
}

uint64_t ServerStats::ExpiredKeys(const engine::EngineStats& now) const {
  return Since(now.expired_keys, expired_keys_base);
}

void ErrorStats::Count(std::string_view error) {
  // Redis looks for the space among the first 32 bytes of "-CODE ...", the '-' included.
  const size_t window = std::min<size_t>(error.size(), 31);
  const size_t space = error.substr(0, window).find(' ');
  const std::string_view code = space == std::string_view::npos ? std::string_view("ERR") : error.substr(0, space);
  std::lock_guard lock(mu_);
  auto it = counts_.find(code);
  if (it == counts_.end()) it = counts_.emplace(std::string(code), 0).first;
  ++it->second;
}

std::vector<std::pair<std::string, uint64_t>> ErrorStats::Snapshot() const {
  std::lock_guard lock(mu_);
  return {counts_.begin(), counts_.end()};
}

void ErrorStats::Reset() {
  std::lock_guard lock(mu_);
  counts_.clear();
}

void ClientRegistry::Add(ClientState* client, std::function<void()> close) {
  std::lock_guard lock(mu_);
  clients_[client] = std::move(close);
}

void ClientRegistry::Remove(ClientState* client) {
  std::lock_guard lock(mu_);
  clients_.erase(client);
}

size_t ClientRegistry::Count() const {
  std::lock_guard lock(mu_);
  return clients_.size();
}

void ClientRegistry::ForEach(const std::function<void(ClientState&, const std::function<void()>&)>& f) const {
  // Closers that f asks for run after the lock is released: a closer may drop the last reference to a
  // connection, whose destructor calls Remove() and takes this same lock.
  std::vector<std::function<void()>> deferred;
  {
    std::lock_guard lock(mu_);
    for (const auto& [client, close] : clients_) {
      const std::function<void()>& real_close = close;
      std::function<void()> defer = [&deferred, &real_close] { deferred.push_back(real_close); };
      f(*client, defer);
    }
  }
  for (auto& close : deferred) close();
}

}  // namespace redrock::server
