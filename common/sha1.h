#pragma once
// SHA-1 (FIPS 180-4) as the 40 lower-case hex digits Redis names scripts by (EVALSHA, SCRIPT LOAD) and
// redis.sha1hex() returns.

#include <string>
#include <string_view>

namespace redrock::common {

std::string Sha1Hex(std::string_view data);

}  // namespace redrock::common
