// libFuzzer target: manifest records (storage/db/version_edit.h) and the
// manifest replay in VersionSet::Recover (storage/db/version_set.cc).
//
// Byte 0 picks a mode; the rest is the payload:
//   0  VersionEdit::DecodeFrom(payload). When it succeeds the edit must
//      survive a round trip: encode -> decode -> encode gives the same bytes.
//   1  Recovery: FuzzedDataProvider splits the payload into up to 8 records,
//      which are written as a manifest with valid WAL framing and checksums
//      (storage/wal/wal_writer.cc) plus a CURRENT file naming it, in a temp
//      directory; VersionSet::Recover() must return OK or an error Status,
//      never crash (fuzzed levels, file numbers, keys shorter than internal
//      keys, deletes of absent files...).

#include <fuzzer/FuzzedDataProvider.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "lsmdb/options.h"
#include "storage/db/version_edit.h"
#include "storage/db/version_set.h"
#include "storage/sst/table_cache.h"
#include "storage/util/file.h"
#include "storage/wal/wal_writer.h"

namespace {

using namespace lsmdb;           // NOLINT: a test driver
using namespace lsmdb::storage;  // NOLINT

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "manifest_fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

const std::string& TempDir() {
  static const std::string dir = [] {
    std::string tmpl = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    tmpl += "/lsmdb_manifest_fuzz_XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    return tmpl;
  }();
  return dir;
}

void RoundTrip(std::string_view payload) {
  VersionEdit edit;
  if (!edit.DecodeFrom(payload).ok()) return;
  (void)edit.DebugString();
  std::string enc1;
  edit.EncodeTo(&enc1);
  VersionEdit again;
  Check(again.DecodeFrom(enc1).ok(), "re-encoded edit does not decode");
  std::string enc2;
  again.EncodeTo(&enc2);
  Check(enc1 == enc2, "encode(decode(encode(x))) != encode(x)");
  Check(edit.DebugString() == again.DebugString(), "DebugString differs after round trip");
}

void Recover(FuzzedDataProvider& fdp) {
  const std::string& dir = TempDir();
  {
    auto file = WritableFile::Open(ManifestFileName(dir, 1));
    Check(file.ok(), "cannot create the manifest");
    WalWriter writer(file.value().get());
    const int records = fdp.ConsumeIntegralInRange(1, 8);
    for (int i = 0; i < records && fdp.remaining_bytes() > 0; ++i) {
      Check(writer.AddRecord(fdp.ConsumeRandomLengthString(1024)).ok(), "manifest append");
    }
    Check(file.value()->Close().ok(), "manifest close");
  }
  {
    auto file = WritableFile::Open(CurrentFileName(dir));
    Check(file.ok(), "cannot create CURRENT");
    Check(file.value()->Append("MANIFEST-000001\n").ok(), "CURRENT append");
    Check(file.value()->Close().ok(), "CURRENT close");
  }
  Options options;
  TableCache tables(dir, 16, nullptr);
  VersionSet versions(dir, options, &tables);
  (void)versions.Recover();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    RoundTrip(payload);
  } else {
    FuzzedDataProvider fdp(data + 1, size - 1);
    Recover(fdp);
  }
  return 0;
}
