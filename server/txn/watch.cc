#include "server/txn/watch.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "server/core/client_state.h"

namespace redrock::server {

namespace {

// The asymmetric barrier of the fast path (see "Ordering" in watch.h). The WATCH side registers, then
// calls HeavyBarrier(), then reads; a writer commits, then calls LightBarrier(), then loads the watch
// count. membarrier(PRIVATE_EXPEDITED) makes every running thread of the process pass a full memory
// barrier, so either the writer's count load sees the registration, or its commit is visible to the
// watcher's reads. Without membarrier (old kernels, seccomp) both sides use a full fence instead.
bool RegisterMembarrier() {
  return syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

bool HaveMembarrier() {
  static const bool have = RegisterMembarrier();
  return have;
}

// Registers at startup, so the first WATCH does not pay for it and writers read a settled flag.
[[maybe_unused]] const bool g_membarrier_registered = HaveMembarrier();

void HeavyBarrier() {
  if (!HaveMembarrier() || syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

void LightBarrier() {
  if (HaveMembarrier()) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

}  // namespace

bool WatchRegistry::NobodyWatches() const {
  LightBarrier();
  return watches_.load(std::memory_order_relaxed) == 0;
}

std::vector<size_t> WatchRegistry::Watch(ClientState& client, int db, std::span<const std::string_view> keys) {
  std::vector<size_t> added;
  {
    std::lock_guard lock(mu_);
    for (std::string_view key : keys) {
      const bool already = std::any_of(client.watched_keys.begin(), client.watched_keys.end(),
                                       [&](const WatchedKey& w) { return w.db == db && w.key == key; });
      if (already) continue;
      by_key_[DbKey{db, std::string(key)}].push_back(Watcher{&client, true});
      client.watched_keys.push_back(WatchedKey{db, std::string(key), true, 0});
      added.push_back(client.watched_keys.size() - 1);
      watches_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (!added.empty()) HeavyBarrier();
  return added;
}

void WatchRegistry::SetKeyState(ClientState& client, size_t index, bool live, int64_t expire_at_ms) {
  WatchedKey& w = client.watched_keys[index];
  w.expire_at_ms = live ? expire_at_ms : 0;
  if (w.live == live) return;
  w.live = live;
  std::lock_guard lock(mu_);
  auto it = by_key_.find(DbKeyView{w.db, w.key});
  if (it == by_key_.end()) return;
  for (Watcher& watcher : it->second) {
    if (watcher.client == &client) watcher.live = live;
  }
}

void WatchRegistry::UnwatchAll(ClientState& client) {
  if (client.watched_keys.empty()) {
    // Nothing registered, so no writer can raise the flag concurrently.
    client.watch_dirty.store(false, std::memory_order_relaxed);
    return;
  }
  std::lock_guard lock(mu_);
  for (const WatchedKey& w : client.watched_keys) {
    auto it = by_key_.find(DbKeyView{w.db, w.key});
    if (it == by_key_.end()) continue;
    auto& watchers = it->second;
    watchers.erase(std::remove_if(watchers.begin(), watchers.end(),
                                  [&](const Watcher& x) { return x.client == &client; }),
                   watchers.end());
    if (watchers.empty()) by_key_.erase(it);
  }
  watches_.fetch_sub(client.watched_keys.size(), std::memory_order_relaxed);
  client.watched_keys.clear();
  // Under the mutex, after the removal: a writer that found this client has already set the flag.
  client.watch_dirty.store(false, std::memory_order_relaxed);
}

bool WatchRegistry::ExecMustFail(const ClientState& client, int64_t now_ms) {
  if (client.watch_dirty.load(std::memory_order_acquire)) return true;
  for (const WatchedKey& w : client.watched_keys) {
    // The engine's rule (encoding::IsExpired): a key expires when the clock reaches its time.
    if (w.live && w.expire_at_ms != 0 && w.expire_at_ms <= now_ms) return true;
  }
  return false;
}

void WatchRegistry::MarkDirty(std::vector<Watcher>& watchers, bool only_live) {
  for (const Watcher& w : watchers) {
    if (!only_live || w.live) w.client->watch_dirty.store(true, std::memory_order_release);
  }
}

void WatchRegistry::Touch(int db, std::string_view key) {
  if (NobodyWatches()) return;
  std::lock_guard lock(mu_);
  auto it = by_key_.find(DbKeyView{db, key});
  if (it != by_key_.end()) MarkDirty(it->second, /*only_live=*/false);
}

void WatchRegistry::TouchExpired(int db, std::string_view key) {
  if (NobodyWatches()) return;
  std::lock_guard lock(mu_);
  auto it = by_key_.find(DbKeyView{db, key});
  if (it != by_key_.end()) MarkDirty(it->second, /*only_live=*/true);
}

std::vector<std::string> WatchRegistry::WatchedKeys(int db) const {
  std::vector<std::string> keys;
  if (NobodyWatches()) return keys;
  std::lock_guard lock(mu_);
  for (const auto& [db_key, watchers] : by_key_) {
    if (db_key.db == db && !watchers.empty()) keys.push_back(db_key.key);
  }
  return keys;
}

void WatchRegistry::TouchFlushed(int db) {
  if (NobodyWatches()) return;
  std::lock_guard lock(mu_);
  for (auto& [db_key, watchers] : by_key_) {
    if (db == -1 || db_key.db == db) MarkDirty(watchers, /*only_live=*/true);
  }
}

}  // namespace redrock::server
