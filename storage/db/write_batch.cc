// WriteBatch: the format is drawn in storage/include/lsmdb/write_batch.h.

#include "lsmdb/write_batch.h"

#include "storage/db/dbformat.h"
#include "storage/util/coding.h"

namespace lsmdb {

using storage::DecodeFixed32;
using storage::DecodeFixed64;
using storage::EncodeFixed32;
using storage::EncodeFixed64;

namespace {
constexpr size_t kHeader = 12;  // sequence fixed64 + count fixed32
}

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.clear();
  rep_.resize(kHeader);
}

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + 8); }
uint64_t WriteBatch::Sequence() const { return DecodeFixed64(rep_.data()); }
void WriteBatch::SetSequence(uint64_t seq) { EncodeFixed64(rep_.data(), seq); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  EncodeFixed32(rep_.data() + 8, Count() + 1);
  rep_.push_back(static_cast<char>(storage::kTypeValue));
  storage::PutLengthPrefixed(&rep_, key);
  storage::PutLengthPrefixed(&rep_, value);
}

void WriteBatch::Delete(std::string_view key) {
  EncodeFixed32(rep_.data() + 8, Count() + 1);
  rep_.push_back(static_cast<char>(storage::kTypeDeletion));
  storage::PutLengthPrefixed(&rep_, key);
}

void WriteBatch::Append(const WriteBatch& other) {
  EncodeFixed32(rep_.data() + 8, Count() + other.Count());
  rep_.append(other.rep_, kHeader, std::string::npos);
}

Status WriteBatch::SetContents(std::string_view contents) {
  if (contents.size() < kHeader) return Status::Corruption("write batch shorter than its header");
  rep_.assign(contents);
  return Status::OK();
}

Status WriteBatch::Iterate(Handler& handler) const {
  std::string_view in(rep_);
  in.remove_prefix(kHeader);
  uint32_t found = 0;
  while (!in.empty()) {
    char tag = in[0];
    in.remove_prefix(1);
    std::string_view key, value;
    if (tag == storage::kTypeValue) {
      if (!storage::GetLengthPrefixed(&in, &key) || !storage::GetLengthPrefixed(&in, &value)) {
        return Status::Corruption("bad write batch Put record");
      }
      handler.Put(key, value);
    } else if (tag == storage::kTypeDeletion) {
      if (!storage::GetLengthPrefixed(&in, &key)) {
        return Status::Corruption("bad write batch Delete record");
      }
      handler.Delete(key);
    } else {
      return Status::Corruption("unknown write batch record tag");
    }
    found++;
  }
  if (found != Count()) return Status::Corruption("write batch has the wrong record count");
  return Status::OK();
}

}  // namespace lsmdb
