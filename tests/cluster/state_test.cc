#include "cluster/state.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

using lsmdb::cluster::ClusterState;
using lsmdb::cluster::Route;

namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/lsmdb-cluster-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<int> Range(int a, int b) {
  std::vector<int> v;
  for (int i = a; i <= b; i++) v.push_back(i);
  return v;
}

// Delivers a PING from `a` to `b` and b's PONG back, as the bus does.
void Exchange(ClusterState& a, ClusterState& b, const std::string& dialed_id) {
  std::string pong;
  std::string type = b.HandleMessage(a.BuildMessage(dialed_id.empty() ? "PING" : "MEET"),
                                     "127.0.0.1", "127.0.0.1", "");
  if (type.empty()) return;
  pong = b.BuildMessage("PONG");
  a.HandleMessage(pong, "127.0.0.1", "127.0.0.1", dialed_id);
}

}  // namespace

TEST_CASE("CLUSTER NODES lines follow Redis's format", "[cluster][state]") {
  std::string dir = TempDir();
  ClusterState st(dir + "/nodes.conf", "127.0.0.1", 7000, 17000, 15000);
  REQUIRE(st.Load().ok());
  REQUIRE(st.AddSlots({0, 1, 2, 5, 100}).ok());
  std::string text = st.NodesText();
  std::regex line(
      "^[0-9a-f]{40} 127\\.0\\.0\\.1:7000@17000 myself,master - 0 0 0 connected "
      "0-2 5 100\n$");
  CHECK(std::regex_match(text, line));
  CHECK(text.substr(0, 40) == st.myid());
  std::filesystem::remove_all(dir);
}

TEST_CASE("The nodes file round-trips ids, slots, epochs and slot migrations", "[cluster][state]") {
  std::string dir = TempDir();
  const std::string path = dir + "/nodes.conf";
  std::string id, nodes;
  {
    ClusterState st(path, "127.0.0.1", 7000, 17000, 15000);
    REQUIRE(st.Load().ok());
    REQUIRE(st.AddSlots(Range(0, 5460)).ok());
    REQUIRE(st.SetConfigEpoch(7).ok());
    REQUIRE(st.SetSlot(17, "migrating", st.myid()).ok());
    id = st.myid();
    nodes = st.NodesText();
  }
  std::string file = ReadFile(path);
  CHECK(file.find("vars currentEpoch 7 lastVoteEpoch 0\n") != std::string::npos);
  CHECK(file.find(" 0-5460 [17->-" + id + "]") != std::string::npos);
  ClusterState again(path, "127.0.0.1", 7000, 17000, 15000);
  REQUIRE(again.Load().ok());
  CHECK(again.myid() == id);
  CHECK(again.NodesText() == nodes);
  CHECK(again.Lookup(0).kind == Route::kServe);
  CHECK(again.Lookup(5461).kind == Route::kUnassigned);
  CHECK(again.InfoText(0, 0).find("cluster_my_epoch:7\r\n") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("A corrupt nodes file is refused", "[cluster][state]") {
  std::string dir = TempDir();
  std::ofstream(dir + "/nodes.conf") << "garbage line\n";
  ClusterState st(dir + "/nodes.conf", "127.0.0.1", 7000, 17000, 15000);
  CHECK(st.Load().IsCorruption());
  std::filesystem::remove_all(dir);
}

TEST_CASE("Slot commands report Redis's errors", "[cluster][state]") {
  std::string dir = TempDir();
  ClusterState st(dir + "/nodes.conf", "127.0.0.1", 7000, 17000, 15000);
  REQUIRE(st.Load().ok());
  REQUIRE(st.AddSlots({1}).ok());
  CHECK(st.AddSlots({1}).message() == "ERR Slot 1 is already busy");
  CHECK(st.AddSlots({2, 2}).message() == "ERR Slot 2 specified multiple times");
  CHECK(st.DelSlots({3}).message() == "ERR Slot 3 is already unassigned");
  CHECK(st.SetSlot(4, "migrating", st.myid()).message() == "ERR I'm not the owner of hash slot 4");
  CHECK(st.Forget(st.myid()).message() == "ERR I tried hard but I can't forget myself...");
  CHECK(st.BumpEpoch() == "BUMPED 1");
  CHECK(st.BumpEpoch() == "STILL 1");
  CHECK(st.SetConfigEpoch(3).message() == "ERR Node config epoch is already non-zero");
  REQUIRE(st.DelSlots({1}).ok());
  CHECK(st.Lookup(1).kind == Route::kUnassigned);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Gossip spreads nodes and slot ownership; the higher config epoch wins",
          "[cluster][gossip]") {
  std::string dir = TempDir();
  ClusterState a(dir + "/a.conf", "127.0.0.1", 7000, 17000, 15000);
  ClusterState b(dir + "/b.conf", "127.0.0.1", 7001, 17001, 15000);
  ClusterState c(dir + "/c.conf", "127.0.0.1", 7002, 17002, 15000);
  REQUIRE(a.Load().ok());
  REQUIRE(b.Load().ok());
  REQUIRE(c.Load().ok());
  REQUIRE(a.AddSlots(Range(0, 5460)).ok());
  REQUIRE(b.AddSlots(Range(5461, 10922)).ok());
  REQUIRE(c.AddSlots(Range(10923, 16383)).ok());
  REQUIRE(a.SetConfigEpoch(1).ok());
  REQUIRE(b.SetConfigEpoch(2).ok());
  REQUIRE(c.SetConfigEpoch(3).ok());
  // a meets b and c; b and c learn of each other through a's gossip.
  REQUIRE(a.Meet("127.0.0.1", 7001, 17001).ok());
  REQUIRE(a.Meet("127.0.0.1", 7002, 17002).ok());
  for (const auto& t : a.Targets()) Exchange(a, t.cport == 17001 ? b : c, t.id);
  for (int round = 0; round < 3; round++) {
    Exchange(b, a, "");
    Exchange(c, a, "");
    Exchange(b, c, "");
    Exchange(c, b, "");
  }
  for (ClusterState* s : {&a, &b, &c}) {
    CHECK(s->Nodes().size() == 3);
    CHECK(s->state_ok());
    CHECK(s->InfoText(0, 0).find("cluster_current_epoch:3\r\n") != std::string::npos);
  }
  Route r = a.Lookup(12182);
  CHECK(r.kind == Route::kMoved);
  CHECK(r.addr == "127.0.0.1:7002");

  // b takes slot 0 with a higher epoch (as SETSLOT NODE after a migration does).
  REQUIRE(b.SetSlot(0, "importing", a.myid()).ok());
  REQUIRE(b.SetSlot(0, "node", b.myid()).ok());
  Exchange(b, a, "");
  Exchange(b, c, "");
  CHECK(a.Lookup(0).addr == "127.0.0.1:7001");
  CHECK(c.Lookup(0).addr == "127.0.0.1:7001");
  std::filesystem::remove_all(dir);
}

TEST_CASE("Lines, messages and the state follow every change of slot ownership",
          "[cluster][gossip]") {
  // The slot ranges of each node and the serving masters are cached: every
  // path that changes an owner must drop the cache.
  std::string dir = TempDir();
  ClusterState a(dir + "/a.conf", "127.0.0.1", 7000, 17000, 15000);
  ClusterState b(dir + "/b.conf", "127.0.0.1", 7001, 17001, 15000);
  REQUIRE(a.Load().ok());
  REQUIRE(b.Load().ok());
  REQUIRE(a.AddSlots(Range(0, 8191)).ok());
  REQUIRE(b.AddSlots(Range(8192, 16383)).ok());
  REQUIRE(a.SetConfigEpoch(1).ok());
  REQUIRE(b.SetConfigEpoch(2).ok());
  REQUIRE(a.Meet("127.0.0.1", 7001, 17001).ok());
  for (const auto& t : a.Targets()) Exchange(a, b, t.id);
  Exchange(b, a, "");
  auto line_of = [](const ClusterState& st, const std::string& id) {
    std::istringstream in(st.NodesText());
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with(id)) return line;
    }
    return std::string();
  };
  CHECK(line_of(a, b.myid()).ends_with(" connected 8192-16383"));
  Route r = a.Lookup(0);
  CHECK(r.state_ok);
  CHECK(!r.writes_paused);

  // Gossip: b takes slot 0 with a higher epoch.
  REQUIRE(b.SetSlot(0, "importing", a.myid()).ok());
  REQUIRE(b.SetSlot(0, "node", b.myid()).ok());
  CHECK(line_of(b, b.myid()).ends_with(" connected 0 8192-16383"));
  Exchange(b, a, "");
  CHECK(line_of(a, b.myid()).ends_with(" connected 0 8192-16383"));
  CHECK(line_of(a, a.myid()).ends_with(" connected 1-8191"));
  CHECK(a.BuildMessage("PING").find(" connected 1-8191\n") != std::string::npos);
  // DELSLOTS / ADDSLOTS: the state sees the unassigned slot at once.
  REQUIRE(a.DelSlots({5}).ok());
  CHECK(line_of(a, a.myid()).ends_with(" connected 1-4 6-8191"));
  CHECK(!a.Lookup(0).state_ok);
  CHECK(!a.state_ok());
  REQUIRE(a.AddSlots({5}).ok());
  CHECK(a.Lookup(0).state_ok);
  // FLUSHSLOTS and RESET.
  REQUIRE(a.FlushSlots().ok());
  CHECK(line_of(a, a.myid()).ends_with(" connected"));
  CHECK(!a.state_ok());
  REQUIRE(b.Reset(false).ok());
  CHECK(line_of(b, b.myid()).ends_with(" connected"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("SETSLOT rewrites the nodes file in place, shorter or longer", "[cluster][state]") {
  std::string dir = TempDir();
  const std::string path = dir + "/nodes.conf";
  ClusterState st(path, "127.0.0.1", 7000, 17000, 15000);
  REQUIRE(st.Load().ok());
  REQUIRE(st.AddSlots(Range(0, 100)).ok());
  const std::string plain = ReadFile(path);
  REQUIRE(st.SetSlot(17, "migrating", st.myid()).ok());
  REQUIRE(st.SetSlot(18, "migrating", st.myid()).ok());
  CHECK(ReadFile(path).find(" 0-100 [17->-" + st.myid() + "] [18->-" + st.myid() + "]\n") !=
        std::string::npos);
  REQUIRE(st.SetSlot(17, "stable", "").ok());
  REQUIRE(st.SetSlot(18, "stable", "").ok());
  CHECK(ReadFile(path) == plain);  // no padding left behind
  // Marks far apart, set and cleared between writes, all listed.
  REQUIRE(st.SetSlot(100, "migrating", st.myid()).ok());
  REQUIRE(st.SetSlot(3, "migrating", st.myid()).ok());
  REQUIRE(st.SetSlot(50, "migrating", st.myid()).ok());
  auto mark = [&](int slot) { return fmt::format(" [{}->-{}]", slot, st.myid()); };
  CHECK(st.NodesText().find(mark(3) + mark(50) + mark(100) + "\n") != std::string::npos);
  REQUIRE(st.SetSlot(3, "stable", "").ok());
  REQUIRE(st.SetSlot(100, "stable", "").ok());
  REQUIRE(st.SetSlot(7, "migrating", st.myid()).ok());
  CHECK(st.NodesText().find(" 0-100" + mark(7) + mark(50) + "\n") != std::string::npos);
  CHECK(ReadFile(path).find(" 0-100" + mark(7) + mark(50) + "\n") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Two masters with one config epoch: the smaller id bumps", "[cluster][gossip]") {
  std::string dir = TempDir();
  ClusterState a(dir + "/a.conf", "127.0.0.1", 7000, 17000, 15000);
  ClusterState b(dir + "/b.conf", "127.0.0.1", 7001, 17001, 15000);
  REQUIRE(a.Load().ok());
  REQUIRE(b.Load().ok());
  REQUIRE(a.Meet("127.0.0.1", 7001, 17001).ok());
  Exchange(a, b, a.Targets()[0].id);
  for (int i = 0; i < 3; i++) Exchange(a, b, "");
  ClusterState& smaller = a.myid() < b.myid() ? a : b;
  CHECK(smaller.InfoText(0, 0).find("cluster_my_epoch:1\r\n") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Bus messages that do not parse are ignored; only MEET admits a stranger",
          "[cluster][gossip]") {
  std::string dir = TempDir();
  ClusterState a(dir + "/a.conf", "127.0.0.1", 7000, 17000, 15000);
  ClusterState b(dir + "/b.conf", "127.0.0.1", 7001, 17001, 15000);
  REQUIRE(a.Load().ok());
  REQUIRE(b.Load().ok());
  for (const char* junk : {"", "PING", "PING x\n", "PING 1\nshort line\n",
                           "PING 1\nabc 1.2.3.4:5@6 master - 0 0 99999999999999999999 connected\n",
                           "PING 1\n" /* no sender */}) {
    CHECK(a.HandleMessage(junk, "127.0.0.1", "127.0.0.1", "").empty());
  }
  CHECK(a.HandleMessage(b.BuildMessage("PING"), "127.0.0.1", "127.0.0.1", "") == "PING");
  CHECK(a.Nodes().size() == 1);
  CHECK(a.HandleMessage(b.BuildMessage("MEET"), "127.0.0.1", "127.0.0.1", "") == "MEET");
  CHECK(a.Nodes().size() == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("A nodes-file save runs after the state lock is released", "[cluster][state]") {
  // The save's temporary file is a FIFO: opening it for writing blocks until
  // a reader comes. While AddSlots is stuck there, lookups must still answer
  // (they take the state lock); with the write under the lock they would
  // wait for the reader, which only opens once a lookup has answered.
  std::string dir = TempDir();
  ClusterState st(dir + "/nodes.conf", "127.0.0.1", 7000, 17000, 15000);
  REQUIRE(st.Load().ok());
  REQUIRE(mkfifo((dir + "/nodes.conf.tmp").c_str(), 0600) == 0);
  std::atomic<bool> saved{false};
  std::thread writer([&] {
    (void)st.AddSlots({7});  // the FIFO write fails at fsync: only the timing matters
    saved = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::atomic<bool> looked_up{false};
  std::thread reader([&] {
    Route r = st.Lookup(7);  // takes the state lock
    (void)r;
    looked_up = true;
  });
  for (int i = 0; i < 200 && !looked_up; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool answered_while_saving = looked_up && !saved;
  // Unblock the writer whatever happened: read the FIFO to its end.
  std::thread drain([&] { (void)ReadFile(dir + "/nodes.conf.tmp"); });
  writer.join();
  reader.join();
  drain.join();
  CHECK(answered_while_saving);
  CHECK(st.Lookup(7).kind != Route::kUnassigned);
  std::filesystem::remove_all(dir);
}
