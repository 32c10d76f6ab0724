#pragma once

// WalReader: reads the records of a write-ahead log (format: wal_writer.cc).
//
// Damage is classified by what follows it:
//   - Tail damage: a torn, truncated, corrupt or zero-filled region after which
//     the file holds no valid record start (a FULL or FIRST fragment with a
//     good checksum). This is what a crash during an append leaves, so it is
//     the clean end of the log: ReadRecord returns false, DroppedBytes() counts
//     the ignored bytes and TailReport() describes them.
//   - Middle damage: a bad fragment (checksum mismatch, bad length or type,
//     broken FIRST/MIDDLE/LAST sequence) followed by a valid record start.
//     Without repair, ReadRecord returns
//       Corruption("<path>: bad record at offset N: <why>")
//     (sticky: later calls return it again). With repair, the reader skips to
//     the next valid record start and adds the skipped bytes to DroppedBytes().
//
// The whole file is read into memory by Open. Not thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "lsmdb/status.h"

namespace lsmdb::storage {

class WalReader {
 public:
  // Reads the log at `path`. IOError/NotFound if it cannot be read.
  static Result<std::unique_ptr<WalReader>> Open(const std::string& path, bool repair);
  WalReader(const WalReader&) = delete;
  WalReader& operator=(const WalReader&) = delete;

  // Reads the next record into *record: true if one was read, false at the
  // end of the log (including a damaged tail), Corruption for middle damage
  // when repair is off.
  Result<bool> ReadRecord(std::string* record);

  // File offset of the first fragment of the record last returned by ReadRecord.
  uint64_t LastRecordOffset() const { return last_record_offset_; }
  // Bytes skipped so far: the damaged tail plus, with repair, damaged regions.
  uint64_t DroppedBytes() const { return dropped_bytes_; }
  // One line about the damaged tail ("<path>: dropped N bytes at offset X:
  // <why>"); empty if the log ended cleanly (or has not been read to the end).
  std::string TailReport() const { return tail_report_; }
  const std::string& path() const { return path_; }

 private:
  WalReader(std::string path, std::string contents, bool repair);

  // One parsed fragment, or why the bytes at an offset are not one.
  struct Fragment {
    enum Kind { kOk, kEof, kBad } kind = kEof;
    unsigned char type = 0;
    std::string_view payload;
    uint64_t offset = 0;  // of the fragment header
    uint64_t end = 0;     // offset just past the fragment
    const char* why = "";
  };
  // Parses the fragment at pos_ (skipping a block trailer); advances pos_ past
  // it when it is good.
  Fragment ReadFragment();
  // True iff a FULL or FIRST fragment with a good checksum starts at off.
  bool IsRecordStart(uint64_t off) const;
  // The first record start after a bad region beginning at bad_start; `hint`
  // (if non-zero) is tried first. Returns contents_.size() if there is none.
  uint64_t FindNextRecordStart(uint64_t bad_start, uint64_t hint) const;
  // Handles damage at bad_start: tail (returns false), repair (skips, returns
  // true to continue) or corruption (sets error_).
  bool HandleDamage(uint64_t bad_start, uint64_t hint, const char* why);

  const std::string path_;
  const std::string contents_;
  const bool repair_;
  uint64_t pos_ = 0;
  uint64_t last_record_offset_ = 0;
  uint64_t dropped_bytes_ = 0;
  std::string tail_report_;
  Status error_;  // sticky middle corruption
};

// Calls fn(offset, record) for every record of the log at `path`, in order,
// without repair. Returns the Corruption for middle damage (after the records
// before it), or OK. *tail_report (if non-null) receives TailReport().
Status DumpWal(const std::string& path,
               const std::function<void(uint64_t offset, std::string_view record)>& fn,
               std::string* tail_report = nullptr);

}  // namespace lsmdb::storage
