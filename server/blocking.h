#pragma once
// Blocking list commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP): who waits on which key, and how a
// push wakes them.
//
// The protocol between a blocking handler, the connection and the pushers:
//   1. The handler tries to serve at once (pop like LPOP). If every key is empty and the client may
//      block (ClientState::CanBlock: a connection's client outside EXEC, never the in-process harness),
//      it calls BlockClient() and writes no reply;
//      otherwise it answers as Redis does inside MULTI: as if the timeout expired at once (BLPOP, BRPOP,
//      BLMPOP: null array; BLMOVE, BRPOPLPUSH: null bulk).
//   2. The connection sees ClientState::blocked, registers a Waiter here (Add), and re-runs the command
//      once right away, so a push that landed between the handler's attempt and Add() is never missed.
//      While still blocked it waits on its own executor, without holding the exec gate, for a wake, its
//      deadline, or the socket closing. At the deadline it answers a null array (Redis's timeout reply
//      for every list blocking command, BLMOVE included).
//   3. Every command that adds elements to a list (LPUSH, RPUSH, LINSERT, LMOVE's destination...), from
//      any client and inside EXEC too, calls Signal(db, key) after its write is committed. Signal wakes
//      the oldest waiter on that key that is not already woken: waiters are served in the order they
//      blocked, as in Redis.
//   4. A woken connection calls Rearm() and re-runs the command. If it is served, Remove(pass_on=true)
//      hands the wake on to the next waiter of its keys (the push may have added more than one element);
//      if another client won the race it just keeps waiting in its place.
// No wakeup is lost: a waiter is marked woken only while a re-run is pending, and a Signal that skips a
// woken waiter is covered by that re-run (which happens after the signalling write). Wakes are posted to
// the waiter's executor through a weak reference, so a connection that is gone is simply skipped.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/client_state.h"

namespace redrock::server {

struct CommandContext;

// Records in the client that it blocks on `keys` (ClientState::blocked). `timeout_ms` 0 = forever.
// The handler then writes no reply.
void BlockClient(CommandContext& ctx, std::span<const std::string_view> keys, int64_t timeout_ms);

// Redis 7.0's blocking timeout argument (seconds, a long double): writes the Redis error and returns false
// when it is not a float ("ERR timeout is not a float or out of range") or is negative once converted to
// whole milliseconds ("ERR timeout is negative"; so are inf and anything past the int64 range, as in
// Redis on x86). *timeout_ms = 0 means forever (including timeouts below 1 ms, as in Redis).
bool ParseBlockingTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms);

class BlockingRegistry {
 public:
  struct Waiter {
    int db = 0;
    std::vector<std::string> keys;
    std::function<void()> wake;  // thread-safe; posts to the waiting connection's executor
    bool woken = false;          // guarded by the registry's mutex
  };

  // Registers a waiter on (db, keys), queued behind earlier waiters of each key.
  std::shared_ptr<Waiter> Add(int db, std::vector<std::string> keys, std::function<void()> wake);
  // Unregisters (idempotent). With pass_on (the waiter was served), or when a wake was still pending
  // for it, the next waiter of each of its keys is woken in its place.
  void Remove(const std::shared_ptr<Waiter>& waiter, bool pass_on);
  // Called by a woken waiter right before it re-runs its command: later pushes wake it again.
  void Rearm(Waiter& waiter);
  // A push to (db, key) was committed: wakes the oldest waiter of that key that is not woken yet.
  void Signal(int db, std::string_view key);

  // Clients currently blocked (INFO's blocked_clients).
  size_t blocked_clients() const { return waiters_.load(std::memory_order_relaxed); }

 private:
  static std::string MapKey(int db, std::string_view key);
  void WakeFirstLocked(const std::string& map_key);

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> by_key_;
  std::atomic<size_t> waiters_{0};
};

}  // namespace redrock::server
