// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/)
// with the engine's own writers, so every seed starts as a valid input:
//
//   make_seeds <corpus dir>      (tools/fuzz.sh --seeds)
//
// Each file starts with the mode byte its target reads first (see the top
// of each *_fuzz.cc). The RESP seeds are plain wire bytes.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include "lsmdb/write_batch.h"
#include "storage/db/dbformat.h"
#include "storage/db/version_edit.h"
#include "storage/sst/block_builder.h"
#include "storage/sst/table_builder.h"
#include "storage/util/file.h"
#include "storage/wal/wal_writer.h"

namespace {

using namespace lsmdb;           // NOLINT: a tool
using namespace lsmdb::storage;  // NOLINT

std::string root;

void Die(const char* what) {
  std::fprintf(stderr, "make_seeds: %s\n", what);
  std::exit(1);
}

void Put(const std::string& target, const std::string& name, char mode, std::string_view body) {
  const std::string dir = root + "/" + target;
  mkdir(dir.c_str(), 0755);
  std::string data;
  data.push_back(mode);
  data += body;
  FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
  if (f == nullptr || std::fwrite(data.data(), 1, data.size(), f) != data.size()) Die(name.c_str());
  std::fclose(f);
}

std::string ReadAll(const std::string& path) {
  std::string out;
  if (!ReadFileToString(path, &out).ok()) Die("read back");
  return out;
}

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return MakeInternalKey(buf, 100 + i, i % 7 == 0 ? kTypeDeletion : kTypeValue);
}

void RespSeeds() {
  const char* t = "resp_parser_fuzz";
  // Mode byte = limits selector (even: default limits, odd: tiny limits).
  Put(t, "multibulk", 2, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n");
  Put(t, "pipeline", 2,
      "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*0\r\n*-1\r\n");
  Put(t, "inline", 2, "SET k \"a\\x41\\n\" 'it\\'s'\r\nPING\n\r\n");
  Put(t, "bad_lengths", 2, "*1\r\n$-5\r\nx\r\n");
  Put(t, "huge_bulk", 2, "*1\r\n$1099511627776\r\n");
  Put(t, "huge_mbulk", 2, "*10000000\r\n$1\r\na\r\n");
  Put(t, "tiny_limits", 3, "*2\r\n$3\r\nGET\r\n$100\r\n");
  Put(t, "nul_inline", 2, std::string("GET a\0b\r\n", 9));
}

void SstSeeds(const std::string& tmp) {
  const char* t = "sst_block_fuzz";
  BlockBuilder bb(4);
  for (int i = 0; i < 20; ++i) bb.Add(Key(i), "value" + std::to_string(i));
  Put(t, "block", 0, bb.Finish());
  BlockBuilder empty(16);
  Put(t, "block_empty", 0, empty.Finish());

  for (int variant = 0; variant < 2; ++variant) {
    const std::string path = tmp + "/seed.sst";
    auto file = WritableFile::Open(path);
    if (!file.ok()) Die("sst create");
    TableOptions opts;
    opts.block_size = 256;
    opts.compression = variant == 0 ? Compression::kNone : Compression::kLz4;
    opts.bloom_bits_per_key = variant == 0 ? 0 : 10;
    TableBuilder tb(opts, file.value().get());
    for (int i = 0; i < 60; ++i) tb.Add(Key(i), std::string(20, static_cast<char>('a' + i % 26)));
    if (!tb.Finish().ok() || !file.value()->Close().ok()) Die("sst finish");
    Put(t, variant == 0 ? "table_plain" : "table_lz4_bloom", 1, ReadAll(path));
  }
  // Mode 2 seeds are FuzzedDataProvider streams; a few arbitrary bytes do.
  Put(t, "assembled", 2, std::string("\x01\x00\x10key0000100000000\x00\x05\x02", 20));
}

void WalSeeds(const std::string& tmp) {
  const char* t = "wal_reader_fuzz";
  const std::string path = tmp + "/seed.log";
  auto file = WritableFile::Open(path);
  if (!file.ok()) Die("wal create");
  WalWriter w(file.value().get());
  for (int r = 0; r < 4; ++r) {
    WriteBatch b;
    b.SetSequence(1000 + r * 10);
    b.Put("k" + std::to_string(r), "v" + std::to_string(r));
    if (r % 2) b.Delete("gone");
    if (r == 2) b.Put("big", std::string(40000, 'z'));  // spans a 32 KiB block: FIRST + LAST
    if (!w.AddRecord(b.Contents()).ok()) Die("wal append");
  }
  if (!w.AddRecord("").ok() || !file.value()->Close().ok()) Die("wal close");
  const std::string log = ReadAll(path);
  Put(t, "log", 0, log);
  Put(t, "log_torn_tail", 0, log.substr(0, log.size() - 3));
  std::string middle = log;
  middle[20] ^= 0x40;
  Put(t, "log_middle_damage", 0, middle);
  Put(t, "framed", 1, std::string("\x05\x01\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00", 12));
}

void ManifestSeeds() {
  const char* t = "manifest_fuzz";
  VersionEdit e;
  e.SetLogNumber(7);
  e.SetNextFile(12);
  e.SetLastSequence(4242);
  e.SetCompactPointer(1, Key(3));
  FileMetaData f;
  f.number = 9;
  f.file_size = 4096;
  f.num_entries = 60;
  f.smallest = Key(0);
  f.largest = Key(59);
  e.AddFile(0, f);
  e.RemoveFile(1, 5);
  std::string enc;
  e.EncodeTo(&enc);
  Put(t, "edit", 0, enc);
  VersionEdit small;
  small.SetLogNumber(1);
  small.SetNextFile(2);
  small.SetLastSequence(0);
  std::string enc2;
  small.EncodeTo(&enc2);
  Put(t, "edit_minimal", 0, enc2);
  // Mode 1: record count byte, then FuzzedDataProvider-split records.
  Put(t, "recover", 1, std::string("\x01", 1) + enc2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) Die("usage: make_seeds <corpus dir>");
  root = argv[1];
  mkdir(root.c_str(), 0755);
  char tmpl[] = "/tmp/lsmdb_seeds_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) Die("mkdtemp");
  RespSeeds();
  SstSeeds(tmpl);
  WalSeeds(tmpl);
  ManifestSeeds();
  (void)RemoveDirRecursive(tmpl);
  return 0;
}
