#include "cluster/state.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "cluster/node_line.h"

namespace lsmdb::cluster {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Unix ms from the kernel's tick-granular clock (a few ms behind NowMs, at
// a fraction of its cost): for the per-command Lookup only.
int64_t CoarseNowMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

std::string NewNodeId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ NowMs() ^ getpid());
  std::string id;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 40; i++) id += hex[gen() & 15];
  return id;
}

std::string FormatSlotRanges(const std::vector<bool>& owned) {
  std::string out;
  for (int s = 0; s < kSlots; s++) {
    if (!owned[s]) continue;
    int e = s;
    while (e + 1 < kSlots && owned[e + 1]) e++;
    if (!out.empty()) out += ' ';
    out += s == e ? fmt::format("{}", s) : fmt::format("{}-{}", s, e);
    s = e;
  }
  return out;
}

ClusterState::ClusterState(std::string path, std::string ip, int port, int cport,
                           int64_t node_timeout_ms)
    : path_(std::move(path)),
      my_ip_(std::move(ip)),
      port_(port),
      cport_(cport),
      node_timeout_ms_(node_timeout_ms),
      owner_(kSlots),
      migrating_(kSlots),
      importing_(kSlots) {}

Status ClusterState::Load() {
  Guard lock(this);
  std::ifstream in(path_);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    LSMDB_RETURN_IF_ERROR(ParseLocked(ss.str()));
    Node& me = myself();
    me.port = port_;
    me.cport = cport_;
    if (me.ip.empty()) me.ip = my_ip_;
    return SaveLocked();
  }
  Node me;
  me.id = NewNodeId();
  me.ip = my_ip_;
  me.port = port_;
  me.cport = cport_;
  me.flags = kMyself | kMaster;
  me.link_connected = true;
  myid_ = me.id;
  nodes_.push_back(std::move(me));
  return SaveLocked();
}

Status ClusterState::ParseLocked(std::string_view text) {
  nodes_.clear();
  myid_.clear();
  for (std::string_view line : SplitFields(text, '\n')) {
    if (line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.starts_with("vars ")) {
      std::vector<std::string_view> f = SplitFields(line, ' ');
      for (size_t i = 1; i + 1 < f.size(); i += 2) {
        int64_t v;
        if (!ParseInt64(f[i + 1], &v) || v < 0) return Status::Corruption("nodes file: bad vars");
        if (f[i] == "currentEpoch") current_epoch_ = static_cast<uint64_t>(v);
        if (f[i] == "lastVoteEpoch") last_vote_epoch_ = static_cast<uint64_t>(v);
      }
      continue;
    }
    ParsedLine p;
    if (!ParseLine(line, &p)) {
      return Status::Corruption(fmt::format("nodes file {}: bad line '{}'", path_, line));
    }
    p.node.flags &= ~(kPfail | kFail | kHandshake);
    if (p.node.flags & kMyself) {
      myid_ = p.node.id;
      p.node.link_connected = true;
      for (auto& [slot, id] : p.migrating) {
        migrating_[slot] = id;
        NoteMarkLocked(slot);
      }
      for (auto& [slot, id] : p.importing) {
        importing_[slot] = id;
        NoteMarkLocked(slot);
      }
    } else {
      p.node.link_connected = false;
    }
    for (int s = 0; s < kSlots; s++) {
      if (p.claimed[s]) owner_[s] = p.node.id;
    }
    SlotsChangedLocked();
    nodes_.push_back(std::move(p.node));
  }
  if (myid_.empty()) return Status::Corruption("nodes file " + path_ + ": no myself line");
  return Status::OK();
}

Status ClusterState::Save() {
  {
    std::lock_guard<std::mutex> lock(mu_);  // not a Guard: the write below returns its status
    (void)SaveLocked();
  }
  return FlushPendingSave();
}

Status ClusterState::SaveIfDirty() {
  Guard lock(this);
  if (!dirty_) return Status::OK();
  return SaveLocked();
}

ClusterState::Guard::Guard(const ClusterState* state) : state_(const_cast<ClusterState*>(state)) {
  state_->mu_.lock();
  renders_at_lock_ = state_->renders_;
}

ClusterState::Guard::~Guard() {
  // Flushed even if another thread took this text: FlushPendingSave waits
  // (save_io_mu_) until that write is done.
  const bool rendered = state_->renders_ != renders_at_lock_;
  state_->mu_.unlock();
  if (rendered) (void)state_->FlushPendingSave();
}

Status ClusterState::SaveLocked(bool fsync) {
  dirty_ = false;
  state_checked_ms_ = 0;  // the view changed: recompute the state on next use
  std::string text = NodesTextLocked(true);
  text += fmt::format("vars currentEpoch {} lastVoteEpoch {}\n", current_epoch_, last_vote_epoch_);
  pending_save_.text = std::move(text);
  pending_save_.fsync = pending_save_.fsync || fsync;
  pending_save_.due = true;
  renders_++;
  return Status::OK();
}

Status ClusterState::FlushPendingSave() {
  std::lock_guard<std::mutex> io(save_io_mu_);
  PendingSave save;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pending_save_.due) return Status::OK();  // written by whoever took it
    save = std::move(pending_save_);
    pending_save_ = PendingSave();
  }
  Status s = WriteNodesFile(std::move(save.text), save.fsync);
  if (!s.ok() && log_) log_(fmt::format("Could not save the nodes file: {}", s.ToString()));
  return s;
}

Status ClusterState::WriteNodesFile(std::string text, bool fsync) const {
  if (!fsync) {
    // Redis's clusterSaveConfig(0): overwrite in place, padded with '\n' to
    // the old length, then truncate. A kill -9 cannot tear it (the write is
    // one syscall into the page cache) and no rename: replacing the file
    // by rename makes ext4 start writing it back at once (auto_da_alloc),
    // ~0.3 ms per save.
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IOError("cannot write " + path_);
    const size_t size = text.size();
    struct stat st;
    if (fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) > size) {
      text.append(static_cast<size_t>(st.st_size) - size, '\n');
    }
    bool ok = pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
    if (ok && text.size() != size) (void)!ftruncate(fd, static_cast<off_t>(size));
    ok = close(fd) == 0 && ok;
    return ok ? Status::OK() : Status::IOError("cannot write " + path_);
  }
  // With fsync: a new file renamed over the old one, so that a power loss
  // leaves either the old or the new file, both complete.
  const std::string tmp = path_ + ".tmp";
  FILE* f = fopen(tmp.c_str(), "w");
  if (f == nullptr) return Status::IOError("cannot write " + tmp);
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = fflush(f) == 0 && ok;
  ok = ::fsync(fileno(f)) == 0 && ok;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path_.c_str()) != 0) {
    return Status::IOError("cannot write " + path_);
  }
  return Status::OK();
}

std::string ClusterState::myid() const {
  std::lock_guard<std::mutex> lock(mu_);
  return myid_;
}

Node* ClusterState::FindLocked(std::string_view id) {
  for (Node& n : nodes_) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

const Node* ClusterState::FindLocked(std::string_view id) const {
  for (const Node& n : nodes_) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

std::string ClusterState::Addr(const Node& n) const { return fmt::format("{}:{}", n.ip, n.port); }

const std::string& ClusterState::SlotRangesTextLocked(const std::string& id) const {
  for (const auto& [cached_id, text] : ranges_cache_) {
    if (cached_id == id) return text;
  }
  std::vector<bool> owned(kSlots, false);
  for (int s = 0; s < kSlots; s++) owned[s] = owner_[s] == id;
  ranges_cache_.emplace_back(id, FormatSlotRanges(owned));
  return ranges_cache_.back().second;
}

std::string ClusterState::LineLocked(const Node& n, bool for_file) const {
  std::string line =
      fmt::format("{} {}:{}@{} {} {} {} {} {} {}", n.id, n.ip, n.port, n.cport, FlagsText(n.flags),
                  n.master_id.empty() ? "-" : n.master_id, for_file ? 0 : n.ping_sent_ms,
                  for_file ? 0 : n.pong_recv_ms, n.config_epoch,
                  (n.flags & kMyself) || n.link_connected ? "connected" : "disconnected");
  const std::string& slots = SlotRangesTextLocked(n.id);
  if (!slots.empty()) {
    line += ' ';
    line += slots;
  }
  if (n.flags & kMyself) {
    int lo = kSlots, hi = -1;
    for (int s = marks_lo_; s <= marks_hi_; s++) {
      if (!migrating_[s].empty()) line += fmt::format(" [{}->-{}]", s, migrating_[s]);
      if (!importing_[s].empty()) line += fmt::format(" [{}-<-{}]", s, importing_[s]);
      if (!migrating_[s].empty() || !importing_[s].empty()) {
        lo = std::min(lo, s);
        hi = s;
      }
    }
    marks_lo_ = lo;
    marks_hi_ = hi;
  }
  return line;
}

std::string ClusterState::NodesTextLocked(bool for_file) const {
  std::string out;
  for (const Node& n : nodes_) {
    out += LineLocked(n, for_file);
    out += '\n';
  }
  return out;
}

std::string ClusterState::NodesText() const {
  std::lock_guard<std::mutex> lock(mu_);
  return NodesTextLocked(false);
}

std::vector<Node> ClusterState::Nodes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return nodes_;
}

bool ClusterState::StateOkLocked(int64_t now) const {
  // Like Redis's clusterUpdateState (run from its cron), the answer is
  // recomputed at most every 100 ms: the gate asks on every keyed command.
  // Fail while a slot is unassigned or its owner is FAIL, or while this node
  // reaches less than a majority of the slot-serving masters (it is in the
  // minority side of a partition). A master does not turn ok within
  // writable_delay_ms_ of the first check (a restarted master lets the
  // cluster reconfigure it first) nor within the rejoin delay (node timeout,
  // 500..5000 ms) of having been in the minority.
  if (now - state_checked_ms_ < 100) return state_ok_;
  if (first_state_check_ms_ == 0) first_state_check_ms_ = now;
  // Every slot assigned and no owner FAIL (the owners are the serving masters).
  const std::vector<std::string>& serving = ServingMastersLocked();
  bool ok = assigned_slots_ == kSlots;
  for (const std::string& id : serving) {
    const Node* n = FindLocked(id);
    if (n != nullptr && (n->flags & kFail)) ok = false;
  }
  size_t reachable = 0;
  for (const std::string& id : serving) {
    const Node* n = FindLocked(id);
    if (n != nullptr && (n->id == myid_ || !(n->flags & (kPfail | kFail)))) reachable++;
  }
  if (reachable < serving.size() / 2 + 1) {
    ok = false;
    among_minority_ms_ = now;
  }
  const bool master = (myself().flags & kMaster) != 0;
  if (ok && !state_ok_ && master) {
    const int64_t rejoin = std::clamp<int64_t>(node_timeout_ms_, 500, 5000);
    if (now - first_state_check_ms_ < writable_delay_ms_ ||
        (among_minority_ms_ != 0 && now - among_minority_ms_ < rejoin)) {
      ok = false;
    }
  }
  state_ok_ = ok;
  state_checked_ms_ = now;
  return ok;
}

const std::vector<std::string>& ClusterState::ServingMastersLocked() const {
  if (serving_cached_) return serving_cache_;
  std::vector<std::string>& serving = serving_cache_;
  serving.clear();
  assigned_slots_ = 0;
  for (int s = 0; s < kSlots; s++) {
    if (owner_[s].empty()) continue;
    assigned_slots_++;
    if ((serving.empty() || serving.back() != owner_[s]) &&
        std::find(serving.begin(), serving.end(), owner_[s]) == serving.end()) {
      serving.push_back(owner_[s]);
    }
  }
  serving_cached_ = true;
  return serving;
}

int ClusterState::CountSlotsLocked(const std::string& id) const {
  int n = 0;
  for (int s = 0; s < kSlots; s++) n += owner_[s] == id ? 1 : 0;
  return n;
}

int64_t ClusterState::Now() const { return clock_ ? clock_() : NowMs(); }

void ClusterState::LogLocked(const std::string& line) const {
  if (log_) log_(line);
}

bool ClusterState::state_ok() const {
  std::lock_guard<std::mutex> lock(mu_);
  return StateOkLocked();
}

Route ClusterState::Lookup(int slot) const {
  std::lock_guard<std::mutex> lock(mu_);
  Route r;
  // The state is recomputed at most every 100 ms and a pause lasts
  // seconds: the tick-granular clock is precise enough here.
  const int64_t now = clock_ ? clock_() : CoarseNowMs();
  r.state_ok = StateOkLocked(now);
  r.writes_paused = mf_pause_until_ms_ > now;
  const Node* owner = owner_[slot].empty() ? nullptr : FindLocked(owner_[slot]);
  if (!importing_[slot].empty()) r.importing = true;
  if (owner == nullptr) return r;
  if (owner->id == myid_) {
    r.kind = Route::kServe;
    if (const Node* to = FindLocked(migrating_[slot]); to != nullptr) r.migrating_to = Addr(*to);
    return r;
  }
  r.kind = Route::kMoved;
  r.addr = Addr(*owner);
  r.owner_is_my_master = myself().master_id == owner->id;
  return r;
}

std::string ClusterState::InfoText(uint64_t sent, uint64_t received) const {
  std::lock_guard<std::mutex> lock(mu_);
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  std::vector<std::string> serving;
  for (int s = 0; s < kSlots; s++) {
    const Node* n = owner_[s].empty() ? nullptr : FindLocked(owner_[s]);
    if (n == nullptr) continue;
    assigned++;
    if (n->flags & kFail) {
      fail++;
    } else if (n->flags & kPfail) {
      pfail++;
    } else {
      ok++;
    }
    if (std::find(serving.begin(), serving.end(), n->id) == serving.end()) serving.push_back(n->id);
  }
  return fmt::format(
      "cluster_state:{}\r\ncluster_slots_assigned:{}\r\ncluster_slots_ok:{}\r\n"
      "cluster_slots_pfail:{}\r\ncluster_slots_fail:{}\r\ncluster_known_nodes:{}\r\n"
      "cluster_size:{}\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{}\r\n"
      "cluster_stats_messages_sent:{}\r\ncluster_stats_messages_received:{}\r\n"
      "total_cluster_links_buffer_limit_exceeded:0\r\n",
      StateOkLocked() ? "ok" : "fail", assigned, ok, pfail, fail, nodes_.size(), serving.size(),
      current_epoch_, myself().config_epoch, sent, received);
}

std::vector<SlotRange> ClusterState::SlotRanges() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SlotRange> out;
  for (int s = 0; s < kSlots; s++) {
    if (owner_[s].empty()) continue;
    int e = s;
    while (e + 1 < kSlots && owner_[e + 1] == owner_[s]) e++;
    const Node* m = FindLocked(owner_[s]);
    if (m != nullptr) {
      SlotRange r{s, e, *m, {}};
      for (const Node& n : nodes_) {
        if (n.master_id == m->id && !(n.flags & kFail)) r.replicas.push_back(n);
      }
      out.push_back(std::move(r));
    }
    s = e;
  }
  return out;
}

Status ClusterState::AddSlots(const std::vector<int>& slots) {
  Guard lock(this);
  std::vector<bool> seen(kSlots, false);
  for (int s : slots) {
    if (!owner_[s].empty())
      return Status::InvalidArgument(fmt::format("ERR Slot {} is already busy", s));
    if (seen[s]) {
      return Status::InvalidArgument(fmt::format("ERR Slot {} specified multiple times", s));
    }
    seen[s] = true;
  }
  for (int s : slots) {
    owner_[s] = myid_;
    importing_[s].clear();
  }
  SlotsChangedLocked();
  return SaveLocked();
}

Status ClusterState::DelSlots(const std::vector<int>& slots) {
  Guard lock(this);
  std::vector<bool> seen(kSlots, false);
  for (int s : slots) {
    if (owner_[s].empty()) {
      return Status::InvalidArgument(fmt::format("ERR Slot {} is already unassigned", s));
    }
    if (seen[s]) {
      return Status::InvalidArgument(fmt::format("ERR Slot {} specified multiple times", s));
    }
    seen[s] = true;
  }
  for (int s : slots) {
    owner_[s].clear();
    migrating_[s].clear();
    importing_[s].clear();
  }
  SlotsChangedLocked();
  return SaveLocked();
}

Status ClusterState::FlushSlots() {
  Guard lock(this);
  for (int s = 0; s < kSlots; s++) {
    if (owner_[s] == myid_) owner_[s].clear();
    migrating_[s].clear();
    importing_[s].clear();
  }
  SlotsChangedLocked();
  return SaveLocked();
}

// Like Redis's CLUSTER SETSLOT (clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG)),
// every mode rewrites the nodes file before replying but fsyncs it only when
// the config epoch was bumped (SETSLOT NODE on the importing node): the
// epoch must never go back after a power loss, or two owners could claim the
// slot with the same epoch. The other changes survive a crash of the process
// (the file is in the page cache) and, after a power loss, the migration is
// redone by the admin tool (redis-cli --cluster fix), as with Redis. This
// makes resharding cost one fsync per target node instead of ~5 per slot.
Status ClusterState::SetSlot(int slot, std::string_view mode, std::string_view node_id) {
  Guard lock(this);
  auto err = [](std::string text) { return Status::InvalidArgument(text); };
  bool fsync = false;
  if (mode == "stable") {
    migrating_[slot].clear();
    importing_[slot].clear();
    return SaveLocked(fsync);
  }
  const Node* n = FindLocked(node_id);
  if (mode == "migrating") {
    if (owner_[slot] != myid_)
      return err(fmt::format("ERR I'm not the owner of hash slot {}", slot));
    if (n == nullptr) return err(fmt::format("ERR I don't know about node {}", node_id));
    if (n->flags & kSlave) return err("ERR Target node is not a master");
    migrating_[slot] = n->id;
    NoteMarkLocked(slot);
  } else if (mode == "importing") {
    if (owner_[slot] == myid_) {
      return err(fmt::format("ERR I'm already the owner of hash slot {}", slot));
    }
    if (n == nullptr) return err(fmt::format("ERR I don't know about node {}", node_id));
    if (n->flags & kSlave) return err("ERR Target node is not a master");
    importing_[slot] = n->id;
    NoteMarkLocked(slot);
  } else {  // node
    if (n == nullptr) return err(fmt::format("ERR Unknown node {}", node_id));
    if (n->flags & kSlave) return err("ERR Target node is not a master");
    if (n->id != myid_) migrating_[slot].clear();
    if (n->id == myid_ && !importing_[slot].empty()) {
      importing_[slot].clear();
      // clusterBumpConfigEpochWithoutConsensus: the new owner must win.
      Node& me = myself();
      if (me.config_epoch == 0 || me.config_epoch != MaxEpochLocked()) {
        current_epoch_++;
        me.config_epoch = current_epoch_;
        fsync = true;  // CLUSTER_TODO_FSYNC_CONFIG, as after any epoch bump
      }
    }
    owner_[slot] = n->id;
    SlotsChangedLocked();
  }
  return SaveLocked(fsync);
}

uint64_t ClusterState::MaxEpochLocked() const {
  uint64_t max = current_epoch_;
  for (const Node& n : nodes_) max = std::max(max, n.config_epoch);
  return max;
}

std::string ClusterState::BumpEpoch() {
  Guard lock(this);
  Node& me = myself();
  uint64_t max = 0;
  for (const Node& n : nodes_) max = std::max(max, n.config_epoch);
  if (me.config_epoch == 0 || me.config_epoch != max) {
    current_epoch_++;
    me.config_epoch = current_epoch_;
    (void)SaveLocked();
    return fmt::format("BUMPED {}", me.config_epoch);
  }
  return fmt::format("STILL {}", me.config_epoch);
}

Status ClusterState::SetConfigEpoch(uint64_t epoch) {
  Guard lock(this);
  if (nodes_.size() > 1) {
    return Status::InvalidArgument(
        "ERR The user can assign a config epoch only when the node does not know any other "
        "node.");
  }
  Node& me = myself();
  if (me.config_epoch != 0)
    return Status::InvalidArgument("ERR Node config epoch is already non-zero");
  me.config_epoch = epoch;
  current_epoch_ = std::max(current_epoch_, epoch);
  return SaveLocked();
}

Status ClusterState::Reset(bool hard) {
  Guard lock(this);
  Node me = myself();
  me.flags = kMyself | kMaster;
  me.master_id.clear();
  if (hard) {
    me.id = NewNodeId();
    me.config_epoch = 0;
    current_epoch_ = 0;
    last_vote_epoch_ = 0;
  }
  myid_ = me.id;
  nodes_.clear();
  nodes_.push_back(std::move(me));
  for (int s = 0; s < kSlots; s++) {
    owner_[s].clear();
    migrating_[s].clear();
    importing_[s].clear();
  }
  SlotsChangedLocked();
  ResetManualFailoverLocked();
  failover_auth_time_ = 0;
  failover_auth_sent_ = false;
  return SaveLocked();
}

Status ClusterState::Meet(std::string_view ip, int port, int cport) {
  Guard lock(this);
  for (const Node& n : nodes_) {
    if ((n.flags & kHandshake) && n.ip == ip && n.port == port) return Status::OK();
  }
  Node n;
  n.id = NewNodeId();
  n.ip = std::string(ip);
  n.port = port;
  n.cport = cport;
  n.flags = kHandshake | kMaster;
  nodes_.push_back(std::move(n));
  return Status::OK();
}

Status ClusterState::Forget(std::string_view id) {
  Guard lock(this);
  if (id == myid_) return Status::InvalidArgument("ERR I tried hard but I can't forget myself...");
  Node* n = FindLocked(id);
  if (n == nullptr) return Status::InvalidArgument(fmt::format("ERR Unknown node {}", id));
  if (myself().master_id == id) return Status::InvalidArgument("ERR Can't forget my master!");
  for (int s = 0; s < kSlots; s++) {
    if (owner_[s] == id) owner_[s].clear();
  }
  SlotsChangedLocked();
  nodes_.erase(nodes_.begin() + (n - nodes_.data()));
  forgotten_.emplace_back(std::string(id), Now() + 60000);
  return SaveLocked();
}

Status ClusterState::Replicate(std::string_view id, std::string* ip, int* port) {
  Guard lock(this);
  const Node* n = FindLocked(id);
  if (n == nullptr) return Status::InvalidArgument(fmt::format("ERR Unknown node {}", id));
  if (n->id == myid_) return Status::InvalidArgument("ERR Can't replicate myself");
  if (n->flags & kSlave) {
    return Status::InvalidArgument("ERR I can only replicate a master, not a replica.");
  }
  for (int s = 0; s < kSlots; s++) {
    if (owner_[s] == myid_) {
      return Status::InvalidArgument(
          "ERR To set a master the node must be empty and without assigned slots.");
    }
  }
  *ip = n->ip;
  *port = n->port;
  Node& me = myself();
  me.flags = (me.flags & ~kMaster) | kSlave;
  me.master_id = std::string(id);
  ResetManualFailoverLocked();
  return SaveLocked();
}

Result<std::vector<std::string>> ClusterState::ReplicasOf(std::string_view id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Node* n = FindLocked(id);
  if (n == nullptr) return Status::InvalidArgument(fmt::format("ERR Unknown node {}", id));
  if (n->flags & kSlave) return Status::InvalidArgument("ERR The specified node is not a master");
  std::vector<std::string> out;
  for (const Node& r : nodes_) {
    if (r.master_id == id) out.push_back(LineLocked(r, false));
  }
  return out;
}

Result<int64_t> ClusterState::CountFailureReports(std::string_view id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Node* n = FindLocked(id);
  if (n == nullptr) return Status::InvalidArgument(fmt::format("ERR Unknown node {}", id));
  int64_t now = Now(), count = 0;
  for (const auto& [reporter, when] : n->fail_reports) {
    if (now - when <= node_timeout_ms_ * 2) count++;
  }
  return count;
}

}  // namespace lsmdb::cluster
