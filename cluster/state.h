#pragma once

// ClusterState: one node's view of the cluster (Redis Cluster's clusterState):
// the node table, the owner of each of the 16384 slots, the migrating /
// importing marks, the epochs. Thread-safe: every public method takes mu_.
//
// The view persists in the nodes file (Redis's nodes.conf format), rewritten
// whole (tmp + rename) after every change made by a CLUSTER command and, for
// changes learnt over the bus, by the bus's cron (SaveIfDirty):
//
//   <id> <ip>:<port>@<cport> <flags> <master|-> <ping-sent> <pong-recv> <config-epoch>
//       <link-state> <slot>|<first>-<last> ... [<slot>->-<id>] [<slot>-<-<id>]
//   ...one line per node, "myself" in the flags of this node's line...
//   vars currentEpoch <N> lastVoteEpoch <M>
//
// The same line format (without the migrating/importing brackets for other
// nodes) is CLUSTER NODES's reply and the body of bus messages (bus.h).

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/slot.h"
#include "lsmdb/status.h"

namespace lsmdb::cluster {

enum NodeFlag : uint32_t {
  kMyself = 1u << 0,
  kMaster = 1u << 1,
  kSlave = 1u << 2,
  kPfail = 1u << 3,
  kFail = 1u << 4,
  kHandshake = 1u << 5,
  kNoAddr = 1u << 6,
};

struct Node {
  std::string id;  // 40 lowercase hex characters
  std::string ip;  // empty until known
  int port = 0;
  int cport = 0;
  uint32_t flags = kMaster;
  std::string master_id;  // empty: none
  uint64_t config_epoch = 0;
  int64_t ping_sent_ms = 0;  // 0: no ping in flight
  int64_t pong_recv_ms = 0;
  bool link_connected = false;
  // Failure reports: id of the reporting master -> unix ms of the report.
  std::vector<std::pair<std::string, int64_t>> fail_reports;
};

// Where a slot is served, for the dispatcher's gate.
struct Route {
  enum Kind { kServe, kMoved, kUnassigned } kind = kUnassigned;
  std::string addr;          // "ip:port" of the owner (kMoved)
  std::string migrating_to;  // "ip:port" when this node migrates the slot
  bool importing = false;    // this node imports the slot
  bool owner_is_my_master = false;
};

// One contiguous run of slots with one owner, for CLUSTER SLOTS / SHARDS.
struct SlotRange {
  int first;
  int last;
  Node master;
  std::vector<Node> replicas;
};

std::string NewNodeId();
// "0-5460 5461 5463-6000" for the owned slots of `owned` (true = owned).
std::string FormatSlotRanges(const std::vector<bool>& owned);

class ClusterState {
 public:
  // `path`: the nodes file. `ip`: this node's address if known (may be empty).
  ClusterState(std::string path, std::string ip, int port, int cport, int64_t node_timeout_ms);

  // Loads the nodes file; creates a fresh node (new id, no slots) and saves
  // it if the file does not exist. Corruption if the file does not parse.
  Status Load();
  Status Save();         // rewrites the nodes file now
  Status SaveIfDirty();  // after bus-driven changes

  std::string myid() const;
  int port() const { return port_; }
  int cport() const { return cport_; }
  int64_t node_timeout_ms() const { return node_timeout_ms_; }

  // ---- the dispatcher's gate ----
  Route Lookup(int slot) const;
  bool state_ok() const;

  // ---- CLUSTER subcommands; errors are full Redis error texts ----
  Status AddSlots(const std::vector<int>& slots);
  Status DelSlots(const std::vector<int>& slots);
  Status FlushSlots();
  // mode: "importing" | "migrating" | "node" | "stable"; node_id for all but stable.
  Status SetSlot(int slot, std::string_view mode, std::string_view node_id);
  std::string BumpEpoch();  // "BUMPED <n>" or "STILL <n>"
  Status SetConfigEpoch(uint64_t epoch);
  Status Reset(bool hard);
  Status Meet(std::string_view ip, int port, int cport);
  Status Forget(std::string_view id);
  // Makes this node a replica of `id` (an error if it owns slots); returns
  // the master's address through ip/port.
  Status Replicate(std::string_view id, std::string* ip, int* port);
  Result<std::vector<std::string>> ReplicasOf(std::string_view id) const;
  Result<int64_t> CountFailureReports(std::string_view id) const;

  std::string NodesText() const;                                 // CLUSTER NODES
  std::string InfoText(uint64_t sent, uint64_t received) const;  // CLUSTER INFO
  std::vector<SlotRange> SlotRanges() const;
  std::vector<Node> Nodes() const;

  // ---- the bus (bus.cc) ----
  // A message to send: "<TYPE> <currentEpoch>\n<my line>\n<gossip lines>...".
  std::string BuildMessage(std::string_view type) const;
  // Applies a received message. `peer_ip`/`local_ip`: the socket's
  // addresses. `dialed_id`: the node we sent to when this is a reply (its
  // handshake id is replaced by the real one). Returns the message type.
  std::string HandleMessage(std::string_view msg, std::string_view peer_ip,
                            std::string_view local_ip, std::string_view dialed_id);
  // Targets of the next round of pings: id, ip, cport, handshake.
  struct Target {
    std::string id, ip;
    int cport;
    bool handshake;
  };
  std::vector<Target> Targets() const;
  void RecordPingResult(std::string_view id, bool ok);
  // Failure detection (PFAIL after node_timeout, FAIL on a majority of masters).
  void Cron(int64_t now_ms);

 private:
  Node* FindLocked(std::string_view id);
  const Node* FindLocked(std::string_view id) const;
  Node& myself() { return *FindLocked(myid_); }
  const Node& myself() const { return *FindLocked(myid_); }
  std::string LineLocked(const Node& n, bool for_file) const;
  std::string NodesTextLocked(bool for_file) const;
  Status SaveLocked();
  Status ParseLocked(std::string_view text);
  std::string Addr(const Node& n) const;
  uint64_t MaxEpochLocked() const;
  bool StateOkLocked() const;
  void ApplySlotsLocked(Node& sender, const std::vector<bool>& claimed);

  const std::string path_;
  std::string my_ip_;
  const int port_;
  const int cport_;
  const int64_t node_timeout_ms_;

  mutable std::mutex mu_;
  std::string myid_;
  std::vector<Node> nodes_;  // myself included
  // Owner id per slot ("" = unassigned), migrating target / importing source ids.
  std::vector<std::string> owner_;
  std::vector<std::string> migrating_;
  std::vector<std::string> importing_;
  uint64_t current_epoch_ = 0;
  uint64_t last_vote_epoch_ = 0;
  bool dirty_ = false;
  mutable bool state_ok_ = false;         // cache of StateOkLocked()
  mutable int64_t state_checked_ms_ = 0;  // when it was computed
  // FORGET'd ids and until when (unix ms) gossip may not re-add them.
  std::vector<std::pair<std::string, int64_t>> forgotten_;
};

}  // namespace lsmdb::cluster
