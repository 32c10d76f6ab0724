// lsmtool: inspect and check LSMDB files. A thin main over the engine's own
// readers (Table, WalReader/DumpWal, VersionEdit, VersionSet): no file format is
// parsed here.
//
//   lsmtool dump-sst FILE       every entry: user key (escaped), seq, type, value size + prefix
//   lsmtool dump-wal FILE       every record: offset, batch sequence, count, the ops
//   lsmtool dump-manifest FILE  every VersionEdit (DebugString), with its offset
//   lsmtool check DIR           verifies every live table (Table::VerifyAll) and every live
//                               WAL (WalReader, each record parsed as a WriteBatch)
//   lsmtool stats DIR           opens the DB read-write, prints GetProperty("lsmdb.stats")
//
// Exit status: 0 on success; 1 on corruption or any error (the message, naming
// the file and offset, goes to stdout for check and to stderr otherwise); 2 on
// bad usage.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "lsmdb/db.h"
#include "lsmdb/write_batch.h"
#include "storage/db/dbformat.h"
#include "storage/db/version_edit.h"
#include "storage/db/version_set.h"
#include "storage/sst/table.h"
#include "storage/sst/table_cache.h"
#include "storage/util/file.h"
#include "storage/wal/wal_reader.h"

namespace lsmdb::tools {
namespace {

using storage::FileType;

constexpr size_t kValuePrefix = 24;  // bytes of each value shown by the dumps

// Printable ASCII as is (backslash doubled); anything else as \xNN.
std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "lsmtool: %s\n", s.ToString().c_str());
  return 1;
}

int DumpSst(const std::string& path) {
  auto file = storage::RandomAccessFile::Open(path);
  if (!file.ok()) return Fail(file.status());
  auto table = storage::Table::Open(std::move(file).value(), 0, nullptr);
  if (!table.ok()) return Fail(table.status());
  ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<Iterator> it = (*table)->NewIterator(ro);
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
    storage::ParsedInternalKey ik;
    if (!storage::ParseInternalKey(it->key(), &ik)) {
      std::printf("'%s' <bad internal key>\n", Escape(it->key()).c_str());
      continue;
    }
    std::string_view v = it->value();
    if (ik.type == storage::kTypeDeletion) {
      std::printf("'%s' @ %lu : del\n", Escape(ik.user_key).c_str(),
                  static_cast<unsigned long>(ik.sequence));
    } else {
      std::printf("'%s' @ %lu : put => %zu bytes '%s'%s\n", Escape(ik.user_key).c_str(),
                  static_cast<unsigned long>(ik.sequence), v.size(),
                  Escape(v.substr(0, kValuePrefix)).c_str(), v.size() > kValuePrefix ? "..." : "");
    }
  }
  if (!it->status().ok()) return Fail(it->status());
  std::printf("# %lu entries\n", static_cast<unsigned long>(n));
  return 0;
}

// Prints the records of a WriteBatch, one per line.
class BatchPrinter : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    std::printf("    put '%s' => %zu bytes '%s'%s\n", Escape(key).c_str(), value.size(),
                Escape(value.substr(0, kValuePrefix)).c_str(),
                value.size() > kValuePrefix ? "..." : "");
  }
  void Delete(std::string_view key) override {
    std::printf("    del '%s'\n", Escape(key).c_str());
  }
};

int DumpWalFile(const std::string& path) {
  Status bad;
  uint64_t records = 0;
  std::string tail;
  Status s = storage::DumpWal(
      path,
      [&](uint64_t offset, std::string_view record) {
        records++;
        WriteBatch batch;
        Status st = batch.SetContents(record);
        if (st.ok()) {
          std::printf("offset %lu: seq %lu, count %u\n", static_cast<unsigned long>(offset),
                      static_cast<unsigned long>(batch.Sequence()), batch.Count());
          BatchPrinter printer;
          st = batch.Iterate(printer);
        }
        if (!st.ok() && bad.ok()) {
          bad = Status::Corruption(fmt::format("{}: record at offset {}: {}", path, offset,
                                               st.message()));
        }
      },
      &tail);
  if (!tail.empty()) std::printf("# tail: %s\n", tail.c_str());
  if (!s.ok()) return Fail(s);
  if (!bad.ok()) return Fail(bad);
  std::printf("# %lu records\n", static_cast<unsigned long>(records));
  return 0;
}

int DumpManifest(const std::string& path) {
  Status bad;
  std::string tail;
  Status s = storage::DumpWal(
      path,
      [&](uint64_t offset, std::string_view record) {
        storage::VersionEdit edit;
        Status st = edit.DecodeFrom(record);
        if (!st.ok()) {
          if (bad.ok()) {
            bad = Status::Corruption(fmt::format("{}: record at offset {}: {}", path, offset,
                                                 st.message()));
          }
          return;
        }
        std::printf("offset %lu: %s\n", static_cast<unsigned long>(offset),
                    edit.DebugString().c_str());
      },
      &tail);
  if (!tail.empty()) std::printf("# tail: %s\n", tail.c_str());
  if (!s.ok()) return Fail(s);
  if (!bad.ok()) return Fail(bad);
  return 0;
}

// Counts the entries of one WriteBatch record (validating it).
class BatchCounter : public WriteBatch::Handler {
 public:
  void Put(std::string_view, std::string_view) override { n_++; }
  void Delete(std::string_view) override { n_++; }
  uint64_t n_ = 0;
};

int Check(const std::string& dir) {
  auto corrupt = [](const Status& s) {
    std::printf("CORRUPT: %s\n", s.ToString().c_str());
    return 1;
  };
  Options options;
  storage::VersionSet versions(dir, options, nullptr);
  Status s = versions.Recover();
  if (!s.ok()) return corrupt(s);
  storage::VersionRef v = versions.current();

  uint64_t tables = 0, wals = 0, entries = 0;
  for (int level = 0; level < storage::kMaxNumLevels; level++) {
    for (const auto& f : v->files[level]) {
      std::string path = storage::TableFileName(dir, f->number);
      auto file = storage::RandomAccessFile::Open(path);
      if (!file.ok()) return corrupt(file.status());
      if ((*file)->Size() != f->file_size) {
        return corrupt(Status::Corruption(fmt::format(
            "{}: size {} but the manifest says {}", path, (*file)->Size(), f->file_size)));
      }
      auto table = storage::Table::Open(std::move(file).value(), f->number, nullptr);
      if (!table.ok()) return corrupt(table.status());
      std::string report;
      s = (*table)->VerifyAll(&report);
      if (!s.ok()) return corrupt(s);
      std::printf("L%d %s\n", level, report.c_str());
      tables++;
      entries += f->num_entries;
    }
  }

  auto names = storage::ListDir(dir);
  if (!names.ok()) return corrupt(names.status());
  std::vector<std::pair<uint64_t, std::string>> logs;
  for (const auto& name : *names) {
    uint64_t number = 0;
    if (storage::ParseFileName(name, &number) == FileType::kWal &&
        number >= versions.log_number()) {
      logs.emplace_back(number, name);
    }
  }
  std::sort(logs.begin(), logs.end());
  for (const auto& [number, name] : logs) {
    std::string path = dir + "/" + name;
    auto reader = storage::WalReader::Open(path, /*repair=*/false);
    if (!reader.ok()) return corrupt(reader.status());
    std::string record;
    uint64_t records = 0;
    while (true) {
      auto more = (*reader)->ReadRecord(&record);
      if (!more.ok()) return corrupt(more.status());
      if (!*more) break;
      WriteBatch batch;
      BatchCounter counter;
      Status st = batch.SetContents(record);
      if (st.ok()) st = batch.Iterate(counter);
      if (!st.ok()) {
        return corrupt(Status::Corruption(fmt::format(
            "{}: record at offset {}: {}", path, (*reader)->LastRecordOffset(), st.message())));
      }
      records++;
      entries += counter.n_;
    }
    std::printf("WAL %s: %lu records\n", path.c_str(), static_cast<unsigned long>(records));
    if (!(*reader)->TailReport().empty()) {
      std::printf("WARNING (torn tail, dropped on open): %s\n",
                  (*reader)->TailReport().c_str());
    }
    wals++;
  }
  std::printf("OK: %lu tables, %lu WAL files, %lu entries\n", static_cast<unsigned long>(tables),
              static_cast<unsigned long>(wals), static_cast<unsigned long>(entries));
  return 0;
}

int Stats(const std::string& dir) {
  Options options;
  options.create_if_missing = false;
  auto db = DB::Open(options, dir);
  if (!db.ok()) return Fail(db.status());
  std::string stats;
  if (!(*db)->GetProperty("lsmdb.stats", &stats)) {
    return Fail(Status::NotSupported("lsmdb.stats"));
  }
  std::printf("%s", stats.c_str());
  return 0;
}

int Usage() {
  std::fprintf(stderr,
               "usage: lsmtool dump-sst FILE | dump-wal FILE | dump-manifest FILE |"
               " check DIR | stats DIR\n");
  return 2;
}

}  // namespace
}  // namespace lsmdb::tools

int main(int argc, char** argv) {
  using namespace lsmdb::tools;  // NOLINT: a main
  if (argc != 3) return Usage();
  std::string_view cmd = argv[1];
  std::string arg = argv[2];
  if (cmd == "dump-sst") return DumpSst(arg);
  if (cmd == "dump-wal") return DumpWalFile(arg);
  if (cmd == "dump-manifest") return DumpManifest(arg);
  if (cmd == "check") return Check(arg);
  if (cmd == "stats") return Stats(arg);
  return Usage();
}
