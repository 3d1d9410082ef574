#pragma once
// The command table: lookup without string copies, the admission rules (core/admission.h) that
// features register, then the handler under the exec gate. A command's shape (arity, flags, key
// positions, ACL categories, docs) comes from the generated catalog (core/command_catalog.h); families
// bind their handlers to catalog entries by name (see commands/families.h), explicitly: there is no
// static self-registration.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_writer.h"
#include "server/core/admission.h"
#include "server/core/client_state.h"

namespace redrock::engine { class Engine; }
namespace redrock::server::catalog { struct Command; }

namespace redrock::server {

struct ServerState;
class CommandTable;

// What a handler sees. argv[0] is the command name as the client sent it.
struct CommandContext {
  std::span<const std::string_view> argv;
  ClientState& client;
  ServerState& server;
  protocol::ReplyWriter& reply;
  const CommandTable& table;

  engine::Engine& engine() const;
  int db() const { return client.db.load(std::memory_order_relaxed); }
  size_t argc() const { return argv.size(); }

  // CLIENT REPLY: points `reply` at the output the client's reply mode now selects (after CLIENT REPLY or
  // RESET changed it). Inside EXEC that applies from the next queued command's reply on, as in Redis.
  void RetargetReply();
  // Where pushes (pub/sub confirmations) go: the client's output even while its replies are silenced.
  std::string* push_buffer() const {
    return client.reply_buffer != nullptr ? client.reply_buffer : reply.buffer();
  }
};

using CommandHandler = void (*)(CommandContext& ctx);

// Flags, named as Redis's COMMAND INFO prints them (see FlagNames()).
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadOnly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdPubSub = 1u << 4,
  kCmdNoScript = 1u << 5,
  kCmdBlocking = 1u << 6,
  kCmdLoading = 1u << 7,
  kCmdStale = 1u << 8,
  kCmdSkipMonitor = 1u << 9,
  kCmdFast = 1u << 10,
  kCmdNoAuth = 1u << 11,       // allowed before AUTH (AUTH, HELLO, QUIT, RESET)
  kCmdNoMulti = 1u << 12,      // "no-multi" in Redis
  kCmdAllowBusy = 1u << 13,
  kCmdSkipSlowlog = 1u << 14,
  kCmdMayReplicate = 1u << 15,
  kCmdNoMandatoryKeys = 1u << 16,
  kCmdMovableKeys = 1u << 17,
  kCmdProtected = 1u << 18,
  kCmdNoAsyncLoading = 1u << 19,
  kCmdAsking = 1u << 20,
  // redrock-internal, not printed by COMMAND INFO:
  kCmdMultiControl = 1u << 24,  // runs immediately inside MULTI instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET)
  kCmdExclusive = 1u << 25,     // runs with the exec gate held exclusively (EXEC, FLUSHALL...)
  kCmdRunsScript = 1u << 26,    // runs a Lua script (EVAL*, FCALL*): see ClientState::defer_scripts
};

// Redis's per-command counters (INFO commandstats): calls and their total run time, calls refused
// before running (arity, NOAUTH, BUSY...), and calls that ran and answered an error.
struct CommandStats {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> usec{0};
  std::atomic<uint64_t> rejected_calls{0};
  std::atomic<uint64_t> failed_calls{0};

  void Reset();
};

// A command as the table runs it: its catalog entry's shape plus the bound handler.
struct CommandSpec {
  std::string name;       // lower case, e.g. "set"; subcommands: "setname" (full name "client|setname")
  int arity = 0;          // Redis convention: N exact, -N at least N (counting the command name)
  uint32_t flags = 0;     // the catalog's flags plus the redrock-internal ones given to Bind
  int first_key = 0;      // 1-based argv index of the first key, 0 if none
  int last_key = 0;       // -1 = the last argument
  int step = 0;
  CommandHandler handler = nullptr;  // null for a container that only has subcommands
  std::vector<CommandSpec> subcommands;  // the bound subcommands of a container (CLIENT, CONFIG, OBJECT...)
  std::string_view acl_categories;       // space separated, e.g. "@write @string @slow" (COMMAND INFO)
  const catalog::Command* doc = nullptr; // the catalog entry: docs, tips, key specs, arguments
  // For a command whose deny-oom depends on its arguments (EVAL*/FCALL*: the script's flags): whether
  // this call counts as deny-oom. Called with the exec gate held. Null: kCmdDenyOom decides.
  bool (*denies_oom)(ServerState& server, const CommandSpec& spec, std::span<const std::string_view> argv) = nullptr;
  const CommandSpec* parent = nullptr;   // set by the table for subcommands
  // Whether this is the top-level command `top_name` (lower case), not a subcommand of that name.
  bool IsTopLevel(std::string_view top_name) const { return parent == nullptr && name == top_name; }
  CommandStats* stats = nullptr;         // set by the table when bound

  std::string FullName() const;  // "client|setname"
};

class CommandTable {
 public:
  CommandTable();
  ~CommandTable();

  // Binds `handler` to the catalog's command `full_name` ("get", "client|setname"), which must exist
  // (a name Redis 7.0.15 does not have, or binding one twice, is a bug and aborts). The spec takes its
  // arity, flags, key positions and ACL categories from the catalog; `internal_flags` adds redrock's own
  // (kCmdMultiControl, kCmdExclusive, kCmdRunsScript). Binding a subcommand creates its container
  // (handler-less unless bound itself, as COMMAND is: a container with a handler also runs with no
  // subcommand). The returned spec may be adjusted (denies_oom) until the next Bind.
  CommandSpec& Bind(std::string_view full_name, CommandHandler handler, uint32_t internal_flags = 0);

  // Case-insensitive, allocation-free lookup; nullptr when unknown.
  const CommandSpec* Find(std::string_view name) const;
  // Resolves a container's subcommand; nullptr when unknown.
  const CommandSpec* FindSubcommand(const CommandSpec& container, std::string_view sub) const;

  // Every bound top-level command, in binding order.
  const std::vector<std::unique_ptr<CommandSpec>>& commands() const { return commands_; }

  // Adds an admission rule (core/admission.h). Registration happens before the table is used.
  void AddAdmissionRule(AdmissionRule rule);
  // The rules of a stage, in the order they run.
  const std::vector<AdmissionRule>& admission_rules(AdmissionStage stage) const;
  // Answers a command that found the exec gate held by a busy script (scripting: -BUSY, or the few
  // commands allowed then). Without one, the command waits for the gate.
  void SetGateBusyHandler(AdmissionCheck handler) { gate_busy_ = handler; }

  // The whole pipeline for one client command: the kBeforeQueue rules (lookup, arity, auth, ... MULTI
  // queueing), then under the exec gate (shared, or exclusive for kCmdExclusive) the kUnderGate rules and
  // the handler. Writes exactly one reply (or none for an empty argv).
  void Dispatch(ClientState& client, ServerState& server, protocol::ReplyWriter& reply,
                std::span<const std::string_view> argv) const;

  // Runs a resolved command's handler with no checks and no locking: for EXEC (which already holds the
  // gate exclusively) and scripts. Counts the call in the spec's stats (and an error reply in the
  // server's error stats).
  void Invoke(const CommandSpec& spec, ClientState& client, ServerState& server, protocol::ReplyWriter& reply,
              std::span<const std::string_view> argv) const;

  // Resolves argv to its spec (following subcommands) or writes the Redis error and returns nullptr.
  // Checks existence and arity only.
  const CommandSpec* Resolve(std::span<const std::string_view> argv, protocol::ReplyWriter& reply) const;
  // The same, giving the error text instead; *matched (if given) is the command or subcommand that argv
  // names, even when its arity was wrong (a container named without a subcommand is itself; nullptr for
  // an unknown command or subcommand, which Redis does not count as a rejected call of anything).
  const CommandSpec* Resolve(std::span<const std::string_view> argv, std::string* error,
                             const CommandSpec** matched = nullptr) const;

 private:
  std::vector<std::unique_ptr<CommandSpec>> commands_;
  std::vector<AdmissionRule> rules_before_queue_;
  std::vector<AdmissionRule> rules_under_gate_;
  AdmissionCheck gate_busy_ = nullptr;
  std::deque<CommandStats> stats_;  // one per registered runnable spec; a deque keeps them in place
  struct Index;
  std::unique_ptr<Index> index_;
};

// Redis's discardTransaction: leaves MULTI (queued commands dropped) and forgets the watched keys.
void DiscardTransaction(ClientState& client, ServerState& server);

// Redis's rejectCommand: replies `error` to a command that will not run (counted as a rejected call of
// `spec`, when known, and as an error reply). Inside MULTI that poisons the
// transaction (EXEC answers EXECABORT); a rejected EXEC itself discards the transaction at once and
// answers "EXECABORT Transaction discarded because of: <error>".
void RejectCommand(const CommandSpec* spec, ClientState& client, ServerState& server,
                   protocol::ReplyWriter& reply, std::string_view error);

// Counts one error reply in INFO's total_error_replies and errorstats (`error` without its leading '-').
void CountErrorReply(ServerState& server, std::string_view error);

// COMMAND INFO's flag names for a flags word ("write", "readonly", "denyoom", ...).
std::vector<std::string_view> FlagNames(uint32_t flags);

}  // namespace redrock::server
