#include "src/commands/cmd_acl.h"

#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/server/acl.h"
#include "src/server/acl_file.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/dispatcher.h"
#include "src/server/log.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/clock.h"
#include "src/types/command_options.h"

namespace lsmdb::server {
namespace {

constexpr const char* kAclHelp[] = {
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "GETUSER <username>",
    "    Get the user's details.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Print this help.",
};

constexpr std::string_view kErrNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";

// Redis frees a removed user and disconnects every client authenticated as it.
void DisconnectUsers(CommandContext& ctx, const std::vector<std::shared_ptr<AclUser>>& removed) {
  if (removed.empty()) return;
  ctx.server()->clients().ForEach([&](Client& c) {
    for (const auto& u : removed) {
      if (c.user_tag() == u.get()) {
        if (&c == ctx.client()) {
          c.close_after_reply = true;
        } else {
          c.Kill();
        }
      }
    }
  });
}

Status CmdAcl(CommandContext& ctx) {
  if (ctx.server() == nullptr) return RedisError("ERR ACL is not available");
  Server& server = *ctx.server();
  Acl& acl = server.acl();
  resp::ReplyBuilder& r = ctx.reply();
  std::string_view sub = ctx.arg(1);
  const size_t argc = ctx.argc();

  if (EqualsIgnoreCase(sub, "SETUSER") && argc >= 3) {
    std::vector<std::string_view> rules;
    for (size_t i = 3; i < argc; i++) rules.push_back(ctx.arg(i));
    LSMDB_RETURN_IF_ERROR(acl.SetUser(ctx.arg(2), rules));
    r.Ok();
  } else if (EqualsIgnoreCase(sub, "DELUSER") && argc >= 3) {
    std::vector<std::string_view> names;
    for (size_t i = 2; i < argc; i++) names.push_back(ctx.arg(i));
    std::vector<std::shared_ptr<AclUser>> removed;
    LSMDB_RETURN_IF_ERROR(acl.DelUsers(names, &removed));
    DisconnectUsers(ctx, removed);
    r.Integer(static_cast<int64_t>(removed.size()));
  } else if (EqualsIgnoreCase(sub, "GETUSER") && argc == 3) {
    AclUserInfo info;
    if (!acl.GetUser(ctx.arg(2), &info)) {
      r.Null();
      return Status::OK();
    }
    r.MapHeader(6);
    r.Bulk("flags");
    r.SetHeader(info.flags.size());
    for (const std::string& f : info.flags) r.Bulk(f);
    r.Bulk("passwords");
    r.ArrayHeader(info.passwords.size());
    for (const std::string& p : info.passwords) r.Bulk(p);
    r.Bulk("commands");
    r.Bulk(info.commands);
    r.Bulk("keys");
    r.Bulk(info.keys);
    r.Bulk("channels");
    r.Bulk(info.channels);
    r.Bulk("selectors");
    r.ArrayHeader(0);
  } else if ((EqualsIgnoreCase(sub, "LIST") || EqualsIgnoreCase(sub, "USERS")) && argc == 2) {
    std::vector<std::string> lines = EqualsIgnoreCase(sub, "LIST") ? acl.List() : acl.Users();
    r.ArrayHeader(lines.size());
    for (const std::string& l : lines) r.Bulk(l);
  } else if (EqualsIgnoreCase(sub, "LOAD") && argc == 2) {
    Config cfg = server.config();
    if (cfg.aclfile.empty()) return RedisError(kErrNoAclFile);
    std::vector<std::shared_ptr<AclUser>> removed;
    LSMDB_RETURN_IF_ERROR(LoadAclFile(acl, cfg.aclfile, cfg.requirepass, &removed));
    DisconnectUsers(ctx, removed);
    r.Ok();
  } else if (EqualsIgnoreCase(sub, "SAVE") && argc == 2) {
    Config cfg = server.config();
    if (cfg.aclfile.empty()) return RedisError(kErrNoAclFile);
    Status s = SaveAclFile(acl, cfg.aclfile);
    if (!s.ok()) {
      LSMDB_LOG_WARNING("{}", s.message());
      return RedisError(
          "ERR There was an error trying to save the ACLs. Please check the server logs for "
          "more information");
    }
    r.Ok();
  } else if (EqualsIgnoreCase(sub, "LOG") && (argc == 2 || argc == 3)) {
    int64_t count = 10;
    if (argc == 3) {
      if (EqualsIgnoreCase(ctx.arg(2), "RESET")) {
        acl.log().Reset();
        r.Ok();
        return Status::OK();
      }
      LSMDB_ASSIGN_OR_RETURN(count, ParseInt64Arg(ctx.arg(2)));
      if (count < 0) count = 0;
    }
    std::vector<AclLogEntry> entries = acl.log().Newest(static_cast<size_t>(count));
    const int64_t now = RealClockMs();
    r.ArrayHeader(entries.size());
    for (const AclLogEntry& e : entries) {
      r.MapHeader(7);
      r.Bulk("count");
      r.Integer(e.count);
      r.Bulk("reason");
      r.Bulk(e.reason);
      r.Bulk("context");
      r.Bulk(e.context);
      r.Bulk("object");
      r.Bulk(e.object);
      r.Bulk("username");
      r.Bulk(e.username);
      r.Bulk("age-seconds");
      r.Double(static_cast<double>(now - e.updated_ms) / 1000);
      r.Bulk("client-info");
      r.Bulk(e.client_info);
    }
  } else if (EqualsIgnoreCase(sub, "WHOAMI") && argc == 2) {
    const Client* c = ctx.client();
    r.Bulk(c != nullptr && c->user != nullptr ? c->user->name() : std::string("default"));
  } else if (EqualsIgnoreCase(sub, "CAT") && (argc == 2 || argc == 3)) {
    std::vector<std::string> out;
    if (argc == 2) {
      out = acl.Categories();
    } else if (!acl.CategoryCommands(ctx.arg(2), &out)) {
      return RedisError(fmt::format("ERR Unknown category '{}'", ctx.arg(2).substr(0, 128)));
    }
    r.ArrayHeader(out.size());
    for (const std::string& s : out) r.Bulk(s);
  } else if (EqualsIgnoreCase(sub, "HELP") && argc == 2) {
    r.ArrayHeader(std::size(kAclHelp));
    for (const char* line : kAclHelp) r.SimpleString(line);
  } else {
    for (const char* known :
         {"setuser", "deluser", "getuser", "list", "load", "log", "save", "users", "whoami",
          "cat", "help"}) {
      if (EqualsIgnoreCase(sub, known)) {
        return RedisError(fmt::format("ERR wrong number of arguments for 'acl|{}' command", known));
      }
    }
    return UnknownSubcommand("acl", sub);
  }
  return Status::OK();
}

constexpr CommandSpec kAclCommands[] = {
    {"acl", -2, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, {}, CmdAcl,
     "@admin @slow @dangerous"},
};

}  // namespace

void RegisterAclCommands(CommandTable& table) { table.Add(kAclCommands); }

}  // namespace lsmdb::server
