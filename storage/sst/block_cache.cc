#include "storage/sst/block_cache.h"

namespace lsmdb::storage {

size_t BlockCache::KeyHash::operator()(const Key& k) const {
  // A multiplicative mix; the top bits choose the shard, all bits the bucket.
  uint64_t h = (k.file_number * 0x9E3779B97F4A7C15ull) ^ (k.offset * 0xC2B2AE3D27D4EB4Full);
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return static_cast<size_t>(h);
}

BlockCache::BlockCache(size_t capacity_bytes)
    : capacity_(capacity_bytes), shard_capacity_(capacity_bytes / kNumShards) {}

BlockCache::Shard& BlockCache::ShardFor(const Key& key) {
  return shards_[(KeyHash()(key) >> 7) % kNumShards];
}

std::shared_ptr<const Block> BlockCache::Lookup(uint64_t file_number, uint64_t offset) {
  Key key{file_number, offset};
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return it->second->block;
}

void BlockCache::Insert(uint64_t file_number, uint64_t offset,
                        std::shared_ptr<const Block> block, size_t charge) {
  if (charge > shard_capacity_) return;
  Key key{file_number, offset};
  Shard& shard = ShardFor(key);
  std::shared_ptr<const Block> old;  // released outside the lock
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(key);
  if (it != shard.map.end()) {
    old = std::move(it->second->block);
    shard.usage -= it->second->charge;
    usage_.fetch_sub(it->second->charge, std::memory_order_relaxed);
    it->second->block = std::move(block);
    it->second->charge = charge;
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  } else {
    shard.lru.push_front(Entry{key, std::move(block), charge});
    shard.map.emplace(key, shard.lru.begin());
  }
  shard.usage += charge;
  usage_.fetch_add(charge, std::memory_order_relaxed);
  EvictLocked(shard);
}

void BlockCache::EvictLocked(Shard& shard) {
  while (shard.usage > shard_capacity_ && !shard.lru.empty()) {
    Entry& victim = shard.lru.back();
    shard.usage -= victim.charge;
    usage_.fetch_sub(victim.charge, std::memory_order_relaxed);
    shard.map.erase(victim.key);
    shard.lru.pop_back();
  }
}

void BlockCache::EraseFile(uint64_t file_number) {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (auto it = shard.lru.begin(); it != shard.lru.end();) {
      if (it->key.file_number == file_number) {
        shard.usage -= it->charge;
        usage_.fetch_sub(it->charge, std::memory_order_relaxed);
        shard.map.erase(it->key);
        it = shard.lru.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace lsmdb::storage
