#pragma once
// Redis's glob matcher (util.c stringmatchlen): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`.

#include <string>
#include <string_view>

namespace redrock::common {

// True when `str` matches `pattern`. `nocase` folds ASCII case (CONFIG GET uses it).
// The pattern "*" matches everything, the empty string included, as KEYS/SCAN/HSCAN... treat it; other
// patterns follow stringmatchlen exactly, so e.g. "**" or "?*" never match "" (as in Redis).
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// The literal bytes every match must start with: the pattern up to its first unescaped special character
// (`*`, `?`, `[`), with escapes resolved. "user:*" -> "user:", "a\\*b*" -> "a*b", "*x" -> "".
std::string GlobLiteralPrefix(std::string_view pattern);

// True when the pattern has no special characters at all, so only the key equal to
// GlobLiteralPrefix(pattern) can match.
bool GlobIsLiteral(std::string_view pattern);

}  // namespace redrock::common
