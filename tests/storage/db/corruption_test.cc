// Corruption tests: bytes flipped in a table, the WAL or the manifest are
// reported as Corruption naming the file; nothing crashes and no wrong value
// is returned.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "lsmdb/db.h"
#include "storage/util/file.h"
#include "tests/storage/db/db_test_util.h"

namespace lsmdb {
namespace {

void FlipByte(const std::string& path, uint64_t offset) {
  int fd = open(path.c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  char c;
  REQUIRE(pread(fd, &c, 1, offset) == 1);
  c ^= 0x5a;
  REQUIRE(pwrite(fd, &c, 1, offset) == 1);
  close(fd);
}

std::string FindFile(const std::string& dir, std::string_view suffix_or_prefix, bool prefix) {
  auto names = storage::ListDir(dir);
  REQUIRE(names.ok());
  for (const auto& n : *names) {
    bool match = prefix ? n.rfind(suffix_or_prefix, 0) == 0
                        : n.size() > suffix_or_prefix.size() &&
                              n.substr(n.size() - suffix_or_prefix.size()) == suffix_or_prefix;
    if (match) return dir + "/" + n;
  }
  FAIL("no file matching " << suffix_or_prefix);
  return "";
}

void Fill(DB& db, int n) {
  for (int i = 0; i < n; i++) {
    REQUIRE(db.Put(WriteOptions(), fmt::format("key{:06}", i), fmt::format("value{:06}", i) +
                                                                   std::string(80, 'v'))
                .ok());
  }
}

}  // namespace

TEST_CASE("a flipped byte in a table is reported as corruption, never a wrong value",
          "[storage][db][corruption]") {
  test::TempDir dir;
  Options o = test::SmallOptions();
  o.write_buffer_size = 4 << 20;  // one table
  o.compression = Compression::kNone;
  {
    auto db = test::OpenOrDie(o, dir.path());
    Fill(*db, 2000);
    REQUIRE(db->Flush().ok());
  }
  std::string table = FindFile(dir.path(), ".sst", false);
  FlipByte(table, 1000);  // inside an early data block
  auto db = test::OpenOrDie(o, dir.path());
  bool saw_corruption = false;
  for (int i = 0; i < 2000; i++) {
    std::string v;
    auto r = db->Get(ReadOptions(), fmt::format("key{:06}", i), &v);
    if (!r.ok()) {
      CHECK(r.status().IsCorruption());
      CHECK(r.status().message().find(".sst") != std::string::npos);
      saw_corruption = true;
    } else {
      REQUIRE(*r);
      REQUIRE(v == fmt::format("value{:06}", i) + std::string(80, 'v'));
    }
  }
  CHECK(saw_corruption);
  auto it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  CHECK(it->status().IsCorruption());
}

TEST_CASE("a flipped byte in the middle of the WAL stops Open unless repair is asked",
          "[storage][db][corruption]") {
  test::TempDir dir;
  Options o = test::SmallOptions();
  o.write_buffer_size = 64 << 20;  // everything stays in the WAL
  {
    auto db = test::OpenOrDie(o, dir.path());
    Fill(*db, 3000);
  }
  std::string wal = FindFile(dir.path(), ".log", false);
  auto size = storage::FileSize(wal);
  REQUIRE(size.ok());
  FlipByte(wal, *size / 2);
  auto bad = DB::Open(o, dir.path());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().IsCorruption());
  CHECK(bad.status().message().find(".log") != std::string::npos);
  CHECK(bad.status().message().find("offset") != std::string::npos);

  o.repair_wal = true;
  auto db = test::OpenOrDie(o, dir.path());
  std::string v;
  auto r = db->Get(ReadOptions(), "key000000", &v);
  REQUIRE(r.ok());
  CHECK(*r);
}

TEST_CASE("a torn WAL tail is dropped silently and the rest is kept",
          "[storage][db][corruption]") {
  test::TempDir dir;
  Options o = test::SmallOptions();
  o.write_buffer_size = 64 << 20;
  {
    auto db = test::OpenOrDie(o, dir.path());
    Fill(*db, 500);
  }
  std::string wal = FindFile(dir.path(), ".log", false);
  auto size = storage::FileSize(wal);
  REQUIRE(size.ok());
  REQUIRE(truncate(wal.c_str(), *size - 30) == 0);
  auto db = test::OpenOrDie(o, dir.path());
  std::string v;
  auto r = db->Get(ReadOptions(), "key000498", &v);
  REQUIRE(r.ok());
  CHECK(*r);
  r = db->Get(ReadOptions(), "key000499", &v);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);  // the torn last write is gone, nothing else
}

TEST_CASE("a flipped byte in the manifest makes Open fail with Corruption",
          "[storage][db][corruption]") {
  test::TempDir dir;
  Options o = test::SmallOptions();
  {
    auto db = test::OpenOrDie(o, dir.path());
    Fill(*db, 3000);
    REQUIRE(db->Flush().ok());
  }
  std::string manifest = FindFile(dir.path(), "MANIFEST-", true);
  FlipByte(manifest, 20);
  auto db = DB::Open(o, dir.path());
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().IsCorruption());
  CHECK(db.status().message().find("MANIFEST") != std::string::npos);
}

TEST_CASE("a checkpoint opens as an independent copy of the DB", "[storage][db][checkpoint]") {
  test::TempDir dir;
  Options o = test::SmallOptions();
  auto db = test::OpenOrDie(o, dir.path());
  Fill(*db, 3000);  // some in tables, some in the WAL
  REQUIRE(db->Checkpoint(dir.Sub("ckpt")).ok());
  REQUIRE(db->Put(WriteOptions(), "after", "x").ok());
  auto copy = test::OpenOrDie(o, dir.Sub("ckpt"));
  std::string v;
  for (int i = 0; i < 3000; i += 7) {
    auto r = copy->Get(ReadOptions(), fmt::format("key{:06}", i), &v);
    REQUIRE(r.ok());
    REQUIRE(*r);
  }
  auto r = copy->Get(ReadOptions(), "after", &v);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
  CHECK_FALSE(db->Checkpoint(dir.Sub("ckpt")).ok());  // target exists
}

}  // namespace lsmdb
