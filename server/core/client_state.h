#pragma once
// Per-connection state that commands read and change. Owned by the connection (or a test harness);
// only the connection's own thread touches the non-atomic members.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace redrock::server {

class Subscriber;  // server/events/pubsub.h

struct CommandSpec;

// A command queued by MULTI, resolved when it was queued (specs live as long as the command table).
struct QueuedCommand {
  const CommandSpec* spec = nullptr;
  std::vector<std::string> argv;
};

struct BlockedWaiter;  // server/core/blocking.h

// A client blocked by BLPOP & co. (see server/core/blocking.h): set by the handler that registered it, taken
// by the connection, which then waits for the reply. When the timeout expires the client gets a null
// array (`*-1`, RESP3 `_`), whatever the command: Redis answers every list blocking command so, BLMOVE
// and BRPOPLPUSH included (only inside MULTI do those two answer a null bulk).
struct BlockedState {
  bool active = false;                   // the connection must wait for the waiter to be served
  std::shared_ptr<BlockedWaiter> waiter;
  int64_t timeout_ms = 0;                // 0 = forever
};

// A key a client WATCHes (server/txn/watch.h): whether WATCH found it live, and then its expiry (absolute
// ms, 0 = none), which EXEC checks.
struct WatchedKey {
  int db = 0;
  std::string key;
  bool live = true;
  int64_t expire_at_ms = 0;
};

struct ClientState {
  uint64_t id = 0;
  std::string addr;   // "127.0.0.1:51234"
  std::string laddr;  // "127.0.0.1:6379"
  int fd = -1;

  // Guarded by ClientRegistry's mutex when read by other clients (CLIENT LIST); written by the owner
  // under the same mutex.
  std::string name;

  std::atomic<int> db{0};
  int resp = 2;                 // 2 or 3 (HELLO)
  bool authenticated = true;    // false until AUTH when requirepass is set
  bool close_after_reply = false;  // QUIT, protocol errors, CLIENT KILL of itself

  // WATCH (server/txn/watch.h): the keys this client watches (changed on its own thread, under the
  // WatchRegistry's mutex), and the flag writers on any thread raise when one of them changes.
  std::vector<WatchedKey> watched_keys;
  std::atomic<bool> watch_dirty{false};

  // MULTI state.
  bool in_multi = false;
  bool in_exec = false;      // EXEC is running the queued commands (Redis's CLIENT_DENY_BLOCKING there)
  bool multi_error = false;  // a queued command was rejected: EXEC answers EXECABORT
  std::vector<QueuedCommand> queued;

  // Blocking commands. may_block is set by a connection for its client (never by the in-process
  // harness or for a script's client); a blocking handler that finds nothing to pop outside EXEC
  // (CanBlock) then registers the client as blocked and fills `blocked` instead of replying.
  bool may_block = false;
  bool CanBlock() const { return may_block && !in_exec; }
  BlockedState blocked;
  // True while the connection waits in a blocking command; readable from any thread (CLIENT LIST's
  // "b" flag, the idle-timeout cron, which Redis does not apply to blocked clients).
  std::atomic<bool> waiting_blocked{false};

  // Scripts off the I/O threads. A connection sets defer_scripts: Dispatch then does not run a command
  // that may run a Lua script (kCmdRunsScript, or an EXEC that queued one) but sets script_deferred, and
  // the connection dispatches it again on a script thread (ServerState::run_script_job) while its I/O
  // thread goes on reading its other clients, so a busy script never silences them.
  bool defer_scripts = false;
  bool script_deferred = false;

  // Whether the server was over maxmemory when the running command started (Redis's
  // pre_command_oom_state): a script then may not run a deny-oom command before its first write.
  bool oom_at_start = false;

  // CLIENT REPLY (Redis's CLIENT_REPLY_OFF, CLIENT_REPLY_SKIP, CLIENT_REPLY_SKIP_NEXT). While ReplySilenced(),
  // a connection writes the command's replies into `discard_buffer` instead of `reply_buffer` (both set by
  // the connection; null in the harness, where only the flags change). Pushes (pub/sub confirmations and
  // messages) always go to reply_buffer, as Redis's CLIENT_PUSHING lets them through. CLIENT REPLY SKIP
  // sets reply_skip_next; after each command the connection moves it to reply_skip, which silences the
  // next command only.
  bool reply_off = false;
  bool reply_skip = false;
  bool reply_skip_next = false;
  bool ReplySilenced() const { return reply_off || reply_skip; }
  std::string* reply_buffer = nullptr;
  std::string* discard_buffer = nullptr;

  int64_t created_ms = 0;
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<uint64_t> commands_processed{0};
  // Set by a handler that did its reply's error accounting itself (a script: the errors it counted, and
  // those that carry ignore_error_stats_update because they were counted where they arose): the
  // command's Invoke then adds `failed` to its failed_calls instead of looking at the reply.
  struct ReplyErrorAccounting {
    bool handled = false;
    uint32_t failed = 0;
  } reply_errors;

  // Pub/sub (server/events/pubsub.h). `subscriber` receives this client's messages (set by the connection;
  // null: the client cannot subscribe). `subscribed` is true while any subscription exists (RESP2
  // subscribed mode, CLIENT LIST's "P"); the counts are readable from any thread (CLIENT LIST).
  Subscriber* subscriber = nullptr;
  bool subscribed = false;
  std::atomic<int> sub_channels{0};
  std::atomic<int> sub_patterns{0};
  std::atomic<int> sub_shard_channels{0};
};

}  // namespace redrock::server
