#pragma once

// Writes an SSTable (format drawn at the top of table_builder.cc) from
// internal keys added in increasing CompareInternalKey order.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lsmdb/options.h"
#include "lsmdb/status.h"
#include "storage/sst/block_builder.h"
#include "storage/sst/bloom.h"
#include "storage/sst/format.h"
#include "storage/util/file.h"

namespace lsmdb::storage {

struct TableOptions {
  size_t block_size = 4096;       // target uncompressed size of a data block
  int restart_interval = 16;      // entries between restart points in data blocks
  Compression compression = Compression::kLz4;
  int bloom_bits_per_key = 10;    // 0: no filter block
};

// Not thread-safe. The file is borrowed and must outlive the builder; the
// builder only appends to it: the caller Syncs and Closes it after Finish().
class TableBuilder {
 public:
  TableBuilder(const TableOptions& opts, WritableFile* file);
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;
  // REQUIRES: Finish() or Abandon() was called.
  ~TableBuilder();

  // Appends an entry. REQUIRES: internal_key sorts after every key added
  // before; Finish()/Abandon() not called. A write error is kept in status().
  void Add(std::string_view internal_key, std::string_view value);
  // Writes the last data block, the filter, the index and the footer.
  // Returns the first error of the whole build, if any.
  Status Finish();
  // Gives up on the table; the caller deletes the file.
  void Abandon();

  uint64_t NumEntries() const { return num_entries_; }
  // Bytes written so far; the final file size after Finish().
  uint64_t FileSize() const { return offset_; }
  // Bytes written plus the data block still being built (for splitting outputs).
  uint64_t EstimatedFileSize() const { return offset_ + data_block_.CurrentSizeEstimate(); }
  Status status() const { return status_; }

 private:
  void FlushDataBlock();
  // Writes `raw` (compressed if asked and worthwhile) plus its trailer.
  void WriteBlock(std::string_view raw, BlockType type, BlockHandle* handle);

  const TableOptions opts_;
  WritableFile* const file_;
  uint64_t offset_ = 0;
  Status status_;
  BlockBuilder data_block_;
  BlockBuilder index_block_;
  BloomFilterBuilder filter_;
  std::string last_key_;
  std::string compressed_;  // scratch for CompressBlock
  uint64_t num_entries_ = 0;
  bool closed_ = false;
};

}  // namespace lsmdb::storage
