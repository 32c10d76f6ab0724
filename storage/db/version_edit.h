#pragma once

// VersionEdit: one change to the set of live table files, as written to the
// manifest. Format of one manifest record (a WAL-format record, see
// storage/wal/wal_writer.cc), a sequence of tagged fields:
//
//   kComparator      1  lp-string            (always "lsmdb.bytewise")
//   kLogNumber       2  varint64             oldest WAL still needed
//   kNextFileNumber  3  varint64
//   kLastSequence    4  varint64
//   kCompactPointer  5  varint32 level | lp-string internal key
//   kDeletedFile     6  varint32 level | varint64 number
//   kNewFile         7  varint32 level | varint64 number | varint64 size |
//                       lp-string smallest | lp-string largest | varint64 entries
//
// (lp-string = varint32 length + bytes.) Unknown tags are Corruption.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsmdb/status.h"

namespace lsmdb::storage {

struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  uint64_t num_entries = 0;
  std::string smallest;  // internal keys
  std::string largest;
};
using FileRef = std::shared_ptr<const FileMetaData>;

class VersionEdit {
 public:
  void SetLogNumber(uint64_t n) { log_number_ = n; }
  void SetNextFile(uint64_t n) { next_file_number_ = n; }
  void SetLastSequence(uint64_t n) { last_sequence_ = n; }
  void SetCompactPointer(int level, std::string key) {
    compact_pointers_.emplace_back(level, std::move(key));
  }
  void AddFile(int level, FileMetaData f) { new_files_.emplace_back(level, std::move(f)); }
  void RemoveFile(int level, uint64_t number) { deleted_files_.emplace(level, number); }

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(std::string_view src);
  std::string DebugString() const;

  std::optional<uint64_t> log_number_;
  std::optional<uint64_t> next_file_number_;
  std::optional<uint64_t> last_sequence_;
  std::vector<std::pair<int, std::string>> compact_pointers_;
  std::set<std::pair<int, uint64_t>> deleted_files_;
  std::vector<std::pair<int, FileMetaData>> new_files_;
};

}  // namespace lsmdb::storage
