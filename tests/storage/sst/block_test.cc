#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "storage/sst/block.h"
#include "storage/sst/block_builder.h"
#include "tests/storage/sst/sst_test_util.h"

namespace lsmdb::storage {
namespace {

using sst_test::LookupKey;
using sst_test::UserKey;
using Model = std::map<std::string, std::string, InternalKeyLess>;

// Even user keys 0, 2, 4, ... with one to three versions each.
Model MakeModel(int n, std::mt19937* rng) {
  Model m;
  for (int i = 0; i < n; i++) {
    int versions = 1 + (*rng)() % 3;
    for (int v = 0; v < versions; v++) {
      uint64_t seq = 1 + (*rng)() % 1000;
      m[MakeInternalKey(UserKey(2 * i), seq, v % 2 ? kTypeDeletion : kTypeValue)] =
          std::string((*rng)() % 40, static_cast<char>('a' + i % 26));
    }
  }
  return m;
}

Block BuildBlock(const Model& m, int restart_interval) {
  BlockBuilder b(restart_interval);
  for (const auto& [k, v] : m) b.Add(k, v);
  return Block(std::string(b.Finish()));
}

void CheckSeek(BlockIter* it, const Model& m, const std::string& target) {
  it->Seek(target);
  auto want = m.lower_bound(target);
  if (want == m.end()) {
    REQUIRE_FALSE(it->Valid());
  } else {
    REQUIRE(it->Valid());
    REQUIRE(it->key() == want->first);
    REQUIRE(it->value() == want->second);
  }
  it->SeekForPrev(target);
  auto up = m.upper_bound(target);
  if (up == m.begin()) {
    REQUIRE_FALSE(it->Valid());
  } else {
    --up;
    REQUIRE(it->Valid());
    REQUIRE(it->key() == up->first);
  }
  REQUIRE(it->status().ok());
}

TEST_CASE("A block iterates, seeks and steps back like a sorted map", "[storage][sst][block]") {
  std::mt19937 rng(42);
  for (int restart_interval : {1, 2, 16}) {
    for (int n : {1, 7, 300}) {
      CAPTURE(restart_interval, n);
      Model m = MakeModel(n, &rng);
      Block block = BuildBlock(m, restart_interval);
      REQUIRE(block.ok());
      BlockIter it(&block);

      // Forward and backward scans.
      auto want = m.begin();
      for (it.SeekToFirst(); it.Valid(); it.Next(), ++want) {
        REQUIRE(want != m.end());
        REQUIRE(it.key() == want->first);
        REQUIRE(it.value() == want->second);
      }
      REQUIRE(want == m.end());
      auto rwant = m.rbegin();
      for (it.SeekToLast(); it.Valid(); it.Prev(), ++rwant) {
        REQUIRE(rwant != m.rend());
        REQUIRE(it.key() == rwant->first);
      }
      REQUIRE(rwant == m.rend());

      // Seek to every key, between keys, before the first and after the last.
      for (const auto& [k, v] : m) CheckSeek(&it, m, k);
      for (int i = -1; i <= 2 * n + 1; i++) {
        CheckSeek(&it, m, LookupKey(UserKey(i)));
        CheckSeek(&it, m, MakeInternalKey(UserKey(i), 500, kTypeValue));
        CheckSeek(&it, m, MakeInternalKey(UserKey(i), 0, kTypeDeletion));
      }
      CheckSeek(&it, m, LookupKey(""));
      CheckSeek(&it, m, LookupKey("zzz"));

      // Prev from every position.
      for (auto pos = m.begin(); pos != m.end(); ++pos) {
        it.Seek(pos->first);
        REQUIRE(it.Valid());
        it.Prev();
        if (pos == m.begin()) {
          REQUIRE_FALSE(it.Valid());
        } else {
          REQUIRE(it.Valid());
          REQUIRE(it.key() == std::prev(pos)->first);
        }
      }
    }
  }
}

TEST_CASE("An empty block has no entries", "[storage][sst][block]") {
  BlockBuilder b;
  Block block{std::string(b.Finish())};
  REQUIRE(block.ok());
  BlockIter it(&block);
  it.SeekToFirst();
  REQUIRE_FALSE(it.Valid());
  it.SeekToLast();
  REQUIRE_FALSE(it.Valid());
  it.Seek(LookupKey("a"));
  REQUIRE_FALSE(it.Valid());
  REQUIRE(it.status().ok());
}

TEST_CASE("Malformed block contents give Corruption, never a crash", "[storage][sst][block]") {
  std::mt19937 rng(7);
  Model m = MakeModel(100, &rng);
  BlockBuilder b(4);
  for (const auto& [k, v] : m) b.Add(k, v);
  const std::string good(b.Finish());

  SECTION("too short or absurd restart counts") {
    for (std::string bad : {std::string(), std::string(3, '\0'), std::string("\xff\xff\xff\x7f"),
                            std::string(4, '\0')}) {
      Block block(bad);
      REQUIRE_FALSE(block.ok());
      BlockIter it(&block);
      it.SeekToFirst();
      REQUIRE_FALSE(it.Valid());
      REQUIRE(it.status().IsCorruption());
    }
  }

  SECTION("random byte flips and truncations") {
    int corrupt_seen = 0;
    for (int trial = 0; trial < 3000; trial++) {
      std::string bad = good;
      if (trial % 3 == 0) {
        bad.resize(rng() % bad.size());
      } else {
        for (int f = 0; f < 1 + trial % 4; f++) bad[rng() % bad.size()] ^= 1 << (rng() % 8);
      }
      Block block(std::move(bad));
      BlockIter it(&block);
      int steps = 0;
      for (it.SeekToFirst(); it.Valid() && steps < 1000; it.Next()) steps++;
      for (it.SeekToLast(); it.Valid() && steps < 2000; it.Prev()) steps++;
      it.Seek(LookupKey(UserKey(rng() % 250)));
      if (it.Valid()) it.Prev();
      it.SeekForPrev(LookupKey(UserKey(rng() % 250)));
      if (!it.status().ok()) {
        REQUIRE(it.status().IsCorruption());
        REQUIRE_FALSE(it.Valid());
        corrupt_seen++;
      }
    }
    REQUIRE(corrupt_seen > 0);
  }
}

}  // namespace
}  // namespace lsmdb::storage
