#include "server/blocking.h"

#include <algorithm>
#include <cmath>

#include "protocol/number_format.h"
#include "server/command_table.h"

namespace redrock::server {

namespace {
constexpr std::string_view kTimeoutNotFloat = "ERR timeout is not a float or out of range";
constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
}  // namespace

void BlockClient(CommandContext& ctx, std::span<const std::string_view> keys, int64_t timeout_ms) {
  BlockedState& blocked = ctx.client.blocked;
  blocked.active = true;
  blocked.db = ctx.db();
  blocked.keys.assign(keys.begin(), keys.end());
  blocked.timeout_ms = timeout_ms;
}

bool ParseBlockingTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms) {
  long double seconds = 0;
  if (!protocol::ParseLongDouble(arg, &seconds)) {
    ctx.reply.Error(kTimeoutNotFloat);
    return false;
  }
  // Redis: (long long)(seconds * 1000). Out of the int64 range (inf included) that conversion yields
  // INT64_MIN on x86, which Redis then reports as negative.
  const long double ms = seconds * 1000.0L;
  int64_t tval = INT64_MIN;
  if (ms > -9223372036854775808.0L && ms < 9223372036854775808.0L) tval = static_cast<int64_t>(ms);
  if (tval < 0) {
    ctx.reply.Error(kTimeoutNegative);
    return false;
  }
  *timeout_ms = tval;
  return true;
}

std::string BlockingRegistry::MapKey(int db, std::string_view key) {
  std::string out;
  out.reserve(1 + key.size());
  out.push_back(static_cast<char>(static_cast<uint8_t>(db)));
  out.append(key);
  return out;
}

std::shared_ptr<BlockingRegistry::Waiter> BlockingRegistry::Add(int db, std::vector<std::string> keys,
                                                                std::function<void()> wake) {
  auto waiter = std::make_shared<Waiter>();
  waiter->db = db;
  waiter->keys = std::move(keys);
  waiter->wake = std::move(wake);
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < waiter->keys.size(); ++i) {
    // BLPOP k k 0 names a key twice; queue the waiter once per key.
    const std::string& key = waiter->keys[i];
    if (std::find(waiter->keys.begin(), waiter->keys.begin() + static_cast<ptrdiff_t>(i), key) !=
        waiter->keys.begin() + static_cast<ptrdiff_t>(i)) {
      continue;
    }
    by_key_[MapKey(db, key)].push_back(waiter);
  }
  // Pairs with the fence in Signal(): a pusher either sees this waiter, or this waiter's re-run (which
  // follows Add) sees the pushed element.
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  return waiter;
}

void BlockingRegistry::Remove(const std::shared_ptr<Waiter>& waiter, bool pass_on) {
  if (!waiter) return;
  std::lock_guard lock(mu_);
  bool was_registered = false;
  for (const std::string& key : waiter->keys) {
    auto it = by_key_.find(MapKey(waiter->db, key));
    if (it == by_key_.end()) continue;
    auto& queue = it->second;
    auto pos = std::find(queue.begin(), queue.end(), waiter);
    if (pos == queue.end()) continue;
    queue.erase(pos);
    was_registered = true;
    if (queue.empty()) by_key_.erase(it);
  }
  if (!was_registered) return;
  waiters_.fetch_sub(1, std::memory_order_relaxed);
  if (pass_on || waiter->woken) {
    for (const std::string& key : waiter->keys) WakeFirstLocked(MapKey(waiter->db, key));
  }
  waiter->woken = false;
}

void BlockingRegistry::Rearm(Waiter& waiter) {
  std::lock_guard lock(mu_);
  waiter.woken = false;
}

void BlockingRegistry::Signal(int db, std::string_view key) {
  // Fast path: nobody blocked anywhere. The fence orders the caller's committed write before this load
  // (see Add()).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (waiters_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(mu_);
  WakeFirstLocked(MapKey(db, key));
}

void BlockingRegistry::WakeFirstLocked(const std::string& map_key) {
  auto it = by_key_.find(map_key);
  if (it == by_key_.end()) return;
  for (const auto& waiter : it->second) {
    if (waiter->woken) continue;
    waiter->woken = true;
    waiter->wake();
    return;
  }
}

}  // namespace redrock::server
