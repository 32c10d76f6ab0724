#pragma once

// The cluster bus: TCP on the node's port + 10000, one message per
// connection (format in gossip.cc). The dialer writes a message, shuts
// down its write side and reads the answer until EOF; the listener reads to
// EOF, applies the message, writes its answer (PONG to MEET/PING/MFSTART,
// AUTH_ACK or PONG to AUTH_REQUEST, none to PONG) and closes.
//
// Threads: an accept thread (each inbound message handled inline, 1 s
// socket timeouts) and a cron thread that every 100 ms pings every known
// node, runs failure detection and the failover logic (failover.cc), sends
// what that asks for (AUTH_REQUEST to every node, MFSTART to the master,
// PONG to every node after a promotion), applies role changes through the
// host (replication follows the cluster's view of this node's master) and
// saves the nodes file if it changed.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

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

  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t received() const { return received_.load(std::memory_order_relaxed); }

 private:
  void AcceptLoop();
  void CronLoop();
  // Sends `type` to `t` and applies the answer; false if `t` could not be
  // reached or (for MEET/PING) did not answer PONG.
  bool Exchange(const ClusterState::Target& t, std::string_view type);
  void RefreshOffset();
  void ApplyRole();

  ClusterState& state_;
  std::unique_ptr<ClusterHost> host_;
  std::string applied_master_;  // the master id replication was last pointed at
  const std::string bind_ip_;
  const int cport_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::thread cron_thread_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> received_{0};
};

}  // namespace lsmdb::cluster
