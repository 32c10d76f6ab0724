#pragma once

// The cluster bus: TCP on the node's port + 10000, long-lived connections
// carrying length-prefixed frames (bus_conn.h), each one message of
// gossip.cc. As in Redis Cluster, every pair of nodes has two connections:
// each node dials every node it knows and sends its requests (MEET, PING,
// MFSTART, AUTH_REQUEST, PONG broadcast) on that connection, and the
// answers come back on it in order (PONG to MEET/PING/MFSTART, AUTH_ACK or
// PONG to AUTH_REQUEST, none to PONG).
//
// Threads (named in Start()), neither blocking on a socket:
//   - cluster-bus: poll over the listener and the connections other nodes
//     dialed; applies each frame and answers on the connection it came on.
//     A connection that sends a corrupt frame, or stops reading while its
//     answers pile up past kMaxOutput, is closed.
//   - cluster-cron (bus_cron.cc): owns this node's outbound connections, one
//     per known node. Every 100 ms it pings every node that has no ping in
//     flight, runs failure detection and the failover logic (failover.cc),
//     sends what that asks for, applies role changes through the host
//     (replication follows the cluster's view of this node's master) and
//     saves the nodes file if it changed; between ticks it polls its
//     connections and applies the answers. A node that cannot be dialed
//     within 500 ms, or leaves a request unanswered for 1 s, is recorded
//     as a failed ping (RecordPingResult) and its connection is dropped and
//     dialed again on the next tick; a stopped node thus costs the others
//     nothing but its own pings.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster/bus_conn.h"
#include "cluster/host.h"
#include "cluster/state.h"
#include "lsmdb/status.h"

namespace lsmdb::cluster {

class Bus {
 public:
  // `bind_ip`: address to listen on (empty or "0.0.0.0": all). `host` may be
  // null (no replication side: role changes are not applied).
  Bus(ClusterState& state, std::string bind_ip, int cport,
      std::unique_ptr<ClusterHost> host = nullptr);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  Status Start();
  void Stop();  // idempotent

  // Messages sent (queued on a connection) and received (whole frames).
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  // Connections established: dialed by this node plus accepted from others.
  // With healthy peers it stays at two per peer (CLUSTER INFO
  // cluster_stats_connections_opened).
  uint64_t connections_opened() const { return opened_.load(std::memory_order_relaxed); }

 private:
  // This node's connection to one known node (cron thread only).
  struct Peer {
    struct Request {
      std::string type;
      int64_t sent_ms;  // steady clock
    };
    std::string id, ip;
    int cport = 0;
    std::unique_ptr<BusConn> conn;  // null: not connected
    bool dialing = false;           // conn is a connect in progress
    int64_t dial_deadline_ms = 0;
    std::string peer_ip, local_ip;  // the socket's addresses once established
    std::deque<Request> awaiting;   // sent, answer not yet in; oldest first
  };

  // ---- bus.cc: start/stop and the cluster-bus thread ----
  void ServeLoop();
  void RefreshOffset();

  // ---- bus_cron.cc: the cluster-cron thread and its connections ----
  void CronLoop();
  // Keeps one Peer per target: drops the ones no longer targeted or whose
  // address changed; a completed handshake's connection moves to the real id.
  void SyncPeers(const std::vector<ClusterState::Target>& targets);
  // Queues `type` to `t` (dialing first if needed). For MEET/PING, records a
  // failed ping if `t` cannot be dialed or is dropped by fault injection.
  void Send(const ClusterState::Target& t, std::string_view type);
  // Drops connections whose dial or oldest request is past its bound.
  void ExpirePeers();
  // Polls the outbound connections until `until_ms` (steady clock), stop,
  // or `done` returns true, applying the answers.
  void Pump(int64_t until_ms, const std::function<bool()>& done);
  void HandlePeer(Peer& p, short revents);
  void HandleAnswer(Peer& p, const std::string& frame);
  // Closes p's connection; a MEET/PING still awaiting its PONG counts as a
  // failed ping.
  void DropConn(Peer& p);
  void ApplyRole();

  ClusterState& state_;
  std::unique_ptr<ClusterHost> host_;
  std::string applied_master_;  // the master id replication was last pointed at
  const std::string bind_ip_;
  const int cport_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread serve_thread_;
  std::thread cron_thread_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;  // by node id; cron thread only
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> opened_{0};
};

}  // namespace lsmdb::cluster
