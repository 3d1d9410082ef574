// The server family in process: INFO, CONFIG, COMMAND, DBSIZE, TIME, FLUSHDB/FLUSHALL, SHUTDOWN,
// FUNCTION, LASTSAVE, SAVE/BGSAVE, ROLE; exact RESP bytes as Redis 7.0.15 sends them.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using testing::CommandHarness;
using namespace ::redrock::testing::resp;

TEST_CASE("DBSIZE, FLUSHDB and FLUSHALL", "[server]") {
  CommandHarness h;
  CHECK(h.Run({"dbsize"}) == Int(0));
  CHECK(h.Run({"set", "a", "1"}) == kOk);
  CHECK(h.Run({"set", "b", "1"}) == kOk);
  CHECK(h.Run({"select", "1"}) == kOk);
  CHECK(h.Run({"set", "c", "1"}) == kOk);
  CHECK(h.Run({"dbsize"}) == Int(1));
  CHECK(h.Run({"flushdb", "x"}) == kSyntax);
  CHECK(h.Run({"flushdb", "async", "x"}) == kSyntax);
  CHECK(h.Run({"flushdb", "SYNC"}) == kOk);
  CHECK(h.Run({"dbsize"}) == Int(0));
  CHECK(h.Run({"select", "0"}) == kOk);
  CHECK(h.Run({"dbsize"}) == Int(2));
  CHECK(h.Run({"flushall", "x"}) == kSyntax);
  CHECK(h.Run({"flushall", "async"}) == kOk);
  CHECK(h.Run({"dbsize"}) == Int(0));
  CHECK(h.Run({"flushall"}) == kOk);
}

TEST_CASE("TIME, LASTSAVE, SAVE, BGSAVE, ROLE", "[server]") {
  CommandHarness h;
  std::string time = h.Run({"time"});
  REQUIRE(time.rfind("*2\r\n$10\r\n", 0) == 0);
  CHECK(h.Run({"time", "x"}) == Err("ERR wrong number of arguments for 'time' command"));
  std::string lastsave = h.Run({"lastsave"});
  CHECK(lastsave.rfind(":1", 0) == 0);
  CHECK(h.Run({"save"}) == kOk);
  CHECK(h.Run({"bgsave"}) == "+Background saving started\r\n");
  CHECK(h.Run({"bgsave", "schedule"}) == "+Background saving started\r\n");
  CHECK(h.Run({"bgsave", "x"}) == kSyntax);
  CHECK(h.Run({"role"}) == "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
}

TEST_CASE("FUNCTION with no libraries", "[server]") {
  CommandHarness h;
  CHECK(h.Run({"function", "list"}) == "*0\r\n");
  CHECK(h.Run({"function", "list", "withcode", "libraryname", "x"}) == "*0\r\n");
  CHECK(h.Run({"function", "list", "foo"}) == Err("ERR Unknown argument foo"));
  CHECK(h.Run({"function", "list", "libraryname"}) == Err("ERR library name argument was not given"));
  CHECK(h.Run({"function", "flush"}) == kOk);
  CHECK(h.Run({"function", "flush", "sync"}) == kOk);
  CHECK(h.Run({"function", "flush", "x"}) == Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"));
  CHECK(h.Run({"function", "help"}).rfind("*40\r\n+FUNCTION <subcommand>", 0) == 0);
}

TEST_CASE("SHUTDOWN asks the server to stop and sends no reply", "[server]") {
  CommandHarness h;
  int calls = 0;
  h.state().request_shutdown = [&] { ++calls; };
  CHECK(h.Run({"shutdown", "foo"}) == kSyntax);
  CHECK(h.Run({"shutdown", "nosave", "save"}) == kSyntax);
  CHECK(h.Run({"shutdown", "abort"}) == Err("ERR No shutdown in progress."));
  CHECK(calls == 0);
  CHECK(h.Run({"shutdown", "nosave", "now"}).empty());
  CHECK(calls == 1);
  CHECK(h.client().close_after_reply);
}

TEST_CASE("INFO sections", "[server]") {
  CommandHarness h;
  std::string all = BulkBody(h.Run({"info"}));
  for (std::string_view section : {"# Server\r\n", "# Clients\r\n", "# Memory\r\n", "# Persistence\r\n",
                                   "# Stats\r\n", "# Replication\r\n", "# CPU\r\n", "# Modules\r\n",
                                   "# Errorstats\r\n", "# Cluster\r\n", "# Keyspace\r\n"}) {
    CHECK(all.find(section) != std::string::npos);
  }
  CHECK(all.find("# Commandstats") == std::string::npos);
  CHECK(all.find("redis_version:7.0.15\r\n") != std::string::npos);
  CHECK(all.find("redrock_version:0.1.0\r\n") != std::string::npos);
  CHECK(all.find("redis_mode:standalone\r\n") != std::string::npos);
  CHECK(all.find("connected_clients:1\r\n") != std::string::npos);
  CHECK(all.find("used_memory_human:") != std::string::npos);
  CHECK(all.find("role:master\r\n") != std::string::npos);
  CHECK(all.find("\r\n\r\n# Clients\r\n") != std::string::npos);
  CHECK(BulkBody(h.Run({"info", "everything"})).find("# Commandstats\r\n") != std::string::npos);

  CHECK(h.Run({"info", "foo"}) == "$0\r\n\r\n");
  CHECK(h.Run({"info", "cluster"}) == Bulk("# Cluster\r\ncluster_enabled:0\r\n"));
  // Sections come in Redis's order whatever order they are asked in.
  CHECK(h.Run({"INFO", "keyspace", "CLUSTER"}) == Bulk("# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n"));

  CHECK(h.Run({"set", "a", "1"}) == kOk);
  CHECK(h.Run({"set", "b", "1", "ex", "100"}) == kOk);
  CHECK(h.Run({"select", "3"}) == kOk);
  CHECK(h.Run({"set", "c", "1"}) == kOk);
  std::string keyspace = BulkBody(h.Run({"info", "keyspace"}));
  CHECK(keyspace.rfind("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=", 0) == 0);
  CHECK(keyspace.find("\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n") != std::string::npos);
  CHECK(keyspace.find("db1:") == std::string::npos);

  // RESP3: a verbatim string.
  CHECK(h.Run({"hello", "3"}).rfind("%7", 0) == 0);
  CHECK(h.Run({"info", "cluster"}) == "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n");
}

TEST_CASE("INFO commandstats and errorstats count calls, rejections and failures", "[server]") {
  CommandHarness h;
  CHECK(h.Run({"set", "s", "text"}) == kOk);
  CHECK(h.Run({"incr", "s"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"get"}) == Err("ERR wrong number of arguments for 'get' command"));
  CHECK(h.Run({"config", "get"}) == Err("ERR wrong number of arguments for 'config|get' command"));
  CHECK(h.Run({"config", "nosuch"}).rfind("-ERR unknown subcommand", 0) == 0);
  CHECK(h.Run({"lpush", "s", "x"}).rfind("-WRONGTYPE ", 0) == 0);
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"get"}) == Err("ERR wrong number of arguments for 'get' command"));
  CHECK(h.Run({"exec"}).rfind("-EXECABORT ", 0) == 0);
  const std::string stats = BulkBody(h.Run({"info", "commandstats"}));
  auto line = [&](std::string_view name) {
    const std::string head = "cmdstat_" + std::string(name) + ":";
    const size_t at = stats.find("\r\n" + head);
    if (at == std::string::npos) return std::string();
    const size_t begin = at + 2, end = stats.find("\r\n", begin);
    return stats.substr(begin, end - begin);
  };
  CHECK(line("set").rfind("cmdstat_set:calls=1,usec=", 0) == 0);
  CHECK(line("set").ends_with(",rejected_calls=0,failed_calls=0"));
  CHECK(line("incr").ends_with(",rejected_calls=0,failed_calls=1"));
  CHECK(line("lpush").ends_with(",rejected_calls=0,failed_calls=1"));
  CHECK(line("get") == "cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=2,failed_calls=0");
  CHECK(line("config|get") == "cmdstat_config|get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0");
  CHECK(line("config").empty());  // an unknown subcommand is nobody's rejected call
  // EXEC ran and answered EXECABORT (a failure), MULTI ran.
  CHECK(line("exec").ends_with(",rejected_calls=0,failed_calls=1"));
  CHECK(line("multi").rfind("cmdstat_multi:calls=1,", 0) == 0);
  CHECK(line("hset").empty());
  CHECK(BulkBody(h.Run({"info", "errorstats"})) ==
        "# Errorstats\r\nerrorstat_ERR:count=5\r\nerrorstat_EXECABORT:count=1\r\nerrorstat_WRONGTYPE:count=1\r\n");
  CHECK(BulkBody(h.Run({"info", "stats"})).find("\r\ntotal_error_replies:7\r\n") != std::string::npos);
  CHECK(h.Run({"config", "resetstat"}) == kOk);
  CHECK(BulkBody(h.Run({"info", "errorstats"})) == "# Errorstats\r\n");
  CHECK(BulkBody(h.Run({"info", "commandstats"})).find("cmdstat_incr") == std::string::npos);
}

TEST_CASE("ErrorStats reads an error's code as Redis does", "[server]") {
  ErrorStats errors;
  errors.Count("ERR syntax error");
  errors.Count("WRONGTYPE Operation against a key holding the wrong kind of value");
  errors.Count("NOSPACE");                                  // no space at all: counted as ERR
  errors.Count(std::string(31, 'X') + " text");             // space at the 32nd byte of "-XXX...": too far
  errors.Count(std::string(30, 'Y') + " text");             // within the window
  errors.Count("user_script:1: Script attempted to access");  // the code keeps its ':' (INFO makes it '_')
  using Counts = std::vector<std::pair<std::string, uint64_t>>;
  CHECK(errors.Snapshot() == Counts{{"ERR", 3}, {"WRONGTYPE", 1}, {std::string(30, 'Y'), 1}, {"user_script:1:", 1}});
  errors.Reset();
  CHECK(errors.Snapshot().empty());
}

TEST_CASE("CONFIG GET", "[server]") {
  CommandHarness h;
  CHECK(h.Run({"config", "get"}) == Err("ERR wrong number of arguments for 'config|get' command"));
  CHECK(h.Run({"config", "get", "nonexist"}) == "*0\r\n");
  CHECK(h.Run({"config", "get", "maxclients"}) == "*2\r\n" + Bulk("maxclients") + Bulk("10000"));
  // An exact name answers under the name as given, once.
  CHECK(h.Run({"config", "get", "MAXCLIENTS", "maxclients"}) == "*2\r\n" + Bulk("MAXCLIENTS") + Bulk("10000"));
  CHECK(h.Run({"config", "get", "timeout", "maxclients"}) ==
        "*4\r\n" + Bulk("timeout") + Bulk("0") + Bulk("maxclients") + Bulk("10000"));
  CHECK(h.Run({"config", "get", "lazyfree-lazy-user-*"}) ==
        "*4\r\n" + Bulk("lazyfree-lazy-user-del") + Bulk("no") + Bulk("lazyfree-lazy-user-flush") + Bulk("no"));
  CHECK(h.Run({"hello", "3"}).rfind("%7", 0) == 0);
  CHECK(h.Run({"config", "get", "timeout"}) == "%1\r\n" + Bulk("timeout") + Bulk("0"));
}

TEST_CASE("CONFIG SET", "[server]") {
  CommandHarness h;
  CHECK(h.Run({"config", "set", "port"}) == Err("ERR wrong number of arguments for 'config|set' command"));
  CHECK(h.Run({"config", "set", "foo", "bar"}) ==
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
  CHECK(h.Run({"config", "set", "timeout", "10", "port"}) == kSyntax);
  CHECK(h.Run({"config", "set", "timeout", "10", "timeout", "20"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter"));
  CHECK(h.Run({"config", "set", "timeout", "10", "foo", "20"}) ==
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
  CHECK(h.Run({"config", "set", "databases", "3"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"));
  CHECK(h.Run({"config", "set", "io-threads", "3"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'io-threads') - can't set immutable config"));
  // All or nothing: the valid timeout is rolled back when maxclients fails.
  CHECK(h.Run({"config", "set", "timeout", "10", "maxclients", "x"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed "
            "into an integer"));
  CHECK(h.config().timeout() == 0);
  CHECK(h.Run({"config", "set", "timeout", "10", "auto-aof-rewrite-min-size", "1gb"}) == kOk);
  CHECK(h.config().timeout() == 10);
  CHECK(h.Run({"config", "get", "auto-aof-rewrite-min-size"}) ==
        "*2\r\n" + Bulk("auto-aof-rewrite-min-size") + Bulk("1073741824"));
  // A limit redrock does not enforce is refused, and rolls back the rest (config_test.cc has every one).
  CHECK(h.Run({"config", "set", "timeout", "11", "maxmemory-policy", "allkeys-lru"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - redrock does not evict keys "
            "yet: over maxmemory it refuses writes (noeviction), so maxmemory-policy must stay noeviction"));
  CHECK(h.config().timeout() == 10);
  CHECK(h.Run({"config", "set", "maxmemory-policy", "noeviction"}) == kOk);
}

TEST_CASE("CONFIG RESETSTAT, REWRITE and HELP", "[server]") {
  CommandHarness h;
  h.state().stats.total_net_input_bytes = 77;
  CHECK(h.Run({"config", "resetstat"}) == kOk);
  CHECK(h.state().stats.total_net_input_bytes.load() == 0);
  CHECK(h.Run({"config", "rewrite"}) == Err("ERR The server is running without a config file"));
  CHECK(h.Run({"config", "foo"}) == Err("ERR unknown subcommand 'foo'. Try CONFIG HELP."));
  CHECK(h.Run({"config", "help"}).rfind("*11\r\n+CONFIG <subcommand>", 0) == 0);

  std::string path = h.dir() + "/redis.conf";
  std::ofstream(path) << "# my config\nport 6380\ntimeout 5\ntimeout 6\nsave 900 1\n";
  h.state().config_file = path;
  CHECK(h.Run({"config", "set", "timeout", "42", "auto-aof-rewrite-min-size", "2mb"}) == kOk);
  CHECK(h.Run({"config", "rewrite"}) == kOk);
  std::stringstream written;
  written << std::ifstream(path).rdbuf();
  std::string text = written.str();
  CHECK(text.rfind("# my config\nport 6379\ntimeout 42\nsave 3600 1\nsave 300 100\nsave 60 10000\n", 0) == 0);
  CHECK(text.find("\n# Generated by CONFIG REWRITE\n") != std::string::npos);
  CHECK(text.find("\nauto-aof-rewrite-min-size 2097152\n") != std::string::npos);
  CHECK(text.find("timeout 6") == std::string::npos);
}

TEST_CASE("COMMAND introspection", "[server]") {
  CommandHarness h;
  int64_t count = static_cast<int64_t>(h.table().commands().size());
  CHECK(h.Run({"command", "count"}) == Int(count));
  CHECK(h.Run({"command"}).rfind("*" + std::to_string(count) + "\r\n", 0) == 0);
  CHECK(h.Run({"command", "foo"}) == Err("ERR unknown subcommand 'foo'. Try COMMAND HELP."));
  CHECK(h.Run({"command", "count", "x"}) == Err("ERR wrong number of arguments for 'command|count' command"));

  // Exactly what Redis 7.0.15 replies.
  CHECK(h.Run({"command", "info", "ping", "nosuch"}) ==
        "*2\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*2\r\n"
        "$25\r\nrequest_policy:all_shards\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n$-1\r\n");
  CHECK(h.Run({"command", "info", "get"}) ==
        "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n"
        "+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
        "$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
        "$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
  CHECK(h.Run({"command", "info", "config|get"}) ==
        "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n"
        ":0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n");

  CHECK(h.Run({"command", "docs", "foo"}) == "*0\r\n");
  CHECK(h.Run({"command", "docs", "get"}) ==
        "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n"
        "$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n"
        "$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n");

  CHECK(h.Run({"command", "getkeys", "get", "a"}) == "*1\r\n" + Bulk("a"));
  CHECK(h.Run({"command", "getkeys", "mset", "a", "b", "c", "d"}) == "*2\r\n" + Bulk("a") + Bulk("c"));
  CHECK(h.Run({"command", "getkeys", "ping", "x"}) == Err("ERR The command has no key arguments"));
  CHECK(h.Run({"command", "getkeys", "foo", "x"}) == Err("ERR Invalid command specified"));
  CHECK(h.Run({"command", "getkeys", "set", "a"}) == Err("ERR Invalid number of arguments specified for command"));
  CHECK(h.Run({"command", "getkeys", "get"}) ==
        Err("ERR wrong number of arguments for 'command|getkeys' command"));

  std::string list = h.Run({"command", "list", "filterby", "pattern", "client|*"});
  CHECK(list.find(Bulk("client|setname")) != std::string::npos);
  CHECK(list.find(Bulk("ping")) == std::string::npos);
  std::string by_cat = h.Run({"command", "list", "filterby", "aclcat", "connection"});
  CHECK(by_cat.find(Bulk("ping")) != std::string::npos);
  CHECK(by_cat.find(Bulk("get")) == std::string::npos);
  CHECK(h.Run({"command", "list", "filterby", "module", "x"}) == "*0\r\n");
  CHECK(h.Run({"command", "list", "filterby", "foo", "x"}) == kSyntax);
  CHECK(h.Run({"command", "list", "x"}) == kSyntax);
  CHECK(h.Run({"command", "help"}).rfind("*21\r\n+COMMAND <subcommand>", 0) == 0);
}

}  // namespace
}  // namespace redrock::server
