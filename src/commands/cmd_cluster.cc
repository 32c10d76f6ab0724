// CLUSTER and its subcommands, ASKING, READONLY, READWRITE. Replies and
// error texts follow Redis 7.0 (cluster.c). The node's view lives in
// cluster::ClusterState (cluster/state.h), which saves the nodes file before
// these handlers reply.
//
// A cluster-enabled server stores keys by slot (the cluster layout of
// src/types/encoding.h): COUNTKEYSINSLOT / GETKEYSINSLOT and the "still holds
// keys" checks are range scans of one slot of db 0 (O(keys in the slot)).

#include "src/commands/cmd_cluster.h"

#include <fmt/core.h>

#include <memory>
#include <string>
#include <vector>

#include "cluster/bus.h"
#include "cluster/slot.h"
#include "cluster/state.h"
#include "replication/replication.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/dispatcher.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"

namespace lsmdb::server {
namespace {

constexpr std::string_view kErrDisabled = "ERR This instance has cluster support disabled";

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<cluster::ClusterState*> State(CommandContext& ctx) {
  if (ctx.server() == nullptr || ctx.server()->cluster() == nullptr)
    return RedisError(kErrDisabled);
  return ctx.server()->cluster();
}

Result<int> ParseSlot(std::string_view arg) {
  int64_t v;
  if (!StringToInt64(arg, &v) || v < 0 || v >= cluster::kSlots) {
    return RedisError("ERR Invalid or out of range slot");
  }
  return static_cast<int>(v);
}

// Up to `limit` live keys of `slot` in db 0. `count_only`: counts them
// instead (the vector stays empty, *count is set).
Result<std::vector<std::string>> KeysInSlot(CommandContext& ctx, int slot, size_t limit,
                                            int64_t* count = nullptr) {
  Keyspace& ks = ctx.keyspace();
  if (MetaSlotBytes() != 0) {
    const std::string prefix = ks.MetaSlotPrefixFor(0, slot);
    const int64_t now = ks.NowMs();
    std::vector<std::string> out;
    int64_t n = 0;
    std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(lsmdb::ReadOptions{});
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (count == nullptr && out.size() >= limit) break;
      RedisType type;
      int64_t expire_at_ms;
      if (!PeekMetadata(it->value(), &type, &expire_at_ms)) continue;
      if (expire_at_ms != 0 && now > expire_at_ms) continue;
      if (count != nullptr) {
        ++n;
      } else {
        out.emplace_back(it->key().substr(prefix.size()));
      }
    }
    LSMDB_RETURN_IF_ERROR(it->status());
    if (count != nullptr) *count = n;
    return out;
  }
  LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> keys, ks.Keys(0, "*"));
  if (count != nullptr) {
    *count = 0;
    for (const std::string& k : keys) *count += cluster::KeySlot(k) == slot ? 1 : 0;
    return std::vector<std::string>();
  }
  std::vector<std::string> out;
  for (std::string& k : keys) {
    if (out.size() >= limit) break;
    if (cluster::KeySlot(k) == slot) out.push_back(std::move(k));
  }
  return out;
}

void NodeEntry(resp::ReplyBuilder& r, const cluster::Node& n) {
  r.ArrayHeader(4);
  r.Bulk(n.ip);
  r.Integer(n.port);
  r.Bulk(n.id);
  r.MapHeader(0);
}

Status Slots(CommandContext& ctx, cluster::ClusterState& st) {
  std::vector<cluster::SlotRange> ranges = st.SlotRanges();
  resp::ReplyBuilder& r = ctx.reply();
  r.ArrayHeader(ranges.size());
  for (const cluster::SlotRange& range : ranges) {
    r.ArrayHeader(3 + range.replicas.size());
    r.Integer(range.first);
    r.Integer(range.last);
    NodeEntry(r, range.master);
    for (const cluster::Node& n : range.replicas) NodeEntry(r, n);
  }
  return Status::OK();
}

void ShardNode(resp::ReplyBuilder& r, const cluster::Node& n) {
  r.MapHeader(7);
  r.Bulk("id");
  r.Bulk(n.id);
  r.Bulk("port");
  r.Integer(n.port);
  r.Bulk("ip");
  r.Bulk(n.ip);
  r.Bulk("endpoint");
  r.Bulk(n.ip);
  r.Bulk("role");
  r.Bulk((n.flags & cluster::kSlave) ? "replica" : "master");
  r.Bulk("replication-offset");
  r.Integer(0);
  r.Bulk("health");
  r.Bulk((n.flags & cluster::kFail) ? "fail" : "online");
}

Status Shards(CommandContext& ctx, cluster::ClusterState& st) {
  std::vector<cluster::SlotRange> ranges = st.SlotRanges();
  std::vector<cluster::Node> nodes = st.Nodes();
  resp::ReplyBuilder& r = ctx.reply();
  std::vector<const cluster::Node*> masters;
  for (const cluster::Node& n : nodes) {
    if ((n.flags & cluster::kMaster) && !(n.flags & cluster::kHandshake)) masters.push_back(&n);
  }
  r.ArrayHeader(masters.size());
  for (const cluster::Node* m : masters) {
    r.MapHeader(2);
    r.Bulk("slots");
    std::vector<int> bounds;
    for (const cluster::SlotRange& range : ranges) {
      if (range.master.id == m->id) {
        bounds.push_back(range.first);
        bounds.push_back(range.last);
      }
    }
    r.ArrayHeader(bounds.size());
    for (int b : bounds) r.Integer(b);
    r.Bulk("nodes");
    std::vector<const cluster::Node*> members{m};
    for (const cluster::Node& n : nodes) {
      if (n.master_id == m->id) members.push_back(&n);
    }
    r.ArrayHeader(members.size());
    for (const cluster::Node* n : members) ShardNode(r, *n);
  }
  return Status::OK();
}

// ADDSLOTS/DELSLOTS <slot>..., ADDSLOTSRANGE/DELSLOTSRANGE <first> <last>...
Result<std::vector<int>> SlotArgs(CommandContext& ctx, bool ranges) {
  std::vector<int> slots;
  if (ranges) {
    if ((ctx.argc() - 2) % 2 != 0) {
      return RedisError(fmt::format("ERR wrong number of arguments for 'cluster|{}' command",
                                    AsciiLower(ctx.arg(1))));
    }
    for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
      LSMDB_ASSIGN_OR_RETURN(int a, ParseSlot(ctx.arg(i)));
      LSMDB_ASSIGN_OR_RETURN(int b, ParseSlot(ctx.arg(i + 1)));
      if (a > b) {
        return RedisError(
            fmt::format("ERR start slot number {} is greater than end slot number {}", a, b));
      }
      for (int s = a; s <= b; s++) slots.push_back(s);
    }
  } else {
    for (size_t i = 2; i < ctx.argc(); i++) {
      LSMDB_ASSIGN_OR_RETURN(int s, ParseSlot(ctx.arg(i)));
      slots.push_back(s);
    }
  }
  return slots;
}

// CLUSTER FAILOVER [FORCE|TAKEOVER] (cluster/failover.cc does the work;
// the reply is OK once the failover is started, like Redis).
Status ClusterFailover(CommandContext& ctx, cluster::ClusterState& st) {
  if (ctx.argc() > 3) {
    return RedisError("ERR wrong number of arguments for 'cluster|failover' command");
  }
  std::string mode;
  if (ctx.argc() == 3) {
    mode = AsciiLower(ctx.arg(2));
    if (mode != "force" && mode != "takeover") return RedisError(kErrSyntax);
  }
  LSMDB_RETURN_IF_ERROR(st.ManualFailover(mode));
  // TAKEOVER made this node a master at once: stop replicating now rather
  // than on the bus's next tick (which would do the same).
  if (mode == "takeover" && ctx.server()->replication() != nullptr) {
    LSMDB_RETURN_IF_ERROR(ctx.server()->replication()->Promote());
  }
  ctx.reply().Ok();
  return Status::OK();
}

bool TestFaultsEnabled() {
  const char* v = getenv("LSMDB_CLUSTER_TEST_FAULTS");
  return v != nullptr && std::string_view(v) == "1";
}

Status CmdCluster(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(cluster::ClusterState * st, State(ctx));
  const std::string sub = AsciiLower(ctx.arg(1));
  const size_t argc = ctx.argc();
  resp::ReplyBuilder& r = ctx.reply();
  auto arity = [&](bool ok) -> Status {
    if (ok) return Status::OK();
    return RedisError(fmt::format("ERR wrong number of arguments for 'cluster|{}' command", sub));
  };
  auto done = [&](Status s) -> Status {
    LSMDB_RETURN_IF_ERROR(s);
    r.Ok();
    return Status::OK();
  };
  if (sub == "myid") {
    r.Bulk(st->myid());
  } else if (sub == "keyslot") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 3));
    r.Integer(cluster::KeySlot(ctx.arg(2)));
  } else if (sub == "info") {
    cluster::Bus* bus = ctx.server()->cluster_bus();
    // An LSMDB field after Redis's: bus connections opened (stays at two
    // per peer on a healthy cluster, as connections are long-lived).
    r.Verbatim(st->InfoText(bus ? bus->sent() : 0, bus ? bus->received() : 0) +
               fmt::format("cluster_stats_connections_opened:{}\r\n",
                           bus ? bus->connections_opened() : 0));
  } else if (sub == "nodes") {
    r.Verbatim(st->NodesText());
  } else if (sub == "slots") {
    return Slots(ctx, *st);
  } else if (sub == "shards") {
    return Shards(ctx, *st);
  } else if (sub == "addslots" || sub == "delslots" || sub == "addslotsrange" ||
             sub == "delslotsrange") {
    const bool range = sub.ends_with("range");
    LSMDB_RETURN_IF_ERROR(arity(argc >= (range ? 4u : 3u)));
    LSMDB_ASSIGN_OR_RETURN(std::vector<int> slots, SlotArgs(ctx, range));
    return done(sub.starts_with("add") ? st->AddSlots(slots) : st->DelSlots(slots));
  } else if (sub == "flushslots") {
    LSMDB_ASSIGN_OR_RETURN(int64_t keys, ctx.keyspace().DbSize(0));
    if (keys != 0) return RedisError("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
    return done(st->FlushSlots());
  } else if (sub == "setslot") {
    LSMDB_RETURN_IF_ERROR(arity(argc >= 4));
    LSMDB_ASSIGN_OR_RETURN(int slot, ParseSlot(ctx.arg(2)));
    const std::string mode = AsciiLower(ctx.arg(3));
    if (mode == "stable") return done(st->SetSlot(slot, mode, ""));
    if (mode != "importing" && mode != "migrating" && mode != "node") {
      return RedisError(
          "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
    }
    if (argc != 5) {
      return RedisError(
          "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
    }
    if (mode == "node" && ctx.arg(4) != st->myid() &&
        st->Lookup(slot).kind == cluster::Route::kServe) {
      LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> keys, KeysInSlot(ctx, slot, 1));
      if (!keys.empty()) {
        return RedisError(
            fmt::format("ERR Can't assign hashslot {} to a different node while I "
                        "still hold keys for this hash slot.",
                        slot));
      }
    }
    return done(st->SetSlot(slot, mode, ctx.arg(4)));
  } else if (sub == "countkeysinslot") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 3));
    int64_t v;
    if (!StringToInt64(ctx.arg(2), &v) || v < 0 || v >= cluster::kSlots) {
      return RedisError("ERR Invalid slot");
    }
    int64_t n = 0;
    LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                           KeysInSlot(ctx, static_cast<int>(v), SIZE_MAX, &n));
    r.Integer(n);
  } else if (sub == "getkeysinslot") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 4));
    int64_t slot, count;
    if (!StringToInt64(ctx.arg(2), &slot) || !StringToInt64(ctx.arg(3), &count) || slot < 0 ||
        slot >= cluster::kSlots || count < 0) {
      return RedisError("ERR Invalid slot or number of keys");
    }
    LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                           KeysInSlot(ctx, static_cast<int>(slot), static_cast<size_t>(count)));
    r.BulkArray(keys);
  } else if (sub == "bumpepoch") {
    r.SimpleString(st->BumpEpoch());
  } else if (sub == "set-config-epoch") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 3));
    int64_t epoch;
    if (!StringToInt64(ctx.arg(2), &epoch)) return RedisError(kErrNotInteger);
    if (epoch < 0) {
      return RedisError(fmt::format("ERR Invalid config epoch specified: {}", epoch));
    }
    return done(st->SetConfigEpoch(static_cast<uint64_t>(epoch)));
  } else if (sub == "reset") {
    LSMDB_RETURN_IF_ERROR(arity(argc <= 3));
    bool hard = false;
    if (argc == 3) {
      if (EqualsIgnoreCase(ctx.arg(2), "hard")) {
        hard = true;
      } else if (!EqualsIgnoreCase(ctx.arg(2), "soft")) {
        return RedisError(kErrSyntax);
      }
    }
    LSMDB_ASSIGN_OR_RETURN(int64_t keys, ctx.keyspace().DbSize(0));
    bool master = true;
    for (const cluster::Node& n : st->Nodes()) {
      if ((n.flags & cluster::kMyself) && (n.flags & cluster::kSlave)) master = false;
    }
    if (master && keys != 0) {
      return RedisError("ERR CLUSTER RESET can't be called with master nodes containing keys");
    }
    if (!master && ctx.server()->replication() != nullptr) {
      LSMDB_RETURN_IF_ERROR(ctx.server()->replication()->Promote());
    }
    return done(st->Reset(hard));
  } else if (sub == "meet") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 4 || argc == 5));
    int64_t port, cport;
    if (!StringToInt64(ctx.arg(3), &port) || port <= 0 || port > 65535) {
      return RedisError(fmt::format("ERR Invalid base port specified: {}", ctx.arg(3)));
    }
    cport = port + 10000;
    if (argc == 5 && (!StringToInt64(ctx.arg(4), &cport) || cport <= 0 || cport > 65535)) {
      return RedisError(fmt::format("ERR Invalid bus port specified: {}", ctx.arg(4)));
    }
    std::string ip(ctx.arg(2));
    if (ip == "localhost") ip = "127.0.0.1";
    unsigned a, b, c, d;
    char tail;
    if (sscanf(ip.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255) {
      return RedisError(
          fmt::format("ERR Invalid node address specified: {}:{}", ctx.arg(2), ctx.arg(3)));
    }
    return done(st->Meet(ip, static_cast<int>(port), static_cast<int>(cport)));
  } else if (sub == "forget") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 3));
    return done(st->Forget(ctx.arg(2)));
  } else if (sub == "replicate") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 3));
    LSMDB_ASSIGN_OR_RETURN(int64_t keys, ctx.keyspace().DbSize(0));
    bool master = true;
    for (const cluster::Node& n : st->Nodes()) {
      if ((n.flags & cluster::kMyself) && (n.flags & cluster::kSlave)) master = false;
    }
    if (master && keys != 0) {
      return RedisError("ERR To set a master the node must be empty and without assigned slots.");
    }
    std::string ip;
    int port = 0;
    LSMDB_RETURN_IF_ERROR(st->Replicate(ctx.arg(2), &ip, &port));
    if (ctx.server()->replication() != nullptr) {
      (void)ctx.server()->replication()->SetPrimary(ip, port);
    }
    r.Ok();
  } else if (sub == "replicas" || sub == "slaves") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 3));
    LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> lines, st->ReplicasOf(ctx.arg(2)));
    r.BulkArray(lines);
  } else if (sub == "count-failure-reports") {
    LSMDB_RETURN_IF_ERROR(arity(argc == 3));
    LSMDB_ASSIGN_OR_RETURN(int64_t n, st->CountFailureReports(ctx.arg(2)));
    r.Integer(n);
  } else if (sub == "saveconfig") {
    return done(st->Save());
  } else if (sub == "failover") {
    return ClusterFailover(ctx, *st);
  } else if (sub == "test-bus-drop" && TestFaultsEnabled()) {
    // Test-only (LSMDB_CLUSTER_TEST_FAULTS=1 in the server's environment):
    // CLUSTER TEST-BUS-DROP <node-id>... | NONE drops bus messages to and
    // from those nodes, as a network partition would.
    LSMDB_RETURN_IF_ERROR(arity(argc >= 3));
    std::vector<std::string> ids;
    for (size_t i = 2; i < argc; i++) {
      if (!EqualsIgnoreCase(ctx.arg(i), "none")) ids.emplace_back(ctx.arg(i));
    }
    st->SetBusDrop(std::move(ids));
    r.Ok();
  } else {
    return UnknownSubcommand("cluster", ctx.arg(1));
  }
  return Status::OK();
}

Status CmdAsking(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(cluster::ClusterState * st, State(ctx));
  (void)st;
  if (ctx.client() != nullptr) ctx.client()->cluster_asking = true;
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdReadonly(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(cluster::ClusterState * st, State(ctx));
  (void)st;
  if (ctx.client() != nullptr) ctx.client()->cluster_readonly = true;
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdReadwrite(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(cluster::ClusterState * st, State(ctx));
  (void)st;
  if (ctx.client() != nullptr) ctx.client()->cluster_readonly = false;
  ctx.reply().Ok();
  return Status::OK();
}

constexpr uint32_t kConn = kCmdFast | kCmdLoading | kCmdStale;

constexpr CommandSpec kClusterCommands[] = {
    {"cluster", -2, kCmdStale | kCmdLoading, {0, 0, 0}, CmdCluster, "@slow"},
    {"asking", 1, kConn, {0, 0, 0}, CmdAsking, "@fast @connection"},
    {"readonly", 1, kConn, {0, 0, 0}, CmdReadonly, "@fast @connection"},
    {"readwrite", 1, kConn, {0, 0, 0}, CmdReadwrite, "@fast @connection"},
};

}  // namespace

void RegisterClusterCommands(CommandTable& table) { table.Add(kClusterCommands); }

}  // namespace lsmdb::server
