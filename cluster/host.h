#pragma once

// ClusterHost: what the cluster bus needs from the server (implemented in
// src/server/cluster_host.cc). Called from the bus's threads, never with
// ClusterState's lock held.

#include <cstdint>
#include <string>
#include <string_view>

namespace lsmdb::cluster {

class ClusterHost {
 public:
  virtual ~ClusterHost() = default;
  // This node's replication offset: a master's own (its engine's latest
  // sequence), a replica's the master offset it has applied. The election
  // ranks replicas by it; a manual failover waits for it to reach the
  // paused master's.
  virtual int64_t ReplicationOffset() = 0;
  // A replica: how old its data may be, in ms (since the last byte from the
  // master while the link is up, since the link went down otherwise); 0 on
  // a master. A replica whose data is too old does not run for election.
  virtual int64_t ReplicationDataAgeMs() = 0;
  // The cluster made this node a replica of ip:port (CLUSTER REPLICATE
  // kept in the nodes file, a failed-over master rejoining).
  virtual void SetMaster(const std::string& ip, int port) = 0;
  // The cluster made this node a master (it won a failover election).
  virtual void BecomeMaster() = 0;
  virtual void Log(std::string_view line) = 0;
};

}  // namespace lsmdb::cluster
