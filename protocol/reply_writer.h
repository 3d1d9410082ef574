#pragma once
// Appends RESP2 or RESP3 replies to a caller-owned buffer. Standard library only.
// In RESP2 the RESP3-only types degrade as Redis degrades them: map -> flat array of 2N, set -> array,
// double -> bulk string, null -> $-1 (or *-1 for NullArray), boolean -> integer 0/1, verbatim -> bulk,
// push -> array.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace redrock::protocol {

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out, int resp = 2) : out_(out), resp_(resp) {}

  void set_resp(int resp) { resp_ = resp; }
  int resp() const { return resp_; }
  std::string* buffer() { return out_; }
  // Writes go to `out` from now on (CLIENT REPLY switching a connection's replies off and on).
  void set_buffer(std::string* out) { out_ = out; }

  void Ok();                                 // +OK
  void Simple(std::string_view text);        // +text
  // -text. `text` starts with the error code ("ERR ...", "WRONGTYPE ..."). CR/LF in it become spaces.
  void Error(std::string_view text);
  void Integer(int64_t value);               // :value
  void Bulk(std::string_view value);         // $len\r\nvalue\r\n
  void Null();                               // $-1 / _
  void NullArray();                          // *-1 / _
  void ArrayHeader(size_t n);                // *n
  void MapHeader(size_t pairs);              // %n / *2n
  void SetHeader(size_t n);                  // ~n / *n
  void PushHeader(size_t n);                 // >n / *n
  // Doubles as Redis 7.0 prints them: "%.17g", with "inf"/"-inf"; ,value in RESP3, bulk in RESP2.
  void Double(double value);
  void Bool(bool value);                     // #t/#f / :1/:0
  // =len\r\ntxt:... in RESP3 (INFO, CLIENT LIST), plain bulk in RESP2.
  void Verbatim(std::string_view text, std::string_view format = "txt");
  void Raw(std::string_view bytes);          // pre-encoded RESP

 private:
  void Header(char prefix, int64_t n);
  std::string* out_;
  int resp_;
};

}  // namespace redrock::protocol
