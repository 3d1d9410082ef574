#pragma once
// The process log, in redis-server's line format ("pid:M 25 Nov 2026 21:12:49.762 * message"), to stdout
// or a file. Thread-safe. Embedders that want silence call SetLogLevel(LogLevel::kNothing).

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace redrock::server {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

void SetLogLevel(LogLevel level);
// "debug" | "verbose" | "notice" | "warning" | "nothing"; false for anything else.
bool SetLogLevel(std::string_view name);
LogLevel GetLogLevel();
// "" means stdout. False if the file cannot be opened (the log stays where it was).
bool SetLogFile(const std::string& path);

void LogRaw(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (level < GetLogLevel()) return;
  LogRaw(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace redrock::server
