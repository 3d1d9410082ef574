#include "protocol/resp_parser.h"

#include <algorithm>
#include <cstring>

#include "common/number_format.h"
#include "common/split_args.h"

// The behaviour mirrors Redis 7.0 networking.c (processMultibulkBuffer / processInlineBuffer), including
// their quirks (inline lines are split by SplitArgs, Redis's sdssplitargs):
//  - header lines are found with strchr(buf, '\r'), so a NUL byte before the CR hides the line forever
//    (Redis then waits until the buffer passes PROTO_INLINE_MAX_SIZE and reports "too big ...");
//  - the byte after a header's CR and the two bytes after a bulk payload are skipped, never checked;
//  - a multibulk length <= 0 consumes its header and yields an empty command.

namespace redrock::protocol {
namespace {

constexpr size_t kNpos = std::string_view::npos;
// Never reserve more argument slots than this up front: a hostile `*2000000000` costs nothing until the
// arguments really arrive.
constexpr size_t kMaxReserve = 1024;
// After a huge command, give back the span storage instead of keeping it for the connection's lifetime.
constexpr size_t kMaxRetainedSpans = 64 * 1024;

}  // namespace

RespParser::RespParser(ParserLimits limits) : limits_(limits) {}

void RespParser::ResetProgress() {
  expected_args_ = -1;
  offset_ = 0;
  bulk_len_ = -1;
  scan_pos_ = 0;
  scan_blocked_ = false;
  if (spans_.capacity() > kMaxRetainedSpans) {
    std::vector<std::pair<size_t, size_t>>().swap(spans_);
  } else {
    spans_.clear();
  }
}

void RespParser::Reset() { ResetProgress(); }

ParseStatus RespParser::Fail(std::string text) {
  ResetProgress();
  error_ = std::move(text);
  return ParseStatus::kError;
}

size_t RespParser::FindStop(std::string_view data, size_t from, char c) {
  if (scan_blocked_) return kNpos;
  size_t i = std::max(scan_pos_, from);
  size_t n = data.size();
  if (i >= n) return kNpos;
  const char* base = data.data();
  const void* hit = std::memchr(base + i, c, n - i);
  size_t limit = hit ? static_cast<size_t>(static_cast<const char*>(hit) - base) : n;
  if (limit > i && std::memchr(base + i, '\0', limit - i) != nullptr) {
    scan_blocked_ = true;
    return kNpos;
  }
  scan_pos_ = limit;
  return hit ? limit : kNpos;
}

ParseStatus RespParser::Parse(std::string_view data, std::vector<std::string_view>* argv, size_t* consumed) {
  argv->clear();
  *consumed = 0;
  if (data.empty()) {
    ResetProgress();
    return ParseStatus::kNeedMore;
  }
  // The caller must hand back at least what was already examined; if not, start over rather than trust
  // stale offsets.
  if (offset_ > data.size() || scan_pos_ > data.size() ||
      (expected_args_ >= 0 && data[0] != '*')) {
    ResetProgress();
  }
  if (data[0] == '*') return ParseMultibulk(data, argv, consumed);
  return ParseInline(data, argv, consumed);
}

ParseStatus RespParser::ParseMultibulk(std::string_view data, std::vector<std::string_view>* argv,
                                       size_t* consumed) {
  if (expected_args_ < 0) {
    size_t cr = FindStop(data, 0, '\r');
    if (cr == kNpos) {
      if (data.size() > limits_.max_inline_len) return Fail("ERR Protocol error: too big mbulk count string");
      return ParseStatus::kNeedMore;
    }
    if (cr + 2 > data.size()) return ParseStatus::kNeedMore;  // the byte after CR is not here yet
    int64_t count = 0;
    if (!common::ParseInt64(data.substr(1, cr - 1), &count) || count > limits_.max_multibulk_len) {
      return Fail("ERR Protocol error: invalid multibulk length");
    }
    if (!authenticated_ && count > limits_.unauthenticated_multibulk_len) {
      return Fail("ERR Protocol error: unauthenticated multibulk length");
    }
    if (count <= 0) {
      *consumed = cr + 2;
      ResetProgress();
      return ParseStatus::kOk;
    }
    expected_args_ = count;
    offset_ = cr + 2;
    scan_pos_ = offset_;
    bulk_len_ = -1;
    spans_.clear();
    spans_.reserve(std::min(static_cast<size_t>(count), kMaxReserve));
  }

  while (static_cast<int64_t>(spans_.size()) < expected_args_) {
    if (bulk_len_ < 0) {
      size_t cr = FindStop(data, offset_, '\r');
      if (cr == kNpos) {
        if (data.size() - offset_ > limits_.max_inline_len) {
          return Fail("ERR Protocol error: too big bulk count string");
        }
        return ParseStatus::kNeedMore;
      }
      if (cr + 2 > data.size()) return ParseStatus::kNeedMore;
      char first = data[offset_];
      if (first != '$') {
        // Redis formats the byte with %c and then turns CR/LF into spaces.
        if (first == '\r' || first == '\n') first = ' ';
        std::string text = "ERR Protocol error: expected '$', got '";
        text.push_back(first);
        text.push_back('\'');
        return Fail(std::move(text));
      }
      int64_t len = 0;
      if (!common::ParseInt64(data.substr(offset_ + 1, cr - offset_ - 1), &len) || len < 0 ||
          static_cast<uint64_t>(len) > limits_.max_bulk_len) {
        return Fail("ERR Protocol error: invalid bulk length");
      }
      if (!authenticated_ && static_cast<uint64_t>(len) > limits_.unauthenticated_bulk_len) {
        return Fail("ERR Protocol error: unauthenticated bulk length");
      }
      bulk_len_ = len;
      offset_ = cr + 2;
      scan_pos_ = offset_;
    }
    // The payload plus two trailing bytes (CRLF by contract; Redis skips them unchecked).
    uint64_t need = static_cast<uint64_t>(bulk_len_) + 2;
    if (data.size() - offset_ < need) return ParseStatus::kNeedMore;
    spans_.emplace_back(offset_, static_cast<size_t>(bulk_len_));
    offset_ += static_cast<size_t>(need);
    scan_pos_ = offset_;
    bulk_len_ = -1;
  }

  for (const auto& [off, len] : spans_) argv->emplace_back(data.data() + off, len);
  *consumed = offset_;
  ResetProgress();
  return ParseStatus::kOk;
}

ParseStatus RespParser::ParseInline(std::string_view data, std::vector<std::string_view>* argv,
                                    size_t* consumed) {
  size_t nl = FindStop(data, 0, '\n');
  if (nl == kNpos) {
    if (data.size() > limits_.max_inline_len) return Fail("ERR Protocol error: too big inline request");
    return ParseStatus::kNeedMore;
  }
  size_t line_len = (nl > 0 && data[nl - 1] == '\r') ? nl - 1 : nl;
  // Arguments without quotes stay views into `data`; only unquoted copies live in inline_args_.
  if (!common::SplitArgs(data.substr(0, line_len), &inline_args_, argv)) {
    argv->clear();
    return Fail("ERR Protocol error: unbalanced quotes in request");
  }
  *consumed = nl + 1;
  ResetProgress();
  return ParseStatus::kOk;
}

}  // namespace redrock::protocol
