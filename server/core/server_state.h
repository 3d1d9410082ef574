#pragma once
// State shared by every connection of one server: the engine, config, client registry, statistics and
// the exec gate. Constructible without sockets, so commands can be tested in process.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/core/blocking.h"
#include "server/core/client_state.h"
#include "server/core/exec_gate.h"
#include "server/core/memory_limit.h"
#include "server/events/pubsub.h"
#include "server/txn/watch.h"

namespace redrock::engine {
class Engine;
struct EngineStats;
}  // namespace redrock::engine

namespace redrock::server {

class Config;
class ServerKeyEvents;  // server/events/key_event_sink.h
class Scripting;        // server/scripting/scripting.h

// Live clients, for CLIENT LIST / KILL and INFO clients.
class ClientRegistry {
 public:
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  // `close` is called (from any thread) to close that client's connection; it must be thread-safe.
  void Add(ClientState* client, std::function<void()> close);
  void Remove(ClientState* client);
  size_t Count() const;

  // Calls f(client, close) for each client under the registry lock. A `close` that f calls runs after
  // the lock is released, once every client has been visited.
  void ForEach(const std::function<void(ClientState&, const std::function<void()>&)>& f) const;
  // Name fields of ClientState are written under this mutex.
  std::mutex& mutex() const { return mu_; }

 private:
  mutable std::mutex mu_;
  std::atomic<uint64_t> next_id_{1};
  std::unordered_map<ClientState*, std::function<void()>> clients_;
};

// INFO errorstats: how many error replies carried each error code (the first word of the error:
// ERR, WRONGTYPE, NOAUTH...).
class ErrorStats {
 public:
  // Counts one error reply whose text (without the leading '-') is `error`: its code is the text up
  // to the first space within Redis's 32-byte window, else "ERR", as Redis's afterErrorReply reads it.
  void Count(std::string_view error);
  // (code, count) in code order, as Redis's rax iterates them.
  std::vector<std::pair<std::string, uint64_t>> Snapshot() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t, std::less<>> counts_;
};

struct ServerStats {
  std::atomic<uint64_t> total_connections_received{0};
  std::atomic<uint64_t> total_commands_processed{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> total_net_input_bytes{0};
  std::atomic<uint64_t> total_net_output_bytes{0};
  // keyspace_hits / keyspace_misses and expired_keys are counted by the engine (engine::EngineStats:
  // each read lookup of a key, as Redis's lookupKeyRead counts them, whoever runs the command: a client,
  // EXEC, a script; each key expired, lazily or actively). These are the engine's counts when the server
  // state was created or CONFIG RESETSTAT last ran; INFO reports the engine's counts minus them.
  std::atomic<uint64_t> keyspace_hits_base{0};
  std::atomic<uint64_t> keyspace_misses_base{0};
  std::atomic<uint64_t> expired_keys_base{0};
  std::atomic<uint64_t> total_error_replies{0};
  ErrorStats errors;

  // Takes the engine's current keyspace hit, miss and expired-key counts as the new zero.
  void ResetKeyspaceCounts(const engine::EngineStats& now);
  // INFO's keyspace_hits / keyspace_misses / expired_keys from the engine's counts.
  uint64_t KeyspaceHits(const engine::EngineStats& now) const;
  uint64_t KeyspaceMisses(const engine::EngineStats& now) const;
  uint64_t ExpiredKeys(const engine::EngineStats& now) const;
};

struct ServerState {
  ServerState(engine::Engine& engine, Config& config);
  // Detaches the key-event sink from the engine (before any member is destroyed).
  ~ServerState();

  engine::Engine& engine;
  Config& config;
  ClientRegistry clients;
  ServerStats stats;
  int64_t start_time_ms = 0;  // wall clock
  uint16_t tcp_port = 0;      // the port actually bound (INFO server)
  std::string run_id;         // 40 hex chars, random per start
  std::string executable;     // absolute path of the binary, if known
  std::string config_file;    // absolute path of the config file, if any

  // maxmemory (server/core/memory_limit.h): over it, commands that may grow memory get Redis's OOM error.
  MemoryLimit memory{engine, config};

  // Every command holds this shared; EXEC (and other kCmdExclusive commands) hold it exclusively, so no
  // client ever sees half a transaction.
  mutable ExecGate exec_gate;

  // Clients blocked in BLPOP & co., and the wake-ups that list pushes send them.
  BlockingRegistry blocking;

  // notify-keyspace-events as NotifyClass bits (server/events/notify.h); 0 = off. Written by CONFIG SET and the
  // config file, read on every write command.
  std::atomic<uint32_t> notify_keyspace_events{0};
  // Keeps notify_keyspace_events following the config (server/events/notify.h); set by the constructor.
  std::shared_ptr<void> notify_follow;

  // Set by the server: runs a job on one of the script threads (see ClientState::defer_scripts). Empty
  // (in-process tests): scripts run on the caller's thread.
  std::function<void(std::function<void()>)> run_script_job;

  // Set by the server: SHUTDOWN calls it to stop the process's server gracefully.
  std::function<void()> request_shutdown;

  // Pub/sub channels, patterns and their subscribers.
  PubSub pubsub{config};

  // Lua scripting and Functions (server/scripting/scripting.h); created by the constructor, which loads
  // the persisted function libraries from the engine's directory.
  std::shared_ptr<Scripting> scripting;

  // WATCH: watched keys and their clients. The engine's key events reach it through key_events, which
  // the constructor attaches to the engine (declared last: attached once everything it uses exists) and
  // the destructor detaches, so one ServerState at a time may use an engine.
  WatchRegistry watches;
  std::unique_ptr<ServerKeyEvents> key_events;
};

}  // namespace redrock::server
