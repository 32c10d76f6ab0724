#pragma once

// Keeps up to max_open_files tables open (LRU) so reads do not reopen files
// and re-read index and filter blocks.
//
// Thread-safe. Tables are handed out as shared_ptrs: an evicted table stays
// open until its last reader (or iterator) lets go.

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lsmdb/iterator.h"
#include "lsmdb/options.h"
#include "lsmdb/status.h"
#include "storage/sst/block_cache.h"
#include "storage/sst/table.h"

namespace lsmdb::storage {

// "<dir>/<number, at least 6 digits>.sst", e.g. "db/000042.sst".
std::string TableFileName(const std::string& dir, uint64_t number);

class TableCache {
 public:
  // `block_cache` may be null and otherwise must outlive this cache.
  TableCache(std::string dbdir, size_t max_open_files, BlockCache* block_cache);
  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;

  // The open table `file_number`, opening it on a miss. `file_size` is the
  // size the manifest recorded: a file of another size is Corruption (0 skips
  // the check). Errors: IOError/NotFound-like IOError when the file cannot be
  // opened, Corruption when it is not a valid table.
  Result<std::shared_ptr<Table>> FindTable(uint64_t file_number, uint64_t file_size);

  // An iterator over the table's internal keys that keeps the table alive. If
  // the table cannot be opened, an empty iterator whose status() is the error.
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& opts, uint64_t file_number,
                                        uint64_t file_size);

  // Table::Get on the table (see table.h).
  Result<bool> Get(const ReadOptions& opts, uint64_t file_number, uint64_t file_size,
                   std::string_view lookup_ikey, std::string* found_ikey, std::string* value);

  // Forgets the table (closing it once unused) and drops its cached blocks.
  // Called when the file is deleted.
  void Evict(uint64_t file_number);

  const std::string& dbdir() const { return dbdir_; }

 private:
  struct Entry {
    uint64_t number;
    std::shared_ptr<Table> table;
  };

  const std::string dbdir_;
  const size_t max_open_files_;
  BlockCache* const block_cache_;
  std::mutex mu_;
  std::list<Entry> lru_;  // front = most recently used
  std::unordered_map<uint64_t, std::list<Entry>::iterator> map_;
};

}  // namespace lsmdb::storage
