#include "src/server/cluster_host.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <span>
#include <thread>

#include "cluster/slot.h"
#include "cluster/state.h"
#include "replication/replication.h"
#include "src/server/client.h"
#include "src/server/command.h"
#include "src/server/log.h"
#include "src/server/server.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {

int64_t ServerClusterHost::ReplicationOffset() {
  repl::ReplicationManager* rm = server_.replication();
  if (rm != nullptr && rm->is_replica()) return rm->Link().applied_offset;
  // The engine may be swapped by a full sync: read it under the exec gate.
  server_.exec_gate().LockShared();
  int64_t offset = static_cast<int64_t>(server_.db().LatestSequence());
  server_.exec_gate().Unlock();
  return offset;
}

int64_t ServerClusterHost::ReplicationDataAgeMs() {
  repl::ReplicationManager* rm = server_.replication();
  if (rm == nullptr || !rm->is_replica()) return 0;
  repl::LinkView link = rm->Link();
  if (link.up) return std::max<int64_t>(link.last_io_seconds_ago, 0) * 1000;
  return std::max<int64_t>(link.down_since_seconds, 0) * 1000;
}

void ServerClusterHost::SetMaster(const std::string& ip, int port) {
  if (server_.replication() != nullptr) (void)server_.replication()->SetPrimary(ip, port);
}

void ServerClusterHost::BecomeMaster() {
  if (server_.replication() == nullptr) return;
  Status s = server_.replication()->Promote();
  if (!s.ok()) LogLine(LogLevel::kWarning, "cluster failover: promotion failed: " + s.ToString());
}

void ServerClusterHost::Log(std::string_view line) { LogLine(LogLevel::kWarning, line); }

std::optional<std::string> ClusterRedirect(Server& server, Client& client, const CommandSpec& spec,
                                           const std::vector<std::string_view>& args) {
  cluster::ClusterState* st = server.cluster();
  if (st == nullptr) return std::nullopt;
  const bool asking = client.cluster_asking || (spec.flags & kCmdAsking) != 0;
  client.cluster_asking = false;
  if (spec.keys.first <= 0 && !spec.keys.movable()) return std::nullopt;
  int slot = -1;
  const bool one_slot = ForEachKey(spec.keys, args, [&](int i) {
    const int s = cluster::KeySlot(args[i]);
    if (slot >= 0 && s != slot) return false;
    slot = s;
    return true;
  });
  if (!one_slot) return "CROSSSLOT Keys in request don't hash to the same slot";
  if (slot < 0) return std::nullopt;
  // One Lookup (one lock, one clock read) answers the route, the state and
  // the write pause: this gate runs on every keyed command.
  cluster::Route route = st->Lookup(slot);
  if ((spec.flags & kCmdWrite) != 0 && route.writes_paused) {
    for (int i = 0; i < 2000 && st->WritesPaused(); i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    route = st->Lookup(slot);
  }
  if (route.kind == cluster::Route::kUnassigned) {
    if (route.importing && asking) return std::nullopt;
    return "CLUSTERDOWN Hash slot not served";
  }
  if (!route.state_ok) return "CLUSTERDOWN The cluster is down";
  if (route.kind == cluster::Route::kServe) {
    if (!route.migrating_to.empty()) {
      std::vector<std::string_view> keys;
      ForEachKey(spec.keys, args, [&](int i) {
        keys.push_back(args[i]);
        return true;
      });
      Result<int64_t> present = server.keyspace().Exists(client.db(), std::span(keys));
      if (present.ok() && present.value() < static_cast<int64_t>(keys.size())) {
        return fmt::format("ASK {} {}", slot, route.migrating_to);
      }
    }
    return std::nullopt;
  }
  if (route.importing && asking) return std::nullopt;
  if (client.cluster_readonly && (spec.flags & kCmdWrite) == 0 && route.owner_is_my_master) {
    return std::nullopt;
  }
  return fmt::format("MOVED {} {}", slot, route.addr);
}

}  // namespace lsmdb::server
