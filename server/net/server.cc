#include "redrock/server/server.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "redrock/engine/engine.h"
#include "server/core/command_table.h"
#include "server/commands/families.h"
#include "redrock/server/config.h"
#include "server/net/connection.h"
#include "server/core/log.h"
#include "server/scripting/scripting.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr int kScriptThreads = 2;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct BindAddress {
  asio::ip::address address;
  bool optional = false;  // Redis's "-addr": skip it when it cannot be bound (e.g. no IPv6)
  std::string text;
};

bool ParseBindAddress(std::string_view word, BindAddress* out) {
  if (!word.empty() && word.front() == '-') {
    out->optional = true;
    word.remove_prefix(1);
  }
  out->text = std::string(word);
  std::string host = out->text;
  if (host == "*") host = "0.0.0.0";
  if (host == "::*") host = "::";
  boost::system::error_code ec;
  out->address = asio::ip::make_address(host, ec);
  return !ec;
}

// Redis's islocalClient: exactly 127.0.0.1 or ::1 (not the rest of 127/8).
bool IsLocalClient(const asio::ip::address& address) {
  if (address.is_v4()) return address.to_v4() == asio::ip::address_v4::loopback();
  return address.is_v6() && address.to_v6() == asio::ip::address_v6::loopback();
}

}  // namespace

struct Server::Impl {
  Impl(engine::Engine& engine, Config& config) : config(config), state(engine, config) {}

  Config& config;
  ServerState state;
  CommandTable table;
  ConnectionTracker tracker;

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  // Where commands that run Lua scripts run (ClientState::defer_scripts), so a busy script never holds
  // an I/O thread. Two threads: a script waiting for the exec gate behind a busy one must still get its
  // BUSY answer.
  std::unique_ptr<asio::thread_pool> script_pool;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::unique_ptr<asio::steady_timer> cron;
  std::atomic<size_t> next_context{0};
  std::atomic<bool> running{false};
  uint16_t port = 0;

  std::mutex shutdown_mu;
  std::condition_variable shutdown_cv;
  bool shutdown_requested = false;

  // Config callbacks outlive the server; they check this before touching the engine.
  std::shared_ptr<std::atomic<engine::Engine*>> engine_alive =
      std::make_shared<std::atomic<engine::Engine*>>(nullptr);

  // contexts[0..io_threads) serve clients round robin. The last one, the control context, runs the
  // acceptors and the cron. Lua scripts run on script_pool, never on an I/O thread, so every client
  // stays heard while one runs (and gets BUSY, or sends SCRIPT KILL, once it is busy).
  asio::io_context& Control() { return *contexts.back(); }
  asio::io_context& NextContext() {
    const size_t io_threads = contexts.size() - 1;
    return *contexts[next_context.fetch_add(1, std::memory_order_relaxed) % io_threads];
  }

  // protected-mode yes with no password: only clients from 127.0.0.1 or ::1 are served, as in Redis 7.0
  // (the exact addresses, whatever `bind` says). Any other client gets one -DENIED line and is closed.
  bool DeniedByProtectedMode(tcp::socket& socket) {
    if (config.Get("protected-mode") != "yes" || !config.requirepass().empty()) return false;
    boost::system::error_code ec;
    tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return true;  // already gone
    if (IsLocalClient(peer.address())) return false;
    static constexpr std::string_view kDenied =
        "-DENIED redrock is in protected mode: protected-mode is yes and no password is set, so only clients "
        "on the loopback interface (127.0.0.1, ::1) are served. To serve other hosts, set a password "
        "(requirepass), or turn protected mode off (CONFIG SET protected-mode no from a loopback client, or "
        "start with --protected-mode no), and make sure the server is not reachable from the internet.\r\n";
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(kDenied.data(), kDenied.size()), ec);  // best effort, as in Redis
    socket.close(ec);
    state.stats.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket accepted(co_await acceptor.async_accept(Control(), asio::redirect_error(asio::use_awaitable, ec)));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open() || !running.load()) co_return;
        Log(LogLevel::kWarning, "Accepting client connection: {}", ec.message());
        // Out of descriptors and the like: back off briefly instead of spinning.
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      if (!running.load()) co_return;
      if (DeniedByProtectedMode(accepted)) continue;
      asio::io_context& target = NextContext();
      tcp::socket socket = std::move(accepted);
      if (&target != &Control()) {
        const auto protocol = socket.local_endpoint(ec).protocol();
        if (ec) continue;  // the peer is already gone
        socket = tcp::socket(target, protocol, socket.release(ec));
        if (ec) continue;
      }
      try {
        auto conn = std::make_shared<Connection>(std::move(socket), state, table, tracker);
        asio::co_spawn(target, Connection::Run(std::move(conn)), asio::detached);
      } catch (const std::exception& e) {
        // Out of memory for one more client: drop it, keep accepting.
        Log(LogLevel::kWarning, "Dropping a new client: {}", e.what());
      }
    }
  }

  // Once a second: close clients idle for longer than `timeout` seconds.
  asio::awaitable<void> Cron() {
    for (;;) {
      boost::system::error_code ec;
      cron->expires_after(std::chrono::seconds(1));
      co_await cron->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !running.load()) co_return;
      int64_t timeout = config.timeout();
      if (timeout <= 0) continue;
      int64_t now = WallMs();
      state.clients.ForEach([&](ClientState& client, const std::function<void()>& close) {
        // Blocked clients are exempt, as in Redis: their wait has its own timeout. So are pub/sub
        // subscribers, which may legitimately stay silent for ever.
        if (client.waiting_blocked.load(std::memory_order_relaxed)) return;
        if (client.sub_channels.load(std::memory_order_relaxed) + client.sub_patterns.load(std::memory_order_relaxed) +
                client.sub_shard_channels.load(std::memory_order_relaxed) >
            0) {
          return;
        }
        if (now - client.last_interaction_ms.load(std::memory_order_relaxed) > timeout * 1000) {
          Log(LogLevel::kVerbose, "Closing idle client");
          close();
        }
      });
    }
  }

  common::Status Bind() {
    std::vector<BindAddress> addresses;
    for (const std::string& word : config.bind()) {
      BindAddress addr;
      if (!ParseBindAddress(word, &addr)) {
        return common::Status::InvalidArgument("Invalid bind address '" + word + "'");
      }
      addresses.push_back(addr);
    }
    if (addresses.empty()) return common::Status::InvalidArgument("No bind address configured");
    uint16_t want = static_cast<uint16_t>(config.port());
    int backlog = 511;
    if (auto v = config.Get("tcp-backlog")) backlog = std::stoi(*v);
    for (const BindAddress& addr : addresses) {
      auto acceptor = std::make_unique<tcp::acceptor>(Control());
      tcp::endpoint endpoint(addr.address, want);
      boost::system::error_code ec;
      acceptor->open(endpoint.protocol(), ec);
      if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec && addr.address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acceptor->bind(endpoint, ec);
      if (!ec) acceptor->listen(backlog, ec);
      if (ec) {
        if (addr.optional) {
          Log(LogLevel::kNotice, "Skipping optional bind address {}: {}", addr.text, ec.message());
          continue;
        }
        return common::Status::IOError("Could not create server TCP listening socket " + addr.text + ":" +
                                       std::to_string(want) + ": " + ec.message());
      }
      // With port 0 the first listener picks the port; the others reuse it.
      if (want == 0) want = acceptor->local_endpoint(ec).port();
      acceptors.push_back(std::move(acceptor));
    }
    if (acceptors.empty()) return common::Status::IOError("Could not bind any address");
    port = want;
    return common::Status::OK();
  }
};

Server::Server(engine::Engine& engine, Config& config) : impl_(std::make_unique<Impl>(engine, config)) {
  RegisterAllCommands(impl_->table);
  impl_->state.request_shutdown = [this] { RequestShutdown(); };
  impl_->engine_alive->store(&engine);
  std::weak_ptr<std::atomic<engine::Engine*>> alive = impl_->engine_alive;
  config.OnChange("appendfsync", [alive](const std::string& value) {
    auto holder = alive.lock();
    engine::Engine* e = holder ? holder->load() : nullptr;
    if (e == nullptr) return;
    e->SetSyncMode(Config::SyncModeFor(value));
  });
  config.OnChange("loglevel", [](const std::string& value) { SetLogLevel(std::string_view(value)); });
}

Server::~Server() {
  Stop();
  impl_->engine_alive->store(nullptr);
}

common::Status Server::Start() {
  if (impl_->running.load()) return common::Status::OK();
  int threads = impl_->config.io_threads();
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl_->contexts.clear();
  impl_->guards.clear();
  impl_->acceptors.clear();
  for (int i = 0; i < threads + 1; ++i) impl_->contexts.push_back(std::make_unique<asio::io_context>(1));

  common::Status s = impl_->Bind();
  if (!s.ok()) {
    impl_->acceptors.clear();
    impl_->contexts.clear();
    return s;
  }
  impl_->state.tcp_port = impl_->port;
  impl_->state.start_time_ms = WallMs();
  {
    std::lock_guard lock(impl_->shutdown_mu);
    impl_->shutdown_requested = false;
  }
  impl_->running.store(true);

  for (auto& acceptor : impl_->acceptors) {
    asio::co_spawn(impl_->Control(), impl_->AcceptLoop(*acceptor), asio::detached);
  }
  impl_->cron = std::make_unique<asio::steady_timer>(impl_->Control());
  asio::co_spawn(impl_->Control(), impl_->Cron(), asio::detached);

  impl_->script_pool = std::make_unique<asio::thread_pool>(kScriptThreads);
  impl_->state.run_script_job = [pool = impl_->script_pool.get()](std::function<void()> job) {
    asio::post(*pool, std::move(job));
  };

  for (auto& ctx : impl_->contexts) {
    impl_->guards.push_back(asio::make_work_guard(*ctx));
    asio::io_context* raw = ctx.get();
    impl_->threads.emplace_back([raw] {
      for (;;) {
        try {
          raw->run();
          return;
        } catch (const std::exception& e) {
          Log(LogLevel::kWarning, "I/O thread: unexpected exception: {}", e.what());
        }
      }
    });
  }
  return common::Status::OK();
}

uint16_t Server::port() const { return impl_->port; }

void Server::Stop() {
  if (!impl_->running.exchange(false)) return;
  // A Lua script stuck in a loop would hold its I/O thread, and so this Stop, forever: stop it (even one
  // that wrote, as SHUTDOWN NOSAVE does; a no-op when no script runs).
  impl_->state.scripting->run_state().ForceKill();
  // 1. Stop accepting (on the acceptors' own thread, and wait for it).
  std::promise<void> closed;
  asio::post(impl_->Control(), [&] {
    boost::system::error_code ec;
    for (auto& acceptor : impl_->acceptors) acceptor->close(ec);
    if (impl_->cron) impl_->cron->cancel();
    closed.set_value();
  });
  closed.get_future().wait();
  // 2. Close every connection; each finishes the batch it is running first. Repeat for connections
  //    that were accepted but not yet registered on the first pass.
  for (int attempt = 0; attempt < 50; ++attempt) {
    impl_->state.clients.ForEach([](ClientState&, const std::function<void()>& close) { close(); });
    if (impl_->tracker.WaitIdle(100)) break;
  }
  // 3. Let the script threads finish (the running script was killed above; a connection waiting for one
  //    is resumed on its I/O thread, which still runs), then stop the I/O threads.
  impl_->script_pool->join();
  impl_->guards.clear();
  for (auto& ctx : impl_->contexts) ctx->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->acceptors.clear();
  impl_->cron.reset();
  impl_->contexts.clear();  // destroys any coroutine frames still pending
  impl_->state.run_script_job = nullptr;
  impl_->script_pool.reset();
  RequestShutdown();
}

void Server::WaitForShutdown() {
  std::unique_lock lock(impl_->shutdown_mu);
  impl_->shutdown_cv.wait(lock, [&] { return impl_->shutdown_requested; });
}

void Server::RequestShutdown() {
  std::lock_guard lock(impl_->shutdown_mu);
  impl_->shutdown_requested = true;
  impl_->shutdown_cv.notify_all();
}

ServerState& Server::state() { return impl_->state; }

}  // namespace redrock::server
