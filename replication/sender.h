#pragma once

// Sender: the primary side of one replica connection, on its own thread.
//
// Life: decide CONTINUE (replid matches and the backlog reaches back to the
// replica's offset) or FULLRESYNC; for a full sync take a checkpoint under
// <dir>/repl-snapshot-<n>, open it once to learn its sequence, and stream
// its files as CHUNK frames, then SNAPEND (wire.h). While the files go out,
// the backlog records after the checkpoint's sequence are pulled into
// memory so a small backlog cannot be overrun during the transfer. Then
// stream BATCH frames for ever, reading REPLCONF ACKs.
//
// The socket is non-blocking; the thread poll()s on it and on an eventfd
// that Wake() (the engine's update listener, via the manager) signals. Wake
// writes the eventfd only when the thread is about to sleep, so a busy
// sender costs the writers nothing. Woken from such a sleep, the sender
// lets records gather for kCoalesceUs (1 ms) before it pulls them, so that
// one wake-up, one pull and one send() carry many write groups.
//
// A replica too slow for the backlog (its next record was trimmed) is
// disconnected; it reconnects and gets a full sync.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "lsmdb/status.h"
#include "protocol/resp_parser.h"

namespace lsmdb::repl {

class ReplicationManager;

class Sender {
 public:
  enum State : int { kWaitBgsave = 0, kSendBulk = 1, kOnline = 2 };

  Sender(ReplicationManager* manager, int fd, std::string peer_ip, int listening_port,
         std::string replid, int64_t offset, std::string pending);
  ~Sender();  // RequestStop + Join
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void Start();
  void RequestStop();
  void Join();
  // Thread-safe, non-blocking.
  void Wake();

  bool done() const { return done_.load(std::memory_order_acquire); }
  const std::string& ip() const { return ip_; }
  int port() const { return port_; }
  State state() const { return static_cast<State>(state_.load(std::memory_order_relaxed)); }
  uint64_t ack_offset() const { return ack_offset_.load(std::memory_order_acquire); }
  int64_t last_ack_ms() const { return last_ack_ms_.load(std::memory_order_relaxed); }

 private:
  void Run();
  Status Serve();
  Status FullSync();
  // Pulls backlog records after next_ into out (as BATCH frames). False:
  // the backlog no longer reaches back.
  Result<bool> PullBacklog(std::string* out, size_t max_bytes);
  // One round of I/O: writes what it can, then waits up to timeout_ms for
  // the socket (readable; or writable if output is still pending) or a
  // wake-up, then reads ACKs and writes. With !wait_when_flushed it does not
  // wait once all output is written (the snapshot loop has more to queue).
  Status Pump(int timeout_ms, bool wait_when_flushed = true);
  void ParseAcks();

  ReplicationManager* const manager_;
  const int fd_;
  int wake_fd_ = -1;
  const std::string ip_;
  const int port_;
  const std::string want_replid_;
  const int64_t want_offset_;

  std::string in_;
  resp::RequestParser parser_;
  std::string out_;
  size_t out_off_ = 0;
  uint64_t next_ = 0;  // last sequence queued for the replica
  int64_t last_send_ms_ = 0;
  bool woken_ = false;  // the last Pump read the eventfd (Wake or RequestStop)

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<bool> sleeping_{false};
  std::atomic<int> state_{kWaitBgsave};
  std::atomic<uint64_t> ack_offset_{0};
  std::atomic<int64_t> last_ack_ms_{0};
};

}  // namespace lsmdb::repl
