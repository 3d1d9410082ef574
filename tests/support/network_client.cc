#include "tests/support/network_client.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/core/log.h"
#include "tests/support/resp_builders.h"

namespace redrock::server::testing {

size_t RespReplyEnd(std::string_view buf, size_t pos) {
  if (pos >= buf.size()) return std::string_view::npos;
  size_t eol = buf.find("\r\n", pos);
  if (eol == std::string_view::npos) return eol;
  const char type = buf[pos];
  const std::string header(buf.substr(pos + 1, eol - pos - 1));
  size_t next = eol + 2;
  switch (type) {
    case '$':
    case '=':
    case '!': {
      long len = std::stol(header);
      if (len < 0) return next;
      size_t end = next + static_cast<size_t>(len) + 2;
      return end <= buf.size() ? end : std::string_view::npos;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      long n = std::stol(header);
      if (type == '%' || type == '|') n *= 2;
      for (long i = 0; i < n; ++i) {
        next = RespReplyEnd(buf, next);
        if (next == std::string_view::npos) return next;
      }
      return next;
    }
    default:  // + - : _ , # (
      return next;
  }
}

NetworkClient::NetworkClient(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

NetworkClient::~NetworkClient() {
  if (fd_ >= 0) ::close(fd_);
}

void NetworkClient::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::string NetworkClient::Read(int count, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    size_t pos = 0;
    int complete = 0;
    while (complete < count) {
      size_t end = RespReplyEnd(buf_, pos);
      if (end == std::string::npos) break;
      pos = end;
      ++complete;
    }
    if (complete == count) {
      std::string out = buf_.substr(0, pos);
      buf_.erase(0, pos);
      return out;
    }
    if (!Fill(deadline)) {
      std::string out = std::move(buf_);
      buf_.clear();
      return out;
    }
  }
}

std::string NetworkClient::Call(std::initializer_list<std::string_view> args) {
  Send(redrock::testing::resp::Cmd(args));
  return Read();
}

bool NetworkClient::Quiet(int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (Fill(deadline)) {
  }
  return buf_.empty();
}

bool NetworkClient::WaitClosed(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Fill(deadline)) {
  }
  return closed_;
}

ConnectedClient::ConnectedClient(uint16_t port) : NetworkClient(port) { REQUIRE(connected()); }

bool NetworkClient::Fill(std::chrono::steady_clock::time_point deadline) {
  if (closed_) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buf_.append(chunk, static_cast<size_t>(n));
  return true;
}

NetworkServer::NetworkServer(const std::function<void(Config&)>& configure,
                             const std::function<void(engine::Options&)>& engine_options)
    : dir_("redrock-net-test") {
  SetLogLevel(LogLevel::kWarning);
  engine::Options options;
  options.dir = dir_.str();
  options.block_cache_bytes = 4u << 20;
  options.write_buffer_bytes = 4u << 20;
  if (engine_options) engine_options(options);
  auto opened = engine::Engine::Open(options);
  REQUIRE(opened.ok());
  engine_ = std::move(opened).value();
  REQUIRE(config_.Set("port", "0", ConfigSource::kStartup).ok());
  REQUIRE(config_.Set("io-threads", "2", ConfigSource::kStartup).ok());
  REQUIRE(config_.Set("dir", dir_.str(), ConfigSource::kStartup).ok());
  if (configure) configure(config_);
  server_ = std::make_unique<Server>(*engine_, config_);
  REQUIRE(server_->Start().ok());
  REQUIRE(server_->port() != 0);
}

NetworkServer::~NetworkServer() {
  server_->Stop();
  server_.reset();
  engine_.reset();
}

}  // namespace redrock::server::testing
