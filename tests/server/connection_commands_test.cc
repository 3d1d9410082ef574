// The connection family in process (PING ECHO QUIT RESET SELECT AUTH HELLO CLIENT), comparing exact
// RESP bytes with what Redis 7.0.15 sends.

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <string_view>

#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using testing::HarnessOptions;
using namespace ::redrock::testing::resp;

const std::string kWrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
const std::string kNoAuth = "-NOAUTH Authentication required.\r\n";

std::string HelloReply(int proto, uint64_t id) {
  std::string head = proto == 3 ? "%7\r\n" : "*14\r\n";
  return head + Bulk("server") + Bulk("redis") + Bulk("version") + Bulk("7.0.15") + Bulk("proto") + Int(proto) +
         Bulk("id") + Int(static_cast<int64_t>(id)) + Bulk("mode") + Bulk("standalone") + Bulk("role") +
         Bulk("master") + Bulk("modules") + "*0\r\n";
}

TEST_CASE("PING and ECHO", "[connection]") {
  CommandHarness h;
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  CHECK(h.Run({"PING", "hello"}) == Bulk("hello"));
  CHECK(h.Run({"ping", "a", "b"}) == Err("ERR wrong number of arguments for 'ping' command"));
  CHECK(h.Run({"echo", "hi there"}) == Bulk("hi there"));
  CHECK(h.Run({"echo"}) == Err("ERR wrong number of arguments for 'echo' command"));
  CHECK(h.Run({"echo", ""}) == Bulk(""));
}

TEST_CASE("SELECT checks the index", "[connection]") {
  CommandHarness h;
  CHECK(h.Run({"select", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"select", "-1"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"select", "x"}) == Err("ERR value is not an integer or out of range"));
  // Outside int, Redis's getIntFromObjectOrReply answers before the range check (verified on 7.0.15).
  CHECK(h.Run({"select", "4294967296"}) ==
        Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  CHECK(h.Run({"select", "-2147483649"}) ==
        Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  CHECK(h.Run({"select", "15"}) == kOk);
  CHECK(h.client().db.load() == 15);
  CHECK(h.Run({"set", "k", "in15"}) == kOk);
  CHECK(h.Run({"select", "0"}) == kOk);
  CHECK(h.Run({"get", "k"}) == kNil);
  CHECK(h.Run({"select", "15"}) == kOk);
  CHECK(h.Run({"get", "k"}) == Bulk("in15"));
}

TEST_CASE("QUIT replies OK and asks the connection to close", "[connection]") {
  CommandHarness h;
  CHECK(h.Run({"quit"}) == kOk);
  CHECK(h.client().close_after_reply);
}

TEST_CASE("AUTH without a configured password", "[connection]") {
  CommandHarness h;
  CHECK(h.Run({"auth", "x"}) ==
        Err("ERR AUTH <password> called without any password configured for the default user. Are you sure "
            "your configuration is correct?"));
  CHECK(h.Run({"auth", "default", "anything"}) == kOk);  // the default user is "nopass"
  CHECK(h.Run({"auth", "someone", "x"}) == kWrongPass);
  CHECK(h.Run({"auth", "a", "b", "c"}) == kSyntax);
  CHECK(h.Run({"auth"}) == Err("ERR wrong number of arguments for 'auth' command"));
}

TEST_CASE("AUTH with requirepass", "[connection]") {
  HarnessOptions options;
  options.requirepass = "s3cret";
  CommandHarness h(options);
  CHECK(h.Run({"get", "k"}) == kNoAuth);
  CHECK(h.Run({"auth", "wrong"}) == kWrongPass);
  CHECK_FALSE(h.client().authenticated);
  CHECK(h.Run({"auth", "default", "wrong"}) == kWrongPass);
  CHECK(h.Run({"auth", "Default", "s3cret"}) == kWrongPass);  // user names are case-sensitive
  CHECK(h.Run({"auth", "s3cret"}) == kOk);
  CHECK(h.client().authenticated);
  CHECK(h.Run({"get", "k"}) == kNil);
  // A failed AUTH does not log an authenticated client out.
  CHECK(h.Run({"auth", "wrong"}) == kWrongPass);
  CHECK(h.Run({"get", "k"}) == kNil);
  // RESET goes back to unauthenticated.
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.Run({"get", "k"}) == kNoAuth);
  CHECK(h.Run({"auth", "default", "s3cret"}) == kOk);
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("HELLO negotiates the protocol", "[connection]") {
  CommandHarness h;
  const uint64_t id = h.client().id;
  CHECK(h.Run({"hello"}) == HelloReply(2, id));
  CHECK(h.Run({"hello", "4"}) == Err("NOPROTO unsupported protocol version"));
  CHECK(h.Run({"hello", "1"}) == Err("NOPROTO unsupported protocol version"));
  CHECK(h.Run({"hello", "x"}) == Err("ERR Protocol version is not an integer or out of range"));
  CHECK(h.Run({"hello", "3", "auth", "foo"}) == Err("ERR Syntax error in HELLO option 'auth'"));
  CHECK(h.Run({"hello", "3", "setname"}) == Err("ERR Syntax error in HELLO option 'setname'"));
  CHECK(h.Run({"hello", "3", "foo"}) == Err("ERR Syntax error in HELLO option 'foo'"));
  CHECK(h.Run({"hello", "3", "setname", "a b"}) ==
        Err("ERR Client names cannot contain spaces, newlines or special characters."));
  CHECK(h.client().resp == 2);
  CHECK(h.Run({"hello", "3"}) == HelloReply(3, id));
  CHECK(h.client().resp == 3);
  CHECK(h.Run({"hello", "2", "setname", "conn1"}) == HelloReply(2, id));
  CHECK(h.client().resp == 2);
  CHECK(h.Run({"client", "getname"}) == Bulk("conn1"));
}

TEST_CASE("HELLO with AUTH", "[connection]") {
  HarnessOptions options;
  options.requirepass = "pw";
  CommandHarness h(options);
  const uint64_t id = h.client().id;
  CHECK(h.Run({"hello", "3"}) ==
        Err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
            "<user> <pass> option can be used to authenticate the client and select the RESP protocol version "
            "at the same time"));
  CHECK(h.Run({"hello", "3", "auth", "default", "bad"}) == kWrongPass);
  CHECK_FALSE(h.client().authenticated);
  CHECK(h.Run({"hello", "3", "AUTH", "default", "pw", "SETNAME", "x"}) == HelloReply(3, id));
  CHECK(h.client().authenticated);
  CHECK(h.client().resp == 3);
  CHECK(h.client().name == "x");
}

TEST_CASE("RESET restores a fresh connection's state", "[connection]") {
  CommandHarness h;
  CHECK(h.Run({"select", "3"}) == kOk);
  CHECK(h.Run({"client", "setname", "n"}) == kOk);
  CHECK(h.Run({"hello", "3"}).rfind("%7", 0) == 0);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.client().db.load() == 0);
  CHECK(h.client().resp == 2);
  CHECK_FALSE(h.client().in_multi);
  CHECK(h.Run({"client", "getname"}) == kNil);
  CHECK(h.Run({"exec"}) == Err("ERR EXEC without MULTI"));
}

TEST_CASE("CLIENT ID, SETNAME, GETNAME, NO-EVICT", "[connection]") {
  CommandHarness h;
  CHECK(h.Run({"client", "id"}) == Int(static_cast<int64_t>(h.client().id)));
  CHECK(h.Run({"client", "getname"}) == kNil);
  CHECK(h.Run({"client", "setname", "a b"}) ==
        Err("ERR Client names cannot contain spaces, newlines or special characters."));
  CHECK(h.Run({"client", "setname", "worker-1"}) == kOk);
  CHECK(h.Run({"client", "getname"}) == Bulk("worker-1"));
  CHECK(h.Run({"client", "setname", ""}) == kOk);
  CHECK(h.Run({"client", "getname"}) == kNil);
  // SETINFO and NO-TOUCH are Redis 7.2's: 7.0.15 does not know them (redis-py 5 ignores the error).
  CHECK(h.Run({"client", "setinfo", "lib-name", "redis-py"}) ==
        Err("ERR unknown subcommand 'setinfo'. Try CLIENT HELP."));
  CHECK(h.Run({"client", "no-touch", "OFF"}) == Err("ERR unknown subcommand 'no-touch'. Try CLIENT HELP."));
  CHECK(h.Run({"client", "no-evict", "on"}) == kOk);
  CHECK(h.Run({"client", "no-evict", "x"}) == kSyntax);
  CHECK(h.Run({"client", "no-evict"}) == Err("ERR wrong number of arguments for 'client|no-evict' command"));
  CHECK(h.Run({"client", "foo"}) == Err("ERR unknown subcommand 'foo'. Try CLIENT HELP."));
  CHECK(h.Run({"client"}) == Err("ERR wrong number of arguments for 'client' command"));
  std::string help = h.Run({"client", "help"});
  CHECK(help.rfind("*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n", 0) == 0);
}

TEST_CASE("CLIENT LIST and CLIENT INFO", "[connection]") {
  CommandHarness h;
  ClientState& other = h.NewClient();
  CHECK(h.Run({"client", "setname", "me"}) == kOk);
  std::string list = h.Run({"client", "list"});
  std::regex line(
      "id=\\d+ addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:6379 fd=-?\\d+ name=\\S* age=\\d+ idle=\\d+ "
      "flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=\\d+ qbuf-free=\\d+ argv-mem=\\d+ multi-mem=\\d+ "
      "rbs=\\d+ rbp=\\d+ obl=0 oll=0 omem=0 tot-mem=\\d+ events=r cmd=\\S+ user=default redir=-1 resp=2\n");
  // RESP2: one bulk string with one line per client, ordered by id.
  size_t header_end = list.find("\r\n");
  std::string body = list.substr(header_end + 2, list.size() - header_end - 4);
  CHECK(list.substr(0, header_end) == "$" + std::to_string(body.size()));
  size_t split = body.find('\n') + 1;
  std::string first = body.substr(0, split), second = body.substr(split);
  CHECK(std::regex_match(first, line));
  CHECK(std::regex_match(second, line));
  CHECK(first.find("id=" + std::to_string(h.client().id) + " ") == 0);
  CHECK(first.find(" name=me ") != std::string::npos);
  CHECK(first.find(" cmd=client|list ") != std::string::npos);
  CHECK(second.find("id=" + std::to_string(other.id) + " ") == 0);

  std::string filtered = h.Run({"client", "list", "id", std::to_string(other.id)});
  CHECK(filtered == Bulk(second));
  CHECK(h.Run({"client", "list", "type", "normal"}) != "$0\r\n\r\n");
  CHECK(h.Run({"client", "list", "type", "pubsub"}) == "$0\r\n\r\n");
  CHECK(h.Run({"client", "list", "type", "foo"}) == Err("ERR Unknown client type 'foo'"));
  CHECK(h.Run({"client", "list", "id", "x"}) == Err("ERR Invalid client ID"));
  CHECK(h.Run({"client", "list", "foo"}) == kSyntax);

  std::string info = h.Run({"client", "info"});
  CHECK(info.find("id=" + std::to_string(h.client().id) + " ") != std::string::npos);
  CHECK(info.find(" cmd=client|info ") != std::string::npos);
  CHECK(std::count(info.begin(), info.end(), '\n') == 3);  // the bulk's two CRLFs and the line's LF
  // RESP3: a verbatim string.
  CHECK(h.Run({"hello", "3"}).rfind("%7", 0) == 0);
  CHECK(h.Run({"client", "info"}).rfind("=", 0) == 0);
  CHECK(h.Run({"client", "info"}).find("txt:id=") != std::string::npos);
}

TEST_CASE("CLIENT KILL filters", "[connection]") {
  CommandHarness h;
  ClientState& other = h.NewClient();
  CHECK(h.Run({"client", "kill", "1.2.3.4:5"}) == Err("ERR No such client"));
  CHECK(h.Run({"client", "kill", "id", "999"}) == Int(0));
  CHECK(h.Run({"client", "kill", "id", "0"}) == Err("ERR client-id should be greater than 0"));
  CHECK(h.Run({"client", "kill", "id", "x"}) == Err("ERR client-id should be greater than 0"));
  CHECK(h.Run({"client", "kill", "foo", "bar"}) == kSyntax);
  CHECK(h.Run({"client", "kill", "skipme", "x"}) == kSyntax);
  CHECK(h.Run({"client", "kill", "type", "foo"}) == Err("ERR Unknown client type 'foo'"));
  CHECK(h.Run({"client", "kill", "user", "nobody"}) == Err("ERR No such user 'nobody'"));
  CHECK(h.Run({"client", "kill", "id", "1", "skipme"}) == kSyntax);
  CHECK(h.Run({"client", "kill", "type", "pubsub"}) == Int(0));
  // The old form, for another client: +OK.
  CHECK(h.Run({"client", "kill", other.addr}) == kOk);
  CHECK(h.Run({"client", "kill", "id", std::to_string(other.id)}) == Int(1));
  // SKIPME yes (the default) spares the caller.
  CHECK(h.Run({"client", "kill", "user", "default"}) == Int(1));
  CHECK_FALSE(h.client().close_after_reply);
  CHECK(h.Run({"client", "kill", "id", std::to_string(h.client().id), "skipme", "no"}) == Int(1));
  CHECK(h.client().close_after_reply);
}

}  // namespace
}  // namespace redrock::server
