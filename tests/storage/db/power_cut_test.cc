// Power-cut simulation: while writers run with sync=always and flushes and
// compactions happen in the background, the DB directory is copied as a power
// cut would leave it (every file cut to what fsync made durable). Each copy
// must open and hold every write acknowledged before the copy began.

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "lsmdb/db.h"
#include "storage/util/file.h"
#include "tests/storage/db/db_test_util.h"

namespace lsmdb {

TEST_CASE("a simulated power cut keeps every synced write and opens consistently",
          "[storage][db][crash]") {
  test::TempDir dir;
  storage::fault::EnableTracking(true);
  struct TrackingOff {
    ~TrackingOff() { storage::fault::EnableTracking(false); }
  } tracking_off;
  Options o = test::SmallOptions();
  o.sync_mode = SyncMode::kAlways;
  auto db = test::OpenOrDie(o, dir.Sub("db"));
  constexpr int kWriters = 3;
  std::atomic<int> acked[kWriters];
  for (auto& a : acked) a = -1;
  std::atomic<bool> stop{false};
  // Declared after `db`, so destroyed first: a failed REQUIRE below unwinds
  // through here, and the writers stop before the DB goes (instead of
  // std::terminate on joinable threads and writes into a freed DB).
  struct Writers {
    std::atomic<bool>& stop;
    std::vector<std::thread> threads;
    ~Writers() {
      stop = true;
      for (auto& t : threads) t.join();
    }
  } writers{stop, {}};
  for (int w = 0; w < kWriters; w++) {
    writers.threads.emplace_back([&, w] {
      for (int i = 0; !stop.load(); i++) {
        std::string k = fmt::format("w{}-{:07}", w, i);
        if (!db->Put(WriteOptions(), k, k + std::string(100, 'p')).ok()) return;
        acked[w].store(i);
      }
    });
  }
  for (int cut = 0; cut < 6; cut++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    int seen[kWriters];
    for (int w = 0; w < kWriters; w++) seen[w] = acked[w].load();
    std::string copy = dir.Sub(fmt::format("cut{}", cut));
    REQUIRE(storage::fault::CopySyncedState(dir.Sub("db"), copy).ok());
    auto restored = DB::Open(o, copy);
    INFO(restored.status().ToString());
    REQUIRE(restored.ok());
    for (int w = 0; w < kWriters; w++) {
      for (int i = 0; i <= seen[w]; i++) {
        std::string k = fmt::format("w{}-{:07}", w, i), v;
        auto r = (*restored)->Get(ReadOptions(), k, &v);
        REQUIRE(r.ok());
        INFO("cut " << cut << " key " << k);
        REQUIRE(*r);
        REQUIRE(v == k + std::string(100, 'p'));
      }
    }
  }
}

TEST_CASE("the compaction filter removes entries without resurrecting older versions",
          "[storage][db][filter]") {
  // Drops every value that starts with "expired".
  struct ExpiredFilter : CompactionFilter {
    Decision Filter(int, std::string_view, std::string_view value) const override {
      return value.substr(0, 7) == "expired" ? Decision::kRemove : Decision::kKeep;
    }
  } filter;
  test::TempDir dir;
  Options o = test::SmallOptions();
  o.compaction_filter = &filter;
  auto db = test::OpenOrDie(o, dir.path());
  for (int i = 0; i < 1000; i++) {
    REQUIRE(db->Put(WriteOptions(), fmt::format("k{:04}", i), "live-old").ok());
  }
  REQUIRE(db->CompactRange(nullptr, nullptr).ok());  // old versions now deep
  for (int i = 0; i < 1000; i += 2) {
    REQUIRE(db->Put(WriteOptions(), fmt::format("k{:04}", i), "expired-new").ok());
  }
  REQUIRE(db->Flush().ok());
  REQUIRE(db->CompactRange(nullptr, nullptr).ok());
  for (int i = 0; i < 1000; i++) {
    std::string v;
    auto r = db->Get(ReadOptions(), fmt::format("k{:04}", i), &v);
    REQUIRE(r.ok());
    if (i % 2 == 0) {
      CHECK_FALSE(*r);  // removed, and "live-old" did not come back
    } else {
      REQUIRE(*r);
      CHECK(v == "live-old");
    }
  }
}

}  // namespace lsmdb

namespace lsmdb {

TEST_CASE("a transaction applied without the WAL and logged once survives a crash whole",
          "[storage][db][txn]") {
  test::TempDir dir;
  Options o = test::SmallOptions();
  o.write_buffer_size = 64 << 20;
  {
    auto db = test::OpenOrDie(o, dir.path());
    WriteOptions memtable_only;
    memtable_only.disable_wal = true;
    WriteBatch step1, step2, whole;
    step1.Put("a", "1");
    step2.Put("b", "2");
    REQUIRE(db->Write(memtable_only, step1).ok());
    REQUIRE(db->Write(memtable_only, step2).ok());
    std::string v;
    REQUIRE(*db->Get(ReadOptions(), "b", &v));  // visible before it is logged
    whole.Append(step1);
    whole.Append(step2);
    WriteOptions log_only;
    log_only.wal_only = true;
    REQUIRE(db->Write(log_only, whole).ok());
    WriteBatch step3;  // applied but never logged: lost by the "crash"
    step3.Put("c", "3");
    REQUIRE(db->Write(memtable_only, step3).ok());
  }
  auto db = test::OpenOrDie(o, dir.path());
  std::string v;
  CHECK(*db->Get(ReadOptions(), "a", &v));
  CHECK(*db->Get(ReadOptions(), "b", &v));
  CHECK_FALSE(*db->Get(ReadOptions(), "c", &v));
}

}  // namespace lsmdb

namespace lsmdb {

TEST_CASE("the replication backlog serves every logged batch after a sequence, until trimmed",
          "[storage][db][backlog]") {
  test::TempDir dir;
  Options o = test::SmallOptions();
  o.replication_backlog_bytes = 4096;
  auto db = test::OpenOrDie(o, dir.path());
  int notified = 0;
  db->SetUpdateListener([&] { notified++; });
  uint64_t start = db->LatestSequence();
  for (int i = 0; i < 10; i++) {
    REQUIRE(db->Put(WriteOptions(), fmt::format("k{}", i), "v").ok());
  }
  CHECK(notified == 10);
  std::vector<std::string> batches;
  auto covered = db->ReadUpdatesSince(start + 4, 1 << 20, &batches);
  REQUIRE(covered.ok());
  REQUIRE(*covered);
  REQUIRE(batches.size() == 6);
  WriteBatch b;
  REQUIRE(b.SetContents(batches.front()).ok());
  CHECK(b.Sequence() == start + 5);
  batches.clear();
  REQUIRE(*db->ReadUpdatesSince(db->LatestSequence(), 1 << 20, &batches));  // caught up
  CHECK(batches.empty());
  CHECK_FALSE(*db->ReadUpdatesSince(db->LatestSequence() + 5, 1 << 20, &batches));  // ahead
  // Past the byte bound the oldest records go.
  for (int i = 0; i < 200; i++) {
    REQUIRE(db->Put(WriteOptions(), fmt::format("k{}", i), std::string(100, 'x')).ok());
  }
  CHECK_FALSE(*db->ReadUpdatesSince(start, 1 << 20, &batches));
  db->SetUpdateListener(nullptr);
}

}  // namespace lsmdb
