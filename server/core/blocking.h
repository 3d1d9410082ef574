#pragma once
// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP): who waits on
// which key, and how a push serves them. The model is Redis's (blocked.c, handleClientsBlockedOnKeys):
//
//   1. A blocking handler opens a BlockingAttempt, then tries to serve at once (pop like LPOP). If every
//      key is empty and the client may block (ClientState::CanBlock: a connection's client outside EXEC,
//      never the in-process harness or a script), BlockClient() registers a Waiter with a BlockedOp (how
//      to serve it later) and the handler writes no reply; otherwise it answers as Redis does inside
//      MULTI (as if the timeout expired at once).
//   2. Every command that adds elements to a key (LPUSH, RPUSH, LINSERT, LMOVE's destination, RENAME,
//      COPY, MOVE...), from any client and inside EXEC or a script too, calls Signal(db, key) after its
//      write is committed; and every write that creates a key (the engine's OnKeyCreated: where Redis's
//      dbAdd signals, so ZADD, ZUNIONSTORE & co. onto a missing key) signals it too. That only marks the
//      key ready.
//   3. When the top-level command (the whole EXEC or script) has finished, and before its reply is sent,
//      CommandTable::Dispatch calls ServeReadyKeys(): for each ready key in signal order, if the key now
//      holds the type its waiters wait for, they are served in the order they blocked (BlockedOp::Serve
//      pops on their behalf and writes their reply) until one finds nothing left. A key of another type
//      (MULTI; LPUSH k x; DEL k; SET k foo; EXEC) serves nobody: its clients stay blocked. Pushes made
//      while serving (BLMOVE's destination) ready further keys, served in the same pass.
//   4. A served waiter leaves the registry at once (INFO's blocked_clients counts exactly the registered
//      waiters) and its reply is handed to its connection, which is woken on its own executor to write
//      it. A waiter that times out, disconnects or is unblocked (CLIENT UNBLOCK) leaves it the same way.
//
// Threads: commands run on several I/O threads at once. Serving, registering a waiter (with the look at
// its keys just before) and removing one all happen under one mutex (serve_mu_), so a waiter is served
// once, in FIFO order, and never after it left. A push committed on another thread while a handler looks
// at its keys is not missed: the handler announces itself (interest_) before looking, and Signal() reads
// interest_ after its write, so either the handler sees the element or the pusher marks the key ready and
// serves it once the handler has registered. Lock order: exec gate -> serve_mu_ -> engine locks / mu_.

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
#include <unordered_set>
#include <vector>

#include "redrock/engine/engine.h"
#include "server/core/client_state.h"

namespace redrock::server {

struct CommandContext;
struct ServerState;
class CommandTable;

// What a blocked client does once a key it waits on holds a value of type(): set by its command.
class BlockedOp {
 public:
  virtual ~BlockedOp() = default;
  // The type a key must hold to serve this client (Redis's btype).
  virtual engine::KeyType type() const = 0;
  // Serves the client from `key`, which held type() a moment ago: pops on its behalf, writes its reply
  // (or an error it gets instead, such as BLMOVE's WRONGTYPE destination) into ctx.reply, sends the
  // keyspace events, and returns true. Returns false when there is nothing to take (keep waiting).
  // ctx.client is a scratch client with the waiter's db and protocol. Runs under an
  // engine::UncountedLookups: its reads count no keyspace hit or miss, as in Redis.
  virtual bool Serve(CommandContext& ctx, std::string_view key) const = 0;
  // Streams (Redis's serveClientsBlockedOnStreamKey): a waiter that cannot be served yet does not stop
  // the ones after it, which may wait for other IDs or groups.
  virtual bool serve_all() const { return false; }
  // The key became ready but no longer holds type() (deleted, overwritten, flushed): XREADGROUP's
  // waiters then get an error (written into ctx.reply, returning true); the others keep waiting.
  virtual bool ServeGone(CommandContext& ctx) const { return false; }
};

// A registered blocked client (shared by the registry and its connection).
struct BlockedWaiter {
  uint64_t client_id = 0;
  int db = 0;
  int resp = 2;
  std::vector<std::string> keys;  // distinct
  std::unique_ptr<BlockedOp> op;
  // Guarded by the registry's mu_.
  bool registered = true;      // in the queues (still waiting)
  bool served = false;         // `reply` holds the answer for the client
  std::string reply;
  std::function<void()> wake;  // set by the connection; posts to its executor
};

// Held by a blocking handler from its first look at its keys until it has blocked or answered (only
// when the client may block; otherwise it does nothing). Keys readied by commands still finishing on
// other threads are served first, so clients that blocked earlier come first, as in Redis.
class BlockingAttempt {
 public:
  explicit BlockingAttempt(CommandContext& ctx);
  ~BlockingAttempt();
  BlockingAttempt(const BlockingAttempt&) = delete;
  BlockingAttempt& operator=(const BlockingAttempt&) = delete;
  bool active() const { return ctx_ != nullptr; }

 private:
  friend void BlockClient(BlockingAttempt&, std::span<const std::string_view>, int64_t,
                          std::unique_ptr<BlockedOp>);
  CommandContext* ctx_ = nullptr;
};

// Registers the client as blocked on `keys` (duplicates count once) until `op` serves it or `timeout_ms`
// passes (0 = forever), and records that in ctx.client.blocked for the connection. Requires an active
// attempt. The handler then writes no reply.
void BlockClient(BlockingAttempt& attempt, std::span<const std::string_view> keys, int64_t timeout_ms,
                 std::unique_ptr<BlockedOp> op);

// What a blocking command answers when it cannot block (inside MULTI/EXEC, or from a script): BLPOP,
// BRPOP, BLMPOP, BZPOPMIN, BZPOPMAX and BZMPOP a null array, BLMOVE and BRPOPLPUSH a null bulk, as Redis
// does. (After really blocking, the timeout reply is a null array for all of them: the connection writes
// that one.)
enum class ImmediateReply { kNullArray, kNull };

// Nothing to serve at once: blocks the client (BlockClient) when the attempt is active, or writes the
// `immediate` reply where blocking is not possible.
void BlockOrTimeOut(CommandContext& ctx, BlockingAttempt& attempt, std::span<const std::string_view> keys,
                    int64_t timeout_ms, std::unique_ptr<BlockedOp> op, ImmediateReply immediate);

// For BlockedOp::Serve, after the pop on the waiter's behalf failed: a WrongType of the key itself (it
// changed type since it was looked at) means there is nothing to serve (false); any other failure (an
// I/O error) is written as the waiter's answer (true).
bool ServeFailure(CommandContext& ctx, const engine::Status& status);

// Redis 7.0's blocking timeout argument (seconds, a long double, rounded up to whole milliseconds):
// writes the Redis error and returns false when it is not a float ("ERR timeout is not a float or out of
// range") or is negative ("ERR timeout is negative"; so are inf and anything past the int64 range, as in
// Redis on x86). *timeout_ms = 0 means forever; 0.001 is 1 ms and 0.0001 rounds up to 1 ms too.
bool ParseBlockingTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms);

class BlockingRegistry {
 public:
  using Waiter = BlockedWaiter;

  // ---- The connection of a blocked client (its own thread) ---------------------------------------
  // Sets how to wake the connection once the waiter is served (called right after the handler blocked;
  // a waiter served before that is found by TakeReply).
  void SetWake(Waiter& waiter, std::function<void()> wake);
  // Once served: appends the reply to *out and returns true.
  bool TakeReply(Waiter& waiter, std::string* out);
  // The client stops waiting (timeout, disconnect): true when it was still waiting and is now removed;
  // false when it was already served (its reply is then on its way) or removed.
  bool Remove(const std::shared_ptr<Waiter>& waiter);

  // CLIENT UNBLOCK: answers the client blocked with `client_id` as if it timed out (a null array), or
  // with `error`. False when no such client is blocked.
  bool Unblock(uint64_t client_id, std::string_view error);

  // A push to (db, key) was committed: marks the key ready when clients wait on it (one atomic load
  // when nobody is blocked anywhere).
  void Signal(int db, std::string_view key);
  // The distinct keys clients are blocked on in `db` (SWAPDB re-examines them, as Redis's
  // scanDatabaseForReadyKeys does).
  std::vector<std::string> BlockedKeys(int db);
  // Any write to (db, key) (the server's KeyEventSink): marks it ready only when a client blocked on it
  // waits for a stream, so XREADGROUP waiters learn that the key was deleted or overwritten (Redis
  // signals a stream key on every delete and overwrite). FLUSHDB/FLUSHALL (db -1): every such key.
  void SignalStreamWaiters(int db, std::string_view key);
  void SignalStreamWaitersFlushed(int db);
  // After a top-level command (Dispatch): serves the clients blocked on the keys it readied.
  void ServeReadyKeys(ServerState& server, const CommandTable& table) {
    if (signalled_on_this_thread) ServeReady(server, table);
  }

  // Clients currently blocked (INFO's blocked_clients).
  size_t blocked_clients() const { return blocked_.load(std::memory_order_relaxed); }

 private:
  friend class BlockingAttempt;
  friend void BlockClient(BlockingAttempt&, std::span<const std::string_view>, int64_t,
                          std::unique_ptr<BlockedOp>);

  static std::string MapKey(int db, std::string_view key);
  void ServeReady(ServerState& server, const CommandTable& table);
  // With serve_mu_ held: serves every ready key, and those readied meanwhile.
  void ServeReadyLocked(ServerState& server, const CommandTable& table);
  void ServeKey(ServerState& server, const CommandTable& table, const std::string& map_key);
  // With serve_mu_ held: takes the waiter out of every queue; `reply` (when given) becomes its answer.
  // Returns the wake to call (after mu_ is released), empty when there is none.
  std::function<void()> Finish(Waiter& waiter, std::string* reply);

  // Set by Signal on the pushing thread; cleared by ServeReady on it.
  static constinit thread_local bool signalled_on_this_thread;

  std::mutex serve_mu_;  // serving, registering, removing (see the top of this file)
  std::mutex mu_;        // the maps below and the Waiter fields marked so
  std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> by_key_;
  std::unordered_map<uint64_t, std::shared_ptr<Waiter>> by_client_;
  std::vector<std::string> ready_;  // in signal order
  std::unordered_set<std::string> ready_set_;
  size_t registered_ = 0;           // guarded by mu_
  // Registered waiters plus blocking handlers looking at their keys: when 0, Signal() does nothing.
  std::atomic<size_t> interest_{0};
  std::atomic<size_t> blocked_{0};
};

}  // namespace redrock::server
