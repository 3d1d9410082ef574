// The stream family through the command pipeline (exact RESP bytes, as Redis 7.0.15 sends them), and the
// blocking XREAD / XREADGROUP over real sockets: woken by XADD, `$` and `>` semantics, several streams,
// timeouts, MULTI, and the errors a blocked XREADGROUP gets when its key or group goes away.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "redrock/server/server.h"
#include "server/core/server_state.h"
#include "tests/support/command_harness.h"
#include "tests/support/network_client.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;
using Clock = std::chrono::steady_clock;
using Client = testing::ConnectedClient;

std::string Entry(std::string_view id, std::initializer_list<std::string> fields) {
  return Array({Bulk(id), Array(fields)});
}

TEST_CASE("XADD, XRANGE, XLEN, XDEL, XTRIM in process", "[stream]") {
  CommandHarness h;
  CHECK(h.Run({"xadd", "s", "1-1", "a", "1"}) == Bulk("1-1"));
  CHECK(h.Run({"xadd", "s", "1-*", "b", "2"}) == Bulk("1-2"));
  CHECK(h.Run({"xadd", "s", "1-1", "c", "3"}) ==
        Err("ERR The ID specified in XADD is equal or smaller than the target stream top item"));
  CHECK(h.Run({"xadd", "s", "0-0", "c", "3"}) == Err("ERR The ID specified in XADD must be greater than 0-0"));
  CHECK(h.Run({"xadd", "s", "x-1", "c", "3"}) == Err("ERR Invalid stream ID specified as stream command argument"));
  CHECK(h.Run({"xadd", "s", "2-0", "c"}) == Arity("xadd"));
  CHECK(h.Run({"xlen", "s"}) == Int(2));
  CHECK(h.Run({"xrange", "s", "-", "+"}) ==
        Array({Entry("1-1", {Bulk("a"), Bulk("1")}), Entry("1-2", {Bulk("b"), Bulk("2")})}));
  CHECK(h.Run({"xrevrange", "s", "+", "-", "COUNT", "1"}) == Array({Entry("1-2", {Bulk("b"), Bulk("2")})}));
  CHECK(h.Run({"xrange", "s", "(1-1", "+"}) == Array({Entry("1-2", {Bulk("b"), Bulk("2")})}));
  CHECK(h.Run({"xrange", "s", "-", "+", "COUNT", "0"}) == kNilArray);
  CHECK(h.Run({"xdel", "s", "1-1", "5-5"}) == Int(1));
  CHECK(h.Run({"xtrim", "s", "MAXLEN", "0"}) == Int(1));
  CHECK(h.Run({"exists", "s"}) == Int(1));  // an emptied stream stays
  CHECK(h.Run({"type", "s"}) == "+stream\r\n");
  CHECK(h.Run({"xadd", "s", "NOMKSTREAM", "3-0", "a", "b"}) == Bulk("3-0"));
  CHECK(h.Run({"xadd", "nokey", "NOMKSTREAM", "*", "a", "b"}) == kNil);
  CHECK(h.Run({"set", "str", "x"}) == kOk);
  CHECK(h.Run({"xadd", "str", "*", "a", "b"}) == kWrongType);
  // Blocking forms answer at once where blocking is impossible (the harness client, like MULTI).
  CHECK(h.Run({"xread", "BLOCK", "0", "STREAMS", "s", "$"}) == kNilArray);
  CHECK(h.Run({"xread", "STREAMS", "s", "0"}) ==
        Array({Array({Bulk("s"), Array({Entry("3-0", {Bulk("a"), Bulk("b")})})})}));
}

TEST_CASE("Consumer groups in process", "[stream]") {
  CommandHarness h;
  CHECK(h.Run({"xgroup", "create", "s", "g", "$"}) ==
        Err("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
            "MKSTREAM option to create an empty stream automatically."));
  CHECK(h.Run({"xgroup", "create", "s", "g", "$", "MKSTREAM"}) == kOk);
  CHECK(h.Run({"xgroup", "create", "s", "g", "$"}) == Err("BUSYGROUP Consumer Group name already exists"));
  CHECK(h.Run({"xadd", "s", "1-0", "f", "v"}) == Bulk("1-0"));
  CHECK(h.Run({"xreadgroup", "GROUP", "g", "c", "STREAMS", "s", ">"}) ==
        Array({Array({Bulk("s"), Array({Entry("1-0", {Bulk("f"), Bulk("v")})})})}));
  CHECK(h.Run({"xreadgroup", "GROUP", "g", "c", "STREAMS", "s", ">"}) == kNilArray);
  CHECK(h.Run({"xreadgroup", "GROUP", "nog", "c", "STREAMS", "s", ">"}) ==
        Err("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"));
  CHECK(h.Run({"xpending", "s", "g"}) ==
        Array({Int(1), Bulk("1-0"), Bulk("1-0"), Array({Array({Bulk("c"), Bulk("1")})})}));
  CHECK(h.Run({"xclaim", "s", "g", "d", "0", "1-0", "JUSTID"}) == Array({Bulk("1-0")}));
  CHECK(h.Run({"xautoclaim", "s", "g", "e", "0", "0", "JUSTID"}) ==
        Array({Bulk("0-0"), Array({Bulk("1-0")}), kEmpty}));
  CHECK(h.Run({"xack", "s", "g", "1-0"}) == Int(1));
  CHECK(h.Run({"xpending", "s", "g"}) == Array({Int(0), kNil, kNil, kNilArray}));
  CHECK(h.Run({"xgroup", "destroy", "s", "g"}) == Int(1));
}

struct StreamServer : testing::NetworkServer {
  size_t blocked() { return server().state().blocking.blocked_clients(); }
  void WaitBlocked(size_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (blocked() != n && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(blocked() == n);
  }
};

TEST_CASE("XREAD BLOCK is woken by XADD past the ID it waits for", "[stream][blocking]") {
  StreamServer s;
  Client waiter(s.port()), producer(s.port());
  CHECK(producer.Call({"XADD", "s1", "1-0", "old", "x"}) == Bulk("1-0"));
  // `$`: only what arrives after the block; several streams, the second one served.
  waiter.Send(Cmd({"XREAD", "BLOCK", "0", "STREAMS", "s1", "s2", "$", "$"}));
  s.WaitBlocked(1);
  CHECK(waiter.Quiet(50));
  CHECK(producer.Call({"XADD", "s2", "5-0", "new", "y"}) == Bulk("5-0"));
  CHECK(waiter.Read() == Array({Array({Bulk("s2"), Array({Entry("5-0", {Bulk("new"), Bulk("y")})})})}));
  CHECK(s.blocked() == 0);
  // An XADD inside MULTI that DEL undoes does not wake it; the next XADD does.
  waiter.Send(Cmd({"XREAD", "BLOCK", "0", "STREAMS", "s3", "$"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"MULTI"}) == kOk);
  CHECK(producer.Call({"XADD", "s3", "1-0", "a", "b"}) == "+QUEUED\r\n");
  CHECK(producer.Call({"DEL", "s3"}) == "+QUEUED\r\n");
  CHECK(producer.Call({"EXEC"}) == Array({Bulk("1-0"), Int(1)}));
  CHECK(waiter.Quiet(50));
  CHECK(producer.Call({"XADD", "s3", "2-0", "c", "d"}) == Bulk("2-0"));
  CHECK(waiter.Read() == Array({Array({Bulk("s3"), Array({Entry("2-0", {Bulk("c"), Bulk("d")})})})}));
  // Timeout: a null array; RESP3: null.
  CHECK(waiter.Call({"XREAD", "BLOCK", "50", "STREAMS", "s3", "$"}) == kNilArray);
  CHECK(waiter.Call({"HELLO", "3"}).substr(0, 1) == "%");
  CHECK(waiter.Call({"XREAD", "BLOCK", "50", "STREAMS", "s3", "$"}) == kNull3);
}

TEST_CASE("XREADGROUP BLOCK: served by XADD, told when the group or key goes away", "[stream][blocking]") {
  StreamServer s;
  Client waiter(s.port()), other(s.port()), producer(s.port());
  CHECK(producer.Call({"XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"}) == kOk);
  // One after the other (the test server runs two I/O threads: clients sending at once block in either order).
  waiter.Send(Cmd({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}));
  s.WaitBlocked(1);
  other.Send(Cmd({"XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "q", ">"}));
  s.WaitBlocked(2);
  // One entry: the first waiter gets it; the second keeps waiting for the next one.
  CHECK(producer.Call({"XADD", "q", "1-0", "job", "1"}) == Bulk("1-0"));
  CHECK(waiter.Read() == Array({Array({Bulk("q"), Array({Entry("1-0", {Bulk("job"), Bulk("1")})})})}));
  CHECK(other.Quiet(50));
  CHECK(producer.Call({"XADD", "q", "2-0", "job", "2"}) == Bulk("2-0"));
  CHECK(other.Read() == Array({Array({Bulk("q"), Array({Entry("2-0", {Bulk("job"), Bulk("2")})})})}));
  CHECK(producer.Call({"XPENDING", "q", "g"}) ==
        Array({Int(2), Bulk("1-0"), Bulk("2-0"),
               Array({Array({Bulk("alice"), Bulk("1")}), Array({Bulk("bob"), Bulk("1")})})}));

  waiter.Send(Cmd({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"XGROUP", "DESTROY", "q", "g"}) == Int(1));
  CHECK(waiter.Read() == Err("NOGROUP the consumer group this client was blocked on no longer exists"));

  CHECK(producer.Call({"XGROUP", "CREATE", "q", "g", "$"}) == kOk);
  waiter.Send(Cmd({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"DEL", "q"}) == Int(1));
  CHECK(waiter.Read() == Err("UNBLOCKED the stream key no longer exists"));

  CHECK(producer.Call({"XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"}) == kOk);
  waiter.Send(Cmd({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"SET", "q", "string now"}) == kOk);
  CHECK(waiter.Read() == Err("UNBLOCKED the stream key no longer exists"));

  CHECK(producer.Call({"DEL", "q"}) == Int(1));
  CHECK(producer.Call({"XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"}) == kOk);
  waiter.Send(Cmd({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}));
  s.WaitBlocked(1);
  CHECK(producer.Call({"FLUSHALL"}) == kOk);
  CHECK(waiter.Read() == Err("UNBLOCKED the stream key no longer exists"));
  CHECK(s.blocked() == 0);
  // An explicit ID never blocks: the consumer's history (here empty) comes back at once.
  CHECK(producer.Call({"XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"}) == kOk);
  CHECK(waiter.Call({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", "0"}) ==
        Array({Array({Bulk("q"), kEmpty})}));
}

}  // namespace
}  // namespace redrock::server
