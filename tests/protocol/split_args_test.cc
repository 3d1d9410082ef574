// SplitArgs against Redis 7.0's sdssplitargs (the rules behind inline commands and redis.conf lines).

#include "common/split_args.h"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace common = redrock::common;

namespace {

using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("common::SplitArgs: blanks, quotes and escapes as sdssplitargs") {
  Words w;
  REQUIRE(common::SplitArgs(" \t SET  k\tv \v", &w));
  CHECK(w == Words{"SET", "k", "v"});
  REQUIRE(common::SplitArgs("a\"b c\" x'y z'", &w));  // quotes may open inside a word
  CHECK(w == Words{"ab c", "xy z"});
  REQUIRE(common::SplitArgs("\"\\x41\\x4g\\n\\q\" 'it\\'s \\n'", &w));
  CHECK(w == Words{"Ax4g\nq", "it's \\n"});
  REQUIRE(common::SplitArgs("a\vb", &w));  // \v separates words only between them, not inside one
  CHECK(w == Words{"a\vb"});
  REQUIRE(common::SplitArgs("\"\" ''", &w));
  CHECK(w == Words{"", ""});
  REQUIRE(common::SplitArgs("   ", &w));
  CHECK(w.empty());
  REQUIRE(common::SplitArgs(std::string_view("a b\0c d", 7), &w));  // a NUL ends the line, as it ends a C string
  CHECK(w == Words{"a", "b"});
  CHECK_FALSE(common::SplitArgs("\"open", &w));
  CHECK_FALSE(common::SplitArgs("'open", &w));
  CHECK_FALSE(common::SplitArgs("\"a\"b", &w));
  CHECK_FALSE(common::SplitArgs("\"a\\\"", &w));
}

TEST_CASE("common::SplitArgs: views point into the line unless the argument was unquoted") {
  std::string line = "GET \"quoted key\" plain";
  Words w = {"stale", "stale", "stale", "stale"};
  std::vector<std::string_view> views = {"stale"};
  REQUIRE(common::SplitArgs(line, &w, &views));
  CHECK(w == Words{"GET", "quoted key", "plain"});
  REQUIRE(views.size() == 3);
  CHECK(views[0].data() == line.data());
  CHECK(views[1] == "quoted key");
  CHECK(views[1].data() == w[1].data());
  CHECK(views[2].data() == line.data() + 17);
  CHECK(views[2] == "plain");
}
