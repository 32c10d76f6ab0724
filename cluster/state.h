#pragma once

// ClusterState: one node's view of the cluster (Redis Cluster's clusterState):
// the node table, the owner of each of the 16384 slots, the migrating /
// importing marks, the epochs. Thread-safe: every public method takes mu_.
//
// The view persists in the nodes file (Redis's nodes.conf format), rewritten
// whole after every change made by a CLUSTER command and, for changes learnt
// over the bus, by the bus's cron (SaveIfDirty). A save is fsynced (tmp file,
// fsync, rename) except CLUSTER SETSLOT without an epoch bump, which, like
// Redis, overwrites the file in place without fsync (SaveLocked). The file
// is written after mu_ is released: SaveLocked renders the text into
// pending_save_, and the Guard that holds mu_ writes it once it has unlocked
// (FlushPendingSave), before the public method returns. So no fsync runs
// under mu_, which every command's slot lookup takes, and a method that saves
// still returns only after the file is written (a failover vote's
// lastVoteEpoch is on disk before its ACK is sent):
//
//   <id> <ip>:<port>@<cport> <flags> <master|-> <ping-sent> <pong-recv> <config-epoch>
//       <link-state> <slot>|<first>-<last> ... [<slot>->-<id>] [<slot>-<-<id>]
//   ...one line per node, "myself" in the flags of this node's line...
//   vars currentEpoch <N> lastVoteEpoch <M>
//
// The same line format (without the migrating/importing brackets for other
// nodes) is CLUSTER NODES's reply and the body of bus messages (bus.h).

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
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
  // Replication offset from the node's last bus message header (a master:
  // its own; a replica: its master's offset it has applied).
  int64_t repl_offset = 0;
  // On a master's entry: when this node last voted for one of its replicas.
  int64_t voted_time_ms = 0;
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
  // Filled by the same Lookup (one lock, one clock read per command): the
  // cluster state (state_ok()) and whether a manual failover pauses writes
  // (WritesPaused()).
  bool state_ok = false;
  bool writes_paused = false;
};

// One contiguous run of slots with one owner, for CLUSTER SLOTS / SHARDS.
struct SlotRange {
  int first;
  int last;
  Node master;
  std::vector<Node> replicas;
};

// What the bus must send after a Cron() (bus.cc carries it out).
struct CronActions {
  bool send_auth_request = false;  // FAILOVER_AUTH_REQUEST to every node
  bool send_mfstart = false;       // MFSTART to this replica's master
  bool broadcast_pong = false;     // after a promotion: PONG to every node
};

// This node's master, as the bus needs it to (re)point replication.
struct MasterAddr {
  std::string id;  // empty: this node is a master
  std::string ip;
  int port = 0;
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
  // `reply` (optional): the message to answer with, empty for none (PONG to
  // MEET/PING/MFSTART, AUTH_ACK or PONG to AUTH_REQUEST).
  std::string HandleMessage(std::string_view msg, std::string_view peer_ip,
                            std::string_view local_ip, std::string_view dialed_id,
                            std::string* reply);
  // Targets of the next round of pings: id, ip, cport, handshake; `drop`:
  // the bus must not talk to it (test fault injection, SetBusDrop).
  struct Target {
    std::string id, ip;
    int cport;
    bool handshake;
    bool drop = false;
    bool master = false;
  };
  std::vector<Target> Targets() const;
  void RecordPingResult(std::string_view id, bool ok);
  // Failure detection (PFAIL after node_timeout, FAIL on a majority of
  // masters), manual failover timeouts and the replica's election
  // (failover.cc); returns what the bus must send.
  CronActions Cron(int64_t now_ms);

  // ---- failover (failover.cc) ----
  // This node's replication offset, refreshed by the bus before it builds
  // or answers a message (never read through the host under mu_).
  // `data_age_ms`: ClusterHost::ReplicationDataAgeMs().
  void SetReplOffset(int64_t offset, int64_t data_age_ms = 0);
  // CLUSTER FAILOVER [FORCE|TAKEOVER]: mode "", "force" or "takeover".
  // Errors are Redis's texts. TAKEOVER promotes at once; the others start
  // the manual failover that Cron() drives.
  Status ManualFailover(std::string_view mode);
  // True while a manual failover pauses this master's writes.
  bool WritesPaused() const;
  MasterAddr MyMaster() const;
  uint64_t current_epoch() const;
  uint64_t last_vote_epoch() const;
  // Test-only bus fault injection: messages from and to these ids are
  // dropped (CLUSTER TEST-BUS-DROP, enabled by LSMDB_CLUSTER_TEST_FAULTS=1).
  void SetBusDrop(std::vector<std::string> ids);
  // A master's state stays fail this long after the first state check (Redis's
  // CLUSTER_WRITABLE_DELAY, 2000 ms on a live node; 0 by default for tests).
  void set_writable_delay_ms(int64_t ms);
  // The clock (unix ms) used for message times, votes and the state; tests
  // drive it by hand.
  void SetClockForTest(std::function<int64_t()> clock);
  // Log lines about elections and votes (Redis's LL_WARNING lines).
  void SetLogger(std::function<void(std::string_view)> log);

 private:
  Node* FindLocked(std::string_view id);
  const Node* FindLocked(std::string_view id) const;
  Node& myself() { return *FindLocked(myid_); }
  const Node& myself() const { return *FindLocked(myid_); }
  std::string LineLocked(const Node& n, bool for_file) const;
  std::string NodesTextLocked(bool for_file) const;
  // Renders the nodes file for the Guard to write after unlocking (see the
  // top of this file); fsynced (tmp + rename) unless `fsync` is false
  // (Redis's clusterSaveConfig(do_fsync)). Returns OK: a failed write is
  // logged by the Guard.
  Status SaveLocked(bool fsync = true);
  // Takes mu_ for a public method that may save; on destruction releases
  // it, then writes the save it rendered (FlushPendingSave). Const methods
  // never save and take mu_ directly.
  class Guard {
   public:
    explicit Guard(const ClusterState* state);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    ClusterState* state_;
    uint64_t renders_at_lock_;  // state_->renders_ when mu_ was taken
  };
  // Writes the latest rendered nodes file, if one is pending; takes
  // save_io_mu_ (which orders the writes) and mu_ only to take the text.
  // Called without mu_. A caller that finds nothing pending returns after
  // any writer that took its text has finished.
  Status FlushPendingSave();
  Status WriteNodesFile(std::string text, bool fsync) const;
  // The slot ranges owned by `id` ("0-5460 7000"), cached until the next
  // SlotsChangedLocked(): every message and nodes-file line needs them, and
  // computing them scans the 16384 owners.
  const std::string& SlotRangesTextLocked(const std::string& id) const;
  // Call after any change to owner_.
  void SlotsChangedLocked() {
    ranges_cache_.clear();
    serving_cached_ = false;
  }
  Status ParseLocked(std::string_view text);
  std::string Addr(const Node& n) const;
  uint64_t MaxEpochLocked() const;
  bool StateOkLocked() const { return StateOkLocked(Now()); }
  bool StateOkLocked(int64_t now) const;
  void ApplySlotsLocked(Node& sender, const std::vector<bool>& claimed);
  int64_t Now() const;
  void LogLocked(const std::string& line) const;
  std::string BuildMessageLocked(std::string_view type) const;
  // The masters owning slots, in slot order (cached, see serving_cache_).
  const std::vector<std::string>& ServingMastersLocked() const;
  int CountSlotsLocked(const std::string& id) const;
  // failover.cc
  void FailoverCronLocked(int64_t now, CronActions* actions);
  bool VoteLocked(Node& requester, uint64_t req_epoch, uint64_t claim_epoch,
                  const std::vector<bool>& claimed, bool force_ack);
  void ReplaceMasterLocked();
  void ResetManualFailoverLocked();
  int RankLocked() const;

  const std::string path_;
  std::string my_ip_;
  const int port_;
  const int cport_;
  const int64_t node_timeout_ms_;

  mutable std::mutex mu_;
  struct PendingSave {
    std::string text;
    bool fsync = false;  // any save merged into it asked for an fsync
    bool due = false;
  };
  PendingSave pending_save_;  // GUARDED_BY(mu_)
  uint64_t renders_ = 0;      // SaveLocked calls; GUARDED_BY(mu_)
  std::mutex save_io_mu_;     // held while the nodes file is written
  std::string myid_;
  std::vector<Node> nodes_;  // myself included
  // Owner id per slot ("" = unassigned), migrating target / importing source ids.
  std::vector<std::string> owner_;
  std::vector<std::string> migrating_;
  std::vector<std::string> importing_;
  // SlotRangesTextLocked's cache: (node id, its ranges text).
  mutable std::vector<std::pair<std::string, std::string>> ranges_cache_;
  // ServingMastersLocked's cache (valid while serving_cached_) and the
  // number of assigned slots, both invalidated by SlotsChangedLocked().
  mutable bool serving_cached_ = false;
  mutable std::vector<std::string> serving_cache_;
  mutable int assigned_slots_ = 0;
  // Every slot with a migrating / importing mark is in [marks_lo_,
  // marks_hi_] (empty when lo > hi): widened with every mark set, narrowed
  // to the marks found by each scan. Spares the nodes file, CLUSTER NODES
  // and bus messages a scan of the 2 x 16384 marks (a reshard marks one
  // slot at a time).
  mutable int marks_lo_ = 0;
  mutable int marks_hi_ = kSlots - 1;
  void NoteMarkLocked(int slot) {
    marks_lo_ = std::min(marks_lo_, slot);
    marks_hi_ = std::max(marks_hi_, slot);
  }
  uint64_t current_epoch_ = 0;
  uint64_t last_vote_epoch_ = 0;
  bool dirty_ = false;
  mutable bool state_ok_ = false;         // cache of StateOkLocked()
  mutable int64_t state_checked_ms_ = 0;  // when it was computed
  // FORGET'd ids and until when (unix ms) gossip may not re-add them.
  std::vector<std::pair<std::string, int64_t>> forgotten_;

  // Failover (failover.cc), names after Redis's clusterState fields.
  int64_t repl_offset_ = 0;
  int64_t repl_data_age_ms_ = 0;
  int64_t writable_delay_ms_ = 0;
  mutable int64_t first_state_check_ms_ = 0;
  mutable int64_t among_minority_ms_ = 0;
  int64_t failover_auth_time_ = 0;  // when the election may start (0: none)
  int failover_auth_rank_ = 0;
  bool failover_auth_sent_ = false;
  uint64_t failover_auth_epoch_ = 0;
  std::vector<std::string> failover_auth_votes_;  // masters that acked this epoch
  // Manual failover. Replica: mf_end_ (deadline), whether the election may
  // start, the master's offset seen in a paused PONG, MFSTART still to send.
  // Master: mf_end_, the replica, and the pause of writes.
  int64_t last_cant_failover_log_ms_ = 0;
  int64_t mf_end_ = 0;
  bool mf_can_start_ = false;
  int64_t mf_master_offset_ = -1;
  bool mf_send_start_ = false;
  std::string mf_replica_;
  int64_t mf_pause_start_ms_ = 0;
  int64_t mf_pause_until_ms_ = 0;
  std::vector<std::string> bus_drop_;
  std::function<int64_t()> clock_;
  std::function<void(std::string_view)> log_;
};

}  // namespace lsmdb::cluster
