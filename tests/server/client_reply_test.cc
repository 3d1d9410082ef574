// CLIENT REPLY ON|OFF|SKIP over real sockets, against the bytes real Redis 7.0.15 sends: OFF silences every
// reply (errors too) until ON, whose +OK is sent; SKIP silences the next command only; pub/sub
// confirmations and messages are pushes and get through either way. Each test ends with a command whose
// reply proves that nothing silenced leaked before it.

#include <catch2/catch.hpp>

#include <string>

#include "tests/support/network_client.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::ConnectedClient;
using testing::NetworkServer;

std::string Conf(char type, std::string_view kind, std::string_view name, int64_t count) {
  return std::string(1, type) + "3\r\n" + Bulk(kind) + Bulk(name) + Int(count);
}

TEST_CASE("CLIENT REPLY OFF silences replies and errors until ON", "[client_reply][network]") {
  NetworkServer s;
  ConnectedClient c(s.port());
  c.Send(Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"PING"}) + Cmd({"SET", "k", "v"}) + Cmd({"NOSUCH"}) +
         Cmd({"CLIENT", "REPLY", "FOO"}) + Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"GET", "k"}));
  CHECK(c.Quiet(200));
  CHECK(c.Call({"CLIENT", "REPLY", "ON"}) == kOk);
  CHECK(c.Call({"GET", "k"}) == Bulk("v"));  // the SET ran
}

TEST_CASE("CLIENT REPLY SKIP silences the next command only", "[client_reply][network]") {
  NetworkServer s;
  ConnectedClient c(s.port());
  c.Send(Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"PING", "a"}) + Cmd({"PING", "b"}));
  CHECK(c.Read() == Bulk("b"));
  // Two SKIPs in a row: the second is itself silenced and silences the command after it.
  c.Send(Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"PING", "c"}) +
         Cmd({"PING", "d"}));
  CHECK(c.Read() == Bulk("d"));
  // ON right after SKIP is answered.
  c.Send(Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"CLIENT", "REPLY", "ON"}) + Cmd({"PING", "e"}));
  CHECK(c.Read(2) == kOk + Bulk("e"));
  // Errors of the subcommand itself.
  CHECK(c.Call({"CLIENT", "REPLY", "maybe"}) == kSyntax);
  CHECK(c.Call({"CLIENT", "REPLY"}) == Arity("client|reply"));
  CHECK(c.Quiet(50));
}

TEST_CASE("CLIENT REPLY: a blocking command's timeout reply is silenced too", "[client_reply][network]") {
  NetworkServer s;
  ConnectedClient c(s.port());
  c.Send(Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"BLPOP", "nolist", "0.05"}) + Cmd({"PING", "after"}));
  CHECK(c.Read() == Bulk("after"));
  c.Send(Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"BLPOP", "nolist", "0.05"}));
  CHECK(c.Quiet(200));
  CHECK(c.Call({"CLIENT", "REPLY", "ON"}) == kOk);
}

TEST_CASE("CLIENT REPLY OFF still delivers pub/sub confirmations and messages", "[client_reply][network]") {
  NetworkServer s;
  ConnectedClient sub(s.port()), pub(s.port());
  sub.Send(Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"SUBSCRIBE", "a", "b"}) + Cmd({"PING"}));
  CHECK(sub.Read(2) == Conf('*', "subscribe", "a", 1) + Conf('*', "subscribe", "b", 2));
  CHECK(sub.Quiet(100));  // the subscribed-mode PING reply is a reply, not a push
  CHECK(pub.Call({"PUBLISH", "a", "hi"}) == ":1\r\n");
  CHECK(sub.Read() == Bulks({"message", "a", "hi"}));
  sub.Send(Cmd({"UNSUBSCRIBE"}));
  CHECK(sub.Read(2) == Conf('*', "unsubscribe", "a", 1) + Conf('*', "unsubscribe", "b", 0));
  CHECK(sub.Call({"CLIENT", "REPLY", "ON"}) == kOk);
}

TEST_CASE("CLIENT REPLY OFF in RESP3: the client's own message push gets through", "[client_reply][network]") {
  NetworkServer s;
  ConnectedClient c(s.port());
  c.Send(Cmd({"HELLO", "3"}));
  c.Read();
  c.Send(Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"SUBSCRIBE", "a"}) + Cmd({"PUBLISH", "a", "x"}) +
         Cmd({"UNSUBSCRIBE"}) + Cmd({"CLIENT", "REPLY", "ON"}));
  CHECK(c.Read(4) == Conf('>', "subscribe", "a", 1) + ">3\r\n" + Bulk("message") + Bulk("a") + Bulk("x") +
                         Conf('>', "unsubscribe", "a", 0) + kOk);
}

TEST_CASE("CLIENT REPLY inside MULTI changes the replies from the next queued command on",
          "[client_reply][network]") {
  NetworkServer s;
  ConnectedClient c(s.port());
  // As Redis 7.0.15: the EXEC array keeps its announced length, the silenced replies are missing.
  c.Send(Cmd({"MULTI"}) + Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"PING"}) + Cmd({"EXEC"}) +
         Cmd({"CLIENT", "REPLY", "ON"}) + Cmd({"PING"}));
  CHECK(c.Read(6) == kOk + "+QUEUED\r\n+QUEUED\r\n*2\r\n" + kOk + "+PONG\r\n");
  // A SKIP run by EXEC silences the command after the EXEC.
  c.Send(Cmd({"MULTI"}) + Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"PING"}) + Cmd({"EXEC"}) + Cmd({"PING", "gone"}) +
         Cmd({"PING", "back"}));
  CHECK(c.Read(6) == kOk + "+QUEUED\r\n+QUEUED\r\n*2\r\n+PONG\r\n" + Bulk("back"));
  // Silenced from before MULTI: nothing of the transaction is sent.
  c.Send(Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"MULTI"}) + Cmd({"PING"}) + Cmd({"EXEC"}) +
         Cmd({"CLIENT", "REPLY", "ON"}));
  CHECK(c.Read() == kOk);
  CHECK(c.Quiet(50));
}

TEST_CASE("CLIENT REPLY: RESET ends OFF but not a SKIP in force; scripts may not call it",
          "[client_reply][network]") {
  NetworkServer s;
  ConnectedClient c(s.port());
  c.Send(Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"RESET"}) + Cmd({"PING"}));
  CHECK(c.Read(2) == "+RESET\r\n+PONG\r\n");
  c.Send(Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"RESET"}) + Cmd({"PING"}));
  CHECK(c.Read() == "+PONG\r\n");
  CHECK(c.Call({"EVAL", "return redis.pcall('client','reply','off')", "0"}) ==
        Err("ERR This Redis command is not allowed from script"));
  CHECK(c.Call({"PING"}) == "+PONG\r\n");
}

TEST_CASE("CLIENT REPLY OFF silences a script's reply run on a script thread", "[client_reply][network]") {
  NetworkServer s;
  ConnectedClient c(s.port());
  c.Send(Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"EVAL", "return redis.call('set','k','v')", "0"}) +
         Cmd({"FCALL", "nosuch", "0"}));
  CHECK(c.Quiet(200));
  CHECK(c.Call({"CLIENT", "REPLY", "ON"}) == kOk);
  CHECK(c.Call({"GET", "k"}) == Bulk("v"));
}

}  // namespace
}  // namespace redrock::server
