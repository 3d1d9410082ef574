// The HyperLogLog family: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST, over string values in Redis's
// HYLL format (server/commands/hyperloglog.h). Replies, error texts, lookups (counted as Redis's
// lookupKeyRead, uncounted as its lookupKeyWrite) and events follow Redis 7.0's hyperloglog.c.
//
// Atomicity: every command that writes an HLL back is one engine read-modify-write under the key
// locks of what it reads and writes (Engine::ModifyString, Engine::ModifyStringFrom), so HLL commands
// run alongside every other command. WATCH follows Redis's signalModifiedKey: PFADD that changed a
// register, PFMERGE, and PFCOUNT rewriting a stale cached cardinality touch the key; PFDEBUG's
// conversion to dense and the edits a failing PFADD leaves behind are stored unsignalled, as Redis
// changes those values without signalModifiedKey.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/engine.h"
#include "redrock/server/config.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/hyperloglog.h"
#include "server/commands/keyspace_events.h"
#include "server/core/command_table.h"
#include "server/core/args.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

int64_t SparseMaxBytes(CommandContext& ctx) {
  if (std::optional<std::string> v = ctx.server.config.Get("hll-sparse-max-bytes")) {
    try {
      return std::stoll(*v);
    } catch (...) {
    }
  }
  return 3000;
}

enum class Refusal : uint8_t { kNone, kNotHll, kInvalid };

// Replies with a refusal found inside an engine callback; false when there was none.
bool Refused(CommandContext& ctx, Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return false;
    case Refusal::kNotHll:
      ctx.reply.Error(hll::kNotHll);
      return true;
    case Refusal::kInvalid:
      ctx.reply.Error(hll::kInvalidHll);
      return true;
  }
  return false;
}

// Merges one HLL value (a key of PFCOUNT's union or of PFMERGE) into `max`, as Redis's loops check each
// key in turn: not an HLL, or a corrupt sparse encoding, is the refusal.
Refusal MergeSource(std::string_view value, uint8_t* max, bool* dense) {
  if (!hll::LooksValid(value)) return Refusal::kNotHll;
  if (hll::Encoding(value) == hll::kDense) *dense = true;
  if (!hll::MergeInto(max, value)) return Refusal::kInvalid;
  return Refusal::kNone;
}

// PFADD key [element ...]
void PfAddCommand(CommandContext& ctx) {
  const std::string_view key = ctx.argv[1];
  const int64_t max_bytes = SparseMaxBytes(ctx);
  int updated = 0;
  Refusal refusal = Refusal::kNone;
  // The key's lookup is Redis's lookupKeyWrite: uncounted.
  engine::Status st = ctx.engine().ModifyString(ctx.db(), key, [&](bool exists, std::string* value, engine::Engine::StoreMode* mode) {
    if (!exists) {
      *value = hll::NewSparse();
      ++updated;
    } else if (!hll::LooksValid(*value)) {
      refusal = Refusal::kNotHll;
      return engine::Status::OK();
    }
    for (size_t j = 2; j < ctx.argv.size(); ++j) {
      const int r = hll::Add(*value, ctx.argv[j], max_bytes);
      if (r == 1) {
        ++updated;
      } else if (r < 0) {
        // Redis has edited the value in place for the elements before this one, without signalling it
        // (and without invalidating the cached cardinality).
        refusal = Refusal::kInvalid;
        if (updated > 0) *mode = engine::Engine::StoreMode::kStoreUnsignalled;
        return engine::Status::OK();
      }
    }
    if (updated > 0) {
      hll::InvalidateCache(*value);
      *mode = engine::Engine::StoreMode::kStore;
    }
    return engine::Status::OK();
  });
  if (Failed(ctx, st) || Refused(ctx, refusal)) return;
  if (updated > 0) NotifyKey(ctx, kNotifyString, "pfadd", key);
  ctx.reply.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
// One key: the cached cardinality, or a fresh count written back into the value (Redis signals that
// as a modification, with no keyspace event). Several: the cardinality of the union, writing nothing.
// Either way every key is a counted lookup (lookupKeyRead), in order, stopping at the first refusal.
void PfCountCommand(CommandContext& ctx) {
  const std::string_view first = ctx.argv[1];
  const auto others = ctx.argv.subspan(2);
  uint64_t card = 0;
  Refusal refusal = Refusal::kNone;
  engine::Status st;
  if (others.empty()) {
    st = ctx.engine().ModifyString(
        ctx.db(), first,
        [&](bool exists, std::string* value, engine::Engine::StoreMode* mode) {
          if (!exists) return engine::Status::OK();  // no key, no elements: 0
          if (!hll::LooksValid(*value)) {
            refusal = Refusal::kNotHll;
            return engine::Status::OK();
          }
          if (hll::CacheValid(*value)) {
            card = hll::CachedCardinality(*value);
            return engine::Status::OK();
          }
          bool invalid = false;
          card = hll::Count(*value, &invalid);
          if (invalid) {
            refusal = Refusal::kInvalid;
            return engine::Status::OK();
          }
          hll::StoreCardinality(*value, card);
          *mode = engine::Engine::StoreMode::kStore;
          return engine::Status::OK();
        },
        engine::Engine::Lookup::kCounted);
  } else {
    // The union is read under the locks of every key, so it is one consistent state, as in Redis.
    std::vector<uint8_t> max(hll::kRegisters, 0);
    bool dense = false;
    st = ctx.engine().ModifyStringFrom(
        ctx.db(), first, others,
        [&](const engine::Engine::StringSourceReader& read, bool exists, std::string* value, engine::Engine::StoreMode*) {
          if (exists && (refusal = MergeSource(*value, max.data(), &dense)) != Refusal::kNone) {
            return engine::Status::OK();
          }
          for (size_t i = 0; i < others.size(); ++i) {
            auto source = read(i);
            if (!source.ok()) return source.status();
            if (!*source) continue;
            if ((refusal = MergeSource(**source, max.data(), &dense)) != Refusal::kNone) break;
          }
          return engine::Status::OK();
        },
        engine::Engine::Lookup::kCounted);
    if (st.ok() && refusal == Refusal::kNone) card = hll::CountRaw(max.data());
  }
  if (Failed(ctx, st) || Refused(ctx, refusal)) return;
  ctx.reply.Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...]
// The destination is merged first, as a source (Redis's loop starts at argv[1]: a counted lookup), then
// every source, then the union is written into the destination, which keeps its TTL.
void PfMergeCommand(CommandContext& ctx) {
  const std::string_view dest = ctx.argv[1];
  const auto sources = ctx.argv.subspan(2);
  const int64_t max_bytes = SparseMaxBytes(ctx);
  Refusal refusal = Refusal::kNone;
  std::vector<uint8_t> max(hll::kRegisters, 0);
  engine::Status st = ctx.engine().ModifyStringFrom(
      ctx.db(), dest, sources,
      [&](const engine::Engine::StringSourceReader& read, bool exists, std::string* value, engine::Engine::StoreMode* mode) {
        bool use_dense = false;
        if (exists && (refusal = MergeSource(*value, max.data(), &use_dense)) != Refusal::kNone) {
          return engine::Status::OK();
        }
        for (size_t i = 0; i < sources.size(); ++i) {
          auto source = read(i);
          if (!source.ok()) return source.status();
          if (!*source) continue;
          if ((refusal = MergeSource(**source, max.data(), &use_dense)) != Refusal::kNone) {
            return engine::Status::OK();
          }
        }
        if (!exists) *value = hll::NewSparse();
        if (use_dense && !hll::ToDense(*value)) {
          refusal = Refusal::kInvalid;
          return engine::Status::OK();
        }
        for (int j = 0; j < hll::kRegisters; ++j) {
          if (max[j] != 0) hll::SetRegister(*value, j, max[j], max_bytes);
        }
        hll::InvalidateCache(*value);
        *mode = engine::Engine::StoreMode::kStore;
        return engine::Status::OK();
      },
      engine::Engine::Lookup::kCounted);
  if (Failed(ctx, st) || Refused(ctx, refusal)) return;
  NotifyKey(ctx, kNotifyString, "pfadd", dest);  // Redis sends "pfadd" for PFMERGE too
  ctx.reply.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
// GETREG and TODENSE of a sparse HLL store its dense form unsignalled: Redis converts the value in
// place without signalModifiedKey, so a WATCH of the key survives it.
void PfDebugCommand(CommandContext& ctx) {
  const std::string_view cmd = ctx.argv[1];
  const std::string_view key = ctx.argv[2];
  bool found = false;
  Refusal refusal = Refusal::kNone;
  bool converted = false;
  std::string error;
  std::string decoded;
  std::vector<uint8_t> registers;
  uint8_t encoding = hll::kSparse;
  // lookupKeyWrite: uncounted.
  engine::Status st = ctx.engine().ModifyString(ctx.db(), key, [&](bool exists, std::string* value, engine::Engine::StoreMode* mode) {
    found = exists;
    if (!exists) return engine::Status::OK();
    if (!hll::LooksValid(*value)) {
      refusal = Refusal::kNotHll;
      return engine::Status::OK();
    }
    encoding = hll::Encoding(*value);
    const bool getreg = EqualsIgnoreCase(cmd, "getreg");
    if (getreg || EqualsIgnoreCase(cmd, "todense")) {
      if (encoding == hll::kSparse) {
        if (!hll::ToDense(*value)) {
          refusal = Refusal::kInvalid;
          return engine::Status::OK();
        }
        converted = true;
        *mode = engine::Engine::StoreMode::kStoreUnsignalled;
      }
      if (getreg) {
        const auto* regs = reinterpret_cast<const uint8_t*>(value->data()) + hll::kHeaderSize;
        registers.resize(hll::kRegisters);
        for (int j = 0; j < hll::kRegisters; ++j) registers[j] = hll::DenseGet(regs, j);
      }
    } else if (EqualsIgnoreCase(cmd, "decode")) {
      if (encoding != hll::kSparse) {
        error = "ERR HLL encoding is not sparse";
      } else {
        decoded = hll::Decode(*value);
      }
    } else if (!EqualsIgnoreCase(cmd, "encoding")) {
      error = "ERR Unknown PFDEBUG subcommand '" + std::string(cmd) + "'";
    }
    return engine::Status::OK();
  });
  if (Failed(ctx, st)) return;
  if (!found) {
    ctx.reply.Error("ERR The specified key does not exist");
    return;
  }
  if (Refused(ctx, refusal)) return;
  if (!error.empty()) {
    ctx.reply.Error(error);
  } else if (EqualsIgnoreCase(cmd, "getreg")) {
    ctx.reply.ArrayHeader(hll::kRegisters);
    for (uint8_t r : registers) ctx.reply.Integer(r);
  } else if (EqualsIgnoreCase(cmd, "decode")) {
    ctx.reply.Bulk(decoded);
  } else if (EqualsIgnoreCase(cmd, "encoding")) {
    ctx.reply.Simple(encoding == hll::kDense ? "dense" : "sparse");
  } else {
    ctx.reply.Integer(converted ? 1 : 0);
  }
}

// PFSELFTEST
void PfSelfTestCommand(CommandContext& ctx) {
  const std::string failure = hll::SelfTest(SparseMaxBytes(ctx));
  if (failure.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(failure);
  }
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& table) {
  table.Bind("pfadd", PfAddCommand);
  table.Bind("pfcount", PfCountCommand);
  table.Bind("pfmerge", PfMergeCommand);
  table.Bind("pfdebug", PfDebugCommand);
  table.Bind("pfselftest", PfSelfTestCommand);
}

}  // namespace redrock::server
