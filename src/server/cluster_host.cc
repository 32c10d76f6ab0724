#include "src/server/cluster_host.h"

#include <fmt/core.h>

#include <span>

#include "cluster/slot.h"
#include "cluster/state.h"
#include "src/server/client.h"
#include "src/server/command.h"
#include "src/server/server.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {

std::optional<std::string> ClusterRedirect(Server& server, Client& client, const CommandSpec& spec,
                                           const std::vector<std::string_view>& args) {
  cluster::ClusterState* st = server.cluster();
  if (st == nullptr) return std::nullopt;
  const bool asking = client.cluster_asking;
  client.cluster_asking = false;
  if (spec.keys.first <= 0) return std::nullopt;
  const int argc = static_cast<int>(args.size());
  int last = spec.keys.last < 0 ? argc + spec.keys.last : spec.keys.last;
  if (last >= argc) last = argc - 1;
  const int step = spec.keys.step > 0 ? spec.keys.step : 1;
  int slot = -1;
  std::vector<std::string_view> keys;
  for (int i = spec.keys.first; i <= last; i += step) {
    int s = cluster::KeySlot(args[i]);
    if (slot >= 0 && s != slot) return "CROSSSLOT Keys in request don't hash to the same slot";
    slot = s;
    keys.push_back(args[i]);
  }
  if (slot < 0) return std::nullopt;
  cluster::Route route = st->Lookup(slot);
  if (route.kind == cluster::Route::kUnassigned) {
    if (route.importing && asking) return std::nullopt;
    return "CLUSTERDOWN Hash slot not served";
  }
  if (!st->state_ok()) return "CLUSTERDOWN The cluster is down";
  if (route.kind == cluster::Route::kServe) {
    if (!route.migrating_to.empty()) {
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
