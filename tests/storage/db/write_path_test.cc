// The write path under the server's load: several threads committing small
// batches (group commit, spinning followers), the replication backlog's
// chunked storage, and what a reopen finds afterwards.

#include <fmt/format.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lsmdb/db.h"
#include "tests/storage/db/db_test_util.h"

namespace lsmdb {
namespace {

// The server's engine options: everysec, manual WAL flush, a backlog.
Options ServerLikeOptions(size_t backlog_bytes) {
  Options o = test::SmallOptions();
  o.sync_mode = SyncMode::kEverySec;
  o.manual_wal_flush = true;
  o.replication_backlog_bytes = backlog_bytes;
  return o;
}

TEST_CASE("concurrent small writers through Write and WriteAsync all land, once, in order",
          "[storage][db][write]") {
  test::TempDir dir;
  const Options o = ServerLikeOptions(1 << 20);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 3000;
  uint64_t start;
  {
    auto db = test::OpenOrDie(o, dir.path());
    start = db->LatestSequence();
    std::atomic<int> callbacks{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back([&, t] {
        WriteBatch batch;
        for (int i = 0; i < kPerThread; i++) {
          batch.Clear();
          // 1-3 records of a few dozen bytes, as the server's commands write.
          batch.Put(fmt::format("t{}-k{:05}", t, i), fmt::format("v{}-{}", t, i));
          if (i % 3 == 1) batch.Put(fmt::format("t{}-meta", t), fmt::format("{}", i));
          if (i % 3 == 2) batch.Delete(fmt::format("t{}-k{:05}", t, i - 1));
          Status s = i % 2 == 0 ? db->WriteAsync(WriteOptions(), batch,
                                                 [&](Status st) {
                                                   if (!st.ok()) failures++;
                                                   callbacks++;
                                                 })
                                : db->Write(WriteOptions(), batch);
          if (!s.ok()) failures++;
          if (i % 16 == 15 && !db->FlushWal().ok()) failures++;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures.load() == 0);
    CHECK(callbacks.load() == kThreads * kPerThread / 2);
    // Every record got its own sequence number: 1 + (i%3 != 0) per batch.
    uint64_t records = 0;
    for (int i = 0; i < kPerThread; i++) records += i % 3 == 0 ? 1 : 2;
    CHECK(db->LatestSequence() == start + kThreads * records);
  }
  // Reopened (WAL replay and flushed tables), the state is the expected one.
  auto db = test::OpenOrDie(o, dir.path());
  for (int t = 0; t < kThreads; t++) {
    for (int i = 0; i < kPerThread; i++) {
      std::string v;
      auto found = db->Get(ReadOptions(), fmt::format("t{}-k{:05}", t, i), &v);
      REQUIRE(found.ok());
      const bool deleted = i % 3 == 1;  // deleted by batch i + 1
      REQUIRE(*found == !deleted);
      if (!deleted) REQUIRE(v == fmt::format("v{}-{}", t, i));
    }
    std::string meta;
    REQUIRE(*db->Get(ReadOptions(), fmt::format("t{}-meta", t), &meta));
    CHECK(meta == fmt::format("{}", (kPerThread - 1) / 3 * 3 + 1));
  }
}

TEST_CASE("the replication backlog returns every kept record byte for byte across chunks",
          "[storage][db][backlog]") {
  test::TempDir dir;
  // 64 KiB of backlog is kept in 8 KiB chunks: thousands of records cross
  // many chunk boundaries and the oldest chunks are dropped.
  auto db = test::OpenOrDie(ServerLikeOptions(64 << 10), dir.path());
  std::mt19937 rng(7);
  std::vector<std::string> logged;  // contents of each write, as logged
  for (int i = 0; i < 4000; i++) {
    WriteBatch batch;
    const int records = 1 + static_cast<int>(rng() % 3);
    for (int r = 0; r < records; r++) {
      batch.Put(fmt::format("key{}-{}", i, r),
                std::string(rng() % 300, static_cast<char>('a' + i % 26)));
    }
    if (i % 500 == 0) batch.Put("big", std::string(20000, 'B'));  // larger than a chunk
    REQUIRE(db->Write(WriteOptions(), batch).ok());
    logged.push_back(batch.Contents());  // the sequence is set by Write
  }
  // Find how far back the backlog reaches, then read it all from there.
  size_t first = logged.size();
  while (first > 0) {
    WriteBatch b;
    REQUIRE(b.SetContents(logged[first - 1]).ok());
    std::vector<std::string> probe;
    if (!*db->ReadUpdatesSince(b.Sequence() - 1, 1, &probe)) break;
    first--;
  }
  REQUIRE(first > 0);                    // trimmed: the start is gone
  REQUIRE(logged.size() - first > 100);  // but much is kept
  WriteBatch oldest;
  REQUIRE(oldest.SetContents(logged[first]).ok());
  std::vector<std::string> got;
  uint64_t after = oldest.Sequence() - 1;
  while (true) {
    std::vector<std::string> part;
    REQUIRE(*db->ReadUpdatesSince(after, 10000, &part));  // small reads: many calls
    if (part.empty()) break;
    for (auto& p : part) got.push_back(p);
    WriteBatch last;
    REQUIRE(last.SetContents(got.back()).ok());
    after = last.Sequence() + last.Count() - 1;
  }
  REQUIRE(got.size() == logged.size() - first);
  for (size_t i = 0; i < got.size(); i++) REQUIRE(got[i] == logged[first + i]);
}

// Get's row cache (db_impl.h RowCache) answers repeated reads of keys that
// live only in table files; it must never hide a newer write or show a
// snapshot reader an entry newer than its snapshot.
TEST_CASE("repeated Gets of flushed keys see every later write and respect snapshots",
          "[storage][db][read]") {
  test::TempDir dir;
  auto db = test::OpenOrDie(test::SmallOptions(), dir.path());
  auto get = [&](std::string_view key, const Snapshot* snap = nullptr) -> std::string {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    auto found = db->Get(ro, key, &v);
    REQUIRE(found.ok());
    return *found ? v : std::string("<none>");
  };
  auto put = [&](std::string_view k, std::string_view v) {
    WriteBatch b;
    b.Put(k, v);
    REQUIRE(db->Write(WriteOptions(), b).ok());
  };
  auto del = [&](std::string_view k) {
    WriteBatch b;
    b.Delete(k);
    REQUIRE(db->Write(WriteOptions(), b).ok());
  };
  put("hot", "v1");
  put("gone", "g1");
  REQUIRE(db->Flush().ok());
  for (int i = 0; i < 3; i++) {  // the first read fills the cache, the rest hit it
    CHECK(get("hot") == "v1");
    CHECK(get("gone") == "g1");
    CHECK(get("absent") == "<none>");
  }
  const Snapshot* s1 = db->GetSnapshot();
  put("hot", "v2");  // in the memtable: it answers before the tables
  del("gone");
  put("absent", "now");
  CHECK(get("hot") == "v2");
  CHECK(get("gone") == "<none>");
  CHECK(get("absent") == "now");
  CHECK(get("hot", s1) == "v1");
  REQUIRE(db->Flush().ok());  // now the newer entries are in tables too
  for (int i = 0; i < 3; i++) {
    CHECK(get("hot") == "v2");
    CHECK(get("gone") == "<none>");
    CHECK(get("absent") == "now");
    // The snapshot predates the newest table entries: no cached answer.
    CHECK(get("hot", s1) == "v1");
    CHECK(get("gone", s1) == "g1");
    CHECK(get("absent", s1) == "<none>");
  }
  db->ReleaseSnapshot(s1);
  REQUIRE(db->CompactRange(nullptr, nullptr).ok());
  CHECK(get("hot") == "v2");
  CHECK(get("gone") == "<none>");
  CHECK(get("absent") == "now");
}

}  // namespace
}  // namespace lsmdb
