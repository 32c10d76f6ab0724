// SSTable file format (all integers little-endian):
//
//   +--------------------------------------------+ offset 0
//   | data block 0      | trailer (5 bytes)      |
//   | data block 1      | trailer                |
//   | ...                                        |
//   | data block N-1    | trailer                |
//   +--------------------------------------------+
//   | filter block      | trailer (type none)    |  absent when bloom_bits_per_key == 0
//   +--------------------------------------------+
//   | index block       | trailer                |
//   +--------------------------------------------+
//   | footer (56 bytes)                          |
//   +--------------------------------------------+
//
//   data block   := block of (internal key -> value) entries, format in block_builder.h,
//                   restart_interval as configured; stored LZ4-compressed when that
//                   saves >= 12.5% (lz4 payload := uncompressed size: varint32 | LZ4 bytes)
//   trailer      := type: uint8 (0 none, 1 lz4) | checksum: fixed32
//                   (low 32 bits of XXH3-64 over the stored block bytes and the type byte)
//   filter block := bloom filter over the user keys of the whole table (bloom.h)
//   index block  := block with restart interval 1; one entry per data block:
//                   key = the last internal key of that block,
//                   value = BlockHandle (offset: varint64 | size: varint64, trailer excluded)
//   footer       := index handle | filter handle (size 0 if none) | zero padding to 44 bytes
//                   | footer checksum: fixed32 over those 44 bytes
//                   | magic: fixed64 0x4c534d4442535354
//
// A data block is cut once its uncompressed size reaches block_size.

#include "storage/sst/table_builder.h"

#include <cassert>

#include "storage/db/dbformat.h"
#include "storage/util/checksum.h"
#include "storage/util/coding.h"

namespace lsmdb::storage {

TableBuilder::TableBuilder(const TableOptions& opts, WritableFile* file)
    : opts_(opts),
      file_(file),
      data_block_(opts.restart_interval),
      index_block_(1),
      filter_(opts.bloom_bits_per_key) {}

TableBuilder::~TableBuilder() { assert(closed_); }

void TableBuilder::Add(std::string_view internal_key, std::string_view value) {
  assert(!closed_);
  assert(internal_key.size() >= 8);
  assert(num_entries_ == 0 || CompareInternalKey(last_key_, internal_key) < 0);
  if (!status_.ok()) return;
  if (opts_.bloom_bits_per_key > 0) filter_.AddUserKey(ExtractUserKey(internal_key));
  last_key_.assign(internal_key);
  num_entries_++;
  data_block_.Add(internal_key, value);
  if (data_block_.CurrentSizeEstimate() >= opts_.block_size) FlushDataBlock();
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  BlockHandle handle;
  WriteBlock(data_block_.Finish(), opts_.compression == Compression::kLz4 ? BlockType::kLz4
                                                                          : BlockType::kNone,
             &handle);
  data_block_.Reset();
  if (!status_.ok()) return;
  std::string encoded;
  handle.EncodeTo(&encoded);
  index_block_.Add(last_key_, encoded);
}

void TableBuilder::WriteBlock(std::string_view raw, BlockType type, BlockHandle* handle) {
  BlockType used = CompressBlock(raw, type, &compressed_);
  handle->offset = offset_;
  handle->size = compressed_.size();
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(used);
  EncodeFixed32(trailer + 1, Checksum2(compressed_, std::string_view(trailer, 1)));
  status_ = file_->Append(compressed_);
  if (status_.ok()) status_ = file_->Append(std::string_view(trailer, kBlockTrailerSize));
  if (status_.ok()) offset_ += compressed_.size() + kBlockTrailerSize;
}

Status TableBuilder::Finish() {
  assert(!closed_);
  FlushDataBlock();
  closed_ = true;
  Footer footer;
  if (status_.ok() && opts_.bloom_bits_per_key > 0) {
    WriteBlock(filter_.Finish(), BlockType::kNone, &footer.filter_handle);
  }
  if (status_.ok()) {
    WriteBlock(index_block_.Finish(),
               opts_.compression == Compression::kLz4 ? BlockType::kLz4 : BlockType::kNone,
               &footer.index_handle);
  }
  if (status_.ok()) {
    std::string encoded;
    footer.EncodeTo(&encoded);
    status_ = file_->Append(encoded);
    if (status_.ok()) offset_ += encoded.size();
  }
  return status_;
}

void TableBuilder::Abandon() {
  assert(!closed_);
  closed_ = true;
}

}  // namespace lsmdb::storage
