// Server commands: INFO, CONFIG, COMMAND, TIME, SAVE, BGSAVE, LASTSAVE,
// SLOWLOG, DEBUG, SHUTDOWN and the admin command LSMDB. Replies and error
// texts follow Redis 7.0 (server.c, config.c, slowlog.c, debug.c).

#include <fmt/core.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "src/commands/all_commands.h"
#include "src/commands/cmd_debug.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/dispatcher.h"
#include "src/server/info.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/command_options.h"
#include "src/types/glob.h"
#include "src/types/numbers.h"

namespace lsmdb::server {
namespace {

Status NeedServer(CommandContext& ctx) {
  if (ctx.server() == nullptr) return RedisError("ERR this command needs a running server");
  return Status::OK();
}

void ReplyHelp(CommandContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply().ArrayHeader(lines.size());
  for (const char* l : lines) ctx.reply().SimpleString(l);
}

// "ERR wrong number of arguments for 'config|get' command"
Status SubArity(std::string_view cmd, std::string_view sub) {
  std::string lower(sub);
  for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return RedisError(fmt::format("ERR wrong number of arguments for '{}|{}' command", cmd, lower));
}

// ---- INFO ----

Status CmdInfo(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  std::vector<std::string_view> sections(ctx.args().begin() + 1, ctx.args().end());
  ctx.reply().Verbatim(BuildInfo(*ctx.server(), sections), "txt");
  return Status::OK();
}

// ---- CONFIG ----

Status CmdConfig(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  Server& server = *ctx.server();
  std::string_view sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "GET")) {
    if (ctx.argc() < 3) return SubArity("config", sub);
    Config cfg = server.config();
    std::vector<std::pair<std::string, std::string>> all;
    for (size_t i = 2; i < ctx.argc(); i++) {
      for (auto& kv : GetConfigOptions(cfg, ctx.arg(i))) {
        bool dup = false;
        for (const auto& seen : all) dup = dup || seen.first == kv.first;
        if (!dup) all.push_back(std::move(kv));
      }
    }
    ctx.reply().MapHeader(all.size());
    for (const auto& [k, v] : all) {
      ctx.reply().Bulk(k);
      ctx.reply().Bulk(v);
    }
  } else if (EqualsIgnoreCase(sub, "SET")) {
    if (ctx.argc() < 4 || ctx.argc() % 2 != 0) return SubArity("config", sub);
    for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
      std::string_view name = ctx.arg(i);
      Status s = server.SetConfig(name, ctx.arg(i + 1));
      if (s.IsNotFound()) {
        return RedisError(
            fmt::format("ERR Unknown option or number of arguments for CONFIG SET - '{}'", name));
      }
      if (!s.ok()) {
        return RedisError(fmt::format(
            "ERR CONFIG SET failed (possibly related to argument '{}') - {}", name, s.message()));
      }
    }
    ctx.reply().Ok();
  } else if (EqualsIgnoreCase(sub, "RESETSTAT")) {
    if (ctx.argc() != 2) return SubArity("config", sub);
    server.ResetStats();
    server.slowlog().Reset();
    ctx.reply().Ok();
  } else if (EqualsIgnoreCase(sub, "REWRITE")) {
    if (ctx.argc() != 2) return SubArity("config", sub);
    Status s = server.RewriteConfig();
    if (!s.ok() && !s.IsInvalidArgument()) {
      return RedisError(fmt::format("ERR Rewriting config file: {}", s.message()));
    }
    LSMDB_RETURN_IF_ERROR(s);
    ctx.reply().Ok();
  } else if (EqualsIgnoreCase(sub, "HELP")) {
    ReplyHelp(ctx, {"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "GET <pattern>", "    Return parameters matching the glob-like <pattern>.",
                    "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
                    "RESETSTAT", "    Reset statistics reported by the INFO command.", "REWRITE",
                    "    Rewrite the configuration file.", "HELP", "    Print this help."});
  } else {
    return UnknownSubcommand("config", sub);
  }
  return Status::OK();
}

// ---- COMMAND ----

constexpr std::pair<uint32_t, const char*> kFlagNames[] = {
    {kCmdWrite, "write"},       {kCmdReadOnly, "readonly"}, {kCmdDenyOom, "denyoom"},
    {kCmdAdmin, "admin"},       {kCmdPubSub, "pubsub"},     {kCmdNoScript, "noscript"},
    {kCmdLoading, "loading"},   {kCmdStale, "stale"},       {kCmdFast, "fast"},
    {kCmdBlocking, "blocking"}, {kCmdNoMulti, "no_multi"},  {kCmdNoAuth, "no_auth"},
    {kCmdAsking, "asking"},
};

std::vector<std::string_view> SplitWords(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') i++;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') j++;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// The 10-element COMMAND INFO entry of Redis 7.0.
void ReplyCommandInfo(resp::ReplyBuilder& r, const CommandSpec& spec) {
  r.ArrayHeader(10);
  r.Bulk(spec.name);
  r.Integer(spec.arity);
  size_t nflags = 0;
  for (const auto& [bit, name] : kFlagNames) nflags += (spec.flags & bit) ? 1 : 0;
  r.SetHeader(nflags + (spec.keys.movable() ? 1 : 0));
  for (const auto& [bit, name] : kFlagNames) {
    if (spec.flags & bit) r.SimpleString(name);
  }
  if (spec.keys.movable()) r.SimpleString("movablekeys");  // clients ask COMMAND GETKEYS
  r.Integer(spec.keys.first);
  r.Integer(spec.keys.last);
  r.Integer(spec.keys.step);
  std::vector<std::string_view> cats = SplitWords(spec.acl_categories);
  r.SetHeader(cats.size());
  for (std::string_view c : cats) r.SimpleString(c);
  r.ArrayHeader(0);  // tips
  r.ArrayHeader(0);  // key specs
  r.ArrayHeader(0);  // subcommands
}

std::string_view GroupOf(const CommandSpec& spec) {
  for (std::string_view c : SplitWords(spec.acl_categories)) {
    if (c == "@fast" || c == "@slow" || c == "@read" || c == "@write" || c == "@keyspace" ||
        c == "@dangerous" || c == "@admin") {
      continue;
    }
    if (c.size() > 1) return c.substr(1);
  }
  for (std::string_view c : SplitWords(spec.acl_categories)) {
    if (c == "@keyspace") return "generic";
  }
  return (spec.flags & kCmdAdmin) ? "server" : "generic";
}

void ReplyCommandDocs(resp::ReplyBuilder& r, const CommandSpec& spec) {
  r.Bulk(spec.name);
  r.MapHeader(4);
  r.Bulk("summary");
  r.Bulk(fmt::format("The {} command.", spec.name));
  r.Bulk("since");
  r.Bulk("1.0.0");
  r.Bulk("group");
  r.Bulk(GroupOf(spec));
  r.Bulk("complexity");
  r.Bulk((spec.flags & kCmdFast) ? "O(1)" : "O(N)");
}

Status CommandGetKeys(CommandContext& ctx) {
  const CommandTable::Entry* e = ctx.server()->commands().Find(ctx.arg(2));
  if (e == nullptr) return RedisError("ERR Invalid command specified");
  size_t argc = ctx.argc() - 2;
  int arity = e->spec.arity;
  if ((arity > 0 && argc != static_cast<size_t>(arity)) ||
      (arity < 0 && argc < static_cast<size_t>(-arity))) {
    return RedisError("ERR Invalid number of arguments specified for command");
  }
  std::vector<std::string_view> line;
  for (size_t i = 2; i < ctx.argc(); i++) line.push_back(ctx.arg(i));
  std::vector<std::string_view> keys;
  ForEachKey(e->spec.keys, line, [&](int i) {
    keys.push_back(line[static_cast<size_t>(i)]);
    return true;
  });
  if (keys.empty()) return RedisError("ERR The command has no key arguments");
  ctx.reply().BulkArray(keys);
  return Status::OK();
}

Status CmdCommand(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  const CommandTable& table = ctx.server()->commands();
  resp::ReplyBuilder& r = ctx.reply();
  if (ctx.argc() == 1) {
    r.ArrayHeader(table.size());
    for (const auto& e : table.entries()) ReplyCommandInfo(r, e->spec);
    return Status::OK();
  }
  std::string_view sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "COUNT")) {
    if (ctx.argc() != 2) return SubArity("command", sub);
    r.Integer(static_cast<int64_t>(table.size()));
  } else if (EqualsIgnoreCase(sub, "INFO")) {
    if (ctx.argc() == 2) {
      r.ArrayHeader(table.size());
      for (const auto& e : table.entries()) ReplyCommandInfo(r, e->spec);
    } else {
      r.ArrayHeader(ctx.argc() - 2);
      for (size_t i = 2; i < ctx.argc(); i++) {
        const CommandTable::Entry* e = table.Find(ctx.arg(i));
        if (e == nullptr) {
          r.NullArray();
        } else {
          ReplyCommandInfo(r, e->spec);
        }
      }
    }
  } else if (EqualsIgnoreCase(sub, "DOCS")) {
    std::vector<const CommandSpec*> specs;
    if (ctx.argc() == 2) {
      for (const auto& e : table.entries()) specs.push_back(&e->spec);
    } else {
      for (size_t i = 2; i < ctx.argc(); i++) {
        if (const CommandTable::Entry* e = table.Find(ctx.arg(i))) specs.push_back(&e->spec);
      }
    }
    r.MapHeader(specs.size());
    for (const CommandSpec* s : specs) ReplyCommandDocs(r, *s);
  } else if (EqualsIgnoreCase(sub, "LIST")) {
    std::string_view pattern;
    if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(2), "FILTERBY")) {
      if (EqualsIgnoreCase(ctx.arg(3), "PATTERN")) {
        pattern = ctx.arg(4);
      } else if (EqualsIgnoreCase(ctx.arg(3), "MODULE")) {
        r.ArrayHeader(0);
        return Status::OK();
      } else if (!EqualsIgnoreCase(ctx.arg(3), "ACLCAT")) {
        return RedisError(kErrSyntax);
      }
    } else if (ctx.argc() != 2) {
      return RedisError(kErrSyntax);
    }
    std::vector<std::string_view> names;
    for (const auto& e : table.entries()) {
      if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(3), "ACLCAT")) {
        std::string cat = fmt::format("@{}", ctx.arg(4));
        auto cats = SplitWords(e->spec.acl_categories);
        if (std::none_of(cats.begin(), cats.end(),
                         [&](std::string_view c) { return EqualsIgnoreCase(c, cat); })) {
          continue;
        }
      }
      if (!pattern.empty() && !GlobMatch(pattern, e->spec.name, true)) continue;
      names.push_back(e->spec.name);
    }
    r.BulkArray(names);
  } else if (EqualsIgnoreCase(sub, "GETKEYS")) {
    if (ctx.argc() < 3) return SubArity("command", sub);
    return CommandGetKeys(ctx);
  } else if (EqualsIgnoreCase(sub, "HELP")) {
    ReplyHelp(
        ctx, {"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "(no subcommand)",
              "    Return details about all commands.", "COUNT",
              "    Return the total number of commands in this server.", "LIST",
              "    Return a list of all commands in this server.", "INFO [<command-name> ...]",
              "    Return details about multiple commands.", "DOCS [<command-name> ...]",
              "    Return documentation details about multiple commands.", "GETKEYS <full-command>",
              "    Return the keys from a full command.", "HELP", "    Print this help."});
  } else {
    return UnknownSubcommand("command", sub);
  }
  return Status::OK();
}

// ---- TIME, SAVE, BGSAVE, LASTSAVE ----

Status CmdTime(CommandContext& ctx) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(tv.tv_sec));
  ctx.reply().Bulk(std::to_string(tv.tv_usec));
  return Status::OK();
}

Status CmdSave(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  LSMDB_RETURN_IF_ERROR(ctx.server()->Save());
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdBgsave(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.arg(1), "SCHEDULE"))) {
    return RedisError(kErrSyntax);
  }
  // A checkpoint hard-links the table files, so it is quick enough to take
  // here; the reply keeps Redis's wording.
  LSMDB_RETURN_IF_ERROR(ctx.server()->Save());
  ctx.reply().SimpleString("Background saving started");
  return Status::OK();
}

Status CmdLastsave(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  ctx.reply().Integer(ctx.server()->last_save_time());
  return Status::OK();
}

// ---- SLOWLOG ----

Status CmdSlowlog(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  SlowLog& log = ctx.server()->slowlog();
  std::string_view sub = ctx.arg(1);
  resp::ReplyBuilder& r = ctx.reply();
  if (EqualsIgnoreCase(sub, "GET") && ctx.argc() <= 3) {
    int64_t count = 10;
    if (ctx.argc() == 3) {
      if (!StringToInt64(ctx.arg(2), &count) || count < -1) {
        return RedisError("ERR count should be greater than or equal to -1");
      }
    }
    std::vector<SlowLogEntry> entries = log.Get(count);
    r.ArrayHeader(entries.size());
    for (const SlowLogEntry& e : entries) {
      r.ArrayHeader(6);
      r.Integer(static_cast<int64_t>(e.id));
      r.Integer(e.unix_time);
      r.Integer(e.duration_us);
      r.BulkArray(e.args);
      r.Bulk(e.addr);
      r.Bulk(e.name);
    }
  } else if (EqualsIgnoreCase(sub, "LEN") && ctx.argc() == 2) {
    r.Integer(static_cast<int64_t>(log.Len()));
  } else if (EqualsIgnoreCase(sub, "RESET") && ctx.argc() == 2) {
    log.Reset();
    r.Ok();
  } else if (EqualsIgnoreCase(sub, "HELP") && ctx.argc() == 2) {
    ReplyHelp(ctx,
              {"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET [<count>]",
               "    Return top <count> entries from the slowlog (default: 10, -1 mean all).", "LEN",
               "    Return the length of the slowlog.", "RESET", "    Reset the slowlog.", "HELP",
               "    Print this help."});
  } else {
    return UnknownSubcommand("slowlog", sub);
  }
  return Status::OK();
}

// ---- DEBUG ----

Status CmdDebug(CommandContext& ctx) {
  std::string_view sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "SLEEP") && ctx.argc() == 3) {
    double secs;
    if (!StringToDouble(ctx.arg(2), &secs) || secs < 0 || !std::isfinite(secs)) {
      return RedisError(kErrNotFloat);
    }
    usleep(static_cast<useconds_t>(secs * 1e6));
    ctx.reply().Ok();
  } else if (EqualsIgnoreCase(sub, "POPULATE")) {
    return DebugPopulate(ctx);  // cmd_debug.cc
  } else if (EqualsIgnoreCase(sub, "HELP")) {
    ReplyHelp(ctx, {"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
                    "POPULATE <count> [<prefix>] [<size>]",
                    "    Create <count> string keys named key:<num>. If <prefix> is specified",
                    "    it is used instead of the 'key' prefix. With <size>, values are padded",
                    "    to <size> bytes. Existing keys are kept. The writes are replicated."});
  } else {
    return UnknownSubcommand("debug", sub);
  }
  return Status::OK();
}

// ---- SHUTDOWN ----

Status CmdShutdown(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  bool save = true;
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string_view a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "NOSAVE")) {
      save = false;
    } else if (EqualsIgnoreCase(a, "SAVE")) {
      save = true;
    } else if (EqualsIgnoreCase(a, "NOW") || EqualsIgnoreCase(a, "FORCE")) {
      continue;
    } else if (EqualsIgnoreCase(a, "ABORT")) {
      return RedisError("ERR No shutdown in progress.");
    } else {
      return RedisError(kErrSyntax);
    }
  }
  // As in Redis, a successful SHUTDOWN sends no reply: the connection closes.
  if (ctx.client() != nullptr) ctx.client()->close_after_reply = true;
  ctx.server()->RequestShutdown(save);
  return Status::OK();
}

// ---- LSMDB (admin) ----

Status CmdLsmdb(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(NeedServer(ctx));
  DB& db = ctx.server()->db();
  std::string_view sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "FLUSH") && ctx.argc() == 2) {
    LSMDB_RETURN_IF_ERROR(db.Flush());
    ctx.reply().Ok();
  } else if (EqualsIgnoreCase(sub, "COMPACT") && (ctx.argc() == 2 || ctx.argc() == 4)) {
    // Bounds are engine keys (see src/types/encoding.h), inclusive.
    if (ctx.argc() == 4) {
      std::string_view begin = ctx.arg(2), end = ctx.arg(3);
      LSMDB_RETURN_IF_ERROR(db.CompactRange(&begin, &end));
    } else {
      LSMDB_RETURN_IF_ERROR(db.CompactRange(nullptr, nullptr));
    }
    ctx.reply().Ok();
  } else if (EqualsIgnoreCase(sub, "STATS") && ctx.argc() == 2) {
    std::string stats;
    if (!db.GetProperty("lsmdb.stats", &stats)) stats.clear();
    ctx.reply().Verbatim(stats, "txt");
  } else if (EqualsIgnoreCase(sub, "HELP")) {
    ReplyHelp(ctx,
              {"LSMDB <subcommand> [<arg> ...]. Subcommands are:", "FLUSH",
               "    Write the memtable out as level-0 tables and wait.", "COMPACT [<begin> <end>]",
               "    Compact the whole engine key space, or [begin, end] of engine keys.", "STATS",
               "    Return the engine's statistics."});
  } else {
    return UnknownSubcommand("lsmdb", sub);
  }
  return Status::OK();
}

constexpr CommandSpec kServerCommands[] = {
    {"info", -1, kCmdLoading | kCmdStale, {}, CmdInfo, "@slow @dangerous"},
    {"config",
     -2,
     kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale,
     {},
     CmdConfig,
     "@admin @slow @dangerous"},
    {"command", -1, kCmdLoading | kCmdStale, {}, CmdCommand, "@slow @connection"},
    {"time", 1, kCmdLoading | kCmdStale | kCmdFast, {}, CmdTime, "@fast"},
    {"save", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti, {}, CmdSave, "@admin @slow @dangerous"},
    {"bgsave", -1, kCmdAdmin | kCmdNoScript, {}, CmdBgsave, "@admin @slow @dangerous"},
    {"lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, {}, CmdLastsave, "@admin @fast @dangerous"},
    {"slowlog", -2, kCmdAdmin | kCmdLoading | kCmdStale, {}, CmdSlowlog, "@admin @slow @dangerous"},
    {"debug",
     -2,
     kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale,
     {},
     CmdDebug,
     "@admin @slow @dangerous"},
    {"shutdown",
     -1,
     kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdNoMulti,
     {},
     CmdShutdown,
     "@admin @slow @dangerous"},
    {"lsmdb", -2, kCmdAdmin | kCmdNoScript, {}, CmdLsmdb, "@admin @slow @dangerous"},
};

}  // namespace

void RegisterServerCommands(CommandTable& table) { table.Add(kServerCommands); }

}  // namespace lsmdb::server
