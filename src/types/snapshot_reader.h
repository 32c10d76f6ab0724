#pragma once

// SnapshotReader pins an engine snapshot for the life of one multi-record
// read, so that the metadata and the elements it names are seen as of one
// moment (a concurrent push/pop moves a list's head/tail, a ZADD moves a
// member's score record and its index entry together).

#include "lsmdb/db.h"

namespace lsmdb::server {

class SnapshotReader {
 public:
  explicit SnapshotReader(lsmdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {
    options_.snapshot = snapshot_;
  }
  ~SnapshotReader() { db_->ReleaseSnapshot(snapshot_); }
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;
  const lsmdb::ReadOptions& options() const { return options_; }

 private:
  lsmdb::DB* db_;
  const lsmdb::Snapshot* snapshot_;
  lsmdb::ReadOptions options_;
};

}  // namespace lsmdb::server
