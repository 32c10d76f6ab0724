#include "storage/util/arena.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

namespace lsmdb::storage {
namespace {

TEST_CASE("A new arena uses no memory", "[storage][arena]") {
  Arena arena;
  CHECK(arena.MemoryUsage() == 0);
}

TEST_CASE("Aligned allocations are aligned whatever came before", "[storage][arena]") {
  Arena arena;
  const size_t align = alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
  for (size_t i = 1; i < 3000; i++) {
    (void)arena.Allocate(i % 13 + 1);  // misalign the bump pointer
    char* p = arena.AllocateAligned(i % 200 + 1);
    CHECK(reinterpret_cast<uintptr_t>(p) % align == 0);
  }
  // Large aligned allocations (own block) are aligned too.
  CHECK(reinterpret_cast<uintptr_t>(arena.AllocateAligned(5000)) % align == 0);
}

TEST_CASE("Arena allocations keep their contents and usage grows with them", "[storage][arena]") {
  Arena arena;
  std::mt19937 rng(301);
  std::vector<std::pair<size_t, char*>> allocated;
  size_t bytes = 0;
  for (int i = 0; i < 5000; i++) {
    size_t s;
    if (i % 500 == 0) {
      s = 1 + rng() % 6000;  // sometimes larger than a block
    } else {
      s = 1 + rng() % (i % 10 == 0 ? 100 : 20);
    }
    char* r = (rng() % 4 == 0) ? arena.AllocateAligned(s) : arena.Allocate(s);
    for (size_t b = 0; b < s; b++) r[b] = static_cast<char>(i % 256);
    bytes += s;
    allocated.emplace_back(s, r);
    REQUIRE(arena.MemoryUsage() >= bytes);
    if (i > 100) REQUIRE(arena.MemoryUsage() <= bytes * 1.25 + 8192);
  }
  for (size_t i = 0; i < allocated.size(); i++) {
    auto [s, p] = allocated[i];
    for (size_t b = 0; b < s; b++) {
      REQUIRE(static_cast<unsigned char>(p[b]) == i % 256);
    }
  }
}

TEST_CASE("A big arena moves to huge blocks and keeps contents, alignment and a tight usage",
          "[storage][arena]") {
  Arena arena;
  const size_t align = alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
  std::vector<std::pair<size_t, char*>> allocated;
  size_t bytes = 0;
  // 12 MiB in memtable-entry-sized pieces: past the 2 MiB switch to 2 MiB blocks.
  for (int i = 0; bytes < (12u << 20); i++) {
    const size_t s = 24 + i % 150;
    char* r = arena.AllocateAligned(s);
    REQUIRE(reinterpret_cast<uintptr_t>(r) % align == 0);
    std::memset(r, i % 251, s);
    bytes += s;
    allocated.emplace_back(s, r);
  }
  CHECK(arena.MemoryUsage() >= bytes);
  // At most one partly used 2 MiB block, plus alignment slop and block waste.
  CHECK(arena.MemoryUsage() <= bytes * 1.25 + (2u << 20));
  // A large request in the huge stage still works (its own block).
  char* big = arena.Allocate(3u << 20);
  std::memset(big, 7, 3u << 20);
  CHECK(arena.MemoryUsage() >= bytes + (3u << 20));
  for (size_t i = 0; i < allocated.size(); i++) {
    auto [s, p] = allocated[i];
    for (size_t b = 0; b < s; b++) REQUIRE(static_cast<unsigned char>(p[b]) == i % 251);
  }
}

TEST_CASE("A big arena reuses the huge blocks of a dead one instead of fresh zeroed memory",
          "[storage][arena]") {
  // Fills arena A's huge blocks with a marker; a fresh mapping would read as
  // zeros, a pooled block of A still holds the marker.
  {
    Arena a;
    for (size_t used = 0; used < (6u << 20); used += 100) std::memset(a.Allocate(100), 0xAB, 100);
  }
  Arena b;
  char* first_huge = nullptr;  // the first allocation from a huge block
  while (first_huge == nullptr) {
    const size_t before = b.MemoryUsage();
    char* p = b.Allocate(100);
    if (b.MemoryUsage() - before >= (2u << 20)) first_huge = p;
  }
  int marked = 0;
  for (int i = 0; i < 100; i++) marked += static_cast<unsigned char>(first_huge[i]) == 0xAB;
  CHECK(marked == 100);
}

}  // namespace
}  // namespace lsmdb::storage
