#include "server/core/command_table.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "server/core/args.h"
#include "server/core/command_catalog.h"
#include "server/core/errors.h"
#include "server/core/disk_error.h"
#include "server/core/memory_limit.h"
#include "server/core/server_state.h"

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

// True when the reply bytes from `from` on are a RESP error ("-...\r\n"); *text is its text.
bool ErrorReplyAt(const std::string& buffer, size_t from, std::string_view* text) {
  if (from >= buffer.size() || buffer[from] != '-') return false;
  *text = std::string_view(buffer).substr(from + 1);
  *text = text->substr(0, text->find("\r\n"));
  return true;
}

}  // namespace

void CountErrorReply(ServerState& server, std::string_view error) {
  server.stats.total_error_replies.fetch_add(1, std::memory_order_relaxed);
  server.stats.errors.Count(error);
}

void CommandStats::Reset() {
  calls = 0;
  usec = 0;
  rejected_calls = 0;
  failed_calls = 0;
}

engine::Engine& CommandContext::engine() const { return server.engine; }

void CommandContext::RetargetReply() {
  if (client.reply_buffer == nullptr) return;  // no connection: only the flags change
  reply.set_buffer(client.ReplySilenced() ? client.discard_buffer : client.reply_buffer);
}

std::string CommandSpec::FullName() const {
  return parent ? parent->name + "|" + name : name;
}

struct CommandTable::Index {
  std::unordered_map<std::string_view, const CommandSpec*> by_name;
};

CommandTable::~CommandTable() = default;

namespace {

[[noreturn]] void BindError(std::string_view full_name, const char* what) {
  std::fprintf(stderr, "redrock: cannot bind command '%.*s': %s\n", static_cast<int>(full_name.size()),
               full_name.data(), what);
  std::abort();
}

CommandSpec SpecFrom(const catalog::Command& entry, std::string_view name) {
  CommandSpec spec;
  spec.name = std::string(name);
  spec.arity = entry.arity;
  spec.flags = entry.flags;
  spec.first_key = entry.first_key;
  spec.last_key = entry.last_key;
  spec.step = entry.step;
  spec.acl_categories = entry.acl_categories;
  spec.doc = &entry;
  return spec;
}

}  // namespace

CommandSpec& CommandTable::Bind(std::string_view full_name, CommandHandler handler, uint32_t internal_flags) {
  const catalog::Command* entry = catalog::Find(full_name);
  if (entry == nullptr) BindError(full_name, "Redis 7.0.15 has no such command");
  if (handler == nullptr) BindError(full_name, "no handler");
  const size_t bar = full_name.find('|');
  const std::string_view top_name = full_name.substr(0, bar);
  CommandSpec* top = const_cast<CommandSpec*>(Find(top_name));
  if (top == nullptr) {
    auto owned = std::make_unique<CommandSpec>(SpecFrom(*catalog::Find(top_name), top_name));
    owned->stats = &stats_.emplace_back();
    top = owned.get();
    index_->by_name.emplace(top->name, top);
    commands_.push_back(std::move(owned));
  }
  CommandSpec* bound = top;
  if (bar == std::string_view::npos) {
    if (top->handler != nullptr) BindError(full_name, "bound twice");
  } else {
    const std::string_view sub_name = full_name.substr(bar + 1);
    if (FindSubcommand(*top, sub_name) != nullptr) BindError(full_name, "bound twice");
    bound = &top->subcommands.emplace_back(SpecFrom(*entry, sub_name));
    bound->stats = &stats_.emplace_back();
    LinkSubcommands(*top);  // the vector may have moved its elements
  }
  bound->handler = handler;
  bound->flags |= internal_flags;
  return *bound;
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
  if (!spec->subcommands.empty() && !(argv.size() == 1 && spec->handler != nullptr)) {
    if (argv.size() < 2) {
      *error = err::WrongArity(spec->name);
      return nullptr;
    }
    const CommandSpec* sub = FindSubcommand(*spec, argv[1]);
    if (matched != nullptr) *matched = sub;
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
    const std::string abort = "EXECABORT Transaction discarded because of: " + std::string(error);
    if (spec->stats != nullptr) spec->stats->rejected_calls.fetch_add(1, std::memory_order_relaxed);
    CountErrorReply(server, abort);
    reply.Error(abort);
    return;
  }
  // A rejected command inside MULTI poisons the transaction: EXEC will answer EXECABORT.
  if (client.in_multi) client.multi_error = true;
  if (spec != nullptr && spec->stats != nullptr) spec->stats->rejected_calls.fetch_add(1, std::memory_order_relaxed);
  CountErrorReply(server, error);
  reply.Error(error);
}

Verdict Refuse(AdmissionContext& ctx, std::string_view error) {
  RejectCommand(ctx.spec, ctx.client, ctx.server, ctx.reply, error);
  return Verdict::kAnswered;
}

namespace {

// kOrderLookup: unknown command or subcommand, and arity. Sets ctx.spec.
Verdict LookupRule(AdmissionContext& ctx) {
  std::string error;
  const CommandSpec* matched = nullptr;
  ctx.spec = ctx.table.Resolve(ctx.argv, &error, &matched);
  if (ctx.spec != nullptr) return Verdict::kAdmit;
  ctx.spec = matched;  // counted as its rejected call, when argv names one
  return Refuse(ctx, error);
}

// kOrderAuth: only no-auth commands (AUTH, HELLO, QUIT, RESET) before authenticating.
Verdict AuthRule(AdmissionContext& ctx) {
  if (ctx.client.authenticated || (ctx.spec->flags & kCmdNoAuth)) return Verdict::kAdmit;
  return Refuse(ctx, err::kNoAuth);
}

void InsertRule(std::vector<AdmissionRule>& rules, AdmissionRule rule) {
  auto at = rules.begin();
  while (at != rules.end() && at->order <= rule.order) ++at;
  rules.insert(at, rule);
}

Verdict RunRules(const std::vector<AdmissionRule>& rules, AdmissionContext& ctx) {
  for (const AdmissionRule& rule : rules) {
    if (rule.check(ctx) == Verdict::kAnswered) return Verdict::kAnswered;
  }
  return Verdict::kAdmit;
}

}  // namespace

// The core's own rules; the features add theirs when their families register (RegisterAllCommands).
CommandTable::CommandTable() : index_(std::make_unique<Index>()) {
  AddAdmissionRule({"lookup", AdmissionStage::kBeforeQueue, kOrderLookup, LookupRule});
  AddAdmissionRule({"auth", AdmissionStage::kBeforeQueue, kOrderAuth, AuthRule});
  RegisterMemoryAdmission(*this);
  RegisterDiskErrorAdmission(*this);
}

void CommandTable::AddAdmissionRule(AdmissionRule rule) {
  InsertRule(rule.stage == AdmissionStage::kBeforeQueue ? rules_before_queue_ : rules_under_gate_, rule);
}

const std::vector<AdmissionRule>& CommandTable::admission_rules(AdmissionStage stage) const {
  return stage == AdmissionStage::kBeforeQueue ? rules_before_queue_ : rules_under_gate_;
}

void CommandTable::Dispatch(ClientState& client, ServerState& server, protocol::ReplyWriter& reply,
                            std::span<const std::string_view> argv) const {
  if (argv.empty()) return;
  AdmissionContext ctx{*this, client, server, reply, argv};
  if (RunRules(rules_before_queue_, ctx) == Verdict::kAnswered) return;
  const CommandSpec& spec = *ctx.spec;
  auto run = [&] {
    if (RunRules(rules_under_gate_, ctx) == Verdict::kAnswered) return;
    Invoke(spec, client, server, reply, argv);
    server.blocking.ServeReadyKeys(server, *this);  // after the whole command (EXEC, script): blocking.h
  };
  // While a Lua script holding the gate is busy, the gate refuses instead of making us wait.
  if (spec.flags & kCmdExclusive) {
    if (!server.exec_gate.lock_unless_busy()) {
      if (gate_busy_ != nullptr) {
        gate_busy_(ctx);
        return;
      }
      server.exec_gate.lock();
    }
    std::unique_lock gate(server.exec_gate, std::adopt_lock);
    run();
  } else {
    if (!server.exec_gate.lock_shared_unless_busy()) {
      if (gate_busy_ != nullptr) {
        gate_busy_(ctx);
        return;
      }
      server.exec_gate.lock_shared();
    }
    std::shared_lock gate(server.exec_gate, std::adopt_lock);
    run();
  }
}

void CommandTable::Invoke(const CommandSpec& spec, ClientState& client, ServerState& server,
                          protocol::ReplyWriter& reply, std::span<const std::string_view> argv) const {
  CommandContext ctx{argv, client, server, reply, *this};
  // A command's own reply starts where the buffer ended; an EXEC's inner commands and a script's
  // redis.call() count their own replies in their own Invoke.
  const size_t reply_start = reply.buffer()->size();
  client.reply_errors = {};
  const auto start = std::chrono::steady_clock::now();
  spec.handler(ctx);
  const auto usec =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  uint32_t failed = 0;
  if (client.reply_errors.handled) {
    failed = client.reply_errors.failed;
    client.reply_errors = {};
  } else if (std::string_view error; ErrorReplyAt(*reply.buffer(), reply_start, &error)) {
    CountErrorReply(server, error);
    failed = 1;
  }
  if (spec.stats != nullptr) {
    spec.stats->calls.fetch_add(1, std::memory_order_relaxed);
    spec.stats->usec.fetch_add(static_cast<uint64_t>(usec), std::memory_order_relaxed);
    if (failed > 0) spec.stats->failed_calls.fetch_add(failed, std::memory_order_relaxed);
  }
  server.stats.total_commands_processed.fetch_add(1, std::memory_order_relaxed);
  client.commands_processed.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::string_view> FlagNames(uint32_t flags) {
  // In the order Redis prints them (may_replicate and protected are hidden, as in Redis).
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kCmdWrite, "write"},
      {kCmdReadOnly, "readonly"},
      {kCmdDenyOom, "denyoom"},
      {kCmdAdmin, "admin"},
      {kCmdPubSub, "pubsub"},
      {kCmdNoScript, "noscript"},
      {kCmdBlocking, "blocking"},
      {kCmdLoading, "loading"},
      {kCmdStale, "stale"},
      {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"},
      {kCmdAsking, "asking"},
      {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},
      {kCmdNoMandatoryKeys, "no_mandatory_keys"},
      {kCmdNoAsyncLoading, "no_async_loading"},
      {kCmdNoMulti, "no_multi"},
      {kCmdMovableKeys, "movablekeys"},
      {kCmdAllowBusy, "allow_busy"},
  };
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) names.push_back(name);
  }
  return names;
}

}  // namespace redrock::server
