// ClusterState's failover side, after Redis Cluster 7.0 (cluster.c):
// the replica's election (clusterHandleSlaveFailover), the masters' votes
// (clusterSendFailoverAuthIfNeeded), the promotion
// (clusterFailoverReplaceYourMaster) and the manual failover (CLUSTER
// FAILOVER, MFSTART, the paused master's offset).
//
// Election, on a replica whose master is FAIL (or in a manual failover
// that may start), each Cron():
//   1. no election scheduled or the last one older than 2 * auth_timeout
//      (auth_timeout = max(2 * node_timeout, 2000 ms)): schedule one at
//      now + 500 + random(0..499) + rank * 1000 ms, rank = the number of
//      replicas of the same master with a greater replication offset
//      (manual failover: now, rank 0);
//   2. before the request is sent, a worse rank delays it by 1000 ms per place;
//   3. at the scheduled time (and not later than auth_timeout after it):
//      currentEpoch + 1, the bus sends AUTH_REQUEST to every node;
//   4. AUTH_ACKs for that epoch from a majority of the slot-serving masters:
//      configEpoch = the election's epoch, take the master's slots, become
//      a master; the bus promotes the replication side and broadcasts PONG.
//
// Vote (a slot-serving master answering AUTH_REQUEST): refused if the
// request's currentEpoch is below ours, if we already voted in this epoch
// (lastVoteEpoch, saved to the nodes file before the ACK), if the requester
// is not a replica of a known master, if that master is not FAIL (unless
// "forceack"), if we voted for a replica of that master less than
// 2 * node_timeout ago, or if a claimed slot is served by a master with a
// greater config epoch than the claim.

#include <fmt/core.h>

#include <algorithm>
#include <random>

#include "cluster/state.h"

namespace lsmdb::cluster {
namespace {

int64_t RandomBelow(int64_t n) {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return static_cast<int64_t>(gen() % static_cast<uint64_t>(n));
}

constexpr int64_t kManualFailoverTimeoutMs = 5000;  // CLUSTER_MF_TIMEOUT
constexpr int64_t kReplPingPeriodMs = 10000;        // repl-ping-replica-period 10
constexpr int64_t kValidityFactor = 10;             // cluster-replica-validity-factor

}  // namespace

void ClusterState::SetReplOffset(int64_t offset, int64_t data_age_ms) {
  Guard lock(this);
  repl_offset_ = offset;
  repl_data_age_ms_ = data_age_ms;
}

bool ClusterState::WritesPaused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mf_pause_until_ms_ > Now();
}

MasterAddr ClusterState::MyMaster() const {
  std::lock_guard<std::mutex> lock(mu_);
  MasterAddr out;
  const Node& me = myself();
  if (!(me.flags & kSlave) || me.master_id.empty()) return out;
  out.id = me.master_id;
  if (const Node* m = FindLocked(me.master_id); m != nullptr) {
    out.ip = m->ip;
    out.port = m->port;
  }
  return out;
}

uint64_t ClusterState::current_epoch() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_epoch_;
}

uint64_t ClusterState::last_vote_epoch() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_vote_epoch_;
}

void ClusterState::SetBusDrop(std::vector<std::string> ids) {
  Guard lock(this);
  bus_drop_ = std::move(ids);
}

void ClusterState::set_writable_delay_ms(int64_t ms) {
  Guard lock(this);
  writable_delay_ms_ = ms;
}

void ClusterState::SetClockForTest(std::function<int64_t()> clock) {
  Guard lock(this);
  clock_ = std::move(clock);
}

void ClusterState::SetLogger(std::function<void(std::string_view)> log) {
  Guard lock(this);
  log_ = std::move(log);
}

void ClusterState::ResetManualFailoverLocked() {
  mf_end_ = 0;
  mf_can_start_ = false;
  mf_master_offset_ = -1;
  mf_send_start_ = false;
  mf_replica_.clear();
  mf_pause_start_ms_ = 0;
  mf_pause_until_ms_ = 0;
}

Status ClusterState::ManualFailover(std::string_view mode) {
  Guard lock(this);
  Node& me = myself();
  if (me.flags & kMaster) {
    return Status::InvalidArgument("ERR You should send CLUSTER FAILOVER to a replica");
  }
  const Node* master = FindLocked(me.master_id);
  if (master == nullptr) {
    return Status::InvalidArgument("ERR I'm a replica but my master is unknown to me");
  }
  const bool force = mode == "force" || mode == "takeover";
  if (!force && ((master->flags & kFail) || !master->link_connected)) {
    return Status::InvalidArgument(
        "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
  }
  ResetManualFailoverLocked();
  const int64_t now = Now();
  mf_end_ = now + kManualFailoverTimeoutMs;
  if (mode == "takeover") {
    // No agreement at all: a new config epoch without consensus
    // (clusterBumpConfigEpochWithoutConsensus), then the promotion.
    LogLocked("Taking over the master (user request).");
    if (me.config_epoch == 0 || me.config_epoch != MaxEpochLocked()) {
      current_epoch_++;
      me.config_epoch = current_epoch_;
    }
    ReplaceMasterLocked();
    return SaveLocked();
  }
  if (force) {
    LogLocked("Forced failover user request accepted.");
    mf_can_start_ = true;
  } else {
    LogLocked("Manual failover user request accepted.");
    mf_send_start_ = true;
  }
  failover_auth_time_ = 0;  // a fresh election, now
  return Status::OK();
}

int ClusterState::RankLocked() const {
  const Node& me = myself();
  int rank = 0;
  for (const Node& n : nodes_) {
    if (n.id != myid_ && (n.flags & kSlave) && n.master_id == me.master_id && !(n.flags & kFail) &&
        n.repl_offset > repl_offset_) {
      rank++;
    }
  }
  return rank;
}

void ClusterState::ReplaceMasterLocked() {
  Node& me = myself();
  const std::string old = me.master_id;
  me.flags = (me.flags & ~kSlave) | kMaster;
  me.master_id.clear();
  for (int s = 0; s < kSlots; s++) {
    if (!old.empty() && owner_[s] == old) {
      owner_[s] = myid_;
      importing_[s].clear();
      migrating_[s].clear();
    }
  }
  SlotsChangedLocked();
  ResetManualFailoverLocked();
  failover_auth_sent_ = false;
  failover_auth_votes_.clear();
  state_checked_ms_ = 0;
  dirty_ = true;
  LogLocked(fmt::format("Failover: this node is now the master of {}'s slots (config epoch {})",
                        old, me.config_epoch));
}

bool ClusterState::VoteLocked(Node& requester, uint64_t req_epoch, uint64_t claim_epoch,
                              const std::vector<bool>& claimed, bool force_ack) {
  const Node& me = myself();
  if (!(me.flags & kMaster) || CountSlotsLocked(myid_) == 0) return false;
  auto deny = [&](const std::string& why) {
    LogLocked(fmt::format("Failover auth denied to {}: {}", requester.id, why));
    return false;
  };
  if (req_epoch < current_epoch_) {
    return deny(fmt::format("reqEpoch ({}) < curEpoch({})", req_epoch, current_epoch_));
  }
  if (last_vote_epoch_ == current_epoch_) {
    return deny(fmt::format("already voted for epoch {}", current_epoch_));
  }
  Node* master = FindLocked(requester.master_id);
  if (requester.flags & kMaster) return deny("it is a master node");
  if (master == nullptr) return deny("I don't know its master");
  if (!(master->flags & kFail) && !force_ack) return deny("its master is up");
  const int64_t now = Now();
  if (now - master->voted_time_ms < node_timeout_ms_ * 2) {
    return deny(fmt::format("can't vote about this master before {} milliseconds",
                            node_timeout_ms_ * 2 - (now - master->voted_time_ms)));
  }
  for (int s = 0; s < kSlots; s++) {
    if (!claimed[s] || owner_[s].empty()) continue;
    const Node* owner = FindLocked(owner_[s]);
    if (owner != nullptr && owner->config_epoch > claim_epoch) {
      return deny(
          fmt::format("slot {} epoch ({}) > reqEpoch ({})", s, owner->config_epoch, claim_epoch));
    }
  }
  last_vote_epoch_ = current_epoch_;
  master->voted_time_ms = now;
  (void)SaveLocked();  // lastVoteEpoch is on disk before the ACK leaves
  LogLocked(fmt::format("Failover auth granted to {} for epoch {}", requester.id, current_epoch_));
  return true;
}

void ClusterState::FailoverCronLocked(int64_t now, CronActions* actions) {
  if (mf_end_ != 0 && mf_end_ < now) {
    LogLocked("Manual failover timed out.");
    ResetManualFailoverLocked();
  }
  Node& me = myself();
  if (!(me.flags & kSlave) || me.master_id.empty()) return;
  const Node* master = FindLocked(me.master_id);
  if (master == nullptr) return;
  if (mf_send_start_) {
    mf_send_start_ = false;
    actions->send_mfstart = true;
  }
  // clusterHandleManualFailover: the election may start once this replica
  // has applied everything the paused master reported.
  if (mf_end_ != 0 && !mf_can_start_ && mf_master_offset_ >= 0 &&
      repl_offset_ >= mf_master_offset_) {
    mf_can_start_ = true;
    LogLocked("All master replication stream processed, manual failover can start.");
  }
  const bool manual = mf_end_ != 0 && mf_can_start_;
  if ((!(master->flags & kFail) && !manual) || CountSlotsLocked(master->id) == 0) return;
  // Replica validity: data older than node_timeout * 10 + the 10 s
  // replication ping period (after the node timeout) is too old to win an
  // automatic failover (cluster-replica-validity-factor 10).
  int64_t data_age = repl_data_age_ms_;
  if (data_age > node_timeout_ms_) data_age -= node_timeout_ms_;
  if (!manual && data_age > kReplPingPeriodMs + node_timeout_ms_ * kValidityFactor) {
    if (now - last_cant_failover_log_ms_ > 10000) {
      last_cant_failover_log_ms_ = now;
      LogLocked(
          "Currently unable to failover: Disconnected from master for longer than allowed. "
          "Please check the 'cluster-replica-validity-factor' configuration option.");
    }
    return;
  }

  const int64_t auth_timeout = std::max<int64_t>(node_timeout_ms_ * 2, 2000);
  const int64_t auth_retry = auth_timeout * 2;
  const int64_t auth_age = now - failover_auth_time_;
  if (failover_auth_time_ == 0 || auth_age > auth_retry) {
    failover_auth_votes_.clear();
    failover_auth_sent_ = false;
    if (manual) {
      failover_auth_time_ = now;
      failover_auth_rank_ = 0;
    } else {
      failover_auth_rank_ = RankLocked();
      failover_auth_time_ = now + 500 + RandomBelow(500) + failover_auth_rank_ * 1000;
    }
    LogLocked(fmt::format("Start of election delayed for {} milliseconds (rank #{}, offset {}).",
                          failover_auth_time_ - now, failover_auth_rank_, repl_offset_));
    if (!manual) return;
  }
  if (!failover_auth_sent_ && !manual) {
    const int rank = RankLocked();
    if (rank > failover_auth_rank_) {
      failover_auth_time_ += (rank - failover_auth_rank_) * 1000;
      failover_auth_rank_ = rank;
    }
  }
  if (now < failover_auth_time_) return;
  if (now - failover_auth_time_ > auth_timeout) return;  // expired; retried after auth_retry
  if (!failover_auth_sent_) {
    current_epoch_++;
    failover_auth_epoch_ = current_epoch_;
    failover_auth_sent_ = true;
    (void)SaveLocked();
    LogLocked(fmt::format("Starting a failover election for epoch {}.", current_epoch_));
    actions->send_auth_request = true;
    return;
  }
  const size_t quorum = ServingMastersLocked().size() / 2 + 1;
  if (failover_auth_votes_.size() < quorum) return;
  LogLocked("Failover election won: I'm the new master.");
  if (me.config_epoch < failover_auth_epoch_) me.config_epoch = failover_auth_epoch_;
  ReplaceMasterLocked();
  (void)SaveLocked();
  actions->broadcast_pong = true;
}

}  // namespace lsmdb::cluster
