#pragma once

// Constants of the write-ahead log format, shared by WalWriter and WalReader.
// The format itself is drawn at the top of wal_writer.cc.

#include <cstddef>

namespace lsmdb::storage::wal {

enum RecordType : unsigned char {
  kZeroType = 0,  // never written; what a zero-filled (preallocated) region reads as
  kFullType = 1,
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
};
constexpr unsigned char kMaxRecordType = kLastType;

constexpr size_t kBlockSize = 32768;
// checksum (4) + length (2) + type (1)
constexpr size_t kHeaderSize = 4 + 2 + 1;

}  // namespace lsmdb::storage::wal
