#include "server/net/connection.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>

#include "protocol/reply_writer.h"
#include "server/core/command_table.h"
#include "redrock/server/config.h"
#include "server/core/errors.h"
#include "server/core/log.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr size_t kInitialReadBuffer = 16 * 1024;
// A read buffer that grew past this (a big bulk) is given back once it is empty again.
constexpr size_t kKeepReadBuffer = 1024 * 1024;
// Replies are written out mid-batch once they reach this size, so a pipeline of big GETs does not
// accumulate without bound.
constexpr size_t kFlushThreshold = 4 * 1024 * 1024;
// Timeouts longer than this (about 100 years) block forever: the deadline would overflow the clock.
constexpr int64_t kForeverMs = int64_t{100} * 365 * 24 * 3600 * 1000;
// A blocked client that sends more than this (Redis's client-query-buffer-limit) is disconnected.
constexpr size_t kMaxBlockedQueryBuffer = size_t{1} << 30;

std::mutex g_tracker_mu;
std::condition_variable g_tracker_cv;

// The connection whose command is running on this thread (Deliver appends its own messages inline).
thread_local Connection* t_dispatching = nullptr;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string EndpointString(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// When the buffer holds the start of a multibulk command whose current bulk argument is incomplete,
// the number of bytes needed to hold the command up to the end of that argument; 0 when unknown. Lets
// the read buffer grow once to the size of a big argument instead of doubling its way there.
size_t BytesForCurrentArgument(std::string_view data) {
  auto read_line_number = [&](size_t& pos, char prefix, int64_t* value) {
    if (pos >= data.size() || data[pos] != prefix) return false;
    size_t eol = data.find("\r\n", pos);
    if (eol == std::string_view::npos || eol - pos > 21) return false;
    int64_t v = 0;
    for (size_t i = pos + 1; i < eol; ++i) {
      if (data[i] < '0' || data[i] > '9') return false;
      v = v * 10 + (data[i] - '0');
    }
    *value = v;
    pos = eol + 2;
    return true;
  };
  size_t pos = 0;
  int64_t argc = 0;
  if (!read_line_number(pos, '*', &argc)) return 0;
  for (int64_t i = 0; i < argc; ++i) {
    int64_t len = 0;
    if (!read_line_number(pos, '$', &len)) return 0;
    size_t end = pos + static_cast<size_t>(len) + 2;
    if (end > data.size()) return end;
    pos = end;
  }
  return 0;
}

}  // namespace

void ConnectionTracker::Done() {
  if (live.fetch_sub(1) == 1) {
    std::lock_guard lock(g_tracker_mu);
    g_tracker_cv.notify_all();
  }
}

bool ConnectionTracker::WaitIdle(int64_t timeout_ms) {
  std::unique_lock lock(g_tracker_mu);
  return g_tracker_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return live.load() == 0; });
}

Connection::Connection(tcp::socket socket, ServerState& state, const CommandTable& table,
                       ConnectionTracker& tracker)
    : socket_(std::move(socket)),
      state_(state),
      table_(table),
      tracker_(tracker),
      block_timer_(socket_.get_executor()),
      turn_timer_(socket_.get_executor()) {
  tracker_.live.fetch_add(1);
}

Connection::~Connection() {
  // A coroutine frame destroyed while blocked (server stop) still leaves the wait queue.
  if (waiter_) state_.blocking.Remove(waiter_);
  if (client_.blocked.waiter) state_.blocking.Remove(client_.blocked.waiter);
  // Normally done when Run() ends; again here for a frame destroyed without finishing.
  if (client_.subscribed) state_.pubsub.UnsubscribeAll(*this);
  state_.watches.UnwatchAll(client_);  // writers must not find this client any more
  if (registered_) state_.clients.Remove(&client_);
  tracker_.Done();
}

void Connection::Close() {
  // Runs between two handlers of this connection's thread, so a batch in progress completes first.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->socket_.shutdown(tcp::socket::shutdown_both, ec);
    self->socket_.close(ec);
  });
}

void Connection::UpdateParserLimits() {
  protocol::ParserLimits limits = parser_.limits();
  limits.max_bulk_len = state_.config.proto_max_bulk_len();
  parser_.set_limits(limits);
  parser_.set_authenticated(client_.authenticated);
}

asio::awaitable<void> Connection::Run(std::shared_ptr<Connection> self) {
  try {
    co_await self->Serve();
  } catch (const std::exception& e) {
    Log(LogLevel::kWarning, "Closing client {} after an internal error: {}", self->client_.addr, e.what());
  } catch (...) {
    Log(LogLevel::kWarning, "Closing client {} after an unknown internal error", self->client_.addr);
  }
  // No message is delivered to this connection once this returns.
  UnsubscribeClientFromAll(self->state_.pubsub, self->client_);
  boost::system::error_code ec;
  self->socket_.close(ec);
}

asio::awaitable<void> Connection::Serve() {
  boost::system::error_code ec;
  state_.stats.total_connections_received.fetch_add(1, std::memory_order_relaxed);

  if (static_cast<int64_t>(state_.clients.Count()) >= state_.config.maxclients()) {
    state_.stats.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    std::string reply = "-" + std::string(err::kMaxClients) + "\r\n";
    co_await asio::async_write(socket_, asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
    co_return;
  }

  socket_.set_option(tcp::no_delay(true), ec);
  socket_.set_option(asio::socket_base::keep_alive(true), ec);
  client_.id = state_.clients.NextId();
  client_.addr = EndpointString(socket_.remote_endpoint(ec));
  client_.laddr = EndpointString(socket_.local_endpoint(ec));
  client_.fd = socket_.native_handle();
  client_.created_ms = WallMs();
  client_.last_interaction_ms.store(client_.created_ms, std::memory_order_relaxed);
  client_.authenticated = state_.config.requirepass().empty();
  client_.may_block = true;  // a connection can wait in BLPOP & co. (see ClientState::CanBlock)
  client_.defer_scripts = static_cast<bool>(state_.run_script_job);
  std::weak_ptr<Connection> weak = weak_from_this();
  state_.clients.Add(&client_, [weak] {
    if (auto conn = weak.lock()) conn->Close();
  });
  registered_ = true;
  client_.subscriber = this;
  client_.reply_buffer = &out_;
  client_.discard_buffer = &discarded_;

  in_.resize(kInitialReadBuffer);
  argv_.reserve(16);
  UpdateParserLimits();

  for (;;) {
    if (!push_out_.empty() && !co_await WritePushes()) co_return;
    PrepareRead();
    idle_reading_ = true;
    size_t n = co_await socket_.async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                                                asio::redirect_error(asio::use_awaitable, ec));
    idle_reading_ = false;
    if (ec == asio::error::operation_aborted && socket_.is_open()) continue;  // messages to write
    if (ec || n == 0) co_return;
    in_end_ += n;
    state_.stats.total_net_input_bytes.fetch_add(n, std::memory_order_relaxed);
    client_.last_interaction_ms.store(WallMs(), std::memory_order_relaxed);

    if (!co_await ProcessBuffer()) co_return;
  }
}

void Connection::PrepareRead() {
  // Make room: compact the unconsumed bytes to the front, and grow only when one partial command
  // already fills the buffer (growth is driven by bytes actually received).
  if (in_start_ == in_end_) {
    in_start_ = in_end_ = 0;
    if (in_.size() > kKeepReadBuffer) {
      std::string().swap(in_);
      in_.resize(kInitialReadBuffer);
    }
  } else if (in_end_ == in_.size()) {
    if (in_start_ > 0) {
      std::memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
      in_end_ -= in_start_;
      in_start_ = 0;
    }
    if (in_end_ == in_.size()) {
      // The parser has already checked the argument's length against proto-max-bulk-len, so this
      // only grows to what an accepted command needs.
      size_t need = BytesForCurrentArgument(std::string_view(in_.data(), in_end_));
      in_.resize(std::max(need, in_.size() * 2));
    }
  }
}

namespace {

// Replaces the spans [begin, end) of `out` (ascending, disjoint) by one error reply each.
void ReplaceReplies(std::string* out, std::span<const std::pair<size_t, size_t>> spans, int resp,
                    std::string_view error) {
  std::string rewritten;
  rewritten.reserve(out->size());
  size_t at = 0;
  for (const auto& [begin, end] : spans) {
    rewritten.append(*out, at, begin - at);
    protocol::ReplyWriter writer(&rewritten, resp);
    writer.Error(error);
    at = end;
  }
  rewritten.append(*out, at, std::string::npos);
  out->swap(rewritten);
}

}  // namespace

void Connection::CommitWrites() {
  if (!engine::GroupCommit::pending() && first_uncommitted_write_ == 0) {
    uncommitted_.clear();
    return;
  }
  engine::Status st = engine::GroupCommit::Commit();
  FinishCommit(st.ok() ? std::string() : err::FromStatus(st));
}

void Connection::FinishCommit(std::string error) {
  if (error.empty() && first_uncommitted_write_ != 0 &&
      engine::GroupCommit::LastFailedThrough() >= first_uncommitted_write_) {
    // Committed (and failed) by someone else on this thread: a served blocked client, another
    // connection's flush.
    error = err::FromStatus(engine::Status::IOError(state_.engine.WriteFailureReason()));
  }
  if (!error.empty() && !uncommitted_.empty()) ReplaceReplies(&out_, uncommitted_, client_.resp, error);
  uncommitted_.clear();
  first_uncommitted_write_ = 0;
}

namespace {

// The connections of this I/O thread waiting for the turn's commit, and whether it is posted.
struct TurnCommitQueue {
  std::vector<std::weak_ptr<Connection>> waiting;
  bool posted = false;
};
thread_local TurnCommitQueue t_turn;

}  // namespace

asio::awaitable<void> Connection::JoinTurnCommit() {
  t_turn.waiting.push_back(weak_from_this());
  if (!t_turn.posted) {
    t_turn.posted = true;
    asio::post(socket_.get_executor(), &Connection::RunTurnCommit);
  }
  turn_done_ = false;
  turn_timer_.expires_at(std::chrono::steady_clock::time_point::max());
  while (!turn_done_) {
    boost::system::error_code ec;
    co_await turn_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  FinishCommit(std::move(turn_error_));
  turn_error_.clear();
}

void Connection::RunTurnCommit() {
  std::vector<std::weak_ptr<Connection>> waiting;
  waiting.swap(t_turn.waiting);
  t_turn.posted = false;
  engine::Status st = engine::GroupCommit::Commit();
  const std::string error = st.ok() ? std::string() : err::FromStatus(st);
  for (const auto& weak : waiting) {
    if (auto c = weak.lock()) {
      c->turn_error_ = error;
      c->turn_done_ = true;
      c->turn_timer_.cancel();
    }
  }
}

asio::awaitable<bool> Connection::ProcessBuffer() {
  out_.clear();
  bool keep_open = true;
  UpdateParserLimits();
  // The commands of this batch share one WAL append (CommitWrites). The scope is closed across every
  // co_await, so a command of another connection on this thread never runs inside it.
  std::optional<engine::GroupCommit> group(std::in_place);
  auto suspend = [&] {
    CommitWrites();
    group.reset();
  };
  for (;;) {
    size_t consumed = 0;
    std::string_view pending(in_.data() + in_start_, in_end_ - in_start_);
    if (pending.empty()) break;
    protocol::ParseStatus status = parser_.Parse(pending, &argv_, &consumed);
    if (status == protocol::ParseStatus::kNeedMore) break;
    if (status == protocol::ParseStatus::kError) {
      // As Redis: reply with the error, then close once it is written.
      Log(LogLevel::kVerbose, "Protocol error ({}) from client: id={} addr={}", parser_.error(), client_.id,
          client_.addr);
      protocol::ReplyWriter writer(ReplyTarget(), client_.resp);
      writer.Error(parser_.error());
      parser_.Reset();
      in_start_ = in_end_ = 0;
      keep_open = false;
      break;
    }
    in_start_ += consumed;
    if (argv_.empty()) continue;  // an empty inline line

    const bool was_authenticated = client_.authenticated;
    RunCommand(argv_);
    if (client_.script_deferred) {
      suspend();
      co_await RunDeferredScript(argv_);
      group.emplace();
    }
    if (client_.blocked.active) {
      // The rest of the buffer waits until this command is served or times out.
      suspend();
      if (!co_await Block()) co_return false;
      group.emplace();
    }
    if (client_.reply_skip || client_.reply_skip_next || !discarded_.empty()) [[unlikely]] EndSilencedCommand();
    if (client_.authenticated != was_authenticated) parser_.set_authenticated(client_.authenticated);
    if (client_.close_after_reply) {
      keep_open = false;
      break;
    }
    if (out_.size() >= kFlushThreshold) {
      // The argv views point into in_, which no read touches while we write.
      suspend();
      if (!co_await Flush()) co_return false;
      group.emplace();
    }
  }
  group->LeavePending();  // the turn's commit does it, for every connection of this poll
  group.reset();
  if (engine::GroupCommit::pending()) {
    co_await JoinTurnCommit();
  } else {
    FinishCommit({});  // nothing left pending: whatever this batch wrote was committed by someone
  }
  if (!out_.empty() && !co_await Flush()) co_return false;
  if (!keep_open) {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
  }
  co_return keep_open;
}

asio::awaitable<bool> Connection::Flush() {
  CommitWrites();  // no reply leaves before the writes it reports are in the WAL
  boost::system::error_code ec;
  size_t n = co_await asio::async_write(socket_, asio::buffer(out_), asio::redirect_error(asio::use_awaitable, ec));
  state_.stats.total_net_output_bytes.fetch_add(n, std::memory_order_relaxed);
  out_.clear();
  if (out_.capacity() > 2 * kFlushThreshold) std::string().swap(out_);
  co_return !ec;
}

void Connection::RunCommand(std::span<const std::string_view> argv) {
  // Messages that reached this client before the command go before its reply, as in Redis's single
  // output stream (so nothing published earlier trails an UNSUBSCRIBE confirmation).
  if (client_.subscribed) TakePushes(&out_);
  protocol::ReplyWriter writer(ReplyTarget(), client_.resp);
  const size_t reply_begin = out_.size();
  const uint64_t writes_before = engine::GroupCommit::ThreadWrites();
  t_dispatching = this;
  table_.Dispatch(client_, state_, writer, argv);
  t_dispatching = nullptr;
  if (engine::GroupCommit::ThreadWrites() != writes_before) {
    if (first_uncommitted_write_ == 0) first_uncommitted_write_ = writes_before + 1;
    if (out_.size() > reply_begin) uncommitted_.emplace_back(reply_begin, out_.size());
  }
}

void Connection::EndSilencedCommand() {
  // Redis's resetClient: a SKIP covered the command just done; a CLIENT REPLY SKIP just done covers the next.
  client_.reply_skip = client_.reply_skip_next;
  client_.reply_skip_next = false;
  discarded_.clear();
  if (discarded_.capacity() > kFlushThreshold) std::string().swap(discarded_);
}

asio::awaitable<void> Connection::RunDeferredScript(std::span<const std::string_view> argv) {
  client_.script_deferred = false;
  client_.defer_scripts = false;  // the script thread's Dispatch runs it
  // Until the job is done nothing on this thread touches out_, client_ or the read buffer the argv
  // views point into: this coroutine waits, and the pub/sub push path only uses push_out_ and the inbox.
  auto executor = socket_.get_executor();
  auto done = std::make_shared<asio::steady_timer>(executor, std::chrono::steady_clock::time_point::max());
  state_.run_script_job([self = shared_from_this(), argv, done, executor] {
    protocol::ReplyWriter writer(self->ReplyTarget(), self->client_.resp);
    const size_t reply_begin = self->out_.size();
    {
      // The script's writes share one WAL append, made before its reply can leave.
      engine::GroupCommit group;
      const uint64_t writes_before = engine::GroupCommit::ThreadWrites();
      t_dispatching = self.get();
      self->table_.Dispatch(self->client_, self->state_, writer, argv);
      t_dispatching = nullptr;
      engine::Status st = engine::GroupCommit::Commit();
      const bool wrote = engine::GroupCommit::ThreadWrites() != writes_before;
      if (st.ok() && wrote && engine::GroupCommit::LastFailedThrough() > writes_before) {
        st = engine::Status::IOError(self->state_.engine.WriteFailureReason());
      }
      if (!st.ok() && wrote && self->out_.size() > reply_begin) {
        const std::pair<size_t, size_t> span{reply_begin, self->out_.size()};
        ReplaceReplies(&self->out_, {&span, 1}, self->client_.resp, err::FromStatus(st));
      }
    }
    asio::post(executor, [done] { done->cancel(); });
  });
  boost::system::error_code ec;
  co_await done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  client_.defer_scripts = true;
}

asio::awaitable<bool> Connection::Block() {
  using Clock = std::chrono::steady_clock;
  // The handler registered the client (server/core/blocking.h); from now on the registry serves it.
  waiter_ = std::move(client_.blocked.waiter);
  const int64_t timeout_ms = client_.blocked.timeout_ms;
  client_.blocked = BlockedState{};
  client_.waiting_blocked.store(true, std::memory_order_relaxed);
  struct ClearWaiting {
    ClientState& client;
    ~ClearWaiting() { client.waiting_blocked.store(false, std::memory_order_relaxed); }
  } clear_waiting{client_};
  Clock::time_point deadline = Clock::time_point::max();
  if (timeout_ms > 0 && timeout_ms < kForeverMs) deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::weak_ptr<Connection> weak = weak_from_this();
  auto executor = socket_.get_executor();
  const BlockedWaiter* const waiter = waiter_.get();
  state_.blocking.SetWake(*waiter_, [weak, executor, waiter] {
    // Called by whoever served the client, on any thread: only posts.
    asio::post(executor, [weak, waiter] {
      auto self = weak.lock();
      // Ignore a wake for a wait that is over or a connection that is gone.
      if (!self || self->waiter_.get() != waiter) return;
      self->wake_pending_ = true;
      if (self->reading_) {
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
      }
    });
  });

  bool ok = out_.empty() || co_await Flush();
  while (ok) {
    wake_pending_ = false;
    if (state_.blocking.TakeReply(*waiter_, ReplyTarget())) {
      waiter_.reset();
      co_return true;
    }
    const WaitResult result = co_await WaitForWake(deadline);
    if (result == WaitResult::kWoken) continue;
    if (result == WaitResult::kClosed) break;
    // The deadline: unless it was served meanwhile (its reply is then on its way), the timeout reply.
    if (state_.blocking.Remove(waiter_)) {
      waiter_.reset();
      protocol::ReplyWriter writer(ReplyTarget(), client_.resp);
      writer.NullArray();  // see BlockedState
      co_return true;
    }
    deadline = Clock::time_point::max();
  }
  state_.blocking.Remove(waiter_);
  waiter_.reset();
  co_return false;
}

asio::awaitable<Connection::WaitResult> Connection::WaitForWake(std::chrono::steady_clock::time_point deadline) {
  const uint64_t generation = ++wait_generation_;
  timed_out_ = false;
  if (deadline != std::chrono::steady_clock::time_point::max()) {
    block_timer_.expires_at(deadline);
    block_timer_.async_wait([weak = weak_from_this(), generation](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self || self->wait_generation_ != generation) return;
      self->timed_out_ = true;
      if (self->reading_) {
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
      }
    });
  }
  WaitResult result = WaitResult::kClosed;
  boost::system::error_code ec;
  for (;;) {
    if (!push_out_.empty()) {
      // A subscriber (RESP3) blocked in BLPOP & co. still receives its messages.
      if (!co_await WritePushes()) break;
      continue;
    }
    if (wake_pending_) {
      result = WaitResult::kWoken;
      break;
    }
    if (timed_out_) {
      result = WaitResult::kTimeout;
      break;
    }
    // Keep reading while blocked, as Redis does: later commands are buffered for afterwards, and a
    // client that disconnects is noticed (and leaves the wait queue) at once.
    PrepareRead();
    if (in_end_ - in_start_ > kMaxBlockedQueryBuffer) break;
    reading_ = true;
    size_t n = co_await socket_.async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                                                asio::redirect_error(asio::use_awaitable, ec));
    reading_ = false;
    if (ec == asio::error::operation_aborted && socket_.is_open()) continue;  // a wake or the deadline
    if (ec || n == 0) break;
    in_end_ += n;
    state_.stats.total_net_input_bytes.fetch_add(n, std::memory_order_relaxed);
    client_.last_interaction_ms.store(WallMs(), std::memory_order_relaxed);
  }
  ++wait_generation_;  // a timer handler still in flight is now stale
  block_timer_.cancel();
  co_return result;
}

// ---- Pub/sub push path ------------------------------------------------------------------------------

void Connection::Deliver(const std::shared_ptr<const PubSubMessage>& message) {
  if (t_dispatching == this) {
    // Published by this client's own command (RESP3 PUBLISH to itself, a keyspace event of its own
    // write): Redis puts it in the reply stream right away, before the command's reply.
    message->AppendTo(&out_, client_.resp);
    return;
  }
  if (push_overflow_.load(std::memory_order_relaxed)) return;  // being closed
  const uint64_t size = message->frame().size();
  const uint64_t pending = push_pending_bytes_.fetch_add(size, std::memory_order_relaxed) + size;
  if (OverOutputLimit(pending)) {
    push_pending_bytes_.fetch_sub(size, std::memory_order_relaxed);
    if (!push_overflow_.exchange(true)) {
      if (auto self = weak_from_this().lock()) {
        asio::post(socket_.get_executor(), [self, pending] { self->CloseForOutputLimit(pending); });
      }
    }
    return;
  }
  bool post = false;
  {
    std::lock_guard lock(inbox_mu_);
    inbox_.push_back(message);
    if (!drain_posted_) drain_posted_ = post = true;
  }
  if (post) {
    // The registry unsubscribes a connection before it is destroyed, so `this` is alive; lock() fails
    // only while its destructor waits for that (the message is then moot).
    if (auto self = weak_from_this().lock()) {
      asio::post(socket_.get_executor(), [self] { self->DrainInbox(); });
    }
  }
}

bool Connection::OverOutputLimit(uint64_t pending) {
  const OutputBufferLimit limit = state_.pubsub.pubsub_limit();
  if (limit.hard_bytes != 0 && pending >= limit.hard_bytes) return true;
  if (limit.soft_bytes != 0 && pending >= limit.soft_bytes) {
    // Over the soft limit continuously for more than soft_seconds (Redis's checkClientOutputBufferLimits).
    const int64_t now = SteadyMs();
    int64_t since = soft_limit_since_ms_.load(std::memory_order_relaxed);
    if (since == 0) {
      soft_limit_since_ms_.compare_exchange_strong(since, now, std::memory_order_relaxed);
      return false;
    }
    return now - since > limit.soft_seconds * 1000;
  }
  soft_limit_since_ms_.store(0, std::memory_order_relaxed);
  return false;
}

void Connection::CloseForOutputLimit(uint64_t pending) {
  std::string name;
  {
    std::lock_guard lock(state_.clients.mutex());
    name = client_.name;
  }
  Log(LogLevel::kWarning,
      "Client id={} addr={} laddr={} fd={} name={} flags=P db={} sub={} psub={} ssub={} omem={} resp={} "
      "scheduled to be closed ASAP for overcoming of output buffer limits.",
      client_.id, client_.addr, client_.laddr, client_.fd, name, client_.db.load(std::memory_order_relaxed),
      client_.sub_channels.load(std::memory_order_relaxed), client_.sub_patterns.load(std::memory_order_relaxed),
      client_.sub_shard_channels.load(std::memory_order_relaxed), pending, client_.resp);
  {
    std::lock_guard lock(inbox_mu_);
    inbox_.clear();
  }
  push_out_.clear();
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

void Connection::DrainInbox() {
  std::vector<std::shared_ptr<const PubSubMessage>> batch;
  {
    std::lock_guard lock(inbox_mu_);
    batch.swap(inbox_);
    drain_posted_ = false;
  }
  if (push_overflow_.load(std::memory_order_relaxed)) return;
  uint64_t dropped = 0;
  for (const auto& message : batch) {
    // A message that raced with the client's last UNSUBSCRIBE is dropped: a client back in normal
    // mode must see replies only.
    if (!client_.subscribed) {
      dropped += message->frame().size();
      continue;
    }
    message->AppendTo(&push_out_, client_.resp);
  }
  if (dropped) push_pending_bytes_.fetch_sub(dropped, std::memory_order_relaxed);
  if (!push_out_.empty() && (idle_reading_ || reading_)) {
    // The read loop resumes (operation_aborted), writes the messages and reads again; no input is lost.
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
}

void Connection::TakePushes(std::string* out) {
  {
    std::lock_guard lock(inbox_mu_);
    if (!inbox_.empty()) {
      for (const auto& message : inbox_) message->AppendTo(&push_out_, client_.resp);
      inbox_.clear();
    }
  }
  if (push_out_.empty()) return;
  push_pending_bytes_.fetch_sub(push_out_.size(), std::memory_order_relaxed);
  out->append(push_out_);
  push_out_.clear();
}

asio::awaitable<bool> Connection::WritePushes() {
  while (!push_out_.empty()) {
    push_writing_.swap(push_out_);
    push_out_.clear();
    boost::system::error_code ec;
    size_t n = co_await asio::async_write(socket_, asio::buffer(push_writing_),
                                          asio::redirect_error(asio::use_awaitable, ec));
    state_.stats.total_net_output_bytes.fetch_add(n, std::memory_order_relaxed);
    push_pending_bytes_.fetch_sub(push_writing_.size(), std::memory_order_relaxed);
    push_writing_.clear();
    if (push_writing_.capacity() > 2 * kFlushThreshold) std::string().swap(push_writing_);
    if (ec) co_return false;
  }
  co_return true;
}

}  // namespace redrock::server
