// RespParser against Redis 7.0.15 networking.c behaviour. Every expectation about Redis here was checked
// by sending the same raw bytes to a real redis-server 7.0.15.
#include "protocol/resp_parser.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

using redrock::protocol::ParserLimits;
using redrock::protocol::ParseStatus;
using redrock::protocol::RespParser;

namespace {

using Argv = std::vector<std::string>;

// What a connection sees: the commands parsed (empty commands included, as Argv{}), then either an error
// text or nothing (the rest is still incomplete).
struct FeedResult {
  std::vector<Argv> commands;
  std::string error;      // empty unless the parser failed
  size_t leftover = 0;    // unconsumed bytes at the end
  bool operator==(const FeedResult& o) const {
    return commands == o.commands && error == o.error && leftover == o.leftover;
  }
};

// Simulates a connection that receives `input` in pieces of the given sizes (the last piece takes the
// rest) and calls Parse after each read, handing over the unconsumed bytes each time.
FeedResult Feed(RespParser& parser, const std::string& input, const std::vector<size_t>& pieces) {
  FeedResult result;
  std::string buffer;
  size_t pos = 0;  // first unconsumed byte in buffer
  size_t fed = 0;
  size_t piece = 0;
  std::vector<std::string_view> argv;
  while (fed < input.size() || piece == 0) {
    size_t n = piece < pieces.size() ? pieces[piece] : input.size() - fed;
    n = std::min(n, input.size() - fed);
    ++piece;
    buffer.append(input, fed, n);
    fed += n;
    while (pos < buffer.size()) {
      size_t consumed = 0;
      ParseStatus st = parser.Parse(std::string_view(buffer).substr(pos), &argv, &consumed);
      if (st == ParseStatus::kError) {
        result.error = parser.error();
        parser.Reset();
        return result;  // leftover stays 0: after an error the connection is closed
      }
      if (st == ParseStatus::kNeedMore) {
        REQUIRE(consumed == 0);
        break;
      }
      REQUIRE(consumed > 0);
      REQUIRE(consumed <= buffer.size() - pos);
      result.commands.emplace_back(argv.begin(), argv.end());
      pos += consumed;
      // Like a real connection, sometimes compact the buffer (moving the unconsumed bytes).
      if (pos > 64) {
        buffer.erase(0, pos);
        pos = 0;
      }
    }
    if (fed >= input.size()) break;
  }
  result.leftover = buffer.size() - pos;
  return result;
}

FeedResult FeedWhole(const std::string& input, ParserLimits limits = {}, bool auth = true) {
  RespParser parser(limits);
  parser.set_authenticated(auth);
  return Feed(parser, input, {});
}

FeedResult FeedBytewise(const std::string& input, ParserLimits limits = {}, bool auth = true) {
  RespParser parser(limits);
  parser.set_authenticated(auth);
  return Feed(parser, input, std::vector<size_t>(input.size(), 1));
}

std::string Mb(const Argv& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Inputs that Redis parses into complete commands (an empty Argv is a skipped empty command).
const std::vector<std::pair<std::string, std::vector<Argv>>>& GoodInputs() {
  static const std::vector<std::pair<std::string, std::vector<Argv>>> cases = {
      {"*1\r\n$4\r\nPING\r\n", {{"PING"}}},
      {"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n", {{"SET", "k", "hello"}}},
      {"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", {{"ECHO", ""}}},
      {std::string("*2\r\n$4\r\nECHO\r\n$5\r\na\0\r\nb\r\n", 25), {{"ECHO", std::string("a\0\r\nb", 5)}}},
      {"*0\r\n", {{}}},
      {"*-1\r\n", {{}}},
      {"*-5\r\n*1\r\n$4\r\nPING\r\n", {{}, {"PING"}}},
      // The byte after a header's CR and the two bytes after a payload are not checked.
      {"*1\rx$4\r\nPINGxy", {{"PING"}}},
      {"*1\r\n$4\r!PING\r\n", {{"PING"}}},
      {"PING\r\n", {{"PING"}}},
      {"PING\n", {{"PING"}}},
      {"PING\r\r\n", {{"PING"}}},
      {"\r\n\r\nPING\n", {{}, {}, {"PING"}}},
      {"\n", {{}}},
      {"  set  k\tv  \r\n", {{"set", "k", "v"}}},
      {"ECHO \"a\\x41\\n\"\r\n", {{"ECHO", "aA\n"}}},
      {"ECHO 'a\\'b' \r\n", {{"ECHO", "a'b"}}},
      {"ECHO a\"b c\"\r\n", {{"ECHO", "ab c"}}},
      {"ECHO \x0b" "ab\x0b\r\n", {{"ECHO", "ab\x0b"}}},
      {"ECHO \"x\"\x0b\r\n", {{"ECHO", "x"}}},
      {"ECHO a\rb\n", {{"ECHO", "a", "b"}}},
      {"\x0b\x0c\r\nPING\r\n", {{}, {"PING"}}},
      {"ECHO \"\\q\\xZZ\\x4a\"\r\n", {{"ECHO", "qxZZJ"}}},
      {"ECHO \"\" ''\r\n", {{"ECHO", "", ""}}},
      {"ECHO \"\\n\\r\\t\\b\\a\\\\\\\"\"\r\n", {{"ECHO", "\n\r\t\b\a\\\""}}},
      {"ECHO 'a\\nb\"c'\r\n", {{"ECHO", "a\\nb\"c"}}},
      {"ECHO a\\x41\r\n", {{"ECHO", "a\\x41"}}},
      {"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n", {{"GET", "k"}, {"PING"}, {"QUIT"}}},
  };
  return cases;
}

}  // namespace

TEST_CASE("parser: complete commands, fed whole and at every split point") {
  for (const auto& [input, expected] : GoodInputs()) {
    INFO("input: " << input);
    FeedResult whole = FeedWhole(input);
    CHECK(whole.error.empty());
    CHECK(whole.commands == expected);
    CHECK(whole.leftover == 0);
    // Split into two reads at every boundary, and into three reads at a sample of pairs.
    for (size_t cut = 0; cut <= input.size(); ++cut) {
      RespParser parser;
      FeedResult split = Feed(parser, input, {cut});
      CHECK(split == whole);
    }
    for (size_t a = 0; a <= input.size(); ++a) {
      for (size_t b = 0; a + b <= input.size(); b += 3) {
        RespParser parser;
        CHECK(Feed(parser, input, {a, b}) == whole);
      }
    }
    CHECK(FeedBytewise(input) == whole);
  }
}

TEST_CASE("parser: argv views point into the caller's buffer for multibulk and plain inline") {
  RespParser parser;
  std::string buf = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
  std::vector<std::string_view> argv;
  size_t consumed = 0;
  REQUIRE(parser.Parse(buf, &argv, &consumed) == ParseStatus::kOk);
  REQUIRE(argv.size() == 2);
  CHECK(argv[1].data() == buf.data() + 17);
  CHECK(consumed == buf.size());

  std::string inl = "GET \"quoted key\" plain\r\n";
  REQUIRE(parser.Parse(inl, &argv, &consumed) == ParseStatus::kOk);
  REQUIRE(argv.size() == 3);
  CHECK(argv[0].data() == inl.data());
  CHECK(argv[1] == "quoted key");
  CHECK(argv[2].data() == inl.data() + 17);
}

TEST_CASE("parser: incomplete input needs more and consumes nothing") {
  for (const char* input : {"*", "*1", "*1\r", "*1\r\n", "*1\r\n$", "*1\r\n$4", "*1\r\n$4\r",
                                  "*1\r\n$4\r\nPIN", "*1\r\n$4\r\nPING", "*1\r\n$4\r\nPING\r", "PING",
                                  "PING\r", "ECHO \"abc"}) {
    INFO(input);
    RespParser parser;
    std::vector<std::string_view> argv;
    size_t consumed = 7;
    CHECK(parser.Parse(input, &argv, &consumed) == ParseStatus::kNeedMore);
    CHECK(consumed == 0);
    CHECK(argv.empty());
  }
}

TEST_CASE("parser: a NUL before the line end hides the line, as strchr does in Redis") {
  // Redis never answers these; it waits until the buffer exceeds the inline limit.
  ParserLimits limits;
  limits.max_inline_len = 32;
  for (const std::string& input : {std::string("PI\0NG\r\n", 7), std::string("*1\0\r\n$4\r\nPING\r\n", 15),
                                  std::string("*1\r\n$4\0\r\nPING\r\n", 15)}) {
    FeedResult r = FeedWhole(input, limits);
    CHECK(r.commands.empty());
    CHECK(r.error.empty());
    CHECK(FeedBytewise(input, limits) == r);
  }
  CHECK(FeedWhole(std::string("PI\0NG\r\n", 7) + std::string(30, 'x'), limits).error ==
        "ERR Protocol error: too big inline request");
  CHECK(FeedWhole(std::string("*1\0\r\n", 5) + std::string(30, 'x'), limits).error ==
        "ERR Protocol error: too big mbulk count string");
  CHECK(FeedWhole(std::string("*1\r\n$4\0\r\n", 9) + std::string(30, 'x'), limits).error ==
        "ERR Protocol error: too big bulk count string");
  // A NUL inside a bulk payload is ordinary data.
  CHECK(FeedWhole(std::string("*1\r\n$1\r\n\0\r\n", 11)).commands == std::vector<Argv>{{std::string(1, '\0')}});
}

TEST_CASE("parser: protocol error texts") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"*\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*+1\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*01\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*-0\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*1x\r\n", "ERR Protocol error: invalid multibulk length"},
      {"* 1\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*2147483648\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*99999999999999999999\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'"},
      {"*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '"},
      {"*1\r\n\n\r\n", "ERR Protocol error: expected '$', got ' '"},
      {"*2\r\n$1\r\na\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"},
      {"*1\r\n$\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$01\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$1x\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$3\nfoo\r\n", "ERR Protocol error: invalid bulk length"},
      {"ECHO \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO \"ab\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO 'ab\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO 'a'b\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO \"a\\\"\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"*1\r\n$4\r\nPING\r\nECHO \"x\r\n", "ERR Protocol error: unbalanced quotes in request"},
  };
  for (const auto& [input, error] : cases) {
    INFO(input);
    FeedResult whole = FeedWhole(input);
    CHECK(whole.error == error);
    CHECK(FeedBytewise(input) == whole);
  }
  // Commands before the bad one are still delivered.
  CHECK(FeedWhole("*1\r\n$4\r\nPING\r\nECHO \"x\r\n").commands == std::vector<Argv>{{"PING"}});
}

TEST_CASE("parser: default limits match Redis 7.0.15") {
  // 512MB bulk is fine, one more byte is not; *INT_MAX is accepted as a header.
  RespParser parser;
  std::vector<std::string_view> argv;
  size_t consumed = 0;
  CHECK(parser.Parse("*1\r\n$536870912\r\n", &argv, &consumed) == ParseStatus::kNeedMore);
  parser.Reset();
  CHECK(parser.Parse("*2147483647\r\n", &argv, &consumed) == ParseStatus::kNeedMore);
  parser.Reset();
  // 65536 bytes without a newline still wait; 65537 are too many.
  CHECK(FeedWhole(std::string(65536, 'x')).error.empty());
  CHECK(FeedWhole(std::string(65537, 'x')).error == "ERR Protocol error: too big inline request");
  CHECK(FeedWhole("*" + std::string(65540, '1')).error == "ERR Protocol error: too big mbulk count string");
  CHECK(FeedWhole("*1\r\n$" + std::string(65540, '1')).error == "ERR Protocol error: too big bulk count string");
  // The whole line is there: Redis parses it and finds the number invalid.
  CHECK(FeedWhole("*" + std::string(65540, '1') + "\r\n").error == "ERR Protocol error: invalid multibulk length");
  // A complete inline line longer than the limit is accepted (Redis only checks when no newline is found).
  CHECK(FeedWhole("ECHO " + std::string(70000, 'a') + "\r\n").commands ==
        std::vector<Argv>{{"ECHO", std::string(70000, 'a')}});
}

TEST_CASE("parser: small custom limits, at and just over each boundary") {
  ParserLimits limits;
  limits.max_bulk_len = 8;
  limits.max_multibulk_len = 4;
  limits.max_inline_len = 16;
  limits.unauthenticated_multibulk_len = 2;
  limits.unauthenticated_bulk_len = 4;

  SECTION("multibulk count") {
    CHECK(FeedWhole(Mb({"a", "b", "c", "d"}), limits).commands == std::vector<Argv>{{"a", "b", "c", "d"}});
    CHECK(FeedWhole("*5\r\n", limits).error == "ERR Protocol error: invalid multibulk length");
    CHECK(FeedWhole(Mb({"a", "b"}), limits, false).commands == std::vector<Argv>{{"a", "b"}});
    CHECK(FeedWhole("*3\r\n", limits, false).error == "ERR Protocol error: unauthenticated multibulk length");
    // The general limit is checked first.
    CHECK(FeedWhole("*5\r\n", limits, false).error == "ERR Protocol error: invalid multibulk length");
    CHECK(FeedWhole("*x\r\n", limits, false).error == "ERR Protocol error: invalid multibulk length");
    CHECK(FeedWhole("*0\r\n*-1\r\n", limits, false).commands == std::vector<Argv>{{}, {}});
  }
  SECTION("bulk length") {
    CHECK(FeedWhole(Mb({"12345678"}), limits).commands == std::vector<Argv>{{"12345678"}});
    CHECK(FeedWhole("*1\r\n$9\r\n", limits).error == "ERR Protocol error: invalid bulk length");
    CHECK(FeedWhole(Mb({"1234"}), limits, false).commands == std::vector<Argv>{{"1234"}});
    CHECK(FeedWhole("*1\r\n$5\r\n", limits, false).error == "ERR Protocol error: unauthenticated bulk length");
    CHECK(FeedWhole("*1\r\n$9\r\n", limits, false).error == "ERR Protocol error: invalid bulk length");
  }
  SECTION("authentication can change between commands") {
    RespParser parser(limits);
    parser.set_authenticated(false);
    std::vector<std::string_view> argv;
    size_t consumed = 0;
    CHECK(parser.Parse("*3\r\n", &argv, &consumed) == ParseStatus::kError);
    parser.Reset();
    parser.set_authenticated(true);
    CHECK(parser.Parse("*3\r\n", &argv, &consumed) == ParseStatus::kNeedMore);
  }
  SECTION("header and inline lengths") {
    // 16 bytes without a terminator still wait, 17 fail.
    CHECK(FeedWhole(std::string(16, 'x'), limits).error.empty());
    CHECK(FeedWhole(std::string(17, 'x'), limits).error == "ERR Protocol error: too big inline request");
    CHECK(FeedWhole("*" + std::string(15, '1'), limits).error.empty());
    CHECK(FeedWhole("*" + std::string(16, '1'), limits).error == "ERR Protocol error: too big mbulk count string");
    // The bulk header limit counts from the header's start.
    CHECK(FeedWhole("*1\r\n$" + std::string(15, '1'), limits).error.empty());
    CHECK(FeedWhole("*1\r\n$" + std::string(16, '1'), limits).error ==
          "ERR Protocol error: too big bulk count string");
    // Arriving byte by byte gives the same answers.
    CHECK(FeedBytewise(std::string(17, 'x'), limits).error == "ERR Protocol error: too big inline request");
    CHECK(FeedBytewise("*1\r\n$" + std::string(16, '1'), limits).error ==
          "ERR Protocol error: too big bulk count string");
  }
}

TEST_CASE("parser: pipelines of many commands") {
  std::string input;
  std::vector<Argv> expected;
  for (int i = 0; i < 2000; ++i) {
    Argv cmd = {"SET", "key:" + std::to_string(i), std::string(i % 50, 'v')};
    if (i % 7 == 3) {
      input += "SET " + cmd[1] + " \"" + cmd[2] + "\"\r\n";
    } else {
      input += Mb(cmd);
    }
    expected.push_back(cmd);
    if (i % 100 == 0) {
      input += "*0\r\n";
      expected.push_back({});
    }
  }
  CHECK(FeedWhole(input).commands == expected);
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<size_t> pieces;
    for (size_t total = 0; total < input.size();) {
      size_t n = std::uniform_int_distribution<size_t>(1, 300)(rng);
      pieces.push_back(n);
      total += n;
    }
    RespParser parser;
    FeedResult r = Feed(parser, input, pieces);
    CHECK(r.commands == expected);
    CHECK(r.error.empty());
    CHECK(r.leftover == 0);
  }
}

TEST_CASE("parser: a huge multibulk arriving in small reads is parsed in linear time") {
  const size_t kArgs = 1000000;
  std::string input = "*" + std::to_string(kArgs) + "\r\n";
  for (size_t i = 0; i < kArgs; ++i) input += "$1\r\nx\r\n";
  RespParser parser;
  std::vector<std::string_view> argv;
  size_t consumed = 0;
  auto start = std::chrono::steady_clock::now();
  // Reads of 1000 bytes: a parser that rescanned from the start would do ~3.5e9 steps here.
  size_t have = 0;
  ParseStatus st = ParseStatus::kNeedMore;
  while (have < input.size()) {
    have = std::min(input.size(), have + 1000);
    st = parser.Parse(std::string_view(input).substr(0, have), &argv, &consumed);
    if (st != ParseStatus::kNeedMore) break;
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(st == ParseStatus::kOk);
  CHECK(consumed == input.size());
  CHECK(argv.size() == kArgs);
  CHECK(argv.back() == "x");
  CHECK(elapsed < std::chrono::seconds(2));
}

TEST_CASE("parser: hostile headers do not allocate up front") {
  RespParser parser;
  std::vector<std::string_view> argv;
  size_t consumed = 0;
  // Would be 32 GB of spans if reserved; must simply wait for data.
  CHECK(parser.Parse("*2147483647\r\n$1\r\na\r\n", &argv, &consumed) == ParseStatus::kNeedMore);
  parser.Reset();
  CHECK(parser.Parse("*2147483647\r\n$536870912\r\n", &argv, &consumed) == ParseStatus::kNeedMore);
}

TEST_CASE("parser: the caller may move the buffer between calls") {
  RespParser parser;
  std::vector<std::string_view> argv;
  size_t consumed = 0;
  std::string full = Mb({"SET", "key", "value"});
  std::string first = full.substr(0, 20);
  CHECK(parser.Parse(first, &argv, &consumed) == ParseStatus::kNeedMore);
  std::string moved = full;  // a different allocation holding the same bytes and more
  REQUIRE(parser.Parse(moved, &argv, &consumed) == ParseStatus::kOk);
  CHECK(argv == std::vector<std::string_view>{"SET", "key", "value"});
  CHECK(argv[2].data() >= moved.data());
  // A caller that wrongly drops bytes gets a fresh parse, not an out-of-bounds read.
  CHECK(parser.Parse(first, &argv, &consumed) == ParseStatus::kNeedMore);
  CHECK(parser.Parse("*1\r\n", &argv, &consumed) == ParseStatus::kNeedMore);
  CHECK(parser.Parse("PING\r\n", &argv, &consumed) == ParseStatus::kOk);
  CHECK(argv == std::vector<std::string_view>{"PING"});
}

TEST_CASE("parser: random bytes never crash and splitting never changes the result") {
  std::mt19937 rng(12345);
  const std::vector<std::string> fragments = {"*", "$", "\r\n", "\r", "\n", "0", "1", "2", "3", "-1", "10",
                                              "\"", "'", "\\", "\\x4", " ", "\t", "a", "PING", std::string(1, '\0'),
                                              "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "$3\r\nabc\r\n", "x"};
  ParserLimits limits;
  limits.max_inline_len = 48;
  limits.max_bulk_len = 64;
  limits.max_multibulk_len = 16;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string input;
    int parts = std::uniform_int_distribution<int>(1, 12)(rng);
    for (int i = 0; i < parts; ++i) {
      if (rng() % 3 == 0) {
        input.push_back(static_cast<char>(rng() & 0xff));
      } else {
        input += fragments[rng() % fragments.size()];
      }
    }
    bool auth = rng() % 4 != 0;
    FeedResult whole = FeedWhole(input, limits, auth);
    for (const Argv& cmd : whole.commands) {
      CHECK(cmd.size() <= 16);
    }
    // Splitting may reach a "too big" error sooner than one buffer holding the whole line would (Redis has
    // the same timing dependence); otherwise the results must agree.
    std::vector<size_t> pieces;
    for (size_t total = 0; total < input.size();) {
      size_t n = std::uniform_int_distribution<size_t>(1, 8)(rng);
      pieces.push_back(n);
      total += n;
    }
    RespParser parser(limits);
    parser.set_authenticated(auth);
    FeedResult split = Feed(parser, input, pieces);
    if (whole.error.find("too big") == std::string::npos && split.error.find("too big") == std::string::npos) {
      INFO("input size " << input.size());
      CHECK(split == whole);
    }
  }
}
