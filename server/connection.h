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
#include <string>
#include <vector>

#include "protocol/resp_parser.h"
#include "server/blocking.h"
#include "server/client_state.h"

namespace redrock::server {

class CommandTable;
struct ServerState;

// Counts live connections so Server::Stop() can wait for them to finish.
struct ConnectionTracker {
  std::atomic<int64_t> live{0};
  void Done();             // notifies waiters when the count reaches zero
  bool WaitIdle(int64_t timeout_ms);
};

class Connection : public std::enable_shared_from_this<Connection> {
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

 private:
  boost::asio::awaitable<void> Serve();
  boost::asio::awaitable<bool> Flush();  // writes out_; false when the write failed
  // Parses and runs every complete command in the read buffer; false when the connection must close.
  boost::asio::awaitable<bool> ProcessBuffer();
  void UpdateParserLimits();

  // Blocking commands (see server/blocking.h). After a handler set client_.blocked: writes out the
  // replies so far, registers a waiter and re-runs the command on every wake until it is served or its
  // deadline passes (the timeout reply), keeping later commands of the buffer for afterwards. The final
  // reply is left in out_. False when the connection closed meanwhile.
  boost::asio::awaitable<bool> Block();
  enum class WaitResult { kWoken, kTimeout, kClosed };
  // Waits, reading (and buffering) whatever the client sends meanwhile, so a disconnect is noticed.
  boost::asio::awaitable<WaitResult> WaitForWake(std::chrono::steady_clock::time_point deadline);
  // Makes room after in_end_ for the next read (compacts, grows).
  void PrepareRead();
  // True when the command in argv_ is a blocking one (only those may block).
  bool IsBlockingCommand() const;

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
  std::vector<std::string_view> argv_;

  // Blocked-client state; touched only on this connection's executor.
  boost::asio::steady_timer block_timer_;
  std::shared_ptr<BlockingRegistry::Waiter> waiter_;
  uint64_t block_id_ = 0;         // which Block() a posted wake belongs to
  uint64_t wait_generation_ = 0;  // which WaitForWake() a timer handler belongs to
  bool wake_pending_ = false;
  bool timed_out_ = false;
  bool reading_ = false;  // a read is pending: a wake or the deadline cancels it
};

}  // namespace redrock::server
