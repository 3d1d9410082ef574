#pragma once
// Builders for the exact RESP bytes a test expects (or sends), shared by the server tests so that every
// suite spells a reply the same way:
//
//   using namespace ::redrock::testing::resp;
//   CHECK(h.Run({"hmget", "h", "a", "zz"}) == Array({Bulk("1"), kNil}));
//
// Header-only; nothing here parses, it only concatenates.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace redrock::testing::resp {

// Fixed replies.
inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";           // RESP2 null bulk
inline const std::string kNilArray = "*-1\r\n";      // RESP2 null array
inline const std::string kNull3 = "_\r\n";           // RESP3 null
inline const std::string kEmpty = "*0\r\n";          // empty array
inline const std::string kEmptySet3 = "~0\r\n";      // empty RESP3 set
inline const std::string kEmptyScan = "*2\r\n$1\r\n0\r\n*0\r\n";  // cursor 0, nothing found

// Errors shared by several families (Redis 7.0.15's texts).
inline const std::string kSyntax = "-ERR syntax error\r\n";
inline const std::string kNotInt = "-ERR value is not an integer or out of range\r\n";
inline const std::string kNotFloat = "-ERR value is not a valid float\r\n";
inline const std::string kWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

inline std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
// The body of a RESP2 bulk reply (INFO's text, say).
inline std::string BulkBody(const std::string& reply) {
  const size_t start = reply.find("\r\n") + 2;
  return reply.substr(start, reply.size() - start - 2);
}
inline std::string Int(int64_t n) { return ":" + std::to_string(n) + "\r\n"; }
inline std::string Dbl(std::string_view s) { return "," + std::string(s) + "\r\n"; }  // RESP3 double
inline std::string Err(std::string_view s) { return "-" + std::string(s) + "\r\n"; }

// The arity error for a command name as Redis prints it (lower case).
inline std::string Arity(std::string_view cmd) {
  return Err("ERR wrong number of arguments for '" + std::string(cmd) + "' command");
}
inline std::string InvalidExpire(std::string_view cmd) {
  return Err("ERR invalid expire time in '" + std::string(cmd) + "' command");
}

// An aggregate of already-encoded items: kind is '*' (array) or '~' (RESP3 set).
inline std::string Aggregate(char kind, std::initializer_list<std::string> items) {
  std::string out = kind + std::to_string(items.size()) + "\r\n";
  for (const std::string& item : items) out += item;
  return out;
}
inline std::string Array(std::initializer_list<std::string> items) { return Aggregate('*', items); }

// An aggregate of bulk strings.
inline std::string BulkAggregate(char kind, std::initializer_list<std::string_view> items) {
  std::string out = kind + std::to_string(items.size()) + "\r\n";
  for (std::string_view item : items) out += Bulk(item);
  return out;
}
inline std::string Bulks(std::initializer_list<std::string_view> items) { return BulkAggregate('*', items); }
inline std::string Set3(std::initializer_list<std::string_view> items) { return BulkAggregate('~', items); }

// A command as a client sends it (an array of bulk strings).
inline std::string Cmd(std::initializer_list<std::string_view> args) { return Bulks(args); }

}  // namespace redrock::testing::resp
