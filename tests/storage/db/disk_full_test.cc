// Disk full: writes fail with a clear IOError, reads keep working, nothing is
// corrupted, and writes succeed again once space is freed. Runs on a small
// tmpfs; skipped (with a message) where mounting is not permitted.

#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <string>

#include "lsmdb/db.h"
#include "storage/util/file.h"
#include "tests/storage/db/db_test_util.h"

namespace lsmdb {

namespace {

// manual_flush + kAlways is the server's setup: the records reach the file in
// the sync thread's FlushWal, so the out-of-space error surfaces there.
void FillFreeAndResume(bool manual_flush, SyncMode sync_mode) {
  test::TempDir dir;
  std::string mnt = dir.Sub("mnt");
  REQUIRE(storage::CreateDirIfMissing(mnt).ok());
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") != 0) {
    WARN("cannot mount a tmpfs here (not root?): disk-full test skipped");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};

  // A filler file takes half the space; deleting it later frees room.
  {
    auto filler = storage::WritableFile::Open(mnt + "/filler");
    REQUIRE(filler.ok());
    REQUIRE((*filler)->Append(std::string(2 << 20, 'f')).ok());
    REQUIRE((*filler)->Close().ok());
  }
  Options o = test::SmallOptions();
  o.write_buffer_size = 256 << 10;
  o.compression = Compression::kNone;
  o.manual_wal_flush = manual_flush;
  o.sync_mode = sync_mode;
  auto db = test::OpenOrDie(o, mnt + "/db");
  int acked = 0;
  Status failure;
  for (int i = 0; i < 100000; i++) {
    Status s = db->Put(WriteOptions(), fmt::format("key{:06}", i), std::string(200, 'v'));
    if (!s.ok()) {
      failure = s;
      break;
    }
    acked = i + 1;
  }
  REQUIRE_FALSE(failure.ok());
  INFO(failure.ToString());
  CHECK(failure.IsIOError());
  CHECK(failure.message().find("No space left") != std::string::npos);
  // Reads keep working while the disk is full.
  std::string v;
  auto r = db->Get(ReadOptions(), "key000000", &v);
  REQUIRE(r.ok());
  CHECK(*r);
  // Free space: writes succeed again (a flush may need a retry second).
  REQUIRE(storage::RemoveFile(mnt + "/filler").ok());
  Status resumed;
  for (int attempt = 0; attempt < 50; attempt++) {
    resumed = db->Put(WriteOptions(), "after-full", "ok");
    if (resumed.ok()) break;
    usleep(100 * 1000);
  }
  INFO(resumed.ToString());
  REQUIRE(resumed.ok());
  db.reset();
  db = test::OpenOrDie(o, mnt + "/db");
  for (int i = 0; i < acked; i += 97) {
    r = db->Get(ReadOptions(), fmt::format("key{:06}", i), &v);
    REQUIRE(r.ok());
    REQUIRE(*r);
  }
  r = db->Get(ReadOptions(), "after-full", &v);
  REQUIRE(r.ok());
  CHECK(*r);
}

}  // namespace

TEST_CASE("a full disk fails writes cleanly and they resume once space is freed",
          "[storage][db][diskfull]") {
  FillFreeAndResume(/*manual_flush=*/false, SyncMode::kEverySec);
}

TEST_CASE("with buffered WAL writes and fsync always, a full disk fails the waiting writes "
          "and later writes resume once space is freed",
          "[storage][db][diskfull]") {
  FillFreeAndResume(/*manual_flush=*/true, SyncMode::kAlways);
}

}  // namespace lsmdb
