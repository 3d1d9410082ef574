#include <catch2/catch.hpp>

#include "server/core/command_table.h"
#include "server/core/errors.h"
#include "tests/support/command_harness.h"

using redrock::server::testing::CommandHarness;
using redrock::server::testing::HarnessOptions;

TEST_CASE("unknown commands are rejected with Redis's text", "[command_table]") {
  CommandHarness h;
  CHECK(h.Run({"foo", "a", "b"}) == "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  CHECK(h.Run({"FOO"}) == "-ERR unknown command 'FOO', with args beginning with: \r\n");
  CHECK(h.Run({""}) == "-ERR unknown command '', with args beginning with: \r\n");
  std::string long_arg(200, 'x');
  CHECK(h.Run({"FOO", long_arg}) ==
        "-ERR unknown command 'FOO', with args beginning with: '" + std::string(128, 'x') + "' \r\n");
}

TEST_CASE("lookup is case-insensitive and arity is checked centrally", "[command_table]") {
  CommandHarness h;
  CHECK(h.Run({"SeT", "k", "v"}) == "+OK\r\n");
  CHECK(h.Run({"GET"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(h.Run({"get", "a", "b"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(h.Run({"SET", "k"}) == "-ERR wrong number of arguments for 'set' command\r\n");
  CHECK(h.Run({"multi", "x"}) == "-ERR wrong number of arguments for 'multi' command\r\n");
}

TEST_CASE("error helpers match Redis", "[errors]") {
  using namespace redrock::server;
  CHECK(err::WrongArity("CLIENT|SETNAME") == "ERR wrong number of arguments for 'client|setname' command");
  CHECK(err::UnknownSubcommand("client", "foo") == "ERR unknown subcommand 'foo'. Try CLIENT HELP.");
  CHECK(err::InvalidExpireTime("SETEX") == "ERR invalid expire time in 'setex' command");
  CHECK(err::FromStatus(redrock::engine::Status::WrongType()) == err::kWrongType);
  CHECK(err::FromStatus(redrock::engine::Status::NotInteger()) == err::kNotInteger);
  CHECK(err::FromStatus(redrock::engine::Status::TooLarge()) == err::kStringTooLong);
}

TEST_CASE("flag names follow Redis's order", "[command_table]") {
  using namespace redrock::server;
  auto names = FlagNames(kCmdFast | kCmdWrite | kCmdDenyOom | kCmdMultiControl);
  REQUIRE(names.size() == 3);
  CHECK(names[0] == "write");
  CHECK(names[1] == "denyoom");
  CHECK(names[2] == "fast");
}

TEST_CASE("commands other than AUTH-exempt ones need authentication", "[command_table]") {
  HarnessOptions options;
  options.requirepass = "secret";
  CommandHarness h(options);
  CHECK(h.Run({"get", "k"}) == "-NOAUTH Authentication required.\r\n");
  // Unknown commands and arity errors come before the authentication check, as in Redis.
  CHECK(h.Run({"nope"}) == "-ERR unknown command 'nope', with args beginning with: \r\n");
  CHECK(h.Run({"get"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(h.Run({"auth", "secret"}) == "+OK\r\n");
  CHECK(h.Run({"get", "k"}) == "$-1\r\n");
}
