#pragma once

// Low-level pieces of the SSTable format shared by the builder and the reader:
// block handles, the footer, the per-block trailer and ReadBlock(). The whole
// file layout is drawn at the top of table_builder.cc.
//
//   block handle := offset: varint64 | size: varint64     (size excludes the trailer)
//   block trailer:= type: uint8 (0 none, 1 lz4) | checksum: fixed32
//                   checksum = Checksum(stored block bytes | type byte)
//   lz4 payload  := uncompressed_size: varint32 | LZ4 block bytes
//   footer       := index handle | filter handle | zero padding up to 44 bytes
//                   | footer checksum: fixed32 (over the 44 bytes before it)   = 48 bytes
//                   | magic: fixed64 kTableMagicNumber                          = 56 bytes total

#include <cstdint>
#include <string>
#include <string_view>

#include "lsmdb/status.h"
#include "storage/util/file.h"

namespace lsmdb::storage {

// "LSMDBSST" read as a little-endian fixed64.
constexpr uint64_t kTableMagicNumber = 0x4c534d4442535354ull;

// Block compression types as stored in the trailer.
enum class BlockType : unsigned char { kNone = 0, kLz4 = 1 };

constexpr size_t kBlockTrailerSize = 5;  // type byte + fixed32 checksum

// The location of a block inside a table file.
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;  // bytes of the stored (possibly compressed) block, trailer excluded

  static constexpr size_t kMaxEncodedLength = 20;  // two varint64s
  void EncodeTo(std::string* dst) const;
  // Parses a handle from the front of *in and advances it; false if malformed.
  bool DecodeFrom(std::string_view* in);
};

struct Footer {
  BlockHandle index_handle;
  BlockHandle filter_handle;  // size 0: the table has no filter

  static constexpr size_t kPaddedHandlesLength = 44;
  static constexpr size_t kEncodedLength = kPaddedHandlesLength + 4 + 8;  // 56

  void EncodeTo(std::string* dst) const;  // appends exactly kEncodedLength bytes
  // Parses kEncodedLength bytes. Corruption names `path` and `file_offset`
  // (where the footer starts) on a bad magic number, checksum or handle.
  Status DecodeFrom(std::string_view in, const std::string& path, uint64_t file_offset);
};

// Reads the block at `handle` from `file` into *contents: checks the trailer
// (and the checksum when verify_checksum), decompresses LZ4. OK fills
// *contents with the uncompressed block; Corruption reads
// "<file path>: <what> in block at offset N"; IOError when the read fails.
Status ReadBlock(const RandomAccessFile& file, const BlockHandle& handle, bool verify_checksum,
                 std::string* contents);

// Appends `raw` to *out in stored form (compressed with LZ4 when `type` is
// kLz4 and that saves at least 12.5%) and returns the type actually used.
// *out is cleared first. Used by TableBuilder.
BlockType CompressBlock(std::string_view raw, BlockType type, std::string* out);

}  // namespace lsmdb::storage
