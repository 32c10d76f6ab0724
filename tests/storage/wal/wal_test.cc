#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "storage/util/file.h"
#include "storage/wal/wal_format.h"
#include "storage/wal/wal_reader.h"
#include "storage/wal/wal_writer.h"

namespace lsmdb::storage {
namespace {

using wal::kBlockSize;
using wal::kHeaderSize;

// A fresh directory under /tmp, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/lsmdb_wal_test_XXXXXX";
    char* d = ::mkdtemp(tmpl);
    REQUIRE(d != nullptr);
    path_ = d;
  }
  ~TempDir() { (void)RemoveDirRecursive(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteLog(const std::string& path, const std::vector<std::string>& records) {
  auto file = WritableFile::Open(path);
  REQUIRE(file.ok());
  WalWriter writer(file->get());
  for (const auto& r : records) REQUIRE(writer.AddRecord(r).ok());
  REQUIRE((*file)->Flush().ok());
  REQUIRE((*file)->Close().ok());
}

std::string ReadBytes(const std::string& path) {
  std::string s;
  REQUIRE(ReadFileToString(path, &s).ok());
  return s;
}

void WriteBytes(const std::string& path, const std::string& data) {
  auto file = WritableFile::Open(path);
  REQUIRE(file.ok());
  REQUIRE((*file)->Append(data).ok());
  REQUIRE((*file)->Close().ok());
}

struct ReadOutcome {
  std::vector<std::string> records;
  std::vector<uint64_t> offsets;
  Status status;
  uint64_t dropped = 0;
  std::string tail_report;
};

ReadOutcome ReadLog(const std::string& path, bool repair) {
  ReadOutcome out;
  auto reader = WalReader::Open(path, repair);
  REQUIRE(reader.ok());
  std::string rec;
  while (true) {
    Result<bool> got = (*reader)->ReadRecord(&rec);
    if (!got.ok()) {
      out.status = got.status();
      break;
    }
    if (!*got) break;
    out.records.push_back(rec);
    out.offsets.push_back((*reader)->LastRecordOffset());
  }
  out.dropped = (*reader)->DroppedBytes();
  out.tail_report = (*reader)->TailReport();
  return out;
}

std::string RandomString(std::mt19937* rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>((*rng)() & 0xff);
  return s;
}

TEST_CASE("WAL records round-trip across block boundaries", "[storage][wal]") {
  TempDir dir;
  std::mt19937 rng(1);
  std::vector<std::string> records = {
      "",
      "a",
      RandomString(&rng, 100),
      RandomString(&rng, kBlockSize - 3 * kHeaderSize - 101),  // leaves a 6-byte trailer
      RandomString(&rng, kBlockSize - kHeaderSize),            // exactly one block
      RandomString(&rng, kBlockSize),                          // just over a block
      RandomString(&rng, 100 * 1024),                          // several blocks
      RandomString(&rng, 3 * (kBlockSize - kHeaderSize)),      // exactly three fragments
      "tail",
  };
  for (int i = 0; i < 1000; i++) records.push_back(RandomString(&rng, rng() % 300));
  const std::string path = dir.File("000001.log");
  WriteLog(path, records);

  ReadOutcome out = ReadLog(path, false);
  REQUIRE(out.status.ok());
  REQUIRE(out.records.size() == records.size());
  for (size_t i = 0; i < records.size(); i++) REQUIRE(out.records[i] == records[i]);
  CHECK(out.dropped == 0);
  CHECK(out.tail_report.empty());
  CHECK(out.offsets[0] == 0);
  CHECK(out.offsets[1] == kHeaderSize);
  for (size_t i = 1; i < out.offsets.size(); i++) REQUIRE(out.offsets[i] > out.offsets[i - 1]);

  std::vector<uint64_t> dumped;
  std::string report = "x";
  REQUIRE(DumpWal(
              path, [&](uint64_t off, std::string_view) { dumped.push_back(off); }, &report)
              .ok());
  CHECK(dumped == out.offsets);
  CHECK(report.empty());
}

TEST_CASE("An empty WAL file has no records", "[storage][wal]") {
  TempDir dir;
  WriteBytes(dir.File("empty.log"), "");
  ReadOutcome out = ReadLog(dir.File("empty.log"), false);
  CHECK(out.status.ok());
  CHECK(out.records.empty());
  CHECK(out.dropped == 0);
}

TEST_CASE("A WAL writer continues an existing log at its initial size", "[storage][wal]") {
  TempDir dir;
  const std::string path = dir.File("000002.log");
  std::mt19937 rng(2);
  std::vector<std::string> all;
  for (int round = 0; round < 3; round++) {
    auto file = WritableFile::Open(path, /*append=*/true);
    REQUIRE(file.ok());
    WalWriter writer(file->get(), (*file)->Size());
    for (int i = 0; i < 50; i++) {
      all.push_back(RandomString(&rng, rng() % 3000));
      REQUIRE(writer.AddRecord(all.back()).ok());
    }
    REQUIRE((*file)->Close().ok());
  }
  ReadOutcome out = ReadLog(path, false);
  REQUIRE(out.status.ok());
  CHECK(out.records == all);
}

// Truncates the log after `len` bytes and checks that it reads as `expected`
// (the complete records before the torn one) with no error.
void CheckTruncated(const std::string& path, const std::string& full, size_t len,
                    const std::vector<std::string>& expected, uint64_t torn_offset) {
  WriteBytes(path, full.substr(0, len));
  ReadOutcome out = ReadLog(path, false);
  INFO("truncated at " << len);
  REQUIRE(out.status.ok());
  REQUIRE(out.records == expected);
  // Bytes of a block trailer before the torn record are not a record.
  uint64_t expected_dropped = len > torn_offset ? len - torn_offset : 0;
  REQUIRE(out.dropped == expected_dropped);
  if (expected_dropped > 0) {
    REQUIRE(out.tail_report.find(path) != std::string::npos);
    REQUIRE(out.tail_report.find("offset " + std::to_string(torn_offset)) != std::string::npos);
  } else {
    REQUIRE(out.tail_report.empty());
  }
}

TEST_CASE("A torn last record is the clean end of the log", "[storage][wal]") {
  TempDir dir;
  std::mt19937 rng(3);
  const std::string path = dir.File("torn.log");

  SECTION("small last record, every truncation point") {
    std::vector<std::string> records = {"first", RandomString(&rng, 500), "last record"};
    WriteLog(path, records);
    const std::string full = ReadBytes(path);
    const uint64_t last_offset = ReadLog(path, false).offsets.back();
    std::vector<std::string> expected(records.begin(), records.end() - 1);
    for (size_t len = last_offset; len < full.size(); len++) {
      CheckTruncated(path, full, len, expected, last_offset);
    }
  }

  SECTION("100 KiB last record spanning blocks") {
    std::vector<std::string> records = {RandomString(&rng, 30000), RandomString(&rng, 5000),
                                        RandomString(&rng, 100 * 1024)};
    WriteLog(path, records);
    const std::string full = ReadBytes(path);
    const uint64_t last_offset = ReadLog(path, false).offsets.back();
    std::vector<std::string> expected(records.begin(), records.end() - 1);
    std::vector<size_t> points;
    for (size_t len = last_offset; len < full.size(); len += 97) points.push_back(len);
    // Around every block boundary and fragment header.
    for (size_t b = kBlockSize; b < full.size(); b += kBlockSize) {
      for (size_t len = b - 10; len < b + 10 && len < full.size(); len++) points.push_back(len);
    }
    for (size_t len = last_offset; len < last_offset + 10; len++) points.push_back(len);
    points.push_back(full.size() - 1);
    for (size_t len : points) {
      if (len >= last_offset - 6) CheckTruncated(path, full, len, expected, last_offset);
    }
  }
}

TEST_CASE("A zero-filled or garbage tail is the clean end of the log", "[storage][wal]") {
  TempDir dir;
  const std::string path = dir.File("zeros.log");
  std::vector<std::string> records = {"one", "two", std::string(40000, 'x')};
  WriteLog(path, records);
  const std::string full = ReadBytes(path);

  for (size_t zeros : {size_t{1}, size_t{7}, size_t{100}, size_t{kBlockSize * 3 + 5}}) {
    WriteBytes(path, full + std::string(zeros, '\0'));
    ReadOutcome out = ReadLog(path, false);
    INFO("zeros " << zeros);
    REQUIRE(out.status.ok());
    CHECK(out.records == records);
    // Zeros inside the current block's trailer are padding, not dropped bytes.
    CHECK(out.dropped <= zeros);
    CHECK(out.dropped + 7 > zeros);
  }
  std::mt19937 rng(4);
  WriteBytes(path, full + RandomString(&rng, 50000));
  ReadOutcome out = ReadLog(path, false);
  REQUIRE(out.status.ok());
  CHECK(out.records == records);
  CHECK(out.dropped == 50000);
  CHECK_FALSE(out.tail_report.empty());
}

TEST_CASE("A bad record in the middle is corruption, and repair skips it", "[storage][wal]") {
  TempDir dir;
  const std::string path = dir.File("mid.log");
  std::mt19937 rng(5);

  struct Case {
    const char* name;
    std::vector<std::string> records;
    size_t flip_in_middle;  // offset of the flipped byte from the middle record's start
  };
  const size_t big = 100 * 1024;
  std::vector<Case> cases = {
      {"payload byte", {"alpha", "bravo-bravo", "charlie"}, kHeaderSize + 3},
      {"checksum byte", {"alpha", "bravo-bravo", "charlie"}, 1},
      {"length byte", {"alpha", "bravo-bravo", "charlie"}, 4},
      {"type byte", {"alpha", "bravo-bravo", "charlie"}, 6},
      {"second block of a big record",
       {"alpha", RandomString(&rng, big), RandomString(&rng, 1000), "delta"},
       kBlockSize + 100},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    WriteLog(path, c.records);
    const std::string good = ReadBytes(path);
    const uint64_t mid = ReadLog(path, false).offsets[1];
    std::string bad = good;
    bad[mid + c.flip_in_middle] ^= 0x40;
    WriteBytes(path, bad);

    ReadOutcome out = ReadLog(path, false);
    REQUIRE(out.status.IsCorruption());
    CHECK(out.status.message().find(path) != std::string::npos);
    CHECK(out.status.message().find("bad record at offset " + std::to_string(mid)) !=
          std::string::npos);
    REQUIRE(out.records.size() == 1);
    CHECK(out.records[0] == c.records[0]);

    ReadOutcome repaired = ReadLog(path, true);
    REQUIRE(repaired.status.ok());
    std::vector<std::string> expected = c.records;
    expected.erase(expected.begin() + 1);
    CHECK(repaired.records == expected);
    CHECK(repaired.dropped > 0);
    CHECK(repaired.tail_report.empty());
    // The dropped region is the middle record (plus at most a block trailer).
    CHECK(repaired.dropped >= c.records[1].size());
    CHECK(repaired.dropped <=
          c.records[1].size() +
              kHeaderSize * (c.records[1].size() / (kBlockSize - kHeaderSize) + 2));

    std::vector<std::string> dumped;
    Status s = DumpWal(path, [&](uint64_t, std::string_view r) { dumped.emplace_back(r); });
    CHECK(s.IsCorruption());
    CHECK(dumped.size() == 1);
  }
}

TEST_CASE("An orphan fragment followed by records is corruption", "[storage][wal]") {
  TempDir dir;
  const std::string path = dir.File("orphan.log");
  std::mt19937 rng(6);
  std::vector<std::string> records = {RandomString(&rng, 100 * 1024), "after"};
  WriteLog(path, records);
  std::string bytes = ReadBytes(path);
  // Destroy the FIRST fragment's header: the MIDDLE/LAST fragments become orphans.
  bytes[6] = 9;
  WriteBytes(path, bytes);
  ReadOutcome out = ReadLog(path, false);
  CHECK(out.status.IsCorruption());
  CHECK(out.status.message().find("offset 0") != std::string::npos);
  CHECK(out.records.empty());
  ReadOutcome repaired = ReadLog(path, true);
  REQUIRE(repaired.status.ok());
  CHECK(repaired.records == std::vector<std::string>{"after"});
}

}  // namespace
}  // namespace lsmdb::storage
