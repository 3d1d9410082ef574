#pragma once
// A strict checker for replies as a server sends them (RESP2, or RESP3 when resp == 3): every element
// complete, lengths and counts exact, CRLF where RESP puts it, no CR/LF inside line types, and no RESP3
// type in a RESP2 reply.

#include <cstddef>
#include <string>
#include <string_view>

namespace redrock::fuzz {

// Checks the one reply at the start of `data`. On success sets *consumed to its length; on failure
// *why says what is wrong and where.
bool CheckReply(std::string_view data, int resp, size_t* consumed, std::string* why);

// Checks that `data` is exactly `count` complete replies and nothing else.
bool CheckReplies(std::string_view data, int resp, size_t count, std::string* why);

}  // namespace redrock::fuzz
