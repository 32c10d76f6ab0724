#pragma once

// ReplicationManager: both sides of primary/replica replication for one node.
//
// Every node runs the primary side: a replica (or a replica of a replica)
// that sends PSYNC gets a Sender (sender.h), a thread that streams this
// node's own WAL records from the engine's in-memory backlog
// (DB::ReadUpdatesSince), after a snapshot (DB::Checkpoint) when the backlog
// no longer reaches back to the replica's offset. A node configured with
// REPLICAOF also runs a Link (link.h): a thread that connects to its
// primary, applies what it receives and acknowledges it. Chained replicas
// fall out of this: a replica serves its own replicas from its own backlog,
// in its own sequence space.
//
// Identity. A node's replication id (40 hex chars) names the history of its
// engine's sequence numbers; its offset is its engine's LatestSequence().
// The ids are kept in <dir>/replid, rewritten whenever they change and at
// clean shutdown (format in replication.cc). After a clean shutdown the node
// keeps its id; after a crash (whose WAL tail may be lost) the old id becomes
// replid2, accepted up to the recovered offset, and the node takes a new one.
// A full sync (the engine is replaced) and REPLICAOF NO ONE start a new id;
// after a promotion the old id is kept as replid2 and still accepted up to
// second_repl_offset - 1.
//
// Threads: one Link thread (always running, idle while a primary), one
// thread per Sender, and a waiter thread for WAIT deadlines and the reaping
// of finished senders. Command handlers call the public methods from I/O
// threads; all of them are thread-safe.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lsmdb/status.h"
#include "replication/host.h"

namespace lsmdb::repl {

class Sender;
class Link;

// One connected replica, as INFO and ROLE show it.
struct ReplicaView {
  std::string ip;
  int port = 0;
  std::string state;  // wait_bgsave | send_bulk | online
  uint64_t ack_offset = 0;
  int64_t lag_seconds = 0;
};

// The replica side's figures (all zero/empty on a primary).
struct LinkView {
  bool configured = false;  // REPLICAOF host port is set
  std::string host;
  int port = 0;
  std::string state;  // connect | connecting | sync | connected
  bool up = false;
  int64_t last_io_seconds_ago = -1;
  bool sync_in_progress = false;
  int64_t read_offset = 0;     // primary offset received
  int64_t applied_offset = 0;  // primary offset applied (persisted)
  int64_t down_since_seconds = -1;
};

class ReplicationManager {
 public:
  // `host` must outlive the manager.
  explicit ReplicationManager(ReplicationHost* host);
  ~ReplicationManager();
  ReplicationManager(const ReplicationManager&) = delete;
  ReplicationManager& operator=(const ReplicationManager&) = delete;

  // After the engine is open: loads <dir>/replid (see replication.cc),
  // rewrites it, registers the engine's update listener. No threads yet.
  Status Open();
  // Starts the threads; `replicaof` is "host port" or empty.
  void Start(const std::string& replicaof);
  // Stops every thread and closes every replication socket. Idempotent.
  void Stop();
  // Clean shutdown, after the final flush: marks <dir>/replid clean.
  void SaveReplid();

  // ---- roles ----
  // REPLICAOF host port. False: already a replica of exactly that primary.
  bool SetPrimary(const std::string& host, int port);
  // REPLICAOF NO ONE: stops the link, removes the offset record, starts a new
  // id (the old one becomes replid2). A no-op on a primary.
  Status Promote();
  bool is_replica() const { return is_replica_.load(std::memory_order_acquire); }

  // ---- primary side ----
  // REPLCONF listening-port from the client that will send PSYNC.
  void NoteListeningPort(uint64_t client_id, int port);
  // PSYNC/SYNC: takes ownership of the socket `fd` (with `pending` bytes the
  // client sent after PSYNC) and serves it on a Sender thread. `replid` "?"
  // asks for a full sync.
  void StartSender(int fd, uint64_t client_id, std::string peer_ip, std::string replid,
                   int64_t offset, std::string pending);

  // Replicas whose acknowledged offset is >= `offset`.
  int CountAcked(uint64_t offset);
  // WAIT: calls `wake` (once, from any thread) when `numreplicas` replicas
  // have acked `offset`, or at `deadline_ms` (NowMs(); 0 = never).
  void AddWaiter(uint64_t client_id, uint64_t offset, int numreplicas, int64_t deadline_ms,
                 std::function<void()> wake);
  // min-replicas-to-write / min-replicas-max-lag.
  void SetMinReplicas(int64_t to_write, int64_t max_lag_seconds);
  // False when min-replicas-to-write is set and fewer replicas than that are
  // online with an ack younger than max-lag.
  bool EnoughGoodReplicas();

  // ---- figures ----
  std::vector<ReplicaView> Replicas();
  LinkView Link();
  std::string replid();
  // The INFO "# Replication" section body (lines "k:v\r\n", Redis 7.0's
  // fields and order), and the sync_* lines of "# Stats".
  std::string InfoReplication(int64_t backlog_size);
  std::string InfoStats();

  // ---- used by Sender and Link ----
  ReplicationHost* host() { return host_; }
  // True if a replica at (replid, offset) can continue from the backlog.
  bool CanContinue(const std::string& replid, uint64_t offset);
  void CountSync(bool full, bool partial_ok, bool partial_err);
  // A replica acked (or a sender ended): re-check WAIT waiters.
  void OnAck();
  // Link: replaces the engine by the snapshot in `dir` (stops every sender
  // first; new replid afterwards).
  Status InstallSnapshot(const std::string& dir);

 private:
  void RegisterListener();
  void StopSenders();
  void WaiterLoop();
  void NewReplidLocked(bool keep_old);
  // Writes <dir>/replid from the ids (id_mu_ held); logs a failure.
  bool WriteReplidFileLocked(bool clean);
  std::string ReplidPath();

  ReplicationHost* const host_;
  std::atomic<bool> is_replica_{false};
  std::atomic<bool> started_{false};

  std::mutex id_mu_;
  std::string replid_;          // GUARDED_BY(id_mu_)
  std::string replid2_;         // GUARDED_BY(id_mu_)
  int64_t second_offset_ = -1;  // GUARDED_BY(id_mu_)

  // Senders; the update listener wakes them under this lock.
  std::mutex senders_mu_;
  std::vector<std::unique_ptr<Sender>> senders_;       // GUARDED_BY(senders_mu_)
  std::unordered_map<uint64_t, int> listening_ports_;  // GUARDED_BY(senders_mu_)
  std::atomic<size_t> sender_count_{0};  // senders_.size(), for the listener's fast path
  // Serializes StartSender and InstallSnapshot (no sender starts mid-swap).
  std::mutex swap_mu_;

  std::unique_ptr<class Link> link_;

  // WAIT waiters, the reaper and the min-replicas figures.
  struct Waiter {
    uint64_t client_id;
    uint64_t offset;
    int numreplicas;
    int64_t deadline_ms;
    std::function<void()> wake;
  };
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  std::vector<Waiter> waiters_;  // GUARDED_BY(wait_mu_)
  std::atomic<size_t> waiter_count_{0};  // waiters_.size(), read by OnAck
  bool stop_ = false;            // GUARDED_BY(wait_mu_)
  std::thread waiter_thread_;
  std::atomic<int64_t> min_to_write_{0};
  std::atomic<int64_t> min_max_lag_{10};

  std::atomic<uint64_t> sync_full_{0};
  std::atomic<uint64_t> sync_partial_ok_{0};
  std::atomic<uint64_t> sync_partial_err_{0};
};

}  // namespace lsmdb::repl
