// ClusterState's bus side: building and applying bus messages, ping
// targets, failure detection. Message format (text, '\n'-separated):
//
//   <TYPE> <currentEpoch> <replOffset> <mflags> [<claimEpoch> <slot ranges>...]
//   <sender's NODES line, its own slots included>
//   <one NODES line per other node the sender knows (gossip)>...
//
// TYPE: MEET, PING, PONG, MFSTART, AUTH_REQUEST, AUTH_ACK. replOffset: the
// sender's replication offset (a replica: its master's offset applied).
// mflags: "-" or a comma list of "paused" (a master pausing writes for a
// manual failover) and "forceack" (an AUTH_REQUEST of a manual failover:
// vote even if the master is not failed). AUTH_REQUEST only: the config
// epoch and slots of the requester's master as the requester sees them
// ("0-5460 7000"). The receiver answers MEET, PING and MFSTART with a PONG,
// AUTH_REQUEST with AUTH_ACK (vote granted) or PONG, and nothing else.
//
// Rules, after Redis Cluster (cluster.c):
//   - an unknown sender is added only by MEET; unknown ids in the gossip of
//     a known sender are added directly (no handshake of their own);
//   - a master's slot claims win over the current owner when the claimer's
//     config epoch is higher (or the slot is unassigned), except for slots
//     this node is importing;
//   - two masters with the same config epoch: the one with the smaller id
//     bumps its epoch to currentEpoch + 1;
//   - PFAIL after node_timeout without a pong; FAIL when a majority of the
//     slot-serving masters report PFAIL/FAIL (the gossip flags), or when a
//     node this node already sees as PFAIL is gossiped as FAIL; a pong clears both.

#include <fmt/core.h>

#include <algorithm>

#include "cluster/node_line.h"
#include "cluster/state.h"

namespace lsmdb::cluster {
namespace {

std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

bool ParseSlotRanges(const std::vector<std::string_view>& f, size_t from,
                     std::vector<bool>* slots) {
  for (size_t i = from; i < f.size(); i++) {
    int64_t a, b;
    size_t dash = f[i].find('-');
    if (dash == std::string_view::npos) {
      if (!ParseInt64(f[i], &a)) return false;
      b = a;
    } else if (!ParseInt64(f[i].substr(0, dash), &a) || !ParseInt64(f[i].substr(dash + 1), &b)) {
      return false;
    }
    if (a < 0 || b >= kSlots || a > b) return false;
    for (int64_t x = a; x <= b; x++) (*slots)[x] = true;
  }
  return true;
}

std::string ClusterState::BuildMessage(std::string_view type) const {
  std::lock_guard<std::mutex> lock(mu_);
  return BuildMessageLocked(type);
}

std::string ClusterState::BuildMessageLocked(std::string_view type) const {
  const int64_t now = Now();
  const Node& me = myself();
  std::string mflags;
  // A master reports "paused" once its pause is 50 ms old, so that writes
  // that passed the gate before the pause are in the offset it reports.
  if ((me.flags & kMaster) && mf_pause_until_ms_ > now && now - mf_pause_start_ms_ >= 50) {
    mflags = "paused";
  }
  std::string tail;
  if (type == "AUTH_REQUEST") {
    if (mf_end_ != 0 && mf_can_start_) mflags += mflags.empty() ? "forceack" : ",forceack";
    const Node* m = FindLocked(me.master_id);
    std::vector<bool> owned(kSlots, false);
    for (int s = 0; s < kSlots; s++) owned[s] = m != nullptr && owner_[s] == m->id;
    tail = fmt::format(" {}", m != nullptr ? m->config_epoch : 0);
    std::string ranges = FormatSlotRanges(owned);
    if (!ranges.empty()) tail += " " + ranges;
  }
  std::string msg = fmt::format("{} {} {} {}{}\n", type, current_epoch_, repl_offset_,
                                mflags.empty() ? "-" : mflags, tail);
  msg += LineLocked(me, false);
  msg += '\n';
  for (const Node& n : nodes_) {
    if (n.id == myid_ || (n.flags & kHandshake)) continue;
    msg += LineLocked(n, false);
    msg += '\n';
  }
  return msg;
}

void ClusterState::ApplySlotsLocked(Node& sender, const std::vector<bool>& claimed) {
  // clusterUpdateSlotsConfigWith: the master this node belongs to (itself, or
  // its master) losing its last slot to `sender` makes this node a replica
  // of `sender` (a failed-over master rejoining, or the replicas of a master
  // whose slots moved).
  Node& me = myself();
  const std::string cur = (me.flags & kMaster) ? myid_ : me.master_id;
  bool lost_to_sender = false, changed = false;
  for (int s = 0; s < kSlots; s++) {
    if (!claimed[s] || owner_[s] == sender.id || !importing_[s].empty()) continue;
    const Node* cur_owner = owner_[s].empty() ? nullptr : FindLocked(owner_[s]);
    if (cur_owner == nullptr || cur_owner->config_epoch < sender.config_epoch) {
      if (owner_[s] == myid_) migrating_[s].clear();
      if (!cur.empty() && owner_[s] == cur) lost_to_sender = true;
      owner_[s] = sender.id;
      dirty_ = true;
      changed = true;
    }
  }
  if (changed) SlotsChangedLocked();
  if (lost_to_sender && CountSlotsLocked(cur) == 0 && me.master_id != sender.id) {
    LogLocked(fmt::format("Configuration change detected. Reconfiguring myself as a replica of {}",
                          sender.id));
    me.flags = (me.flags & ~kMaster) | kSlave;
    me.master_id = sender.id;
    for (int s = 0; s < kSlots; s++) migrating_[s].clear();
    ResetManualFailoverLocked();
    failover_auth_time_ = 0;
    state_checked_ms_ = 0;
    dirty_ = true;
  }
}

std::string ClusterState::HandleMessage(std::string_view msg, std::string_view peer_ip,
                                        std::string_view local_ip, std::string_view dialed_id) {
  return HandleMessage(msg, peer_ip, local_ip, dialed_id, nullptr);
}

std::string ClusterState::HandleMessage(std::string_view msg, std::string_view peer_ip,
                                        std::string_view local_ip, std::string_view dialed_id,
                                        std::string* reply) {
  if (reply != nullptr) reply->clear();
  std::vector<std::string_view> lines = Lines(msg);
  if (lines.size() < 2) return "";
  std::vector<std::string_view> header = SplitFields(lines[0], ' ');
  if (header.size() < 2) return "";
  std::string type(header[0]);
  int64_t epoch_v = 0, offset = 0;
  if (!ParseInt64(header[1], &epoch_v) || epoch_v < 0) return "";
  const uint64_t epoch = static_cast<uint64_t>(epoch_v);
  if (header.size() >= 3 && !ParseInt64(header[2], &offset)) return "";
  bool paused = false, force_ack = false;
  if (header.size() >= 4) {
    for (std::string_view f : SplitFields(header[3], ',')) {
      if (f == "paused") paused = true;
      if (f == "forceack") force_ack = true;
    }
  }
  int64_t claim_epoch = 0;
  std::vector<bool> claim_slots;
  if (type == "AUTH_REQUEST") {
    claim_slots.assign(kSlots, false);
    if (header.size() < 5 || !ParseInt64(header[4], &claim_epoch) ||
        !ParseSlotRanges(header, 5, &claim_slots)) {
      return "";
    }
  }
  ParsedLine p;
  if (!ParseLine(lines[1], &p) || p.node.id.size() != 40) return "";

  Guard lock(this);
  const int64_t now = Now();
  if (p.node.id == myid_) return type;
  if (std::find(bus_drop_.begin(), bus_drop_.end(), p.node.id) != bus_drop_.end()) return "";
  if (myself().ip.empty() && !local_ip.empty()) {
    myself().ip = std::string(local_ip);
    dirty_ = true;
  }
  Node* s = FindLocked(p.node.id);
  if (!dialed_id.empty()) {
    Node* d = FindLocked(dialed_id);
    if (d != nullptr && (d->flags & kHandshake)) {
      if (s != nullptr) {
        nodes_.erase(nodes_.begin() + (d - nodes_.data()));
        s = FindLocked(p.node.id);
      } else {
        d->id = p.node.id;
        d->flags &= ~kHandshake;
        s = d;
        dirty_ = true;
      }
    }
  }
  auto forgotten = [&](const std::string& id) {
    return std::any_of(forgotten_.begin(), forgotten_.end(),
                       [&](const auto& f) { return f.first == id && f.second > now; });
  };
  if (s == nullptr) {
    if (type != "MEET" || forgotten(p.node.id)) return type;
    Node n;
    n.id = p.node.id;
    nodes_.push_back(std::move(n));
    s = &nodes_.back();
    dirty_ = true;
  }
  std::string ip = p.node.ip.empty() ? std::string(peer_ip) : p.node.ip;
  if (s->ip != ip || s->port != p.node.port || s->cport != p.node.cport ||
      s->master_id != p.node.master_id ||
      (s->flags & (kMaster | kSlave)) != (p.node.flags & (kMaster | kSlave))) {
    dirty_ = true;
  }
  s->ip = ip;
  s->port = p.node.port;
  s->cport = p.node.cport;
  s->master_id = p.node.master_id;
  if (s->flags & (kPfail | kFail)) state_checked_ms_ = 0;
  s->flags = (p.node.flags & (kMaster | kSlave)) | (s->flags & kHandshake);
  s->pong_recv_ms = now;
  s->ping_sent_ms = 0;
  s->link_connected = true;
  s->repl_offset = offset;
  if (s->config_epoch != p.node.config_epoch) {
    s->config_epoch = p.node.config_epoch;
    dirty_ = true;
  }
  if (epoch > current_epoch_) {
    current_epoch_ = epoch;
    dirty_ = true;
  }
  if (s->flags & kMaster) {
    Node sender = *s;
    // Nothing to apply when the sender claims exactly the slots it is known
    // to own (nearly every message): skips the scan of the 16384 owners.
    if (p.slots_text != SlotRangesTextLocked(sender.id)) ApplySlotsLocked(sender, p.claimed);
    Node& me = myself();
    if ((me.flags & kMaster) && sender.config_epoch == me.config_epoch && myid_ < sender.id) {
      current_epoch_++;
      me.config_epoch = current_epoch_;
      dirty_ = true;
    }
  }
  const std::string sender_id = p.node.id;
  const bool sender_master = (p.node.flags & kMaster) != 0;
  for (size_t i = 2; i < lines.size(); i++) {
    ParsedLine g;
    if (!ParseLine(lines[i], &g) || g.node.id.size() != 40 || g.node.id == myid_) continue;
    Node* n = FindLocked(g.node.id);
    if (n == nullptr) {
      if (forgotten(g.node.id) || g.node.ip.empty() || (g.node.flags & kNoAddr)) continue;
      Node fresh;
      fresh.id = g.node.id;
      fresh.ip = g.node.ip;
      fresh.port = g.node.port;
      fresh.cport = g.node.cport;
      fresh.flags = g.node.flags & (kMaster | kSlave);
      fresh.master_id = g.node.master_id;
      fresh.config_epoch = g.node.config_epoch;
      nodes_.push_back(std::move(fresh));
      dirty_ = true;
      continue;
    }
    if (!sender_master) continue;
    auto& reports = n->fail_reports;
    auto it = std::find_if(reports.begin(), reports.end(),
                           [&](const auto& r) { return r.first == sender_id; });
    if (g.node.flags & (kPfail | kFail)) {
      if (it == reports.end()) {
        reports.emplace_back(sender_id, now);
      } else {
        it->second = now;
      }
      if ((g.node.flags & kFail) && (n->flags & kPfail) && !(n->flags & kFail)) {
        n->flags |= kFail;
        state_checked_ms_ = 0;
        dirty_ = true;
      }
    } else if (it != reports.end()) {
      reports.erase(it);
    }
  }

  // ---- per type ----
  s = FindLocked(sender_id);
  Node& me = myself();
  if (type == "AUTH_REQUEST") {
    const bool granted = s != nullptr && VoteLocked(*s, epoch, static_cast<uint64_t>(claim_epoch),
                                                    claim_slots, force_ack);
    if (reply != nullptr) *reply = BuildMessageLocked(granted ? "AUTH_ACK" : "PONG");
    return type;
  }
  if (type == "AUTH_ACK") {
    // clusterProcessPacket: a vote counts if it comes from a slot-serving
    // master for the epoch of the running election.
    if (sender_master && CountSlotsLocked(sender_id) > 0 && failover_auth_sent_ &&
        epoch >= failover_auth_epoch_ &&
        std::find(failover_auth_votes_.begin(), failover_auth_votes_.end(), sender_id) ==
            failover_auth_votes_.end()) {
      failover_auth_votes_.push_back(sender_id);
      LogLocked(
          fmt::format("Failover auth granted by {} for epoch {}", sender_id, failover_auth_epoch_));
    }
    return type;
  }
  if (type == "MFSTART") {
    // The master side of a manual failover: pause writes (twice the
    // replica's 5 s budget, like Redis) until the replica takes over.
    if ((me.flags & kMaster) && s != nullptr && s->master_id == myid_) {
      ResetManualFailoverLocked();
      mf_end_ = now + 5000;
      mf_replica_ = sender_id;
      mf_pause_start_ms_ = now;
      mf_pause_until_ms_ = now + 10000;
      LogLocked(fmt::format("Manual failover requested by replica {}.", sender_id));
    }
    if (reply != nullptr) *reply = BuildMessageLocked("PONG");
    return type;
  }
  // A paused master's offset: what this replica must reach before its election.
  if (paused && mf_end_ != 0 && (me.flags & kSlave) && me.master_id == sender_id &&
      mf_master_offset_ < 0) {
    mf_master_offset_ = offset;
    LogLocked(
        fmt::format("Received replication offset for paused master manual failover: {}", offset));
  }
  if (reply != nullptr && (type == "MEET" || type == "PING")) *reply = BuildMessageLocked("PONG");
  return type;
}

std::vector<ClusterState::Target> ClusterState::Targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Target> out;
  for (const Node& n : nodes_) {
    if (n.id == myid_ || n.ip.empty() || n.cport <= 0) continue;
    const bool drop = std::find(bus_drop_.begin(), bus_drop_.end(), n.id) != bus_drop_.end();
    out.push_back(
        {n.id, n.ip, n.cport, (n.flags & kHandshake) != 0, drop, (n.flags & kMaster) != 0});
  }
  return out;
}

void ClusterState::RecordPingResult(std::string_view id, bool ok) {
  Guard lock(this);
  Node* n = FindLocked(id);
  if (n == nullptr || ok) return;
  n->link_connected = false;
  if (n->ping_sent_ms == 0) n->ping_sent_ms = Now();
}

CronActions ClusterState::Cron(int64_t now) {
  Guard lock(this);
  CronActions actions;
  std::erase_if(forgotten_, [&](const auto& f) { return f.second <= now; });
  // Handshakes that never completed are dropped after the node timeout.
  std::erase_if(nodes_, [&](const Node& n) {
    return (n.flags & kHandshake) && n.ping_sent_ms != 0 &&
           now - n.ping_sent_ms > std::max<int64_t>(node_timeout_ms_, 1000);
  });
  const std::vector<std::string> serving = ServingMastersLocked();
  const size_t quorum = serving.size() / 2 + 1;
  const bool i_serve = std::find(serving.begin(), serving.end(), myid_) != serving.end();
  for (Node& n : nodes_) {
    if (n.id == myid_ || (n.flags & kHandshake)) continue;
    std::erase_if(n.fail_reports,
                  [&](const auto& r) { return now - r.second > node_timeout_ms_ * 2; });
    if (n.ping_sent_ms != 0 && now - n.ping_sent_ms > node_timeout_ms_) {
      if (!(n.flags & kPfail)) state_checked_ms_ = 0;
      n.flags |= kPfail;
    } else if (n.ping_sent_ms == 0) {
      if (n.flags & (kPfail | kFail)) {
        dirty_ = true;
        state_checked_ms_ = 0;
      }
      n.flags &= ~(kPfail | kFail);
    }
    if ((n.flags & kPfail) && !(n.flags & kFail)) {
      size_t votes = i_serve ? 1 : 0;
      for (const auto& r : n.fail_reports) {
        if (std::find(serving.begin(), serving.end(), r.first) != serving.end()) votes++;
      }
      if (votes >= quorum) {
        n.flags |= kFail;
        state_checked_ms_ = 0;
        dirty_ = true;
        LogLocked(fmt::format("Marking node {} as failing (quorum reached).", n.id));
      }
    }
  }
  FailoverCronLocked(now, &actions);
  (void)StateOkLocked();
  return actions;
}

}  // namespace lsmdb::cluster
