#include "replication/replication.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "replication/link.h"
#include "replication/sender.h"
#include "replication/wire.h"

namespace lsmdb::repl {
namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen(
      (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  static const char kHex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (char& c : s) c = kHex[gen() & 15];
  return s;
}

bool IsReplid(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

ReplicationManager::ReplicationManager(ReplicationHost* host)
    : host_(host), link_(std::make_unique<class Link>(this)) {}

ReplicationManager::~ReplicationManager() { Stop(); }

std::string ReplicationManager::ReplidPath() { return host_->DataDir() + "/replid"; }

// <dir>/replid, one line, replaced atomically (tmp, fsync, rename):
//
//   replid ' ' offset ' ' replid2 ' ' second_offset ' ' ("clean" | "live") '\n'
//
// (replid2 "-" when none.) Written "live" whenever the id changes (start-up,
// promotion, before a full sync's engine swap) and "clean" at clean shutdown
// with the final offset. A pre-"live" file ("replid offset") counts as clean.
// At start-up:
//   - clean, and the engine reopened exactly at `offset`: same id and replid2
//     (nothing was lost; a replica at any offset can continue);
//   - otherwise (kill -9, power loss): the engine may have lost records it had
//     already streamed (the backlog serves records before FlushWal), so the
//     old id becomes replid2, accepted up to the recovered LatestSequence(),
//     and the node takes a new id. A replica that got no more than what
//     survived continues by partial resync; one that got more syncs fully.
// The file is cheap to keep: it changes only with the id, never per write.
Status ReplicationManager::Open() {
  std::string id, id2, state;
  uint64_t seq = 0;
  int64_t second = -1;
  {
    std::ifstream in(ReplidPath());
    std::string line;
    if (in && std::getline(in, line)) {
      std::istringstream words(line);
      std::string seq_word;
      words >> id >> seq_word >> id2 >> second >> state;
      if (!IsReplid(id) || !ParseUint(seq_word, &seq)) id.clear();
      if (id2.empty() && state.empty()) state = "clean";  // the older format
      if (!IsReplid(id2)) {
        id2.clear();
        second = -1;
      }
    }
  }
  // Leftovers of syncs a crash interrupted.
  {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(host_->DataDir(), ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("repl-snapshot-", 0) == 0 || name.rfind("repl-sync.tmp", 0) == 0) {
        std::error_code ec2;
        std::filesystem::remove_all(e.path(), ec2);
      }
    }
  }
  const uint64_t latest = host_->engine().LatestSequence();
  {
    std::lock_guard<std::mutex> lock(id_mu_);
    if (!id.empty() && state == "clean" && seq == latest) {
      replid_ = id;
      replid2_ = id2;
      second_offset_ = id2.empty() ? -1 : second;
    } else if (!id.empty()) {
      replid2_ = id;
      second_offset_ = static_cast<int64_t>(latest) + 1;
      replid_ = RandomHex(40);
      host_->Log(1, fmt::format("Replication id {} kept as replid2 up to offset {} (no clean "
                                "shutdown before)",
                                id, latest));
    } else {
      replid_ = RandomHex(40);
    }
    WriteReplidFileLocked(false);
  }
  RegisterListener();
  return Status::OK();
}

void ReplicationManager::SaveReplid() {
  std::lock_guard<std::mutex> lock(id_mu_);
  WriteReplidFileLocked(true);
}

bool ReplicationManager::WriteReplidFileLocked(bool clean) {
  std::string text = fmt::format(
      "{} {} {} {} {}\n", replid_, host_->engine().LatestSequence(),
      replid2_.empty() ? "-" : replid2_, replid2_.empty() ? -1 : second_offset_,
      clean ? "clean" : "live");
  std::string tmp = ReplidPath() + ".tmp";
  FILE* f = fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  fclose(f);
  ok = ok && std::rename(tmp.c_str(), ReplidPath().c_str()) == 0;
  if (!ok) host_->Log(0, fmt::format("Cannot write {}: {}", ReplidPath(), strerror(errno)));
  return ok;
}

void ReplicationManager::RegisterListener() {
  host_->engine().SetUpdateListener([this] {
    // Called after every logged write group: free when nobody replicates.
    if (sender_count_.load(std::memory_order_acquire) == 0) return;
    std::lock_guard<std::mutex> lock(senders_mu_);
    for (auto& s : senders_) s->Wake();
  });
}

void ReplicationManager::Start(const std::string& replicaof) {
  if (started_.exchange(true)) return;
  waiter_thread_ = std::thread([this] { WaiterLoop(); });
  link_->Start();
  if (!replicaof.empty()) {
    size_t sp = replicaof.find(' ');
    uint64_t port = 0;
    if (sp != std::string::npos && ParseUint(replicaof.substr(sp + 1), &port)) {
      SetPrimary(replicaof.substr(0, sp), static_cast<int>(port));
    }
  }
}

void ReplicationManager::Stop() {
  link_->Stop();
  StopSenders();
  {
    std::lock_guard<std::mutex> lock(wait_mu_);
    stop_ = true;
  }
  wait_cv_.notify_all();
  if (waiter_thread_.joinable()) waiter_thread_.join();
}

void ReplicationManager::StopSenders() {
  std::vector<std::unique_ptr<Sender>> doomed;
  {
    std::lock_guard<std::mutex> lock(senders_mu_);
    doomed.swap(senders_);
    sender_count_.store(0, std::memory_order_release);
  }
  for (auto& s : doomed) s->RequestStop();
  doomed.clear();  // joins
}

bool ReplicationManager::SetPrimary(const std::string& host, int port) {
  is_replica_.store(true, std::memory_order_release);
  bool changed = link_->SetTarget(host, port);
  if (changed) host_->Log(1, fmt::format("REPLICAOF {}:{} enabled", host, port));
  return changed;
}

Status ReplicationManager::Promote() {
  if (!is_replica()) return Status::OK();
  link_->SetTarget("", 0);  // nothing from the old primary is applied after this
  is_replica_.store(false, std::memory_order_release);
  // Only the position record: no keyspace effects, so a plain engine write
  // (Promote also runs on the cluster's failover thread, outside any command).
  WriteBatch b;
  b.Delete(kOffsetKey);
  LSMDB_RETURN_IF_ERROR(host_->engine().Write(WriteOptions(), b));
  LSMDB_RETURN_IF_ERROR(host_->FlushWal());
  {
    std::lock_guard<std::mutex> lock(id_mu_);
    replid2_ = replid_;
    second_offset_ = static_cast<int64_t>(host_->engine().LatestSequence()) + 1;
    replid_ = RandomHex(40);
    WriteReplidFileLocked(false);
  }
  host_->Log(1, "MASTER MODE enabled (user request)");
  return Status::OK();
}

void ReplicationManager::NoteListeningPort(uint64_t client_id, int port) {
  std::lock_guard<std::mutex> lock(senders_mu_);
  if (listening_ports_.size() > 1000) listening_ports_.clear();
  listening_ports_[client_id] = port;
}

void ReplicationManager::StartSender(int fd, uint64_t client_id, std::string peer_ip,
                                     std::string replid, int64_t offset, std::string pending) {
  std::lock_guard<std::mutex> swap(swap_mu_);
  std::lock_guard<std::mutex> lock(senders_mu_);
  int port = 0;
  if (auto it = listening_ports_.find(client_id); it != listening_ports_.end()) {
    port = it->second;
    listening_ports_.erase(it);
  }
  host_->Log(1, fmt::format("Replica {}:{} asks for synchronization (PSYNC {} {})", peer_ip, port,
                            replid, offset));
  senders_.push_back(std::make_unique<Sender>(this, fd, std::move(peer_ip), port, std::move(replid),
                                              offset, std::move(pending)));
  senders_.back()->Start();
  sender_count_.store(senders_.size(), std::memory_order_release);
}

int ReplicationManager::CountAcked(uint64_t offset) {
  std::lock_guard<std::mutex> lock(senders_mu_);
  int n = 0;
  for (const auto& s : senders_) {
    if (!s->done() && s->state() == Sender::kOnline && s->ack_offset() >= offset) n++;
  }
  return n;
}

void ReplicationManager::AddWaiter(uint64_t client_id, uint64_t offset, int numreplicas,
                                   int64_t deadline_ms, std::function<void()> wake) {
  {
    std::lock_guard<std::mutex> lock(wait_mu_);
    waiters_.push_back({client_id, offset, numreplicas, deadline_ms, std::move(wake)});
    waiter_count_.store(waiters_.size(), std::memory_order_release);
  }
  wait_cv_.notify_all();
}

void ReplicationManager::OnAck() {
  // ACKs come after every applied round: wake the waiter thread only for WAIT.
  // Taking the lock orders this with the waiter thread's evaluation: no lost wake-up.
  if (waiter_count_.load(std::memory_order_acquire) > 0) {
    { std::lock_guard<std::mutex> lock(wait_mu_); }
    wait_cv_.notify_all();
  }
}

void ReplicationManager::WaiterLoop() {
  std::unique_lock<std::mutex> lock(wait_mu_);
  while (!stop_) {
    // Reap finished senders (joined without wait_mu_: they call OnAck).
    std::vector<std::unique_ptr<Sender>> finished;
    {
      std::lock_guard<std::mutex> s(senders_mu_);
      for (auto it = senders_.begin(); it != senders_.end();) {
        if ((*it)->done()) {
          finished.push_back(std::move(*it));
          it = senders_.erase(it);
        } else {
          ++it;
        }
      }
      sender_count_.store(senders_.size(), std::memory_order_release);
    }
    if (!finished.empty()) {
      lock.unlock();
      finished.clear();
      lock.lock();
    }
    const int64_t now = NowMs();
    int64_t next = now + 100;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if ((it->deadline_ms != 0 && now >= it->deadline_ms) ||
          CountAcked(it->offset) >= it->numreplicas) {
        it->wake();
        it = waiters_.erase(it);
      } else {
        if (it->deadline_ms != 0) next = std::min(next, it->deadline_ms);
        ++it;
      }
    }
    waiter_count_.store(waiters_.size(), std::memory_order_release);
    wait_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, next - now)));
  }
  for (auto& w : waiters_) w.wake();
  waiters_.clear();
}

void ReplicationManager::SetMinReplicas(int64_t to_write, int64_t max_lag_seconds) {
  min_to_write_.store(to_write, std::memory_order_relaxed);
  min_max_lag_.store(max_lag_seconds, std::memory_order_relaxed);
}

bool ReplicationManager::EnoughGoodReplicas() {
  const int64_t need = min_to_write_.load(std::memory_order_relaxed);
  if (need <= 0) return true;
  const int64_t max_lag_ms = min_max_lag_.load(std::memory_order_relaxed) * 1000;
  const int64_t now = NowMs();
  std::lock_guard<std::mutex> lock(senders_mu_);
  int64_t good = 0;
  for (const auto& s : senders_) {
    if (!s->done() && s->state() == Sender::kOnline && now - s->last_ack_ms() <= max_lag_ms) {
      good++;
    }
  }
  return good >= need;
}

std::vector<ReplicaView> ReplicationManager::Replicas() {
  std::vector<ReplicaView> out;
  const int64_t now = NowMs();
  std::lock_guard<std::mutex> lock(senders_mu_);
  for (const auto& s : senders_) {
    if (s->done()) continue;
    ReplicaView v;
    v.ip = s->ip();
    v.port = s->port();
    static const char* kStates[] = {"wait_bgsave", "send_bulk", "online"};
    v.state = kStates[s->state()];
    v.ack_offset = s->ack_offset();
    v.lag_seconds = s->state() == Sender::kOnline ? (now - s->last_ack_ms()) / 1000 : 0;
    out.push_back(v);
  }
  return out;
}

LinkView ReplicationManager::Link() {
  LinkView v = link_->View();
  v.configured = v.configured && is_replica();
  return v;
}

std::string ReplicationManager::replid() {
  std::lock_guard<std::mutex> lock(id_mu_);
  return replid_;
}

bool ReplicationManager::CanContinue(const std::string& replid, uint64_t offset) {
  {
    std::lock_guard<std::mutex> lock(id_mu_);
    bool same = replid == replid_;
    bool previous = !replid2_.empty() && replid == replid2_ && second_offset_ >= 0 &&
                    static_cast<int64_t>(offset) <= second_offset_ - 1;
    if (!same && !previous) return false;
  }
  std::vector<std::string> batches;
  Result<bool> r = host_->engine().ReadUpdatesSince(offset, 1, &batches);
  return r.ok() && *r;
}

void ReplicationManager::CountSync(bool full, bool partial_ok, bool partial_err) {
  if (full) sync_full_.fetch_add(1);
  if (partial_ok) sync_partial_ok_.fetch_add(1);
  if (partial_err) sync_partial_err_.fetch_add(1);
}

Status ReplicationManager::InstallSnapshot(const std::string& dir) {
  std::lock_guard<std::mutex> swap(swap_mu_);
  // Replicas of this node follow its old history: they must sync again.
  StopSenders();
  // The new id reaches the file before the engine changes: after a crash at
  // any point the old history's id is no longer accepted (the file's id then
  // names either the old engine, which no replica follows under it, or the
  // new one). No sender runs until swap_mu_ is released. id_mu_ is not held
  // across the swap: ReplaceEngine waits for running commands (INFO takes
  // id_mu_).
  {
    std::lock_guard<std::mutex> lock(id_mu_);
    replid_ = RandomHex(40);
    replid2_.clear();
    second_offset_ = -1;
    WriteReplidFileLocked(false);
  }
  LSMDB_RETURN_IF_ERROR(host_->ReplaceEngine(dir));
  RegisterListener();
  return Status::OK();
}

std::string ReplicationManager::InfoReplication(int64_t backlog_size) {
  std::string o;
  auto line = [&o](std::string_view k, const auto& v) { o += fmt::format("{}:{}\r\n", k, v); };
  DB& engine = host_->engine();
  const uint64_t latest = engine.LatestSequence();
  // The backlog's first offset: the smallest `after` ReadUpdatesSince still
  // serves (binary search; each probe copies at most one record).
  uint64_t lo = 0, hi = latest;
  std::vector<std::string> probe;
  auto serves = [&](uint64_t after) {
    probe.clear();
    Result<bool> r = engine.ReadUpdatesSince(after, 1, &probe);
    return r.ok() && *r;
  };
  if (!serves(hi)) {
    lo = hi;
  } else {
    while (lo < hi) {
      uint64_t mid = lo + (hi - lo) / 2;
      if (serves(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
  }
  const uint64_t backlog_start = lo;

  std::vector<ReplicaView> replicas = Replicas();
  LinkView link = Link();
  std::string id, id2;
  int64_t second;
  {
    std::lock_guard<std::mutex> lock(id_mu_);
    id = replid_;
    id2 = replid2_.empty() ? std::string(40, '0') : replid2_;
    second = second_offset_;
  }
  uint64_t offset = latest;
  if (link.configured) {
    line("role", "slave");
    line("master_host", link.host);
    line("master_port", link.port);
    line("master_link_status", link.up ? "up" : "down");
    line("master_last_io_seconds_ago", link.last_io_seconds_ago);
    line("master_sync_in_progress", link.sync_in_progress ? 1 : 0);
    line("slave_read_repl_offset", link.read_offset);
    line("slave_repl_offset", link.applied_offset);
    if (!link.up) line("master_link_down_since_seconds", link.down_since_seconds);
    line("slave_priority", 100);
    line("slave_read_only", 1);
    line("replica_announced", 1);
  } else {
    line("role", "master");
  }
  line("connected_slaves", replicas.size());
  for (size_t i = 0; i < replicas.size(); i++) {
    const ReplicaView& r = replicas[i];
    o += fmt::format("slave{}:ip={},port={},state={},offset={},lag={}\r\n", i, r.ip, r.port,
                     r.state, r.ack_offset, r.lag_seconds);
  }
  line("master_failover_state", "no-failover");
  line("master_replid", id);
  line("master_replid2", id2);
  line("master_repl_offset", offset);
  line("second_repl_offset", second);
  line("repl_backlog_active", 1);
  line("repl_backlog_size", backlog_size);
  line("repl_backlog_first_byte_offset", backlog_start + 1);
  line("repl_backlog_histlen", latest - backlog_start);
  return o;
}

std::string ReplicationManager::InfoStats() {
  return fmt::format("sync_full:{}\r\nsync_partial_ok:{}\r\nsync_partial_err:{}\r\n",
                     sync_full_.load(), sync_partial_ok_.load(), sync_partial_err_.load());
}

}  // namespace lsmdb::repl
