// Redis 7 Functions in process: FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS/KILL, FCALL and
// FCALL_RO, register_function's two forms and errors, the FUNCTION LOAD sandbox, and the libraries
// surviving a restart of an Engine + ServerState on the same directory. Expected bytes are Redis
// 7.0.15's (except FUNCTION DUMP's payload, which is redrock's own format).

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "redrock/engine/engine.h"
#include "protocol/reply_writer.h"
#include "server/core/command_table.h"
#include "server/commands/families.h"
#include "redrock/server/config.h"
#include "server/core/server_state.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"
#include "tests/support/temp_dir.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;

const std::string kLib1 =
    "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return {keys[1], args[1]} end)";
const std::string kLib2 =
    "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function(keys, args) return "
    "redis.call('set', keys[1], args[1]) end, description='desc two', flags={'no-writes', 'allow-oom'}}";

std::string Load(CommandHarness& h, const std::string& code) { return h.Run({"function", "load", code}); }

std::string LoadError(const std::string& body) { return Err("ERR Error registering functions: ERR " + body); }

TEST_CASE("FUNCTION LOAD and FCALL", "[functions]") {
  CommandHarness h;
  CHECK(Load(h, kLib1) == Bulk("mylib"));
  CHECK(Load(h, kLib1) == Err("ERR Library 'mylib' already exists"));
  CHECK(Load(h, "#!lua name=other\nredis.register_function('f1', function() return 1 end)") ==
        Err("ERR Function f1 already exists"));
  CHECK(Load(h, kLib2) == Bulk("lib2"));
  CHECK(h.Run({"fcall", "f1", "1", "k", "a"}) == Bulks({"k", "a"}));
  CHECK(h.Run({"fcall", "F1", "1", "k", "a"}) == Bulks({"k", "a"}));  // function names ignore case
  CHECK(h.Run({"fcall_ro", "f1", "1", "k", "a"}) ==
        Err("ERR Can not execute a script with write flag using *_ro command."));
  // f2 is no-writes: its SET is refused under FCALL and FCALL_RO alike.
  const std::string refused =
      Err("ERR Write commands are not allowed from read-only scripts. script: f2, on @user_function:2.");
  CHECK(h.Run({"fcall", "f2", "1", "k", "a"}) == refused);
  CHECK(h.Run({"fcall_ro", "f2", "1", "k", "a"}) == refused);
  CHECK(h.Run({"fcall", "nosuch", "0"}) == Err("ERR Function not found"));
  CHECK(h.Run({"fcall", "f1", "x"}) == Err("ERR Bad number of keys provided"));
  CHECK(h.Run({"fcall", "f1", "-1"}) == Err("ERR Number of keys can't be negative"));
  CHECK(h.Run({"fcall", "f1", "5", "a"}) == Err("ERR Number of keys can't be greater than number of args"));
  CHECK(h.Run({"fcall", "x"}) == Arity("fcall"));
  // REPLACE swaps the library's code.
  CHECK(h.Run({"function", "load", "replace",
               "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return 'v2' end)"}) ==
        Bulk("mylib"));
  CHECK(h.Run({"fcall", "f1", "0"}) == Bulk("v2"));
  CHECK(h.Run({"function", "load", "bogus", "x"}) == Err("ERR Unknown option given: bogus"));
  CHECK(h.Run({"function", "load", "replace"}) == Err("ERR Missing library metadata"));
  CHECK(h.Run({"function", "load"}) == Arity("function|load"));
}

TEST_CASE("functions run with the full API, errors name the function", "[functions]") {
  CommandHarness h;
  CHECK(Load(h,
             "#!lua name=lib5\n"
             "redis.register_function('f5', function(keys, args) error('in func') end)\n"
             "redis.register_function('f6', function(keys, args) return redis.call('nosuch') end)\n"
             "redis.register_function('f7', function(keys, args) return x end)\n"
             "redis.register_function('f8', function(keys, args) return string.format('%d', #keys + #args) end)\n"
             "redis.register_function('f9', function() return KEYS end)\n"
             "redis.register_function('f10', function() return redis.register_function end)") == Bulk("lib5"));
  CHECK(h.Run({"fcall", "f5", "0"}) == Err("ERR user_function:2: in func script: f5, on @user_function:2."));
  CHECK(h.Run({"fcall", "f6", "0"}) ==
        Err("ERR Unknown Redis command called from script script: f6, on @user_function:3."));
  CHECK(h.Run({"fcall", "f7", "0"}) == Err("ERR user_function:4: Script attempted to access nonexistent global "
                                           "variable 'x' script: f7, on @user_function:4."));
  CHECK(h.Run({"fcall", "f8", "2", "a", "b", "c"}) == Bulk("3"));
  CHECK(h.Run({"fcall", "f9", "0"}) == Err("ERR user_function:6: Script attempted to access nonexistent global "
                                           "variable 'KEYS' script: f9, on @user_function:6."));
  CHECK(h.Run({"fcall", "f10", "0"}) == kNil);
  CHECK(h.Run({"eval", "return redis.register_function", "0"}) == kNil);
}

TEST_CASE("FUNCTION LOAD errors", "[functions]") {
  CommandHarness h;
  CHECK(Load(h, "#!lua name=lib4\n") == Err("ERR No functions registered"));
  CHECK(Load(h, "#!lua name=lib4") == Err("ERR Invalid library metadata"));
  CHECK(Load(h, "#!lua\nx") == Err("ERR Library name was not given"));
  CHECK(Load(h, "lua name=lib4\nx") == Err("ERR Missing library metadata"));
  CHECK(Load(h, "#!js name=lib4\nx") == Err("ERR Engine 'js' not found"));
  CHECK(Load(h, "#!lua name=lib4 foo=bar\nx") == Err("ERR Invalid metadata value given: foo=bar"));
  CHECK(Load(h, "#!lua name=lib4 name=x\nx") ==
        Err("ERR Invalid metadata value, name argument was given multiple times"));
  CHECK(Load(h, "#!lua name=lib-4\nx") == Err("ERR Library names can only contain letters, numbers, or "
                                              "underscores(_) and must be at least one character long"));
  CHECK(Load(h, "#!lua name=lib4\nreturn 1 +") ==
        Err("ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"));
  // The library code sees only redis.register_function, redis.log and the version fields.
  CHECK(Load(h, "#!lua name=lib4\nx = 1") == LoadError("user_function:2: Attempt to modify a readonly table"));
  CHECK(Load(h, "#!lua name=lib4\nfunction g() end") ==
        LoadError("user_function:2: Attempt to modify a readonly table"));
  CHECK(Load(h, "#!lua name=lib4\nlocal x = y") ==
        LoadError("user_function:2: Script attempted to access nonexistent global variable 'y'"));
  CHECK(Load(h, "#!lua name=lib4\nerror('boom')") ==
        LoadError("user_function:2: Script attempted to access nonexistent global variable 'error'"));
  CHECK(Load(h, "#!lua name=lib3\nreturn string.format('x')") ==
        LoadError("user_function:2: Script attempted to access nonexistent global variable 'string'"));
  CHECK(Load(h, "#!lua name=lib3\nlocal x = redis.call('get','x')") ==
        LoadError("user_function:2: Script attempted to access nonexistent global variable 'call'"));
  CHECK(Load(h, "#!lua name=lib4\nredis.register_function('a-b', function() end)") ==
        LoadError("Library names can only contain letters, numbers, or underscores(_) and must be at least one "
                  "character long"));
  CHECK(Load(h,
             "#!lua name=lib4\nredis.register_function('ab', function() end)\n"
             "redis.register_function('ab', function() end)") == LoadError("Function already exists in the library"));
  CHECK(Load(h, "#!lua name=lib4\nredis.register_function('ab')") ==
        LoadError("calling redis.register_function with a single argument is only applicable to Lua table "
                  "(representing named arguments)."));
  CHECK(Load(h, "#!lua name=lib4\nredis.register_function(1, 2)") ==
        LoadError("second argument to redis.register_function must be a function"));
  CHECK(Load(h, "#!lua name=lib4\nredis.register_function({})") ==
        LoadError("redis.register_function must get a function name argument"));
  CHECK(Load(h, "#!lua name=lib4\nredis.register_function({function_name='x'})") ==
        LoadError("redis.register_function must get a callback argument"));
  CHECK(Load(h,
             "#!lua name=lib4\nredis.register_function({function_name='x', callback=function() end, "
             "flags={'bad'}})") == LoadError("unknown flag given"));
  CHECK(Load(h, "#!lua name=lib4\nredis.register_function({function_name='x', callback=function() end, bogus=1})") ==
        LoadError("unknown argument given to redis.register_function"));
  CHECK(Load(h,
             "#!lua name=lib4\nredis.register_function({function_name='x', callback=function() end, "
             "flags='no-writes'})") ==
        LoadError("flags argument to redis.register_function must be a table representing function flags"));
  CHECK(Load(h, "#!lua name=lib4\nredis.register_function{function_name='g5', callback=5}") ==
        LoadError("callback argument given to redis.register_function must be a function"));
  CHECK(Load(h, "#!lua name=lib4\nredis.register_function('x', function() end, 3)") ==
        LoadError("wrong number of arguments to redis.register_function"));
  // Library code gets 500 ms.
  CHECK(Load(h, "#!lua name=slow\nwhile true do end") == LoadError("FUNCTION LOAD timeout"));
  // A failed load leaves nothing behind.
  CHECK(h.Run({"function", "list"}) == kEmpty);
  CHECK(h.Run({"function", "stats"}) ==
        Array({Bulk("running_script"), kNil, Bulk("engines"),
               Array({Bulk("LUA"), Array({Bulk("libraries_count"), Int(0), Bulk("functions_count"), Int(0)})})}));
}

TEST_CASE("FUNCTION LIST, DELETE, FLUSH, STATS, KILL, HELP", "[functions]") {
  CommandHarness h;
  REQUIRE(Load(h, kLib1) == Bulk("mylib"));
  REQUIRE(Load(h, kLib2) == Bulk("lib2"));
  const std::string lib2_entry =
      Array({Bulk("library_name"), Bulk("lib2"), Bulk("engine"), Bulk("LUA"), Bulk("functions"),
             Array({Array({Bulk("name"), Bulk("f2"), Bulk("description"), Bulk("desc two"), Bulk("flags"),
                           Array({"+no-writes\r\n", "+allow-oom\r\n"})})})});
  const std::string mylib_entry =
      Array({Bulk("library_name"), Bulk("mylib"), Bulk("engine"), Bulk("LUA"), Bulk("functions"),
             Array({Array({Bulk("name"), Bulk("f1"), Bulk("description"), kNil, Bulk("flags"), kEmpty})})});
  CHECK(h.Run({"function", "list"}) == Array({lib2_entry, mylib_entry}));
  CHECK(h.Run({"function", "list", "libraryname", "MY*"}) == Array({mylib_entry}));
  std::string with_code = h.Run({"function", "list", "withcode", "libraryname", "mylib"});
  CHECK(with_code == "*1\r\n*8\r\n" + mylib_entry.substr(4) + Bulk("library_code") + Bulk(kLib1));
  CHECK(h.Run({"function", "list", "libraryname"}) == Err("ERR library name argument was not given"));
  CHECK(h.Run({"function", "list", "bogus"}) == Err("ERR Unknown argument bogus"));
  CHECK(h.Run({"function", "list", "withcode", "withcode"}) == Err("ERR Unknown argument withcode"));
  // RESP3: maps and a set of flags.
  h.client().resp = 3;
  CHECK(h.Run({"function", "list", "libraryname", "lib2"}) ==
        "*1\r\n%3\r\n" + Bulk("library_name") + Bulk("lib2") + Bulk("engine") + Bulk("LUA") + Bulk("functions") +
            "*1\r\n%3\r\n" + Bulk("name") + Bulk("f2") + Bulk("description") + Bulk("desc two") + Bulk("flags") +
            "~2\r\n+no-writes\r\n+allow-oom\r\n");
  h.client().resp = 2;

  CHECK(h.Run({"function", "stats"}) ==
        Array({Bulk("running_script"), kNil, Bulk("engines"),
               Array({Bulk("LUA"), Array({Bulk("libraries_count"), Int(2), Bulk("functions_count"), Int(2)})})}));
  CHECK(h.Run({"function", "kill"}) == Err("NOTBUSY No scripts in execution right now."));
  CHECK(h.Run({"function", "delete", "nosuch"}) == Err("ERR Library not found"));
  CHECK(h.Run({"function", "delete", "MYLIB"}) == Err("ERR Library not found"));  // library names keep case
  CHECK(h.Run({"function", "delete", "mylib"}) == kOk);
  CHECK(h.Run({"fcall", "f1", "0"}) == Err("ERR Function not found"));
  CHECK(h.Run({"function", "flush", "bad"}) == Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"));
  CHECK(h.Run({"function", "flush", "sync", "x"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP."));
  CHECK(h.Run({"function", "flush", "async"}) == kOk);
  CHECK(h.Run({"function", "list"}) == kEmpty);
  CHECK(h.Run({"fcall", "f2", "0"}) == Err("ERR Function not found"));
  std::string help = h.Run({"function", "help"});
  CHECK(help.rfind("*40\r\n+FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n", 0) == 0);
  CHECK(h.Run({"function", "nosuch"}) == Err("ERR unknown subcommand 'nosuch'. Try FUNCTION HELP."));
}

TEST_CASE("FUNCTION DUMP and RESTORE", "[functions]") {
  CommandHarness h;
  REQUIRE(Load(h, kLib1) == Bulk("mylib"));
  std::string dump_reply = h.Run({"function", "dump"});
  // The payload: the bulk's content.
  size_t header_end = dump_reply.find("\r\n");
  std::string payload = dump_reply.substr(header_end + 2, dump_reply.size() - header_end - 4);

  CHECK(h.Run({"function", "restore", payload}) == Err("ERR Library mylib already exists"));
  CHECK(h.Run({"function", "restore", payload, "replace"}) == kOk);
  CHECK(h.Run({"function", "restore", payload, "bogus"}) ==
        Err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."));
  CHECK(h.Run({"function", "restore", payload, "flush", "x"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'restore'. Try FUNCTION HELP."));
  CHECK(h.Run({"function", "restore", "garbage"}) == Err("ERR DUMP payload version or checksum are wrong"));
  std::string corrupt = payload;
  corrupt[10] ^= 1;
  CHECK(h.Run({"function", "restore", corrupt}) == Err("ERR DUMP payload version or checksum are wrong"));
  // A real Redis 7.0.15 payload (FUNCTION DUMP with no libraries) is not redrock's format.
  CHECK(h.Run({"function", "restore", std::string("\n\x00]\x9b\\@\x0f\x7f\xa2\xda", 10)}) ==
        Err("ERR DUMP payload version or checksum are wrong"));

  CHECK(h.Run({"function", "flush"}) == kOk);
  CHECK(h.Run({"function", "restore", payload}) == kOk);
  CHECK(h.Run({"fcall", "f1", "1", "k", "a"}) == Bulks({"k", "a"}));
  // FLUSH policy: the payload's libraries replace everything.
  REQUIRE(Load(h, kLib2) == Bulk("lib2"));
  CHECK(h.Run({"function", "restore", payload, "flush"}) == kOk);
  CHECK(h.Run({"fcall", "f2", "0"}) == Err("ERR Function not found"));
  CHECK(h.Run({"fcall", "f1", "1", "k", "a"}) == Bulks({"k", "a"}));
  // A library whose function collides with another library's aborts the restore.
  CHECK(h.Run({"function", "delete", "mylib"}) == kOk);
  REQUIRE(Load(h, "#!lua name=other\nredis.register_function('F1', function() return 1 end)") == Bulk("other"));
  CHECK(h.Run({"function", "restore", payload}) == Err("ERR Function f1 already exists"));
  CHECK(h.Run({"fcall", "f1", "0"}) == Int(1));
}

// An Engine + Config + ServerState + command table on a directory, as the server builds them.
class Stack {
 public:
  explicit Stack(const std::string& dir) {
    engine::Options options;
    options.dir = dir;
    options.active_expiry = false;
    options.block_cache_bytes = 4u << 20;
    options.write_buffer_bytes = 4u << 20;
    auto opened = engine::Engine::Open(options);
    REQUIRE(opened.ok());
    engine_ = std::move(opened).value();
    config_.Set("dir", dir, ConfigSource::kStartup);
    state_ = std::make_unique<ServerState>(*engine_, config_);
    RegisterAllCommands(table_);
  }
  ~Stack() {
    state_.reset();
    engine_.reset();
  }

  std::string Run(std::vector<std::string> argv) {
    std::vector<std::string_view> views(argv.begin(), argv.end());
    std::string out;
    protocol::ReplyWriter writer(&out, client_.resp);
    table_.Dispatch(client_, *state_, writer, views);
    return out;
  }

 private:
  std::unique_ptr<engine::Engine> engine_;
  Config config_;
  std::unique_ptr<ServerState> state_;
  CommandTable table_;
  ClientState client_;
};

TEST_CASE("function libraries survive a restart", "[functions]") {
  redrock::testing::TempDir dir("redrock-functions");
  {
    Stack s(dir.str());
    CHECK(s.Run({"function", "load", kLib1}) == Bulk("mylib"));
    CHECK(s.Run({"function", "load", kLib2}) == Bulk("lib2"));
    CHECK(s.Run({"function", "delete", "lib2"}) == kOk);
    CHECK(s.Run({"function", "load", "#!lua name=third\nredis.register_function('f3', function() return 3 end)"}) ==
          Bulk("third"));
  }
  CHECK(std::filesystem::exists(dir.path() / "functions.dump"));
  CHECK(!std::filesystem::exists(dir.path() / "functions.dump.tmp"));
  {
    Stack s(dir.str());
    CHECK(s.Run({"fcall", "f1", "1", "k", "a"}) == Bulks({"k", "a"}));
    CHECK(s.Run({"fcall", "f3", "0"}) == Int(3));
    CHECK(s.Run({"fcall", "f2", "0"}) == Err("ERR Function not found"));
    CHECK(s.Run({"function", "list", "withcode", "libraryname", "mylib"}).find(Bulk(kLib1)) != std::string::npos);
    CHECK(s.Run({"function", "flush"}) == kOk);
  }
  {
    Stack s(dir.str());
    CHECK(s.Run({"function", "list"}) == kEmpty);
  }
}

// The file is only rewritten when the libraries changed: a client that reloads the same library before
// every FCALL (as Redis's own test suite does 10000 times) must not pay a file replacement each time.
TEST_CASE("FUNCTION LOAD REPLACE of unchanged code leaves the functions file alone", "[functions]") {
  redrock::testing::TempDir dir("redrock-functions");
  const std::filesystem::path file = dir.path() / "functions.dump";
  auto inode = [&] {
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    return st.st_ino;
  };
  {
    Stack s(dir.str());
    CHECK(s.Run({"function", "load", kLib1}) == Bulk("mylib"));
    const auto first = inode();
    CHECK(s.Run({"function", "load", "replace", kLib1}) == Bulk("mylib"));
    CHECK(inode() == first);  // not replaced
    CHECK(s.Run({"function", "load", kLib2}) == Bulk("lib2"));
    const auto second = inode();
    CHECK(second != first);
    CHECK(s.Run({"function", "delete", "lib2"}) == kOk);
    CHECK(inode() != second);
  }
  Stack reopened(dir.str());  // the last change is what the file holds
  CHECK(reopened.Run({"fcall", "f1", "1", "k", "a"}) == Bulks({"k", "a"}));
  CHECK(reopened.Run({"fcall", "f2", "0"}) == Err("ERR Function not found"));
}

TEST_CASE("a damaged functions file is ignored, not fatal", "[functions]") {
  redrock::testing::TempDir dir("redrock-functions");
  {
    std::ofstream out(dir.path() / "functions.dump", std::ios::binary);
    out << "not a payload";
  }
  Stack s(dir.str());
  CHECK(s.Run({"function", "list"}) == kEmpty);
  CHECK(s.Run({"function", "load", kLib1}) == Bulk("mylib"));
}

}  // namespace
}  // namespace redrock::server
