// The failover rules of cluster/failover.cc on ClusterState alone: four
// states (masters a, b, c and r, a replica of a) exchange bus messages by
// direct HandleMessage calls, under a hand-driven clock.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cluster/state.h"

using lsmdb::cluster::ClusterState;
using lsmdb::cluster::CronActions;
using lsmdb::cluster::Route;

namespace {

constexpr int64_t kTimeout = 1000;  // node timeout, ms

std::vector<int> Range(int a, int b) {
  std::vector<int> v;
  for (int i = a; i <= b; i++) v.push_back(i);
  return v;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// a (7000, slots 0-5460), b (7001, 5461-10922), c (7002, 10923-16383) and r
// (7003, replica of a), met and converged.
struct Cluster {
  std::string dir;
  int64_t now = 1'700'000'000'000;
  std::vector<std::unique_ptr<ClusterState>> nodes;
  std::set<int> down;  // indexes that neither send nor receive

  Cluster() {
    char tmpl[] = "/tmp/lsmdb-failover-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    for (int i = 0; i < 4; i++) {
      auto st = std::make_unique<ClusterState>(dir + "/n" + std::to_string(i) + ".conf",
                                               "127.0.0.1", 7000 + i, 17000 + i, kTimeout);
      REQUIRE(st->Load().ok());
      st->SetClockForTest([this] { return now; });
      nodes.push_back(std::move(st));
    }
    REQUIRE(a().AddSlots(Range(0, 5460)).ok());
    REQUIRE(b().AddSlots(Range(5461, 10922)).ok());
    REQUIRE(c().AddSlots(Range(10923, 16383)).ok());
    for (int i = 0; i < 3; i++) REQUIRE(nodes[i]->SetConfigEpoch(i + 1).ok());
    for (int i = 1; i < 4; i++) REQUIRE(a().Meet("127.0.0.1", 7000 + i, 17000 + i).ok());
    Rounds(3);
    std::string ip;
    int port;
    REQUIRE(r().Replicate(a().myid(), &ip, &port).ok());
    Rounds(3);
    for (auto& n : nodes) {
      REQUIRE(n->Nodes().size() == 4);
      REQUIRE(n->state_ok());
    }
  }
  ~Cluster() { std::filesystem::remove_all(dir); }

  ClusterState& a() { return *nodes[0]; }
  ClusterState& b() { return *nodes[1]; }
  ClusterState& c() { return *nodes[2]; }
  ClusterState& r() { return *nodes[3]; }
  int Index(const ClusterState& s) const {
    for (size_t i = 0; i < nodes.size(); i++) {
      if (nodes[i].get() == &s) return static_cast<int>(i);
    }
    return -1;
  }

  // `from` sends `type` to node `to`, and handles the answer; returns the
  // answer's type ("" for none or an unreachable node).
  std::string Send(ClusterState& from, int to, const std::string& type) {
    if (down.count(Index(from)) || down.count(to)) return "";
    std::string reply;
    nodes[to]->HandleMessage(from.BuildMessage(type), "127.0.0.1", "127.0.0.1", "", &reply);
    if (reply.empty()) return "";
    std::string dialed;
    for (const auto& t : from.Targets()) {
      if (t.cport == 17000 + to) dialed = t.id;
    }
    return from.HandleMessage(reply, "127.0.0.1", "127.0.0.1", dialed, nullptr);
  }

  // One ping round as the bus does it; pings to down nodes fail.
  void Rounds(int n) {
    for (int k = 0; k < n; k++) {
      for (size_t i = 0; i < nodes.size(); i++) {
        if (down.count(static_cast<int>(i))) continue;
        for (const auto& t : nodes[i]->Targets()) {
          int to = t.cport - 17000;
          if (down.count(to)) {
            nodes[i]->RecordPingResult(t.id, false);
          } else {
            Send(*nodes[i], to, t.handshake ? "MEET" : "PING");
          }
        }
      }
    }
  }

  // Cron on every live node; returns r's actions.
  CronActions CronAll() {
    CronActions out;
    for (size_t i = 0; i < 4; i++) {  // a second replica is driven by hand
      if (down.count(static_cast<int>(i))) continue;
      CronActions got = nodes[i]->Cron(now);
      if (i == 3) out = got;
    }
    return out;
  }

  // Kills a: after the node timeout every live node flags it FAIL.
  void FailA() {
    down.insert(0);
    Rounds(1);
    now += kTimeout + 1;
    CronAll();
    Rounds(2);
    CronAll();
    for (int i = 1; i < 4; i++) {
      INFO(nodes[i]->NodesText());
      REQUIRE(nodes[i]->NodesText().find(a().myid() + " 127.0.0.1:7000@17000 master,fail?,fail ") !=
              std::string::npos);
    }
  }

  // r's AUTH_REQUEST to every master; the number of AUTH_ACKs.
  int RequestVotes() {
    int acks = 0;
    for (int to = 0; to < 3; to++) acks += Send(r(), to, "AUTH_REQUEST") == "AUTH_ACK" ? 1 : 0;
    return acks;
  }

  // A second replica of a (7004).
  ClusterState& AddReplicaOfA() {
    auto r2 = std::make_unique<ClusterState>(dir + "/n4.conf", "127.0.0.1", 7004, 17004, kTimeout);
    REQUIRE(r2->Load().ok());
    r2->SetClockForTest([this] { return now; });
    nodes.push_back(std::move(r2));
    REQUIRE(a().Meet("127.0.0.1", 7004, 17004).ok());
    Rounds(3);
    std::string ip;
    int port;
    REQUIRE(nodes[4]->Replicate(a().myid(), &ip, &port).ok());
    Rounds(2);
    return *nodes[4];
  }

  // Cron on r until it asks to send AUTH_REQUEST (at most `limit_ms` of clock).
  bool RunUntilElection(int64_t limit_ms) {
    for (int64_t spent = 0; spent <= limit_ms; spent += 100) {
      if (CronAll().send_auth_request) return true;
      now += 100;
    }
    return false;
  }
};

bool IsMasterOf(ClusterState& view, const std::string& id, int slot) {
  Route route = view.Lookup(slot);
  if (view.myid() == id) return route.kind == Route::kServe;
  for (const auto& n : view.Nodes()) {
    if (n.id == id) return route.addr == n.ip + ":" + std::to_string(n.port);
  }
  return false;
}

}  // namespace

TEST_CASE("A replica of a FAIL master wins an election and takes its slots",
          "[cluster][failover]") {
  Cluster cl;
  cl.FailA();
  CHECK_FALSE(cl.b().state_ok());  // slots of a FAIL master
  const uint64_t before = cl.r().current_epoch();
  // Not at once: 500 ms + random(0..499) + rank * 1000 after the FAIL.
  CHECK_FALSE(cl.CronAll().send_auth_request);
  REQUIRE(cl.RunUntilElection(1100));
  CHECK(cl.r().current_epoch() == before + 1);
  CHECK(cl.RequestVotes() == 2);  // b and c; a is down
  CronActions won = cl.CronAll();
  CHECK(won.broadcast_pong);
  CHECK(cl.r().MyMaster().id.empty());
  CHECK(cl.r().NodesText().find("myself,master - 0 0 " + std::to_string(before + 1) +
                                " connected 0-5460\n") != std::string::npos);
  // Its PONG makes b and c route a's slots to it; the cluster is ok again.
  for (int to : {1, 2}) cl.Send(cl.r(), to, "PONG");
  for (ClusterState* s : {&cl.b(), &cl.c(), &cl.r()}) {
    CHECK(IsMasterOf(*s, cl.r().myid(), 0));
    CHECK(IsMasterOf(*s, cl.r().myid(), 5460));
    cl.now += 200;
    CHECK(s->state_ok());
  }
  // The old master comes back: the winner's PONG makes it a replica.
  cl.down.clear();
  cl.Send(cl.r(), 0, "PING");
  cl.Send(cl.a(), 3, "PING");
  CHECK(cl.a().MyMaster().id == cl.r().myid());
  CHECK(cl.a().Lookup(0).kind == Route::kMoved);
}

TEST_CASE("Without a majority of votes the replica stays a replica", "[cluster][failover]") {
  Cluster cl;
  cl.FailA();
  REQUIRE(cl.RunUntilElection(1100));
  CHECK(cl.Send(cl.r(), 1, "AUTH_REQUEST") == "AUTH_ACK");  // b only: 1 of 3
  CHECK_FALSE(cl.CronAll().broadcast_pong);
  CHECK(cl.r().MyMaster().id == cl.a().myid());
  // The election expires after auth_timeout (max(2 * node timeout, 2000));
  // a new one starts after twice that, with a new epoch.
  const uint64_t first = cl.r().current_epoch();
  cl.now += 4001;
  REQUIRE(cl.RunUntilElection(1100));
  CHECK(cl.r().current_epoch() > first);
}

TEST_CASE("A master votes at most once per epoch and keeps lastVoteEpoch in its nodes file",
          "[cluster][failover]") {
  Cluster cl;
  cl.FailA();
  REQUIRE(cl.RunUntilElection(1100));
  CHECK(cl.Send(cl.r(), 1, "AUTH_REQUEST") == "AUTH_ACK");
  CHECK(cl.Send(cl.r(), 1, "AUTH_REQUEST") == "PONG");  // same epoch: refused
  const uint64_t epoch = cl.r().current_epoch();
  CHECK(cl.b().last_vote_epoch() == epoch);
  CHECK(ReadFile(cl.dir + "/n1.conf").find("lastVoteEpoch " + std::to_string(epoch) + "\n") !=
        std::string::npos);
  ClusterState reloaded(cl.dir + "/n1.conf", "127.0.0.1", 7001, 17001, kTimeout);
  REQUIRE(reloaded.Load().ok());
  CHECK(reloaded.last_vote_epoch() == epoch);
}

TEST_CASE("No second vote for one master's replicas within twice the node timeout",
          "[cluster][failover]") {
  Cluster cl;
  ClusterState& r2 = cl.AddReplicaOfA();
  cl.FailA();
  REQUIRE(cl.RunUntilElection(1100));
  CHECK(cl.Send(cl.r(), 1, "AUTH_REQUEST") == "AUTH_ACK");
  // r2's own election, in a later epoch: b voted for a replica of a just now.
  cl.Send(r2, 1, "PING");  // r2 learns the current epoch
  for (int i = 0; i < 30 && !r2.Cron(cl.now).send_auth_request; i++) cl.now += 100;
  REQUIRE(r2.current_epoch() > cl.b().last_vote_epoch());
  const std::string req = r2.BuildMessage("AUTH_REQUEST");
  std::string reply;
  cl.b().HandleMessage(req, "127.0.0.1", "127.0.0.1", "", &reply);
  CHECK(reply.rfind("PONG ", 0) == 0);
  // The same request once 2 * node timeout has passed since b's vote.
  cl.now += 2 * kTimeout + 1;
  cl.b().HandleMessage(req, "127.0.0.1", "127.0.0.1", "", &reply);
  CHECK(reply.rfind("AUTH_ACK ", 0) == 0);
}

TEST_CASE("Votes are refused while the master is up, unless forced", "[cluster][failover]") {
  Cluster cl;
  CHECK(cl.Send(cl.r(), 1, "AUTH_REQUEST") == "PONG");
  CHECK(cl.b().last_vote_epoch() == 0);
  // CLUSTER FAILOVER FORCE: the request carries forceack.
  REQUIRE(cl.r().ManualFailover("force").ok());
  CronActions act = cl.CronAll();
  REQUIRE(act.send_auth_request);
  CHECK(cl.RequestVotes() == 3);  // a votes for its own replica too
  CHECK(cl.CronAll().broadcast_pong);
  CHECK(cl.r().MyMaster().id.empty());
}

TEST_CASE("A claim older than the slots' current config epoch gets no vote",
          "[cluster][failover]") {
  Cluster cl;
  cl.FailA();
  REQUIRE(cl.RunUntilElection(1100));
  // The request names a's slots with config epoch 0 while b knows a at 1.
  std::string req = cl.r().BuildMessage("AUTH_REQUEST");
  std::string stale =
      std::regex_replace(req, std::regex("^(AUTH_REQUEST \\d+ \\d+ \\S+) 1 "), "$1 0 ");
  REQUIRE(stale != req);
  std::string reply;
  cl.b().HandleMessage(stale, "127.0.0.1", "127.0.0.1", "", &reply);
  CHECK(reply.rfind("PONG ", 0) == 0);
  cl.b().HandleMessage(req, "127.0.0.1", "127.0.0.1", "", &reply);
  CHECK(reply.rfind("AUTH_ACK ", 0) == 0);
}

TEST_CASE("The replica with the lower offset waits one more second per better replica",
          "[cluster][failover]") {
  Cluster cl;
  // A second replica of a with a greater offset than r.
  ClusterState& r2 = cl.AddReplicaOfA();
  cl.r().SetReplOffset(100);
  r2.SetReplOffset(200);
  cl.Rounds(2);
  cl.FailA();
  // r's rank is 1: no election before 1500 ms.
  int64_t start = cl.now;
  REQUIRE(cl.RunUntilElection(3000));
  CHECK(cl.now - start >= 1500);
}

TEST_CASE("A master that reaches a minority of masters turns the cluster state fail",
          "[cluster][failover]") {
  Cluster cl;
  // Only c is unreachable: still 2 of 3 masters, state ok.
  cl.down.insert(2);
  cl.Rounds(1);
  cl.now += kTimeout + 1;
  cl.CronAll();
  CHECK(cl.a().state_ok());
  // a alone: 1 of 3.
  cl.down = {1, 2, 3};
  cl.Rounds(1);
  cl.down.clear();
  cl.nodes[0]->RecordPingResult(cl.b().myid(), false);
  cl.now += kTimeout + 1;
  cl.a().Cron(cl.now);
  CHECK_FALSE(cl.a().state_ok());
  // Back in touch: ok again only after the rejoin delay (the node timeout).
  cl.down.clear();
  cl.Rounds(1);
  cl.a().Cron(cl.now);
  CHECK_FALSE(cl.a().state_ok());
  cl.now += kTimeout + 1;
  cl.a().Cron(cl.now);
  CHECK(cl.a().state_ok());
}

TEST_CASE("Manual failover: the master pauses, the replica catches up, then takes over",
          "[cluster][failover]") {
  Cluster cl;
  cl.a().SetReplOffset(500);
  cl.r().SetReplOffset(400);
  REQUIRE(cl.r().ManualFailover("").ok());
  CronActions act = cl.CronAll();
  REQUIRE(act.send_mfstart);
  CHECK(cl.Send(cl.r(), 0, "MFSTART") == "PONG");
  CHECK(cl.a().WritesPaused());
  cl.now += 100;
  cl.Rounds(1);                                 // a's PONG says paused, offset 500
  CHECK_FALSE(cl.CronAll().send_auth_request);  // r is at 400
  cl.r().SetReplOffset(500);
  REQUIRE(cl.CronAll().send_auth_request);
  CHECK(cl.RequestVotes() == 3);
  CHECK(cl.CronAll().broadcast_pong);
  cl.Send(cl.r(), 0, "PONG");
  CHECK(cl.a().MyMaster().id == cl.r().myid());
  CHECK_FALSE(cl.a().WritesPaused());
}

TEST_CASE("Manual failover gives up after 5 s and unpauses the master", "[cluster][failover]") {
  Cluster cl;
  REQUIRE(cl.r().ManualFailover("").ok());
  REQUIRE(cl.CronAll().send_mfstart);
  cl.Send(cl.r(), 0, "MFSTART");
  cl.now += 5001;
  cl.CronAll();
  CHECK_FALSE(cl.a().WritesPaused());
  CHECK(cl.r().MyMaster().id == cl.a().myid());
}

TEST_CASE("CLUSTER FAILOVER preconditions and TAKEOVER", "[cluster][failover]") {
  Cluster cl;
  CHECK(cl.a().ManualFailover("").ToString().find(
            "ERR You should send CLUSTER FAILOVER to a replica") != std::string::npos);
  cl.FailA();
  CHECK(cl.r().ManualFailover("").ToString().find(
            "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE") !=
        std::string::npos);
  REQUIRE(cl.r().ManualFailover("takeover").ok());
  CHECK(cl.r().MyMaster().id.empty());
  CHECK(IsMasterOf(cl.r(), cl.r().myid(), 100));
  // A config epoch greater than every other: b learns the new owner.
  cl.Send(cl.r(), 1, "PONG");
  CHECK(IsMasterOf(cl.b(), cl.r().myid(), 100));
}
