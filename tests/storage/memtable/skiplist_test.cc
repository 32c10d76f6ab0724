#include "storage/memtable/skiplist.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace lsmdb::storage {
namespace {

struct U64Cmp {
  int operator()(uint64_t a, uint64_t b) const { return a < b ? -1 : (a > b ? 1 : 0); }
};
using IntList = SkipList<uint64_t, U64Cmp>;

TEST_CASE("An empty skiplist has nothing to iterate", "[storage][skiplist]") {
  Arena arena;
  IntList list(U64Cmp(), &arena);
  CHECK_FALSE(list.Contains(10));
  IntList::Iterator it(&list);
  it.SeekToFirst();
  CHECK_FALSE(it.Valid());
  it.SeekToLast();
  CHECK_FALSE(it.Valid());
  it.Seek(100);
  CHECK_FALSE(it.Valid());
  it.SeekForPrev(100);
  CHECK_FALSE(it.Valid());
}

TEST_CASE("Skiplist inserts, lookups and iteration match std::set", "[storage][skiplist]") {
  const int kN = 2000;
  const uint64_t kR = 5000;
  std::mt19937_64 rng(1000);
  std::set<uint64_t> keys;
  Arena arena;
  IntList list(U64Cmp(), &arena);
  for (int i = 0; i < kN; i++) {
    uint64_t key = rng() % kR;
    if (keys.insert(key).second) list.Insert(key);
  }
  for (uint64_t i = 0; i < kR; i++) REQUIRE(list.Contains(i) == (keys.count(i) == 1));

  // Forward and backward full scans.
  IntList::Iterator it(&list);
  it.SeekToFirst();
  for (uint64_t k : keys) {
    REQUIRE(it.Valid());
    REQUIRE(it.key() == k);
    it.Next();
  }
  CHECK_FALSE(it.Valid());
  it.SeekToLast();
  for (auto r = keys.rbegin(); r != keys.rend(); ++r) {
    REQUIRE(it.Valid());
    REQUIRE(it.key() == *r);
    it.Prev();
  }
  CHECK_FALSE(it.Valid());

  // Seek (first >= target) and SeekForPrev (last <= target) at every point.
  for (uint64_t t = 0; t <= kR; t++) {
    it.Seek(t);
    auto lb = keys.lower_bound(t);
    if (lb == keys.end()) {
      REQUIRE_FALSE(it.Valid());
    } else {
      REQUIRE(it.Valid());
      REQUIRE(it.key() == *lb);
    }
    it.SeekForPrev(t);
    auto ub = keys.upper_bound(t);
    if (ub == keys.begin()) {
      REQUIRE_FALSE(it.Valid());
    } else {
      REQUIRE(it.Valid());
      REQUIRE(it.key() == *std::prev(ub));
    }
  }
}

TEST_CASE("Skiplist readers see a sorted list while one writer inserts",
          "[storage][skiplist][concurrency]") {
  Arena arena;
  IntList list(U64Cmp(), &arena);
  const int kInserts = 50000;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> inserted{0};  // keys inserted so far are all visible after this
  std::thread writer([&] {
    std::mt19937_64 rng(7);
    std::set<uint64_t> seen;
    while (seen.size() < static_cast<size_t>(kInserts)) {
      uint64_t key = rng() >> 1;
      if (!seen.insert(key).second) continue;
      list.Insert(key);
      inserted.fetch_add(1, std::memory_order_release);
    }
    done.store(true);
  });
  // Catch2 assertions are not thread-safe: readers count failures instead.
  std::atomic<int> failures{0};
  auto reader = [&] {
    int passes = 0;
    bool last = false;
    while (!last) {
      last = done.load();
      uint64_t at_least = inserted.load(std::memory_order_acquire);
      IntList::Iterator it(&list);
      uint64_t count = 0;
      uint64_t prev = 0;
      for (it.SeekToFirst(); it.Valid(); it.Next()) {
        if (count > 0 && !(prev < it.key())) failures++;
        prev = it.key();
        count++;
      }
      if (count < at_least) failures++;
      // Backwards from the end, checking Prev.
      it.SeekToLast();
      for (int i = 0; i < 50 && it.Valid(); i++) {
        uint64_t k = it.key();
        it.Prev();
        if (it.Valid() && !(it.key() < k)) failures++;
      }
      passes++;
    }
    return passes;
  };
  int p1 = 0, p2 = 0;
  std::thread r1([&] { p1 = reader(); });
  std::thread r2([&] { p2 = reader(); });
  writer.join();
  r1.join();
  r2.join();
  CHECK(failures.load() == 0);
  CHECK(p1 > 0);
  CHECK(p2 > 0);
  IntList::Iterator it(&list);
  uint64_t n = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next()) n++;
  CHECK(n == static_cast<uint64_t>(kInserts));
}

}  // namespace
}  // namespace lsmdb::storage
