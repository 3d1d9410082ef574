// Config: defaults as Redis 7.0's CONFIG GET prints them, validation with Redis's exact texts, aliases,
// globs, redis.conf parsing (quotes, repeated `save` lines, error lines) and change callbacks.

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "redrock/server/config.h"
#include "server/config/config_loader.h"
#include "tests/support/temp_dir.h"

namespace redrock::server {
namespace {

std::string SetError(Config& c, std::string_view name, std::string_view value,
                     ConfigSource source = ConfigSource::kRuntime) {
  common::Status s = c.Set(name, value, source);
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
  CHECK(c.io_threads() == 1);  // as Redis: one thread keeps the order in which clients' commands arrive
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
  CHECK(*c.Get("io-threads") == "1");
  // io-threads 0 means one per core; CONFIG GET shows the effective number.
  c.Set("io-threads", "0", ConfigSource::kStartup);
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
  REQUIRE(c.Set("auto-aof-rewrite-min-size", "1gb", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("auto-aof-rewrite-min-size") == "1073741824");
  REQUIRE(c.Set("auto-aof-rewrite-min-size", "10K", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("auto-aof-rewrite-min-size") == "10000");
  REQUIRE(c.Set("maxmemory", "0mb", ConfigSource::kRuntime).ok());  // 0 is "no limit": accepted
  CHECK(*c.Get("maxmemory") == "0");
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
  REQUIRE(c.Set("client-output-buffer-limit", "pubsub 1  2", ConfigSource::kRuntime).ok());
  CHECK(*c.Get("client-output-buffer-limit") == "normal 0 0 0 slave 268435456 67108864 60 pubsub 1 0 2");
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
  common::Status s = c.LoadFile(path);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "line 3: Bad directive or wrong number of arguments");
  CHECK(c.port() == 7002);
  CHECK(c.timeout() == 5);
  CHECK_FALSE(c.LoadFile(dir.str() + "/missing.conf").ok());
}

TEST_CASE("ConfigOptionEffect says which options redrock acts on", "[config]") {
  std::string note;
  // Acted on: no startup notice.
  for (const char* name : {"port", "APPENDFSYNC", "notify-keyspace-events", "busy-reply-threshold", "lua-time-limit",
                           "protected-mode", "always-show-logo", "client-output-buffer-limit", "pidfile",
                           "proto-max-bulk-len", "timeout", "maxclients", "requirepass"}) {
    INFO(name);
    CHECK(ConfigOptionEffect(name) == ConfigEffect::kActedOn);
  }
  // Kept only for CONFIG GET.
  CHECK(ConfigOptionEffect("save", &note) == ConfigEffect::kNoEffect);
  CHECK(note.find("write-ahead log") != std::string::npos);
  CHECK(ConfigOptionEffect("hash-max-ziplist-entries", &note) == ConfigEffect::kNoEffect);
  CHECK(note == "redrock has its own storage encodings");
  CHECK(ConfigOptionEffect("repl-diskless-sync-delay", &note) == ConfigEffect::kNoEffect);
  CHECK(note == "redrock has no replication");
  CHECK(ConfigOptionEffect("latency-monitor-threshold", &note) == ConfigEffect::kNoEffect);
  CHECK(note.empty());
  CHECK(ConfigOptionEffect("tcp-keepalive") == ConfigEffect::kNoEffect);  // the OS's keepalive interval is used
  // Not provided: only the off value is accepted.
  CHECK(ConfigOptionEffect("maxmemory") == ConfigEffect::kActedOn);  // enforced, without eviction
  CHECK(ConfigOptionEffect("maxmemory-policy", &note) == ConfigEffect::kNotProvided);
  CHECK(note == "redrock does not evict keys yet: over maxmemory it refuses writes (noeviction)");
  CHECK(ConfigOptionEffect("tls-port") == ConfigEffect::kNotProvided);
  CHECK(ConfigOptionEffect("slaveof") == ConfigEffect::kNotProvided);
  CHECK(ConfigOptionEffect("no-such-option") == ConfigEffect::kUnknown);
}

// Every option that would guard access or resources, or turn on a feature redrock does not have, is
// refused unless it stays off: at startup (file or command line) and by CONFIG SET.
TEST_CASE("Config refuses protections and limits redrock does not provide", "[config]") {
  struct Case {
    const char* name;
    const char* value;
    const char* reason;  // without the CONFIG SET prefix
  };
  const std::vector<Case> cases = {
      {"maxmemory-policy", "allkeys-lru", "redrock does not evict keys yet: over maxmemory it refuses writes "
                                          "(noeviction), so maxmemory-policy must stay noeviction"},
      {"maxmemory-policy", "volatile-ttl", "redrock does not evict keys yet: over maxmemory it refuses writes "
                                           "(noeviction), so maxmemory-policy must stay noeviction"},
      {"maxmemory-clients", "1mb", "redrock does not provide maxmemory-clients (a memory limit for all clients) yet, "
                                   "so maxmemory-clients must stay 0"},
      {"client-query-buffer-limit", "2mb", "redrock does not enforce client-query-buffer-limit yet, so "
                                           "client-query-buffer-limit must stay 1073741824"},
      {"unixsocketperm", "700", "redrock does not listen on Unix sockets yet, so unixsocketperm must stay 0"},
      {"aclfile", "/etc/redis/users.acl", "redrock does not provide ACL users yet (requirepass sets the password of "
                                          "the default user), so aclfile must stay empty"},
      {"replicaof", "127.0.0.1 6379", "redrock does not provide replication yet, so replicaof must stay empty"},
      {"slaveof", "127.0.0.1 6379", "redrock does not provide replication yet, so replicaof must stay empty"},
      {"masterauth", "pw", "redrock does not provide replication yet, so masterauth must stay empty"},
      {"masteruser", "u", "redrock does not provide replication yet, so masteruser must stay empty"},
      {"min-replicas-to-write", "1", "redrock does not provide replication yet, so min-replicas-to-write must stay 0"},
      {"min-slaves-to-write", "2", "redrock does not provide replication yet, so min-replicas-to-write must stay 0"},
      {"cluster-enabled", "yes", "redrock does not provide cluster mode yet, so cluster-enabled must stay no"},
      {"daemonize", "yes", "redrock does not daemonize: run it in the foreground under a supervisor (systemd, "
                           "docker...) or with the shell's &, so daemonize must stay no"},
      {"tls-port", "6380", "redrock does not provide TLS yet, so tls-port must stay 0"},
      {"tls-cert-file", "/x.crt", "redrock does not provide TLS yet, so tls-cert-file must stay empty"},
      {"tls-key-file", "/x.key", "redrock does not provide TLS yet, so tls-key-file must stay empty"},
      {"tls-key-file-pass", "pw", "redrock does not provide TLS yet, so tls-key-file-pass must stay empty"},
      {"tls-client-cert-file", "/c.crt", "redrock does not provide TLS yet, so tls-client-cert-file must stay empty"},
      {"tls-client-key-file", "/c.key", "redrock does not provide TLS yet, so tls-client-key-file must stay empty"},
      {"tls-client-key-file-pass", "pw",
       "redrock does not provide TLS yet, so tls-client-key-file-pass must stay empty"},
      {"tls-dh-params-file", "/dh", "redrock does not provide TLS yet, so tls-dh-params-file must stay empty"},
      {"tls-ca-cert-file", "/ca.crt", "redrock does not provide TLS yet, so tls-ca-cert-file must stay empty"},
      {"tls-ca-cert-dir", "/ca", "redrock does not provide TLS yet, so tls-ca-cert-dir must stay empty"},
      {"tls-protocols", "TLSv1.3", "redrock does not provide TLS yet, so tls-protocols must stay empty"},
      {"tls-ciphers", "DEFAULT", "redrock does not provide TLS yet, so tls-ciphers must stay empty"},
      {"tls-ciphersuites", "TLS_AES_256_GCM_SHA384", "redrock does not provide TLS yet, so tls-ciphersuites must "
                                                     "stay empty"},
      {"tls-auth-clients", "optional", "redrock does not provide TLS yet, so tls-auth-clients must stay yes"},
      {"tls-prefer-server-ciphers", "yes", "redrock does not provide TLS yet, so tls-prefer-server-ciphers must stay "
                                           "no"},
      {"tls-session-caching", "no", "redrock does not provide TLS yet, so tls-session-caching must stay yes"},
      {"tls-session-cache-size", "100", "redrock does not provide TLS yet, so tls-session-cache-size must stay "
                                        "20480"},
      {"tls-session-cache-timeout", "60", "redrock does not provide TLS yet, so tls-session-cache-timeout must stay "
                                          "300"},
      {"tls-replication", "yes", "redrock does not provide TLS yet, so tls-replication must stay no"},
      {"tls-cluster", "yes", "redrock does not provide TLS yet, so tls-cluster must stay no"},
      {"client-output-buffer-limit", "normal 10mb 5mb 60",
       "redrock does not enforce client-output-buffer-limit for normal clients yet, so the normal class must stay "
       "0 0 0"},
  };
  for (const Case& k : cases) {
    INFO(k.name << " " << k.value);
    Config c;
    const std::string before = *c.Get(k.name);
    // Startup: Config::Set, and a config line (what the file and --name value go through).
    CHECK(SetError(c, k.name, k.value, ConfigSource::kStartup) == k.reason);
    ConfigLoadError error;
    CHECK_FALSE(LoadConfigText(c, std::string("port 7000\n") + k.name + " " + k.value + "\n", &error).ok());
    CHECK(error.line == 2);
    CHECK(error.reason == k.reason);
    // CONFIG SET: Redis's error form; immutable options are refused as immutable first, as in Redis.
    const std::string prefix = std::string("CONFIG SET failed (possibly related to argument '") + k.name + "') - ";
    std::string runtime = SetError(c, k.name, k.value);
    std::string_view n = k.name;
    bool immutable = n == "unixsocketperm" || n == "aclfile" || n == "replicaof" || n == "slaveof" ||
                     n == "cluster-enabled" || n == "daemonize";
    CHECK(runtime == prefix + (immutable ? "can't set immutable config" : k.reason));
    CHECK(*c.Get(k.name) == before);  // nothing changed
  }
}

TEST_CASE("Config accepts the values that leave an unprovided feature off", "[config]") {
  struct Case {
    const char* name;
    const char* value;
    const char* shown;  // CONFIG GET afterwards
  };
  const std::vector<Case> cases = {
      {"maxmemory", "0", "0"},
      {"maxmemory", "0gb", "0"},
      {"maxmemory", "100mb", "104857600"},  // enforced (server/core/memory_limit.h)
      {"maxmemory-policy", "NOEVICTION", "noeviction"},
      {"maxmemory-clients", "0", "0"},
      {"client-query-buffer-limit", "1gb", "1073741824"},
      {"tls-port", "0", "0"},
      {"tls-cert-file", "", ""},
      {"tls-auth-clients", "YES", "yes"},
      {"tls-replication", "no", "no"},
      {"unixsocket", "", ""},
      {"unixsocketperm", "0", "0"},
      {"aclfile", "", ""},
      {"replicaof", "", ""},
      {"replicaof", "no one", ""},
      {"slaveof", "NO ONE", ""},
      {"masterauth", "", ""},
      {"masteruser", "", ""},
      {"min-replicas-to-write", "0", "0"},
      {"cluster-enabled", "no", "no"},
      {"daemonize", "no", "no"},
      {"client-output-buffer-limit", "normal 0 0 0 pubsub 1mb 1mb 10",
       "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1048576 10"},
      {"client-output-buffer-limit", "normal 0 0 30", "normal 0 0 30 slave 268435456 67108864 60 pubsub 33554432 "
                                                      "8388608 60"},
  };
  for (const Case& k : cases) {
    INFO(k.name << " " << k.value);
    Config c;
    CHECK(SetError(c, k.name, k.value, ConfigSource::kStartup) == "OK");
    CHECK(*c.Get(k.name) == k.shown);
  }
  // CONFIG SET of the same values (Redis's "CONFIG sanity" test sets every option to its current value).
  Config c;
  for (const char* name : {"maxmemory", "maxmemory-policy", "maxmemory-clients", "client-query-buffer-limit", "tls-port", "tls-cert-file",
                           "tls-auth-clients", "tls-session-cache-size", "masterauth", "min-replicas-to-write",
                           "client-output-buffer-limit"}) {
    INFO(name);
    CHECK(SetError(c, name, *c.Get(name)) == "OK");
  }
  // The suite's servers set unixsocket to a path: accepted (nothing listens there; main logs so).
  CHECK(SetError(c, "unixsocket", "/tmp/redis.sock", ConfigSource::kStartup) == "OK");
  CHECK(*c.Get("unixsocket") == "/tmp/redis.sock");
}

TEST_CASE("Config-file directives for features redrock does not provide stop the load", "[config]") {
  Config c;
  ConfigLoadError error;
  CHECK_FALSE(LoadConfigText(c, "port 7000\nuser alice on >pw ~* +@all\n", &error).ok());
  CHECK(error.line == 2);
  CHECK(error.text == "user alice on >pw ~* +@all");
  CHECK(error.reason ==
        "redrock does not provide ACL users yet (requirepass sets the password of the default user)");
  CHECK_FALSE(LoadConfigText(c, "rename-command FLUSHALL \"\"\n", &error).ok());
  CHECK(error.reason == "redrock does not provide rename-command yet");
  CHECK_FALSE(LoadConfigText(c, "RENAME-COMMAND CONFIG cfg\n", &error).ok());
  CHECK(error.reason == "redrock does not provide rename-command yet");
  CHECK_FALSE(LoadConfigText(c, "loadmodule /x.so\n", &error).ok());
  CHECK(error.reason == "redrock does not load Redis modules");
  CHECK_FALSE(LoadConfigText(c, "include /etc/redis/other.conf\n", &error).ok());
  CHECK(error.reason == "redrock does not read included config files yet");
  // Not CONFIG SET options in Redis either: the unknown-option reply.
  CHECK(SetError(c, "user", "alice") == "Unknown option or number of arguments for CONFIG SET - 'user'");
  CHECK(SetError(c, "rename-command", "x") == "Unknown option or number of arguments for CONFIG SET - 'rename-command'");
}

TEST_CASE("The options Redis's test suite starts its servers with are accepted", "[config]") {
  // tests/assets/default.conf as server.tcl writes it (one line per option, its own port, dir and
  // unixsocket), plus the overrides of unit/type/set (set-max-intset-entries, and `save` with no value).
  Config c;
  ConfigLoadError error;
  std::string text =
      "always-show-logo yes\nnotify-keyspace-events KEA\ndaemonize no\npidfile /var/run/redis.pid\nport 21111\n"
      "timeout 0\nbind 127.0.0.1\nloglevel verbose\nlogfile ''\ndatabases 16\nlatency-monitor-threshold 1\n"
      "repl-diskless-sync-delay 0\nsave 900 1\nrdbcompression yes\ndbfilename dump.rdb\ndir ./tmp/server.1\n"
      "slave-serve-stale-data yes\nappendonly no\nappendfsync everysec\nno-appendfsync-on-rewrite no\n"
      "activerehashing yes\nenable-protected-configs yes\nenable-debug-command yes\nenable-module-command yes\n"
      "propagation-error-behavior panic\nunixsocket /tmp/server.1/socket\nset-max-intset-entries 512\nsave \n";
  REQUIRE(LoadConfigText(c, text, &error).ok());
  CHECK(*c.Get("notify-keyspace-events") == "AKE");
  CHECK(*c.Get("always-show-logo") == "yes");
  CHECK(*c.Get("save") == "");  // `save` alone clears the save points, as in Redis
  CHECK(c.logfile().empty());
}

}  // namespace
}  // namespace redrock::server
