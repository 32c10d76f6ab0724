#pragma once

// The dispatcher's cluster gate (Redis's getNodeByQuery), run after the auth
// gates and before every other gate when cluster-enabled is on:
//   - commands without keys (key spec {0,0,0}) pass;
//   - keys in different slots: "CROSSSLOT Keys in request don't hash to the same slot";
//   - unassigned slot: "CLUSTERDOWN Hash slot not served" (unless importing
//     and the client sent ASKING); cluster state fail: "CLUSTERDOWN The cluster is down";
//   - slot owned here and MIGRATING: "ASK <slot> <ip>:<port>" when a key is absent;
//   - slot owned elsewhere: served if IMPORTING and the client sent ASKING, or
//     the command reads, the client sent READONLY and the owner is this
//     replica's master; else "MOVED <slot> <ip>:<port>".
// The ASKING flag lasts for one command: the gate clears it.
// While a manual failover pauses this master (CLUSTER FAILOVER on its
// replica), keyed write commands wait in the gate (polling every 5 ms, at
// most the pause's 10 s) and are then redirected: Redis blocks paused clients
// the same way, though without holding an I/O thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/host.h"

namespace lsmdb::server {

class Server;
class Client;
struct CommandSpec;

// The bus's view of the server (cluster/host.h): the replication offset and
// the role changes the cluster decides (REPLICAOF ip port / REPLICAOF NO ONE
// through the ReplicationManager).
class ServerClusterHost : public cluster::ClusterHost {
 public:
  explicit ServerClusterHost(Server& server) : server_(server) {}
  int64_t ReplicationOffset() override;
  int64_t ReplicationDataAgeMs() override;
  void SetMaster(const std::string& ip, int port) override;
  void BecomeMaster() override;
  void Log(std::string_view line) override;

 private:
  Server& server_;
};

// The error text to reject the command with, or nullopt to run it.
std::optional<std::string> ClusterRedirect(Server& server, Client& client, const CommandSpec& spec,
                                           const std::vector<std::string_view>& args);

}  // namespace lsmdb::server
