#pragma once
// Admission: the checks a client command passes before it runs, as Redis's processCommand makes them,
// as an ordered list of small rules that features register with the command table (Register*Commands
// or their own Register*Admission). The dispatch core runs the list and includes none of the features.
//
// A rule looks at one command and either admits it (the next rule runs) or answers it: refuses it with
// an error (Refuse: Redis's rejectCommand), queues it (MULTI), or hands it to a feature (a busy script's
// -BUSY handling, a script deferred to its own thread). Rules of a stage run in ascending `order`; equal
// orders run in registration order. Stages:
//   kBeforeQueue  before MULTI queueing, without the exec gate (Redis checks all of these before queueing,
//                 so a refusal inside MULTI poisons the transaction);
//   kUnderGate    with the exec gate held, right before the handler (checks that must see the state the
//                 command will run in: maxmemory).
// The first rule of kBeforeQueue, the command lookup (order kOrderLookup), sets `spec`; every later rule
// may rely on it being non-null.

#include <span>
#include <string_view>

#include "protocol/reply_writer.h"

namespace redrock::server {

class CommandTable;
struct CommandSpec;
struct ClientState;
struct ServerState;

struct AdmissionContext {
  const CommandTable& table;
  ClientState& client;
  ServerState& server;
  protocol::ReplyWriter& reply;
  std::span<const std::string_view> argv;
  const CommandSpec* spec = nullptr;  // set by the lookup rule
};

enum class Verdict {
  kAdmit,     // the command goes on to the next rule (and, after the last, runs)
  kAnswered,  // the rule wrote the command's reply (or took it over): nothing else runs
};

enum class AdmissionStage { kBeforeQueue, kUnderGate };

using AdmissionCheck = Verdict (*)(AdmissionContext& ctx);

struct AdmissionRule {
  const char* name;  // for the README's table and for debugging, e.g. "auth"
  AdmissionStage stage;
  int order;
  AdmissionCheck check;
};

// Orders of the rules redrock has, in Redis's processCommand order; new rules (ACL, CLIENT PAUSE,
// a read-only replica, protected mode) take a free slot between them.
inline constexpr int kOrderLookup = 100;          // unknown command or subcommand, arity (core)
inline constexpr int kOrderAuth = 200;            // NOAUTH (core)
inline constexpr int kOrderNoMulti = 300;         // no-multi commands inside MULTI (txn)
inline constexpr int kOrderSubscribed = 400;      // RESP2 subscribed mode (events/pubsub)
inline constexpr int kOrderMultiOom = 500;        // over maxmemory, MULTI queues nothing (core/memory_limit)
inline constexpr int kOrderDiskError = 550;        // writes while storage fails: -MISCONF (core/disk_error)
inline constexpr int kOrderBusyScript = 600;      // a busy script: -BUSY before queueing (scripting)
inline constexpr int kOrderMultiQueue = 700;      // MULTI queueing (txn)
inline constexpr int kOrderDeferScript = 800;     // a script moved to its own thread (scripting)
inline constexpr int kOrderGateOom = 100;         // kUnderGate: deny-oom commands over maxmemory (core/memory_limit)

// Refuses the command with `error` (Redis's rejectCommand: counted as a rejected call of ctx.spec when
// known and as an error reply; inside MULTI it poisons the transaction) and answers kAnswered.
Verdict Refuse(AdmissionContext& ctx, std::string_view error);

}  // namespace redrock::server
