#pragma once

// Connection: one client socket on one I/O thread.
//
// Design note. Each connection reads into one buffer, parses every complete
// command in it (pipelining), runs them in order and appends their replies to
// one output string, then writes that string once (a non-blocking write first,
// an async write for any rest). Everything happens on the connection's I/O
// thread, so there is no lock here.
//
// Writes and durability. The connection is the Committer of its commands:
// Commit() calls DB::WriteAsync. If the engine reports durability inline
// (appendfsync everysec/no), nothing more happens. Otherwise (always) the
// connection runs the rest of the commands it has read, as Redis runs every
// command of an event-loop pass before its one AOF fsync, and then parks:
// it holds its output (replies must not reach the client before the data is
// durable) and reads no more. The engine's sync thread posts the completion
// back to this I/O thread, which then resumes. If durability failed, the
// reply of each write command held is replaced by the error (the reply
// ranges are kept in pending_write_replies_). So replies stay in order, a
// pipeline of writes shares one fsync, and no I/O thread waits on an fsync.
// (Parking after each write command instead cost 10x at redis-benchmark -P
// 16: one write per connection per fsync.)
//
// Blocking commands (blocking.h): while client_.blocked is set the connection
// runs no further input (it keeps reading, so a disconnect is seen), retries
// the command when woken, and replies a null array at the deadline.
// Pub/sub pushes from other threads arrive through DeliverPush() on this
// thread; a subscriber whose output passes the pubsub class limits (hard
// 32 MiB, or soft 8 MiB for 60 s, as Redis's defaults) is closed.
//
// Limits: client-query-buffer-limit (close when the unparsed input exceeds
// it), the output soft limit (stop reading until the output drains) and hard
// limit (close), proto-max-bulk-len (through the parser). A protocol error
// is replied to and the connection closes after the write.

#include <asio.hpp>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "protocol/reply_builder.h"
#include "protocol/resp_parser.h"
#include "src/server/client.h"
#include "src/server/server.h"
#include "src/server/transaction.h"
#include "src/types/committer.h"

namespace lsmdb::server {

class Connection : public std::enable_shared_from_this<Connection>, private WalCommitter {
 public:
  // `socket` must belong to `io`, the io_context of I/O thread `thread_index`.
  Connection(Server& server, asio::io_context& io, asio::ip::tcp::socket socket,
             size_t thread_index);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers the client and starts reading. Call once, on the I/O thread.
  void Start();
  // Closes the socket at once (no flush). Idempotent; on the I/O thread.
  void Close();
  // Gives the socket to client_.handoff (PSYNC) instead of closing it.
  void HandOff();

 private:
  // Committer: see the design note.
  Status Commit(WriteBatch& batch) override;
  Status CommitWithOptions(const WriteOptions& options, WriteBatch& batch) override;
  // Runs on the engine's thread (or inline) when a batch is durable.
  void OnDurableAnyThread(const Status& s);
  // Runs on the I/O thread once every pending batch of the command is durable.
  void OnDurable();
  // After commands ran: parks if some batch is not durable yet, else
  // settles the held write replies (FinishDurable).
  void ParkIfPending();
  // Every batch is durable or failed: replaces the replies of the write
  // commands held with the durability error if one failed.
  void FinishDurable();

  // Does whatever is possible now: run commands, write, read, close.
  void Pump();
  void ProcessInput();
  // Runs one command, then parks for durability if it wrote.
  void RunCommand(const std::vector<std::string_view>& args);
  // Re-runs the blocked command (woken, or once right after blocking).
  void RetryBlocked();
  // Arms the timer for a newly blocked command's deadline.
  void ArmBlockTimer();
  void OnBlockTimer(const asio::error_code& ec);
  // A pub/sub push for this client (posted from the publisher's thread).
  void DeliverPush(const std::shared_ptr<const std::string>& bytes);
  void Flush();
  // Queues this connection for its thread's output pass: one batched
  // FlushWal if any queued connection wrote, then every queued connection's
  // replies (see "Output passes" in the .cc).
  void QueueOutputPass();
  // The output pass ran (`s`: its FlushWal status): releases the held output.
  void OnOutputPass(const Status& s);
  void StartRead();
  void OnRead(const asio::error_code& ec, size_t n);
  void OnWrite(const asio::error_code& ec, size_t n);
  size_t PendingOutput() const { return out_.size() + (wbuf_.size() - woff_); }

  Server& server_;
  asio::io_context& io_;
  asio::ip::tcp::socket socket_;
  ThreadStats& stats_;
  Client client_;
  resp::RequestParser parser_;

  // Input: bytes [in_begin_, in_end_) of in_ are received and not yet parsed.
  std::unique_ptr<char[]> in_;
  size_t in_cap_ = 0;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  size_t query_limit_ = 0;
  size_t output_soft_limit_ = 0;  // 0 = none
  size_t output_hard_limit_ = 0;  // 0 = none

  // Output: replies are appended to out_; wbuf_[woff_..] is being written.
  std::string out_;
  std::string wbuf_;
  size_t woff_ = 0;
  resp::ReplyBuilder reply_;

  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // close once the output is written
  bool closed_ = false;
  bool parked_ = false;  // waiting for durability: no parsing, no output
  asio::steady_timer block_timer_;
  bool block_timer_armed_ = false;
  std::string held_pushes_;         // pushes that arrived while parked
  int64_t push_soft_since_ms_ = 0;  // output above the pubsub soft limit since (0 = not)
  // A write was committed since the WAL was last flushed to the OS. Replies
  // to writes go out only after DB::FlushWal; the flush is shared by every
  // connection of the I/O thread served during one event-loop pass (see
  // "Output passes" in connection.cc), like Redis's one AOF write per
  // event-loop iteration.
  bool wal_dirty_ = false;
  // Queued for the thread's output pass: output is held (Flush() does
  // nothing) until OnOutputPass() runs. wal_pending_: this connection wrote,
  // so a failed FlushWal closes it. in_output_pass_: Pump runs from the pass,
  // so replies go out now.
  bool output_queued_ = false;
  bool wal_pending_ = false;
  bool in_output_pass_ = false;
  // ProcessInput stopped with commands left because the output passed the
  // soft limit; Pump resumes them once it drains.
  bool input_paused_ = false;
  // [begin, end) offsets in out_ of the replies of write commands whose
  // batches were not known durable when they ran; cleared once settled.
  std::vector<std::pair<size_t, size_t>> pending_write_replies_;
  uint64_t commits_issued_ = 0;  // successful CommitWithOptions calls

  // Durability of this command's batches. Low bits: callbacks still due;
  // kWaitingBit: the I/O thread has parked and wants OnDurable posted.
  static constexpr uint32_t kWaitingBit = 1u << 31;
  std::atomic<uint32_t> durable_state_{0};  // acq_rel: orders the callbacks' writes
  // Set (release) when a batch failed to become durable; read on the I/O thread.
  std::atomic<bool> durable_failed_{false};
  std::mutex durable_mu_;
  Status durable_error_;                   // GUARDED_BY(durable_mu_)
  std::shared_ptr<Connection> keepalive_;  // set while parked
};

}  // namespace lsmdb::server
