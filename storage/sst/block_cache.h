#pragma once

// A sharded LRU cache of parsed, uncompressed data blocks, shared by every
// table of a DB. Key = (table file number, block offset). Entries are
// shared_ptrs, so a block stays alive while an iterator uses it even after
// the cache evicts it.
//
// Thread-safe: 16 shards, each behind its own mutex; the shard is chosen by a
// hash of the key. Each shard holds at most capacity/16 bytes of charge.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "storage/sst/block.h"

namespace lsmdb::storage {

class BlockCache {
 public:
  explicit BlockCache(size_t capacity_bytes);
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // The cached block, or nullptr (a miss). Counts a hit or a miss and makes
  // the entry most recently used.
  std::shared_ptr<const Block> Lookup(uint64_t file_number, uint64_t offset);
  // Inserts (or replaces) an entry charged `charge` bytes, then evicts least
  // recently used entries of its shard until the shard is within capacity.
  // An entry larger than the shard's capacity is not kept.
  void Insert(uint64_t file_number, uint64_t offset, std::shared_ptr<const Block> block,
              size_t charge);
  // Drops every entry of one table (called when the table file is deleted).
  void EraseFile(uint64_t file_number);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  // Sum of the charges of the entries held now.
  size_t usage() const { return usage_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }

 private:
  static constexpr int kNumShards = 16;
  struct Key {
    uint64_t file_number;
    uint64_t offset;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Entry {
    Key key;
    std::shared_ptr<const Block> block;
    size_t charge;
  };
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru;  // front = most recently used
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> map;
    size_t usage = 0;
  };

  Shard& ShardFor(const Key& key);
  void EvictLocked(Shard& shard);

  const size_t capacity_;
  const size_t shard_capacity_;
  Shard shards_[kNumShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<size_t> usage_{0};
};

}  // namespace lsmdb::storage
