// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, with Redis 7.0's
// replies (multi.c). Queueing is done by the dispatcher (+QUEUED); atomicity,
// single-record durability and WATCH tracking are in src/server/transaction.h.

#include <string>
#include <vector>

#include "src/commands/cmd_multi.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/dispatcher.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/server/transaction.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {
namespace {

// Ends the transaction state: queue, error flag and watched keys.
void DiscardTransaction(Server& server, Client& client) {
  client.in_multi = false;
  client.multi_error = false;
  client.multi_queue.clear();
  if (client.watch != nullptr) server.watches().UnwatchAll(*client.watch);
}

Status CmdMulti(CommandContext& ctx) {
  Client* c = ctx.client();
  if (c == nullptr) return RedisError("ERR MULTI needs a client");
  if (c->in_multi) return RedisError("ERR MULTI calls can not be nested");
  c->in_multi = true;
  c->multi_error = false;
  c->multi_queue.clear();
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdDiscard(CommandContext& ctx) {
  Client* c = ctx.client();
  if (c == nullptr || !c->in_multi) return RedisError("ERR DISCARD without MULTI");
  DiscardTransaction(*ctx.server(), *c);
  ctx.reply().Ok();
  return Status::OK();
}

// Runs with the ExecGate held exclusively (kCmdExclusive).
Status CmdExec(CommandContext& ctx) {
  Client* c = ctx.client();
  Server* server = ctx.server();
  if (c == nullptr || server == nullptr || !c->in_multi) {
    return RedisError("ERR EXEC without MULTI");
  }
  if (c->multi_error) {
    DiscardTransaction(*server, *c);
    return RedisError("EXECABORT Transaction discarded because of previous errors.");
  }
  if (c->watch != nullptr && WatchRegistry::Aborts(*c->watch, ctx.keyspace().NowMs())) {
    DiscardTransaction(*server, *c);
    ctx.reply().NullArray();
    return Status::OK();
  }
  std::vector<std::vector<std::string>> queue = std::move(c->multi_queue);
  DiscardTransaction(*server, *c);  // unwatch before running, as Redis does

  ThreadStats& stats = ctx.stats() != nullptr ? *ctx.stats()
                                              : server->thread_stats(server->io_threads());
  ExecCommitter exec(server->db(), ctx.committer());
  ctx.reply().ArrayHeader(queue.size());
  c->in_exec = true;
  std::vector<std::string_view> args;
  for (const std::vector<std::string>& command : queue) {
    args.assign(command.begin(), command.end());
    const CommandTable::Entry* entry = server->commands().Find(args[0]);
    if (entry == nullptr) {  // cannot happen: unknown commands abort at queueing
      ctx.reply().Error(UnknownCommandError(args));
      continue;
    }
    Execute(*server, *c, *entry, args, ctx.reply(), exec, stats);
  }
  c->in_exec = false;
  return exec.Finish();
}

Status CmdWatch(CommandContext& ctx) {
  Client* c = ctx.client();
  Server* server = ctx.server();
  if (c == nullptr || server == nullptr) return RedisError("ERR WATCH needs a client");
  if (c->in_multi) return RedisError("ERR WATCH inside MULTI is not allowed");
  if (c->watch == nullptr) c->watch = std::make_shared<WatchSet>();
  for (size_t i = 1; i < ctx.argc(); i++) {
    LSMDB_RETURN_IF_ERROR(server->watches().Watch(ctx.keyspace(), c->watch, ctx.db(), ctx.arg(i)));
  }
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdUnwatch(CommandContext& ctx) {
  Client* c = ctx.client();
  if (c != nullptr && c->watch != nullptr && ctx.server() != nullptr) {
    ctx.server()->watches().UnwatchAll(*c->watch);
  }
  ctx.reply().Ok();
  return Status::OK();
}

constexpr uint32_t kTx = kCmdNoScript | kCmdLoading | kCmdStale;

constexpr CommandSpec kMultiCommands[] = {
    {"multi", 1, kTx | kCmdFast | kCmdNoMulti, {}, CmdMulti, "@fast @transaction"},
    {"exec", 1, kTx | kCmdNoMulti | kCmdExclusive, {}, CmdExec, "@slow @transaction"},
    {"discard", 1, kTx | kCmdFast | kCmdNoMulti, {}, CmdDiscard, "@fast @transaction"},
    {"watch", -2, kTx | kCmdFast | kCmdNoMulti, {1, -1, 1}, CmdWatch, "@fast @transaction"},
    {"unwatch", 1, kTx | kCmdFast, {}, CmdUnwatch, "@fast @transaction"},
};

}  // namespace

void RegisterMultiCommands(CommandTable& table) { table.Add(kMultiCommands); }

}  // namespace lsmdb::server
