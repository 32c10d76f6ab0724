#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "storage/sst/block_cache.h"
#include "storage/sst/table.h"
#include "storage/sst/table_builder.h"
#include "storage/sst/table_cache.h"
#include "tests/storage/sst/sst_test_util.h"

namespace lsmdb::storage {
namespace {

using sst_test::LookupKey;
using sst_test::TempDir;
using sst_test::UserKey;
using Model = std::map<std::string, std::string, InternalKeyLess>;

// Even user keys only, so odd ones are known to be absent.
Model MakeModel(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  Model m;
  for (int i = 0; i < n; i++) {
    std::string v(rng() % 120, '\0');
    for (char& c : v) c = static_cast<char>('a' + rng() % 8);  // compressible
    m[MakeInternalKey(UserKey(2 * i), 1000 + i, kTypeValue)] = std::move(v);
    if (i % 97 == 0) m[MakeInternalKey(UserKey(2 * i), 10, kTypeDeletion)] = "";
  }
  return m;
}

void WriteTable(const std::string& path, const Model& m, const TableOptions& opts) {
  auto file = WritableFile::Open(path);
  REQUIRE(file.ok());
  TableBuilder b(opts, file->get());
  for (const auto& [k, v] : m) b.Add(k, v);
  REQUIRE(b.Finish().ok());
  REQUIRE(b.NumEntries() == m.size());
  REQUIRE((*file)->Close().ok());
  REQUIRE(FileSize(path).value() == b.FileSize());
}

Result<std::unique_ptr<Table>> OpenTable(const std::string& path, BlockCache* cache) {
  auto file = RandomAccessFile::Open(path);
  if (!file.ok()) return file.status();
  return Table::Open(std::move(file).value(), 1, cache);
}

TEST_CASE("A table of 100k keys reads back through Get and iterators", "[storage][sst][table]") {
  TempDir dir;
  const Model m = MakeModel(100000, 1);
  for (Compression c : {Compression::kNone, Compression::kLz4}) {
    for (bool with_cache : {false, true}) {
      CAPTURE(static_cast<int>(c), with_cache);
      TableOptions opts;
      opts.compression = c;
      const std::string path = dir.path() + "/t.sst";
      WriteTable(path, m, opts);
      BlockCache cache(1 << 20);
      auto table = OpenTable(path, with_cache ? &cache : nullptr);
      REQUIRE(table.ok());
      ReadOptions ro;

      std::string report;
      REQUIRE((*table)->VerifyAll(&report).ok());

      // Random Gets of present and absent keys.
      std::mt19937 rng(5);
      std::string found, value;
      for (int i = 0; i < 20000; i++) {
        int k = rng() % 200002;
        auto r = (*table)->Get(ro, LookupKey(UserKey(k)), &found, &value);
        REQUIRE(r.ok());
        if (k % 2 == 1 || k >= 200000) {
          REQUIRE_FALSE(*r);
        } else {
          REQUIRE(*r);
          auto want = m.lower_bound(LookupKey(UserKey(k)));
          REQUIRE(found == want->first);
          REQUIRE(value == want->second);
        }
      }
      // Older version lookups find the deletion tombstones.
      auto r = (*table)->Get(ro, MakeInternalKey(UserKey(0), 500, kTypeValue), &found, &value);
      REQUIRE(r.ok());
      REQUIRE(*r);
      REQUIRE(ExtractValueType(found) == kTypeDeletion);

      // Full forward and backward scans.
      auto it = (*table)->NewIterator(ro);
      auto want = m.begin();
      for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
        REQUIRE(want != m.end());
        REQUIRE(it->key() == want->first);
        REQUIRE(it->value() == want->second);
      }
      REQUIRE(want == m.end());
      REQUIRE(it->status().ok());
      auto rwant = m.rbegin();
      for (it->SeekToLast(); it->Valid(); it->Prev(), ++rwant) {
        REQUIRE(rwant != m.rend());
        REQUIRE(it->key() == rwant->first);
      }
      REQUIRE(rwant == m.rend());

      // Random Seek / SeekForPrev with a few steps each way.
      for (int i = 0; i < 2000; i++) {
        std::string target = LookupKey(UserKey(static_cast<int>(rng() % 200004) - 1));
        it->Seek(target);
        auto lb = m.lower_bound(target);
        if (lb == m.end()) {
          REQUIRE_FALSE(it->Valid());
        } else {
          REQUIRE(it->Valid());
          REQUIRE(it->key() == lb->first);
          it->Prev();
          if (lb == m.begin()) {
            REQUIRE_FALSE(it->Valid());
          } else {
            REQUIRE(it->key() == std::prev(lb)->first);
          }
        }
        it->SeekForPrev(target);
        auto ub = m.upper_bound(target);
        if (ub == m.begin()) {
          REQUIRE_FALSE(it->Valid());
        } else {
          REQUIRE(it->Valid());
          REQUIRE(it->key() == std::prev(ub)->first);
          it->Next();
          if (ub == m.end()) {
            REQUIRE_FALSE(it->Valid());
          } else {
            REQUIRE(it->key() == ub->first);
          }
        }
      }
      REQUIRE(it->status().ok());

      // Offsets grow with the key.
      uint64_t a = (*table)->ApproximateOffsetOf(LookupKey(UserKey(1000)));
      uint64_t b = (*table)->ApproximateOffsetOf(LookupKey(UserKey(100000)));
      uint64_t e = (*table)->ApproximateOffsetOf(LookupKey("zzz"));
      REQUIRE(a < b);
      REQUIRE(b < e);
      REQUIRE(e < (*table)->file_size());
      if (with_cache) {
        REQUIRE(cache.hits() > 0);
        REQUIRE(cache.usage() <= cache.capacity());
      }
    }
  }
}

TEST_CASE("A table without a filter and an empty table both read back", "[storage][sst][table]") {
  TempDir dir;
  TableOptions opts;
  opts.bloom_bits_per_key = 0;
  opts.block_size = 256;
  const Model m = MakeModel(500, 2);
  WriteTable(dir.path() + "/a.sst", m, opts);
  auto t = OpenTable(dir.path() + "/a.sst", nullptr);
  REQUIRE(t.ok());
  std::string f, v;
  REQUIRE((*t)->Get(ReadOptions(), LookupKey(UserKey(10)), &f, &v).value());
  REQUIRE_FALSE((*t)->Get(ReadOptions(), LookupKey(UserKey(11)), &f, &v).value());

  WriteTable(dir.path() + "/e.sst", Model(), TableOptions());
  auto e = OpenTable(dir.path() + "/e.sst", nullptr);
  REQUIRE(e.ok());
  auto it = (*e)->NewIterator(ReadOptions());
  it->SeekToFirst();
  REQUIRE_FALSE(it->Valid());
  it->SeekForPrev(LookupKey("a"));
  REQUIRE_FALSE(it->Valid());
  REQUIRE(it->status().ok());
  REQUIRE_FALSE((*e)->Get(ReadOptions(), LookupKey("a"), &f, &v).value());
}

// --- corruption -------------------------------------------------------------

struct CorruptFixture {
  TempDir dir;
  std::string path = dir.path() + "/c.sst";
  std::string bytes;
  Footer footer;
  Model m = MakeModel(2000, 3);

  explicit CorruptFixture(Compression c) {
    TableOptions opts;
    opts.compression = c;
    WriteTable(path, m, opts);
    REQUIRE(ReadFileToString(path, &bytes).ok());
    REQUIRE(footer
                .DecodeFrom(std::string_view(bytes).substr(bytes.size() - Footer::kEncodedLength),
                            path, bytes.size() - Footer::kEncodedLength)
                .ok());
  }
  void WriteFlipped(size_t offset) {
    std::string bad = bytes;
    bad[offset] ^= 0x10;
    REQUIRE(sst_test::WriteFileFast(path, bad).ok());
  }
};

TEST_CASE("A flipped byte in a data block is Corruption with the block offset",
          "[storage][sst][table][corruption]") {
  for (Compression c : {Compression::kNone, Compression::kLz4}) {
    CorruptFixture fx(c);
    fx.WriteFlipped(20);  // inside data block 0 (offset 0)
    auto t = OpenTable(fx.path, nullptr);
    REQUIRE(t.ok());  // data blocks are read lazily

    std::string report;
    Status s = (*t)->VerifyAll(&report);
    REQUIRE(s.IsCorruption());
    REQUIRE_THAT(s.message(), Catch::Contains("in block at offset 0"));
    REQUIRE_THAT(s.message(), Catch::Contains(fx.path));
    REQUIRE_THAT(report, Catch::Contains("offset 0"));

    auto it = (*t)->NewIterator(ReadOptions());
    it->SeekToFirst();
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().IsCorruption());
    REQUIRE_THAT(it->status().message(), Catch::Contains("offset 0"));

    std::string f, v;
    auto r = (*t)->Get(ReadOptions(), fx.m.begin()->first, &f, &v);
    REQUIRE(r.status().IsCorruption());
    REQUIRE_THAT(r.status().message(), Catch::Contains("offset 0"));

    // A key in a later block still reads fine.
    r = (*t)->Get(ReadOptions(), fx.m.rbegin()->first, &f, &v);
    REQUIRE(r.ok());
    REQUIRE(*r);
  }
}

TEST_CASE("A flipped byte in the index block or footer fails Open with Corruption",
          "[storage][sst][table][corruption]") {
  CorruptFixture fx(Compression::kLz4);
  SECTION("index") {
    fx.WriteFlipped(fx.footer.index_handle.offset + 3);
    auto t = OpenTable(fx.path, nullptr);
    REQUIRE(t.status().IsCorruption());
    REQUIRE_THAT(t.status().message(),
                 Catch::Contains(fmt::format("offset {}", fx.footer.index_handle.offset)));
  }
  SECTION("filter") {
    fx.WriteFlipped(fx.footer.filter_handle.offset + 3);
    auto t = OpenTable(fx.path, nullptr);
    REQUIRE(t.status().IsCorruption());
    REQUIRE_THAT(t.status().message(),
                 Catch::Contains(fmt::format("offset {}", fx.footer.filter_handle.offset)));
  }
  SECTION("footer") {
    const uint64_t footer_offset = fx.bytes.size() - Footer::kEncodedLength;
    for (size_t i = 0; i < Footer::kEncodedLength; i++) {
      fx.WriteFlipped(footer_offset + i);
      auto t = OpenTable(fx.path, nullptr);
      REQUIRE(t.status().IsCorruption());
      REQUIRE_THAT(t.status().message(), Catch::Contains(fx.path));
      REQUIRE_THAT(t.status().message(), Catch::Contains(fmt::format("offset {}", footer_offset)));
    }
  }
  SECTION("truncated file") {
    REQUIRE(sst_test::WriteFileFast(fx.path, fx.bytes.substr(0, 30)).ok());
    REQUIRE(OpenTable(fx.path, nullptr).status().IsCorruption());
    REQUIRE(sst_test::WriteFileFast(fx.path, fx.bytes.substr(0, fx.bytes.size() - 1)).ok());
    REQUIRE(OpenTable(fx.path, nullptr).status().IsCorruption());
  }
}

TEST_CASE("Every single flipped byte of a small table is caught, without a crash",
          "[storage][sst][table][corruption]") {
  for (Compression c : {Compression::kNone, Compression::kLz4}) {
    TempDir dir;
    const std::string path = dir.path() + "/s.sst";
    TableOptions opts;
    opts.compression = c;
    opts.block_size = 512;
    const Model m = MakeModel(60, 4);
    WriteTable(path, m, opts);
    std::string bytes;
    REQUIRE(ReadFileToString(path, &bytes).ok());
    for (size_t i = 0; i < bytes.size(); i++) {
      CAPTURE(i);
      std::string bad = bytes;
      bad[i] ^= static_cast<char>(1 << (i % 8));
      REQUIRE(sst_test::WriteFileFast(path, bad).ok());
      auto t = OpenTable(path, nullptr);
      if (!t.ok()) {
        REQUIRE(t.status().IsCorruption());
        continue;
      }
      std::string report;
      REQUIRE((*t)->VerifyAll(&report).IsCorruption());
      // Reads with checksums off must still be memory-safe.
      ReadOptions ro;
      ro.verify_checksums = false;
      auto it = (*t)->NewIterator(ro);
      int steps = 0;
      for (it->SeekToFirst(); it->Valid() && steps < 500; it->Next()) steps++;
      for (it->SeekToLast(); it->Valid() && steps < 1000; it->Prev()) steps++;
      it->Seek(LookupKey(UserKey(50)));
      it->SeekForPrev(LookupKey(UserKey(51)));
      std::string f, v;
      (void)(*t)->Get(ro, LookupKey(UserKey(40)), &f, &v);
      (void)(*t)->Get(ReadOptions(), LookupKey(UserKey(40)), &f, &v);
    }
  }
}

// --- table cache ------------------------------------------------------------

TEST_CASE("The table cache opens, shares and evicts tables", "[storage][sst][table_cache]") {
  TempDir dir;
  REQUIRE(TableFileName("db", 42) == "db/000042.sst");
  REQUIRE(TableFileName("db", 12345678) == "db/12345678.sst");
  const Model m = MakeModel(3000, 6);
  for (uint64_t n : {1, 2, 3}) WriteTable(TableFileName(dir.path(), n), m, TableOptions());
  const uint64_t size = FileSize(TableFileName(dir.path(), 1)).value();

  BlockCache block_cache(1 << 20);
  TableCache tc(dir.path(), 2, &block_cache);
  auto t1 = tc.FindTable(1, size);
  REQUIRE(t1.ok());
  auto t1again = tc.FindTable(1, size);
  REQUIRE(t1again.ok());
  REQUIRE(t1->get() == t1again->get());

  std::string f, v;
  auto r = tc.Get(ReadOptions(), 2, size, LookupKey(UserKey(100)), &f, &v);
  REQUIRE(r.ok());
  REQUIRE(*r);
  REQUIRE(v == m.lower_bound(LookupKey(UserKey(100)))->second);

  // The iterator keeps its table alive past eviction and file deletion.
  auto it = tc.NewIterator(ReadOptions(), 3, size);
  tc.Evict(3);
  REQUIRE(RemoveFile(TableFileName(dir.path(), 3)).ok());
  size_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) count++;
  REQUIRE(count == m.size());
  REQUIRE(it->status().ok());

  // Missing files and size mismatches are errors, also through iterators.
  auto missing = tc.NewIterator(ReadOptions(), 3, size);
  missing->SeekToFirst();
  REQUIRE_FALSE(missing->Valid());
  REQUIRE_FALSE(missing->status().ok());
  REQUIRE(tc.FindTable(2, size + 1).ok());  // still cached: no re-check
  tc.Evict(2);
  REQUIRE(tc.FindTable(2, size + 1).status().IsCorruption());
  REQUIRE(tc.FindTable(2, size).ok());
}

}  // namespace
}  // namespace lsmdb::storage
