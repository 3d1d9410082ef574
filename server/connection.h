#pragma once
// One client connection: a coroutine that owns its socket, reads into one reused buffer, parses every
// complete command in it, dispatches them in order into one output buffer, and writes that once.
// Private to server/.

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "protocol/resp_parser.h"
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
};

}  // namespace redrock::server
