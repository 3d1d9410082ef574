// Command-level fuzz harness: random argv through the real CommandTable, in process, on a real Engine in a
// temp directory with a manual clock (as tests/support/command_harness does, without Catch2).
//
// Every input starts from the same state: the clock set back to its start, FLUSHALL, a fresh client, the
// scripts and functions flushed, the config values any CONFIG SET of the previous input changed put back,
// and a small keyspace holding every type (strings, an integer string, a hash, two sets, a list, a zset,
// a stream with a group, a key that expires, and a key in db 1). So an input that crashes reproduces on its own (the replay
// test relies on that).
//
// The input is then a sequence of commands (at most kMaxCommands). Each starts with a byte choosing the
// command: the command table's names (sometimes in mixed case, with a subcommand for containers), a few
// pseudo-ops (advance the clock, switch to a second client for WATCH/MULTI interplay), or a name made of
// random bytes. The arguments come from token generators: keys of the keyspace, members, numbers of
// every shape, option keywords, glob patterns, command names, and random bytes. Scripts come from a fixed
// list (see kScripts) whose arguments are again a random command.
//
// Checked after every command: exactly one well-formed reply in the client's protocol (more than one
// only for the (un)subscribe family), no client left blocked. Checked at the end of the input: for every
// key KEYS * lists, the collection's size command agrees with the number of members its full listing
// returns (a stream: XLEN and XRANGE agree), no empty collection exists (an empty stream may, as in
// Redis), a string's GET, GETRANGE 0 -1 and STRLEN agree, and SCAN visits exactly the keys KEYS * returns.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/clock.h"
#include "redrock/engine/engine.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/resp_check.h"
#include "protocol/reply_writer.h"
#include "server/core/client_state.h"
#include "server/core/command_table.h"
#include "server/commands/families.h"
#include "redrock/server/config.h"
#include "common/sha1.h"
#include "server/core/server_state.h"
#include "tests/support/temp_dir.h"

namespace {

using redrock::fuzz::ByteReader;
using redrock::fuzz::Printable;
namespace server = redrock::server;
namespace engine = redrock::engine;

constexpr int kMaxCommands = 24;
constexpr int kMaxArgs = 12;
constexpr int64_t kStartMs = 1'700'000'000'000;

// Commands never run, each for its reason:
const std::set<std::string> kExcluded = {
    // Stops the server (it calls the server's request_shutdown, and would end the fuzzing run).
    "shutdown",
    // Redis's DEBUG can crash, sleep or reload the server on purpose (SEGFAULT, SLEEP, RELOAD);
    // redrock has none, but should it appear it must not be fuzzed.
    "debug",
    // PFSELFTEST is a fixed self-test of the HyperLogLog code (millions of register operations, as in
    // Redis): about a second natively, over the harness's timeout with the fuzz build's instrumentation.
    // A timeout of the harness, not a defect; the differential script_hll.txt runs it against Redis.
    "pfselftest",
    // Scripts run from the fixed list of kScripts only (see GenScript): a random script can loop forever
    // (`while true do end`), which Redis does not stop on its own either; that is a hang of the harness,
    // not a defect. SCRIPT LOAD and FUNCTION LOAD/RESTORE are handled the same way.
};

// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are kept: the in-process client has
// may_block = false (as a script's client and EXEC have), so with nothing to pop they answer at once as
// they do inside MULTI, even with timeout 0. A handler that still marked the client blocked is a defect
// the harness reports.

// Parameters a fuzzed CONFIG SET must not change:
const std::set<std::string> kFrozenConfig = {
    // Redis accepts bulk strings up to this size; the harness keeps it small so SETRANGE/APPEND cannot
    // build the 512 MB strings Redis would also build (an out-of-memory of the harness, not a defect).
    "proto-max-bulk-len",
    // Scripts that outlive it mark the server busy; harmless, but kept fixed so runs stay comparable.
    "busy-reply-threshold", "lua-time-limit",
};

// Scripts the harness may run with EVAL/EVAL_RO/SCRIPT LOAD; KEYS/ARGV are random. None loops.
const std::vector<std::string> kScripts = {
    "return redis.pcall(unpack(ARGV))",
    "return redis.call(unpack(ARGV))",
    "return redis.pcall(ARGV[1], KEYS[1], unpack(ARGV, 2))",
    "redis.setresp(3); return redis.pcall(unpack(ARGV))",
    "#!lua flags=no-writes\nreturn redis.pcall(unpack(ARGV))",
    "#!lua\nreturn redis.pcall(unpack(ARGV))",
    "return {ok=ARGV[1]}",
    "return {err=ARGV[1]}",
    "return redis.status_reply(ARGV[1])",
    "return redis.error_reply(ARGV[1])",
    "return {1, 2.5, 'a', false, true, {nil, 1}, {double=ARGV[1]}, {map={a=1}}, {set={b=true}}}",
    "redis.setresp(3); return {1, 2.5, 'a', false, true, {double=3.5}, {map={a=1}}, {set={b=true}}, {big_number='123'}}",
    "local t = {} t[1] = t return t",
    "return cjson.encode(redis.pcall(unpack(ARGV)))",
    "return cjson.decode(ARGV[1])",
    "return tonumber(ARGV[1])",
    "return redis.sha1hex(ARGV[1])",
    "return bit.tohex(tonumber(ARGV[1]) or 0)",
    "return string.rep(ARGV[1] or '', 3)",
    "return redis.pcall('get', KEYS[1]) .. ''",
    "error(ARGV[1])",
    "error({err=ARGV[1]})",
    "return KEYS",
    "return ARGV",
    "return math.random()",
    "x = 1",
    "return _G.nothing",
};

// Function libraries for FUNCTION LOAD; the registered functions run a random command too.
const std::vector<std::string> kLibraries = {
    "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return redis.pcall(unpack(args)) end)",
    "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function(keys, args) return "
    "redis.pcall(unpack(args)) end, flags={'no-writes'}}",
    "#!lua name=lib3\nredis.register_function('f3', function(keys, args) return keys end)\n"
    "redis.register_function('f4', function(keys, args) return {err='x'} end)",
    "#!lua name=lib1\nredis.register_function('f5', function(keys, args) return 1 end)",
    "#!lua name=bad\nreturn 1",
    "#!lua\nredis.register_function('g', function() end)",
    "#!js name=x\n",
    "#!lua name=lib4\nredis.register_function('f1', function() return 1 end)",
    "#!lua name=lib5\nredis.call('set', 'k', 'v')",
    "#!lua name=lib6\nerror('boom')",
};

const std::vector<std::string> kKeys = {"s", "n", "h", "st", "si", "l", "z", "e", "missing", "x", "{s}dst", "",
                                        "s\r\n", "hh"};
const std::vector<std::string> kMembers = {"a", "b", "c", "f1", "f2", "1", "2", "-1", "", "m"};
const std::vector<std::string> kNumbers = {
    "0", "1", "-1", "2", "3", "10", "100", "-100", "1000", "007", "+1", " 1", "1.5", "-2.5", "1e3", "0x10",
    "inf", "-inf", "+inf", "nan", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
    "4294967296", "-4294967297", "18446744073709551615", "1e308", "1e-308", "(1", "(1.5", "[a", "(a", "-",
    "+", "1.7976931348623157e308", "0.1", "-0", "2147483648", "536870912", "99999999999999999999"};
const std::vector<std::string> kKeywords = {
    "EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "CH", "INCR", "KEEPTTL", "GET", "PERSIST",
    "WITHSCORES", "WITHSCORE", "LIMIT", "BYSCORE", "BYLEX", "REV", "COUNT", "MATCH", "TYPE", "WEIGHTS",
    "AGGREGATE", "SUM", "MIN", "MAX", "LEFT", "RIGHT", "BEFORE", "AFTER", "REPLACE", "DB", "RANK", "MAXLEN",
    "WITHVALUES", "ASYNC", "SYNC", "NOSAVE", "SAVE", "AUTH", "SETNAME", "ID", "USER", "ADDR", "LADDR",
    "SKIPME", "NO", "YES", "ON", "OFF", "FLUSH", "LOAD", "EXISTS", "KILL", "LIST", "INFO", "HELP", "DOCS",
    "GETKEYS", "FILTERBY", "MODULE", "ACLCAT", "PATTERN", "LIBRARYNAME", "WITHCODE", "APPEND", "RESTORE",
    "DUMP", "STATS", "DELETE", "default", "string", "hash", "set", "list", "zset", "none", "RESETSTAT",
    "LIB-NAME", "LIB-VER", "NUMSUB", "NUMPAT", "CHANNELS", "SHARDCHANNELS", "SHARDNUMSUB", "ENCODING",
    "FREQ", "IDLETIME", "REFCOUNT", "notify-keyspace-events", "KEA", "maxmemory", "save", "appendfsync",
    "always", "everysec", "timeout", "hz", "databases", "dir", "*", "maxclients", "requirepass",
    "client-output-buffer-limit", "latency-tracking-info-percentiles", "loglevel", "debug", "NOW",
    "SETINFO", "GETNAME", "NO-EVICT", "NO-TOUCH", "UNBLOCK", "PAUSE", "REPLY", "TRACKING", "ERROR"};
const std::vector<std::string> kPatterns = {"*", "?", "s*", "*s*", "[a-z]", "[^s]*", "\\*", "h?", "[", "**",
                                            "*[", "[a-", "z*", "__keyspace@0__:*"};

class Fuzzer {
 public:
  Fuzzer() : dir_("redrock-fuzz"), clock_(std::make_shared<engine::ManualClock>(kStartMs)) {
    engine::Options options;
    options.dir = dir_.str();
    options.databases = 16;
    options.clock = clock_;
    options.active_expiry = false;
    options.block_cache_bytes = 4u << 20;
    options.write_buffer_bytes = 4u << 20;
    options.sync = engine::SyncMode::kNo;  // nothing needs to reach the disk
    auto opened = engine::Engine::Open(options);
    FUZZ_CHECK(opened.ok(), "engine open failed: %s", opened.status().ToString().c_str());
    engine_ = std::move(opened).value();
    config_ = std::make_unique<server::Config>();
    config_->Set("dir", dir_.str(), server::ConfigSource::kStartup);
    config_->Set("databases", "16", server::ConfigSource::kStartup);
    config_->Set("proto-max-bulk-len", "1mb", server::ConfigSource::kStartup);
    config_->Set("appendfsync", "no", server::ConfigSource::kStartup);
    state_ = std::make_unique<server::ServerState>(*engine_, *config_);
    server::RegisterAllCommands(table_);
    for (const auto& spec : table_.commands()) {
      if (!kExcluded.count(spec->name)) names_.push_back(spec.get());
    }
    for (const auto& script : kScripts) shas_.push_back(redrock::common::Sha1Hex(script));
    NewClients();
    initial_config_ = ConfigSnapshot();
  }

  ~Fuzzer() {
    DropClients();
    state_.reset();
  }

  void RunInput(const uint8_t* data, size_t size) {
    Reset();
    ByteReader in(data, size);
    for (int i = 0; i < kMaxCommands && !in.empty(); ++i) {
      if (!Step(in)) break;
    }
    CheckKeyspace();
  }

 private:
  void NewClients() {
    for (int i = 0; i < 2; ++i) {
      auto client = std::make_unique<server::ClientState>();
      client->id = state_->clients.NextId();
      client->addr = "127.0.0.1:" + std::to_string(40000 + i);
      client->laddr = "127.0.0.1:6379";
      client->created_ms = clock_->NowMs();
      client->authenticated = true;
      client->may_block = false;  // see the comment on blocking commands above
      state_->clients.Add(client.get(), [] {});
      clients_.push_back(std::move(client));
    }
    current_ = clients_[0].get();
  }

  void DropClients() {
    for (auto& client : clients_) {
      if (client->in_multi || !client->watched_keys.empty()) server::DiscardTransaction(*client, *state_);
      state_->clients.Remove(client.get());
    }
    clients_.clear();
  }

  // The same starting point for every input.
  void Reset() {
    DropClients();
    clock_->SetMs(kStartMs);
    NewClients();
    if (functions_touched_) {
      // Only when needed: every change of the libraries rewrites functions.dump with two fsyncs.
      Run({"function", "flush"});
      functions_touched_ = false;
    }
    if (config_touched_) {
      RestoreConfig();
      config_touched_ = false;
    }
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"flushall"},
             {"script", "flush"},
             {"set", "s", "hello"},
             {"set", "n", "42"},
             {"hset", "h", "f1", "v1", "f2", "2", "f3", "3.5"},
             {"sadd", "st", "a", "b", "c"},
             {"sadd", "si", "1", "2", "3", "-1"},
             {"rpush", "l", "a", "b", "c", "a", "1"},
             {"zadd", "z", "1", "a", "2", "b", "2", "c", "-inf", "m", "+inf", "1"},
             {"set", "e", "soon", "px", "1000"},
             {"hset", "hh", "x", "y"},
             {"expire", "hh", "50"},
             {"xadd", "x", "1-1", "f", "v"},
             {"xadd", "x", "2-0", "f", "w", "a", "1"},
             {"xgroup", "create", "x", "a", "0"},
             {"xreadgroup", "group", "a", "b", "count", "1", "streams", "x", ">"},
             {"select", "1"},
             {"rpush", "l", "x"},
             {"set", "s", "db1"},
             {"select", "0"},
         }) {
      std::string reply = Run(argv);
      FUZZ_CHECK(!reply.empty() && reply[0] != '-', "keyspace setup '%s' failed: %s", argv[0].c_str(),
                 Printable(reply).c_str());
    }
  }

  std::string Run(const std::vector<std::string>& argv) {
    std::vector<std::string_view> views(argv.begin(), argv.end());
    std::string out;
    redrock::protocol::ReplyWriter writer(&out, current_->resp);
    table_.Dispatch(*current_, *state_, writer, views);
    return out;
  }

  // One command from the input; false ends the input (the client asked to be closed).
  bool Step(ByteReader& in) {
    const uint8_t choice = in.Byte();
    std::vector<std::string> argv;
    if (choice < 232) {
      const server::CommandSpec* spec = names_[(choice * 256u + in.Byte()) % names_.size()];
      GenCommand(in, spec, &argv);
    } else if (choice < 240) {
      clock_->AdvanceMs(static_cast<int64_t>(in.U16()) * (choice & 1 ? 1000 : 1));
      return true;
    } else if (choice < 244) {
      current_ = clients_[choice & 1].get();
      return true;
    } else {
      argv.emplace_back(in.ShortString(12));
      const size_t n = in.Byte() % kMaxArgs;
      for (size_t i = 0; i < n; ++i) argv.push_back(Token(in));
    }
    if (argv.empty()) return true;
    if (!Allowed(argv)) return true;

    std::string lower = Lower(argv[0]);
    if (lower == "config" && argv.size() > 1 && Lower(argv[1]) == "set") config_touched_ = true;
    if (lower == "function") functions_touched_ = true;

    // More than one reply: only the (un)subscribe family sends one per channel, also from inside EXEC
    // (Redis 7.0.15 too: MULTI, UNSUBSCRIBE a b, EXEC answers *1 followed by two unsubscribe replies).
    static const std::set<std::string> kMulti = {"subscribe", "unsubscribe", "psubscribe", "punsubscribe",
                                                 "ssubscribe", "sunsubscribe"};
    bool may_reply_more = kMulti.count(lower) > 0;
    if (lower == "exec") {
      for (const auto& queued : current_->queued) may_reply_more |= kMulti.count(queued.spec->name) > 0;
    }
    std::string reply = Run(argv);
    if (trace_) std::fprintf(stderr, "%s-> %s\n", Describe(argv).c_str(), Printable(reply, 200).c_str());
    const int resp = current_->resp;
    FUZZ_CHECK(!current_->blocked.active, "'%s' left the client blocked", Printable(argv[0]).c_str());
    std::string why;
    size_t consumed = 0;
    // HELLO and RESET reply in the protocol they switch to; every other reply is in the current one.
    FUZZ_CHECK(redrock::fuzz::CheckReply(reply, resp, &consumed, &why), "bad reply to %s: %s\nreply: %s",
               Describe(argv).c_str(), why.c_str(), Printable(reply, 2000).c_str());
    if (consumed != reply.size()) {
      FUZZ_CHECK(may_reply_more, "more than one reply to %s\nreply: %s", Describe(argv).c_str(),
                 Printable(reply, 2000).c_str());
      std::string_view rest(reply);
      while (!rest.empty()) {
        FUZZ_CHECK(redrock::fuzz::CheckReply(rest, resp, &consumed, &why), "bad reply to %s: %s",
                   Describe(argv).c_str(), why.c_str());
        rest.remove_prefix(consumed);
      }
    }
    return !current_->close_after_reply;
  }

  void GenCommand(ByteReader& in, const server::CommandSpec* spec, std::vector<std::string>* argv) {
    const uint8_t shape = in.Byte();
    std::string name = spec->name;
    if (shape & 0x80) {
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    argv->push_back(name);
    const server::CommandSpec* sub = nullptr;
    if (!spec->subcommands.empty() && (shape & 0x70) != 0x70) {
      sub = &spec->subcommands[in.Byte() % spec->subcommands.size()];
      argv->push_back(sub->name);
    }
    const std::string lower = spec->name;
    const std::string sub_name = sub ? sub->name : "";
    if (lower == "eval" || lower == "eval_ro" || lower == "evalsha" || lower == "evalsha_ro") {
      GenScriptCall(in, lower.rfind("evalsha", 0) == 0, argv);
      return;
    }
    if (lower == "fcall" || lower == "fcall_ro") {
      static const std::vector<std::string> kFunctions = {"f1", "f2", "f3", "f4", "f5", "g", "nope"};
      argv->push_back(kFunctions[in.Byte() % kFunctions.size()]);
      GenKeysAndCommand(in, argv);
      return;
    }
    if (lower == "script" && sub_name == "load") {
      argv->push_back(kScripts[in.Byte() % kScripts.size()]);
      return;
    }
    if (lower == "function" && sub_name == "load") {
      if (in.Bool()) argv->push_back("REPLACE");
      argv->push_back(kLibraries[in.Byte() % kLibraries.size()]);
      return;
    }
    // The argument count: around the arity most of the time, anything up to kMaxArgs otherwise.
    const int arity = sub ? sub->arity : spec->arity;
    int want = arity >= 0 ? arity : -arity + static_cast<int>(shape & 3);
    if ((shape & 0x0c) == 0x0c) want = static_cast<int>(in.Byte() % (kMaxArgs + 1));
    while (static_cast<int>(argv->size()) < want && static_cast<int>(argv->size()) < kMaxArgs + 2) {
      // The first argument after the name is usually a key for keyed commands.
      if (argv->size() == static_cast<size_t>(spec->first_key) && !sub && (shape & 0x10) == 0) {
        argv->push_back(kKeys[in.Byte() % kKeys.size()]);
      } else {
        argv->push_back(Token(in));
      }
    }
  }

  // EVAL script numkeys key... arg...: the script from kScripts, the args a random command.
  void GenScriptCall(ByteReader& in, bool by_sha, std::vector<std::string>* argv) {
    const size_t which = in.Byte() % kScripts.size();
    if (by_sha) {
      argv->push_back(in.Bool() ? shas_[which] : std::string(in.ShortString(40)));
    } else {
      argv->push_back(kScripts[which]);
    }
    GenKeysAndCommand(in, argv);
  }

  void GenKeysAndCommand(ByteReader& in, std::vector<std::string>* argv) {
    const uint8_t numkeys = in.Byte();
    const int keys = numkeys % 3;
    argv->push_back(numkeys < 240 ? std::to_string(keys) : Token(in));
    for (int i = 0; i < keys; ++i) argv->push_back(kKeys[in.Byte() % kKeys.size()]);
    // The script's ARGV: a random command (the scripts call it), through the same exclusions.
    std::vector<std::string> inner;
    const server::CommandSpec* spec = names_[in.U16() % names_.size()];
    GenCommand(in, spec, &inner);
    if (!Allowed(inner)) inner.resize(1, "ping");
    for (auto& arg : inner) argv->push_back(std::move(arg));
  }

  std::string Token(ByteReader& in) {
    const uint8_t kind = in.Byte();
    switch (kind % 8) {
      case 0:
        return kKeys[in.Byte() % kKeys.size()];
      case 1:
        return kMembers[in.Byte() % kMembers.size()];
      case 2:
        return kNumbers[in.Byte() % kNumbers.size()];
      case 3:
        return kKeywords[in.Byte() % kKeywords.size()];
      case 4:
        return kPatterns[in.Byte() % kPatterns.size()];
      case 5:
        return std::to_string(static_cast<int16_t>(in.U16()));
      case 6:
        return names_[in.Byte() % names_.size()]->name;
      default:
        return std::string(in.ShortString(24));
    }
  }

  // False for commands the harness must not run (see kExcluded and kFrozenConfig), and for counts that
  // would make Redis itself build a reply of billions of elements.
  bool Allowed(std::vector<std::string>& argv) const {
    const std::string name = Lower(argv[0]);
    if (kExcluded.count(name)) return false;
    const std::string sub = argv.size() > 1 ? Lower(argv[1]) : "";
    if (name == "script" && sub == "load") {
      // Only the known scripts (see kExcluded).
      return argv.size() == 3 && std::find(kScripts.begin(), kScripts.end(), argv[2]) != kScripts.end();
    }
    if (name == "function" && (sub == "load" || sub == "restore")) {
      if (sub == "restore") return false;  // a payload may hold any code (see kExcluded)
      for (size_t i = 2; i < argv.size(); ++i) {
        if (std::find(kLibraries.begin(), kLibraries.end(), argv[i]) == kLibraries.end() &&
            Lower(argv[i]) != "replace") {
          return false;
        }
      }
      return true;
    }
    if (name == "eval" || name == "eval_ro") {
      return argv.size() >= 2 && std::find(kScripts.begin(), kScripts.end(), argv[1]) != kScripts.end();
    }
    if (name == "config" && sub == "set") {
      for (size_t i = 2; i < argv.size(); i += 2) {
        if (kFrozenConfig.count(Lower(argv[i]))) return false;
      }
    }
    if (name == "srandmember" || name == "hrandfield" || name == "zrandmember" || name == "spop") {
      // SRANDMEMBER key -1000000000 makes Redis reply a billion members too: not a defect, just an
      // out-of-memory of the harness.
      if (argv.size() > 2) {
        try {
          long long count = std::stoll(argv[2]);
          if (count < -100000 || count > 100000) return false;
        } catch (...) {
        }
      }
    }
    return true;
  }

  // CONFIG GET * as a name -> value map.
  std::map<std::string, std::string> ConfigSnapshot() {
    std::string reply;
    redrock::protocol::ReplyWriter writer(&reply, 2);
    std::vector<std::string_view> argv = {"config", "get", "*"};
    server::ClientState& client = *clients_[0];
    const int resp = client.resp;
    client.resp = 2;
    table_.Dispatch(client, *state_, writer, argv);
    client.resp = resp;
    std::map<std::string, std::string> out;
    std::vector<std::string> items = ParseBulkArray(reply);
    for (size_t i = 0; i + 1 < items.size(); i += 2) out[items[i]] = items[i + 1];
    return out;
  }

  void RestoreConfig() {
    for (const auto& [name, value] : ConfigSnapshot()) {
      auto it = initial_config_.find(name);
      if (it == initial_config_.end() || it->second == value) continue;
      std::string reply = Run({"config", "set", name, it->second});
      FUZZ_CHECK(reply == "+OK\r\n", "restoring %s to '%s' failed: %s", name.c_str(), it->second.c_str(),
                 Printable(reply).c_str());
    }
  }

  // Keyspace invariants at the end of an input (in the current client's db).
  void CheckKeyspace() {
    server::ClientState& client = *clients_[0];
    current_ = &client;
    if (client.in_multi) Run({"discard"});
    client.resp = 2;
    const std::vector<std::string> keys = ParseBulkArray(Run({"keys", "*"}));
    std::set<std::string> listed(keys.begin(), keys.end());
    FUZZ_CHECK(listed.size() == keys.size(), "KEYS * lists a key twice");

    // SCAN visits the same keys (no writes happen in between).
    std::set<std::string> scanned;
    std::string cursor = "0";
    for (int rounds = 0; rounds < 10000; ++rounds) {
      std::string reply = Run({"scan", cursor, "count", "7"});
      // *2\r\n$N\r\ncursor\r\n*M\r\n...
      std::vector<std::string> parts = ParseScanReply(reply, &cursor);
      scanned.insert(parts.begin(), parts.end());
      if (cursor == "0") break;
    }
    FUZZ_CHECK(cursor == "0", "SCAN did not finish");
    FUZZ_CHECK(scanned == listed, "SCAN found %zu keys, KEYS * %zu", scanned.size(), listed.size());

    for (const std::string& key : keys) {
      const std::string type = Run({"type", key});
      std::string size_cmd, list_reply;
      size_t per_member = 1;
      if (type == "+hash\r\n") {
        size_cmd = "hlen";
        list_reply = Run({"hgetall", key});
        per_member = 2;
      } else if (type == "+set\r\n") {
        size_cmd = "scard";
        list_reply = Run({"smembers", key});
      } else if (type == "+list\r\n") {
        size_cmd = "llen";
        list_reply = Run({"lrange", key, "0", "-1"});
      } else if (type == "+zset\r\n") {
        size_cmd = "zcard";
        list_reply = Run({"zrange", key, "0", "-1", "withscores"});
        per_member = 2;
      } else if (type == "+stream\r\n") {
        // XLEN agrees with the entries XRANGE lists (the reply's array header); an empty stream may exist.
        const std::string len = Run({"xlen", key});
        const std::string range = Run({"xrange", key, "-", "+"});
        FUZZ_CHECK(range.size() > 3 && range[0] == '*', "XRANGE %s: %s", Printable(key).c_str(),
                   Printable(range).c_str());
        const std::string n = range.substr(1, range.find("\r\n") - 1);
        FUZZ_CHECK(len == ":" + n + "\r\n", "XLEN %s says %s, XRANGE lists %s entries", Printable(key).c_str(),
                   Printable(len).c_str(), n.c_str());
        continue;
      } else {
        FUZZ_CHECK(type == "+string\r\n", "TYPE of a listed key '%s' is %s", Printable(key).c_str(),
                   Printable(type).c_str());
        // The value cache and the engine agree: STRLEN, GET and GETRANGE see the same value.
        const std::string value = Run({"get", key});
        const std::string range = Run({"getrange", key, "0", "-1"});
        const std::string strlen = Run({"strlen", key});
        FUZZ_CHECK(value.size() > 1 && value[0] == '$', "GET %s: %s", Printable(key).c_str(), Printable(value).c_str());
        const size_t eol = value.find("\r\n");
        const std::string len = value.substr(1, eol - 1);
        FUZZ_CHECK(strlen == ":" + len + "\r\n", "STRLEN %s says %s, GET returned %s bytes", Printable(key).c_str(),
                   Printable(strlen).c_str(), len.c_str());
        FUZZ_CHECK(range == value || (len == "0" && range == "$0\r\n\r\n"), "GETRANGE %s 0 -1 differs from GET",
                   Printable(key).c_str());
        continue;
      }
      const std::string size = Run({size_cmd, key});
      const size_t members = ParseBulkArray(list_reply).size() / per_member;
      FUZZ_CHECK(size == ":" + std::to_string(members) + "\r\n", "%s %s says %s, the listing has %zu members",
                 size_cmd.c_str(), Printable(key).c_str(), Printable(size).c_str(), members);
      FUZZ_CHECK(members > 0, "the empty %s '%s' still exists", Printable(type).c_str(), Printable(key).c_str());
    }
  }

  // The elements of a RESP2 array of bulk strings.
  static std::vector<std::string> ParseBulkArray(std::string_view reply) {
    std::vector<std::string> out;
    size_t pos = 0;
    ParseArrayAt(reply, &pos, &out);
    return out;
  }

  static void ParseArrayAt(std::string_view reply, size_t* pos, std::vector<std::string>* out) {
    FUZZ_CHECK(reply.substr(*pos, 1) == "*", "not an array: %s", Printable(reply.substr(*pos)).c_str());
    size_t eol = reply.find("\r\n", *pos);
    const long n = std::stol(std::string(reply.substr(*pos + 1, eol - *pos - 1)));
    *pos = eol + 2;
    for (long i = 0; i < n; ++i) {
      FUZZ_CHECK(reply.substr(*pos, 1) == "$", "not a bulk: %s", Printable(reply.substr(*pos)).c_str());
      eol = reply.find("\r\n", *pos);
      const size_t len = std::stoul(std::string(reply.substr(*pos + 1, eol - *pos - 1)));
      out->emplace_back(reply.substr(eol + 2, len));
      *pos = eol + 2 + len + 2;
    }
  }

  static std::vector<std::string> ParseScanReply(std::string_view reply, std::string* cursor) {
    FUZZ_CHECK(reply.substr(0, 4) == "*2\r\n", "bad SCAN reply: %s", Printable(reply).c_str());
    size_t eol = reply.find("\r\n", 4);
    const size_t len = std::stoul(std::string(reply.substr(5, eol - 5)));
    *cursor = std::string(reply.substr(eol + 2, len));
    size_t pos = eol + 2 + len + 2;
    std::vector<std::string> keys;
    ParseArrayAt(reply, &pos, &keys);
    return keys;
  }

  static std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  static std::string Describe(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) out += "'" + Printable(arg, 100) + "' ";
    return out;
  }

  redrock::testing::TempDir dir_;
  std::shared_ptr<engine::ManualClock> clock_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<server::Config> config_;
  std::unique_ptr<server::ServerState> state_;
  server::CommandTable table_;
  std::vector<std::unique_ptr<server::ClientState>> clients_;
  server::ClientState* current_ = nullptr;
  std::vector<const server::CommandSpec*> names_;
  std::vector<std::string> shas_;
  std::map<std::string, std::string> initial_config_;
  bool config_touched_ = false;
  bool functions_touched_ = false;
  // REDROCK_FUZZ_TRACE=1 prints every command and its reply (to see what an input does).
  const bool trace_ = std::getenv("REDROCK_FUZZ_TRACE") != nullptr;
};


// The whole server (engine, temp directory, config, command table) is re-created every
// kInputsPerWorld inputs: FLUSHALL leaves range tombstones in RocksDB that slow every later read down,
// and a fresh world also drops what the per-input reset does not (SCAN cursors, statistics).
constexpr int kInputsPerWorld = 200;
std::unique_ptr<Fuzzer> world;
int inputs_in_world = 0;

void DropWorld() { world.reset(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!world || inputs_in_world == kInputsPerWorld) {
    world.reset();
    world = std::make_unique<Fuzzer>();
    inputs_in_world = 0;
    static bool registered = false;
    if (!registered) std::atexit(DropWorld);  // close the engine and remove the directory at exit
    registered = true;
  }
  ++inputs_in_world;
  world->RunInput(data, size);
  return 0;
}
