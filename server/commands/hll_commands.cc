// The HyperLogLog family: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST, over string values in Redis's
// HYLL format (server/commands/hyperloglog.h). Replies, error texts, lookups (counted as Redis's
// lookupKeyRead, uncounted as its lookupKeyWrite) and events follow Redis 7.0's hyperloglog.c.
//
// Atomicity: PFADD, PFMERGE, PFCOUNT (which writes the cached cardinality back) and PFDEBUG (GETREG and
// TODENSE store the dense form) read a value and write it back with two engine calls. They are bound
// kCmdExclusive, so the exec gate is held exclusively and nothing runs between the Get and the Set.
// That serialises every HLL command against all others: a throughput limitation, to be lifted when HLL
// moves onto the engine's string read-modify-write primitive.

#include <cstdint>
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

// Stores an HLL value back in place: the key keeps its TTL, as Redis edits the string object in place.
bool Store(CommandContext& ctx, std::string_view key, const std::string& value) {
  engine::SetOptions options;
  options.keep_ttl = true;
  return !Failed(ctx, ctx.engine().Set(ctx.db(), key, value, options));
}

// Reads `key` for an HLL command. Returns false after replying with an error; *found is false for a
// missing key.
bool ReadHll(CommandContext& ctx, std::string_view key, std::string* value, bool* found) {
  auto got = ctx.engine().Get(ctx.db(), key);
  if (!got.ok()) {
    if (got.status().IsNotFound()) {
      *found = false;
      return true;
    }
    Failed(ctx, got);
    return false;
  }
  *found = true;
  *value = std::move(*got);
  if (!hll::LooksValid(*value)) {
    ctx.reply.Error(hll::kNotHll);
    return false;
  }
  return true;
}

// PFADD key [element ...]
void PfAddCommand(CommandContext& ctx) {
  const std::string_view key = ctx.argv[1];
  std::string value;
  bool found = false;
  {
    engine::UncountedLookups uncounted;  // Redis's lookupKeyWrite
    if (!ReadHll(ctx, key, &value, &found)) return;
  }
  int updated = 0;
  if (!found) {
    value = hll::NewSparse();
    ++updated;
  }
  const int64_t max_bytes = SparseMaxBytes(ctx);
  for (size_t j = 2; j < ctx.argv.size(); ++j) {
    const int r = hll::Add(value, ctx.argv[j], max_bytes);
    if (r == 1) {
      ++updated;
    } else if (r < 0) {
      // Redis has edited the object in place for the elements before this one, silently.
      if (updated > 0 && !Store(ctx, key, value)) return;
      ctx.reply.Error(hll::kInvalidHll);
      return;
    }
  }
  if (updated > 0) {
    hll::InvalidateCache(value);
    if (!Store(ctx, key, value)) return;
    NotifyKey(ctx, kNotifyString, "pfadd", key);
  }
  ctx.reply.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
void PfCountCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 2) {
    std::vector<uint8_t> max(hll::kRegisters, 0);
    for (size_t j = 1; j < ctx.argv.size(); ++j) {
      std::string value;
      bool found = false;
      if (!ReadHll(ctx, ctx.argv[j], &value, &found)) return;
      if (!found) continue;
      if (!hll::MergeInto(max.data(), value)) {
        ctx.reply.Error(hll::kInvalidHll);
        return;
      }
    }
    ctx.reply.Integer(static_cast<int64_t>(hll::CountRaw(max.data())));
    return;
  }
  std::string value;
  bool found = false;
  if (!ReadHll(ctx, ctx.argv[1], &value, &found)) return;
  if (!found) {
    ctx.reply.Integer(0);
    return;
  }
  if (hll::CacheValid(value)) {
    ctx.reply.Integer(static_cast<int64_t>(hll::CachedCardinality(value)));
    return;
  }
  bool invalid = false;
  const uint64_t card = hll::Count(value, &invalid);
  if (invalid) {
    ctx.reply.Error(hll::kInvalidHll);
    return;
  }
  hll::StoreCardinality(value, card);
  if (!Store(ctx, ctx.argv[1], value)) return;  // the cache is written back, as Redis (no event)
  ctx.reply.Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...]
void PfMergeCommand(CommandContext& ctx) {
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool use_dense = false;
  std::string dest;
  bool dest_found = false;
  // The destination is the first of the keys merged (argv[1]), read as a source: a counted lookup.
  for (size_t j = 1; j < ctx.argv.size(); ++j) {
    std::string value;
    bool found = false;
    if (!ReadHll(ctx, ctx.argv[j], &value, &found)) return;
    if (!found) continue;
    if (hll::Encoding(value) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(max.data(), value)) {
      ctx.reply.Error(hll::kInvalidHll);
      return;
    }
    if (j == 1) {
      dest = std::move(value);
      dest_found = true;
    }
  }
  if (!dest_found) dest = hll::NewSparse();
  if (use_dense && !hll::ToDense(dest)) {
    ctx.reply.Error(hll::kInvalidHll);
    return;
  }
  const int64_t max_bytes = SparseMaxBytes(ctx);
  for (int j = 0; j < hll::kRegisters; ++j) {
    if (max[j] != 0) hll::SetRegister(dest, j, max[j], max_bytes);
  }
  hll::InvalidateCache(dest);
  if (!Store(ctx, ctx.argv[1], dest)) return;
  NotifyKey(ctx, kNotifyString, "pfadd", ctx.argv[1]);  // Redis sends "pfadd" for PFMERGE too
  ctx.reply.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
// Difference: storing the dense form (GETREG, TODENSE of a sparse HLL) goes through Engine::Set, which
// reports the key as changed, so it aborts a WATCH on it; Redis converts without signalModifiedKey.
void PfDebugCommand(CommandContext& ctx) {
  const std::string_view cmd = ctx.argv[1];
  const std::string_view key = ctx.argv[2];
  std::string value;
  bool found = false;
  {
    engine::UncountedLookups uncounted;  // lookupKeyWrite
    if (!ReadHll(ctx, key, &value, &found)) {
      return;
    }
  }
  if (!found) {
    ctx.reply.Error("ERR The specified key does not exist");
    return;
  }
  if (EqualsIgnoreCase(cmd, "getreg")) {
    if (hll::Encoding(value) == hll::kSparse) {
      if (!hll::ToDense(value)) {
        ctx.reply.Error(hll::kInvalidHll);
        return;
      }
      if (!Store(ctx, key, value)) return;
    }
    const auto* regs = reinterpret_cast<const uint8_t*>(value.data()) + hll::kHeaderSize;
    ctx.reply.ArrayHeader(hll::kRegisters);
    for (int j = 0; j < hll::kRegisters; ++j) ctx.reply.Integer(hll::DenseGet(regs, j));
  } else if (EqualsIgnoreCase(cmd, "decode")) {
    if (hll::Encoding(value) != hll::kSparse) {
      ctx.reply.Error("ERR HLL encoding is not sparse");
      return;
    }
    ctx.reply.Bulk(hll::Decode(value));
  } else if (EqualsIgnoreCase(cmd, "encoding")) {
    ctx.reply.Simple(hll::Encoding(value) == hll::kDense ? "dense" : "sparse");
  } else if (EqualsIgnoreCase(cmd, "todense")) {
    bool converted = false;
    if (hll::Encoding(value) == hll::kSparse) {
      if (!hll::ToDense(value)) {
        ctx.reply.Error(hll::kInvalidHll);
        return;
      }
      if (!Store(ctx, key, value)) return;
      converted = true;
    }
    ctx.reply.Integer(converted ? 1 : 0);
  } else {
    ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(cmd) + "'");
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
  table.Bind("pfadd", PfAddCommand, kCmdExclusive);
  table.Bind("pfcount", PfCountCommand, kCmdExclusive);
  table.Bind("pfmerge", PfMergeCommand, kCmdExclusive);
  table.Bind("pfdebug", PfDebugCommand, kCmdExclusive);
  table.Bind("pfselftest", PfSelfTestCommand);
}

}  // namespace redrock::server
