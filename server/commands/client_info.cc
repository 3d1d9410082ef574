#include "server/commands/client_info.h"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "redrock/engine/engine.h"
#include "server/core/command_table.h"
#include "server/core/server_state.h"

namespace redrock::server {

bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

bool IsPubSubClient(const ClientState& client) {
  return client.sub_channels.load(std::memory_order_relaxed) + client.sub_patterns.load(std::memory_order_relaxed) +
             client.sub_shard_channels.load(std::memory_order_relaxed) >
         0;
}

namespace {

// The current command's full name, lower case ("client|list"), as CLIENT LIST's cmd= shows it.
std::string CurrentCommandName(const CommandContext& ctx) {
  std::string name;
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  };
  name = lower(ctx.argv[0]);
  const CommandSpec* spec = ctx.table.Find(ctx.argv[0]);
  if (spec != nullptr && !spec->subcommands.empty() && ctx.argc() > 1) name += "|" + lower(ctx.argv[1]);
  return name;
}

}  // namespace

std::string ClientListText(const CommandContext& ctx, const std::function<bool(const ClientState&)>& filter) {
  const int64_t now = ctx.server.engine.NowMs();
  const std::string self_cmd = CurrentCommandName(ctx);
  std::vector<std::pair<uint64_t, std::string>> lines;
  // ForEach holds the registry lock, under which the name fields may be read.
  ctx.server.clients.ForEach([&](ClientState& c, const std::function<void()>&) {
    if (!filter(c)) return;
    const bool self = &c == &ctx.client;
    // Only the owner thread writes MULTI state; other clients' transactions are not inspected.
    const bool in_multi = self && c.in_multi;
    const int64_t age = std::max<int64_t>(0, (now - c.created_ms) / 1000);
    const int64_t last = c.last_interaction_ms.load(std::memory_order_relaxed);
    const int64_t idle = self ? 0 : last == 0 ? age : std::max<int64_t>(0, (now - last) / 1000);
    const int resp = std::atomic_ref<int>(c.resp).load(std::memory_order_relaxed);
    std::string flags;  // in Redis's order: P (pub/sub), x (MULTI), d (a watched key changed)
    if (IsPubSubClient(c)) flags += 'P';
    if (in_multi) flags += 'x';
    if (c.watch_dirty.load(std::memory_order_relaxed)) flags += 'd';
    if (flags.empty()) flags = "N";
    std::string line = fmt::format(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} "
        "qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r "
        "cmd={} user=default redir=-1 resp={}\n",
        c.id, c.addr, c.laddr, c.fd, c.name, age, idle, flags, c.db.load(std::memory_order_relaxed),
        c.sub_channels.load(std::memory_order_relaxed), c.sub_patterns.load(std::memory_order_relaxed),
        c.sub_shard_channels.load(std::memory_order_relaxed), in_multi ? static_cast<int64_t>(c.queued.size()) : -1,
        self ? self_cmd : "NULL", resp);
    lines.emplace_back(c.id, std::move(line));
  });
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (auto& [id, line] : lines) text += line;
  return text;
}

}  // namespace redrock::server
