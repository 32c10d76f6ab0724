#include "src/server/server.h"

#include <fmt/core.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>

#include "cluster/bus.h"
#include "cluster/state.h"
#include "src/server/cluster_host.h"
#include "replication/replication.h"
#include "src/commands/all_commands.h"
#include "src/server/acl.h"
#include "src/server/connection.h"
#include "src/server/dispatcher.h"
#include "src/server/log.h"
#include "src/server/replication_host.h"
#include "src/server/tls.h"
#include "src/types/compaction_filter.h"
#include "src/types/key_layout.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {
namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ NowUs());
  static const char kHex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (char& c : s) c = kHex[gen() & 15];
  return s;
}

bool EqualsNoCaseAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create directory {}: {}", dir, ec.message()));
  return Status::OK();
}

}  // namespace

Server::Server(Config config)
    : config_(std::move(config)),
      slowlog_slower_than_(config_.slowlog_log_slower_than),
      start_time_ms_(NowMs()),
      run_id_(RandomHex(40)),
      replid_(RandomHex(40)),
      last_save_time_(time(nullptr)) {}

Server::~Server() {
  // Order matters: I/O threads stop first, then the engine (whose sync thread
  // may still post completions into the io_contexts), then the io_contexts
  // with any connections their pending handlers hold. Replication threads
  // use the engine: they stop before anything else.
  if (cluster_bus_) cluster_bus_->Stop();
  if (replication_) replication_->Stop();
  for (auto& t : io_threads_) t->ctx.stop();
  for (auto& t : io_threads_) {
    if (t->thread.joinable()) t->thread.join();
  }
  acceptor_.reset();
  if (tls_) tls_->Close();
  replication_.reset();
  keyspace_.reset();
  db_.reset();
  io_threads_.clear();
  tls_.reset();  // after the relays held by the io_contexts
}

Status Server::Open() {
  Config cfg = config();
  // Default (io-threads 0): one I/O thread per two cores, at least one. An
  // I/O thread keeps a core busy under load, and the engine's WAL sync and
  // compaction threads and, on one host, the clients need the rest: on two
  // cores two I/O threads measured slower than one (docs/bench.md).
  size_t n = cfg.io_threads > 0
                 ? static_cast<size_t>(cfg.io_threads)
                 : std::max<size_t>(1, std::thread::hardware_concurrency() / 2);
  for (size_t i = 0; i < n; i++) io_threads_.push_back(std::make_unique<IoThread>());

  LSMDB_RETURN_IF_ERROR(MakeDirs(cfg.dir));
  filter_ = std::make_unique<KeyspaceCompactionFilter>();
  {
    // A crash in the middle of ReplaceEngine left the old engine aside.
    std::error_code ec;
    if (!std::filesystem::exists(cfg.dir + "/db", ec) &&
        std::filesystem::exists(cfg.dir + "/db.old", ec)) {
      std::filesystem::rename(cfg.dir + "/db.old", cfg.dir + "/db", ec);
    }
  }
  Result<std::unique_ptr<DB>> db = DB::Open(EngineOptions(), cfg.dir + "/db");
  if (!db.ok()) return db.status();
  db_ = std::move(db).value();
  // The key layout before SetDB: the filter's element rule builds metadata keys.
  LSMDB_RETURN_IF_ERROR(OpenKeyLayout(db_.get(), cfg.cluster_enabled));  // key_layout.h
  // Collections exist now: let compaction drop orphaned element records.
  filter_->SetDB(db_.get());
  keyspace_ = std::make_unique<Keyspace>(db_.get(), CommandClockWallMs, filter_.get());
  LSMDB_RETURN_IF_ERROR(keyspace_->status());
  keyspace_->list_cache().SetCapacity(static_cast<size_t>(cfg.list_cache_size));
  repl_host_ = std::make_unique<ServerReplicationHost>(*this);
  replication_ = std::make_unique<repl::ReplicationManager>(repl_host_.get());
  LSMDB_RETURN_IF_ERROR(replication_->Open());
  replication_->SetMinReplicas(cfg.min_replicas_to_write, cfg.min_replicas_max_lag);
  if (cfg.cluster_enabled) {
    // The nodes file lives in `dir` unless given as an absolute path.
    std::string path = cfg.cluster_config_file;
    if (path.empty() || path[0] != '/') path = cfg.dir + "/" + path;
    std::string ip = cfg.bind.substr(0, cfg.bind.find(' '));
    if (ip == "*" || ip == "0.0.0.0" || ip.find(':') != std::string::npos) ip.clear();
    cluster_ = std::make_unique<cluster::ClusterState>(path, ip, static_cast<int>(cfg.port),
                                                       static_cast<int>(cfg.port) + 10000,
                                                       cfg.cluster_node_timeout);
    LSMDB_RETURN_IF_ERROR(cluster_->Load());
  }
  save_sequence_.store(db_->LatestSequence(), std::memory_order_relaxed);

  RegisterAllCommands(commands_);
  for (const auto& [from, to] : cfg.rename_commands) {
    if (!commands_.Rename(from, to)) {
      return Status::InvalidArgument(fmt::format("rename-command: no command named '{}'", from));
    }
  }
  acl_ = std::make_unique<Acl>(commands_);
  acl_->SetDefaultPassword(cfg.requirepass);
  for (size_t i = 0; i <= n; i++) {
    thread_stats_.push_back(std::make_unique<ThreadStats>(commands_.size()));
  }
  return Status::OK();
}

Status Server::Listen() {
  Config cfg = config();
  std::string host = cfg.bind.substr(0, cfg.bind.find(' '));
  if (host == "*") host = "0.0.0.0";
  asio::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument(fmt::format("bad bind address '{}'", host));
  asio::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(cfg.port));

  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(io_threads_[0]->ctx);
  auto fail = [&](const char* what) {
    return Status::IOError(fmt::format("Could not create server TCP listening socket {}:{}: {} {}",
                                       host, cfg.port, what, ec.message()));
  };
  acceptor_->open(endpoint.protocol(), ec);
  if (ec) return fail("open:");
  acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("setsockopt:");
  acceptor_->bind(endpoint, ec);
  if (ec) return fail("bind:");
  acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen:");
  bound_port_ = acceptor_->local_endpoint(ec).port();

  StartAccept();
  if (cfg.tls_port != 0) {
    TlsListener::Hooks hooks;
    hooks.io_for = [this]() -> std::pair<asio::io_context*, size_t> {
      size_t t = next_thread_++ % io_threads_.size();  // also on I/O thread 0
      return {&io_threads_[t]->ctx, t};
    };
    hooks.admit = [this](asio::ip::tcp::socket& socket) { return Admit(socket); };
    hooks.start = [this](asio::ip::tcp::socket plain, size_t t) {
      std::make_shared<Connection>(*this, io_threads_[t]->ctx, std::move(plain), t)->Start();
    };
    LSMDB_RETURN_IF_ERROR(
        TlsListener::Open(cfg, host, io_threads_[0]->ctx, std::move(hooks), &tls_));
  }
  for (size_t i = 0; i < io_threads_.size(); i++) {
    IoThread* t = io_threads_[i].get();
    t->thread = std::thread([t, i] {
      std::string name = fmt::format("io-{}", i);
      pthread_setname_np(pthread_self(), name.c_str());
      auto guard = asio::make_work_guard(t->ctx);
      t->ctx.run();
    });
  }
  std::string replicaof = cfg.replicaof;
  if (cluster_ != nullptr) {
    cluster_bus_ = std::make_unique<cluster::Bus>(*cluster_, host, bound_port_ + 10000,
                                                  std::make_unique<ServerClusterHost>(*this));
    LSMDB_RETURN_IF_ERROR(cluster_bus_->Start());
    // A replica (CLUSTER REPLICATE, kept in the nodes file) follows its master again.
    std::string master_id;
    std::vector<cluster::Node> nodes = cluster_->Nodes();
    for (const cluster::Node& n : nodes) {
      if (n.flags & cluster::kMyself) master_id = n.master_id;
    }
    for (const cluster::Node& n : nodes) {
      if (!master_id.empty() && n.id == master_id && !n.ip.empty()) {
        replicaof = fmt::format("{} {}", n.ip, n.port);
      }
    }
  }
  replication_->Start(replicaof);
  return Status::OK();
}

void Server::StartAccept() {
  size_t t = next_thread_++ % io_threads_.size();
  acceptor_->async_accept(io_threads_[t]->ctx,
                          [this, t](const asio::error_code& ec, asio::ip::tcp::socket socket) {
                            OnAccept(ec, std::move(socket), t);
                          });
}

void Server::OnAccept(const asio::error_code& ec, asio::ip::tcp::socket socket, size_t thread) {
  if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
  if (ec) {
    LSMDB_LOG_WARNING("Accepting client connection: {}", ec.message());
  } else if (Admit(socket)) {
    asio::io_context& io = io_threads_[thread]->ctx;
    asio::post(io, [this, &io, thread, s = std::move(socket)]() mutable {
      std::make_shared<Connection>(*this, io, std::move(s), thread)->Start();
    });
  }
  StartAccept();
}

bool Server::Admit(asio::ip::tcp::socket& socket) {
  total_connections_.fetch_add(1, std::memory_order_relaxed);
  int64_t maxclients;
  bool protected_mode;
  {
    std::lock_guard<std::mutex> lock(config_mu_);
    maxclients = config_.maxclients;
    protected_mode = config_.protected_mode;
  }
  std::string_view refusal;
  asio::error_code rec;
  asio::ip::tcp::endpoint remote = socket.remote_endpoint(rec);
  if (!rec && ProtectedModeDenies(protected_mode, acl_->default_nopass(), remote.address())) {
    refusal = kProtectedModeDenied;
  } else if (clients_.count() >= static_cast<size_t>(maxclients)) {
    refusal = "-ERR max number of clients reached\r\n";
  } else {
    return true;
  }
  asio::error_code wec;
  socket.non_blocking(true, wec);
  socket.write_some(asio::buffer(refusal.data(), refusal.size()), wec);
  socket.close(wec);
  rejected_connections_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

Status Server::Run() {
  signals_ = std::make_unique<asio::signal_set>(control_, SIGINT, SIGTERM);
  signals_->async_wait([this](const asio::error_code& ec, int sig) {
    if (ec) return;
    LSMDB_LOG_WARNING("Received {} scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    RequestShutdown(true);
  });
  cron_timer_ = std::make_unique<asio::steady_timer>(control_);
  Cron();
  if (!shutdown_requested_.load()) control_.run();

  LSMDB_LOG_WARNING("User requested shutdown...");
  if (cluster_bus_) cluster_bus_->Stop();
  replication_->Stop();
  for (auto& t : io_threads_) t->ctx.stop();
  for (auto& t : io_threads_) {
    if (t->thread.joinable()) t->thread.join();
  }
  asio::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  if (tls_) tls_->Close();
  Status s;
  if (shutdown_save_.load()) {
    LSMDB_LOG_NOTICE("Flushing the memtable before exiting.");
    s = db_->Flush();
    if (!s.ok()) LSMDB_LOG_WARNING("Flush at shutdown failed: {}", s.ToString());
  }
  if (s.ok()) replication_->SaveReplid();
  keyspace_.reset();
  db_.reset();
  LSMDB_LOG_WARNING("lsmdb is now ready to exit, bye bye...");
  return s;
}

void Server::RequestShutdown(bool save) {
  shutdown_save_.store(save);
  shutdown_requested_.store(true);
  control_.stop();
}

void Server::Cron() {
  int64_t now = MonotonicMs();
  uint64_t total = TotalStats().commands;
  if (last_sample_ms_ != 0 && now > last_sample_ms_) {
    inst_ops_.store(static_cast<int64_t>((total - last_ops_sample_) * 1000 /
                                         static_cast<uint64_t>(now - last_sample_ms_)),
                    std::memory_order_relaxed);
  }
  last_ops_sample_ = total;
  last_sample_ms_ = now;

  int64_t timeout;
  {
    std::lock_guard<std::mutex> lock(config_mu_);
    timeout = config_.timeout;
  }
  if (timeout > 0) {
    clients_.ForEach([&](Client& c) {
      if (now - c.last_interaction_ms() > timeout * 1000) {
        LSMDB_LOG_VERBOSE("Closing idle client id={}", c.id());
        c.Kill();
      }
    });
  }
  cron_timer_->expires_after(std::chrono::milliseconds(100));
  cron_timer_->async_wait([this](const asio::error_code& ec) {
    if (!ec) Cron();
  });
}

Config Server::config() const {
  std::lock_guard<std::mutex> lock(config_mu_);
  return config_;
}

Status Server::SetConfig(std::string_view name, std::string_view value) {
  std::lock_guard<std::mutex> lock(config_mu_);
  LSMDB_RETURN_IF_ERROR(SetConfigOption(&config_, name, value, /*at_runtime=*/true));
  slowlog_slower_than_.store(config_.slowlog_log_slower_than, std::memory_order_relaxed);
  if (keyspace_) keyspace_->list_cache().SetCapacity(static_cast<size_t>(config_.list_cache_size));
  if (acl_ != nullptr && (EqualsNoCaseAscii(name, "requirepass") ||
                          EqualsNoCaseAscii(name, "server.requirepass"))) {
    acl_->SetDefaultPassword(config_.requirepass);
  }
  if (replication_) {
    replication_->SetMinReplicas(config_.min_replicas_to_write, config_.min_replicas_max_lag);
  }
  LogLevel level;
  if (ParseLogLevel(config_.loglevel, &level)) SetLogLevel(level);
  return Status::OK();
}

Status Server::RewriteConfig() {
  Config cfg = config();
  if (cfg.config_file.empty()) {
    return Status::InvalidArgument("ERR The server is running without a config file");
  }
  std::string tmp = cfg.config_file + ".tmp";
  FILE* f = fopen(tmp.c_str(), "w");
  if (f == nullptr) return Status::IOError(fmt::format("cannot write {}", tmp));
  std::string text = ConfigToToml(cfg);
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (fflush(f) == 0) && ok;
  ok = (fsync(fileno(f)) == 0) && ok;
  fclose(f);
  if (!ok || rename(tmp.c_str(), cfg.config_file.c_str()) != 0) {
    return Status::IOError(fmt::format("cannot rewrite {}", cfg.config_file));
  }
  return Status::OK();
}

StatsSnapshot Server::TotalStats() const {
  StatsSnapshot s;
  for (const auto& t : thread_stats_) {
    for (size_t i = 0; i < t->commands.size(); i++) {
      s.commands += t->commands.at(i).calls.load(std::memory_order_relaxed);
    }
    s.net_input_bytes += t->net_input_bytes.load(std::memory_order_relaxed);
    s.net_output_bytes += t->net_output_bytes.load(std::memory_order_relaxed);
    s.error_replies += t->error_replies.load(std::memory_order_relaxed);
  }
  return s;
}

void Server::ResetStats() {
  for (auto& t : thread_stats_) {
    t->commands.Reset();
    t->net_input_bytes.store(0, std::memory_order_relaxed);
    t->net_output_bytes.store(0, std::memory_order_relaxed);
    t->error_replies.store(0, std::memory_order_relaxed);
    t->unknown_commands.store(0, std::memory_order_relaxed);
  }
  total_connections_.store(0, std::memory_order_relaxed);
  rejected_connections_.store(0, std::memory_order_relaxed);
}

Status Server::Save() {
  std::lock_guard<std::mutex> lock(save_mu_);
  Config cfg = config();
  std::string parent = cfg.dir + "/checkpoints";
  LSMDB_RETURN_IF_ERROR(MakeDirs(parent));
  uint64_t seq = db_->LatestSequence();
  std::string dir = fmt::format("{}/{}", parent, NowMs());
  Status s = db_->Checkpoint(dir);
  last_save_ok_.store(s.ok(), std::memory_order_relaxed);
  if (s.ok()) {
    last_save_time_.store(time(nullptr), std::memory_order_relaxed);
    save_sequence_.store(seq, std::memory_order_relaxed);
    LSMDB_LOG_NOTICE("DB saved on disk: checkpoint {}", dir);
  } else {
    LSMDB_LOG_WARNING("Checkpoint into {} failed: {}", dir, s.ToString());
  }
  return s;
}

void Server::ReleaseClientState(Client& client) {
  client.in_multi = false;
  client.multi_error = false;
  client.multi_queue.clear();
  if (client.watch != nullptr) watches_.UnwatchAll(*client.watch);
  if (client.subscriber != nullptr) {
    Subscriber& sub = *client.subscriber;
    for (const std::string& ch : sub.channels) pubsub_.Unsubscribe(sub, ch);
    for (const std::string& p : sub.patterns) pubsub_.PUnsubscribe(sub, p);
    sub.channels.clear();
    sub.patterns.clear();
  }
  client.subscriptions = 0;
  for (auto* b : {&client.blocked, &client.block_retry}) {
    if (*b != nullptr) {
      ReleaseBlocked(blocking_, **b);
      b->reset();
    }
  }
}

Options Server::EngineOptions() {
  Config cfg = config();
  Options options = ToEngineOptions(cfg);
  options.compaction_filter = filter_.get();
  options.replication_backlog_bytes = static_cast<size_t>(cfg.repl_backlog_size);
  return options;
}

Status Server::ReplaceEngine(const std::string& dir) {
  Config cfg = config();
  const std::string live = cfg.dir + "/db";
  const std::string old = cfg.dir + "/db.old";
  std::error_code ec;
  std::filesystem::remove_all(old, ec);
  exec_gate_.LockExclusive();
  keyspace_.reset();
  db_.reset();
  // A fresh filter: its epochs only grow, and the snapshot's may be lower.
  filter_ = std::make_unique<KeyspaceCompactionFilter>();
  std::filesystem::rename(live, old, ec);
  if (!ec) std::filesystem::rename(dir, live, ec);
  Status result =
      ec ? Status::IOError(fmt::format("replacing {}: {}", live, ec.message())) : Status::OK();
  if (ec) {  // put the old engine back
    std::error_code ec2;
    if (!std::filesystem::exists(live, ec2)) std::filesystem::rename(old, live, ec2);
  }
  Result<std::unique_ptr<DB>> db = DB::Open(EngineOptions(), live);
  if (!db.ok() && result.ok()) {
    // The received copy does not open: go back to the old engine.
    result = db.status();
    std::error_code ec2;
    std::filesystem::remove_all(live, ec2);
    std::filesystem::rename(old, live, ec2);
    db = DB::Open(EngineOptions(), live);
  }
  if (!db.ok()) {
    LSMDB_LOG_WARNING("Cannot reopen the engine after a failed full sync: {}",
                      db.status().ToString());
    exec_gate_.Unlock();
    RequestShutdown(false);
    return db.status();
  }
  db_ = std::move(db).value();
  if (result.ok()) result = OpenKeyLayout(db_.get(), cfg.cluster_enabled);  // master's layout
  filter_->SetDB(db_.get());
  keyspace_ = std::make_unique<Keyspace>(db_.get(), CommandClockWallMs, filter_.get());
  keyspace_->list_cache().SetCapacity(static_cast<size_t>(cfg.list_cache_size));
  if (result.ok()) result = keyspace_->status();
  exec_gate_.Unlock();
  std::filesystem::remove_all(old, ec);
  if (result.ok()) LSMDB_LOG_NOTICE("MASTER <-> REPLICA sync: engine replaced by the snapshot");
  return result;
}

int64_t Server::changes_since_save() const {
  return static_cast<int64_t>(db_->LatestSequence() -
                              save_sequence_.load(std::memory_order_relaxed));
}

}  // namespace lsmdb::server
