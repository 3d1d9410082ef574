// INFO [section ...]: Redis 7.0's sections and field names. Fields with no meaning in redrock (fork,
// replication, defrag...) are reported with the values an idle standalone Redis shows, since monitoring
// tools parse them.

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "redrock/engine/engine.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/client_info.h"
#include "server/commands/server_families.h"
#include "redrock/server/config.h"
#include "server/scripting/scripting.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

// Redis bytesToHuman.
std::string BytesToHuman(uint64_t n) {
  double d = static_cast<double>(n);
  if (n < 1024) return fmt::format("{}B", n);
  static constexpr std::array<char, 6> kUnits = {'K', 'M', 'G', 'T', 'P', 'E'};
  double scale = 1024.0;
  for (char unit : kUnits) {
    if (d < scale * 1024.0 || unit == 'E') return fmt::format("{:.2f}{}", d / scale, unit);
    scale *= 1024.0;
  }
  return fmt::format("{}B", n);
}

uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t TotalSystemMemory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(size) : 0;
}

std::string Seconds(const struct timeval& tv) {
  return fmt::format("{}.{:06d}", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
}

std::atomic<uint64_t> g_peak_memory{0};

// Redis getSafeInfoString: a name printed as "name:value" has its '#', ':', CR and LF made '_'.
std::string SafeInfoName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '#' || c == ':' || c == '\r' || c == '\n') c = '_';
  }
  return out;
}

struct InfoBuilder {
  std::string out;
  void Section(std::string_view title) {
    if (!out.empty()) out += "\r\n";
    out += "# ";
    out += title;
    out += "\r\n";
  }
  template <typename T>
  void Field(std::string_view name, const T& value) {
    fmt::format_to(std::back_inserter(out), "{}:{}\r\n", name, value);
  }
};

void ServerSection(const CommandContext& ctx, InfoBuilder& b) {
  const ServerState& s = ctx.server;
  struct utsname name;
  std::string os = "Linux";
  if (uname(&name) == 0) os = fmt::format("{} {} {}", name.sysname, name.release, name.machine);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  int64_t uptime = std::max<int64_t>(0, (now_us / 1000 - s.start_time_ms) / 1000);
  b.Section("Server");
  b.Field("redis_version", kRedisVersion);
  b.Field("redis_git_sha1", "00000000");
  b.Field("redis_git_dirty", 0);
  b.Field("redis_build_id", "0");
  b.Field("redis_mode", "standalone");
  b.Field("os", os);
  b.Field("arch_bits", sizeof(void*) * 8);
  b.Field("monotonic_clock", "POSIX clock_gettime");
  b.Field("multiplexing_api", "epoll");
  b.Field("atomicvar_api", "c11-builtin");
#if defined(__GNUC__) && !defined(__clang__)
  b.Field("gcc_version", fmt::format("{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__));
#else
  b.Field("gcc_version", "0.0.0");
#endif
  b.Field("process_id", getpid());
  b.Field("process_supervised", "no");
  b.Field("run_id", s.run_id);
  b.Field("tcp_port", s.tcp_port);
  b.Field("server_time_usec", now_us);
  b.Field("uptime_in_seconds", uptime);
  b.Field("uptime_in_days", uptime / 86400);
  std::string hz = s.config.Get("hz").value_or("10");
  b.Field("hz", hz);
  b.Field("configured_hz", hz);
  b.Field("lru_clock", (now_us / 1000000) & ((1 << 24) - 1));
  b.Field("executable", s.executable);
  b.Field("config_file", s.config_file);
  b.Field("io_threads_active", 0);
  b.Field("redrock_version", kRedrockVersion);
}

void ClientsSection(const CommandContext& ctx, InfoBuilder& b) {
  b.Section("Clients");
  b.Field("connected_clients", ctx.server.clients.Count());
  b.Field("cluster_connections", 0);
  b.Field("maxclients", ctx.server.config.maxclients());
  b.Field("client_recent_max_input_buffer", 0);
  b.Field("client_recent_max_output_buffer", 0);
  b.Field("blocked_clients", static_cast<int64_t>(ctx.server.blocking.blocked_clients()));
  b.Field("tracking_clients", 0);
  b.Field("clients_in_timeout_table", 0);
}

void MemorySection(const CommandContext& ctx, const engine::EngineStats& stats, InfoBuilder& b) {
  uint64_t used = stats.memory_bytes;
  uint64_t rss = RssBytes();
  uint64_t peak = g_peak_memory.load();
  while (used > peak && !g_peak_memory.compare_exchange_weak(peak, used)) {
  }
  peak = std::max(peak, used);
  uint64_t maxmemory = 0;
  if (auto v = ctx.server.config.Get("maxmemory")) maxmemory = std::stoull(*v);
  uint64_t total = TotalSystemMemory();
  b.Section("Memory");
  // Redis 7.0's fields in its order. The allocator_* and rss_* breakdowns are jemalloc's; with
  // mem_allocator:libc Redis itself prints them as 0 (and ratios of 0), as here.
  b.Field("used_memory", used);
  b.Field("used_memory_human", BytesToHuman(used));
  b.Field("used_memory_rss", rss);
  b.Field("used_memory_rss_human", BytesToHuman(rss));
  b.Field("used_memory_peak", peak);
  b.Field("used_memory_peak_human", BytesToHuman(peak));
  b.Field("used_memory_peak_perc", fmt::format("{:.2f}%", peak ? 100.0 * used / peak : 100.0));
  b.Field("used_memory_overhead", 0);
  b.Field("used_memory_startup", 0);
  b.Field("used_memory_dataset", used);
  b.Field("used_memory_dataset_perc", "100.00%");
  b.Field("allocator_allocated", 0);
  b.Field("allocator_active", 0);
  b.Field("allocator_resident", 0);
  b.Field("total_system_memory", total);
  b.Field("total_system_memory_human", BytesToHuman(total));
  b.Field("used_memory_lua", 0);
  b.Field("used_memory_vm_eval", 0);
  b.Field("used_memory_lua_human", "0B");
  b.Field("used_memory_scripts_eval", 0);
  // Scripts change only under the exec gate held exclusively; INFO holds it shared.
  Scripting& scripting = *ctx.server.scripting;
  b.Field("number_of_cached_scripts", scripting.eval().size());
  b.Field("number_of_functions", scripting.functions().function_count());
  b.Field("number_of_libraries", scripting.functions().libraries().size());
  b.Field("used_memory_vm_functions", 0);
  b.Field("used_memory_vm_total", 0);
  b.Field("used_memory_vm_total_human", "0B");
  b.Field("used_memory_functions", 0);
  b.Field("used_memory_scripts", 0);
  b.Field("used_memory_scripts_human", "0B");
  b.Field("maxmemory", maxmemory);
  b.Field("maxmemory_human", BytesToHuman(maxmemory));
  b.Field("maxmemory_policy", ctx.server.config.Get("maxmemory-policy").value_or("noeviction"));
  b.Field("allocator_frag_ratio", "0.00");
  b.Field("allocator_frag_bytes", 0);
  b.Field("allocator_rss_ratio", "0.00");
  b.Field("allocator_rss_bytes", 0);
  b.Field("rss_overhead_ratio", "0.00");
  b.Field("rss_overhead_bytes", 0);
  b.Field("mem_fragmentation_ratio", fmt::format("{:.2f}", used ? static_cast<double>(rss) / used : 0.0));
  b.Field("mem_fragmentation_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
  b.Field("mem_not_counted_for_evict", 0);
  b.Field("mem_replication_backlog", 0);
  b.Field("mem_total_replication_buffers", 0);
  b.Field("mem_clients_slaves", 0);
  b.Field("mem_clients_normal", 0);
  b.Field("mem_cluster_links", 0);
  b.Field("mem_aof_buffer", 0);
  b.Field("mem_allocator", "libc");
  b.Field("active_defrag_running", 0);
  b.Field("lazyfree_pending_objects", 0);
  b.Field("lazyfreed_objects", 0);
  b.Field("used_disk", stats.disk_bytes);
  b.Field("used_disk_human", BytesToHuman(stats.disk_bytes));
}

void PersistenceSection(const CommandContext& ctx, const engine::EngineStats& stats, InfoBuilder& b) {
  b.Section("Persistence");
  b.Field("loading", 0);
  b.Field("async_loading", 0);
  b.Field("current_cow_peak", 0);
  b.Field("current_cow_size", 0);
  b.Field("current_cow_size_age", 0);
  b.Field("current_fork_perc", "0.00");
  b.Field("current_save_keys_processed", 0);
  b.Field("current_save_keys_total", 0);
  b.Field("rdb_changes_since_last_save", 0);
  b.Field("rdb_bgsave_in_progress", 0);
  b.Field("rdb_last_save_time", LastSaveTime(ctx.server));
  b.Field("rdb_last_bgsave_status", stats.writes_failing ? "err" : "ok");
  b.Field("rdb_last_bgsave_time_sec", -1);
  b.Field("rdb_current_bgsave_time_sec", -1);
  b.Field("rdb_saves", 0);
  b.Field("rdb_last_cow_size", 0);
  b.Field("rdb_last_load_keys_expired", 0);
  b.Field("rdb_last_load_keys_loaded", 0);
  b.Field("aof_enabled", 0);
  b.Field("aof_rewrite_in_progress", 0);
  b.Field("aof_rewrite_scheduled", 0);
  b.Field("aof_last_rewrite_time_sec", -1);
  b.Field("aof_current_rewrite_time_sec", -1);
  b.Field("aof_last_bgrewrite_status", "ok");
  b.Field("aof_rewrites", 0);
  b.Field("aof_rewrites_consecutive_failures", 0);
  b.Field("aof_last_write_status", stats.writes_failing ? "err" : "ok");
  b.Field("aof_last_cow_size", 0);
  b.Field("module_fork_in_progress", 0);
  b.Field("module_fork_last_cow_size", 0);
  b.Field("wal_sync", ctx.server.config.appendfsync());
  b.Field("write_errors", stats.write_errors);
}

void StatsSection(const CommandContext& ctx, const engine::EngineStats& stats, InfoBuilder& b) {
  const ServerStats& st = ctx.server.stats;
  b.Section("Stats");
  b.Field("total_connections_received", st.total_connections_received.load());
  b.Field("total_commands_processed", st.total_commands_processed.load());
  b.Field("instantaneous_ops_per_sec", 0);
  b.Field("total_net_input_bytes", st.total_net_input_bytes.load());
  b.Field("total_net_output_bytes", st.total_net_output_bytes.load());
  b.Field("total_net_repl_input_bytes", 0);
  b.Field("total_net_repl_output_bytes", 0);
  b.Field("instantaneous_input_kbps", "0.00");
  b.Field("instantaneous_output_kbps", "0.00");
  b.Field("instantaneous_input_repl_kbps", "0.00");
  b.Field("instantaneous_output_repl_kbps", "0.00");
  b.Field("rejected_connections", st.rejected_connections.load());
  b.Field("sync_full", 0);
  b.Field("sync_partial_ok", 0);
  b.Field("sync_partial_err", 0);
  b.Field("expired_keys", st.ExpiredKeys(stats));
  b.Field("expired_stale_perc", "0.00");
  b.Field("expired_time_cap_reached_count", 0);
  b.Field("expire_cycle_cpu_milliseconds", 0);
  b.Field("evicted_keys", 0);
  b.Field("evicted_clients", 0);
  b.Field("total_eviction_exceeded_time", 0);
  b.Field("current_eviction_exceeded_time", 0);
  b.Field("keyspace_hits", st.KeyspaceHits(stats));
  b.Field("keyspace_misses", st.KeyspaceMisses(stats));
  b.Field("pubsub_channels", ctx.server.pubsub.ChannelCount());
  b.Field("pubsub_patterns", ctx.server.pubsub.PatternCount());
  b.Field("pubsubshard_channels", ctx.server.pubsub.ShardChannelCount());
  b.Field("latest_fork_usec", 0);
  b.Field("total_forks", 0);
  b.Field("migrate_cached_sockets", 0);
  b.Field("slave_expires_tracked_keys", 0);
  b.Field("active_defrag_hits", 0);
  b.Field("active_defrag_misses", 0);
  b.Field("active_defrag_key_hits", 0);
  b.Field("active_defrag_key_misses", 0);
  b.Field("total_active_defrag_time", 0);
  b.Field("current_active_defrag_time", 0);
  b.Field("tracking_total_keys", 0);
  b.Field("tracking_total_items", 0);
  b.Field("tracking_total_prefixes", 0);
  b.Field("unexpected_error_replies", 0);
  b.Field("total_error_replies", st.total_error_replies.load());
  b.Field("dump_payload_sanitizations", 0);
  b.Field("total_reads_processed", 0);
  b.Field("total_writes_processed", 0);
  b.Field("io_threaded_reads_processed", 0);
  b.Field("io_threaded_writes_processed", 0);
  b.Field("reply_buffer_shrinks", 0);
  b.Field("reply_buffer_expands", 0);
}

void ReplicationSection(const CommandContext& ctx, InfoBuilder& b) {
  b.Section("Replication");
  b.Field("role", "master");
  b.Field("connected_slaves", 0);
  b.Field("master_failover_state", "no-failover");
  b.Field("master_replid", ctx.server.run_id);
  b.Field("master_replid2", std::string(40, '0'));
  b.Field("master_repl_offset", 0);
  b.Field("second_repl_offset", -1);
  b.Field("repl_backlog_active", 0);
  b.Field("repl_backlog_size", ctx.server.config.Get("repl-backlog-size").value_or("1048576"));
  b.Field("repl_backlog_first_byte_offset", 0);
  b.Field("repl_backlog_histlen", 0);
}

void CpuSection(InfoBuilder& b) {
  struct rusage self, children, thread;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  b.Section("CPU");
  b.Field("used_cpu_sys", Seconds(self.ru_stime));
  b.Field("used_cpu_user", Seconds(self.ru_utime));
  b.Field("used_cpu_sys_children", Seconds(children.ru_stime));
  b.Field("used_cpu_user_children", Seconds(children.ru_utime));
  b.Field("used_cpu_sys_main_thread", Seconds(thread.ru_stime));
  b.Field("used_cpu_user_main_thread", Seconds(thread.ru_utime));
}

void CommandstatsSection(const CommandContext& ctx, InfoBuilder& b) {
  b.Section("Commandstats");
  // Redis lists the commands that were called, failed or rejected (a container's subcommands follow
  // it as "container|sub"), in its dict's order; ours is registration order.
  auto line = [&](const CommandSpec& spec) {
    if (spec.stats == nullptr) return;
    const uint64_t calls = spec.stats->calls.load(std::memory_order_relaxed);
    const uint64_t usec = spec.stats->usec.load(std::memory_order_relaxed);
    const uint64_t rejected = spec.stats->rejected_calls.load(std::memory_order_relaxed);
    const uint64_t failed = spec.stats->failed_calls.load(std::memory_order_relaxed);
    if (calls == 0 && rejected == 0 && failed == 0) return;
    // Redis divides as floats.
    const double per_call = calls == 0 ? 0.0 : static_cast<double>(static_cast<float>(usec) / calls);
    fmt::format_to(std::back_inserter(b.out),
                   "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},failed_calls={}\r\n",
                   spec.FullName(), calls, usec, per_call, rejected, failed);
  };
  for (const auto& command : ctx.table.commands()) {
    line(*command);
    for (const CommandSpec& sub : command->subcommands) line(sub);
  }
}

void ErrorstatsSection(const CommandContext& ctx, InfoBuilder& b) {
  b.Section("Errorstats");
  for (const auto& [code, count] : ctx.server.stats.errors.Snapshot()) {
    fmt::format_to(std::back_inserter(b.out), "errorstat_{}:count={}\r\n", SafeInfoName(code), count);
  }
}

void KeyspaceSection(const CommandContext& ctx, InfoBuilder& b) {
  b.Section("Keyspace");
  int databases = ctx.engine().options().databases;
  for (int db = 0; db < databases; ++db) {
    engine::KeyspaceInfo info = ctx.engine().Keyspace(db);
    if (info.keys == 0 && info.expires == 0) continue;
    b.out += fmt::format("db{}:keys={},expires={},avg_ttl={}\r\n", db, info.keys, info.expires, info.avg_ttl_ms);
  }
}

enum Section : uint32_t {
  kServer = 1 << 0,
  kClients = 1 << 1,
  kMemory = 1 << 2,
  kPersistence = 1 << 3,
  kStats = 1 << 4,
  kReplication = 1 << 5,
  kCpu = 1 << 6,
  kModules = 1 << 7,
  kCommandstats = 1 << 8,
  kErrorstats = 1 << 9,
  kLatencystats = 1 << 10,
  kCluster = 1 << 11,
  kKeyspace = 1 << 12,
};
constexpr uint32_t kDefault = kServer | kClients | kMemory | kPersistence | kStats | kReplication | kCpu |
                              kModules | kErrorstats | kCluster | kKeyspace;
constexpr uint32_t kAll = kDefault | kCommandstats | kLatencystats;

uint32_t SectionBits(std::string_view name) {
  // As Redis 7.0's genInfoSectionDict: "default" adds the default sections; "all" and "everything"
  // are every section (they differ only for modules' own sections, which redrock has none of).
  static constexpr std::pair<std::string_view, uint32_t> kNames[] = {
      {"server", kServer},         {"clients", kClients},           {"memory", kMemory},
      {"persistence", kPersistence}, {"stats", kStats},             {"replication", kReplication},
      {"cpu", kCpu},               {"modules", kModules},           {"module_list", kModules},
      {"commandstats", kCommandstats}, {"errorstats", kErrorstats}, {"latencystats", kLatencystats},
      {"cluster", kCluster},       {"keyspace", kKeyspace},         {"default", kDefault},
      {"all", kAll},               {"everything", kAll},
  };
  for (const auto& [n, bits] : kNames) {
    if (EqualsIgnoreCase(n, name)) return bits;
  }
  return 0;
}

// INFO [section [section ...]]
void InfoCommand(CommandContext& ctx) {
  uint32_t sections = 0;
  if (ctx.argc() == 1) sections = kDefault;
  for (size_t i = 1; i < ctx.argc(); ++i) sections |= SectionBits(ctx.argv[i]);

  InfoBuilder b;
  engine::EngineStats stats;
  if (sections & (kMemory | kPersistence | kStats)) stats = ctx.engine().Stats();
  if (sections & kServer) ServerSection(ctx, b);
  if (sections & kClients) ClientsSection(ctx, b);
  if (sections & kMemory) MemorySection(ctx, stats, b);
  if (sections & kPersistence) PersistenceSection(ctx, stats, b);
  if (sections & kStats) StatsSection(ctx, stats, b);
  if (sections & kReplication) ReplicationSection(ctx, b);
  if (sections & kCpu) CpuSection(b);
  if (sections & kModules) b.Section("Modules");
  if (sections & kCommandstats) CommandstatsSection(ctx, b);
  if (sections & kErrorstats) ErrorstatsSection(ctx, b);
  if (sections & kLatencystats) b.Section("Latencystats");
  if (sections & kCluster) {
    b.Section("Cluster");
    b.Field("cluster_enabled", 0);
  }
  if (sections & kKeyspace) KeyspaceSection(ctx, b);
  ctx.reply.Verbatim(b.out);
}

}  // namespace

void RegisterInfoCommand(CommandTable& table) {
  table.Bind("info", InfoCommand);
}

}  // namespace redrock::server
