#include "server/core/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace redrock::server {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};
std::mutex g_mu;
FILE* g_file = nullptr;  // nullptr = stdout

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool SetLogLevel(std::string_view name) {
  if (name == "debug") SetLogLevel(LogLevel::kDebug);
  else if (name == "verbose") SetLogLevel(LogLevel::kVerbose);
  else if (name == "notice") SetLogLevel(LogLevel::kNotice);
  else if (name == "warning") SetLogLevel(LogLevel::kWarning);
  else if (name == "nothing") SetLogLevel(LogLevel::kNothing);
  else return false;
  return true;
}

LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool SetLogFile(const std::string& path) {
  FILE* f = nullptr;
  if (!path.empty()) {
    f = std::fopen(path.c_str(), "a");
    if (f == nullptr) return false;
  }
  std::lock_guard lock(g_mu);
  if (g_file != nullptr) std::fclose(g_file);
  g_file = f;
  return true;
}

void LogRaw(LogLevel level, std::string_view message) {
  if (level < GetLogLevel() || level == LogLevel::kNothing) return;
  static constexpr char kMarks[] = {'.', '-', '*', '#'};
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char when[64];
  size_t n = std::strftime(when, sizeof when, "%d %b %Y %H:%M:%S.", &tm);
  std::snprintf(when + n, sizeof when - n, "%03d", static_cast<int>(tv.tv_usec / 1000));
  std::lock_guard lock(g_mu);
  FILE* out = g_file != nullptr ? g_file : stdout;
  std::fprintf(out, "%d:M %s %c %.*s\n", static_cast<int>(getpid()), when, kMarks[static_cast<int>(level)],
               static_cast<int>(message.size()), message.data());
  std::fflush(out);
}

}  // namespace redrock::server
