// GlobMatch against Redis 7.0.15 stringmatchlen. The table was produced by asking a real redis-server
// 7.0.15 (SET <string>, then KEYS <pattern>) for every row.
#include "common/glob.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

namespace common = redrock::common;

namespace {

struct GlobCase {
  std::string pattern;
  std::string str;
  bool match;
};

}  // namespace

TEST_CASE("glob: table checked against redis-server 7.0.15") {
  const GlobCase cases[] = {
      {"**", "", false},
      {"", "", true},
      {"?", "", false},
      {"a", "a", true},
      {"a", "b", false},
      {"A", "a", false},
      {"a*", "abc", true},
      {"a*c", "abc", true},
      {"a*c", "abcd", false},
      {"*c", "abc", true},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"[abc]", "b", true},
      {"[abc]", "d", false},
      {"[^abc]", "d", true},
      {"[^abc]", "a", false},
      {"[a-c]", "b", true},
      {"[c-a]", "b", true},
      {"[z-a]", "m", true},
      {"[a-z]", "M", false},
      {"[abc", "a", true},
      {"[abc", "d", false},
      {"[abc", "ab", false},
      {"[", "[", false},
      {"[", "a", false},
      {"[^", "a", true},
      {"[^", "ab", false},
      {"[]", "]", false},
      {"[]]", "]", false},
      {"[a-]", "a", true},
      {"[a-]", "-", false},
      {"[a-]", "]", true},
      {"[a-]", "b", false},
      {"[a-]x", "ax", false},
      {"\\", "\\", true},
      {"a\\", "a\\", true},
      {"\\*", "*", true},
      {"\\*", "a", false},
      {"\\a", "a", true},
      {"[\\]]", "]", true},
      {"[\\-]", "-", true},
      {"[a\\-c]", "b", false},
      {"[a\\-c]", "-", true},
      {"*a*b*c", "xaybzc", true},
      {"*a*b*c", "xaybz", false},
      {"a*", "a", true},
      {"a**", "a", true},
      {"*?", "a", true},
      {"?*", "a", true},
      {"*?*", "", false},
      {"h[^e]llo", "hallo", true},
      {"h[^e]llo", "hello", false},
      {"[-a]", "-", true},
      {"[a-c-e]", "d", false},
      {"[a-c-e]", "-", true},
      {"[^]", "a", true},
      {"[\\", "\\", true},
      {"[\\", "a", false},
      {"[!a]", "b", false},
      {"[!a]", "!", true},
      {"[\x80""-\xff""]", "\x90""", true},
      {"[a-\xff""]", "b", false},
      {"[\x01""-a]", "\x90""", false},
      {"\xe9""", "\xe9""", true},
      {"?", "\xe9""", true},
      {"a[", "a", false},
      {"a[b", "ab", true},
      {"*[", "x", false},
      {"*[a", "ba", true},
      {"[a-c]*[x-z]", "bqqy", true},
      {"**a**", "bab", true},
      {"*\\", "a\\", true},
      {"[ab\\", "\\", true},
      {"[ab\\", "a", true},
      {"[ab\\", "c", false},
      {"[a-\\", "\\", true},
      {"[a-\\", "b", false},
      {"[^a-", "b", true},
      {"[^a-", "a", false},
      {"[a-b", "b", true},
      {"[a-b", "-", false},
  };
  for (const GlobCase& c : cases) {
    INFO("pattern [" << c.pattern << "] string [" << c.str << "]");
    CHECK(common::GlobMatch(c.pattern, c.str) == c.match);
  }
}

TEST_CASE("glob: a lone * matches everything, the empty key included (KEYS/SCAN special case)") {
  CHECK(common::GlobMatch("*", ""));
  CHECK(common::GlobMatch("*", "anything"));
  CHECK(common::GlobMatch("*", std::string("\0x", 2)));
  CHECK_FALSE(common::GlobMatch("**", ""));
  CHECK_FALSE(common::GlobMatch("?*", ""));
}

TEST_CASE("glob: binary-safe strings and patterns") {
  CHECK(common::GlobMatch(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(common::GlobMatch(std::string("a\0b", 3), "a"));
  CHECK(common::GlobMatch("a?c", std::string("a\0c", 3)));
  CHECK(common::GlobMatch("*c", std::string("\0\0c", 3)));
}

TEST_CASE("glob: nocase") {
  CHECK(common::GlobMatch("HeLLo", "hello", true));
  CHECK(common::GlobMatch("h*O", "HELLO", true));
  CHECK(common::GlobMatch("[A-C]x", "bX", true));
  CHECK(common::GlobMatch("[a-c]x", "BX", true));
  CHECK(common::GlobMatch("[^A]", "b", true));
  CHECK_FALSE(common::GlobMatch("[^A]", "a", true));
  CHECK(common::GlobMatch("[XYZ]", "y", true));
  // An escape inside a class compares exactly, even with nocase (as in Redis).
  CHECK_FALSE(common::GlobMatch("[\\A]", "a", true));
  CHECK(common::GlobMatch("\\A", "a", true));
  CHECK_FALSE(common::GlobMatch("HeLLo", "hello", false));
}

TEST_CASE("glob: the * nesting limit of Redis 7.0.15") {
  // Checked against redis-server 7.0.15: 1000 expanded stars still match, 1001 never do.
  auto build = [](int stars) {
    std::string pattern, str;
    for (int i = 0; i < stars; ++i) {
      pattern += "a*";
      str += "a";
    }
    return std::make_pair(pattern + "b", str + "b");
  };
  auto [p999, s999] = build(999);
  auto [p1000, s1000] = build(1000);
  auto [p1001, s1001] = build(1001);
  CHECK(common::GlobMatch(p999, s999));
  CHECK(common::GlobMatch(p1000, s1000));
  CHECK_FALSE(common::GlobMatch(p1001, s1001));
  // A trailing star is never expanded, and consecutive stars count once.
  CHECK(common::GlobMatch(std::string(5000, '*'), "abc"));
  CHECK(common::GlobMatch("a" + std::string(5000, '*') + "c", "abc"));
}

TEST_CASE("glob: pathological patterns finish quickly") {
  auto start = std::chrono::steady_clock::now();
  std::string str(4000, 'a');
  std::string pattern;
  for (int i = 0; i < 500; ++i) pattern += "*a";
  pattern += "*b";
  CHECK_FALSE(common::GlobMatch(pattern, str));
  CHECK_FALSE(common::GlobMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(100000, 'a')));
  CHECK(common::GlobMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*", std::string(100000, 'a')));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("glob: literal prefix and literal patterns") {
  struct Case {
    std::string pattern;
    std::string prefix;
    bool literal;
  };
  const Case cases[] = {
      {"user:*", "user:", false},
      {"a\\*b*", "a*b", false},
      {"*x", "", false},
      {"", "", true},
      {"plain", "plain", true},
      {"a?c", "a", false},
      {"ab[cd]", "ab", false},
      {"a\\[b", "a[b", true},
      {"a\\?", "a?", true},
      {"a\\\\b", "a\\b", true},
      {"a\\", "a\\", true},  // a trailing backslash is a literal backslash
      {"\\a", "a", true},
      {"a]b^c-d", "a]b^c-d", true},
      {std::string("k\0*", 3), std::string("k\0", 2), false},
  };
  for (const Case& c : cases) {
    INFO("[" << c.pattern << "]");
    CHECK(common::GlobLiteralPrefix(c.pattern) == c.prefix);
    CHECK(common::GlobIsLiteral(c.pattern) == c.literal);
    if (c.literal) {
      // A literal pattern matches exactly its prefix, and nothing longer or shorter.
      CHECK(common::GlobMatch(c.pattern, c.prefix));
      CHECK_FALSE(common::GlobMatch(c.pattern, c.prefix + "x"));
    } else {
      CHECK(c.pattern.size() > 0);
    }
  }
}
