// Randomized model test: the DB against a std::map oracle, with reopen,
// flush, compaction and snapshots in between.

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>

#include "lsmdb/db.h"
#include "storage/util/file.h"
#include "tests/storage/db/db_test_util.h"

namespace lsmdb {
namespace {

using Model = std::map<std::string, std::string>;

std::string RandomKey(std::mt19937_64& rng, int space) {
  return "key" + std::to_string(rng() % space);
}

void CheckScan(DB& db, const Model& model, const Snapshot* snap) {
  ReadOptions ro;
  ro.snapshot = snap;
  auto it = db.NewIterator(ro);
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    REQUIRE(m != model.end());
    REQUIRE(it->key() == m->first);
    REQUIRE(it->value() == m->second);
  }
  REQUIRE(it->status().ok());
  REQUIRE(m == model.end());
  // Backwards too.
  auto r = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    REQUIRE(r != model.rend());
    REQUIRE(it->key() == r->first);
  }
  REQUIRE(r == model.rend());
}

}  // namespace

TEST_CASE("random operations match a std::map through flushes, compactions and reopens",
          "[storage][db][model]") {
  test::TempDir dir;
  Options options = test::SmallOptions();
  auto db = test::OpenOrDie(options, dir.path());
  Model model;
  std::mt19937_64 rng(20261125);
  std::vector<std::pair<const Snapshot*, Model>> snapshots;
  const int kOps = 30000;
  for (int i = 0; i < kOps; i++) {
    int op = rng() % 100;
    if (op < 45) {
      std::string k = RandomKey(rng, 2000), v = "v" + std::to_string(rng()) + std::string(rng() % 200, 'x');
      REQUIRE(db->Put(WriteOptions(), k, v).ok());
      model[k] = v;
    } else if (op < 60) {
      std::string k = RandomKey(rng, 2000);
      REQUIRE(db->Delete(WriteOptions(), k).ok());
      model.erase(k);
    } else if (op < 68) {
      WriteBatch batch;
      for (int j = 0; j < 5; j++) {
        std::string k = RandomKey(rng, 2000);
        if (rng() % 3 == 0) {
          batch.Delete(k);
          model.erase(k);
        } else {
          batch.Put(k, "b" + std::to_string(i));
          model[k] = "b" + std::to_string(i);
        }
      }
      REQUIRE(db->Write(WriteOptions(), batch).ok());
    } else if (op < 90) {
      std::string k = RandomKey(rng, 2000), v;
      auto found = db->Get(ReadOptions(), k, &v);
      REQUIRE(found.ok());
      auto m = model.find(k);
      REQUIRE(*found == (m != model.end()));
      if (*found) REQUIRE(v == m->second);
    } else if (op < 93) {
      // Seek to a random key and walk a few steps.
      std::string k = RandomKey(rng, 2000);
      auto it = db->NewIterator(ReadOptions());
      it->Seek(k);
      auto m = model.lower_bound(k);
      for (int s = 0; s < 5 && m != model.end(); s++, ++m, it->Next()) {
        REQUIRE(it->Valid());
        REQUIRE(it->key() == m->first);
      }
    } else if (op < 95) {
      if (snapshots.size() < 4) snapshots.emplace_back(db->GetSnapshot(), model);
    } else if (op < 96) {
      REQUIRE(db->Flush().ok());
    } else if (op < 97) {
      std::string a = RandomKey(rng, 2000), b = RandomKey(rng, 2000);
      if (b < a) std::swap(a, b);
      std::string_view av(a), bv(b);
      Status cs = db->CompactRange(&av, &bv);
      INFO(cs.ToString());
      REQUIRE(cs.ok());
    } else if (op < 98 && snapshots.empty()) {
      db.reset();
      db = test::OpenOrDie(options, dir.path());
    } else if (!snapshots.empty()) {
      auto& [snap, snap_model] = snapshots.back();
      CheckScan(*db, snap_model, snap);
      db->ReleaseSnapshot(snap);
      snapshots.pop_back();
    }
  }
  CheckScan(*db, model, nullptr);
  for (auto& [snap, snap_model] : snapshots) {
    CheckScan(*db, snap_model, snap);
    db->ReleaseSnapshot(snap);
  }
  REQUIRE(db->CompactRange(nullptr, nullptr).ok());
  CheckScan(*db, model, nullptr);
  db.reset();
  db = test::OpenOrDie(options, dir.path());
  CheckScan(*db, model, nullptr);
}

}  // namespace lsmdb

namespace lsmdb {

TEST_CASE("compaction deletes its input tables at once", "[storage][db]") {
  test::TempDir dir;
  Options o = test::SmallOptions();
  auto db = test::OpenOrDie(o, dir.path());
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 3000; i++) {
      REQUIRE(db->Put(WriteOptions(), fmt::format("k{:05}", i), std::string(100, 'a' + round)).ok());
    }
    REQUIRE(db->Flush().ok());
  }
  REQUIRE(db->CompactRange(nullptr, nullptr).ok());
  int live = 0;
  for (int level = 0; level < 7; level++) {
    std::string n;
    REQUIRE(db->GetProperty(fmt::format("lsmdb.num-files-at-level{}", level), &n));
    live += std::stoi(n);
  }
  auto names = storage::ListDir(dir.path());
  REQUIRE(names.ok());
  int on_disk = 0;
  for (const auto& name : *names) on_disk += name.size() > 4 && name.substr(name.size() - 4) == ".sst";
  CHECK(on_disk == live);
}

}  // namespace lsmdb

namespace lsmdb {

TEST_CASE("iterator bounds hide keys outside the range and skip files", "[storage][db]") {
  test::TempDir dir;
  auto db = test::OpenOrDie(test::SmallOptions(), dir.path());
  for (int i = 0; i < 3000; i++) {
    REQUIRE(db->Put(WriteOptions(), fmt::format("k{:05}", i), "v").ok());
    if (i % 1000 == 999) REQUIRE(db->Flush().ok());
  }
  ReadOptions ro;
  ro.lower_bound = "k01000";
  ro.upper_bound = "k01010";
  auto it = db->NewIterator(ro);
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
  REQUIRE(keys.size() == 10);
  CHECK(keys.front() == "k01000");
  CHECK(keys.back() == "k01009");
  it->SeekToLast();
  REQUIRE(it->Valid());
  CHECK(it->key() == "k01009");
  it->Seek("a");
  REQUIRE(it->Valid());
  CHECK(it->key() == "k01000");
  it->SeekForPrev("z");
  REQUIRE(it->Valid());
  CHECK(it->key() == "k01009");
  it->Prev();
  CHECK(it->key() == "k01008");
  it->Seek("k01010");
  CHECK_FALSE(it->Valid());
}

}  // namespace lsmdb
