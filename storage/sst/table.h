#pragma once

// An open, immutable SSTable (format at the top of table_builder.cc). Open()
// reads the footer, the index block and the filter block into memory; data
// blocks are read on demand, through the BlockCache when there is one.
//
// Thread-safe: every const method may be called concurrently. Iterators are
// not thread-safe and must not outlive the Table (unless given a pin).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lsmdb/iterator.h"
#include "lsmdb/options.h"
#include "lsmdb/status.h"
#include "storage/sst/block.h"
#include "storage/sst/block_cache.h"
#include "storage/sst/bloom.h"
#include "storage/sst/format.h"
#include "storage/util/file.h"

namespace lsmdb::storage {

class Table {
 public:
  // Opens the table in `file`. `file_number` keys the block cache; `cache` may
  // be null and otherwise must outlive the table. Corruption (naming the file
  // and the offset) when the footer, index or filter block is bad; IOError
  // when a read fails.
  static Result<std::unique_ptr<Table>> Open(std::unique_ptr<RandomAccessFile> file,
                                             uint64_t file_number, BlockCache* cache);
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // An iterator over the table's internal keys. `pin`, when given, is held by
  // the iterator to keep this table alive (TableCache passes its shared_ptr).
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& opts,
                                        std::shared_ptr<const Table> pin = nullptr) const;

  // Finds the first entry >= internal_lookup_key (after a bloom filter check
  // on its user key). true: that entry has the same user key, and both outputs
  // are filled (the entry may be a deletion: check its type). false: no such
  // key in this table. Errors: Corruption or IOError.
  Result<bool> Get(const ReadOptions& opts, std::string_view internal_lookup_key,
                   std::string* found_internal_key, std::string* value) const;

  // The approximate file offset where data for `internal_key` starts (or
  // would start); the offset of the index/filter area for keys past the end.
  uint64_t ApproximateOffsetOf(std::string_view internal_key) const;

  // Reads and checksums every block and checks that each data block parses
  // and its keys increase. OK: *report = a one-line summary. Otherwise the
  // first bad block's error (with its offset), also copied into *report.
  Status VerifyAll(std::string* report) const;

  uint64_t file_number() const { return file_number_; }
  const std::string& path() const { return file_->path(); }
  uint64_t file_size() const { return file_->Size(); }

  // Loads the data block at `handle` (cache first). Used by the table iterator.
  Result<std::shared_ptr<const Block>> ReadDataBlock(const ReadOptions& opts,
                                                     const BlockHandle& handle) const;
  // "<path>: <what> in block at offset N" as a Corruption.
  Status BlockError(std::string_view what, uint64_t offset) const;
  const Block& index_block() const { return index_block_; }
  uint64_t index_offset() const { return footer_.index_handle.offset; }

 private:
  Table(std::unique_ptr<RandomAccessFile> file, uint64_t file_number, BlockCache* cache,
        const Footer& footer, std::string index_contents, std::string filter_contents,
        bool has_filter);

  std::unique_ptr<RandomAccessFile> file_;
  const uint64_t file_number_;
  BlockCache* const cache_;
  const Footer footer_;
  Block index_block_;
  BloomFilterReader filter_;
  bool has_filter_;
};

}  // namespace lsmdb::storage
