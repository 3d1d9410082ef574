// MEMORY USAGE|PURGE|MALLOC-STATS|HELP. USAGE estimates the bytes a key takes in storage
// (include/redrock/engine/memory.h says what is counted); its argument checks and replies follow Redis 7.0's
// memoryCommand. DOCTOR and STATS need the server-wide memory accounting of a later issue and are not
// implemented yet.

#include <malloc.h>

#include <cstdint>
#include <string_view>

#include "redrock/engine/memory.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/core/errors.h"

namespace redrock::server {

namespace {

// MEMORY USAGE key [SAMPLES count]
void MemoryUsageCommand(CommandContext& ctx) {
  // Redis reads every option before it looks the key up; SAMPLES may be repeated (the last one wins).
  int64_t samples = engine::kMemoryUsageDefaultSamples;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.argv[j], "samples") && j + 1 < ctx.argc()) {
      if (!common::ParseInt64(ctx.argv[j + 1], &samples)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (samples < 0) {
        ctx.reply.Error(err::kSyntax);
        return;
      }
      ++j;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  auto usage = engine::MemoryUsage(ctx.engine(), ctx.db(), ctx.argv[2], samples);
  if (!usage.ok() && usage.status().IsNotFound()) {
    ctx.reply.Null();
    return;
  }
  ReplyInteger(ctx, usage);
}

// MEMORY PURGE: asks glibc's allocator to hand free memory back to the system (malloc_trim).
void MemoryPurgeCommand(CommandContext& ctx) {
  malloc_trim(0);
  ctx.reply.Ok();
}

// MEMORY MALLOC-STATS: the allocator is glibc's malloc (INFO's mem_allocator:libc), for which Redis has
// no report either; it answers this text.
void MemoryMallocStatsCommand(CommandContext& ctx) { ctx.reply.Bulk("Stats not supported for the current allocator"); }

void MemoryHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterMemoryCommand(CommandTable& table) {
  table.Bind("memory|help", MemoryHelpCommand);
  table.Bind("memory|malloc-stats", MemoryMallocStatsCommand);
  table.Bind("memory|purge", MemoryPurgeCommand);
  table.Bind("memory|usage", MemoryUsageCommand);
}

}  // namespace redrock::server
