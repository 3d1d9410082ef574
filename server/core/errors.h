#pragma once
// Every Redis error text redrock sends, word for word as Redis 7.0 sends it (without the leading '-').

#include <span>
#include <string>
#include <string_view>

#include "redrock/engine/status.h"

namespace redrock::server::err {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNanOrInfinity = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kOffsetOutOfRange = "ERR offset is out of range";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kWrongPass = "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthNotConfigured =
    "ERR AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?";
inline constexpr std::string_view kMultiNested = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kExecWithoutMulti = "ERR EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMulti = "ERR DISCARD without MULTI";
inline constexpr std::string_view kExecAbort = "EXECABORT Transaction discarded because of previous errors.";
inline constexpr std::string_view kWatchInMulti = "ERR WATCH inside MULTI is not allowed";
inline constexpr std::string_view kNotInMulti = "ERR Command not allowed inside a transaction";
inline constexpr std::string_view kExpireOptionsConflict =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kGtLtConflict = "ERR GT and LT options at the same time are not compatible";
inline constexpr std::string_view kMaxClients = "ERR max number of clients reached";

// "ERR wrong number of arguments for 'get' command"; `name` is the lower-case command name, with
// "container|sub" for subcommands ("client|setname").
std::string WrongArity(std::string_view name);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' " (Redis truncates as it does).
std::string UnknownCommand(std::span<const std::string_view> argv);
// "ERR unknown subcommand 'foo'. Try CLIENT HELP."; `container` as the user typed it is upper-cased.
std::string UnknownSubcommand(std::string_view container, std::string_view sub);
// "ERR invalid expire time in 'set' command"; `name` is the lower-case command name.
std::string InvalidExpireTime(std::string_view name);
// The reply for a failed engine Status: WRONGTYPE, the ERR texts above, or "ERR <storage message>".
std::string FromStatus(const engine::Status& status);

}  // namespace redrock::server::err
