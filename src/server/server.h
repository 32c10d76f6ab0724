#pragma once

// Server: owns the engine, the keyspace, the command table, the listening
// socket and the I/O threads of one lsmdb-server process.
//
// Thread roles (the only threads the server process runs):
//   - main thread: parses the config, opens the server, then runs the
//     control io_context: signals (SIGINT/SIGTERM), the 100 ms cron (idle
//     timeout sweep, ops/sec sample), and finally the shutdown sequence.
//   - N I/O threads (server.io-threads, default one per two cores): each runs its
//     own asio io_context. A connection is bound to one of them for life; its
//     reads, command execution and writes all happen there, so a connection
//     needs no locks. The acceptor runs on I/O thread 0.
//   - engine threads (owned by storage/, see lsmdb/db.h): the WAL sync thread
//     (lsm-sync) that fsyncs and fires DB::WriteAsync callbacks (which only
//     post back to the connection's I/O thread), the flush thread (lsm-flush)
//     and the compaction thread (lsm-compact).
//   - replication threads, owned by replication/ (replication.h): the replica
//     link, one sender per connected replica, the WAIT waiter. They reach the
//     server only through ServerReplicationHost (replication_host.h).
// No I/O thread ever waits for an fsync: write commands park their connection
// until the engine reports durability (see connection.h).
//
// Lifecycle: Open() (engine + keyspace + commands, no sockets; the in-process
// test harness stops here) -> Listen() -> Run() (blocks until shutdown) ->
// destruction. RequestShutdown() may be called from any thread.

#include <asio.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lsmdb/db.h"
#include "lsmdb/status.h"
#include "protocol/reply_builder.h"
#include "src/config/config.h"
#include "src/server/blocking.h"
#include "src/server/client.h"
#include "src/server/command_table.h"
#include "src/server/pubsub.h"
#include "src/server/slowlog.h"
#include "src/server/transaction.h"

namespace lsmdb::repl {
class ReplicationManager;
}
namespace lsmdb::cluster {
class ClusterState;
class Bus;
}  // namespace lsmdb::cluster

namespace lsmdb::server {

class Keyspace;
class ServerReplicationHost;
class KeyspaceCompactionFilter;
class Connection;
class Acl;
class TlsListener;

// Per-thread figures; each has one writing thread (see CommandStats::Bump).
struct ThreadStats {
  explicit ThreadStats(size_t commands) : commands(commands) {}
  CommandStats commands;
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> error_replies{0};
  std::atomic<uint64_t> unknown_commands{0};
};

// Totals INFO reports, summed over all threads.
struct StatsSnapshot {
  uint64_t commands = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t error_replies = 0;
};

class Server {
 public:
  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the engine in <dir>/db and builds the keyspace and command table.
  // No sockets and no threads of the server's own.
  Status Open();
  // Binds server.bind:server.port, starts the I/O threads and replication.
  Status Listen();
  // Runs the control loop on the calling thread until RequestShutdown() or a
  // signal, then stops the I/O threads and, if asked to save, flushes the
  // engine. Returns the flush status.
  Status Run();
  // Thread-safe. `save`: flush the memtable to tables before exiting.
  void RequestShutdown(bool save);

  DB& db() { return *db_; }
  Keyspace& keyspace() { return *keyspace_; }
  // Replication (replication/replication.h); null before Open().
  repl::ReplicationManager* replication() { return replication_.get(); }
  // Cluster (cluster/state.h, cluster/bus.h): null unless cluster-enabled;
  // the state after Open(), the bus after Listen().
  cluster::ClusterState* cluster() { return cluster_.get(); }
  cluster::Bus* cluster_bus() { return cluster_bus_.get(); }
  // The options the engine is opened with (config + compaction filter +
  // replication backlog).
  Options EngineOptions();
  // Full sync on a replica: replaces the engine by the DB in `dir` (moved to
  // <dir>/db) and rebuilds the keyspace, holding the ExecGate exclusively so
  // that no command runs meanwhile. Only the replication link thread calls it.
  Status ReplaceEngine(const std::string& dir);
  const CommandTable& commands() const { return commands_; }
  ClientRegistry& clients() { return clients_; }
  // ACL users (acl.h); valid after Open().
  Acl& acl() { return *acl_; }
  SlowLog& slowlog() { return slowlog_; }

  // Configuration: a copy under the lock, and CONFIG SET / REWRITE.
  Config config() const;
  // Errors: NotFound (unknown option), NotSupported (immutable),
  // InvalidArgument(reason).
  Status SetConfig(std::string_view name, std::string_view value);
  Status RewriteConfig();
  // Hot figures read on every command, mirrored from the config.
  int64_t slowlog_slower_than() const {
    return slowlog_slower_than_.load(std::memory_order_relaxed);
  }

  // Stats shard of I/O thread `i`; index io_threads() is the shard for
  // commands run outside the I/O threads (the test harness).
  ThreadStats& thread_stats(size_t i) { return *thread_stats_[i]; }
  size_t io_threads() const { return io_threads_.size(); }
  StatsSnapshot TotalStats() const;
  void ResetStats();
  uint64_t total_connections() const { return total_connections_.load(std::memory_order_relaxed); }
  uint64_t rejected_connections() const {
    return rejected_connections_.load(std::memory_order_relaxed);
  }
  int64_t instantaneous_ops() const { return inst_ops_.load(std::memory_order_relaxed); }

  int64_t start_time_ms() const { return start_time_ms_; }
  const std::string& run_id() const { return run_id_; }
  const std::string& replid() const { return replid_; }
  int port() const { return bound_port_; }

  // SAVE/BGSAVE: checkpoint into <dir>/checkpoints/<unix-ms>.
  Status Save();
  int64_t last_save_time() const { return last_save_time_.load(std::memory_order_relaxed); }
  bool last_save_ok() const { return last_save_ok_.load(std::memory_order_relaxed); }
  int64_t changes_since_save() const;

  // Transactions, pub/sub and blocking commands (transaction.h, pubsub.h,
  // blocking.h): shared by every connection, thread-safe.
  ExecGate& exec_gate() { return exec_gate_; }
  WatchRegistry& watches() { return watches_; }
  PubSub& pubsub() { return pubsub_; }
  BlockingRegistry& blocking() { return blocking_; }
  // Drops a client's MULTI state, watches, subscriptions and blocked command
  // (RESET, disconnect). On the client's thread; idempotent.
  void ReleaseClientState(Client& client);

 private:
  struct IoThread {
    asio::io_context ctx{1};
    std::thread thread;
  };

  void StartAccept();
  void OnAccept(const asio::error_code& ec, asio::ip::tcp::socket socket, size_t thread);
  // Protected mode and maxclients for a just-accepted socket; false: refused
  // (the reason was written and the socket closed).
  bool Admit(asio::ip::tcp::socket& socket);
  void Cron();
  void Stop();

  mutable std::mutex config_mu_;
  Config config_;  // GUARDED_BY(config_mu_)
  std::atomic<int64_t> slowlog_slower_than_;

  std::unique_ptr<KeyspaceCompactionFilter> filter_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<Keyspace> keyspace_;
  std::unique_ptr<ServerReplicationHost> repl_host_;
  std::unique_ptr<repl::ReplicationManager> replication_;
  std::unique_ptr<cluster::ClusterState> cluster_;
  std::unique_ptr<cluster::Bus> cluster_bus_;
  CommandTable commands_;
  ClientRegistry clients_;
  std::unique_ptr<Acl> acl_;
  SlowLog slowlog_;
  std::vector<std::unique_ptr<ThreadStats>> thread_stats_;
  ExecGate exec_gate_;
  WatchRegistry watches_;
  PubSub pubsub_;
  BlockingRegistry blocking_;

  std::vector<std::unique_ptr<IoThread>> io_threads_;
  asio::io_context control_{1};
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<TlsListener> tls_;  // null unless [tls] port is set
  std::unique_ptr<asio::steady_timer> cron_timer_;
  std::unique_ptr<asio::signal_set> signals_;
  size_t next_thread_ = 0;  // round-robin; touched only by I/O thread 0
  int bound_port_ = 0;

  std::atomic<bool> shutdown_requested_{false};
  std::atomic<bool> shutdown_save_{true};
  std::atomic<uint64_t> total_connections_{0};
  std::atomic<uint64_t> rejected_connections_{0};
  std::atomic<int64_t> inst_ops_{0};
  uint64_t last_ops_sample_ = 0;  // control thread only
  int64_t last_sample_ms_ = 0;    // control thread only

  int64_t start_time_ms_;
  std::string run_id_;
  std::string replid_;
  std::atomic<int64_t> last_save_time_;
  std::atomic<bool> last_save_ok_{true};
  std::atomic<uint64_t> save_sequence_{0};
  std::mutex save_mu_;  // one checkpoint at a time
};

}  // namespace lsmdb::server
