// Write-ahead log format (leveldb's log format, with our xxhash checksum).
//
// The file is a sequence of 32 KiB blocks. Records are split into fragments;
// a fragment never crosses a block boundary:
//
//   block := fragment* trailer?
//   fragment:
//     +------------------+----------------+-----------+---------------------+
//     | checksum fixed32 | length fixed16 | type byte | payload (length B)  |
//     +------------------+----------------+-----------+---------------------+
//     checksum = Checksum(type byte | payload)   (storage/util/checksum.h)
//     type     = FULL (1)   the whole record
//              | FIRST (2)  first fragment of a record; ends at the block end
//              | MIDDLE (3) interior fragment; fills a whole block
//              | LAST (4)   last fragment of a record
//   trailer := fewer than 7 zero bytes, when the rest of a block cannot hold a
//              fragment header.
//
//   |<------------------------- block 0 (32768 B) ------------------------>|
//   | hdr | FULL payload | hdr | FIRST payload .........................  |
//   |<------------------------- block 1 ----------------------------------->|
//   | hdr | LAST payload | hdr | FULL payload | hdr | FULL payload | 0 0 0 |
//
// An empty record is one FULL fragment with length 0. Readers: wal_reader.h.

// storage/util/checksum.h's Checksum2 needs XXH3_state_t, which xxhash.h only
// defines under XXH_STATIC_LINKING_ONLY.
#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY
#endif

#include "storage/wal/wal_writer.h"

#include <cassert>
#include <cstring>

#include "storage/util/checksum.h"
#include "storage/util/coding.h"
#include "storage/wal/wal_format.h"

namespace lsmdb::storage {

using wal::kBlockSize;
using wal::kHeaderSize;

namespace {
// Fragments up to this size are built in a stack buffer (EmitPhysicalRecord).
constexpr size_t kSmallFragment = 1024;
}  // namespace

WalWriter::WalWriter(WritableFile* file, uint64_t initial_size)
    : file_(file), block_offset_(initial_size % kBlockSize) {}

Status WalWriter::AddRecord(std::string_view record) {
  if (!error_.ok()) return error_;
  const char* ptr = record.data();
  size_t left = record.size();
  bool begin = true;
  do {
    const size_t leftover = kBlockSize - block_offset_;
    if (leftover < kHeaderSize) {
      // Zero-fill the trailer and switch to a new block.
      if (leftover > 0) {
        static constexpr char kZeros[kHeaderSize] = {};
        Status s = file_->Append(std::string_view(kZeros, leftover));
        if (!s.ok()) {
          error_ = s;
          return s;
        }
      }
      block_offset_ = 0;
    }
    const size_t avail = kBlockSize - block_offset_ - kHeaderSize;
    const size_t fragment_length = left < avail ? left : avail;
    const bool end = (left == fragment_length);
    unsigned char type;
    if (begin && end) {
      type = wal::kFullType;
    } else if (begin) {
      type = wal::kFirstType;
    } else if (end) {
      type = wal::kLastType;
    } else {
      type = wal::kMiddleType;
    }
    Status s = EmitPhysicalRecord(type, ptr, fragment_length);
    if (!s.ok()) {
      error_ = s;
      return s;
    }
    ptr += fragment_length;
    left -= fragment_length;
    begin = false;
  } while (left > 0);
  return Status::OK();
}

Status WalWriter::EmitPhysicalRecord(unsigned char type, const char* data, size_t n) {
  assert(n <= 0xffff);
  assert(block_offset_ + kHeaderSize + n <= kBlockSize);
  if (n <= kSmallFragment) {
    // The server's records are small: lay header and payload out together, so
    // the checksummed bytes (type byte | payload) are contiguous for one-shot
    // XXH3 (the streaming state costs several times more for a few dozen
    // bytes; the value is the same) and the file gets one Append.
    char buf[kHeaderSize + kSmallFragment];
    buf[4] = static_cast<char>(n & 0xff);
    buf[5] = static_cast<char>(n >> 8);
    buf[6] = static_cast<char>(type);
    if (n > 0) std::memcpy(buf + kHeaderSize, data, n);
    EncodeFixed32(buf, Checksum(buf + 6, n + 1));
    LSMDB_RETURN_IF_ERROR(file_->Append(std::string_view(buf, kHeaderSize + n)));
    block_offset_ += kHeaderSize + n;
    return Status::OK();
  }
  char header[kHeaderSize];
  const char type_byte = static_cast<char>(type);
  EncodeFixed32(header, Checksum2(std::string_view(&type_byte, 1), std::string_view(data, n)));
  header[4] = static_cast<char>(n & 0xff);
  header[5] = static_cast<char>(n >> 8);
  header[6] = type_byte;
  LSMDB_RETURN_IF_ERROR(file_->Append(std::string_view(header, kHeaderSize)));
  if (n > 0) LSMDB_RETURN_IF_ERROR(file_->Append(std::string_view(data, n)));
  block_offset_ += kHeaderSize + n;
  return Status::OK();
}

}  // namespace lsmdb::storage
