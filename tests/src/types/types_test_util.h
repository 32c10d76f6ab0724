#pragma once

// Test helpers for src/types: a real lsmdb::DB in a fresh temp directory, a
// Committer that calls DB::Write, and a clock the test moves by hand.

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "lsmdb/db.h"
#include "src/types/committer.h"
#include "src/types/compaction_filter.h"
#include "src/types/keyspace.h"

namespace lsmdb::server::test {

class DirectCommitter : public Committer {
 public:
  explicit DirectCommitter(lsmdb::DB* db) : db_(db) {}
  Status Commit(WriteBatch& batch) override {
    ++commits;
    return db_->Write(lsmdb::WriteOptions{}, batch);
  }
  std::atomic<int> commits{0};

 private:
  lsmdb::DB* db_;
};

// A clock at a fixed unix ms that tests advance.
struct ManualClock {
  std::atomic<int64_t> now_ms{1'700'000'000'000};
  Clock AsClock() {
    return [this] { return now_ms.load(); };
  }
};

// A DB in a temp dir with a KeyspaceCompactionFilter, a Keyspace over it and
// a DirectCommitter. Reopen() closes and reopens everything on the same dir.
class KeyspaceFixture {
 public:
  KeyspaceFixture() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lsmdb-types-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    dir_ = made != nullptr ? std::string(made) : tmpl;
    Open();
  }
  ~KeyspaceFixture() {
    Close();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Open() {
    filter = std::make_unique<KeyspaceCompactionFilter>(clock.AsClock());
    lsmdb::Options options;
    options.compaction_filter = filter.get();
    options.write_buffer_size = 1 << 20;
    auto opened = lsmdb::DB::Open(options, dir_ + "/db");
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    keyspace = std::make_unique<Keyspace>(db.get(), clock.AsClock(), filter.get());
    committer = std::make_unique<DirectCommitter>(db.get());
  }
  void Close() {
    committer.reset();
    keyspace.reset();
    db.reset();
    filter.reset();
  }
  void Reopen() {
    Close();
    Open();
  }

  ManualClock clock;
  std::unique_ptr<KeyspaceCompactionFilter> filter;
  std::unique_ptr<lsmdb::DB> db;
  std::unique_ptr<Keyspace> keyspace;
  std::unique_ptr<DirectCommitter> committer;

 private:
  std::string dir_;
};

}  // namespace lsmdb::server::test
