#include "fuzz/resp_check.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/number_format.h"

namespace redrock::fuzz {
namespace {

class Checker {
 public:
  Checker(std::string_view data, int resp) : data_(data), resp_(resp) {}

  // One complete reply, aggregates included. Iterative (a stack of elements still owed by each open
  // aggregate), so a reply nested thousands deep (a self-referencing Lua table) needs no deep recursion.
  bool One() {
    std::vector<int64_t> owed = {1};
    while (!owed.empty()) {
      if (owed.back() == 0) {
        owed.pop_back();
        continue;
      }
      --owed.back();
      int64_t children = 0;
      if (!Element(&children)) return false;
      if (children > 0) owed.push_back(children);
    }
    return true;
  }

  // The next element's own bytes; *children is the number of elements an aggregate header announces.
  bool Element(int64_t* children) {
    if (pos_ >= data_.size()) return Fail("truncated: expected a reply");
    const size_t start = pos_;
    const char type = data_[pos_++];
    std::string_view line;
    if (!Line(&line)) return false;
    const bool resp3 = resp_ >= 3;
    switch (type) {
      case '+':
      case '-':
        return true;  // any text without CR/LF (Line checked that)
      case ':': {
        int64_t n;
        if (!common::ParseInt64(line, &n)) return FailAt(start, "bad integer");
        return true;
      }
      case '$':
      case '=': {
        if (type == '=' && !resp3) return FailAt(start, "verbatim string in RESP2");
        int64_t n;
        if (!common::ParseInt64(line, &n)) return FailAt(start, "bad bulk length");
        if (n == -1 && type == '$') return true;  // null bulk (RESP3 replies may keep it, as Redis's do)
        if (n < 0) return FailAt(start, "negative length");
        if (data_.size() - pos_ < static_cast<uint64_t>(n) + 2) return FailAt(start, "truncated bulk");
        std::string_view body = data_.substr(pos_, static_cast<size_t>(n));
        if (type == '=' && (body.size() < 4 || body[3] != ':')) return FailAt(start, "verbatim without fmt:");
        pos_ += static_cast<size_t>(n);
        if (data_.substr(pos_, 2) != "\r\n") return FailAt(start, "bulk not followed by CRLF");
        pos_ += 2;
        return true;
      }
      case '*':
      case '%':
      case '~':
      case '>': {
        if (type != '*' && !resp3) return FailAt(start, "RESP3 aggregate in RESP2");
        int64_t n;
        if (!common::ParseInt64(line, &n)) return FailAt(start, "bad aggregate count");
        if (n == -1 && type == '*') return true;  // null array
        if (n < 0) return FailAt(start, "negative count");
        if (n > static_cast<int64_t>(data_.size())) return FailAt(start, "more elements than bytes");
        *children = type == '%' ? 2 * n : n;
        return true;
      }
      case '_':
        if (!resp3) return FailAt(start, "RESP3 null in RESP2");
        if (!line.empty()) return FailAt(start, "null with text");
        return true;
      case '#':
        if (!resp3) return FailAt(start, "RESP3 boolean in RESP2");
        if (line != "t" && line != "f") return FailAt(start, "bad boolean");
        return true;
      case ',': {
        if (!resp3) return FailAt(start, "RESP3 double in RESP2");
        if (line == "inf" || line == "-inf" || line == "nan" || line == "-nan") return true;
        std::string text(line);
        char* end = nullptr;
        std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size()) return FailAt(start, "bad double");
        return true;
      }
      case '(':
        if (!resp3) return FailAt(start, "RESP3 big number in RESP2");
        return true;  // Redis passes a script's big_number text through unchecked
      default:
        return FailAt(start, "unknown reply type");
    }
  }

  size_t pos() const { return pos_; }
  const std::string& why() const { return why_; }

  bool Fail(const std::string& text) {
    why_ = text + " at offset " + std::to_string(pos_);
    return false;
  }

 private:
  // The rest of the current line (up to CRLF, which is consumed). A lone CR or LF inside is an error.
  bool Line(std::string_view* line) {
    size_t start = pos_;
    while (pos_ < data_.size() && data_[pos_] != '\r' && data_[pos_] != '\n') ++pos_;
    if (data_.substr(pos_, 2) != "\r\n") return Fail("line not ended by CRLF");
    *line = data_.substr(start, pos_ - start);
    pos_ += 2;
    return true;
  }

  bool FailAt(size_t start, const char* text) {
    why_ = std::string(text) + " in the element at offset " + std::to_string(start);
    return false;
  }

  std::string_view data_;
  int resp_;
  size_t pos_ = 0;
  std::string why_;
};

}  // namespace

bool CheckReply(std::string_view data, int resp, size_t* consumed, std::string* why) {
  Checker checker(data, resp);
  if (!checker.One()) {
    *why = checker.why();
    return false;
  }
  *consumed = checker.pos();
  return true;
}

bool CheckReplies(std::string_view data, int resp, size_t count, std::string* why) {
  size_t pos = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t used = 0;
    if (!CheckReply(data.substr(pos), resp, &used, why)) {
      *why = "reply " + std::to_string(i) + " (at byte " + std::to_string(pos) + "): " + *why;
      return false;
    }
    pos += used;
  }
  if (pos != data.size()) {
    *why = std::to_string(data.size() - pos) + " bytes after " + std::to_string(count) + " replies";
    return false;
  }
  return true;
}

}  // namespace redrock::fuzz
