// EVAL & co. and SCRIPT, in process: reply conversions both ways, the sandbox, error texts (with the
// script's sha and line), EVAL_RO and shebang flags, the script cache. Expected bytes are Redis 7.0.15's.
// The busy/SCRIPT KILL tests, which need two real connections, are in scripting_busy_test.cc.

#include <catch2/catch.hpp>
#include <string>

#include "common/sha1.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;

std::string Eval(CommandHarness& h, const std::string& script, std::vector<std::string> rest = {"0"}) {
  std::vector<std::string> argv = {"eval", script};
  argv.insert(argv.end(), rest.begin(), rest.end());
  return h.Run(argv);
}

// The suffix Redis appends to a script's runtime error.
std::string At(const std::string& script, int line) {
  return " script: " + common::Sha1Hex(script) + ", on @user_script:" + std::to_string(line) + ".";
}

TEST_CASE("sha1 of scripts", "[scripting]") {
  CHECK(common::Sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(common::Sha1Hex("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  CHECK(common::Sha1Hex(std::string(1000, 'a')) == "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

TEST_CASE("Lua values become replies", "[scripting]") {
  CommandHarness h;
  CHECK(Eval(h, "return 'hello'") == Bulk("hello"));
  CHECK(Eval(h, "return 'a\\0b'") == Bulk(std::string("a\0b", 3)));
  CHECK(Eval(h, "return 42") == Int(42));
  CHECK(Eval(h, "return 3.99") == Int(3));  // truncated toward zero
  CHECK(Eval(h, "return -3.99") == Int(-3));
  CHECK(Eval(h, "return 1e20") == Int(INT64_MIN));  // (long long) of an out-of-range double on x86
  CHECK(Eval(h, "return 0/0") == Int(INT64_MIN));
  CHECK(Eval(h, "return true") == Int(1));
  CHECK(Eval(h, "return false") == kNil);
  CHECK(Eval(h, "return nil") == kNil);
  CHECK(Eval(h, "return") == kNil);
  CHECK(Eval(h, "return {}") == kEmpty);
  CHECK(Eval(h, "return {1, 2, {3, 'x'}, nil, 5}") == Array({Int(1), Int(2), Array({Int(3), Bulk("x")})}));
  CHECK(Eval(h, "return {nil, 3}") == kEmpty);
  CHECK(Eval(h, "return {{}, {{}}}") == Array({kEmpty, Array({kEmpty})}));
  CHECK(Eval(h, "return {a=1, 2}") == Array({Int(2)}));
  CHECK(Eval(h, "return {true, false, 1.5}") == Array({Int(1), kNil, Int(1)}));
  CHECK(Eval(h, "return {err='bad'}") == "-bad\r\n");
  CHECK(Eval(h, "return {err='a\\r\\nb'}") == "-a  b\r\n");
  CHECK(Eval(h, "return {ok='fine'}") == "+fine\r\n");
  CHECK(Eval(h, "return {ok='a\\r\\nb'}") == "+a  b\r\n");
  CHECK(Eval(h, "return {ok=5}") == kEmpty);  // not a string: an (empty) array
  CHECK(Eval(h, "return {err=5}") == kEmpty);
  CHECK(Eval(h, "return {1, {err='e'}, {ok='o'}}") == Array({Int(1), "-e\r\n", "+o\r\n"}));
  CHECK(Eval(h, "return function() end") == kNil);
  CHECK(Eval(h, "return {function() end}") == Array({kNil}));
  CHECK(Eval(h, "return {double=3.5}") == Bulk("3.5"));
  CHECK(Eval(h, "return {map={a=1}}") == Array({Bulk("a"), Int(1)}));
  CHECK(Eval(h, "return {set={a=true}}") == Array({Bulk("a")}));
  CHECK(Eval(h, "return {big_number='123'}") == Bulk("123"));
  CHECK(Eval(h, "return {verbatim_string={format='txt', string='hello'}}") == Bulk("hello"));
  CHECK(Eval(h, "return redis.error_reply('MY oops')") == "-MY oops\r\n");
  CHECK(Eval(h, "return redis.error_reply('-MY oops')") == "-MY oops\r\n");
  CHECK(Eval(h, "return redis.error_reply('MYERR')") == "-ERR MYERR\r\n");
  CHECK(Eval(h, "return redis.error_reply('')") == "-ERR \r\n");
  CHECK(Eval(h, "return redis.error_reply(5)") == "-ERR wrong number or type of arguments\r\n");
  CHECK(Eval(h, "return redis.status_reply('DONE')") == "+DONE\r\n");
  CHECK(Eval(h, "return redis.status_reply()") == "-ERR wrong number or type of arguments\r\n");
}

TEST_CASE("a self-referencing table ends in the stack-limit error, and the server goes on", "[scripting]") {
  CommandHarness h;
  // Redis's "Script return recursive object": nested *1 headers, then the error in place of the rest.
  std::string reply = Eval(h, "local a = {}; local b = {a}; a[1] = b; return a");
  const std::string kError = "-ERR reached lua stack limit\r\n";
  REQUIRE(reply.size() > kError.size());
  CHECK(reply.substr(reply.size() - kError.size()) == kError);
  std::string headers = reply.substr(0, reply.size() - kError.size());
  size_t levels = headers.size() / 4;
  CHECK(headers == [&] {
    std::string s;
    for (size_t i = 0; i < levels; ++i) s += "*1\r\n";
    return s;
  }());
  CHECK(levels >= 100);  // deep enough for any real reply; bounded so the C stack holds under ASan
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("an error table whose __index raises is read raw, and the server goes on", "[scripting]") {
  CommandHarness h;
  const std::string mt = "setmetatable({err='MYERR boom'}, {__index=function() error('raised') end})";
  CHECK(Eval(h, "return " + mt) == "-MYERR boom\r\n");
  std::string raised = Eval(h, "error(" + mt + ")");
  INFO(raised);
  CHECK(raised.rfind("-MYERR boom", 0) == 0);
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("Lua values become RESP3 replies for a RESP3 caller", "[scripting]") {
  CommandHarness h;
  h.client().resp = 3;
  CHECK(Eval(h, "return nil") == kNull3);
  CHECK(Eval(h, "return false") == kNull3);
  CHECK(Eval(h, "return true") == Int(1));
  CHECK(Eval(h, "return {double=3.5}") == Dbl("3.5"));
  CHECK(Eval(h, "return {map={a=1}}") == "%1\r\n" + Bulk("a") + Int(1));
  CHECK(Eval(h, "return {set={a=true}}") == "~1\r\n" + Bulk("a"));
  CHECK(Eval(h, "return {big_number='123'}") == "(123\r\n");
  CHECK(Eval(h, "return {verbatim_string={format='txt', string='hello'}}") == "=9\r\ntxt:hello\r\n");
  // After redis.setresp(3) booleans are sent as booleans.
  CHECK(Eval(h, "redis.setresp(3); return true") == "#t\r\n");
  CHECK(Eval(h, "redis.setresp(3); return false") == "#f\r\n");
  h.client().resp = 2;
  CHECK(Eval(h, "redis.setresp(3); return false") == Int(0));
}

TEST_CASE("replies become Lua values", "[scripting]") {
  CommandHarness h;
  h.Run({"set", "s", "v"});
  h.Run({"rpush", "l", "a", "b"});
  h.Run({"hset", "hh", "a", "1"});
  h.Run({"sadd", "ss", "x"});
  h.Run({"zadd", "zz", "1.5", "m"});
  CHECK(Eval(h, "return type(redis.call('incr', 'n'))") == Bulk("number"));
  CHECK(Eval(h, "return redis.call('get', 's')") == Bulk("v"));
  CHECK(Eval(h, "return redis.call('get', 'nokey') == false") == Int(1));
  CHECK(Eval(h, "return redis.call('lrange', 'l', 0, -1)") == Bulks({"a", "b"}));
  CHECK(Eval(h, "local t = redis.call('set', 'x', 'y'); return {type(t), t.ok}") == Bulks({"table", "OK"}));
  CHECK(Eval(h, "return redis.call('set', 'x', 'y')") == kOk);
  CHECK(Eval(h, "return redis.call('ping')") == "+PONG\r\n");
  CHECK(Eval(h, "local t = redis.pcall('hget', 's', 'f'); return t.err") ==
        Bulk("WRONGTYPE Operation against a key holding the wrong kind of value"));
  CHECK(Eval(h, "local t = redis.pcall('hget', 's', 'f'); return tostring(t.ignore_error_stats_update)") ==
        Bulk("true"));
  CHECK(Eval(h, "return redis.pcall('hget', 's', 'f')") == kWrongType);
  // RESP3 replies, after redis.setresp(3): maps, sets, nulls and doubles get their own shapes.
  CHECK(Eval(h, "redis.setresp(3); return redis.call('hgetall', 'hh').map.a") == Bulk("1"));
  CHECK(Eval(h, "redis.setresp(3); return redis.call('hgetall', 'hh')") == Bulks({"a", "1"}));
  CHECK(Eval(h, "redis.setresp(3); return tostring(redis.call('smembers', 'ss').set.x)") == Bulk("true"));
  CHECK(Eval(h, "redis.setresp(3); return tostring(redis.call('get', 'nokey'))") == Bulk("nil"));
  CHECK(Eval(h, "redis.setresp(3); return tostring(redis.call('zscore', 'zz', 'm').double)") == Bulk("1.5"));
  CHECK(Eval(h, "return redis.call('zscore', 'zz', 'm')") == Bulk("1.5"));
}

TEST_CASE("redis.call arguments: numbers as %.17g, only strings and numbers", "[scripting]") {
  CommandHarness h;
  CHECK(Eval(h, "redis.call('set', 'a', 0.1); return redis.call('get', 'a')") == Bulk("0.10000000000000001"));
  CHECK(Eval(h, "redis.call('set', 'a', 1e20); return redis.call('get', 'a')") == Bulk("1e+20"));
  CHECK(Eval(h, "redis.call('set', 'a', 7); return redis.call('get', 'a')") == Bulk("7"));
  std::string s = "return redis.call('set', 'a', {})";
  CHECK(Eval(h, s) == Err("ERR Lua redis lib command arguments must be strings or integers" + At(s, 1)));
  s = "return redis.call()";
  CHECK(Eval(h, s) == Err("ERR Please specify at least one argument for this redis lib call" + At(s, 1)));
  CHECK(Eval(h, "return redis.pcall()") == Err("ERR Please specify at least one argument for this redis lib call"));
}

TEST_CASE("KEYS, ARGV and numkeys", "[scripting]") {
  CommandHarness h;
  CHECK(Eval(h, "return {KEYS[1], KEYS[2], ARGV[1], #ARGV}", {"2", "k1", "k2", "a1", "a2"}) ==
        Array({Bulk("k1"), Bulk("k2"), Bulk("a1"), Int(2)}));
  CHECK(Eval(h, "return KEYS", {"0"}) == kEmpty);
  CHECK(Eval(h, "KEYS[1] = 'x'; return KEYS[1]", {"1", "a"}) == Bulk("x"));
  CHECK(Eval(h, "return 1", {"-1"}) == Err("ERR Number of keys can't be negative"));
  CHECK(Eval(h, "return 1", {"3", "a"}) == Err("ERR Number of keys can't be greater than number of args"));
  CHECK(Eval(h, "return 1", {"x"}) == kNotInt);
  CHECK(h.Run({"eval", "return 1"}) == Arity("eval"));
}

TEST_CASE("script errors carry the sha and the line", "[scripting]") {
  CommandHarness h;
  std::string s = "\n\nerror('x')";
  CHECK(Eval(h, s) == Err("ERR user_script:3: x" + At(s, 3)));
  s = "local function f() error('deep') end\n f()";
  CHECK(Eval(h, s) == Err("ERR user_script:1: deep" + At(s, 1)));
  s = "error({err='X boom'})";
  CHECK(Eval(h, s) == Err("X boom" + At(s, 1)));
  s = "error(5)";
  CHECK(Eval(h, s) == Err("ERR user_script:1: 5" + At(s, 1)));
  s = "error()";
  CHECK(Eval(h, s) == Err("ERR nil" + At(s, 1)));
  s = "local x = nil; return x.y";
  CHECK(Eval(h, s) == Err("ERR user_script:1: attempt to index local 'x' (a nil value)" + At(s, 1)));
  h.Run({"set", "s", "v"});
  s = "return redis.call('hget', 's', 'f')";
  CHECK(Eval(h, s) == Err("WRONGTYPE Operation against a key holding the wrong kind of value" + At(s, 1)));
  s = "return redis.call('nosuch')";
  CHECK(Eval(h, s) == Err("ERR Unknown Redis command called from script" + At(s, 1)));
  CHECK(Eval(h, "return redis.pcall('nosuch')") == Err("ERR Unknown Redis command called from script"));
  s = "return redis.call('get', 'a', 'b')";
  CHECK(Eval(h, s) == Err("ERR Wrong number of args calling Redis command from script" + At(s, 1)));
  s = "return redis.call('config')";
  CHECK(Eval(h, s) == Err("ERR Wrong number of args calling Redis command from script" + At(s, 1)));
  s = "return redis.call('config', 'nosuch')";
  CHECK(Eval(h, s) == Err("ERR Unknown Redis command called from script" + At(s, 1)));
  for (const char* call : {"'multi'", "'exec'", "'eval', 'return 1', 0", "'script', 'exists', 'x'",
                           "'function', 'list'", "'fcall', 'f', 0", "'shutdown'", "'blpop', 'x', 0"}) {
    s = std::string("return redis.call(") + call + ")";
    INFO(call);
    CHECK(Eval(h, s) == Err("ERR This Redis command is not allowed from script" + At(s, 1)));
  }
  // Lua's pcall sees redis.call's error table as its message, as before Redis 7.
  CHECK(Eval(h, "local ok, e = pcall(redis.call, 'hget', 's', 'f'); return {tostring(ok), e}") ==
        Bulks({"false", "WRONGTYPE Operation against a key holding the wrong kind of value"}));
  CHECK(Eval(h, "local ok, e = pcall(error, {err='x'}); return {tostring(ok), e}") == Bulks({"false", "x"}));
  // Compile errors.
  CHECK(Eval(h, "return 1 +") ==
        Err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"));
  CHECK(Eval(h, "return 1 +\n\n") ==
        Err("ERR Error compiling script (new function): user_script:3: unexpected symbol near '<eof>'"));
}

TEST_CASE("the sandbox: no globals, no os/io, read-only libraries", "[scripting]") {
  CommandHarness h;
  auto missing = [&](const std::string& name) {
    std::string s = "return " + name;
    return Eval(h, s) ==
           Err("ERR user_script:1: Script attempted to access nonexistent global variable '" + name + "'" + At(s, 1));
  };
  for (const char* name : {"a", "os", "io", "loadfile", "dofile", "print", "require", "module", "package", "getfenv",
                           "setfenv", "newproxy", "debug"}) {
    INFO(name);
    CHECK(missing(name));
  }
  std::string s = "a = 5";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  s = "redis = nil";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  s = "string.rep = nil";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  s = "cjson.encode = nil";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  s = "cmsgpack.pack = nil";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  s = "struct.size = nil";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  s = "_G.x = 1";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  s = "getmetatable('').__index = {}";
  CHECK(Eval(h, s) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  s = "rawset(_G, 'x', 1)";
  CHECK(Eval(h, s) == Err("ERR Attempt to modify a readonly table" + At(s, 1)));
  s = "setmetatable(_G, nil)";
  CHECK(Eval(h, s) == Err("ERR Attempt to modify a readonly table" + At(s, 1)));
  s = "table.insert(string, 1)";
  CHECK(Eval(h, s) == Err("ERR Attempt to modify a readonly table" + At(s, 1)));
  s = "KEYS = {}";
  CHECK(Eval(h, s, {"1", "a"}) == Err("ERR user_script:1: Attempt to modify a readonly table" + At(s, 1)));
  // The libraries still work, and stay intact for the next script.
  CHECK(Eval(h, "return ('x'):rep(3)") == Bulk("xxx"));
  CHECK(Eval(h, "return string.nosuch") == kNil);
  CHECK(Eval(h, "return redis.nosuch") == kNil);
  CHECK(Eval(h, "return rawget(_G, 'string') ~= nil") == Int(1));
  CHECK(Eval(h, "return rawget(_G, 'nosuch')") == kNil);
  CHECK(Eval(h, "local n = 0; for k, v in pairs(string) do n = n + 1 end; return n") == Int(15));
  CHECK(Eval(h, "local t = {}; t.x = 1; return t.x") == Int(1));
  CHECK(Eval(h, "local t = setmetatable({}, {__index = function() return 7 end}); return t.q") == Int(7));
  CHECK(Eval(h, "return {type(coroutine), type(gcinfo), type(unpack), _VERSION}") ==
        Bulks({"table", "function", "function", "Lua 5.1"}));
  // loadstring works, on source only (precompiled bytecode is refused as Redis's Lua refuses it).
  CHECK(Eval(h, "return loadstring('return 1 + 1')()") == Int(2));
  CHECK(Eval(h, "local f, e = loadstring('syntax error here'); return e") ==
        Bulk("[string \"syntax error here\"]:1: '=' expected near 'error'"));
  CHECK(Eval(h, "local f, e = loadstring(string.dump(function() return 1 end)); return {tostring(f), e}") ==
        Bulks({"nil", "[string \"\x1bLuaQ\"]:1: unexpected symbol near 'char(27)'"}));
  s = "return loadstring('return a')()";
  CHECK(Eval(h, s) == Err("ERR [string \"return a\"]:1: Script attempted to access nonexistent global variable 'a' "
                          "script: " +
                          common::Sha1Hex(s) + ", on return a:1."));
}

TEST_CASE("the redis library", "[scripting]") {
  CommandHarness h;
  CHECK(Eval(h, "return redis.REDIS_VERSION") == Bulk("7.0.15"));
  CHECK(Eval(h, "return redis.REDIS_VERSION_NUM") == Int(458767));
  CHECK(Eval(h, "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}") ==
        Array({Int(0), Int(1), Int(2), Int(3)}));
  CHECK(Eval(h, "return redis.sha1hex('')") == Bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
  std::string s = "return redis.sha1hex()";
  CHECK(Eval(h, s) == Err("ERR wrong number of arguments" + At(s, 1)));
  CHECK(Eval(h, "redis.log(redis.LOG_DEBUG, 'quiet', 'debug line'); return 1") == Int(1));
  s = "return redis.log(redis.LOG_WARNING)";
  CHECK(Eval(h, s) == Err("ERR redis.log() requires two arguments or more." + At(s, 1)));
  s = "return redis.log('x', 'y')";
  CHECK(Eval(h, s) == Err("ERR First argument must be a number (log level)." + At(s, 1)));
  s = "return redis.log(99, 'y')";
  CHECK(Eval(h, s) == Err("ERR Invalid debug level." + At(s, 1)));
  s = "return redis.setresp(4)";
  CHECK(Eval(h, s) == Err("ERR RESP version must be 2 or 3." + At(s, 1)));
  s = "return redis.setresp()";
  CHECK(Eval(h, s) == Err("ERR redis.setresp() requires one argument." + At(s, 1)));
  CHECK(Eval(h, "return redis.set_repl(redis.REPL_ALL)") == kNil);
  s = "return redis.set_repl(99)";
  CHECK(Eval(h, s) ==
        Err("ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE." + At(s, 1)));
  CHECK(Eval(h, "return redis.replicate_commands()") == Int(1));
  CHECK(Eval(h, "return redis.breakpoint()") == kNil);
  CHECK(Eval(h, "return redis.acl_check_cmd('get', 'x')") == Int(1));
  CHECK(Eval(h, "return cjson.encode({a=1})") == Bulk("{\"a\":1}"));
  CHECK(Eval(h, "return cjson.decode('{\"a\":[1,2,3]}').a[2]") == Int(2));
  CHECK(Eval(h,
             "return {bit.band(7, 3), bit.bor(1, 2, 4), bit.bxor(5, 1), bit.bnot(0), bit.lshift(1, 4), "
             "bit.rshift(-1, 28), bit.arshift(-16, 2), bit.tohex(255, 4), bit.tobit(4294967297)}") ==
        Array({Int(3), Int(7), Int(4), Int(-1), Int(16), Int(15), Int(-4), Bulk("00ff"), Int(1)}));
  CHECK(Eval(h, "local r = math.random(10); return r >= 1 and r <= 10") == Int(1));
}

TEST_CASE("scripts run as a client whose db starts at the caller's", "[scripting]") {
  CommandHarness h;
  h.Run({"select", "2"});
  CHECK(Eval(h, "redis.call('set', 'k', 'v'); redis.call('select', 3); redis.call('set', 'k', 'w'); return 1") ==
        Int(1));
  CHECK(h.Run({"get", "k"}) == Bulk("v"));  // the caller is still in db 2
  h.Run({"select", "3"});
  CHECK(h.Run({"get", "k"}) == Bulk("w"));
  CHECK(Eval(h, "return redis.call('get', 'k')") == Bulk("w"));  // starts in the caller's db 3
}

TEST_CASE("EVAL_RO and shebang flags", "[scripting]") {
  CommandHarness h;
  std::string s = "return redis.call('set', 'k', 'v')";
  CHECK(h.Run({"eval_ro", s, "0"}) == Err("ERR Write commands are not allowed from read-only scripts." + At(s, 1)));
  CHECK(h.Run({"eval_ro", "return redis.pcall('set', 'k', 'v')", "0"}) ==
        Err("ERR Write commands are not allowed from read-only scripts."));
  CHECK(h.Run({"get", "k"}) == kNil);
  CHECK(h.Run({"eval", s, "0"}) == kOk);
  CHECK(h.Run({"eval_ro", "return redis.call('get', 'k')", "0"}) == Bulk("v"));
  s = "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')";
  CHECK(Eval(h, s) == Err("ERR Write commands are not allowed from read-only scripts." + At(s, 2)));
  CHECK(Eval(h, "#!lua flags=no-writes\nreturn redis.call('get', 'k')") == Bulk("v"));
  CHECK(Eval(h, "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1") == Int(1));
  CHECK(h.Run({"eval_ro", "#!lua\nreturn 1", "0"}) ==
        Err("ERR Can not execute a script with write flag using *_ro command."));
  CHECK(h.Run({"eval_ro", "#!lua flags=no-writes\nreturn 1", "0"}) == Int(1));
  CHECK(Eval(h, "#!lua\nreturn 1") == Int(1));
  CHECK(Eval(h, "#!lua  flags=\nreturn 1") == Int(1));
  CHECK(Eval(h, "#!lua flags=bogus\nreturn 1") == Err("ERR Unexpected flag in script shebang: bogus"));
  CHECK(Eval(h, "#!lua name=x\nreturn 1") == Err("ERR Unknown lua shebang option: name=x"));
  CHECK(Eval(h, "#!luax\nreturn 1") == Err("ERR Unexpected engine in script shebang: #!luax"));
  CHECK(Eval(h, "#!lua flags=no-writes") == Err("ERR Invalid script shebang"));
  s = "#!lua\nerror('x')";
  CHECK(Eval(h, s) == Err("ERR user_script:2: x" + At(s, 2)));
}

// As Redis 7.0.15's scriptCall: a command a script may not run (wrong arity, no-script, a write from a
// read-only script) is one of that command's rejected calls; an unknown command is nobody's. Each refusal
// is one error reply, whether the script raised it or returned it.
TEST_CASE("a command refused inside a script counts as its rejected call", "[scripting]") {
  CommandHarness h;
  CHECK(h.Run({"eval_ro", "return redis.pcall('set', 'x', 'y')", "1", "x"}) ==
        Err("ERR Write commands are not allowed from read-only scripts."));
  CHECK(Eval(h, "return redis.pcall('get')") == Err("ERR Wrong number of args calling Redis command from script"));
  CHECK(Eval(h, "return redis.pcall('subscribe', 'c')") == Err("ERR This Redis command is not allowed from script"));
  CHECK(Eval(h, "return redis.pcall('nosuch')") == Err("ERR Unknown Redis command called from script"));
  const std::string s = "return redis.call('get')";
  CHECK(Eval(h, s) == Err("ERR Wrong number of args calling Redis command from script" + At(s, 1)));
  const std::string stats = BulkBody(h.Run({"info", "commandstats"}));
  auto line = [&](std::string_view name) {
    const std::string head = "cmdstat_" + std::string(name) + ":";
    const size_t at = stats.find("\r\n" + head);
    if (at == std::string::npos) return std::string();
    const size_t begin = at + 2, end = stats.find("\r\n", begin);
    return stats.substr(begin, end - begin);
  };
  CHECK(line("set") == "cmdstat_set:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0");
  CHECK(line("get") == "cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=2,failed_calls=0");
  CHECK(line("subscribe") == "cmdstat_subscribe:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0");
  CHECK(line("eval").rfind("cmdstat_eval:calls=4,", 0) == 0);
  CHECK(line("eval").ends_with(",rejected_calls=0,failed_calls=4"));
  CHECK(line("eval_ro").ends_with(",rejected_calls=0,failed_calls=1"));
  const std::string errors = BulkBody(h.Run({"info", "errorstats"}));
  CHECK(errors.find("errorstat_ERR:count=5\r\n") != std::string::npos);
}

// Redis 7.0.15's error accounting for a script's reply: an error that arose in redis.call/pcall (refused
// or failed) was counted there and is not counted again when the script returns or raises it, but each
// such error makes the script one more failed call; an error the script made itself is counted, and the
// script failed once.
TEST_CASE("errors a script returns are counted once, where they arose", "[scripting]") {
  CommandHarness h;
  // {reply, total_error_replies, EVAL's failed_calls}
  auto run = [&](const std::string& script) {
    REQUIRE(h.Run({"config", "resetstat"}) == kOk);
    const std::string reply = Eval(h, script);
    const std::string info = BulkBody(h.Run({"info", "stats"}));
    const size_t at = info.find("total_error_replies:") + 20;
    const std::string total = info.substr(at, info.find("\r\n", at) - at);
    const std::string stats = BulkBody(h.Run({"info", "commandstats"}));
    const size_t f = stats.find("failed_calls=", stats.find("cmdstat_eval:")) + 13;
    const std::string failed = stats.substr(f, stats.find("\r\n", f) - f);
    return reply + "|" + total + "|" + failed;
  };
  const std::string range = "-ERR DB index is out of range\r\n";
  const std::string arity = "-ERR Wrong number of args calling Redis command from script\r\n";
  CHECK(run("return redis.pcall('select', 99)") == range + "|1|1");
  CHECK(run("return {1, redis.pcall('select', 99)}") == Array({Int(1), range}) + "|1|1");
  CHECK(run("return {err = 'x'}") == "-x\r\n|1|1");
  CHECK(run("return {1, {err = 'FOO x'}}") == Array({Int(1), "-FOO x\r\n"}) + "|1|1");
  CHECK(run("return redis.error_reply('MY err')") == "-MY err\r\n|1|1");
  CHECK(run("redis.pcall('nosuch'); return 1") == Int(1) + "|1|0");
  CHECK(run("redis.pcall('get'); return 1") == Int(1) + "|1|0");
  CHECK(run("return redis.pcall('get')") == arity + "|1|1");
  CHECK(run("return {redis.pcall('get'), redis.pcall('get')}") == Array({arity, arity}) + "|2|2");
  CHECK(run("local t = redis.pcall('get'); t.ignore_error_stats_update = nil; return t") == arity + "|2|1");
  const std::string s = "return redis.call('select', 99)";
  CHECK(run(s) == Err("ERR DB index is out of range" + At(s, 1)) + "|1|1");
  CHECK(BulkBody(h.Run({"info", "errorstats"})) == "# Errorstats\r\nerrorstat_ERR:count=1\r\n");
}

TEST_CASE("SCRIPT LOAD, EXISTS, FLUSH, KILL and EVALSHA", "[scripting]") {
  CommandHarness h;
  const std::string sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
  CHECK(h.Run({"script", "load", "return 1"}) == Bulk(sha));
  CHECK(h.Run({"evalsha", sha, "0"}) == Int(1));
  CHECK(h.Run({"evalsha", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"}) == Int(1));
  CHECK(h.Run({"evalsha_ro", sha, "0"}) == Int(1));
  CHECK(h.Run({"evalsha", std::string(40, 'f'), "0"}) == Err("NOSCRIPT No matching script. Please use EVAL."));
  CHECK(h.Run({"evalsha", "abc", "x"}) == Err("NOSCRIPT No matching script. Please use EVAL."));
  CHECK(h.Run({"evalsha", std::string(40, 'f'), "x"}) == kNotInt);
  CHECK(h.Run({"script", "exists", sha, "abc"}) == Array({Int(1), Int(0)}));
  CHECK(h.Run({"script", "exists"}) == Arity("script|exists"));
  // EVAL caches the script too.
  CHECK(Eval(h, "return 2") == Int(2));
  CHECK(h.Run({"script", "exists", common::Sha1Hex("return 2")}) == Array({Int(1)}));
  CHECK(h.Run({"script", "load", "return 1 +"}) ==
        Err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"));
  CHECK(h.Run({"script", "flush", "x"}) == Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
  CHECK(h.Run({"script", "flush", "sync", "x"}) == Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
  CHECK(h.Run({"script", "flush", "async"}) == kOk);
  CHECK(h.Run({"script", "exists", sha}) == Array({Int(0)}));
  CHECK(h.Run({"evalsha", sha, "0"}) == Err("NOSCRIPT No matching script. Please use EVAL."));
  CHECK(h.Run({"script", "flush"}) == kOk);
  CHECK(h.Run({"script", "kill"}) == Err("NOTBUSY No scripts in execution right now."));
  CHECK(h.Run({"script", "kill", "x"}) == Arity("script|kill"));
  CHECK(h.Run({"script", "nosuch"}) == Err("ERR unknown subcommand 'nosuch'. Try SCRIPT HELP."));
  CHECK(h.Run({"script", "debug", "no"}) == kOk);
  std::string help = h.Run({"script", "help"});
  CHECK(help.rfind(
            "*17\r\n+SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DEBUG (YES|SYNC|NO)\r\n", 0) ==
        0);
  CHECK(help.size() > 600);
}

TEST_CASE("INFO memory counts the cached scripts, functions and libraries", "[scripting]") {
  CommandHarness h;
  auto field = [&](const std::string& name) {
    const std::string info = h.Run({"info", "memory"});
    const size_t at = info.find(name + ":");
    REQUIRE(at != std::string::npos);
    return info.substr(at + name.size() + 1, info.find("\r\n", at) - at - name.size() - 1);
  };
  CHECK(field("number_of_cached_scripts") == "0");
  for (int i = 0; i < 3; ++i) h.Run({"script", "load", "return " + std::to_string(i)});
  CHECK(Eval(h, "return 'x'") == Bulk("x"));
  CHECK(field("number_of_cached_scripts") == "4");
  CHECK(h.Run({"function", "load",
               "#!lua name=l1\nredis.register_function('a', function() return 1 end)\n"
               "redis.register_function('b', function() return 2 end)"}) == Bulk("l1"));
  CHECK(field("number_of_functions") == "2");
  CHECK(field("number_of_libraries") == "1");
  CHECK(h.Run({"script", "flush", "async"}) == kOk);
  CHECK(field("number_of_cached_scripts") == "0");
  CHECK(h.Run({"function", "flush"}) == kOk);
  CHECK(field("number_of_functions") == "0");
  CHECK(field("number_of_libraries") == "0");
}

TEST_CASE("a script is atomic and works inside MULTI", "[scripting]") {
  CommandHarness h;
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(Eval(h, "return redis.call('incr', KEYS[1])", {"1", "n"}) == "+QUEUED\r\n");
  CHECK(Eval(h, "return redis.call('incr', KEYS[1])", {"1", "n"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == Array({Int(1), Int(2)}));

  // Many clients incrementing through a read-then-write script never lose an update.
  constexpr int kThreads = 4, kPerThread = 200;
  testing::RunConcurrentClients(h, kThreads, [&](ClientState& client, int) {
    for (int i = 0; i < kPerThread; ++i) {
      h.RunAs(client,
              {"eval", "local v = tonumber(redis.call('get', 'c') or '0'); redis.call('set', 'c', v + 1)", "0"});
    }
  });
  CHECK(h.Run({"get", "c"}) == Bulk(std::to_string(kThreads * kPerThread)));
}

}  // namespace
}  // namespace redrock::server
