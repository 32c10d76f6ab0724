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

// Counts the comparisons a list makes, to see that insert hints are used.
struct CountingCmp {
  uint64_t* count;
  int operator()(uint64_t a, uint64_t b) const {
    ++*count;
    return a < b ? -1 : (a > b ? 1 : 0);
  }
};

TEST_CASE("Skiplist inserts next to recent ones (hinted) keep every level in order",
          "[storage][skiplist]") {
  // Patterns the memtable sees: descending and ascending runs (new versions
  // of one key, list elements), two interleaved runs (metadata + element per
  // command), and random keys in between that make old hints stale.
  std::mt19937_64 rng(77);
  std::set<uint64_t> keys;
  uint64_t compares = 0;
  Arena arena;
  SkipList<uint64_t, CountingCmp> list(CountingCmp{&compares}, &arena);
  auto insert = [&](uint64_t k) {
    if (keys.insert(k).second) list.Insert(k);
  };
  for (int round = 0; round < 40; round++) {
    const uint64_t base = (rng() % 1000) * 1000000;
    for (uint64_t i = 0; i < 300; i++) {
      if (round % 4 == 0) {
        insert(base + 900000 - i);  // descending
      } else if (round % 4 == 1) {
        insert(base + i * 3);  // ascending
      } else if (round % 4 == 2) {
        insert(base + i);  // interleaved
        insert(base + 500000 - i);
      } else {
        insert(rng() % 1000000000);  // random
      }
    }
  }
  // Hinted runs: far fewer comparisons than a top-down search per insert
  // (about 2 per level for ~14 levels here).
  CHECK(compares < keys.size() * 12);
  compares = 0;
  // Every level must be ordered and complete, or searches go wrong.
  for (uint64_t k : keys) REQUIRE(list.Contains(k));
  SkipList<uint64_t, CountingCmp>::Iterator it(&list);
  for (int i = 0; i < 20000; i++) {
    const uint64_t t = rng() % 1000000000;
    it.Seek(t);
    auto lb = keys.lower_bound(t);
    if (lb == keys.end()) {
      REQUIRE_FALSE(it.Valid());
    } else {
      REQUIRE(it.Valid());
      REQUIRE(it.key() == *lb);
    }
    REQUIRE(list.Contains(t) == (keys.count(t) == 1));
  }
  it.SeekToFirst();
  for (uint64_t k : keys) {
    REQUIRE(it.Valid());
    REQUIRE(it.key() == k);
    it.Next();
  }
  CHECK_FALSE(it.Valid());
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
