#include "server/core/memory_limit.h"

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redrock/engine/engine.h"
#include "common/number_format.h"
#include "redrock/server/config.h"
#include "server/core/admission.h"
#include "server/core/command_table.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// CONFIG GET prints maxmemory in bytes.
uint64_t ParseBytes(const std::string& value) {
  int64_t n = 0;
  return common::ParseInt64(value, &n) && n > 0 ? static_cast<uint64_t>(n) : 0;
}

}  // namespace

MemoryLimit::MemoryLimit(engine::Engine& engine, Config& config)
    : engine_(engine), alive_(std::make_shared<MemoryLimit*>(this)) {
  if (std::optional<std::string> value = config.Get("maxmemory")) SetLimit(ParseBytes(*value));
  std::weak_ptr<MemoryLimit*> alive = alive_;
  config.OnChange("maxmemory", [alive](const std::string& value) {
    if (auto self = alive.lock()) (*self)->SetLimit(ParseBytes(value));
  });
}

MemoryLimit::~MemoryLimit() = default;

void MemoryLimit::SetLimit(uint64_t bytes) {
  measured_at_ms_.store(0, std::memory_order_relaxed);
  maxmemory_.store(bytes, std::memory_order_relaxed);
}

bool MemoryLimit::OverLimit() {
  const uint64_t limit = maxmemory_.load(std::memory_order_relaxed);
  if (limit == 0) return false;
  const int64_t now = SteadyMs();
  int64_t at = measured_at_ms_.load(std::memory_order_relaxed);
  if (at == 0 || now - at >= kMeasureIntervalMs) {
    // One thread measures; the others use the previous value meanwhile.
    if (measured_at_ms_.compare_exchange_strong(at, now, std::memory_order_relaxed)) {
      used_.store(engine_.Stats().memory_bytes, std::memory_order_relaxed);
    }
  }
  return used_.load(std::memory_order_relaxed) > limit;
}

namespace {

// Called with the exec gate held (scripts are looked up).
bool DeniesOom(const CommandSpec& spec, const ClientState& client, ServerState& server,
               std::span<const std::string_view> argv) {
  if (spec.flags & kCmdDenyOom) return true;
  if (spec.denies_oom != nullptr) return spec.denies_oom(server, spec, argv);
  if (!spec.IsTopLevel("exec")) return false;
  for (const QueuedCommand& queued : client.queued) {
    const std::vector<std::string_view> queued_argv(queued.argv.begin(), queued.argv.end());
    if (DeniesOom(*queued.spec, client, server, queued_argv)) return true;
  }
  return false;
}

Verdict MultiOomRule(AdmissionContext& ctx) {
  const CommandSpec& spec = *ctx.spec;
  if (!ctx.client.in_multi || !ctx.server.memory.enabled()) return Verdict::kAdmit;
  if (spec.IsTopLevel("exec") || spec.IsTopLevel("discard") || spec.IsTopLevel("quit") || spec.IsTopLevel("reset")) {
    return Verdict::kAdmit;
  }
  if (!ctx.server.memory.OverLimit()) return Verdict::kAdmit;
  return Refuse(ctx, kOomError);
}

Verdict GateOomRule(AdmissionContext& ctx) {
  ctx.client.oom_at_start = false;
  if (!ctx.server.memory.enabled()) return Verdict::kAdmit;
  ctx.client.oom_at_start = ctx.server.memory.OverLimit();
  if (!ctx.client.oom_at_start || !DeniesOom(*ctx.spec, ctx.client, ctx.server, ctx.argv)) return Verdict::kAdmit;
  return Refuse(ctx, kOomError);
}

}  // namespace

void RegisterMemoryAdmission(CommandTable& table) {
  table.AddAdmissionRule({"maxmemory-in-multi", AdmissionStage::kBeforeQueue, kOrderMultiOom, MultiOomRule});
  table.AddAdmissionRule({"maxmemory", AdmissionStage::kUnderGate, kOrderGateOom, GateOomRule});
}

}  // namespace redrock::server
