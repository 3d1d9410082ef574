#pragma once
// Incremental RESP request parser: multibulk (`*N\r\n$L\r\n...`) and inline (`PING\r\n`) commands.
// Standard library only.
//
// The caller owns the read buffer. It passes the unconsumed bytes (always starting at the first byte of
// the current command) to Parse(). Between calls the caller may append to or move the buffer, but must not
// drop unconsumed bytes: the parser remembers its progress as offsets, so a huge multibulk is not
// rescanned from the start on every read.
//
// Behaviour, error texts and quirks follow Redis 7.0 networking.c byte for byte: the byte after a header's
// CR and the two bytes after a bulk payload are skipped without being checked; a NUL byte before a header
// or inline line's terminator hides the terminator (Redis searches with strchr), so such a request waits
// until it exceeds max_inline_len; `*0`/`*-N` and empty inline lines are empty commands.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redrock::protocol {

struct ParserLimits {
  uint64_t max_bulk_len = 512ull << 20;       // proto-max-bulk-len
  // Elements in one command. Redis 7.0 accepts up to INT_MAX here (6.x had 1024*1024); memory still only
  // grows as elements actually arrive, since the parser never reserves more than 1024 slots up front.
  int64_t max_multibulk_len = 2147483647;
  size_t max_inline_len = 64 * 1024;          // PROTO_INLINE_MAX_SIZE: an inline line, or a `*`/`$` header
  // Redis's tighter limits for clients that have not authenticated yet.
  int64_t unauthenticated_multibulk_len = 10;
  uint64_t unauthenticated_bulk_len = 16384;
};

enum class ParseStatus {
  kOk,        // one complete command: *argv and *consumed are set
  kNeedMore,  // feed more bytes (nothing consumed)
  kError,     // protocol error: error() has the text; the connection must reply and close
};

class RespParser {
 public:
  explicit RespParser(ParserLimits limits = {});

  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  const ParserLimits& limits() const { return limits_; }
  // While false, the unauthenticated limits apply.
  void set_authenticated(bool authenticated) { authenticated_ = authenticated; }

  // Parses the command at the start of `data`. On kOk, `argv` holds views into `data` (for an inline
  // command, into storage owned by the parser that stays valid until the next call), and `consumed` is the number of bytes of this command. An empty inline line is a command with
  // no arguments (argv empty, consumed > 0): the caller skips it, as Redis does.
  ParseStatus Parse(std::string_view data, std::vector<std::string_view>* argv, size_t* consumed);

  // The error text without the leading '-', exactly as Redis sends it, e.g.
  // "ERR Protocol error: invalid multibulk length".
  const std::string& error() const { return error_; }

  // Forgets any partial progress (after an error, or when the caller discards the buffer).
  void Reset();

 private:
  ParseStatus ParseInline(std::string_view data, std::vector<std::string_view>* argv, size_t* consumed);
  ParseStatus ParseMultibulk(std::string_view data, std::vector<std::string_view>* argv, size_t* consumed);
  ParseStatus Fail(std::string text);
  // Where Redis's strchr(buf, c) would stop: the first `c` at or after `from`, or npos when there is none
  // or a NUL byte comes first (strchr stops at the string terminator). Resumes from scan_pos_.
  size_t FindStop(std::string_view data, size_t from, char c);
  void ResetProgress();

  ParserLimits limits_;
  bool authenticated_ = true;
  std::string error_;
  // Progress through a partial multibulk command.
  int64_t expected_args_ = -1;              // -1: header not parsed yet
  size_t offset_ = 0;                       // bytes of the command parsed so far
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) of each complete argument
  int64_t bulk_len_ = -1;                   // -1: the current argument's `$` header not parsed yet
  size_t scan_pos_ = 0;                     // bytes from the current line start known to hold no stop byte
  bool scan_blocked_ = false;               // a NUL came first: the line can never complete (as in Redis)

  // The arguments of the last inline command (argv views into the quoted ones); kept so their buffers
  // are reused.
  std::vector<std::string> inline_args_;
};

}  // namespace redrock::protocol
