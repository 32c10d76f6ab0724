// ClusterState's bus side: building and applying bus messages, ping
// targets, failure detection. Message format (text, '\n'-separated):
//
//   <MEET|PING|PONG> <currentEpoch>
//   <sender's NODES line, its own slots included>
//   <one NODES line per other node the sender knows (gossip)>...
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
#include <chrono>

#include "cluster/node_line.h"
#include "cluster/state.h"

namespace lsmdb::cluster {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

std::string ClusterState::BuildMessage(std::string_view type) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string msg = fmt::format("{} {}\n", type, current_epoch_);
  msg += LineLocked(myself(), false);
  msg += '\n';
  for (const Node& n : nodes_) {
    if (n.id == myid_ || (n.flags & kHandshake)) continue;
    msg += LineLocked(n, false);
    msg += '\n';
  }
  return msg;
}

void ClusterState::ApplySlotsLocked(Node& sender, const std::vector<bool>& claimed) {
  for (int s = 0; s < kSlots; s++) {
    if (!claimed[s] || owner_[s] == sender.id || !importing_[s].empty()) continue;
    const Node* cur = owner_[s].empty() ? nullptr : FindLocked(owner_[s]);
    if (cur == nullptr || cur->config_epoch < sender.config_epoch) {
      if (owner_[s] == myid_) migrating_[s].clear();
      owner_[s] = sender.id;
      dirty_ = true;
    }
  }
}

std::string ClusterState::HandleMessage(std::string_view msg, std::string_view peer_ip,
                                        std::string_view local_ip, std::string_view dialed_id) {
  std::vector<std::string_view> lines = Lines(msg);
  if (lines.size() < 2) return "";
  std::string_view header = lines[0];
  size_t sp = header.find(' ');
  if (sp == std::string_view::npos) return "";
  std::string type(header.substr(0, sp));
  uint64_t epoch = 0;
  for (char c : header.substr(sp + 1)) {
    if (c < '0' || c > '9') return "";
    epoch = epoch * 10 + static_cast<uint64_t>(c - '0');
  }
  ParsedLine p;
  if (!ParseLine(lines[1], &p) || p.node.id.size() != 40) return "";
  const int64_t now = NowMs();

  std::lock_guard<std::mutex> lock(mu_);
  if (p.node.id == myid_) return type;
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
      s->master_id != p.node.master_id) {
    dirty_ = true;
  }
  s->ip = ip;
  s->port = p.node.port;
  s->cport = p.node.cport;
  s->master_id = p.node.master_id;
  s->flags = (p.node.flags & (kMaster | kSlave)) | (s->flags & kHandshake);
  s->pong_recv_ms = now;
  s->ping_sent_ms = 0;
  s->link_connected = true;
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
    ApplySlotsLocked(sender, p.claimed);
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
        dirty_ = true;
      }
    } else if (it != reports.end()) {
      reports.erase(it);
    }
  }
  return type;
}

std::vector<ClusterState::Target> ClusterState::Targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Target> out;
  for (const Node& n : nodes_) {
    if (n.id == myid_ || n.ip.empty() || n.cport <= 0) continue;
    out.push_back({n.id, n.ip, n.cport, (n.flags & kHandshake) != 0});
  }
  return out;
}

void ClusterState::RecordPingResult(std::string_view id, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  Node* n = FindLocked(id);
  if (n == nullptr || ok) return;
  n->link_connected = false;
  if (n->ping_sent_ms == 0) n->ping_sent_ms = NowMs();
}

void ClusterState::Cron(int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(forgotten_, [&](const auto& f) { return f.second <= now; });
  // Handshakes that never completed are dropped after the node timeout.
  std::erase_if(nodes_, [&](const Node& n) {
    return (n.flags & kHandshake) && n.ping_sent_ms != 0 &&
           now - n.ping_sent_ms > std::max<int64_t>(node_timeout_ms_, 1000);
  });
  std::vector<std::string> serving;
  for (int s = 0; s < kSlots; s++) {
    if (!owner_[s].empty() &&
        std::find(serving.begin(), serving.end(), owner_[s]) == serving.end()) {
      serving.push_back(owner_[s]);
    }
  }
  const size_t quorum = serving.size() / 2 + 1;
  const bool i_serve = std::find(serving.begin(), serving.end(), myid_) != serving.end();
  for (Node& n : nodes_) {
    if (n.id == myid_ || (n.flags & kHandshake)) continue;
    std::erase_if(n.fail_reports,
                  [&](const auto& r) { return now - r.second > node_timeout_ms_ * 2; });
    if (n.ping_sent_ms != 0 && now - n.ping_sent_ms > node_timeout_ms_) {
      n.flags |= kPfail;
    } else if (n.ping_sent_ms == 0) {
      if (n.flags & (kPfail | kFail)) dirty_ = true;
      n.flags &= ~(kPfail | kFail);
    }
    if ((n.flags & kPfail) && !(n.flags & kFail)) {
      size_t votes = i_serve ? 1 : 0;
      for (const auto& r : n.fail_reports) {
        if (std::find(serving.begin(), serving.end(), r.first) != serving.end()) votes++;
      }
      if (votes >= quorum) {
        n.flags |= kFail;
        dirty_ = true;
      }
    }
  }
}

}  // namespace lsmdb::cluster
