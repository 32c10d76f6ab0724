#include "storage/db/version_edit.h"

#include <fmt/format.h>

#include "storage/util/coding.h"

namespace lsmdb::storage {
namespace {

enum Tag : uint32_t {
  kComparator = 1,
  kLogNumber = 2,
  kNextFileNumber = 3,
  kLastSequence = 4,
  kCompactPointer = 5,
  kDeletedFile = 6,
  kNewFile = 7,
};

// Must equal kMaxNumLevels (version_set.h): a level past it would index out
// of Version::files. Checked by a static_assert in version_set.cc.
constexpr int kMaxLevels = 7;

}  // namespace

void VersionEdit::EncodeTo(std::string* dst) const {
  if (log_number_) {
    PutVarint32(dst, kLogNumber);
    PutVarint64(dst, *log_number_);
  }
  if (next_file_number_) {
    PutVarint32(dst, kNextFileNumber);
    PutVarint64(dst, *next_file_number_);
  }
  if (last_sequence_) {
    PutVarint32(dst, kLastSequence);
    PutVarint64(dst, *last_sequence_);
  }
  for (const auto& [level, key] : compact_pointers_) {
    PutVarint32(dst, kCompactPointer);
    PutVarint32(dst, level);
    PutLengthPrefixed(dst, key);
  }
  for (const auto& [level, number] : deleted_files_) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, level);
    PutVarint64(dst, number);
  }
  for (const auto& [level, f] : new_files_) {
    PutVarint32(dst, kNewFile);
    PutVarint32(dst, level);
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixed(dst, f.smallest);
    PutLengthPrefixed(dst, f.largest);
    PutVarint64(dst, f.num_entries);
  }
}

Status VersionEdit::DecodeFrom(std::string_view in) {
  *this = VersionEdit();
  auto bad = [](const char* what) {
    return Status::Corruption(fmt::format("manifest record: bad {}", what));
  };
  auto get_level = [&](uint32_t* level) { return GetVarint32(&in, level) && *level < kMaxLevels; };
  while (!in.empty()) {
    uint32_t tag;
    if (!GetVarint32(&in, &tag)) return bad("tag");
    uint64_t v;
    uint32_t level;
    std::string_view s;
    switch (tag) {
      case kComparator:
        if (!GetLengthPrefixed(&in, &s)) return bad("comparator");
        break;
      case kLogNumber:
        if (!GetVarint64(&in, &v)) return bad("log number");
        log_number_ = v;
        break;
      case kNextFileNumber:
        if (!GetVarint64(&in, &v)) return bad("next file number");
        next_file_number_ = v;
        break;
      case kLastSequence:
        if (!GetVarint64(&in, &v)) return bad("last sequence");
        last_sequence_ = v;
        break;
      case kCompactPointer:
        if (!get_level(&level) || !GetLengthPrefixed(&in, &s)) return bad("compact pointer");
        compact_pointers_.emplace_back(level, std::string(s));
        break;
      case kDeletedFile:
        if (!get_level(&level) || !GetVarint64(&in, &v)) return bad("deleted file");
        deleted_files_.emplace(level, v);
        break;
      case kNewFile: {
        FileMetaData f;
        std::string_view smallest, largest;
        if (!get_level(&level) || !GetVarint64(&in, &f.number) ||
            !GetVarint64(&in, &f.file_size) || !GetLengthPrefixed(&in, &smallest) ||
            !GetLengthPrefixed(&in, &largest) || !GetVarint64(&in, &f.num_entries) ||
            smallest.size() < 8 || largest.size() < 8) {
          return bad("new file");
        }
        f.smallest = smallest;
        f.largest = largest;
        new_files_.emplace_back(level, std::move(f));
        break;
      }
      default:
        return Status::Corruption(fmt::format("manifest record: unknown tag {}", tag));
    }
  }
  return Status::OK();
}

std::string VersionEdit::DebugString() const {
  std::string r = "VersionEdit {";
  if (log_number_) r += fmt::format(" log_number={}", *log_number_);
  if (next_file_number_) r += fmt::format(" next_file={}", *next_file_number_);
  if (last_sequence_) r += fmt::format(" last_seq={}", *last_sequence_);
  for (const auto& [level, number] : deleted_files_) {
    r += fmt::format(" delete=L{}:{:06}", level, number);
  }
  for (const auto& [level, f] : new_files_) {
    r += fmt::format(" add=L{}:{:06}({} bytes, {} entries)", level, f.number, f.file_size,
                     f.num_entries);
  }
  return r + " }";
}

}  // namespace lsmdb::storage
