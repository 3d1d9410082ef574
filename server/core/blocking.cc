#include "server/core/blocking.h"

#include <algorithm>
#include <cmath>

#include "common/number_format.h"
#include "protocol/reply_writer.h"
#include "redrock/engine/engine.h"
#include "server/core/command_table.h"
#include "server/core/errors.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {
constexpr std::string_view kTimeoutNotFloat = "ERR timeout is not a float or out of range";
constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
}  // namespace

constinit thread_local bool BlockingRegistry::signalled_on_this_thread = false;

bool ParseBlockingTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms) {
  long double seconds = 0;
  if (!common::ParseLongDouble(arg, &seconds)) {
    ctx.reply.Error(kTimeoutNotFloat);
    return false;
  }
  // Redis: (long long)ceill(seconds * 1000). Out of the int64 range (inf included) that conversion
  // yields INT64_MIN on x86, which Redis then reports as negative.
  const long double ms = std::ceil(seconds * 1000.0L);
  int64_t tval = INT64_MIN;
  if (ms > -9223372036854775808.0L && ms < 9223372036854775808.0L) tval = static_cast<int64_t>(ms);
  if (tval < 0) {
    ctx.reply.Error(kTimeoutNegative);
    return false;
  }
  *timeout_ms = tval;
  return true;
}

// ---- Handlers' side -----------------------------------------------------------------------------------

BlockingAttempt::BlockingAttempt(CommandContext& ctx) {
  if (!ctx.client.CanBlock()) return;
  ctx_ = &ctx;
  BlockingRegistry& registry = ctx.server.blocking;
  // Announce ourselves before looking at the keys (pairs with the fence in Signal()).
  registry.interest_.fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  registry.serve_mu_.lock();
  bool pending = false;
  {
    std::lock_guard lock(registry.mu_);
    pending = !registry.ready_.empty();
  }
  if (pending) registry.ServeReadyLocked(ctx.server, ctx.table);
}

BlockingAttempt::~BlockingAttempt() {
  if (ctx_ == nullptr) return;
  BlockingRegistry& registry = ctx_->server.blocking;
  registry.serve_mu_.unlock();
  registry.interest_.fetch_sub(1, std::memory_order_relaxed);
}

void BlockClient(BlockingAttempt& attempt, std::span<const std::string_view> keys, int64_t timeout_ms,
                 std::unique_ptr<BlockedOp> op) {
  CommandContext& ctx = *attempt.ctx_;
  BlockingRegistry& registry = ctx.server.blocking;
  auto waiter = std::make_shared<BlockedWaiter>();
  waiter->client_id = ctx.client.id;
  waiter->db = ctx.db();
  waiter->resp = ctx.client.resp;
  waiter->op = std::move(op);
  for (std::string_view key : keys) {
    // BLPOP k k 0 names a key twice: the client waits on it once.
    if (std::find(waiter->keys.begin(), waiter->keys.end(), key) == waiter->keys.end()) {
      waiter->keys.emplace_back(key);
    }
  }
  {
    std::lock_guard lock(registry.mu_);
    for (const std::string& key : waiter->keys) {
      registry.by_key_[BlockingRegistry::MapKey(waiter->db, key)].push_back(waiter);
    }
    registry.by_client_[waiter->client_id] = waiter;
    ++registry.registered_;
    registry.interest_.fetch_add(1, std::memory_order_relaxed);  // the attempt still holds its own
    registry.blocked_.fetch_add(1, std::memory_order_relaxed);
  }
  BlockedState& blocked = ctx.client.blocked;
  blocked.active = true;
  blocked.waiter = std::move(waiter);
  blocked.timeout_ms = timeout_ms;
}

void BlockOrTimeOut(CommandContext& ctx, BlockingAttempt& attempt, std::span<const std::string_view> keys,
                    int64_t timeout_ms, std::unique_ptr<BlockedOp> op, ImmediateReply immediate) {
  if (attempt.active()) {
    BlockClient(attempt, keys, timeout_ms, std::move(op));
  } else if (immediate == ImmediateReply::kNullArray) {
    ctx.reply.NullArray();
  } else {
    ctx.reply.Null();
  }
}

bool ServeFailure(CommandContext& ctx, const engine::Status& status) {
  if (status.IsWrongType()) return false;
  ctx.reply.Error(err::FromStatus(status));
  return true;
}

// ---- Registry ---------------------------------------------------------------------------------------

std::string BlockingRegistry::MapKey(int db, std::string_view key) {
  std::string out;
  out.reserve(1 + key.size());
  out.push_back(static_cast<char>(static_cast<uint8_t>(db)));
  out.append(key);
  return out;
}

void BlockingRegistry::SetWake(Waiter& waiter, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  waiter.wake = std::move(wake);
}

bool BlockingRegistry::TakeReply(Waiter& waiter, std::string* out) {
  std::lock_guard lock(mu_);
  if (!waiter.served) return false;
  out->append(waiter.reply);
  waiter.reply.clear();
  return true;
}

std::function<void()> BlockingRegistry::Finish(Waiter& waiter, std::string* reply) {
  std::lock_guard lock(mu_);
  if (!waiter.registered) return {};
  waiter.registered = false;
  for (const std::string& key : waiter.keys) {
    auto it = by_key_.find(MapKey(waiter.db, key));
    if (it == by_key_.end()) continue;
    auto& queue = it->second;
    auto pos = std::find_if(queue.begin(), queue.end(), [&](const auto& w) { return w.get() == &waiter; });
    if (pos != queue.end()) queue.erase(pos);
    if (queue.empty()) by_key_.erase(it);
  }
  auto client = by_client_.find(waiter.client_id);
  if (client != by_client_.end() && client->second.get() == &waiter) by_client_.erase(client);
  --registered_;
  interest_.fetch_sub(1, std::memory_order_relaxed);
  blocked_.fetch_sub(1, std::memory_order_relaxed);
  if (reply == nullptr) return {};
  waiter.reply = std::move(*reply);
  waiter.served = true;
  return waiter.wake;
}

bool BlockingRegistry::Remove(const std::shared_ptr<Waiter>& waiter) {
  if (!waiter) return false;
  // Not while a serve pass may be serving this very waiter.
  std::lock_guard serve(serve_mu_);
  {
    std::lock_guard lock(mu_);
    if (!waiter->registered) return false;
  }
  Finish(*waiter, nullptr);
  return true;
}

bool BlockingRegistry::Unblock(uint64_t client_id, std::string_view error) {
  std::lock_guard serve(serve_mu_);
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mu_);
    auto it = by_client_.find(client_id);
    if (it == by_client_.end()) return false;
    waiter = it->second;
  }
  std::string reply;
  protocol::ReplyWriter writer(&reply, waiter->resp);
  if (error.empty()) {
    writer.NullArray();  // the timeout reply (see BlockedState)
  } else {
    writer.Error(error);
  }
  auto wake = Finish(*waiter, &reply);
  if (wake) wake();
  return true;
}

std::vector<std::string> BlockingRegistry::BlockedKeys(int db) {
  std::vector<std::string> keys;
  if (interest_.load(std::memory_order_relaxed) == 0) return keys;
  std::lock_guard lock(mu_);
  for (const auto& [map_key, queue] : by_key_) {
    if (!queue.empty() && static_cast<uint8_t>(map_key[0]) == static_cast<uint8_t>(db)) keys.push_back(map_key.substr(1));
  }
  return keys;
}

void BlockingRegistry::Signal(int db, std::string_view key) {
  // Fast path: nobody blocked or about to block anywhere. The fence orders the caller's committed write
  // before this load (see BlockingAttempt).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (interest_.load(std::memory_order_relaxed) == 0) return;
  std::string map_key = MapKey(db, key);
  std::lock_guard lock(mu_);
  // A handler that is looking at its keys may be about to block on this one: mark it ready anyway.
  const bool attempting = interest_.load(std::memory_order_relaxed) > registered_;
  if (!attempting && by_key_.find(map_key) == by_key_.end()) return;
  if (ready_set_.insert(map_key).second) ready_.push_back(std::move(map_key));
  signalled_on_this_thread = true;
}

namespace {
bool WaitsForStream(const std::deque<std::shared_ptr<BlockedWaiter>>& queue) {
  for (const auto& w : queue) {
    if (w->op->type() == engine::KeyType::kStream) return true;
  }
  return false;
}
}  // namespace

void BlockingRegistry::SignalStreamWaiters(int db, std::string_view key) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (interest_.load(std::memory_order_relaxed) == 0) return;
  std::string map_key = MapKey(db, key);
  std::lock_guard lock(mu_);
  auto it = by_key_.find(map_key);
  if (it == by_key_.end() || !WaitsForStream(it->second)) return;
  if (ready_set_.insert(map_key).second) ready_.push_back(std::move(map_key));
  signalled_on_this_thread = true;
}

void BlockingRegistry::SignalStreamWaitersFlushed(int db) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (interest_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(mu_);
  for (const auto& [map_key, queue] : by_key_) {
    if (db >= 0 && static_cast<uint8_t>(map_key[0]) != db) continue;
    if (!WaitsForStream(queue)) continue;
    if (ready_set_.insert(map_key).second) ready_.push_back(map_key);
    signalled_on_this_thread = true;
  }
}

void BlockingRegistry::ServeReady(ServerState& server, const CommandTable& table) {
  std::lock_guard serve(serve_mu_);
  ServeReadyLocked(server, table);
  signalled_on_this_thread = false;
}

void BlockingRegistry::ServeReadyLocked(ServerState& server, const CommandTable& table) {
  for (;;) {
    std::vector<std::string> keys;
    {
      std::lock_guard lock(mu_);
      if (ready_.empty()) return;
      keys.swap(ready_);
      // Taken keys may be signalled again while they are served (a BLMOVE onto its own source).
      ready_set_.clear();
    }
    for (const std::string& map_key : keys) ServeKey(server, table, map_key);
  }
}

void BlockingRegistry::ServeKey(ServerState& server, const CommandTable& table, const std::string& map_key) {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mu_);
    auto it = by_key_.find(map_key);
    if (it == by_key_.end()) return;
    waiters.assign(it->second.begin(), it->second.end());
  }
  const int db = static_cast<uint8_t>(map_key[0]);
  const std::string_view key = std::string_view(map_key).substr(1);
  // Serving blocked clients looks keys up for writing in Redis (handleClientsBlockedOnKey): none of
  // the reads here or in the ops' Serve is a keyspace hit or miss.
  engine::UncountedLookups write_lookups;
  auto type = server.engine.Type(db, key);
  if (!type.ok()) return;
  for (const auto& waiter : waiters) {
    {
      std::lock_guard lock(mu_);
      if (!waiter->registered) continue;  // served through another of its keys in this pass
    }
    ClientState client;
    client.db.store(waiter->db, std::memory_order_relaxed);
    client.resp = waiter->resp;
    client.id = waiter->client_id;
    std::string reply;
    protocol::ReplyWriter writer(&reply, waiter->resp);
    CommandContext ctx{{}, client, server, writer, table};
    if (waiter->op->type() != *type) {
      // Gone or of another type: only XREADGROUP waiters are told (with an error); nobody is served.
      if (!waiter->op->ServeGone(ctx)) continue;
    } else if (!waiter->op->Serve(ctx, key)) {
      if (waiter->op->serve_all()) continue;
      break;  // nothing left for the next ones either
    }
    // The serving command runs under its connection's group commit (engine::GroupCommit): what was
    // taken for this client must be in the WAL before the client can see it.
    if (engine::GroupCommit::pending()) {
      engine::Status st = engine::GroupCommit::Commit();
      if (!st.ok()) {
        reply.clear();
        protocol::ReplyWriter failed(&reply, waiter->resp);
        failed.Error(err::FromStatus(st));
      }
    }
    auto wake = Finish(*waiter, &reply);
    if (wake) wake();
  }
}

}  // namespace redrock::server
