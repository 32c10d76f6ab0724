#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "storage/sst/block_cache.h"

namespace lsmdb::storage {
namespace {

std::shared_ptr<const Block> MakeBlock(int tag) {
  return std::make_shared<const Block>(std::string(tag % 50, 'x') + std::string(8, '\0'));
}

TEST_CASE("The block cache counts hits and misses", "[storage][sst][block_cache]") {
  BlockCache cache(1 << 20);
  REQUIRE(cache.Lookup(1, 0) == nullptr);
  auto b = MakeBlock(1);
  cache.Insert(1, 0, b, 100);
  REQUIRE(cache.Lookup(1, 0) == b);
  REQUIRE(cache.Lookup(1, 4096) == nullptr);
  REQUIRE(cache.Lookup(2, 0) == nullptr);
  REQUIRE(cache.hits() == 1);
  REQUIRE(cache.misses() == 3);
  REQUIRE(cache.usage() == 100);

  // Replacing an entry replaces its charge.
  cache.Insert(1, 0, MakeBlock(2), 300);
  REQUIRE(cache.usage() == 300);
  REQUIRE(cache.Lookup(1, 0) != b);
}

TEST_CASE("The block cache evicts least recently used blocks beyond capacity",
          "[storage][sst][block_cache]") {
  const size_t capacity = 16 * 1000;  // 1000 bytes per shard
  BlockCache cache(capacity);
  for (int i = 0; i < 1000; i++) {
    cache.Insert(7, i * 4096, MakeBlock(i), 100);
    REQUIRE(cache.usage() <= capacity);
  }
  REQUIRE(cache.usage() > capacity / 2);
  int present = 0;
  for (int i = 0; i < 1000; i++) present += cache.Lookup(7, i * 4096) != nullptr;
  REQUIRE(present <= 160);
  REQUIRE(present > 80);
  // The most recent inserts survive; the oldest are gone.
  REQUIRE(cache.Lookup(7, 999 * 4096) != nullptr);
  REQUIRE(cache.Lookup(7, 0) == nullptr);

  // A recently looked-up entry outlives newer inserts into the cache.
  cache.Insert(8, 0, MakeBlock(1), 100);
  for (int i = 0; i < 200; i++) {
    REQUIRE(cache.Lookup(8, 0) != nullptr);
    cache.Insert(9, i * 4096, MakeBlock(i), 100);
  }

  // Too large to keep.
  cache.Insert(10, 0, MakeBlock(3), 5000);
  REQUIRE(cache.Lookup(10, 0) == nullptr);

  cache.EraseFile(9);
  cache.EraseFile(8);
  for (int i = 0; i < 200; i++) REQUIRE(cache.Lookup(9, i * 4096) == nullptr);
  REQUIRE(cache.Lookup(8, 0) == nullptr);
  size_t left = 0;
  for (int i = 0; i < 1000; i++) left += cache.Lookup(7, i * 4096) != nullptr ? 100 : 0;
  REQUIRE(cache.usage() == left);
}

TEST_CASE("The block cache is safe under concurrent use", "[storage][sst][block_cache]") {
  BlockCache cache(64 * 1024);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 20000; i++) {
        uint64_t off = (i * 7 + t) % 500;
        if (cache.Lookup(1, off) == nullptr) cache.Insert(1, off, MakeBlock(i), 200);
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(cache.hits() + cache.misses() == 80000);
  REQUIRE(cache.usage() <= cache.capacity());
}

}  // namespace
}  // namespace lsmdb::storage
