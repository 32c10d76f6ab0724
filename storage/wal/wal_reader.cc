// storage/util/checksum.h uses XXH3_state_t, which xxhash.h declares only
// under XXH_STATIC_LINKING_ONLY.
#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY
#endif

#include "storage/wal/wal_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "storage/util/checksum.h"
#include "storage/util/coding.h"
#include "storage/util/file.h"
#include "storage/wal/wal_format.h"

namespace lsmdb::storage {

using wal::kBlockSize;
using wal::kHeaderSize;

namespace {

// The fixed16 length field of the fragment header at h.
uint32_t DecodeLength(const char* h) {
  return static_cast<unsigned char>(h[4]) |
         (static_cast<uint32_t>(static_cast<unsigned char>(h[5])) << 8);
}

}  // namespace

Result<std::unique_ptr<WalReader>> WalReader::Open(const std::string& path, bool repair) {
  std::string contents;
  LSMDB_RETURN_IF_ERROR(ReadFileToString(path, &contents));
  return std::unique_ptr<WalReader>(new WalReader(path, std::move(contents), repair));
}

WalReader::WalReader(std::string path, std::string contents, bool repair)
    : path_(std::move(path)), contents_(std::move(contents)), repair_(repair) {}

WalReader::Fragment WalReader::ReadFragment() {
  Fragment f;
  const uint64_t size = contents_.size();
  // A block trailer (< kHeaderSize bytes) holds no fragment.
  const uint64_t in_block = pos_ % kBlockSize;
  if (kBlockSize - in_block < kHeaderSize) pos_ = std::min(size, pos_ + kBlockSize - in_block);
  f.offset = pos_;
  if (pos_ >= size) return f;  // kEof
  f.kind = Fragment::kBad;
  if (size - pos_ < kHeaderSize) {
    f.why = "truncated fragment header";
    return f;
  }
  const char* h = contents_.data() + pos_;
  const uint32_t length = DecodeLength(h);
  const unsigned char type = static_cast<unsigned char>(h[6]);
  if (type == wal::kZeroType && length == 0 && DecodeFixed32(h) == 0) {
    f.why = "zero-filled region";
    return f;
  }
  if (type == wal::kZeroType || type > wal::kMaxRecordType) {
    f.why = "bad fragment type";
    return f;
  }
  if (pos_ % kBlockSize + kHeaderSize + length > kBlockSize) {
    f.why = "bad fragment length";
    return f;
  }
  if (pos_ + kHeaderSize + length > size) {
    f.why = "truncated fragment";
    return f;
  }
  const std::string_view payload(h + kHeaderSize, length);
  if (Checksum(h + 6, 1 + length) != DecodeFixed32(h)) {
    f.why = "checksum mismatch";
    f.end = pos_ + kHeaderSize + length;  // a hint: the next fragment, if length is intact
    return f;
  }
  f.kind = Fragment::kOk;
  f.type = type;
  f.payload = payload;
  f.end = pos_ + kHeaderSize + length;
  pos_ = f.end;
  return f;
}

bool WalReader::IsRecordStart(uint64_t off) const {
  const uint64_t size = contents_.size();
  const uint64_t in_block = off % kBlockSize;
  if (kBlockSize - in_block < kHeaderSize || size - off < kHeaderSize) return false;
  const char* h = contents_.data() + off;
  const unsigned char type = static_cast<unsigned char>(h[6]);
  if (type != wal::kFullType && type != wal::kFirstType) return false;
  const uint32_t length = DecodeLength(h);
  if (in_block + kHeaderSize + length > kBlockSize || off + kHeaderSize + length > size) {
    return false;
  }
  // The writer ends every FIRST fragment exactly at its block's end.
  if (type == wal::kFirstType && in_block + kHeaderSize + length != kBlockSize) return false;
  // The type byte and the payload are contiguous: checksum them in one pass.
  return Checksum(h + 6, 1 + length) == DecodeFixed32(h);
}

uint64_t WalReader::FindNextRecordStart(uint64_t bad_start, uint64_t hint) const {
  const uint64_t size = contents_.size();
  if (hint > bad_start && hint < size && IsRecordStart(hint)) return hint;
  for (uint64_t off = bad_start + 1; off + kHeaderSize <= size; off++) {
    if (IsRecordStart(off)) return off;
  }
  return size;
}

bool WalReader::HandleDamage(uint64_t bad_start, uint64_t hint, const char* why) {
  const uint64_t size = contents_.size();
  const uint64_t next = FindNextRecordStart(bad_start, hint);
  if (next >= size) {
    dropped_bytes_ += size - bad_start;
    tail_report_ = fmt::format("{}: dropped {} bytes of damaged tail at offset {}: {}", path_,
                               size - bad_start, bad_start, why);
    pos_ = size;
    return false;
  }
  if (!repair_) {
    error_ =
        Status::Corruption(fmt::format("{}: bad record at offset {}: {}", path_, bad_start, why));
    return false;
  }
  dropped_bytes_ += next - bad_start;
  pos_ = next;
  return true;
}

Result<bool> WalReader::ReadRecord(std::string* record) {
  if (!error_.ok()) return error_;
  record->clear();
  bool in_record = false;  // inside a FIRST..LAST sequence
  uint64_t record_start = 0;
  while (true) {
    Fragment f = ReadFragment();
    // On damage: where the dropped region starts, a hint for the next good
    // fragment, and why.
    uint64_t bad_start = 0;
    uint64_t hint = 0;
    const char* why = nullptr;
    switch (f.kind) {
      case Fragment::kEof:
        if (!in_record) return false;
        bad_start = record_start;
        why = "partial record at end of file";
        break;
      case Fragment::kBad:
        bad_start = in_record ? record_start : f.offset;
        hint = f.end;
        why = f.why;
        break;
      case Fragment::kOk:
        switch (f.type) {
          case wal::kFullType:
            if (in_record) {
              bad_start = record_start;
              hint = f.offset;
              why = "partial record without end";
              break;
            }
            record->assign(f.payload);
            last_record_offset_ = f.offset;
            return true;
          case wal::kFirstType:
            if (in_record) {
              bad_start = record_start;
              hint = f.offset;
              why = "partial record without end";
              break;
            }
            in_record = true;
            record_start = f.offset;
            record->assign(f.payload);
            continue;
          case wal::kMiddleType:
          case wal::kLastType:
            if (!in_record) {
              bad_start = f.offset;
              hint = f.end;
              why = "fragment without a record start";
              break;
            }
            record->append(f.payload);
            if (f.type == wal::kLastType) {
              last_record_offset_ = record_start;
              return true;
            }
            continue;
        }
        break;
    }
    // Damage.
    record->clear();
    in_record = false;
    if (!HandleDamage(bad_start, hint, why)) {
      if (!error_.ok()) return error_;
      return false;
    }
  }
}

Status DumpWal(const std::string& path,
               const std::function<void(uint64_t offset, std::string_view record)>& fn,
               std::string* tail_report) {
  LSMDB_ASSIGN_OR_RETURN(auto reader, WalReader::Open(path, /*repair=*/false));
  std::string record;
  while (true) {
    LSMDB_ASSIGN_OR_RETURN(bool got, reader->ReadRecord(&record));
    if (!got) break;
    fn(reader->LastRecordOffset(), record);
  }
  if (tail_report != nullptr) *tail_report = reader->TailReport();
  return Status::OK();
}

}  // namespace lsmdb::storage
