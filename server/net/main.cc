// redrock-server [config-file] [--name value ...]
//
// Reads redis.conf-style options (the file first, then the command line, as redis-server does), opens
// the engine on `dir`, serves RESP until SIGTERM/SIGINT or SHUTDOWN, then stops gracefully and exits 0.
// redrock never forks: `daemonize yes` is refused (run it under systemd, docker or similar instead), as is
// every option that configures a protection or limit redrock does not provide (see config_options.cc).

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "redrock/server/engine_options.h"
#include "server/config/config_loader.h"
#include "server/core/log.h"
#include "redrock/server/server.h"
#include "server/core/server_state.h"

namespace {

using redrock::server::Config;
using redrock::server::LogLevel;
using redrock::server::Log;

constexpr const char* kVersion = "0.1.0";
constexpr const char* kRedisVersion = "7.0.15";

// For the signal-watching thread, which outlives the server.
std::atomic<redrock::server::Server*> g_server{nullptr};

void Usage() {
  std::fprintf(stderr,
               "Usage: ./redrock-server [/path/to/redis.conf] [options]\n"
               "       ./redrock-server -v or --version\n"
               "       ./redrock-server -h or --help\n\n"
               "Examples:\n"
               "       ./redrock-server (run the server with default conf)\n"
               "       ./redrock-server /etc/redis/6379.conf\n"
               "       ./redrock-server --port 7777\n"
               "       ./redrock-server /etc/myredis.conf --loglevel verbose\n"
               "       ./redrock-server --bind 127.0.0.1 --port 6379 --dir ./data\n");
}

[[noreturn]] void FatalConfigError(const redrock::server::ConfigLoadError& error) {
  std::fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n", kRedisVersion);
  std::fprintf(stderr, "Reading the configuration file, at line %d\n", error.line);
  std::fprintf(stderr, ">>> '%s'\n", error.text.c_str());
  std::fprintf(stderr, "%s\n", error.reason.c_str());
  std::exit(1);
}

[[noreturn]] void Fatal(const std::string& message) {
  std::fprintf(stderr, "redrock-server: %s\n", message.c_str());
  std::exit(1);
}

// One notice per option given that redrock does not act on: kept only for CONFIG GET (no effect), or
// a feature redrock does not provide left at its off value. Options redrock acts on get none.
void NoticeOptionsWithoutEffect(const std::string& text, const Config& config) {
  using redrock::server::ConfigEffect;
  std::set<std::string> seen;
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> args;
  while (std::getline(lines, line)) {
    if (!redrock::server::SplitConfigArgs(line, &args) || args.empty() || args[0][0] == '#') continue;
    std::string name = args[0];
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!seen.insert(name).second) continue;
    if (name == "unixsocket") {
      std::string path = config.Get("unixsocket").value_or("");
      if (!path.empty()) {
        Log(LogLevel::kWarning,
            "unixsocket {}: redrock does not listen on Unix sockets yet; nothing is created there, clients must "
            "connect over TCP",
            path);
      }
      continue;
    }
    std::string note;
    switch (redrock::server::ConfigOptionEffect(name, &note)) {
      case ConfigEffect::kActedOn:
      case ConfigEffect::kUnknown:
        break;
      case ConfigEffect::kNotProvided: {
        // At an off value (daemonize no, tls-port 0, aclfile "") it says what redrock does: nothing to
        // add. A default that promises a limit (client-query-buffer-limit) gets the refusal sentence.
        std::string value = config.Get(name).value_or("");
        if (value.empty() || value == "0" || value == "no") break;
        Log(LogLevel::kNotice, "Option '{}' is accepted only at its default value: {}", name, note);
        break;
      }
      case ConfigEffect::kNoEffect:
        if (note.empty()) {
          Log(LogLevel::kNotice, "Option '{}' has no effect in redrock (kept only so CONFIG GET returns it)", name);
        } else {
          Log(LogLevel::kNotice, "Option '{}' has no effect in redrock (kept only so CONFIG GET returns it): {}",
              name, note);
        }
        break;
    }
  }
}

// The startup banner. Redis's test suite waits for " PID: <pid>" in the log of a server it starts (Redis
// prints it in its ASCII logo). As in Redis it is shown when always-show-logo is yes, or when the log is
// a terminal; otherwise one "Running mode" line says the same.
void LogBanner(const Config& config, int port) {
  bool to_tty = config.logfile().empty() && isatty(STDOUT_FILENO);
  if (config.Get("always-show-logo") == "yes" || to_tty) {
    Log(LogLevel::kNotice, "redrock {} (Redis {} compatible) {} bit, standalone mode, Port: {}, PID: {}", kVersion,
        kRedisVersion, sizeof(void*) * 8, port, static_cast<long>(getpid()));
  } else {
    Log(LogLevel::kNotice, "Running mode=standalone, port={}.", port);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_file;
  int first_option = 1;
  if (argc >= 2) {
    std::string_view first = argv[1];
    if (first == "-v" || first == "--version") {
      std::printf("redrock-server v=%s (Redis %s compatible)\n", kVersion, kRedisVersion);
      return 0;
    }
    if (first == "-h" || first == "--help") {
      Usage();
      return 0;
    }
    if (first.substr(0, 2) != "--") {
      config_file = argv[1];
      first_option = 2;
    }
  }

  // The file's text, then the command-line options as extra lines, so errors point at the same lines
  // redis-server would report.
  std::string text;
  if (!config_file.empty()) {
    std::ifstream in(config_file, std::ios::binary);
    if (!in) Fatal("Fatal error, can't open config file '" + config_file + "': " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  std::string options;
  for (int i = first_option; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.size() > 2 && arg.substr(0, 2) == "--") {
      if (!options.empty()) options += "\n";
      options += std::string(arg.substr(2)) + " ";
    } else if (options.empty()) {
      Fatal("Invalid option '" + std::string(arg) + "': options must be given as --name value");
    } else {
      options += redrock::server::QuoteConfigArg(arg) + " ";
    }
  }
  text += "\n" + options + "\n";

  Config config;
  redrock::server::ConfigLoadError error;
  if (!redrock::server::LoadConfigText(config, text, &error).ok()) FatalConfigError(error);

  if (!config.logfile().empty() && !redrock::server::SetLogFile(config.logfile())) {
    Fatal("Can't open the log file: " + std::string(std::strerror(errno)));
  }
  redrock::server::SetLogLevel(std::string_view(config.loglevel()));
  Log(LogLevel::kWarning, "redrock {} (Redis {} compatible) starting, pid={}", kVersion, kRedisVersion,
      static_cast<long>(getpid()));
  Log(LogLevel::kWarning, "Configuration loaded{}", config_file.empty() ? " (no config file)" : " from " + config_file);
  NoticeOptionsWithoutEffect(text, config);

  auto engine_options = redrock::server::EngineOptionsFor(config);
  if (!engine_options.ok()) Fatal(engine_options.status().message());

  // Block the shutdown signals in every thread; one thread waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::error_code ec;
  std::filesystem::create_directories(config.dir(), ec);
  if (ec) Fatal("Can't create the data directory '" + config.dir() + "': " + ec.message());

  auto opened = redrock::engine::Engine::Open(*engine_options);
  if (!opened.ok()) {
    const auto& status = opened.status();
    if (status.code() == redrock::engine::Status::Code::kBusy) {
      Fatal("The data directory '" + config.dir() + "' is in use by another redrock instance (" +
            status.message() + ")");
    }
    Fatal("Can't open the database in '" + config.dir() + "': " + status.ToString());
  }
  std::unique_ptr<redrock::engine::Engine> engine = std::move(opened).value();

  auto server = std::make_unique<redrock::server::Server>(*engine, config);
  if (!config_file.empty()) {
    server->state().config_file = std::filesystem::absolute(config_file, ec).string();
  }
  server->state().executable = std::filesystem::read_symlink("/proc/self/exe", ec).string();

  redrock::common::Status started = server->Start();
  if (!started.ok()) {
    Log(LogLevel::kWarning, "{}", started.message());
    Log(LogLevel::kWarning, "Failed listening on port {} (TCP), aborting.", config.port());
    server.reset();
    engine.reset();
    return 1;
  }

  std::string pidfile = config.Get("pidfile").value_or("");
  if (!pidfile.empty()) {
    std::ofstream(pidfile) << getpid() << "\n";
  }

  g_server.store(server.get());
  std::thread signal_thread([signals] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      Log(LogLevel::kWarning, "Received {} scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
      if (auto* s = g_server.load()) s->RequestShutdown();
    }
  });
  signal_thread.detach();

  LogBanner(config, server->port());
  Log(LogLevel::kNotice, "Data directory {}, {} I/O threads", config.Get("dir").value_or(""),
      config.Get("io-threads").value_or(""));
  // The listeners and their threads are running: connections are being accepted.
  Log(LogLevel::kNotice, "Ready to accept connections");

  server->WaitForShutdown();
  Log(LogLevel::kWarning, "Shutting down: closing clients and the database");
  g_server.store(nullptr);
  server->Stop();
  server.reset();
  engine.reset();
  if (!pidfile.empty()) std::filesystem::remove(pidfile, ec);
  Log(LogLevel::kWarning, "redrock is now ready to exit, bye bye...");
  return 0;
}
