#pragma once

// WalWriter: appends records to a write-ahead log file (format: wal_writer.cc).

#include <cstdint>
#include <string_view>

#include "lsmdb/status.h"
#include "storage/util/file.h"

namespace lsmdb::storage {

class WalWriter {
 public:
  // Appends to `file`, which must outlive the writer and already hold
  // `initial_size` bytes of log (0 for a new log; the writer continues the
  // block layout from there).
  explicit WalWriter(WritableFile* file, uint64_t initial_size = 0);
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Appends one record (any length, may be empty) through file->Append. Does
  // not Flush or Sync: the caller does, after the records it wants durable.
  // An IOError is sticky: every later call returns it without writing, since
  // the file may hold a partial record.
  // REQUIRES: external synchronisation (one thread at a time).
  Status AddRecord(std::string_view record);

 private:
  Status EmitPhysicalRecord(unsigned char type, const char* data, size_t n);

  WritableFile* const file_;
  size_t block_offset_;  // bytes written in the current block
  Status error_;         // first failure, sticky
};

}  // namespace lsmdb::storage
