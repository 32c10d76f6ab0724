// The cluster-cron thread: the 100 ms tick and this node's outbound
// connections, one per known node (see bus.h). Only this thread touches
// peers_, so it needs no lock; ClusterState locks internally and is never
// called with a socket operation pending on its lock.

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "cluster/bus.h"

namespace lsmdb::cluster {
namespace {

constexpr int64_t kTickMs = 100;
// Bounds of the old blocking transport, kept: a dial must complete within
// kDialTimeoutMs and a request must be answered within kAnswerTimeoutMs.
constexpr int64_t kDialTimeoutMs = 500;
constexpr int64_t kAnswerTimeoutMs = 1000;

// ClusterState's clock (unix ms, as in the nodes file); the bus's own
// deadlines use SteadyMs() (bus_conn.h).
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsPing(std::string_view type) { return type == "PING" || type == "MEET"; }

bool ExpectsAnswer(std::string_view type) { return type != "PONG"; }

}  // namespace

void Bus::CronLoop() {
  int64_t next_tick = SteadyMs();
  while (!stop_.load()) {
    RefreshOffset();
    std::vector<ClusterState::Target> targets = state_.Targets();
    SyncPeers(targets);
    ExpirePeers();
    for (const ClusterState::Target& t : targets) {
      // One ping in flight per node, as in Redis: a slow node's pings do
      // not pile up in its socket buffers.
      auto it = peers_.find(t.id);
      const bool in_flight = it != peers_.end() &&
                             std::any_of(it->second->awaiting.begin(), it->second->awaiting.end(),
                                         [](const Peer::Request& r) { return IsPing(r.type); });
      if (!in_flight) Send(t, t.handshake ? "MEET" : "PING");
    }
    RefreshOffset();
    CronActions a = state_.Cron(NowMs());
    if (a.send_mfstart) {
      const std::string master = state_.MyMaster().id;
      for (const ClusterState::Target& t : targets) {
        if (t.id == master) Send(t, "MFSTART");
      }
    }
    if (a.send_auth_request) {
      for (const ClusterState::Target& t : targets) {
        if (!t.handshake && t.master) Send(t, "AUTH_REQUEST");
      }
      // Votes come back as AUTH_ACK answers: wait (bounded) until every
      // request is answered or its connection dropped, then count them.
      Pump(SteadyMs() + kAnswerTimeoutMs, [this] {
        for (const auto& [id, p] : peers_) {
          for (const Peer::Request& r : p->awaiting) {
            if (r.type == "AUTH_REQUEST") return false;
          }
        }
        return true;
      });
      CronActions b = state_.Cron(NowMs());
      a.broadcast_pong = a.broadcast_pong || b.broadcast_pong;
    }
    ApplyRole();
    if (a.broadcast_pong) {
      for (const ClusterState::Target& t : state_.Targets()) {
        if (!t.handshake) Send(t, "PONG");
      }
    }
    (void)state_.SaveIfDirty();
    next_tick = std::max(next_tick + kTickMs, SteadyMs());
    Pump(next_tick, nullptr);
  }
  peers_.clear();
}

void Bus::SyncPeers(const std::vector<ClusterState::Target>& targets) {
  std::set<std::string> wanted;
  for (const ClusterState::Target& t : targets) wanted.insert(t.id);
  std::vector<std::unique_ptr<Peer>> orphans;  // no longer targeted
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (wanted.count(it->first) == 0) {
      orphans.push_back(std::move(it->second));
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  for (const ClusterState::Target& t : targets) {
    std::unique_ptr<Peer>& p = peers_[t.id];
    if (p != nullptr && (p->ip != t.ip || p->cport != t.cport)) p.reset();  // moved: dial anew
    if (p != nullptr) continue;
    // A handshake that completed renamed its node: the connection that
    // carried the MEET serves the real id.
    auto same_addr = std::find_if(orphans.begin(), orphans.end(), [&](const auto& o) {
      return o != nullptr && o->ip == t.ip && o->cport == t.cport;
    });
    if (same_addr != orphans.end()) {
      p = std::move(*same_addr);
    } else {
      p = std::make_unique<Peer>();
      p->ip = t.ip;
      p->cport = t.cport;
    }
    p->id = t.id;
  }
  // Whatever is left in `orphans` (forgotten or removed nodes) closes here.
}

void Bus::Send(const ClusterState::Target& t, std::string_view type) {
  if (t.drop) {
    if (IsPing(type)) state_.RecordPingResult(t.id, false);
    return;
  }
  auto it = peers_.find(t.id);
  if (it == peers_.end()) return;  // not targeted any more
  Peer& p = *it->second;
  if (p.conn == nullptr) {
    int fd = StartDial(p.ip, p.cport);
    if (fd < 0) {
      if (IsPing(type)) state_.RecordPingResult(t.id, false);
      return;
    }
    p.conn = std::make_unique<BusConn>(fd);
    p.dialing = true;
    p.dial_deadline_ms = SteadyMs() + kDialTimeoutMs;
  }
  // Queued while dialing too: written once the connection is up.
  if (!p.conn->Send(state_.BuildMessage(type))) return;
  sent_.fetch_add(1, std::memory_order_relaxed);
  if (ExpectsAnswer(type)) p.awaiting.push_back({std::string(type), SteadyMs()});
}

void Bus::ExpirePeers() {
  const int64_t now = SteadyMs();
  for (auto& [id, p] : peers_) {
    if (p->conn == nullptr) continue;
    if ((p->dialing && now > p->dial_deadline_ms) ||
        (!p->awaiting.empty() && now - p->awaiting.front().sent_ms > kAnswerTimeoutMs)) {
      DropConn(*p);
    }
  }
}

void Bus::DropConn(Peer& p) {
  const bool ping_lost = std::any_of(p.awaiting.begin(), p.awaiting.end(),
                                     [](const Peer::Request& r) { return IsPing(r.type); });
  p.conn.reset();
  p.dialing = false;
  p.awaiting.clear();
  if (ping_lost) state_.RecordPingResult(p.id, false);
}

void Bus::Pump(int64_t until_ms, const std::function<bool()>& done) {
  std::vector<pollfd> fds;
  std::vector<Peer*> owners;
  while (!stop_.load() && !(done && done())) {
    fds.clear();
    owners.clear();
    for (auto& [id, p] : peers_) {
      if (p->conn == nullptr) continue;
      short events = p->dialing ? POLLOUT : POLLIN;
      if (p->conn->has_output()) events |= POLLOUT;
      fds.push_back({p->conn->fd(), events, 0});
      owners.push_back(p.get());
    }
    // At most kTickMs per poll, to notice stop_.
    const int timeout = static_cast<int>(std::clamp<int64_t>(until_ms - SteadyMs(), 0, kTickMs));
    if (fds.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout));
    } else if (poll(fds.data(), fds.size(), timeout) > 0) {
      for (size_t i = 0; i < fds.size(); i++) {
        if (fds[i].revents != 0) HandlePeer(*owners[i], fds[i].revents);
      }
    }
    if (SteadyMs() >= until_ms) return;
  }
}

void Bus::HandlePeer(Peer& p, short revents) {
  if (p.dialing) {
    if (!DialSucceeded(p.conn->fd())) {
      DropConn(p);
      return;
    }
    p.dialing = false;
    p.peer_ip = SocketAddr(p.conn->fd(), true);
    p.local_ip = SocketAddr(p.conn->fd(), false);
    opened_.fetch_add(1, std::memory_order_relaxed);
  } else if (revents & (POLLIN | POLLERR | POLLHUP)) {
    std::vector<std::string> frames;
    const bool ok = p.conn->Receive(&frames);
    for (const std::string& frame : frames) HandleAnswer(p, frame);
    if (!ok) {
      DropConn(p);
      return;
    }
  }
  if (p.conn->has_output() && !p.conn->Flush()) DropConn(p);
}

void Bus::HandleAnswer(Peer& p, const std::string& frame) {
  received_.fetch_add(1, std::memory_order_relaxed);
  const std::string got = state_.HandleMessage(frame, p.peer_ip, p.local_ip, p.id, nullptr);
  // A node answers the requests of a connection in order, each with one
  // message, so an answer belongs to the oldest request awaiting one. (A
  // node that drops a request, by fault injection, leaves it to time out in
  // ExpirePeers, which resets the connection and with it this matching.)
  if (p.awaiting.empty()) return;
  const Peer::Request r = p.awaiting.front();
  p.awaiting.pop_front();
  if (IsPing(r.type) && got != "PONG") state_.RecordPingResult(p.id, false);
}

}  // namespace lsmdb::cluster
