#include "protocol/reply_writer.h"

#include <cstring>

#include "common/number_format.h"

namespace redrock::protocol {
namespace {

// Appends `prefix`, the decimal n and CRLF in one append.
void AppendLine(std::string* out, char prefix, int64_t n) {
  char buf[32];
  buf[0] = prefix;
  size_t len = 1 + common::FormatInt64(n, buf + 1).size();
  buf[len++] = '\r';
  buf[len++] = '\n';
  out->append(buf, len);
}

void AppendBulk(std::string* out, std::string_view value) {
  AppendLine(out, '$', static_cast<int64_t>(value.size()));
  out->append(value.data(), value.size());
  out->append("\r\n", 2);
}

}  // namespace

void ReplyWriter::Header(char prefix, int64_t n) { AppendLine(out_, prefix, n); }

void ReplyWriter::Ok() { out_->append("+OK\r\n", 5); }

void ReplyWriter::Simple(std::string_view text) {
  out_->push_back('+');
  out_->append(text.data(), text.size());
  out_->append("\r\n", 2);
}

void ReplyWriter::Error(std::string_view text) {
  // A CR or LF inside the text would end the error early and desynchronise the client.
  size_t start = out_->size();
  out_->push_back('-');
  out_->append(text.data(), text.size());
  for (size_t i = start + 1; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::Integer(int64_t value) { AppendLine(out_, ':', value); }

void ReplyWriter::Bulk(std::string_view value) { AppendBulk(out_, value); }

void ReplyWriter::Null() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyWriter::NullArray() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyWriter::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyWriter::MapHeader(size_t pairs) {
  if (resp_ >= 3) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(pairs * 2));
  }
}

void ReplyWriter::SetHeader(size_t n) { Header(resp_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyWriter::PushHeader(size_t n) { Header(resp_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyWriter::Double(double value) {
  char buf[common::kDoubleBufSize];
  std::string_view text = common::FormatDoubleTo(value, buf);
  if (resp_ >= 3) {
    out_->push_back(',');
    out_->append(text.data(), text.size());
    out_->append("\r\n", 2);
  } else {
    AppendBulk(out_, text);
  }
}

void ReplyWriter::Bool(bool value) {
  if (resp_ >= 3) {
    out_->append(value ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(value ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyWriter::Verbatim(std::string_view text, std::string_view format) {
  if (resp_ < 3) {
    AppendBulk(out_, text);
    return;
  }
  // Redis always sends a three-letter format followed by ':'.
  AppendLine(out_, '=', static_cast<int64_t>(text.size() + 4));
  char fmt[4] = {' ', ' ', ' ', ':'};
  std::memcpy(fmt, format.data(), format.size() < 3 ? format.size() : 3);
  out_->append(fmt, 4);
  out_->append(text.data(), text.size());
  out_->append("\r\n", 2);
}

void ReplyWriter::Raw(std::string_view bytes) { out_->append(bytes.data(), bytes.size()); }

}  // namespace redrock::protocol
