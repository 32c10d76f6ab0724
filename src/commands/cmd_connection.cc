// Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, CLIENT.
// Replies and error texts follow Redis 7.0 (server.c, networking.c, acl.c).

#include <fmt/core.h>

#include <string>
#include <vector>

#include "src/commands/all_commands.h"
#include "src/server/acl.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/dispatcher.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/command_options.h"
#include "src/types/numbers.h"

namespace lsmdb::server {
namespace {

constexpr std::string_view kRedisVersion = "7.0.15";
constexpr std::string_view kErrWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

// ACLAuthenticateUser: on success the client runs as `user` from now on.
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view pass) {
  if (ctx.server() == nullptr) return user == "default";
  std::shared_ptr<AclUser> u = ctx.server()->acl().Authenticate(user, pass);
  if (u == nullptr) {
    if (ctx.client() != nullptr) {
      LogAclEvent(ctx.server()->acl().log(), *ctx.client(), "auth", "AUTH", user);
    }
    return false;
  }
  if (Client* c = ctx.client(); c != nullptr) {
    c->authenticated = true;
    c->set_user(std::move(u));
  }
  return true;
}

// The default user is nopass (AUTH <password> alone is then an error).
bool DefaultNoPass(CommandContext& ctx) {
  return ctx.server() == nullptr || ctx.server()->acl().default_nopass();
}

// Redis's authRequired().
bool AuthRequired(CommandContext& ctx, const Client& c) {
  return !c.authenticated && ctx.server() != nullptr && !ctx.server()->acl().default_open();
}

Status CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) return RedisError("ERR wrong number of arguments for 'ping' command");
  if (ctx.client() != nullptr && ctx.client()->subscriptions > 0 && ctx.reply().protocol() == 2) {
    // Subscribed RESP2 mode: a ["pong", arg-or-""] array.
    ctx.reply().ArrayHeader(2);
    ctx.reply().Bulk("pong");
    ctx.reply().Bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return Status::OK();
  }
  if (ctx.argc() == 2) {
    ctx.reply().Bulk(ctx.arg(1));
  } else {
    ctx.reply().SimpleString("PONG");
  }
  return Status::OK();
}

Status CmdEcho(CommandContext& ctx) {
  ctx.reply().Bulk(ctx.arg(1));
  return Status::OK();
}

Status CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) return RedisError(kErrSyntax);
  std::string_view user = "default";
  std::string_view pass;
  if (ctx.argc() == 2) {
    if (DefaultNoPass(ctx)) {
      return RedisError(
          "ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?");
    }
    pass = ctx.arg(1);
  } else {
    user = ctx.arg(1);
    pass = ctx.arg(2);
  }
  if (!Authenticate(ctx, user, pass)) return RedisError(kErrWrongPass);
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdHello(CommandContext& ctx) {
  int64_t ver = 0;
  size_t next = 1;
  if (ctx.argc() >= 2) {
    if (!StringToInt64(ctx.arg(next++), &ver)) {
      return RedisError("ERR Protocol version is not an integer or out of range");
    }
    if (ver < 2 || ver > 3) return RedisError("NOPROTO unsupported protocol version");
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (size_t j = next; j < ctx.argc(); j++) {
    size_t more = ctx.argc() - 1 - j;
    if (EqualsIgnoreCase(ctx.arg(j), "AUTH") && more >= 2) {
      user = ctx.arg(j + 1);
      pass = ctx.arg(j + 2);
      has_auth = true;
      j += 2;
    } else if (EqualsIgnoreCase(ctx.arg(j), "SETNAME") && more >= 1) {
      name = ctx.arg(j + 1);
      has_name = true;
      j++;
    } else {
      return RedisError(fmt::format("ERR Syntax error in HELLO option '{}'", ctx.arg(j)));
    }
  }
  Client* client = ctx.client();
  if (has_auth) {
    if (!Authenticate(ctx, user, pass)) return RedisError(kErrWrongPass);
  }
  if (client != nullptr && AuthRequired(ctx, *client)) {
    return RedisError(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "<proto> AUTH <user> <pass> option can be used to authenticate the client and select "
        "the RESP protocol version at the same time");
  }
  if (has_name) {
    for (char c : name) {
      if (c < '!' || c > '~') {
        return RedisError(
            "ERR Client names cannot contain spaces, newlines or special characters.");
      }
    }
    if (client != nullptr) client->set_name(name);
  }
  if (ver != 0) {
    if (client != nullptr) client->protocol = static_cast<int>(ver);
    ctx.reply().set_protocol(static_cast<int>(ver));
  }
  resp::ReplyBuilder& r = ctx.reply();
  r.MapHeader(7);
  r.Bulk("server");
  r.Bulk("redis");
  r.Bulk("version");
  r.Bulk(kRedisVersion);
  r.Bulk("proto");
  r.Integer(r.protocol());
  r.Bulk("id");
  r.Integer(client != nullptr ? static_cast<int64_t>(client->id()) : 0);
  r.Bulk("mode");
  r.Bulk("standalone");
  r.Bulk("role");
  r.Bulk("master");
  r.Bulk("modules");
  r.ArrayHeader(0);
  return Status::OK();
}

Status CmdSelect(CommandContext& ctx) {
  int64_t id;
  if (!StringToInt64(ctx.arg(1), &id) || id < INT32_MIN || id > INT32_MAX) {
    return RedisError(kErrNotInteger);
  }
  int64_t databases = 16;
  if (ctx.server() != nullptr) {
    Config cfg = ctx.server()->config();
    if (cfg.cluster_enabled && id != 0) {
      return RedisError("ERR SELECT is not allowed in cluster mode");
    }
    databases = cfg.databases;
  }
  if (id < 0 || id >= databases) return RedisError(kErrDbIndex);
  ctx.set_db(static_cast<int>(id));
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdQuit(CommandContext& ctx) {
  ctx.reply().Ok();
  if (ctx.client() != nullptr) ctx.client()->close_after_reply = true;
  return Status::OK();
}

Status CmdReset(CommandContext& ctx) {
  ctx.set_db(0);
  ctx.reply().set_protocol(2);
  if (Client* c = ctx.client(); c != nullptr) {
    c->protocol = 2;
    c->set_name("");
    c->reply_off = false;
    c->skip_next_reply = false;
    if (ctx.server() != nullptr) ctx.server()->ReleaseClientState(*c);  // MULTI, WATCH, pub/sub
    c->in_multi = false;
    // Back to the default user, authenticated only if it needs no password.
    if (ctx.server() != nullptr) {
      c->authenticated = false;
      c->set_user(ctx.server()->acl().default_user());
    }
  }
  ctx.reply().SimpleString("RESET");
  return Status::OK();
}

// ---- CLIENT ----

constexpr const char* kClientHelp[] = {
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>,",
    "    SKIPME (YES|NO), TYPE normal, USER default.",
    "LIST [options ...]",
    "    Return information about client connections. Options: TYPE normal, ID <id> [...].",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <LIB-NAME|LIB-VER> <value>",
    "    Set client library information.",
    "NO-EVICT (ON|OFF)",
    "    Accepted for compatibility; keys are never evicted.",
    "HELP",
    "    Print this help.",
};

void ReplyText(CommandContext& ctx, const std::string& text) {
  if (ctx.reply().protocol() == 3) {
    ctx.reply().Verbatim(text, "txt");
  } else {
    ctx.reply().Bulk(text);
  }
}

Status ClientList(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  for (size_t j = 2; j < ctx.argc(); j++) {
    if (EqualsIgnoreCase(ctx.arg(j), "TYPE") && j + 1 < ctx.argc()) {
      std::string_view type = ctx.arg(++j);
      if (!EqualsIgnoreCase(type, "normal") && !EqualsIgnoreCase(type, "master") &&
          !EqualsIgnoreCase(type, "replica") && !EqualsIgnoreCase(type, "slave") &&
          !EqualsIgnoreCase(type, "pubsub")) {
        return RedisError(fmt::format("ERR Unknown client type '{}'", type));
      }
      if (!EqualsIgnoreCase(type, "normal")) {
        ReplyText(ctx, "");
        return Status::OK();
      }
    } else if (EqualsIgnoreCase(ctx.arg(j), "ID") && j + 1 < ctx.argc()) {
      for (j++; j < ctx.argc(); j++) {
        int64_t id;
        if (!StringToInt64(ctx.arg(j), &id) || id <= 0) {
          return RedisError(fmt::format("ERR Invalid client ID"));
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      return RedisError(kErrSyntax);
    }
  }
  std::string text;
  int64_t now = MonotonicMs();
  if (ctx.server() != nullptr) {
    ctx.server()->clients().ForEach([&](Client& c) {
      if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id()) == ids.end()) return;
      text += c.Describe(now);
    });
  } else if (ctx.client() != nullptr) {
    text = ctx.client()->Describe(now);
  }
  ReplyText(ctx, text);
  return Status::OK();
}

Status ClientKill(CommandContext& ctx) {
  Client* self = ctx.client();
  bool old_form = ctx.argc() == 3;
  std::string addr, laddr;
  int64_t id = 0;
  bool skipme = true;
  if (old_form) {
    addr = std::string(ctx.arg(2));
    skipme = false;
  } else {
    if (ctx.argc() < 4 || (ctx.argc() - 2) % 2 != 0) return RedisError(kErrSyntax);
    for (size_t j = 2; j + 1 < ctx.argc(); j += 2) {
      std::string_view opt = ctx.arg(j), val = ctx.arg(j + 1);
      if (EqualsIgnoreCase(opt, "ID")) {
        if (!StringToInt64(val, &id) || id <= 0) {
          return RedisError("ERR client-id should be greater than 0");
        }
      } else if (EqualsIgnoreCase(opt, "ADDR")) {
        addr = std::string(val);
      } else if (EqualsIgnoreCase(opt, "LADDR")) {
        laddr = std::string(val);
      } else if (EqualsIgnoreCase(opt, "TYPE")) {
        if (!EqualsIgnoreCase(val, "normal")) {
          ctx.reply().Integer(0);
          return Status::OK();
        }
      } else if (EqualsIgnoreCase(opt, "USER")) {
        if (val != "default") return RedisError(fmt::format("ERR No such user '{}'", val));
      } else if (EqualsIgnoreCase(opt, "SKIPME")) {
        if (EqualsIgnoreCase(val, "yes")) {
          skipme = true;
        } else if (EqualsIgnoreCase(val, "no")) {
          skipme = false;
        } else {
          return RedisError(kErrSyntax);
        }
      } else {
        return RedisError(kErrSyntax);
      }
    }
  }
  int64_t killed = 0;
  bool kill_self = false;
  auto consider = [&](Client& c) {
    if (id != 0 && c.id() != static_cast<uint64_t>(id)) return;
    if (!addr.empty() && c.addr() != addr) return;
    if (!laddr.empty() && c.laddr() != laddr) return;
    if (self != nullptr && c.id() == self->id()) {
      if (skipme) return;
      kill_self = true;
    } else {
      c.Kill();
    }
    killed++;
  };
  if (ctx.server() != nullptr) {
    ctx.server()->clients().ForEach(consider);
  } else if (self != nullptr) {
    consider(*self);
  }
  if (old_form) {
    if (killed == 0) return RedisError("ERR No such client");
    ctx.reply().Ok();
  } else {
    ctx.reply().Integer(killed);
  }
  if (kill_self) self->close_after_reply = true;
  return Status::OK();
}

Status OnOffArg(std::string_view v, bool* on) {
  if (EqualsIgnoreCase(v, "on")) {
    *on = true;
  } else if (EqualsIgnoreCase(v, "off")) {
    *on = false;
  } else {
    return RedisError(kErrSyntax);
  }
  return Status::OK();
}

Status CmdClient(CommandContext& ctx) {
  std::string_view sub = ctx.arg(1);
  Client* client = ctx.client();
  auto arity = [&](size_t n) { return ctx.argc() == n; };
  if (EqualsIgnoreCase(sub, "ID") && arity(2)) {
    ctx.reply().Integer(client != nullptr ? static_cast<int64_t>(client->id()) : 0);
  } else if (EqualsIgnoreCase(sub, "GETNAME") && arity(2)) {
    std::string name = client != nullptr ? client->name() : std::string();
    if (name.empty()) {
      ctx.reply().Null();
    } else {
      ctx.reply().Bulk(name);
    }
  } else if (EqualsIgnoreCase(sub, "SETNAME") && arity(3)) {
    for (char c : ctx.arg(2)) {
      if (c < '!' || c > '~') {
        return RedisError(
            "ERR Client names cannot contain spaces, newlines or special characters.");
      }
    }
    if (client != nullptr) client->set_name(ctx.arg(2));
    ctx.reply().Ok();
  } else if (EqualsIgnoreCase(sub, "INFO") && arity(2)) {
    ReplyText(ctx, client != nullptr ? client->Describe(MonotonicMs()) : std::string());
  } else if (EqualsIgnoreCase(sub, "LIST")) {
    return ClientList(ctx);
  } else if (EqualsIgnoreCase(sub, "KILL") && ctx.argc() >= 3) {
    return ClientKill(ctx);
  } else if (EqualsIgnoreCase(sub, "SETINFO") && arity(4)) {
    std::string_view attr = ctx.arg(2), val = ctx.arg(3);
    bool is_name = EqualsIgnoreCase(attr, "LIB-NAME");
    if (!is_name && !EqualsIgnoreCase(attr, "LIB-VER")) {
      return RedisError(fmt::format("ERR Unrecognized option '{}'", attr));
    }
    for (char c : val) {
      if (c < '!' || c > '~') {
        return RedisError(
            fmt::format("ERR {} cannot contain spaces, newlines or special characters.", attr));
      }
    }
    if (client != nullptr) client->set_lib(val, val, is_name);
    ctx.reply().Ok();
  } else if ((EqualsIgnoreCase(sub, "NO-EVICT") || EqualsIgnoreCase(sub, "NO-TOUCH")) && arity(3)) {
    bool on;
    LSMDB_RETURN_IF_ERROR(OnOffArg(ctx.arg(2), &on));
    ctx.reply().Ok();
  } else if (EqualsIgnoreCase(sub, "REPLY") && arity(3)) {
    std::string_view mode = ctx.arg(2);
    if (EqualsIgnoreCase(mode, "ON")) {
      if (client != nullptr) client->reply_off = false;
      ctx.reply().Ok();
    } else if (EqualsIgnoreCase(mode, "OFF")) {
      if (client != nullptr) client->reply_off = true;
    } else if (EqualsIgnoreCase(mode, "SKIP")) {
      if (client != nullptr && !client->reply_off) client->skip_next_reply = true;
    } else {
      return RedisError(kErrSyntax);
    }
  } else if (EqualsIgnoreCase(sub, "HELP") && arity(2)) {
    ctx.reply().ArrayHeader(std::size(kClientHelp));
    for (const char* line : kClientHelp) ctx.reply().SimpleString(line);
  } else {
    for (const char* known : {"id", "getname", "setname", "info", "kill", "setinfo", "no-evict",
                              "no-touch", "reply", "help"}) {
      if (EqualsIgnoreCase(sub, known)) {
        return RedisError(
            fmt::format("ERR wrong number of arguments for 'client|{}' command", known));
      }
    }
    return UnknownSubcommand("client", sub);
  }
  return Status::OK();
}

constexpr CommandSpec kConnectionCommands[] = {
    {"ping", -1, kCmdFast | kCmdStale, {}, CmdPing, "@fast @connection"},
    {"echo", 2, kCmdFast, {}, CmdEcho, "@fast @connection"},
    {"hello",
     -1,
     kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast,
     {},
     CmdHello,
     "@fast @connection"},
    {"auth",
     -2,
     kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast,
     {},
     CmdAuth,
     "@fast @connection"},
    {"select", 2, kCmdLoading | kCmdStale | kCmdFast, {}, CmdSelect, "@fast @connection"},
    {"quit",
     -1,
     kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoMulti,
     {},
     CmdQuit,
     "@fast @connection"},
    {"reset",
     1,
     kCmdNoAuth | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoMulti,
     {},
     CmdReset,
     "@fast @connection"},
    {"client", -2, kCmdNoScript | kCmdLoading | kCmdStale, {}, CmdClient, "@slow @connection"},
};

}  // namespace

void RegisterConnectionCommands(CommandTable& table) { table.Add(kConnectionCommands); }

}  // namespace lsmdb::server
