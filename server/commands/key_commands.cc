// The generic key commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME, RENAMENX, RANDOMKEY, COPY, MOVE and
// OBJECT. The expire and scan commands live in expire_commands.cc and scan_commands.cc; RegisterKeyCommands
// registers all three. Validation order follows Redis 7.0's db.c and object.c.

#include <climits>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redrock/engine/engine.h"
#include "common/number_format.h"
#include "server/core/args.h"
#include "server/core/blocking.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/families.h"
#include "server/commands/key_commands.h"
#include "server/commands/keyspace_events.h"
#include "server/core/errors.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

// OBJECT FREQ without an LFU maxmemory-policy (redrock has no LFU policy, so always).
constexpr std::string_view kNoLfuPolicy =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
// Redis's OBJ_SHARED_REFCOUNT: the refcount OBJECT REFCOUNT shows for its shared integers 0..9999.
constexpr int64_t kSharedRefcount = INT_MAX;
constexpr int64_t kSharedIntegers = 10000;
// Strings up to this length are "embstr" (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
constexpr size_t kEmbstrLimit = 44;

void ReplyBool(CommandContext& ctx, const engine::Result<bool>& result) {
  if (result.ok()) {
    ctx.reply.Integer(*result ? 1 : 0);
  } else {
    ctx.reply.Error(err::FromStatus(result.status()));
  }
}

// DEL key [key ...]   (and UNLINK key [key ...]: the engine deletes in O(1) either way)
void DelCommand(CommandContext& ctx) {
  const std::span<const std::string_view> keys = ctx.argv.subspan(1);
  // "del" goes for each key removed, in argument order: which ones exist is read first, when wanted.
  const std::vector<bool> existed = ExistingKeysIfWanted(ctx, keys);
  auto removed = ctx.engine().Delete(ctx.db(), keys);
  if (removed.ok() && *removed > 0) {
    for (size_t i = 0; i < existed.size(); ++i) {
      if (existed[i]) NotifyKey(ctx, kNotifyGeneric, "del", keys[i]);
    }
  }
  ReplyInteger(ctx, removed);
}

// EXISTS key [key ...]   (and TOUCH key [key ...]: both count existing keys, repeats included)
void ExistsCommand(CommandContext& ctx) { ReplyInteger(ctx, ctx.engine().Exists(ctx.db(), ctx.argv.subspan(1))); }

// TYPE key
void TypeCommand(CommandContext& ctx) {
  auto result = ctx.engine().Type(ctx.db(), ctx.argv[1]);
  if (result.ok()) {
    ctx.reply.Simple(engine::KeyTypeName(*result));
  } else {
    ctx.reply.Error(err::FromStatus(result.status()));
  }
}

// After RENAME/RENAMENX renamed argv[1] to argv[2]; renaming a key onto itself reports nothing.
void NotifyRenamed(CommandContext& ctx) {
  if (ctx.argv[1] == ctx.argv[2]) return;
  NotifyKey(ctx, kNotifyGeneric, "rename_from", ctx.argv[1]);
  NotifyKey(ctx, kNotifyGeneric, "rename_to", ctx.argv[2]);
}

// RENAME key newkey
void RenameCommand(CommandContext& ctx) {
  auto result = ctx.engine().Rename(ctx.db(), ctx.argv[1], ctx.argv[2], /*nx=*/false);
  if (result.ok()) {
    NotifyRenamed(ctx);
    ctx.server.blocking.Signal(ctx.db(), ctx.argv[2]);  // a list may have arrived for a blocked client
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(err::FromStatus(result.status()));  // NotFound is "ERR no such key"
  }
}

// RENAMENX key newkey
void RenameNxCommand(CommandContext& ctx) {
  auto result = ctx.engine().Rename(ctx.db(), ctx.argv[1], ctx.argv[2], /*nx=*/true);
  if (result.ok()) {
    if (*result) {
      NotifyRenamed(ctx);
      ctx.server.blocking.Signal(ctx.db(), ctx.argv[2]);
    }
    ctx.reply.Integer(*result ? 1 : 0);
  } else {
    ctx.reply.Error(err::FromStatus(result.status()));  // NotFound is "ERR no such key"
  }
}

// RANDOMKEY
void RandomKeyCommand(CommandContext& ctx) {
  auto result = ctx.engine().RandomKey(ctx.db());
  if (!result.ok()) {
    ctx.reply.Error(err::FromStatus(result.status()));
  } else if (*result) {
    ctx.reply.Bulk(**result);
  } else {
    ctx.reply.Null();
  }
}

struct CopyArgs {
  int dst_db = 0;
  bool replace = false;
};

// COPY source destination [DB destination-db] [REPLACE]
void CopyCommand(CommandContext& ctx) {
  CopyArgs args;
  args.dst_db = ctx.db();
  ArgReader reader(ctx.argv, 3);
  while (!reader.Done()) {
    if (reader.EatFlag("replace")) {
      args.replace = true;
    } else if (reader.Remaining() >= 2 && reader.EatFlag("db")) {
      if (!ParseDbIndex(ctx, reader.Take(), &args.dst_db)) return;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  // Checked before the source is looked up, so it fires for a missing key too.
  if (args.dst_db == ctx.db() && ctx.argv[1] == ctx.argv[2]) {
    ctx.reply.Error(err::kSameObject);
    return;
  }
  auto copied = ctx.engine().Copy(ctx.db(), ctx.argv[1], args.dst_db, ctx.argv[2], args.replace);
  if (copied.ok() && *copied) {
    NotifyKeyspaceEvent(ctx.server, kNotifyGeneric, "copy_to", ctx.argv[2], args.dst_db);
    ctx.server.blocking.Signal(args.dst_db, ctx.argv[2]);
  }
  ReplyBool(ctx, copied);
}

// MOVE key db
void MoveCommand(CommandContext& ctx) {
  int dst_db = 0;
  if (!ParseDbIndex(ctx, ctx.argv[2], &dst_db)) return;
  if (dst_db == ctx.db()) {
    ctx.reply.Error(err::kSameObject);
    return;
  }
  auto moved = ctx.engine().Move(ctx.db(), ctx.argv[1], dst_db);
  if (moved.ok() && *moved) {
    NotifyKey(ctx, kNotifyGeneric, "move_from", ctx.argv[1]);
    NotifyKeyspaceEvent(ctx.server, kNotifyGeneric, "move_to", ctx.argv[1], dst_db);
    ctx.server.blocking.Signal(dst_db, ctx.argv[1]);
  }
  ReplyBool(ctx, moved);
}

// The encoding Redis 7.0 gives a string stored by SET (tryObjectEncoding): "int" for a strict integer
// that fits a long, "embstr" up to 44 bytes, else "raw". Strings grown by APPEND/SETRANGE are "raw" in
// Redis whatever their size; redrock does not track that.
std::string_view StringEncoding(std::string_view value) {
  int64_t ignored = 0;
  if (value.size() <= 20 && common::ParseInt64(value, &ignored)) return "int";
  return value.size() <= kEmbstrLimit ? "embstr" : "raw";
}

// The small-collection encoding Redis 7.0 starts each type with. redrock does not track sizes, so large
// collections (which Redis converts to "hashtable"/"skiplist") report the same.
std::string_view CollectionEncoding(engine::KeyType type) {
  switch (type) {
    case engine::KeyType::kHash: return "listpack";
    case engine::KeyType::kList: return "quicklist";
    case engine::KeyType::kSet: return "hashtable";
    case engine::KeyType::kZSet: return "listpack";
    case engine::KeyType::kStream: return "stream";
    default: return "raw";
  }
}

// OBJECT ENCODING key
void ObjectEncodingCommand(CommandContext& ctx) {
  auto value = ctx.engine().Get(ctx.db(), ctx.argv[2]);
  if (value.ok()) {
    ctx.reply.Bulk(StringEncoding(*value));
    return;
  }
  if (value.status().IsNotFound()) {
    ctx.reply.Null();
    return;
  }
  if (!value.status().IsWrongType()) {
    ctx.reply.Error(err::FromStatus(value.status()));
    return;
  }
  // Not a string: only collections need the type. Get was the command's one lookup.
  engine::UncountedLookups looked_up;
  auto type = ctx.engine().Type(ctx.db(), ctx.argv[2]);
  if (!type.ok()) {
    ctx.reply.Error(err::FromStatus(type.status()));
  } else if (*type == engine::KeyType::kNone) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(CollectionEncoding(*type));
  }
}

// Null for a missing key (as Redis's objectCommandLookupOrReply); true when the key exists.
bool ObjectKeyExists(CommandContext& ctx) {
  const std::string_view key = ctx.argv[2];
  auto result = ctx.engine().Exists(ctx.db(), std::span<const std::string_view>(&key, 1));
  if (!result.ok()) {
    ctx.reply.Error(err::FromStatus(result.status()));
    return false;
  }
  if (*result == 0) {
    ctx.reply.Null();
    return false;
  }
  return true;
}

// OBJECT FREQ key
void ObjectFreqCommand(CommandContext& ctx) {
  if (ObjectKeyExists(ctx)) ctx.reply.Error(kNoLfuPolicy);
}

// OBJECT IDLETIME key
// redrock keeps no access times: an existing key has always just been used.
void ObjectIdleTimeCommand(CommandContext& ctx) {
  if (ObjectKeyExists(ctx)) ctx.reply.Integer(0);
}

// OBJECT REFCOUNT key
// Redis shares the integers 0..9999 (refcount INT_MAX); every other value has one reference.
void ObjectRefCountCommand(CommandContext& ctx) {
  auto value = ctx.engine().Get(ctx.db(), ctx.argv[2]);
  if (value.ok()) {
    int64_t n = 0;
    const bool shared = value->size() <= 20 && common::ParseInt64(*value, &n) && n >= 0 && n < kSharedIntegers;
    ctx.reply.Integer(shared ? kSharedRefcount : 1);
  } else if (value.status().IsNotFound()) {
    ctx.reply.Null();
  } else if (value.status().IsWrongType()) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Error(err::FromStatus(value.status()));
  }
}

// OBJECT HELP
void ObjectHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterKeyCommands(CommandTable& table) {
  table.Bind("del", DelCommand);
  table.Bind("unlink", DelCommand);
  table.Bind("exists", ExistsCommand);
  table.Bind("touch", ExistsCommand);
  table.Bind("type", TypeCommand);
  table.Bind("rename", RenameCommand);
  table.Bind("renamenx", RenameNxCommand);
  table.Bind("randomkey", RandomKeyCommand);
  table.Bind("copy", CopyCommand);
  table.Bind("move", MoveCommand);

  table.Bind("object|encoding", ObjectEncodingCommand);
  table.Bind("object|freq", ObjectFreqCommand);
  table.Bind("object|help", ObjectHelpCommand);
  table.Bind("object|idletime", ObjectIdleTimeCommand);
  table.Bind("object|refcount", ObjectRefCountCommand);

  RegisterExpireCommands(table);
  RegisterScanCommands(table);
}

}  // namespace redrock::server
