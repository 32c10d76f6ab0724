// Crash tests: a child process writes with sync=always from several threads
// and is killed with SIGKILL at a random moment. After reopening, every write
// the child saw acknowledged must be there, and nothing that was never
// written may appear.

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lsmdb/db.h"
#include "tests/storage/db/db_test_util.h"

namespace lsmdb {
namespace {

constexpr int kWriters = 4;

std::string KeyOf(int writer, int i) { return fmt::format("w{}-{:08}", writer, i); }
std::string ValueOf(int writer, int i) {
  return fmt::format("value-{}-{}-", writer, i) + std::string(50 + (i % 200), 'a' + writer);
}

// Child: writes forever; after each acknowledged write, reports "writer index"
// on the pipe. Never returns.
// With manual_wal_flush the child runs in everysec mode and calls FlushWal
// before acknowledging, as the server does per pipeline: a process crash
// (not a power cut) must still lose nothing acknowledged.
[[noreturn]] void RunChild(const std::string& dir, int fd, bool manual_wal_flush) {
  Options o = test::SmallOptions();
  o.sync_mode = manual_wal_flush ? SyncMode::kEverySec : SyncMode::kAlways;
  o.manual_wal_flush = manual_wal_flush;
  o.info_log = nullptr;
  auto opened = DB::Open(o, dir);
  if (!opened.ok()) _exit(3);
  std::unique_ptr<DB> db = std::move(opened).value();
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; w++) {
    threads.emplace_back([&, w] {
      for (int i = 0;; i++) {
        WriteBatch batch;  // two keys per batch: both or neither must survive
        batch.Put(KeyOf(w, i), ValueOf(w, i));
        batch.Put(KeyOf(w, i) + "-twin", ValueOf(w, i));
        if (!db->Write(WriteOptions(), batch).ok()) _exit(4);
        if (manual_wal_flush && !db->FlushWal().ok()) _exit(6);
        int32_t msg[2] = {w, i};
        if (write(fd, msg, sizeof msg) != sizeof msg) _exit(5);
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(0);
}

}  // namespace

TEST_CASE("a process killed with SIGKILL loses no acknowledged write",
          "[storage][db][crash]") {
  test::TempDir dir;
  std::mt19937 rng(42);
  std::vector<int> acked(kWriters, -1);  // highest acknowledged index per writer
  const int kRounds = 6;
  for (int round = 0; round < kRounds; round++) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      RunChild(dir.path(), fds[1], round % 2 == 1);
    }
    close(fds[1]);
    // Read acknowledgements for a random time, then kill.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200 + rng() % 600);
    int32_t msg[2];
    while (std::chrono::steady_clock::now() < deadline) {
      if (read(fds[0], msg, sizeof msg) != sizeof msg) break;
      acked[msg[0]] = std::max(acked[msg[0]], msg[1]);
    }
    kill(pid, SIGKILL);
    // Drain what was acknowledged before the kill landed.
    while (read(fds[0], msg, sizeof msg) == sizeof msg) acked[msg[0]] = std::max(acked[msg[0]], msg[1]);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));

    Options o = test::SmallOptions();
    auto db = test::OpenOrDie(o, dir.path());
    for (int w = 0; w < kWriters; w++) {
      // Every acknowledged write is present (this round and earlier ones).
      for (int i = 0; i <= acked[w]; i++) {
        std::string v;
        auto found = db->Get(ReadOptions(), KeyOf(w, i), &v);
        REQUIRE(found.ok());
        INFO("round " << round << " writer " << w << " index " << i << " acked " << acked[w]);
        REQUIRE(*found);
        REQUIRE(v == ValueOf(w, i));
      }
    }
    // Nothing torn: every key present has its exact value and its twin.
    auto it = db->NewIterator(ReadOptions());
    size_t keys = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string k(it->key());
      if (k.size() > 5 && k.substr(k.size() - 5) == "-twin") continue;
      int w = k[1] - '0';
      int i = std::stoi(k.substr(3));
      REQUIRE(it->value() == ValueOf(w, i));
      std::string twin;
      auto found = db->Get(ReadOptions(), k + "-twin", &twin);
      REQUIRE((found.ok() && *found));
      keys++;
    }
    REQUIRE(it->status().ok());
    INFO("keys after round " << round << ": " << keys);
    CHECK(keys > 0);
    // The child restarts the numbering at 0 each round, overwriting the same
    // keys with the same values, so the checks above stay exact.
  }
}

}  // namespace lsmdb
