#pragma once
// One client connection: a coroutine that owns its socket, reads into one reused buffer, parses every
// complete command in it, dispatches them in order into one output buffer, and writes that once.
// Private to server/.

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_parser.h"
#include "server/core/blocking.h"
#include "server/core/client_state.h"
#include "server/events/pubsub.h"

namespace redrock::server {

class CommandTable;
struct ServerState;

// Counts live connections so Server::Stop() can wait for them to finish.
struct ConnectionTracker {
  std::atomic<int64_t> live{0};
  void Done();             // notifies waiters when the count reaches zero
  bool WaitIdle(int64_t timeout_ms);
};

// The connection is also its client's pub/sub Subscriber: messages from other threads are posted to its
// executor and written when it is idle (waiting for a read) or after the replies of the batch it is
// running; a message its own command publishes goes into the reply stream at once, before that
// command's reply, as Redis does. Only one write is ever in flight, and order is kept.
class Connection : public std::enable_shared_from_this<Connection>, public Subscriber {
 public:
  Connection(boost::asio::ip::tcp::socket socket, ServerState& state, const CommandTable& table,
             ConnectionTracker& tracker);
  ~Connection();  // unregisters from ServerState::clients
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers the client and serves it until it quits, errs, or is closed. Never throws. The coroutine
  // frame holds `self`, which keeps the connection alive while it runs.
  static boost::asio::awaitable<void> Run(std::shared_ptr<Connection> self);

  // Thread-safe: closes the socket on the connection's own executor.
  void Close();

  // Subscriber: any thread. Enforces client-output-buffer-limit pubsub on the bytes not yet written.
  void Deliver(const std::shared_ptr<const PubSubMessage>& message) override;

 private:
  boost::asio::awaitable<void> Serve();
  boost::asio::awaitable<bool> Flush();  // writes out_; false when the write failed
  // Parses and runs every complete command in the read buffer; false when the connection must close.
  boost::asio::awaitable<bool> ProcessBuffer();
  void UpdateParserLimits();

  // Blocking commands (see server/core/blocking.h). After a handler blocked the client (client_.blocked):
  // writes out the replies so far and waits until the registry serves the client (its reply) or the
  // deadline passes (the timeout reply), keeping later commands of the buffer for afterwards. The final
  // reply is left in out_. False when the connection closed meanwhile.
  boost::asio::awaitable<bool> Block();
  enum class WaitResult { kWoken, kTimeout, kClosed };
  // Waits, reading (and buffering) whatever the client sends meanwhile, so a disconnect is noticed.
  boost::asio::awaitable<WaitResult> WaitForWake(std::chrono::steady_clock::time_point deadline);
  // Makes room after in_end_ for the next read (compacts, grows).
  void PrepareRead();
  // Dispatches one command into out_ (messages received before it go first).
  void RunCommand(std::span<const std::string_view> argv);
  // Group commit (engine::GroupCommit): ProcessBuffer runs its commands under one scope, so their
  // writes share one WAL append, made here before any reply leaves (Flush) and before every other
  // suspension of the coroutine (no other connection's commands may run on this thread while this
  // one's writes are uncommitted). When the commit fails, the replies of the commands that wrote since
  // the last commit (uncommitted_, spans of out_) are replaced by the failure's error.
  void CommitWrites();
  // The end of a read batch: instead of committing at once, the connection joins its I/O thread's turn
  // commit, which runs once every connection made ready by the same poll has run its batch (a handler
  // posted behind theirs), so all of them share one WAL append, as Redis writes the AOF once in
  // beforeSleep; it then wakes them to send their replies (or the failure's error).
  boost::asio::awaitable<void> JoinTurnCommit();
  static void RunTurnCommit();
  // After a commit, made here or by anyone on this thread: rewrites uncommitted_ when `error` is set
  // (this connection's own commit failed) or a failed commit covered this connection's writes.
  void FinishCommit(std::string error);
  std::vector<std::pair<size_t, size_t>> uncommitted_;
  uint64_t first_uncommitted_write_ = 0;  // ThreadWrites() after the first uncommitted write; 0: none
  bool turn_done_ = false;
  std::string turn_error_;  // empty: the turn's commit succeeded
  // Where a command's replies go: out_, or discarded_ while CLIENT REPLY OFF/SKIP silences them.
  std::string* ReplyTarget() { return client_.ReplySilenced() ? &discarded_ : &out_; }
  // After a command ran with CLIENT REPLY SKIP pending or in force: moves SKIP on, drops what was silenced.
  void EndSilencedCommand();
  // After RunCommand deferred a command that may run a script (ClientState::defer_scripts): dispatches
  // it on a script thread and resumes when it is done, while this I/O thread serves other clients.
  boost::asio::awaitable<void> RunDeferredScript(std::span<const std::string_view> argv);

  // Pub/sub push path; all on this connection's executor.
  void DrainInbox();                           // posted by Deliver: inbox -> push_out_, wakes an idle read
  void TakePushes(std::string* out);           // moves every received message into `out`
  boost::asio::awaitable<bool> WritePushes();  // writes push_out_ until empty; false when the write failed
  bool OverOutputLimit(uint64_t pending);      // any thread
  void CloseForOutputLimit(uint64_t pending);  // logs as Redis does, then closes

  boost::asio::ip::tcp::socket socket_;
  ServerState& state_;
  const CommandTable& table_;
  ConnectionTracker& tracker_;
  ClientState client_;
  bool registered_ = false;

  protocol::RespParser parser_;
  std::string in_;        // read buffer; bytes [in_start_, in_end_) are unconsumed
  size_t in_start_ = 0;
  size_t in_end_ = 0;
  std::string out_;       // replies of the current batch
  std::string discarded_;  // replies silenced by CLIENT REPLY, dropped after each command
  std::vector<std::string_view> argv_;

  // Blocked-client state; touched only on this connection's executor.
  boost::asio::steady_timer block_timer_;
  boost::asio::steady_timer turn_timer_;  // JoinTurnCommit's wait
  std::shared_ptr<BlockedWaiter> waiter_;  // while blocked
  uint64_t wait_generation_ = 0;  // which WaitForWake() a timer handler belongs to
  bool wake_pending_ = false;     // the registry served the client (or a stale wake: checked)
  bool timed_out_ = false;
  bool reading_ = false;  // a read is pending: a wake or the deadline cancels it

  // Pub/sub. idle_reading_, push_out_ and push_writing_ are touched only on this connection's executor.
  bool idle_reading_ = false;  // Serve() waits for a read: a message cancels it to be written
  std::string push_out_;       // encoded messages not yet written
  std::string push_writing_;   // the batch of messages being written
  std::mutex inbox_mu_;
  std::vector<std::shared_ptr<const PubSubMessage>> inbox_;  // guarded by inbox_mu_
  bool drain_posted_ = false;                                // guarded by inbox_mu_
  std::atomic<uint64_t> push_pending_bytes_{0};  // delivered, not yet written (inbox_ + push_out_ + writing)
  std::atomic<int64_t> soft_limit_since_ms_{0};  // when the soft limit was first exceeded; 0 = under it
  std::atomic<bool> push_overflow_{false};       // over the limit: being closed, messages dropped
};

}  // namespace redrock::server
