#include "server/command_table.h"

#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "server/args.h"
#include "server/errors.h"
#include "server/pubsub.h"
#include "server/scripting/busy.h"
#include "server/server_state.h"

namespace redrock::server {

namespace {
// Longer names cannot be commands; Find() lower-cases into a stack buffer of this size.
constexpr size_t kMaxCommandName = 64;

bool AritySatisfied(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

void LinkSubcommands(CommandSpec& spec) {
  for (CommandSpec& sub : spec.subcommands) sub.parent = &spec;
}
}  // namespace

engine::Engine& CommandContext::engine() const { return server.engine; }

std::string CommandSpec::FullName() const {
  return parent ? parent->name + "|" + name : name;
}

struct CommandTable::Index {
  std::unordered_map<std::string_view, const CommandSpec*> by_name;
};

CommandTable::CommandTable() : index_(std::make_unique<Index>()) {}
CommandTable::~CommandTable() = default;

void CommandTable::Register(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  LinkSubcommands(*owned);
  index_->by_name.emplace(owned->name, owned.get());
  commands_.push_back(std::move(owned));
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  if (name.size() > kMaxCommandName) return nullptr;
  char lower[kMaxCommandName];
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  auto it = index_->by_name.find(std::string_view(lower, name.size()));
  return it == index_->by_name.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::FindSubcommand(const CommandSpec& container, std::string_view sub) const {
  for (const CommandSpec& candidate : container.subcommands) {
    if (EqualsIgnoreCase(candidate.name, sub)) return &candidate;
  }
  return nullptr;
}

const CommandSpec* CommandTable::Resolve(std::span<const std::string_view> argv, std::string* error,
                                         const CommandSpec** matched) const {
  const CommandSpec* spec = Find(argv[0]);
  if (matched != nullptr) *matched = spec;
  if (spec == nullptr) {
    *error = err::UnknownCommand(argv);
    return nullptr;
  }
  if (!spec->subcommands.empty()) {
    if (argv.size() < 2) {
      *error = err::WrongArity(spec->name);
      return nullptr;
    }
    const CommandSpec* sub = FindSubcommand(*spec, argv[1]);
    if (sub == nullptr) {
      *error = err::UnknownSubcommand(argv[0], argv[1]);
      return nullptr;
    }
    spec = sub;
  }
  if (!AritySatisfied(spec->arity, argv.size())) {
    *error = err::WrongArity(spec->FullName());
    return nullptr;
  }
  return spec;
}

const CommandSpec* CommandTable::Resolve(std::span<const std::string_view> argv,
                                         protocol::ReplyWriter& reply) const {
  std::string error;
  const CommandSpec* spec = Resolve(argv, &error);
  if (spec == nullptr) reply.Error(error);
  return spec;
}

void DiscardTransaction(ClientState& client, ServerState& server) {
  client.in_multi = false;
  client.multi_error = false;
  client.queued.clear();
  server.watches.UnwatchAll(client);
}

void RejectCommand(const CommandSpec* spec, ClientState& client, ServerState& server,
                   protocol::ReplyWriter& reply, std::string_view error) {
  if (spec != nullptr && spec->parent == nullptr && spec->name == "exec") {
    // Redis's execCommandAbort, in or out of MULTI. Redis builds a plain "ERR" error from its bare text,
    // so only that code is absent after "because of:" (NOAUTH and BUSY keep theirs).
    DiscardTransaction(client, server);
    if (error.starts_with("ERR ")) error.remove_prefix(4);
    reply.Error("EXECABORT Transaction discarded because of: " + std::string(error));
    return;
  }
  // A rejected command inside MULTI poisons the transaction: EXEC will answer EXECABORT.
  if (client.in_multi) client.multi_error = true;
  reply.Error(error);
}

namespace {

// Whether running `spec` now may run a Lua script: EVAL*/FCALL*, or an EXEC whose queue holds one.
bool RunsScript(const CommandSpec& spec, const ClientState& client) {
  if (spec.flags & kCmdRunsScript) return true;
  if (client.queued.empty() || spec.parent != nullptr || spec.name != "exec") return false;
  for (const QueuedCommand& queued : client.queued) {
    if (queued.spec->flags & kCmdRunsScript) return true;
  }
  return false;
}

}  // namespace

void CommandTable::Dispatch(ClientState& client, ServerState& server, protocol::ReplyWriter& reply,
                            std::span<const std::string_view> argv) const {
  if (argv.empty()) return;
  std::string error;
  const CommandSpec* matched = nullptr;
  const CommandSpec* spec = Resolve(argv, &error, &matched);
  if (spec == nullptr) {
    RejectCommand(matched, client, server, reply, error);
    return;
  }
  if (!client.authenticated && !(spec->flags & kCmdNoAuth)) {
    RejectCommand(spec, client, server, reply, err::kNoAuth);
    return;
  }
  // RESP2 subscribed mode (Redis checks it before queueing, so a refused command poisons a MULTI).
  if (client.subscribed && client.resp == 2 &&
      !AllowedWhileSubscribed(spec->parent != nullptr ? spec->parent->name : spec->name)) {
    RejectCommand(spec, client, server, reply, SubscribedModeError(spec->FullName()));
    return;
  }
  if (client.in_multi && !(spec->flags & kCmdMultiControl)) {
    // Redis refuses commands during a busy script before queueing them (server/scripting/busy.h).
    if (server.exec_gate.busy() && !AllowedWhileScriptBusy(*spec, argv)) {
      DispatchWhileScriptBusy(*this, *spec, client, server, reply, argv);
      return;
    }
    client.queued.push_back(QueuedCommand{spec, std::vector<std::string>(argv.begin(), argv.end())});
    reply.Simple("QUEUED");
    return;
  }
  if (client.defer_scripts && RunsScript(*spec, client)) {
    client.script_deferred = true;  // the connection dispatches it again on a script thread
    return;
  }
  // While a Lua script holding the gate is busy, the gate refuses instead of making us wait.
  if (spec->flags & kCmdExclusive) {
    if (!server.exec_gate.lock_unless_busy()) {
      DispatchWhileScriptBusy(*this, *spec, client, server, reply, argv);
      return;
    }
    std::unique_lock gate(server.exec_gate, std::adopt_lock);
    Invoke(*spec, client, server, reply, argv);
    server.blocking.ServeReadyKeys(server, *this);  // after the whole command (EXEC, script): blocking.h
  } else {
    if (!server.exec_gate.lock_shared_unless_busy()) {
      DispatchWhileScriptBusy(*this, *spec, client, server, reply, argv);
      return;
    }
    std::shared_lock gate(server.exec_gate, std::adopt_lock);
    Invoke(*spec, client, server, reply, argv);
    server.blocking.ServeReadyKeys(server, *this);
  }
}

void CommandTable::Invoke(const CommandSpec& spec, ClientState& client, ServerState& server,
                          protocol::ReplyWriter& reply, std::span<const std::string_view> argv) const {
  CommandContext ctx{argv, client, server, reply, *this};
  spec.handler(ctx);
  server.stats.total_commands_processed.fetch_add(1, std::memory_order_relaxed);
  client.commands_processed.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::string_view> FlagNames(uint32_t flags) {
  // In the order Redis prints them.
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kCmdWrite, "write"},           {kCmdReadOnly, "readonly"},
      {kCmdDenyOom, "denyoom"},       {kCmdAdmin, "admin"},
      {kCmdPubSub, "pubsub"},         {kCmdNoScript, "noscript"},
      {kCmdBlocking, "blocking"},     {kCmdLoading, "loading"},
      {kCmdStale, "stale"},           {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"}, {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},        {kCmdMayReplicate, "may_replicate"},
      {kCmdNoMandatoryKeys, "no_mandatory_keys"}, {kCmdProtected, "protected"},
      {kCmdNoAsyncLoading, "no_async_loading"}, {kCmdNoMulti, "no_multi"},
      {kCmdMovableKeys, "movablekeys"}, {kCmdAllowBusy, "allow_busy"},
  };
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) names.push_back(name);
  }
  return names;
}

}  // namespace redrock::server
