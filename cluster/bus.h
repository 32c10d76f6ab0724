#pragma once

// The cluster bus: TCP on the node's port + 10000, one message per
// connection (format in gossip.cc). The dialer writes MEET or PING, shuts
// down its write side and reads the PONG until EOF; the listener reads to
// EOF, applies the message, answers PONG and closes.
//
// Threads: an accept thread (each inbound message handled inline, 1 s
// socket timeouts) and a cron thread that every 100 ms pings every known
// node, runs failure detection and saves the nodes file if it changed.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "cluster/state.h"
#include "lsmdb/status.h"

namespace lsmdb::cluster {

class Bus {
 public:
  // `bind_ip`: address to listen on (empty or "0.0.0.0": all).
  Bus(ClusterState& state, std::string bind_ip, int cport);
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
  void PingOne(const ClusterState::Target& t);

  ClusterState& state_;
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
