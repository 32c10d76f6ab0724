// Pub/Sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB
// CHANNELS/NUMSUB/NUMPAT/HELP, with Redis 7.0's replies (pubsub.c). Formats
// are drawn in src/server/pubsub.h; confirmations are pushes (RESP2 arrays),
// one per channel or pattern, carrying the client's subscription count.
// Sharded pub/sub (SSUBSCRIBE...) is a cluster feature: not here.

#include <fmt/core.h>

#include <iterator>
#include <string>
#include <vector>

#include "src/commands/cmd_pubsub.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/dispatcher.h"
#include "src/server/pubsub.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/command_options.h"

namespace lsmdb::server {
namespace {

// The client's Subscriber, created on first use; its protocol follows the
// client's.
Subscriber& SubscriberOf(Client& c) {
  if (c.subscriber == nullptr) {
    c.subscriber = std::make_shared<Subscriber>(c.push_sink, c.protocol);
  }
  c.subscriber->set_protocol(c.protocol);
  return *c.subscriber;
}

void ReplyConfirm(CommandContext& ctx, std::string_view kind, const std::string* name, int count) {
  ctx.reply().PushHeader(3);
  ctx.reply().Bulk(kind);
  if (name != nullptr) {
    ctx.reply().Bulk(*name);
  } else {
    ctx.reply().Null();
  }
  ctx.reply().Integer(count);
}

int Count(const Subscriber& sub) {
  return static_cast<int>(sub.channels.size() + sub.patterns.size());
}

Status NeedClient(CommandContext& ctx) {
  if (ctx.client() == nullptr || ctx.server() == nullptr) {
    return RedisError("ERR pub/sub needs a client");
  }
  return Status::OK();
}

Status SubscribeGeneric(CommandContext& ctx, bool pattern) {
  LSMDB_RETURN_IF_ERROR(NeedClient(ctx));
  Client& c = *ctx.client();
  Subscriber& sub = SubscriberOf(c);
  PubSub& ps = ctx.server()->pubsub();
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string name(ctx.arg(i));
    if (pattern) {
      if (sub.patterns.insert(name).second) ps.PSubscribe(c.subscriber, name);
    } else {
      if (sub.channels.insert(name).second) ps.Subscribe(c.subscriber, name);
    }
    c.subscriptions = Count(sub);
    ReplyConfirm(ctx, pattern ? "psubscribe" : "subscribe", &name, c.subscriptions);
  }
  return Status::OK();
}

Status UnsubscribeGeneric(CommandContext& ctx, bool pattern) {
  LSMDB_RETURN_IF_ERROR(NeedClient(ctx));
  Client& c = *ctx.client();
  Subscriber& sub = SubscriberOf(c);
  PubSub& ps = ctx.server()->pubsub();
  std::set<std::string>& mine = pattern ? sub.patterns : sub.channels;
  const std::string_view kind = pattern ? "punsubscribe" : "unsubscribe";
  std::vector<std::string> names;
  if (ctx.argc() == 1) {
    names.assign(mine.begin(), mine.end());
    if (names.empty()) {
      ReplyConfirm(ctx, kind, nullptr, Count(sub));
      return Status::OK();
    }
  } else {
    for (size_t i = 1; i < ctx.argc(); i++) names.emplace_back(ctx.arg(i));
  }
  for (const std::string& name : names) {
    if (mine.erase(name) > 0) {
      if (pattern) {
        ps.PUnsubscribe(sub, name);
      } else {
        ps.Unsubscribe(sub, name);
      }
    }
    c.subscriptions = Count(sub);
    ReplyConfirm(ctx, kind, &name, c.subscriptions);
  }
  return Status::OK();
}

Status CmdSubscribe(CommandContext& ctx) { return SubscribeGeneric(ctx, false); }
Status CmdPSubscribe(CommandContext& ctx) { return SubscribeGeneric(ctx, true); }
Status CmdUnsubscribe(CommandContext& ctx) { return UnsubscribeGeneric(ctx, false); }
Status CmdPUnsubscribe(CommandContext& ctx) { return UnsubscribeGeneric(ctx, true); }

Status CmdPublish(CommandContext& ctx) {
  if (ctx.server() == nullptr) return RedisError("ERR PUBLISH needs a server");
  ctx.reply().Integer(ctx.server()->pubsub().Publish(ctx.arg(1), ctx.arg(2)));
  return Status::OK();
}

constexpr const char* kPubSubHelp[] = {
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

Status CmdPubSub(CommandContext& ctx) {
  if (ctx.server() == nullptr) return RedisError("ERR PUBSUB needs a server");
  PubSub& ps = ctx.server()->pubsub();
  std::string_view sub = ctx.arg(1);
  const size_t argc = ctx.argc();
  auto wrong_args = [&](std::string_view name) {
    return RedisError(fmt::format("ERR wrong number of arguments for 'pubsub|{}' command", name));
  };
  if (EqualsIgnoreCase(sub, "CHANNELS") || EqualsIgnoreCase(sub, "SHARDCHANNELS")) {
    if (argc > 3) {
      return wrong_args(EqualsIgnoreCase(sub, "CHANNELS") ? "channels" : "shardchannels");
    }
    std::vector<std::string> names;
    if (EqualsIgnoreCase(sub, "CHANNELS")) names = ps.Channels(argc == 3 ? ctx.arg(2) : "");
    ctx.reply().BulkArray(names);
  } else if (EqualsIgnoreCase(sub, "NUMSUB") || EqualsIgnoreCase(sub, "SHARDNUMSUB")) {
    const bool shard = EqualsIgnoreCase(sub, "SHARDNUMSUB");
    ctx.reply().ArrayHeader((argc - 2) * 2);
    for (size_t i = 2; i < argc; i++) {
      ctx.reply().Bulk(ctx.arg(i));
      ctx.reply().Integer(shard ? 0 : ps.NumSub(ctx.arg(i)));
    }
  } else if (EqualsIgnoreCase(sub, "NUMPAT")) {
    if (argc != 2) return wrong_args("numpat");
    ctx.reply().Integer(ps.NumPat());
  } else if (EqualsIgnoreCase(sub, "HELP")) {
    if (argc != 2) return wrong_args("help");
    ctx.reply().ArrayHeader(std::size(kPubSubHelp));
    for (const char* line : kPubSubHelp) ctx.reply().SimpleString(line);
  } else {
    return UnknownSubcommand("pubsub", sub);
  }
  return Status::OK();
}

constexpr uint32_t kSub = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale;

constexpr CommandSpec kPubSubCommands[] = {
    {"subscribe", -2, kSub, {}, CmdSubscribe, "@pubsub @slow"},
    {"unsubscribe", -1, kSub, {}, CmdUnsubscribe, "@pubsub @slow"},
    {"psubscribe", -2, kSub, {}, CmdPSubscribe, "@pubsub @slow"},
    {"punsubscribe", -1, kSub, {}, CmdPUnsubscribe, "@pubsub @slow"},
    {"publish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast, {}, CmdPublish,
     "@pubsub @fast"},
    {"pubsub", -2, kCmdPubSub | kCmdLoading | kCmdStale, {}, CmdPubSub, "@pubsub @slow"},
};

}  // namespace

void RegisterPubSubCommands(CommandTable& table) { table.Add(kPubSubCommands); }

}  // namespace lsmdb::server
