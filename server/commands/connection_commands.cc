// Connection commands: PING ECHO QUIT RESET SELECT AUTH HELLO, and the CLIENT container.

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "redrock/engine/engine.h"
#include "server/core/args.h"
#include "server/core/command_table.h"
#include "server/commands/command_helpers.h"
#include "server/commands/client_info.h"
#include "server/commands/families.h"
#include "redrock/server/config.h"
#include "server/core/errors.h"
#include "server/events/pubsub.h"
#include "server/scripting/script_commands.h"
#include "server/core/server_state.h"

namespace redrock::server {

namespace {

constexpr std::string_view kNoAuthHello =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> "
    "<pass> option can be used to authenticate the client and select the RESP protocol version at the same "
    "time";
constexpr std::string_view kBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// Compares without an early exit, so the time taken does not reveal how much of a password matched.
bool SecretEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

enum class AuthResult { kOk, kWrongPass, kNotConfigured };

// The default user: "nopass" when requirepass is empty (any password works with a user name), else the
// password must match. There are no other users.
AuthResult CheckCredentials(const CommandContext& ctx, std::string_view user, std::string_view pass,
                            bool with_user) {
  std::string required = ctx.server.config.requirepass();
  if (!with_user) {
    if (required.empty()) return AuthResult::kNotConfigured;
    return SecretEquals(pass, required) ? AuthResult::kOk : AuthResult::kWrongPass;
  }
  if (user != "default") return AuthResult::kWrongPass;  // user names are case-sensitive
  if (required.empty()) return AuthResult::kOk;
  return SecretEquals(pass, required) ? AuthResult::kOk : AuthResult::kWrongPass;
}

void SetResp(ClientState& client, int resp) { std::atomic_ref<int>(client.resp).store(resp); }

void SetName(CommandContext& ctx, std::string_view name) {
  std::lock_guard lock(ctx.server.clients.mutex());
  ctx.client.name.assign(name);
}

// PING [message]
void PingCommand(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error(err::WrongArity("ping"));
    return;
  }
  if (ctx.client.subscribed && ctx.client.resp == 2) {
    // RESP2 subscribed mode: PING answers in the shape of a message, ["pong", message or ""].
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? ctx.argv[1] : std::string_view());
    return;
  }
  if (ctx.argc() == 1) {
    ctx.reply.Simple("PONG");
  } else {
    ctx.reply.Bulk(ctx.argv[1]);
  }
}

// ECHO message
void EchoCommand(CommandContext& ctx) { ctx.reply.Bulk(ctx.argv[1]); }

// QUIT: +OK, then the connection closes once the reply is written.
void QuitCommand(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.client.close_after_reply = true;
}

// RESET: back to a fresh connection's state.
void ResetCommand(CommandContext& ctx) {
  DiscardTransaction(ctx.client, ctx.server);
  ctx.client.db.store(0);
  SetResp(ctx.client, 2);
  ctx.reply.set_resp(2);
  SetName(ctx, "");
  ctx.client.authenticated = ctx.server.config.requirepass().empty();
  UnsubscribeClientFromAll(ctx.server.pubsub, ctx.client);  // silently, and out of subscribed mode
  // CLIENT REPLY OFF and a pending SKIP end; a SKIP already in force still silences this reply.
  ctx.client.reply_off = false;
  ctx.client.reply_skip_next = false;
  ctx.RetargetReply();
  ctx.reply.Simple("RESET");
}

// SELECT index
void SelectCommand(CommandContext& ctx) {
  int db = 0;
  if (!ParseDbIndex(ctx, ctx.argv[1], &db)) return;
  ctx.client.db.store(db);
  ctx.reply.Ok();
}

// AUTH [username] password
void AuthCommand(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool with_user = ctx.argc() == 3;
  AuthResult result = with_user ? CheckCredentials(ctx, ctx.argv[1], ctx.argv[2], true)
                                : CheckCredentials(ctx, "", ctx.argv[1], false);
  switch (result) {
    case AuthResult::kOk:
      ctx.client.authenticated = true;
      ctx.reply.Ok();
      return;
    case AuthResult::kNotConfigured:
      ctx.reply.Error(err::kAuthNotConfigured);
      return;
    case AuthResult::kWrongPass:
      ctx.reply.Error(err::kWrongPass);
      return;
  }
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void HelloCommand(CommandContext& ctx) {
  int64_t protover = 0;
  if (ctx.argc() >= 2) {
    if (!common::ParseInt64(ctx.argv[1], &protover)) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (protover < 2 || protover > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view user, pass, name;
  bool auth = false, setname = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - i - 1;
    if (EqualsIgnoreCase(ctx.argv[i], "AUTH") && more >= 2) {
      auth = true;
      user = ctx.argv[i + 1];
      pass = ctx.argv[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(ctx.argv[i], "SETNAME") && more >= 1) {
      setname = true;
      name = ctx.argv[i + 1];
      if (!ValidClientName(name)) {
        ctx.reply.Error(kBadClientName);
        return;
      }
      i += 1;
    } else {
      ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(ctx.argv[i]) + "'");
      return;
    }
  }
  if (auth) {
    if (CheckCredentials(ctx, user, pass, true) != AuthResult::kOk) {
      ctx.reply.Error(err::kWrongPass);
      return;
    }
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated) {
    ctx.reply.Error(kNoAuthHello);
    return;
  }
  if (setname) SetName(ctx, name);
  if (protover != 0) {
    SetResp(ctx.client, static_cast<int>(protover));
    ctx.reply.set_resp(static_cast<int>(protover));
  }
  protocol::ReplyWriter& r = ctx.reply;
  r.MapHeader(7);
  r.Bulk("server");
  r.Bulk("redis");
  r.Bulk("version");
  r.Bulk(kRedisVersion);
  r.Bulk("proto");
  r.Integer(ctx.client.resp);
  r.Bulk("id");
  r.Integer(static_cast<int64_t>(ctx.client.id));
  r.Bulk("mode");
  r.Bulk("standalone");
  r.Bulk("role");
  r.Bulk("master");
  r.Bulk("modules");
  r.ArrayHeader(0);
}

// ---- CLIENT ------------------------------------------------------------------------------------

void ClientIdCommand(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client.id)); }

void ClientSetNameCommand(CommandContext& ctx) {
  if (!ValidClientName(ctx.argv[2])) {
    ctx.reply.Error(kBadClientName);
    return;
  }
  SetName(ctx, ctx.argv[2]);
  ctx.reply.Ok();
}

void ClientGetNameCommand(CommandContext& ctx) {
  std::string name;
  {
    std::lock_guard lock(ctx.server.clients.mutex());
    name = ctx.client.name;
  }
  if (name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(name);
  }
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID client-id ...]
void ClientListCommand(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  bool only_none = false;  // a type no redrock client has (master, replica)
  int want_pubsub = -1;    // TYPE normal: 0, TYPE pubsub: 1 (a client with subscriptions is "pubsub")
  ArgReader args(ctx.argv, 2);
  while (!args.Done()) {
    if (args.Remaining() >= 2 && EqualsIgnoreCase(args.Peek(), "TYPE")) {
      args.Take();
      std::string_view type = args.Take();
      if (EqualsIgnoreCase(type, "normal") || EqualsIgnoreCase(type, "pubsub")) {
        want_pubsub = EqualsIgnoreCase(type, "pubsub") ? 1 : 0;
      } else if (EqualsIgnoreCase(type, "master") || EqualsIgnoreCase(type, "replica") ||
                 EqualsIgnoreCase(type, "slave")) {
        only_none = true;
      } else {
        ctx.reply.Error("ERR Unknown client type '" + std::string(type) + "'");
        return;
      }
    } else if (args.Remaining() >= 2 && EqualsIgnoreCase(args.Peek(), "ID")) {
      args.Take();
      while (!args.Done()) {
        int64_t id;
        if (!common::ParseInt64(args.Take(), &id) || id <= 0) {
          ctx.reply.Error("ERR Invalid client ID");
          return;
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  std::string text;
  if (!only_none) {
    text = ClientListText(ctx, [&](const ClientState& c) {
      if (want_pubsub >= 0 && IsPubSubClient(c) != (want_pubsub == 1)) return false;
      return ids.empty() || std::find(ids.begin(), ids.end(), c.id) != ids.end();
    });
  }
  ctx.reply.Verbatim(text);
}

void ClientInfoCommand(CommandContext& ctx) {
  ctx.reply.Verbatim(ClientListText(ctx, [&](const ClientState& c) { return &c == &ctx.client; }));
}

// CLIENT KILL ip:port | CLIENT KILL <filter> <value> ... [SKIPME yes|no]
void ClientKillCommand(CommandContext& ctx) {
  struct Filter {
    std::optional<uint64_t> id;
    std::optional<std::string> addr, laddr;
    bool no_match = false;  // TYPE master/replica: nothing can match
    int want_pubsub = -1;   // TYPE normal: 0, TYPE pubsub: 1
    bool skipme = true;
  } f;
  const bool old_form = ctx.argc() == 3;
  if (old_form) {
    f.addr = std::string(ctx.argv[2]);
    f.skipme = false;
  } else {
    if ((ctx.argc() - 2) % 2 != 0) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    for (size_t i = 2; i < ctx.argc(); i += 2) {
      std::string_view opt = ctx.argv[i], val = ctx.argv[i + 1];
      if (EqualsIgnoreCase(opt, "ID")) {
        int64_t id;
        if (!common::ParseInt64(val, &id) || id <= 0) {
          ctx.reply.Error("ERR client-id should be greater than 0");
          return;
        }
        f.id = static_cast<uint64_t>(id);
      } else if (EqualsIgnoreCase(opt, "TYPE")) {
        if (EqualsIgnoreCase(val, "normal") || EqualsIgnoreCase(val, "pubsub")) {
          f.want_pubsub = EqualsIgnoreCase(val, "pubsub") ? 1 : 0;
        } else if (EqualsIgnoreCase(val, "master") || EqualsIgnoreCase(val, "replica") ||
                   EqualsIgnoreCase(val, "slave")) {
          f.no_match = true;
        } else {
          ctx.reply.Error("ERR Unknown client type '" + std::string(val) + "'");
          return;
        }
      } else if (EqualsIgnoreCase(opt, "ADDR")) {
        f.addr = std::string(val);
      } else if (EqualsIgnoreCase(opt, "LADDR")) {
        f.laddr = std::string(val);
      } else if (EqualsIgnoreCase(opt, "USER")) {
        if (val != "default") {
          ctx.reply.Error("ERR No such user '" + std::string(val) + "'");
          return;
        }
      } else if (EqualsIgnoreCase(opt, "SKIPME")) {
        if (EqualsIgnoreCase(val, "yes")) {
          f.skipme = true;
        } else if (EqualsIgnoreCase(val, "no")) {
          f.skipme = false;
        } else {
          ctx.reply.Error(err::kSyntax);
          return;
        }
      } else {
        ctx.reply.Error(err::kSyntax);
        return;
      }
    }
  }
  int64_t killed = 0;
  bool kill_self = false;
  if (!f.no_match) {
    ctx.server.clients.ForEach([&](ClientState& c, const std::function<void()>& close) {
      if (f.id && c.id != *f.id) return;
      if (f.want_pubsub >= 0 && IsPubSubClient(c) != (f.want_pubsub == 1)) return;
      if (f.addr && c.addr != *f.addr) return;
      if (f.laddr && c.laddr != *f.laddr) return;
      if (&c == &ctx.client) {
        if (f.skipme) return;
        kill_self = true;  // closed after this reply, as Redis does
      } else {
        close();
      }
      ++killed;
    });
  }
  if (kill_self) ctx.client.close_after_reply = true;
  if (old_form) {
    if (killed == 0) {
      ctx.reply.Error("ERR No such client");
    } else {
      ctx.reply.Ok();
    }
  } else {
    ctx.reply.Integer(killed);
  }
}

// CLIENT REPLY ON|OFF|SKIP. OFF silences every reply until ON (whose +OK is sent); SKIP silences the next
// command's reply (and nothing under OFF). Neither OFF nor SKIP answers.
void ClientReplyCommand(CommandContext& ctx) {
  ClientState& client = ctx.client;
  const std::string_view mode = ctx.argv[2];
  if (EqualsIgnoreCase(mode, "on")) {
    client.reply_off = false;
    client.reply_skip = false;
    ctx.RetargetReply();
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    client.reply_off = true;
    ctx.RetargetReply();
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (!client.reply_off) client.reply_skip_next = true;
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

// CLIENT NO-EVICT on|off: accepted; redrock never evicts clients.
void ClientNoEvictCommand(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.argv[2], "on") || EqualsIgnoreCase(ctx.argv[2], "off")) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: a client blocked in BLPOP & co. gets its timeout reply, or
// an UNBLOCKED error (server/core/blocking.h). 1 when it was blocked, else 0.
void ClientUnblockCommand(CommandContext& ctx) {
  if (ctx.argc() > 4) return ReplySubcommandSyntaxError(ctx);
  bool error = false;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.argv[3], "error")) {
      error = true;
    } else if (!EqualsIgnoreCase(ctx.argv[3], "timeout")) {
      ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  int64_t id = 0;
  if (!common::ParseInt64(ctx.argv[2], &id)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  const bool unblocked =
      id > 0 && ctx.server.blocking.Unblock(static_cast<uint64_t>(id),
                                            error ? "UNBLOCKED client unblocked via CLIENT UNBLOCK" : "");
  ctx.reply.Integer(unblocked ? 1 : 0);
}

void ClientHelpCommand(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterConnectionCommands(CommandTable& table) {
  table.Bind("ping", PingCommand);
  table.Bind("echo", EchoCommand);
  table.Bind("quit", QuitCommand, kCmdMultiControl);
  table.Bind("reset", ResetCommand, kCmdMultiControl);
  table.Bind("select", SelectCommand);
  table.Bind("auth", AuthCommand);
  table.Bind("hello", HelloCommand);

  table.Bind("client|getname", ClientGetNameCommand);
  table.Bind("client|help", ClientHelpCommand);
  table.Bind("client|id", ClientIdCommand);
  table.Bind("client|info", ClientInfoCommand);
  table.Bind("client|kill", ClientKillCommand);
  table.Bind("client|list", ClientListCommand);
  table.Bind("client|no-evict", ClientNoEvictCommand);
  table.Bind("client|reply", ClientReplyCommand);
  table.Bind("client|setname", ClientSetNameCommand);
  table.Bind("client|unblock", ClientUnblockCommand);
}

}  // namespace redrock::server
