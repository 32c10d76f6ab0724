#pragma once

// Helpers shared by the engine's DB-level tests.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "lsmdb/db.h"

namespace lsmdb::test {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/lsmdb-test-XXXXXX";
    char* p = mkdtemp(tmpl.data());
    REQUIRE(p != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { (void)DestroyDB(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Small buffers and files so that a few thousand writes exercise flushes and
// every compaction path.
inline Options SmallOptions() {
  Options o;
  o.write_buffer_size = 32 << 10;
  o.target_file_size = 16 << 10;
  o.max_bytes_for_level_base = 64 << 10;
  o.level0_compaction_trigger = 2;
  o.block_size = 512;
  o.block_cache_bytes = 64 << 10;
  o.sync_mode = SyncMode::kNone;
  // The engine logs from its background threads too, and Catch's message
  // calls are not thread-safe (UNSCOPED_INFO from a compaction thread raced
  // the test thread: heap-use-after-free under ASan). stderr is: one fprintf
  // per line.
  o.info_log = [](int level, std::string_view msg) {
    if (level == 0)
      std::fprintf(stderr, "[engine] %.*s\n", static_cast<int>(msg.size()), msg.data());
  };
  return o;
}

inline std::unique_ptr<DB> OpenOrDie(const Options& options, const std::string& dir) {
  auto db = DB::Open(options, dir);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

}  // namespace lsmdb::test
