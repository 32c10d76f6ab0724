// REPLICAOF/SLAVEOF, ROLE, WAIT, PSYNC/SYNC, REPLCONF. Replies and error
// texts follow Redis 7.0 (replication.c).
//
// PSYNC/SYNC reply nothing through the dispatcher: the handler sets
// Client::handoff, the connection then gives its socket to the replication
// library, whose sender writes +FULLRESYNC / +CONTINUE and the stream.
//
// WAIT blocks through the blocking-command machinery (src/server/blocking.h)
// with no keys and no deadline of its own: the replication manager wakes
// the client when enough replicas acked or at WAIT's timeout, and the
// retried handler replies the count. The target offset and deadline of a
// waiting client live in a small table here, keyed by client id.

#include "src/commands/cmd_replication.h"

#include <fmt/core.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include "replication/replication.h"
#include "replication/wire.h"
#include "src/server/blocking.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"

namespace lsmdb::server {
namespace {

Result<repl::ReplicationManager*> Manager(CommandContext& ctx) {
  if (ctx.server() == nullptr || ctx.server()->replication() == nullptr) {
    return RedisError("ERR this command needs a running server");
  }
  return ctx.server()->replication();
}

// REPLICAOF host port | REPLICAOF NO ONE (SLAVEOF is the same command).
Status CmdReplicaof(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(repl::ReplicationManager * rm, Manager(ctx));
  if (EqualsIgnoreCase(ctx.arg(1), "no") && EqualsIgnoreCase(ctx.arg(2), "one")) {
    LSMDB_RETURN_IF_ERROR(rm->Promote());
    ctx.reply().Ok();
    return Status::OK();
  }
  int64_t port;
  if (!StringToInt64(ctx.arg(2), &port)) return RedisError(kErrNotInteger);
  if (port <= 0 || port > 65535) return RedisError("ERR Invalid master port");
  if (!rm->SetPrimary(std::string(ctx.arg(1)), static_cast<int>(port))) {
    ctx.reply().SimpleString("OK Already connected to specified master");
    return Status::OK();
  }
  ctx.reply().Ok();
  return Status::OK();
}

// ROLE: ["master", offset, [[ip, port, offset], ...]] or
// ["slave", host, port, state, offset].
Status CmdRole(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(repl::ReplicationManager * rm, Manager(ctx));
  resp::ReplyBuilder& r = ctx.reply();
  repl::LinkView link = rm->Link();
  if (link.configured) {
    r.ArrayHeader(5);
    r.Bulk("slave");
    r.Bulk(link.host);
    r.Integer(link.port);
    r.Bulk(link.state);
    r.Integer(link.applied_offset);
    return Status::OK();
  }
  std::vector<repl::ReplicaView> replicas = rm->Replicas();
  r.ArrayHeader(3);
  r.Bulk("master");
  r.Integer(static_cast<int64_t>(ctx.keyspace().engine()->LatestSequence()));
  r.ArrayHeader(replicas.size());
  for (const repl::ReplicaView& v : replicas) {
    r.ArrayHeader(3);
    r.Bulk(v.ip);
    r.Bulk(std::to_string(v.port));
    r.Bulk(std::to_string(v.ack_offset));
  }
  return Status::OK();
}

// WAIT state of blocked clients (see the file comment).
struct WaitState {
  uint64_t offset;
  int64_t deadline_ms;  // repl::NowMs(); 0 = none
};
std::mutex wait_mu;
std::unordered_map<uint64_t, WaitState> wait_states;  // GUARDED_BY(wait_mu)

Status CmdWait(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(repl::ReplicationManager * rm, Manager(ctx));
  if (rm->is_replica()) {
    return RedisError(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to replicas "
        "are just local and are not propagated.");
  }
  int64_t numreplicas, timeout;
  if (!StringToInt64(ctx.arg(1), &numreplicas)) return RedisError(kErrNotInteger);
  if (!StringToInt64(ctx.arg(2), &timeout)) {
    return RedisError("ERR timeout is not an integer or out of range");
  }
  if (timeout < 0) return RedisError("ERR timeout is negative");
  Client* client = ctx.client();
  const uint64_t id = client != nullptr ? client->id() : 0;
  const int64_t now = repl::NowMs();
  WaitState state{ctx.keyspace().engine()->LatestSequence(), timeout > 0 ? now + timeout : 0};
  const bool retry = client != nullptr && client->block_retry != nullptr;
  {
    std::lock_guard<std::mutex> lock(wait_mu);
    if (auto it = wait_states.find(id); retry && it != wait_states.end()) {
      state = it->second;
      wait_states.erase(it);
    }
  }
  const int acked = rm->CountAcked(state.offset);
  const bool expired = state.deadline_ms != 0 && now >= state.deadline_ms;
  if (acked >= numreplicas || expired || client == nullptr ||
      !BlockClient(ctx, {}, /*timeout_ms=*/0)) {
    ctx.reply().Integer(acked);
    return Status::OK();
  }
  {
    std::lock_guard<std::mutex> lock(wait_mu);
    if (wait_states.size() > 10000) {  // forget clients that left while waiting
      for (auto it = wait_states.begin(); it != wait_states.end();) {
        it = (it->second.deadline_ms != 0 && it->second.deadline_ms < now) ? wait_states.erase(it)
                                                                           : std::next(it);
      }
    }
    wait_states[id] = state;
  }
  rm->AddWaiter(id, state.offset, static_cast<int>(std::min<int64_t>(numreplicas, INT32_MAX)),
                state.deadline_ms, client->wake_blocked);
  return Status::OK();
}

std::string IpOf(const std::string& addr) {
  size_t colon = addr.rfind(':');
  std::string ip = colon == std::string::npos ? addr : addr.substr(0, colon);
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  return ip;
}

Status StartSync(CommandContext& ctx, std::string replid, int64_t offset) {
  LSMDB_ASSIGN_OR_RETURN(repl::ReplicationManager * rm, Manager(ctx));
  Client* client = ctx.client();
  if (client == nullptr) return RedisError("ERR PSYNC needs a connection");
  if (client->in_multi) return RedisError("ERR Replica can't be in MULTI");
  const uint64_t id = client->id();
  std::string ip = IpOf(client->addr());
  client->handoff = [rm, id, ip, replid = std::move(replid), offset](int fd, std::string pending) {
    rm->StartSender(fd, id, ip, replid, offset, std::move(pending));
  };
  return Status::OK();
}

// PSYNC replid offset
Status CmdPsync(CommandContext& ctx) {
  int64_t offset;
  if (!StringToInt64(ctx.arg(2), &offset)) return RedisError(kErrNotInteger);
  return StartSync(ctx, std::string(ctx.arg(1)), offset);
}

// SYNC: always a full sync (same framing as PSYNC's).
Status CmdSync(CommandContext& ctx) { return StartSync(ctx, "?", -1); }

// REPLCONF <option> <value> [<option> <value> ...]
Status CmdReplconf(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(repl::ReplicationManager * rm, Manager(ctx));
  if (ctx.argc() % 2 == 0) return RedisError(kErrSyntax);
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "listening-port")) {
      int64_t port;
      if (!StringToInt64(ctx.arg(i + 1), &port)) return RedisError(kErrNotInteger);
      if (ctx.client() != nullptr)
        rm->NoteListeningPort(ctx.client()->id(), static_cast<int>(port));
    } else if (EqualsIgnoreCase(opt, "ack") || EqualsIgnoreCase(opt, "fack")) {
      return Status::OK();  // only meaningful on a replication stream: no reply
    } else if (EqualsIgnoreCase(opt, "capa") || EqualsIgnoreCase(opt, "ip-address") ||
               EqualsIgnoreCase(opt, "getack") || EqualsIgnoreCase(opt, "rdb-only") ||
               EqualsIgnoreCase(opt, "rdb-filter-only")) {
      // Accepted; lsmdb has one replication protocol.
    } else {
      return RedisError(fmt::format("ERR Unrecognized REPLCONF option: {}", opt.substr(0, 128)));
    }
  }
  ctx.reply().Ok();
  return Status::OK();
}

constexpr CommandSpec kReplicationCommands[] = {
    {"replicaof",
     3,
     kCmdAdmin | kCmdNoScript | kCmdStale,
     {},
     CmdReplicaof,
     "@admin @slow @dangerous"},
    {"slaveof",
     3,
     kCmdAdmin | kCmdNoScript | kCmdStale,
     {},
     CmdReplicaof,
     "@admin @slow @dangerous"},
    {"role",
     1,
     kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast,
     {},
     CmdRole,
     "@admin @fast @dangerous"},
    {"wait", 3, kCmdNoScript, {}, CmdWait, "@slow @connection"},
    {"psync", -3, kCmdAdmin | kCmdNoScript | kCmdNoMulti, {}, CmdPsync, "@admin @slow @dangerous"},
    {"sync", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti, {}, CmdSync, "@admin @slow @dangerous"},
    {"replconf",
     -1,
     kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale,
     {},
     CmdReplconf,
     "@admin @slow @dangerous"},
};

}  // namespace

void RegisterReplicationCommands(CommandTable& table) { table.Add(kReplicationCommands); }

}  // namespace lsmdb::server
