#pragma once

// Helpers shared by the storage/sst tests: a temporary directory and a few
// key builders.

#include <fmt/format.h>
#include <stdlib.h>

#include <string>

#include "storage/db/dbformat.h"
#include "storage/util/file.h"

namespace lsmdb::storage::sst_test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/lsmdb_sst_test_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { (void)RemoveDirRecursive(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Replaces the file's contents (no fsync: tests rewrite files thousands of times).
inline Status WriteFileFast(const std::string& path, std::string_view data) {
  LSMDB_ASSIGN_OR_RETURN(auto f, WritableFile::Open(path));
  LSMDB_RETURN_IF_ERROR(f->Append(data));
  return f->Close();
}

inline std::string UserKey(int i) { return fmt::format("key{:08}", i); }
// The internal key that seeks to the newest version of `user_key`.
inline std::string LookupKey(std::string_view user_key) {
  return MakeInternalKey(user_key, kMaxSequenceNumber, kValueTypeForSeek);
}

}  // namespace lsmdb::storage::sst_test
