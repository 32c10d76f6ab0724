#pragma once

// Link: the replica side, one thread per node, idle while the node is a
// primary.
//
// Loop: wait for a primary to be set (REPLICAOF / --replicaof), connect,
// handshake (wire.h), PSYNC with the (replid, offset) of the offset record in
// the engine, then
//   - FULLRESYNC: receive the snapshot files into <dir>/repl-sync.tmp, open
//     that DB once to write the offset record (replid, snapshot offset) into
//     it, and have the manager swap it in for the engine (engine and keyspace
//     are replaced while no command runs; see ReplicationHost::ReplaceEngine);
//   - then (and after CONTINUE) apply BATCH frames: every frame that arrived
//     in one read round goes into one WriteBatch with the offset record last,
//     applied with ReplicationHost::ApplyReplicated, so data and offset are
//     atomic together; then REPLCONF ACK. An ACK also goes out every second.
// When the link drops (EOF, error, nothing heard for kLinkTimeoutMs), retry
// once a second; the next PSYNC resumes from the persisted offset.
// REPLICAOF (another primary, or NO ONE) interrupts the current attempt.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "lsmdb/status.h"
#include "replication/replication.h"

namespace lsmdb::repl {

class Link {
 public:
  explicit Link(ReplicationManager* manager);
  ~Link();  // Stop()
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  void Start();
  void Stop();

  // Sets (host non-empty) or clears the primary. Returns false if it is
  // already exactly that primary.
  bool SetTarget(const std::string& host, int port);

  LinkView View();

 private:
  struct Target {
    std::string host;
    int port = 0;
  };

  void Run();
  // One connection's life; returns why it ended.
  Status Session(const Target& target, uint64_t gen);
  // Waits up to timeout_ms for data (appended to *buf) or an interruption.
  Status WaitData(int fd, std::string* buf, int timeout_ms, uint64_t gen);
  Status ReadLine(int fd, std::string* buf, std::string* line, int64_t deadline_ms, uint64_t gen);
  Status ReceiveSnapshot(int fd, std::string* buf, const std::string& replid, uint64_t offset,
                         uint64_t gen);
  Status Stream(int fd, std::string* buf, const std::string& replid, uint64_t gen);
  Status SendAck(int fd);
  bool Interrupted(uint64_t gen);
  void SetState(const char* state, bool up);

  ReplicationManager* const manager_;
  std::thread thread_;
  int wake_fd_ = -1;

  // Held around "still the same primary? then apply": once SetTarget returns,
  // nothing from the previous primary is applied any more.
  std::mutex apply_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  Target target_;                  // GUARDED_BY(mu_); host empty = none
  uint64_t gen_ = 0;               // GUARDED_BY(mu_); bumped by every SetTarget
  bool stop_ = false;              // GUARDED_BY(mu_)
  std::string state_ = "connect";  // GUARDED_BY(mu_)
  bool up_ = false;                // GUARDED_BY(mu_)
  int64_t down_since_ms_ = 0;      // GUARDED_BY(mu_)

  std::atomic<uint64_t> gen_seen_{0};  // gen_ copy for cheap checks
  std::atomic<bool> stopping_{false};
  std::atomic<bool> syncing_{false};
  std::atomic<int64_t> last_io_ms_{0};
  std::atomic<int64_t> read_offset_{0};
  std::atomic<int64_t> applied_offset_{0};
};

}  // namespace lsmdb::repl
