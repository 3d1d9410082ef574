// Config: defaults as Redis 7.0's CONFIG GET prints them, validation with Redis's exact texts, aliases,
// globs, redis.conf parsing (quotes, repeated `save` lines, error lines) and change callbacks.

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/config_loader.h"
#include "tests/support/temp_dir.h"

namespace redrock::server {
namespace {

std::string SetError(Config& c, std::string_view name, std::string_view value,
                     ConfigSource source = ConfigSource::kRuntime) {
  engine::Status s = c.Set(name, value, source);
  return s.ok() ? "OK" : s.message();
}

TEST_CASE("Config defaults match Redis 7.0 (and redrock's documented choices)", "[config]") {
  Config c;
  CHECK(c.port() == 6379);
  CHECK(c.bind() == std::vector<std::string>{"127.0.0.1"});
  CHECK(c.dir() == ".");
  CHECK(c.requirepass().empty());
  CHECK(c.databases() == 16);
  CHECK(c.appendfsync() == "everysec");
  CHECK(c.maxclients() == 10000);
  CHECK(c.timeout() == 0);
  CHECK(c.loglevel() == "notice");
  CHECK(c.logfile().empty());
  CHECK(c.io_threads() == 0);
  CHECK(c.proto_max_bulk_len() == 512ull * 1024 * 1024);
  CHECK(*c.Get("save") == "3600 1 300 100 60 10000");
  CHECK(*c.Get("appendonly") == "no");
  CHECK(*c.Get("maxmemory") == "0");
  CHECK(*c.Get("maxmemory-policy") == "noeviction");
  CHECK(*c.Get("hash-max-listpack-entries") == "512");
  CHECK(*c.Get("zset-max-listpack-value") == "64");
  CHECK(*c.Get("list-max-listpack-size") == "-2");
  CHECK(*c.Get("client-output-buffer-limit") ==
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  CHECK(*c.Get("notify-keyspace-events") == "");
  CHECK(*c.Get("proto-max-bulk-len") == "536870912");
  // io-threads 0 means one per core; CONFIG GET shows the effective number.
  CHECK(std::stoi(*c.Get("io-threads")) >= 1);
  CHECK_FALSE(c.Get("no-such-option").has_value());
  CHECK(c.Known("PORT"));
  CHECK_FALSE(c.Known("foo"));
}

TEST_CASE("Config::Set validates with Redis's CONFIG SET texts", "[config]") {
  Config c;
  CHECK(SetError(c, "foo", "bar") == "Unknown option or number of arguments for CONFIG SET - 'foo'");
  CHECK(SetError(c, "foo", "bar", ConfigSource::kStartup) == "Bad directive or wrong number of arguments");
  CHECK(SetError(c, "PORT", "x") ==
        "CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer");
  CHECK(SetError(c, "port", "70000") ==
        "CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive");
  CHECK(SetError(c, "port", "x", ConfigSource::kStartup) == "argument couldn't be parsed into an integer");
  CHECK(SetError(c, "databases", "3") ==
        "CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config");
  CHECK(SetError(c, "dir", "/tmp") ==
        "CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  CHECK(SetError(c, "appendfsync", "foo") ==
        "CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the "
        "following: everysec, always, no");
  CHECK(SetError(c, "loglevel", "foo") ==
        "CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the "
        "following: debug, verbose, notice, warning");
  CHECK(SetError(c, "appendonly", "maybe") ==
        "CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'");
  CHECK(SetError(c, "maxmemory", "-1") ==
        "CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
  CHECK(SetError(c, "proto-max-bulk-len", "1kb") ==
        "CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between "
        "1048576 and 9223372036854775807 inclusive");
  CHECK(SetError(c, "save", "1 2 3") ==
        "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  CHECK(SetError(c, "notify-keyspace-events", "Q") ==
        "CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class "
        "character. Use 'Ag$lshzxeKEtmdn'.");
  CHECK(SetError(c, "client-output-buffer-limit", "foo 1 2 3") ==
        "CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class "
        "specified in buffer limit configuration.");
  // Nothing above changed anything.
  CHECK(c.port() == 6379);
  CHECK(*c.Get("save") == "3600 1 300 100 60 10000");
}

TEST_CASE("Config normalises values as CONFIG GET prints them", "[config]") {
  Config c;
  REQUIRE(c.Set("maxmemory", "1gb", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("maxmemory") == "1073741824");
  REQUIRE(c.Set("maxmemory", "10K", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("maxmemory") == "10000");
  REQUIRE(c.Set("proto-max-bulk-len", "2mb", ConfigSource::kRuntime).ok());
  CHECK(c.proto_max_bulk_len() == 2u * 1024 * 1024);
  REQUIRE(c.Set("appendfsync", "ALWAYS", ConfigSource::kRuntime).ok());
  CHECK(c.appendfsync() == "always");
  REQUIRE(c.Set("appendonly", "YES", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("appendonly") == "yes");
  REQUIRE(c.Set("hz", "0", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("hz") == "1");
  REQUIRE(c.Set("hz", "1000", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("hz") == "500");
  REQUIRE(c.Set("save", "0100 1", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("save") == "100 1");
  REQUIRE(c.Set("notify-keyspace-events", "$lKEmn", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("notify-keyspace-events") == "$lnKEm");
  REQUIRE(c.Set("notify-keyspace-events", "KEA", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("notify-keyspace-events") == "AKE");
  REQUIRE(c.Set("client-output-buffer-limit", "replica 1mb 2 3", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("client-output-buffer-limit") == "normal 0 0 0 slave 1048576 2 3 pubsub 33554432 8388608 60");
  REQUIRE(c.Set("timeout", "30", ConfigSource::kRuntime).ok());
  CHECK(c.timeout() == 30);
  REQUIRE(c.Set("maxclients", "5", ConfigSource::kRuntime).ok());
  CHECK(c.maxclients() == 5);
}

TEST_CASE("Config SET splits multi-word values on single spaces, as Redis 7.0 does", "[config]") {
  // Checked against redis-server 7.0.15: every space counts ("1  2 3" is "1", "", "2", "3", and strtoll
  // reads "" as 0), and save's seconds must be at least 1.
  Config c;
  REQUIRE(c.Set("save", "1  2 3", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("save") == "1 0 2 3");
  CHECK(SetError(c, "save", "1 2 ") ==
        "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  CHECK(SetError(c, "save", "0 1") ==
        "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  REQUIRE(c.Set("save", "99999999999999999999 1", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("save") == "9223372036854775807 1");
  CHECK(SetError(c, "latency-tracking-info-percentiles", "50  99") ==
        "CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid "
        "latency-tracking-info-percentiles parameters");
  CHECK(SetError(c, "latency-tracking-info-percentiles", " 50") ==
        "CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid "
        "latency-tracking-info-percentiles parameters");
  CHECK(SetError(c, "client-output-buffer-limit", "normal x 1 1 ") ==
        "CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of "
        "arguments in buffer limit configuration.");
  REQUIRE(c.Set("client-output-buffer-limit", "normal 1  2", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("client-output-buffer-limit") == "normal 1 0 2 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  REQUIRE(c.Set("client-output-buffer-limit", "", ConfigSource::kRuntime).ok());
  REQUIRE(c.Set("maxmemory", "kb", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("maxmemory") == "0");
}

TEST_CASE("Config aliases share one value and glob matching lists both names", "[config]") {
  Config c;
  REQUIRE(c.Set("hash-max-ziplist-entries", "100", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("hash-max-listpack-entries") == "100");
  CHECK(*c.Get("HASH-MAX-ZIPLIST-ENTRIES") == "100");
  auto matched = c.Match("hash-max-*-entries");
  std::vector<std::pair<std::string, std::string>> expected = {{"hash-max-listpack-entries", "100"},
                                                               {"hash-max-ziplist-entries", "100"}};
  CHECK(matched == expected);
  CHECK(c.Match("PoRt") == std::vector<std::pair<std::string, std::string>>{{"port", "6379"}});
  CHECK(c.Match("nothing-matches-*").empty());
}

TEST_CASE("Config: port and bind cannot change at run time", "[config]") {
  Config c;
  CHECK(c.Set("port", "6379", ConfigSource::kRuntime).ok());  // unchanged: fine
  CHECK(SetError(c, "port", "7000") ==
        "CONFIG SET failed (possibly related to argument 'port') - can't set immutable config");
  CHECK(c.Set("bind", "127.0.0.1 ::1", ConfigSource::kStartup).ok());
  CHECK(c.bind() == std::vector<std::string>{"127.0.0.1", "::1"});
}

TEST_CASE("Config::OnChange runs after a successful Set only", "[config]") {
  Config c;
  std::vector<std::string> seen;
  c.OnChange("appendfsync", [&](const std::string& v) { seen.push_back(v); });
  REQUIRE(c.Set("appendfsync", "No", ConfigSource::kRuntime).ok());
  REQUIRE_FALSE(c.Set("appendfsync", "bad", ConfigSource::kRuntime).ok());
  REQUIRE(c.Set("appendfsync", "always", ConfigSource::kStartup).ok());
  CHECK(seen == std::vector<std::string>{"no", "always"});
}

TEST_CASE("SplitConfigArgs follows Redis's sdssplitargs", "[config]") {
  std::vector<std::string> args;
  REQUIRE(SplitConfigArgs("  save 900   1  ", &args));
  CHECK(args == std::vector<std::string>{"save", "900", "1"});
  REQUIRE(SplitConfigArgs("requirepass \"a b\\\"c\\x41\\n\"", &args));
  CHECK(args == std::vector<std::string>{"requirepass", "a b\"cA\n"});
  REQUIRE(SplitConfigArgs("logfile 'it\\'s'", &args));
  CHECK(args == std::vector<std::string>{"logfile", "it's"});
  REQUIRE(SplitConfigArgs("save \"\"", &args));
  CHECK(args == std::vector<std::string>{"save", ""});
  CHECK_FALSE(SplitConfigArgs("requirepass \"unterminated", &args));
  CHECK_FALSE(SplitConfigArgs("requirepass \"a\"b", &args));
  CHECK(QuoteConfigArg("a\"b\n") == "\"a\\\"b\\n\"");
}

TEST_CASE("LoadConfigText applies redis.conf lines and reports the failing line", "[config]") {
  Config c;
  ConfigLoadError error;
  std::string text =
      "# comment\n"
      "port 7001\n"
      "\n"
      "bind 127.0.0.1 ::1\n"
      "save 900 1\n"
      "save 300 10\n"
      "requirepass \"s3cret pw\"\n"
      "hash-max-ziplist-entries 64\n";
  REQUIRE(LoadConfigText(c, text, &error).ok());
  CHECK(c.port() == 7001);
  CHECK(c.bind() == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(*c.Get("save") == "900 1 300 10");  // the first save line replaces the defaults, later ones append
  CHECK(c.requirepass() == "s3cret pw");
  CHECK(*c.Get("hash-max-listpack-entries") == "64");

  Config d;
  CHECK_FALSE(LoadConfigText(d, "port 1\nfoo bar\n", &error).ok());
  CHECK(error.line == 2);
  CHECK(error.text == "foo bar");
  CHECK(error.reason == "Bad directive or wrong number of arguments");
  CHECK_FALSE(LoadConfigText(d, "port 1 2\n", &error).ok());
  CHECK(error.reason == "wrong number of arguments");
  CHECK_FALSE(LoadConfigText(d, "\nappendfsync \"foo\"\n", &error).ok());
  CHECK(error.line == 2);
  CHECK(error.reason == "argument(s) must be one of the following: everysec, always, no");
  CHECK_FALSE(LoadConfigText(d, "save 1\n", &error).ok());
  CHECK(error.reason == "Invalid save parameters");
  Config e;
  REQUIRE(LoadConfigText(e, "save \"\"\n", &error).ok());
  CHECK(*e.Get("save") == "");
}

TEST_CASE("Config::LoadFile reads a file", "[config]") {
  redrock::testing::TempDir dir("redrock-config");
  std::string path = dir.str() + "/redis.conf";
  std::ofstream(path) << "port 7002\ntimeout 5\nbogus 1\n";
  Config c;
  engine::Status s = c.LoadFile(path);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "line 3: Bad directive or wrong number of arguments");
  CHECK(c.port() == 7002);
  CHECK(c.timeout() == 5);
  CHECK_FALSE(c.LoadFile(dir.str() + "/missing.conf").ok());
}

TEST_CASE("ConfigOptionIsIgnored marks what redrock does not act on", "[config]") {
  CHECK(ConfigOptionIsIgnored("save"));
  CHECK(ConfigOptionIsIgnored("appendonly"));
  CHECK(ConfigOptionIsIgnored("maxmemory"));
  CHECK_FALSE(ConfigOptionIsIgnored("port"));
  CHECK_FALSE(ConfigOptionIsIgnored("APPENDFSYNC"));
}

}  // namespace
}  // namespace redrock::server
