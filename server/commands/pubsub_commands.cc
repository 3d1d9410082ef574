// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, the sharded SSUBSCRIBE
// SUNSUBSCRIBE SPUBLISH (served as a non-cluster Redis 7 serves them), and the PUBSUB container.
// Confirmations are arrays in RESP2 and pushes in RESP3, one per channel, as Redis sends them.

#include <string>
#include <string_view>
#include <vector>

#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/events/pubsub.h"
#include "server/scripting/script_commands.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

struct KindNames {
  SubscriptionKind kind;
  std::string_view subscribe;    // "subscribe"
  std::string_view unsubscribe;  // "unsubscribe"
  std::string_view deny_error;   // for a client that cannot receive messages
};

constexpr KindNames kChannel{SubscriptionKind::kChannel, "subscribe", "unsubscribe",
                             "ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client"};
constexpr KindNames kPattern{SubscriptionKind::kPattern, "psubscribe", "punsubscribe",
                             "ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client"};
constexpr KindNames kShard{SubscriptionKind::kShardChannel, "ssubscribe", "sunsubscribe",
                           "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"};

// The count a confirmation carries: channels + patterns, or shard channels alone (as Redis 7.0 counts).
int64_t ReplyCount(SubscriptionKind kind, const SubscriptionCounts& counts) {
  return kind == SubscriptionKind::kShardChannel ? counts.shard_channels : counts.channels + counts.patterns;
}

// A confirmation is a push: CLIENT REPLY OFF/SKIP do not silence it.
void Confirmation(CommandContext& ctx, std::string_view what, const std::string_view* name, int64_t count) {
  protocol::ReplyWriter push(ctx.push_buffer(), ctx.reply.resp());
  push.PushHeader(3);
  push.Bulk(what);
  if (name != nullptr) {
    push.Bulk(*name);
  } else {
    push.Null();
  }
  push.Integer(count);
}

void SubscribeGeneric(CommandContext& ctx, const KindNames& names) {
  // As Redis 7.0: SUBSCRIBE and PSUBSCRIBE may run inside EXEC, SSUBSCRIBE may not.
  const bool denied_in_exec = ctx.client.in_exec && names.kind == SubscriptionKind::kShardChannel;
  if (ctx.client.subscriber == nullptr || denied_in_exec) {
    ctx.reply.Error(names.deny_error);
    return;
  }
  PubSub& pubsub = ctx.server.pubsub;
  SubscriptionCounts counts = pubsub.CountsOf(*ctx.client.subscriber);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    counts = pubsub.Subscribe(*ctx.client.subscriber, names.kind, ctx.argv[i]);
    // Visible to other threads (and to Dispatch) before this confirmation can reach the client.
    SetClientSubscriptionCounts(ctx.client, counts);
    Confirmation(ctx, names.subscribe, &ctx.argv[i], ReplyCount(names.kind, counts));
  }
}

void UnsubscribeGeneric(CommandContext& ctx, const KindNames& names) {
  PubSub& pubsub = ctx.server.pubsub;
  Subscriber* sub = ctx.client.subscriber;
  SubscriptionCounts counts = sub != nullptr ? pubsub.CountsOf(*sub) : SubscriptionCounts{};
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      if (sub != nullptr) counts = pubsub.Unsubscribe(*sub, names.kind, ctx.argv[i]);
      SetClientSubscriptionCounts(ctx.client, counts);
      Confirmation(ctx, names.unsubscribe, &ctx.argv[i], ReplyCount(names.kind, counts));
    }
    return;
  }
  // No arguments: every subscription of this kind, or one confirmation with a null name when none.
  std::vector<std::string> all;
  if (sub != nullptr) all = pubsub.SubscriptionsOf(*sub, names.kind);
  if (all.empty()) {
    Confirmation(ctx, names.unsubscribe, nullptr, ReplyCount(names.kind, counts));
    return;
  }
  for (const std::string& name : all) {
    counts = pubsub.Unsubscribe(*sub, names.kind, name);
    SetClientSubscriptionCounts(ctx.client, counts);
    const std::string_view view = name;
    Confirmation(ctx, names.unsubscribe, &view, ReplyCount(names.kind, counts));
  }
}

// SUBSCRIBE channel [channel ...]
void SubscribeCommand(CommandContext& ctx) { SubscribeGeneric(ctx, kChannel); }
// UNSUBSCRIBE [channel ...]
void UnsubscribeCommand(CommandContext& ctx) { UnsubscribeGeneric(ctx, kChannel); }
// PSUBSCRIBE pattern [pattern ...]
void PSubscribeCommand(CommandContext& ctx) { SubscribeGeneric(ctx, kPattern); }
// PUNSUBSCRIBE [pattern ...]
void PUnsubscribeCommand(CommandContext& ctx) { UnsubscribeGeneric(ctx, kPattern); }
// SSUBSCRIBE shardchannel [shardchannel ...]
void SSubscribeCommand(CommandContext& ctx) { SubscribeGeneric(ctx, kShard); }
// SUNSUBSCRIBE [shardchannel ...]
void SUnsubscribeCommand(CommandContext& ctx) { UnsubscribeGeneric(ctx, kShard); }

// PUBLISH channel message
void PublishCommand(CommandContext& ctx) { ctx.reply.Integer(ctx.server.pubsub.Publish(ctx.argv[1], ctx.argv[2])); }

// SPUBLISH shardchannel message
void SPublishCommand(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.pubsub.PublishShard(ctx.argv[1], ctx.argv[2]));
}

void ReplyNames(CommandContext& ctx, const std::vector<std::string>& names) {
  ctx.reply.ArrayHeader(names.size());
  for (const std::string& name : names) ctx.reply.Bulk(name);
}

// PUBSUB CHANNELS [pattern]
void PubSubChannelsCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) return ReplySubcommandSyntaxError(ctx);
  ReplyNames(ctx, ctx.server.pubsub.Channels(ctx.argc() == 3 ? ctx.argv[2] : std::string_view()));
}

// PUBSUB SHARDCHANNELS [pattern]
void PubSubShardChannelsCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) return ReplySubcommandSyntaxError(ctx);
  ReplyNames(ctx, ctx.server.pubsub.ShardChannels(ctx.argc() == 3 ? ctx.argv[2] : std::string_view()));
}

// PUBSUB NUMSUB [channel ...] and PUBSUB SHARDNUMSUB [shardchannel ...]: an array (not a map, even in
// RESP3) of channel, count pairs.
void NumSubGeneric(CommandContext& ctx, bool shard) {
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.argv[i]);
    ctx.reply.Integer(shard ? ctx.server.pubsub.NumShardSubscribers(ctx.argv[i])
                            : ctx.server.pubsub.NumSubscribers(ctx.argv[i]));
  }
}
void PubSubNumSubCommand(CommandContext& ctx) { NumSubGeneric(ctx, false); }
void PubSubShardNumSubCommand(CommandContext& ctx) { NumSubGeneric(ctx, true); }

// PUBSUB NUMPAT: distinct patterns with a subscriber.
void PubSubNumPatCommand(CommandContext& ctx) { ctx.reply.Integer(ctx.server.pubsub.PatternCount()); }

void PubSubHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}


}  // namespace

namespace {

// kOrderSubscribed: RESP2 subscribed mode (Redis checks it before queueing, so a refused command poisons
// a MULTI).
Verdict SubscribedModeRule(AdmissionContext& ctx) {
  if (!ctx.client.subscribed || ctx.client.resp != 2) return Verdict::kAdmit;
  const CommandSpec& spec = *ctx.spec;
  if (AllowedWhileSubscribed(spec.parent != nullptr ? spec.parent->name : spec.name)) return Verdict::kAdmit;
  return Refuse(ctx, SubscribedModeError(spec.FullName()));
}

}  // namespace

void RegisterPubSubCommands(CommandTable& table) {
  table.AddAdmissionRule({"subscribed-mode", AdmissionStage::kBeforeQueue, kOrderSubscribed, SubscribedModeRule});
  table.Bind("subscribe", SubscribeCommand);
  table.Bind("unsubscribe", UnsubscribeCommand);
  table.Bind("psubscribe", PSubscribeCommand);
  table.Bind("punsubscribe", PUnsubscribeCommand);
  table.Bind("publish", PublishCommand);
  table.Bind("ssubscribe", SSubscribeCommand);
  table.Bind("sunsubscribe", SUnsubscribeCommand);
  table.Bind("spublish", SPublishCommand);

  table.Bind("pubsub|channels", PubSubChannelsCommand);
  table.Bind("pubsub|help", PubSubHelpCommand);
  table.Bind("pubsub|numpat", PubSubNumPatCommand);
  table.Bind("pubsub|numsub", PubSubNumSubCommand);
  table.Bind("pubsub|shardchannels", PubSubShardChannelsCommand);
  table.Bind("pubsub|shardnumsub", PubSubShardNumSubCommand);
}

}  // namespace redrock::server
