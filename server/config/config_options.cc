#include "server/config/config_options.h"

#include <array>
#include <limits>

namespace redrock::server::config_internal {
namespace {

constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
constexpr int64_t kUIntMax = std::numeric_limits<uint32_t>::max();
constexpr int64_t kLLMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kIntMin = std::numeric_limits<int32_t>::min();

// What redrock does not provide. Each such option accepts only its default, which leaves the feature off.
constexpr const char* kNoTls = "redrock does not provide TLS yet";
constexpr const char* kNoReplication = "redrock does not provide replication yet";

// Options redrock acts on (kEffective) come first; then the ones it refuses unless they stay off
// (not_provided); the rest are Redis 7.0 options kept only so CONFIG GET returns them. Defaults are the
// ones a stock redis-server 7.0.15 prints, except `bind` (loopback only by design). io-threads 0 means one
// per core, and CONFIG GET then prints the effective number.
constexpr std::array kOptions = {
    // ---- acted on -------------------------------------------------------------------------------
    OptionDef{"port", nullptr, Kind::kInt, "6379", 0, 65535, nullptr, kEffective},
    OptionDef{"bind", nullptr, Kind::kSpecial, "127.0.0.1", 0, 0, nullptr, kMultiArg | kEffective},
    OptionDef{"dir", nullptr, Kind::kString, ".", 0, 0, nullptr, kProtected | kEffective},
    OptionDef{"requirepass", nullptr, Kind::kString, "", 0, 0, nullptr, kEffective},
    OptionDef{"databases", nullptr, Kind::kInt, "16", 1, kIntMax, nullptr, kImmutable | kEffective},
    // redrock's own: the engine's cache of string values for GET (engine/storage/value_cache.h); 0 disables it.
    OptionDef{"value-cache-size", nullptr, Kind::kMemory, "16777216", 0, kLLMax, nullptr, kImmutable | kEffective},
    OptionDef{"appendfsync", nullptr, Kind::kEnum, "everysec", 0, 0, "everysec,always,no", kEffective},
    OptionDef{"maxclients", nullptr, Kind::kInt, "10000", 1, kUIntMax, nullptr, kEffective},
    OptionDef{"timeout", nullptr, Kind::kInt, "0", 0, kIntMax, nullptr, kEffective},
    OptionDef{"loglevel", nullptr, Kind::kEnum, "notice", 0, 0, "debug,verbose,notice,warning,nothing", kEffective},
    OptionDef{"logfile", nullptr, Kind::kString, "", 0, 0, nullptr, kImmutable | kEffective},
    OptionDef{"io-threads", nullptr, Kind::kInt, "1", 0, 128, nullptr, kImmutable | kEffective},
    OptionDef{"proto-max-bulk-len", nullptr, Kind::kMemory, "536870912", 1024 * 1024, kLLMax, nullptr, kEffective},
    OptionDef{"pidfile", nullptr, Kind::kString, "", 0, 0, nullptr, kImmutable | kEffective},
    OptionDef{"protected-mode", nullptr, Kind::kBool, "yes", 0, 0, nullptr, kEffective},
    OptionDef{"tcp-backlog", nullptr, Kind::kInt, "511", 0, kIntMax, nullptr, kImmutable | kEffective},
    OptionDef{"always-show-logo", nullptr, Kind::kBool, "no", 0, 0, nullptr, kImmutable | kEffective},
    OptionDef{"notify-keyspace-events", nullptr, Kind::kSpecial, "", 0, 0, nullptr, kEffective},
    // The pubsub class is enforced; a normal-class limit is refused (NormalizeClientOutputBufferLimit);
    // the replica class has nothing to apply to.
    OptionDef{"client-output-buffer-limit", nullptr, Kind::kSpecial,
              "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", 0, 0, nullptr,
              kMultiArg | kEffective},
    OptionDef{"busy-reply-threshold", "lua-time-limit", Kind::kInt, "5000", 0, kLLMax, nullptr, kEffective},
    // Refuses denyoom commands once used_memory is over it (server/core/memory_limit.h); nothing is evicted.
    OptionDef{"maxmemory", nullptr, Kind::kMemory, "0", 0, kLLMax, nullptr, kEffective},
    // ---- not provided: only the default (off) value is accepted ---------------------------------
    OptionDef{"daemonize", nullptr, Kind::kBool, "no", 0, 0, nullptr, kImmutable,
              "redrock does not daemonize: run it in the foreground under a supervisor (systemd, docker...) or "
              "with the shell's &"},
    OptionDef{"maxmemory-policy", nullptr, Kind::kEnum, "noeviction", 0, 0,
              "volatile-lru,volatile-lfu,volatile-random,volatile-ttl,allkeys-lru,allkeys-lfu,allkeys-random,"
              "noeviction",
              0, "redrock does not evict keys yet: over maxmemory it refuses writes (noeviction)"},
    OptionDef{"maxmemory-clients", nullptr, Kind::kMemory, "0", 0, kLLMax, nullptr, 0,
              "redrock does not provide maxmemory-clients (a memory limit for all clients) yet"},
    OptionDef{"client-query-buffer-limit", nullptr, Kind::kMemory, "1073741824", 1024 * 1024, kLLMax, nullptr, 0,
              "redrock does not enforce client-query-buffer-limit yet"},
    OptionDef{"unixsocketperm", nullptr, Kind::kString, "0", 0, 0, nullptr, kImmutable,
              "redrock does not listen on Unix sockets yet"},
    OptionDef{"aclfile", nullptr, Kind::kString, "", 0, 0, nullptr, kImmutable,
              "redrock does not provide ACL users yet (requirepass sets the password of the default user)"},
    OptionDef{"replicaof", "slaveof", Kind::kString, "", 0, 0, nullptr, kImmutable | kMultiArg, kNoReplication},
    OptionDef{"masterauth", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoReplication},
    OptionDef{"masteruser", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoReplication},
    OptionDef{"min-replicas-to-write", "min-slaves-to-write", Kind::kInt, "0", 0, kIntMax, nullptr, 0,
              kNoReplication},
    OptionDef{"cluster-enabled", nullptr, Kind::kBool, "no", 0, 0, nullptr, kImmutable,
              "redrock does not provide cluster mode yet"},
    OptionDef{"tls-port", nullptr, Kind::kInt, "0", 0, 65535, nullptr, 0, kNoTls},
    OptionDef{"tls-cert-file", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-key-file", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-key-file-pass", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-client-cert-file", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-client-key-file", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-client-key-file-pass", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-dh-params-file", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-ca-cert-file", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-ca-cert-dir", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-protocols", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-ciphers", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-ciphersuites", nullptr, Kind::kString, "", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-auth-clients", nullptr, Kind::kEnum, "yes", 0, 0, "no,yes,optional", 0, kNoTls},
    OptionDef{"tls-prefer-server-ciphers", nullptr, Kind::kBool, "no", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-session-caching", nullptr, Kind::kBool, "yes", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-session-cache-size", nullptr, Kind::kInt, "20480", 0, kIntMax, nullptr, 0, kNoTls},
    OptionDef{"tls-session-cache-timeout", nullptr, Kind::kInt, "300", 0, kIntMax, nullptr, 0, kNoTls},
    OptionDef{"tls-replication", nullptr, Kind::kBool, "no", 0, 0, nullptr, 0, kNoTls},
    OptionDef{"tls-cluster", nullptr, Kind::kBool, "no", 0, 0, nullptr, 0, kNoTls},
    // ---- kept only so CONFIG GET returns them; no effect -----------------------------------------
    OptionDef{"save", nullptr, Kind::kSpecial, "3600 1 300 100 60 10000", 0, 0, nullptr, kMultiArg},
    OptionDef{"appendonly", nullptr, Kind::kBool, "no"},
    OptionDef{"supervised", nullptr, Kind::kEnum, "no", 0, 0, "upstart,systemd,auto,no", kImmutable},
    OptionDef{"tcp-keepalive", nullptr, Kind::kInt, "300", 0, kIntMax},
    OptionDef{"hz", nullptr, Kind::kInt, "10", 0, kIntMax, nullptr, kClamp},
    OptionDef{"dynamic-hz", nullptr, Kind::kBool, "yes"},
    OptionDef{"maxmemory-samples", nullptr, Kind::kInt, "5", 1, 64},
    OptionDef{"maxmemory-eviction-tenacity", nullptr, Kind::kInt, "10", 0, 100},
    OptionDef{"lazyfree-lazy-eviction", nullptr, Kind::kBool, "no"},
    OptionDef{"lazyfree-lazy-expire", nullptr, Kind::kBool, "no"},
    OptionDef{"lazyfree-lazy-server-del", nullptr, Kind::kBool, "no"},
    OptionDef{"lazyfree-lazy-user-del", nullptr, Kind::kBool, "no"},
    OptionDef{"lazyfree-lazy-user-flush", nullptr, Kind::kBool, "no"},
    OptionDef{"hash-max-listpack-entries", "hash-max-ziplist-entries", Kind::kInt, "512", 0, kLLMax},
    OptionDef{"hash-max-listpack-value", "hash-max-ziplist-value", Kind::kMemory, "64", 0, kLLMax},
    OptionDef{"set-max-intset-entries", nullptr, Kind::kInt, "512", 0, kLLMax},
    OptionDef{"zset-max-listpack-entries", "zset-max-ziplist-entries", Kind::kInt, "128", 0, kLLMax},
    OptionDef{"zset-max-listpack-value", "zset-max-ziplist-value", Kind::kMemory, "64", 0, kLLMax},
    OptionDef{"list-max-listpack-size", "list-max-ziplist-size", Kind::kInt, "-2", kIntMin, kIntMax},
    OptionDef{"list-compress-depth", nullptr, Kind::kInt, "0", 0, kIntMax},
    OptionDef{"stream-node-max-bytes", nullptr, Kind::kMemory, "4096", 0, kLLMax},
    OptionDef{"stream-node-max-entries", nullptr, Kind::kInt, "100", 0, kLLMax},
    OptionDef{"hll-sparse-max-bytes", nullptr, Kind::kMemory, "3000", 0, kLLMax},
    OptionDef{"slowlog-log-slower-than", nullptr, Kind::kInt, "10000", -1, kLLMax},
    OptionDef{"slowlog-max-len", nullptr, Kind::kInt, "128", 0, kLLMax},
    OptionDef{"latency-monitor-threshold", nullptr, Kind::kInt, "0", 0, kLLMax},
    OptionDef{"latency-tracking", nullptr, Kind::kBool, "yes"},
    OptionDef{"latency-tracking-info-percentiles", nullptr, Kind::kSpecial, "50 99 99.9", 0, 0, nullptr,
              kMultiArg},
    OptionDef{"activerehashing", nullptr, Kind::kBool, "yes"},
    OptionDef{"activedefrag", nullptr, Kind::kBool, "no"},
    OptionDef{"active-expire-effort", nullptr, Kind::kInt, "1", 1, 10},
    OptionDef{"dbfilename", nullptr, Kind::kString, "dump.rdb", 0, 0, nullptr, kProtected},
    OptionDef{"appendfilename", nullptr, Kind::kString, "appendonly.aof", 0, 0, nullptr, kImmutable},
    OptionDef{"appenddirname", nullptr, Kind::kString, "appendonlydir", 0, 0, nullptr, kImmutable},
    OptionDef{"rdbcompression", nullptr, Kind::kBool, "yes"},
    OptionDef{"rdbchecksum", nullptr, Kind::kBool, "yes"},
    OptionDef{"rdb-del-sync-files", nullptr, Kind::kBool, "no"},
    OptionDef{"rdb-save-incremental-fsync", nullptr, Kind::kBool, "yes"},
    OptionDef{"stop-writes-on-bgsave-error", nullptr, Kind::kBool, "yes"},
    OptionDef{"no-appendfsync-on-rewrite", nullptr, Kind::kBool, "no"},
    OptionDef{"auto-aof-rewrite-percentage", nullptr, Kind::kInt, "100", 0, kIntMax},
    OptionDef{"auto-aof-rewrite-min-size", nullptr, Kind::kMemory, "67108864", 0, kLLMax},
    OptionDef{"aof-load-truncated", nullptr, Kind::kBool, "yes"},
    OptionDef{"aof-use-rdb-preamble", nullptr, Kind::kBool, "yes"},
    OptionDef{"aof-rewrite-incremental-fsync", nullptr, Kind::kBool, "yes"},
    OptionDef{"aof-timestamp-enabled", nullptr, Kind::kBool, "no"},
    OptionDef{"replica-serve-stale-data", "slave-serve-stale-data", Kind::kBool, "yes"},
    OptionDef{"replica-read-only", "slave-read-only", Kind::kBool, "yes"},
    OptionDef{"replica-lazy-flush", "slave-lazy-flush", Kind::kBool, "no"},
    OptionDef{"replica-priority", "slave-priority", Kind::kInt, "100", 0, kIntMax},
    OptionDef{"replica-ignore-maxmemory", "slave-ignore-maxmemory", Kind::kBool, "yes"},
    OptionDef{"replica-announce-ip", "slave-announce-ip", Kind::kString, ""},
    OptionDef{"replica-announce-port", "slave-announce-port", Kind::kInt, "0", 0, 65535},
    OptionDef{"replica-announced", nullptr, Kind::kBool, "yes"},
    OptionDef{"replica-ignore-disk-write-errors", nullptr, Kind::kBool, "no"},
    OptionDef{"repl-ping-replica-period", "repl-ping-slave-period", Kind::kInt, "10", 1, kIntMax},
    OptionDef{"repl-timeout", nullptr, Kind::kInt, "60", 1, kIntMax},
    OptionDef{"repl-backlog-size", nullptr, Kind::kMemory, "1048576", 1, kLLMax},
    OptionDef{"repl-backlog-ttl", nullptr, Kind::kInt, "3600", 0, kIntMax},
    OptionDef{"repl-diskless-sync", nullptr, Kind::kBool, "yes"},
    OptionDef{"repl-diskless-sync-delay", nullptr, Kind::kInt, "5", 0, kIntMax},
    OptionDef{"repl-diskless-sync-max-replicas", nullptr, Kind::kInt, "0", 0, kIntMax},
    OptionDef{"repl-diskless-load", nullptr, Kind::kEnum, "disabled", 0, 0, "disabled,on-empty-db,swapdb"},
    OptionDef{"repl-disable-tcp-nodelay", nullptr, Kind::kBool, "no"},
    OptionDef{"min-replicas-max-lag", "min-slaves-max-lag", Kind::kInt, "10", 0, kIntMax},
    OptionDef{"enable-debug-command", nullptr, Kind::kEnum, "no", 0, 0, "no,yes,local", kImmutable},
    OptionDef{"enable-module-command", nullptr, Kind::kEnum, "no", 0, 0, "no,yes,local", kImmutable},
    OptionDef{"enable-protected-configs", nullptr, Kind::kEnum, "no", 0, 0, "no,yes,local", kImmutable},
    OptionDef{"set-proc-title", nullptr, Kind::kBool, "yes", 0, 0, nullptr, kImmutable},
    OptionDef{"syslog-enabled", nullptr, Kind::kBool, "no", 0, 0, nullptr, kImmutable},
    OptionDef{"syslog-ident", nullptr, Kind::kString, "redis", 0, 0, nullptr, kImmutable},
    OptionDef{"syslog-facility", nullptr, Kind::kEnum, "local0", 0, 0,
              "user,local0,local1,local2,local3,local4,local5,local6,local7", kImmutable},
    OptionDef{"crash-log-enabled", nullptr, Kind::kBool, "yes"},
    OptionDef{"crash-memcheck-enabled", nullptr, Kind::kBool, "yes"},
    OptionDef{"disable-thp", nullptr, Kind::kBool, "yes", 0, 0, nullptr, kImmutable},
    OptionDef{"jemalloc-bg-thread", nullptr, Kind::kBool, "yes"},
    OptionDef{"io-threads-do-reads", nullptr, Kind::kBool, "no", 0, 0, nullptr, kImmutable},
    // Accepted although redrock creates no Unix socket: Redis's test suite sets it for every server it
    // starts. Nothing listens at the path (clients that try it fail to connect; nothing is exposed), and
    // the startup log says so (main.cc). unixsocketperm is refused above.
    OptionDef{"unixsocket", nullptr, Kind::kString, "", 0, 0, nullptr, kImmutable},
    OptionDef{"acllog-max-len", nullptr, Kind::kInt, "128", 0, kLLMax},
    OptionDef{"acl-pubsub-default", nullptr, Kind::kEnum, "resetchannels", 0, 0, "allchannels,resetchannels"},
    OptionDef{"lfu-log-factor", nullptr, Kind::kInt, "10", 0, kIntMax},
    OptionDef{"lfu-decay-time", nullptr, Kind::kInt, "1", 0, kIntMax},
    OptionDef{"oom-score-adj", nullptr, Kind::kEnum, "no", 0, 0, "no,yes,relative,absolute"},
    OptionDef{"oom-score-adj-values", nullptr, Kind::kString, "0 200 800", 0, 0, nullptr, kMultiArg},
    OptionDef{"tracking-table-max-keys", nullptr, Kind::kInt, "1000000", 0, kLLMax},
    OptionDef{"shutdown-timeout", nullptr, Kind::kInt, "10", 0, kIntMax},
    OptionDef{"shutdown-on-sigint", nullptr, Kind::kEnum, "default", 0, 0, "default,save,nosave,now,force"},
    OptionDef{"shutdown-on-sigterm", nullptr, Kind::kEnum, "default", 0, 0, "default,save,nosave,now,force"},
    OptionDef{"propagation-error-behavior", nullptr, Kind::kEnum, "ignore", 0, 0,
              "ignore,panic,panic-on-replicas"},
    OptionDef{"sanitize-dump-payload", nullptr, Kind::kEnum, "no", 0, 0, "no,yes,clients"},
    OptionDef{"proc-title-template", nullptr, Kind::kString, "{title} {listen-addr} {server-mode}"},
    OptionDef{"ignore-warnings", nullptr, Kind::kString, ""},
};

}  // namespace

constexpr std::array kRefusedDirectives = {
    RefusedDirective{"user", "redrock does not provide ACL users yet (requirepass sets the password of the "
                             "default user)"},
    RefusedDirective{"rename-command", "redrock does not provide rename-command yet"},
    RefusedDirective{"loadmodule", "redrock does not load Redis modules"},
    RefusedDirective{"include", "redrock does not read included config files yet"},
};

std::span<const OptionDef> AllOptions() { return kOptions; }
std::span<const RefusedDirective> RefusedDirectives() { return kRefusedDirectives; }

}  // namespace redrock::server::config_internal
