// libFuzzer target: storage/wal/wal_reader.h's WalReader, and the WriteBatch
// decoding that recovery applies to every record it returns.
//
// Byte 0 picks a mode; the rest is the payload:
//   0  Raw file: the payload is the whole log file (mostly bad checksums:
//      tests tail/middle damage classification and resynchronisation).
//   1  Framed: FuzzedDataProvider turns the payload into fragments, each with
//      a fuzzed type (FULL/FIRST/MIDDLE/LAST or an invalid one), fuzzed
//      payload, a VALID checksum, and now and then a fuzzed length field, a
//      flipped byte or padding up to the next 32 KiB block; so the reader's
//      fragment-sequence logic and block handling are reached past the
//      checksums.
// The log is read twice, without and with repair. Invariants: ReadRecord
// ends (false or an error) within a bounded number of calls; an error is
// sticky; DroppedBytes() never exceeds the file size; every record goes
// through WriteBatch::SetContents + Iterate, which must return a Status.

#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lsmdb/write_batch.h"
#include "storage/util/checksum.h"
#include "storage/util/coding.h"
#include "storage/wal/wal_format.h"
#include "storage/wal/wal_reader.h"

namespace {

using namespace lsmdb;           // NOLINT: a test driver
using namespace lsmdb::storage;  // NOLINT

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "wal_reader_fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

const std::string& TempPath() {
  static const std::string path = [] {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/lsmdb_wal_fuzz_" + std::to_string(getpid()) + ".log";
  }();
  return path;
}

class CountingHandler : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    bytes_ += key.size() + value.size();
  }
  void Delete(std::string_view key) override { bytes_ += key.size(); }
  size_t bytes_ = 0;
};

void ReadLog(size_t file_size, bool repair) {
  auto reader = WalReader::Open(TempPath(), repair);
  Check(reader.ok(), "WalReader::Open failed on a readable file");
  WalReader& r = *reader.value();
  std::string record;
  // Every record takes at least one 7-byte header.
  const size_t max_calls = file_size / 7 + 2;
  size_t calls = 0;
  while (true) {
    Check(++calls <= max_calls, "ReadRecord does not terminate");
    auto more = r.ReadRecord(&record);
    if (!more.ok()) {
      Check(!repair, "error with repair on");
      auto again = r.ReadRecord(&record);
      Check(!again.ok(), "error not sticky");
      break;
    }
    if (!more.value()) break;
    Check(r.LastRecordOffset() < file_size, "record offset past the end");
    WriteBatch batch;
    if (batch.SetContents(record).ok()) {
      CountingHandler h;
      (void)batch.Iterate(h);
      (void)batch.Count();
      (void)batch.Sequence();
    }
  }
  Check(r.DroppedBytes() <= file_size, "dropped more bytes than the file has");
  (void)r.TailReport();
}

void AppendFragment(std::string* log, unsigned char type, std::string_view payload,
                    int length_delta) {
  char header[wal::kHeaderSize];
  const uint32_t len = static_cast<uint32_t>(payload.size() + length_delta) & 0xffff;
  std::string body(1, static_cast<char>(type));
  body += payload;
  EncodeFixed32(header, Checksum(body));
  header[4] = static_cast<char>(len & 0xff);
  header[5] = static_cast<char>(len >> 8);
  header[6] = static_cast<char>(type);
  log->append(header, sizeof(header));
  log->append(payload);
}

std::string Framed(FuzzedDataProvider& fdp) {
  std::string log;
  while (fdp.remaining_bytes() > 0 && log.size() < 3 * wal::kBlockSize) {
    const int action = fdp.ConsumeIntegralInRange(0, 15);
    if (action == 0) {  // pad to the next block boundary (trailer of zeros)
      log.append(wal::kBlockSize - log.size() % wal::kBlockSize, '\0');
    } else if (action == 1 && !log.empty()) {  // flip a byte
      const size_t at = fdp.ConsumeIntegralInRange<size_t>(0, log.size() - 1);
      log[at] = static_cast<char>(log[at] ^ fdp.ConsumeIntegralInRange(1, 255));
    } else if (action == 2) {  // a big payload, so fragments meet block ends
      const size_t n = fdp.ConsumeIntegralInRange<size_t>(0, wal::kBlockSize);
      const unsigned char type = fdp.ConsumeIntegralInRange<unsigned char>(0, 6);
      AppendFragment(&log, type, std::string(n, 'x'), 0);
    } else {
      const unsigned char type = fdp.ConsumeIntegralInRange<unsigned char>(0, 6);
      const int delta = action == 3 ? fdp.ConsumeIntegralInRange(-8, 8) : 0;
      AppendFragment(&log, type, fdp.ConsumeRandomLengthString(256), delta);
    }
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string log;
  if (data[0] % 2 == 0) {
    log.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  } else {
    FuzzedDataProvider fdp(data + 1, size - 1);
    log = Framed(fdp);
  }
  FILE* f = std::fopen(TempPath().c_str(), "wb");
  Check(f != nullptr, "temp file");
  Check(std::fwrite(log.data(), 1, log.size(), f) == log.size(), "temp write");
  std::fclose(f);
  ReadLog(log.size(), /*repair=*/false);
  ReadLog(log.size(), /*repair=*/true);
  return 0;
}
