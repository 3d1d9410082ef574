#include "engine/storage/info_log.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <vector>

namespace redrock::engine {

namespace {

class FileInfoLog : public rocksdb::Logger {
 public:
  FileInfoLog(const std::string& dir, rocksdb::InfoLogLevel level) : rocksdb::Logger(level) {
    const std::filesystem::path path = std::filesystem::path(dir) / "LOG";
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      std::filesystem::rename(path, std::filesystem::path(dir) / "LOG.old", ec);
    }
    file_ = std::fopen(path.c_str(), "w");
  }
  ~FileInfoLog() override {
    if (!closed_) CloseImpl().PermitUncheckedError();
  }

  using rocksdb::Logger::Logv;

  // RocksDB's header (version, options) is worth keeping whatever the level.
  void LogHeader(const char* format, va_list ap) override { Write(format, ap); }
  // Lines below the level were already filtered by Logger::Logv(level, ...).
  void Logv(const char* format, va_list ap) override { Write(format, ap); }

  void Flush() override {
    std::lock_guard lock(mu_);
    if (file_ != nullptr) std::fflush(file_);
  }

 protected:
  rocksdb::Status CloseImpl() override {
    std::lock_guard lock(mu_);
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
    closed_ = true;
    return rocksdb::Status::OK();
  }

 private:
  void Write(const char* format, va_list ap) {
    // "2024/01/31-12:34:56.789012 1234 message", as RocksDB's own LOG lines look.
    const auto now = std::chrono::system_clock::now();
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(micros / 1000000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char prefix[64];
    const int plen = std::snprintf(prefix, sizeof(prefix), "%04d/%02d/%02d-%02d:%02d:%02d.%06d %ld ",
                                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                   tm.tm_sec, static_cast<int>(micros % 1000000),
                                   static_cast<long>(syscall(SYS_gettid)));

    char stack_buf[1024];
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(stack_buf, sizeof(stack_buf), format, copy);
    va_end(copy);
    if (n < 0) return;
    std::vector<char> heap_buf;
    const char* text = stack_buf;
    if (static_cast<size_t>(n) >= sizeof(stack_buf)) {
      heap_buf.resize(static_cast<size_t>(n) + 1);
      std::vsnprintf(heap_buf.data(), heap_buf.size(), format, ap);
      text = heap_buf.data();
    }

    std::lock_guard lock(mu_);
    if (file_ == nullptr) return;
    std::fwrite(prefix, 1, static_cast<size_t>(std::max(0, plen)), file_);
    std::fwrite(text, 1, static_cast<size_t>(n), file_);
    if (n == 0 || text[n - 1] != '\n') std::fputc('\n', file_);
    std::fflush(file_);
    // A failed write (full disk) must not poison the stream: the next line tries again.
    std::clearerr(file_);
  }

  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& dir, rocksdb::InfoLogLevel level) {
  return std::make_shared<FileInfoLog>(dir, level);
}

}  // namespace redrock::engine
