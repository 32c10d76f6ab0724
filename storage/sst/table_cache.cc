#include "storage/sst/table_cache.h"

#include <fmt/format.h>

#include <algorithm>

#include "storage/sst/iterator_util.h"

namespace lsmdb::storage {

std::string TableFileName(const std::string& dir, uint64_t number) {
  return fmt::format("{}/{:06}.sst", dir, number);
}

TableCache::TableCache(std::string dbdir, size_t max_open_files, BlockCache* block_cache)
    : dbdir_(std::move(dbdir)),
      max_open_files_(std::max<size_t>(1, max_open_files)),
      block_cache_(block_cache) {}

Result<std::shared_ptr<Table>> TableCache::FindTable(uint64_t file_number, uint64_t file_size) {
  {
    std::lock_guard lock(mu_);
    auto it = map_.find(file_number);
    if (it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->table;
    }
  }
  // Open outside the lock: it reads the footer, index and filter blocks.
  const std::string path = TableFileName(dbdir_, file_number);
  LSMDB_ASSIGN_OR_RETURN(auto file, RandomAccessFile::Open(path));
  if (file_size != 0 && file->Size() != file_size) {
    return Status::Corruption(fmt::format("{}: file size is {} bytes, the manifest says {}", path,
                                          file->Size(), file_size));
  }
  LSMDB_ASSIGN_OR_RETURN(std::unique_ptr<Table> opened,
                         Table::Open(std::move(file), file_number, block_cache_));
  std::shared_ptr<Table> table(std::move(opened));

  std::shared_ptr<Table> evicted;  // closed outside the lock
  std::lock_guard lock(mu_);
  auto it = map_.find(file_number);
  if (it != map_.end()) {  // another thread opened it meanwhile: use theirs
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->table;
  }
  lru_.push_front(Entry{file_number, table});
  map_.emplace(file_number, lru_.begin());
  if (lru_.size() > max_open_files_) {
    evicted = std::move(lru_.back().table);
    map_.erase(lru_.back().number);
    lru_.pop_back();
  }
  return table;
}

std::unique_ptr<Iterator> TableCache::NewIterator(const ReadOptions& opts, uint64_t file_number,
                                                  uint64_t file_size) {
  auto table = FindTable(file_number, file_size);
  if (!table.ok()) return NewErrorIterator(table.status());
  const Table* raw = table->get();
  return raw->NewIterator(opts, std::move(table).value());
}

Result<bool> TableCache::Get(const ReadOptions& opts, uint64_t file_number, uint64_t file_size,
                             std::string_view lookup_ikey, std::string* found_ikey,
                             std::string* value) {
  LSMDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, FindTable(file_number, file_size));
  return table->Get(opts, lookup_ikey, found_ikey, value);
}

void TableCache::Evict(uint64_t file_number) {
  std::shared_ptr<Table> evicted;
  {
    std::lock_guard lock(mu_);
    auto it = map_.find(file_number);
    if (it != map_.end()) {
      evicted = std::move(it->second->table);
      lru_.erase(it->second);
      map_.erase(it);
    }
  }
  if (block_cache_ != nullptr) block_cache_->EraseFile(file_number);
}

}  // namespace lsmdb::storage
