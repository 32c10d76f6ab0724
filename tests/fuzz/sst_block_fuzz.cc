// libFuzzer target: SSTable reading (storage/sst/block.h, storage/sst/table.h).
//
// Byte 0 of the input picks a mode; the rest is the payload:
//   0  Block: the payload is one uncompressed block (format in
//      block_builder.h); a BlockIter walks it forwards, backwards and seeks.
//   1  Raw table file: the payload is written to a temp file and opened with
//      Table::Open (almost always a footer checksum error: this tests the
//      footer and handle checks).
//   2  Assembled table: FuzzedDataProvider turns the payload into 1-4 data
//      blocks (raw or "LZ4" bytes with a fuzzed uncompressed size), an
//      optional filter block and an index block (raw fuzz bytes, or entries
//      with fuzzed keys whose values are the real handles), and the target
//      writes them with VALID trailers, checksums and footer. So the fuzzer
//      gets past the checksums to the block, LZ4, bloom and index parsing.
// After Table::Open succeeds the table is iterated both ways, sought, read
// with Get and checked with VerifyAll. Nothing may crash, hang or read
// outside its buffers (ASan); errors must come back as a Status.
//
// Seek targets must be internal keys (>= 8 bytes), so short ones are padded.

#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/options.h"
#include "storage/sst/block.h"
#include "storage/sst/block_cache.h"
#include "storage/sst/format.h"
#include "storage/sst/table.h"
#include "storage/util/checksum.h"
#include "storage/util/coding.h"
#include "storage/util/file.h"

namespace {

using namespace lsmdb;           // NOLINT: a test driver
using namespace lsmdb::storage;  // NOLINT

constexpr int kMaxSteps = 2000;  // bound every walk: a cycle must not look like a hang

std::string AsTarget(std::string_view s) {
  std::string t(s);
  if (t.size() < 8) t.append(8 - t.size(), '\x01');
  return t;
}

// Walks `it` every way; returns the number of entries seen going forwards.
int Exercise(Iterator* it, const std::vector<std::string>& targets) {
  int n = 0;
  for (it->SeekToFirst(); it->Valid() && n < kMaxSteps; it->Next()) {
    (void)it->key().size();
    (void)it->value().size();
    ++n;
  }
  (void)it->status();
  int m = 0;
  for (it->SeekToLast(); it->Valid() && m < kMaxSteps; it->Prev()) ++m;
  (void)it->status();
  for (const std::string& t : targets) {
    it->Seek(t);
    for (int i = 0; i < 3 && it->Valid(); ++i) it->Next();
    it->SeekForPrev(t);
    for (int i = 0; i < 3 && it->Valid(); ++i) it->Prev();
    (void)it->status();
  }
  return n;
}

// A temp file path private to this process, in memory when /dev/shm exists.
const std::string& TempPath() {
  static const std::string path = [] {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/lsmdb_sst_fuzz_" + std::to_string(getpid()) + ".sst";
  }();
  return path;
}

void WriteFileOrDie(const std::string& path, std::string_view data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(data.data(), 1, data.size(), f) != data.size()) {
    std::perror("sst_block_fuzz: temp file");
    std::abort();
  }
  std::fclose(f);
}

void OpenAndExercise(std::string_view file_bytes, const std::vector<std::string>& targets) {
  WriteFileOrDie(TempPath(), file_bytes);
  auto file = RandomAccessFile::Open(TempPath());
  if (!file.ok()) return;
  BlockCache cache(1 << 20);
  auto table = Table::Open(std::move(file).value(), 1, &cache);
  if (!table.ok()) return;
  const Table& t = *table.value();
  ReadOptions ro;
  {
    auto it = t.NewIterator(ro);
    Exercise(it.get(), targets);
  }
  ro.fill_cache = false;
  ro.verify_checksums = false;
  {
    auto it = t.NewIterator(ro);
    Exercise(it.get(), targets);
  }
  for (const std::string& target : targets) {
    std::string k, v;
    (void)t.Get(ro, target, &k, &v);
    (void)t.ApproximateOffsetOf(target);
  }
  std::string report;
  (void)t.VerifyAll(&report);
}

void AppendBlock(std::string* file, std::string_view stored, BlockType type, BlockHandle* h) {
  h->offset = file->size();
  h->size = stored.size();
  file->append(stored);
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(type);
  EncodeFixed32(trailer + 1, Checksum2(stored, std::string_view(trailer, 1)));
  file->append(trailer, kBlockTrailerSize);
}

// Mode 2: see the top of the file.
std::string AssembleTable(FuzzedDataProvider& fdp, std::vector<std::string>* targets) {
  std::string file;
  const int nblocks = fdp.ConsumeIntegralInRange(1, 4);
  std::vector<BlockHandle> handles(nblocks);
  for (int i = 0; i < nblocks; ++i) {
    const bool lz4 = fdp.ConsumeBool();
    std::string stored;
    if (lz4) PutVarint32(&stored, fdp.ConsumeIntegralInRange<uint32_t>(0, 1 << 16));
    stored += fdp.ConsumeRandomLengthString(4096);
    AppendBlock(&file, stored, lz4 ? BlockType::kLz4 : BlockType::kNone, &handles[i]);
  }
  Footer footer;
  if (fdp.ConsumeBool()) {
    AppendBlock(&file, fdp.ConsumeRandomLengthString(512), BlockType::kNone,
                &footer.filter_handle);
  }
  std::string index;
  if (fdp.ConsumeBool()) {
    index = fdp.ConsumeRandomLengthString(512);
  } else {
    // Restart interval 1: every entry has shared = 0 and its own restart.
    std::vector<uint32_t> restarts;
    for (int i = 0; i < nblocks; ++i) {
      restarts.push_back(static_cast<uint32_t>(index.size()));
      std::string key = fdp.ConsumeRandomLengthString(32);
      targets->push_back(AsTarget(key));
      std::string value;
      handles[i].EncodeTo(&value);
      PutVarint32(&index, 0);
      PutVarint32(&index, static_cast<uint32_t>(key.size()));
      PutVarint32(&index, static_cast<uint32_t>(value.size()));
      index += key;
      index += value;
    }
    for (uint32_t r : restarts) PutFixed32(&index, r);
    PutFixed32(&index, static_cast<uint32_t>(restarts.size()));
  }
  AppendBlock(&file, index, BlockType::kNone, &footer.index_handle);
  footer.EncodeTo(&file);
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> targets = {AsTarget(""), std::string(16, '\xff'),
                                      AsTarget(payload.substr(0, 12))};
  switch (data[0] % 3) {
    case 0: {
      Block block{std::string(payload)};
      BlockIter it(&block);
      Exercise(&it, targets);
      auto it2 = block.NewIterator();
      Exercise(it2.get(), targets);
      break;
    }
    case 1:
      OpenAndExercise(payload, targets);
      break;
    default: {
      FuzzedDataProvider fdp(data + 1, size - 1);
      std::string file = AssembleTable(fdp, &targets);
      OpenAndExercise(file, targets);
      break;
    }
  }
  return 0;
}
