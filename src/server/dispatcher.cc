#include "src/server/dispatcher.h"

#include <fmt/core.h>

#include <chrono>
#include <cstring>

#include "replication/replication.h"
#include "src/server/acl.h"
#include "src/server/cluster_host.h"
#include "src/server/command_context.h"
#include "src/server/error_reply.h"
#include "src/server/redis_error.h"
#include "src/types/clock.h"

namespace lsmdb::server {
namespace {

inline int64_t MonotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The thread's command clock (see CommandClockScope); active = 0 outside one.
struct ThreadCommandClock {
  int active = 0;
  int64_t last_us = 0;         // end of the last command (or scope start), monotonic
  int64_t wall_offset_us = 0;  // wall - monotonic, at scope start
};
thread_local ThreadCommandClock tl_clock;

inline bool ArityOk(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

}  // namespace

CommandClockScope::CommandClockScope() {
  if (tl_clock.active++ != 0) return;
  tl_clock.last_us = MonotonicUs();
  tl_clock.wall_offset_us = RealClockMicros() - tl_clock.last_us;
}

CommandClockScope::~CommandClockScope() { tl_clock.active--; }

int64_t CommandClockWallMs() {
  if (tl_clock.active == 0) return RealClockMs();
  return (tl_clock.last_us + tl_clock.wall_offset_us) / 1000;
}

std::string UnknownCommandError(const std::vector<std::string_view>& args) {
  // processCommand(): args are quoted one by one until 128 bytes are used.
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; i++) {
    size_t room = 128 - list.size();
    list += '\'';
    list.append(args[i].substr(0, room));
    list += "' ";
  }
  std::string text = fmt::format("ERR unknown command '{}', with args beginning with: {}",
                                 args[0].substr(0, 128), list);
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

Status UnknownSubcommand(std::string_view command, std::string_view sub) {
  std::string upper(command);
  for (char& c : upper) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return RedisError(
      fmt::format("ERR unknown subcommand '{}'. Try {} HELP.", sub.substr(0, 128), upper));
}

namespace {

// Rejects a command before it runs; in MULTI the transaction is flagged so
// EXEC aborts (Redis's rejectCommand + flagTransaction).
void Reject(Client& client, resp::ReplyBuilder& reply, std::string_view text, ThreadStats& stats,
            std::atomic<uint64_t>* rejected) {
  reply.Error(text);
  if (client.in_multi) client.multi_error = true;
  if (rejected != nullptr) CommandStats::Bump(*rejected);
  CommandStats::Bump(stats.error_replies);
}

// Commands a RESP2 client in subscribed mode may run.
bool AllowedWhenSubscribed(std::string_view name) {
  for (std::string_view ok : {"ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
                              "psubscribe", "punsubscribe", "quit", "reset"}) {
    if (name == ok) return true;
  }
  return false;
}

// Counts the commits of one command, so that only commands that wrote
// something touch watched keys and wake blocked clients.
// It is a WalCommitter: EXEC's ExecCommitter logs through it (forwarded to
// the connection, or written synchronously for other committers).
class TrackingCommitter : public WalCommitter {
 public:
  TrackingCommitter(Committer& inner, DB& db) : inner_(inner), db_(db) {}
  Status Commit(WriteBatch& batch) override {
    wrote_ = true;
    return inner_.Commit(batch);
  }
  Status CommitWithOptions(const WriteOptions& options, WriteBatch& batch) override {
    wrote_ = true;
    if (auto* wal = dynamic_cast<WalCommitter*>(&inner_); wal != nullptr) {
      return wal->CommitWithOptions(options, batch);
    }
    return db_.Write(options, batch);
  }
  bool wrote() const { return wrote_; }

 private:
  Committer& inner_;
  DB& db_;
  bool wrote_ = false;
};

// After `spec` committed a write: touch watchers and signal blocked clients
// on the keys of its key spec (every watched key of the db for FLUSHDB, of
// every db for FLUSHALL).
void NotifyWrite(Server& server, const CommandSpec& spec, const std::vector<std::string_view>& args,
                 int db) {
  const bool watch = !server.watches().empty();
  const bool block = !server.blocking().empty();
  if (!watch && !block) return;
  if (spec.keys.first <= 0 && spec.keys.find == nullptr) {
    if (!watch) return;
    if (strcmp(spec.name, "flushdb") == 0) server.watches().TouchDb(server.keyspace(), db);
    if (strcmp(spec.name, "flushall") == 0) server.watches().TouchDb(server.keyspace(), -1);
    return;
  }
  auto notify = [&](int i) {
    if (watch) server.watches().Touch(server.keyspace(), db, args[i]);
    if (block) server.blocking().Signal(db, args[i]);
  };
  const int argc = static_cast<int>(args.size());
  if (spec.keys.first > 0) {
    int last = spec.keys.last < 0 ? argc + spec.keys.last : spec.keys.last;
    if (last >= argc) last = argc - 1;
    const int step = spec.keys.step > 0 ? spec.keys.step : 1;
    for (int i = spec.keys.first; i <= last; i += step) notify(i);
  }
  if (spec.keys.find != nullptr) {  // MIGRATE: the keys it moved away
    std::vector<int> more;
    spec.keys.find(args, &more);
    for (int i : more) {
      if (i > 0 && i < argc) notify(i);
    }
  }
}

}  // namespace

void Execute(Server& server, Client& client, const CommandTable::Entry& entry,
             const std::vector<std::string_view>& args, resp::ReplyBuilder& reply,
             Committer& committer, ThreadStats& stats) {
  const CommandSpec& spec = entry.spec;
  CommandCounters& counters = stats.commands.at(entry.index);
  std::string& out = *reply.buffer();
  const size_t reply_start = out.size();
  const bool skip_this = client.skip_next_reply;
  client.skip_next_reply = false;

  const int64_t start = tl_clock.active != 0 ? tl_clock.last_us : MonotonicUs();
  client.Touch(start / 1000, spec.name);
  TrackingCommitter tracking(committer, server.db());
  const int db = client.db();
  CommandContext ctx(args, reply, server.keyspace(), tracking, &server, &client, client.db_ptr());
  ctx.set_stats(&stats);
  Status s = spec.handler(ctx);
  if (!s.ok()) {
    out.resize(reply_start);
    WriteError(reply, s);
    CommandStats::Bump(counters.failed);
    CommandStats::Bump(stats.error_replies);
  }
  if (tracking.wrote()) NotifyWrite(server, spec, args, db);
  const int64_t end = MonotonicUs();
  if (tl_clock.active != 0) tl_clock.last_us = end;
  const int64_t duration = end - start;
  CommandStats::Bump(counters.calls);
  CommandStats::Bump(counters.usec, static_cast<uint64_t>(duration));

  if (skip_this || client.reply_off || client.skip_next_reply) out.resize(reply_start);

  int64_t threshold = server.slowlog_slower_than();
  if (threshold >= 0 && duration >= threshold) {
    server.slowlog().Add(args, duration, client.addr(), client.name(),
                         static_cast<size_t>(server.config().slowlog_max_len));
  }
}

void Dispatch(Server& server, Client& client, const std::vector<std::string_view>& args,
              resp::ReplyBuilder& reply, Committer& committer, ThreadStats& stats) {
  const CommandTable::Entry* entry = server.commands().Find(args[0]);
  if (entry == nullptr) {
    Reject(client, reply, UnknownCommandError(args), stats, nullptr);
    CommandStats::Bump(stats.unknown_commands);
    return;
  }
  const CommandSpec& spec = entry->spec;
  CommandCounters& counters = stats.commands.at(entry->index);
  if (!ArityOk(spec.arity, args.size())) {
    Reject(client, reply, fmt::format("ERR wrong number of arguments for '{}' command", spec.name),
           stats, &counters.rejected);
    return;
  }
  if (!client.authenticated && (spec.flags & kCmdNoAuth) == 0 && !server.acl().default_open()) {
    Reject(client, reply, kErrNoAuth, stats, &counters.rejected);
    return;
  }
  // ACL (acl.h): the command bit of the client's user, O(1); then its key
  // patterns unless it has allkeys. No-auth commands are always allowed.
  if (const AclUser* user = client.user.get(); user != nullptr && (spec.flags & kCmdNoAuth) == 0) {
    if (!user->CanRun(entry->index)) {
      LogAclEvent(server.acl().log(), client, "command", spec.name);
      Reject(client, reply,
             fmt::format("NOPERM this user has no permissions to run the '{}' command", spec.name),
             stats, &counters.rejected);
      return;
    }
    if (size_t denied = 0;
        !user->all_keys() && !server.acl().KeysAllowed(*user, spec, args, &denied)) {
      LogAclEvent(server.acl().log(), client, "key", args[denied]);
      Reject(client, reply,
             "NOPERM this user has no permissions to access one of the keys used as arguments",
             stats, &counters.rejected);
      return;
    }
  }
  // Cluster redirection (cluster_host.h): CROSSSLOT, MOVED, ASK, CLUSTERDOWN.
  if (server.cluster() != nullptr) {
    if (std::optional<std::string> redirect = ClusterRedirect(server, client, spec, args)) {
      Reject(client, reply, *redirect, stats, &counters.rejected);
      return;
    }
  }
  // Replication gates (Redis's order): too few good replicas, read-only replica.
  // The replication link applies its writes without the dispatcher.
  if ((spec.flags & kCmdWrite) != 0 && server.replication() != nullptr) {
    repl::ReplicationManager& rm = *server.replication();
    if (rm.is_replica()) {
      Reject(client, reply, "READONLY You can't write against a read only replica.", stats,
             &counters.rejected);
      return;
    }
    if (!rm.EnoughGoodReplicas()) {
      Reject(client, reply, "NOREPLICAS Not enough good replicas to write.", stats,
             &counters.rejected);
      return;
    }
  }
  if (client.subscriptions > 0 && client.protocol == 2 && !AllowedWhenSubscribed(spec.name)) {
    Reject(client, reply,
           fmt::format("ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                       "QUIT / RESET are allowed in this context",
                       spec.name),
           stats, &counters.rejected);
    return;
  }
  if (client.in_multi && (spec.flags & kCmdNoMulti) == 0) {
    client.multi_queue.emplace_back(args.begin(), args.end());
    reply.SimpleString("QUEUED");
    return;
  }

  ExecGate& gate = server.exec_gate();
  if (spec.flags & kCmdExclusive) {
    gate.LockExclusive();
  } else {
    gate.LockShared();
  }
  Execute(server, client, *entry, args, reply, committer, stats);
  gate.Unlock();
}

}  // namespace lsmdb::server
