#include "storage/memtable/memtable.h"

#include <cassert>

namespace lsmdb::storage {

namespace {

// Builds "varint32 klen | user_key | tag" from an internal key for the
// iterator's seeks, on the stack for ordinary keys so they do not allocate.
class LookupKey {
 public:
  explicit LookupKey(std::string_view internal_key) {
    assert(internal_key.size() >= 8);
    Init(internal_key.data(), internal_key.size() - 8,
         DecodeFixed64(internal_key.data() + internal_key.size() - 8));
  }
  ~LookupKey() {
    if (start_ != space_) delete[] start_;
  }
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;

  const char* entry() const { return start_; }

 private:
  void Init(const char* user_key, size_t user_len, uint64_t tag) {
    size_t needed = user_len + 8 + 5;
    start_ = needed <= sizeof(space_) ? space_ : new char[needed];
    char* p = EncodeVarint32(start_, static_cast<uint32_t>(user_len + 8));
    std::memcpy(p, user_key, user_len);
    EncodeFixed64(p + user_len, tag);
  }
  char* start_;
  char space_[200];
};

}  // namespace

// Iterator over a memtable's internal keys (see NewIterator in the header).
class MemTableIterator final : public lsmdb::Iterator {
 public:
  MemTableIterator(const MemTable* mem, std::shared_ptr<const MemTable> keep_alive)
      : keep_alive_(std::move(keep_alive)), iter_(&mem->table_) {}

  bool Valid() const override { return iter_.Valid(); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Seek(std::string_view target) override {
    LookupKey k(target);
    iter_.Seek(k.entry());
  }
  void SeekForPrev(std::string_view target) override {
    LookupKey k(target);
    iter_.SeekForPrev(k.entry());
  }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  std::string_view key() const override { return DecodeLengthPrefixed(iter_.key()); }
  std::string_view value() const override {
    std::string_view k = DecodeLengthPrefixed(iter_.key());
    return DecodeLengthPrefixed(k.data() + k.size());
  }
  Status status() const override { return Status::OK(); }

 private:
  std::shared_ptr<const MemTable> keep_alive_;  // may be null (caller keeps it alive)
  MemTable::Table::Iterator iter_;
};

MemTable::MemTable()
    : table_(KeyComparator(), &arena_),
      filter_(new std::atomic<uint64_t>[kFilterBits / 64]()) {}

bool MemTable::FilterMayContain(size_t hash) const {
  const size_t b1 = FilterBit1(hash);
  const size_t b2 = FilterBit2(hash);
  return (filter_[b1 / 64].load(std::memory_order_relaxed) >> (b1 % 64) & 1) != 0 &&
         (filter_[b2 / 64].load(std::memory_order_relaxed) >> (b2 % 64) & 1) != 0;
}

void MemTable::FilterAdd(size_t hash) {
  // One writer: a plain load and store (no locked read-modify-write).
  for (size_t b : {FilterBit1(hash), FilterBit2(hash)}) {
    std::atomic<uint64_t>& word = filter_[b / 64];
    const uint64_t bit = uint64_t{1} << (b % 64);
    const uint64_t old = word.load(std::memory_order_relaxed);
    if ((old & bit) == 0) word.store(old | bit, std::memory_order_relaxed);
  }
}
MemTable::~MemTable() = default;

void MemTable::Add(uint64_t seq, ValueType type, std::string_view user_key,
                   std::string_view value) {
  assert(seq <= kMaxSequenceNumber);
  const size_t key_size = user_key.size();
  const size_t val_size = value.size();
  const size_t internal_key_size = key_size + 8;
  const size_t encoded_len =
      VarintLength(internal_key_size) + internal_key_size + VarintLength(val_size) + val_size;
  char* buf = table_.AllocateKey(encoded_len);
  char* p = EncodeVarint32(buf, static_cast<uint32_t>(internal_key_size));
  std::memcpy(p, user_key.data(), key_size);
  p += key_size;
  EncodeFixed64(p, PackTag(seq, type));
  p += 8;
  p = EncodeVarint32(p, static_cast<uint32_t>(val_size));
  if (val_size > 0) std::memcpy(p, value.data(), val_size);
  assert(p + val_size == buf + encoded_len);
  const size_t hash = KeyHash(user_key);
  FilterAdd(hash);  // before the entry is linked: a reader that finds it sees the bits
  table_.InsertAllocated(buf);
  if (seq < last_added_seq_) hot_off_.store(true, std::memory_order_relaxed);
  last_added_seq_ = seq;
  // Release: a reader that sees the slot sees the entry's bytes and hot_off_.
  hot_[HotSlot(hash)].store(buf, std::memory_order_release);
  num_entries_.fetch_add(1, std::memory_order_relaxed);
}

MemTable::GetResult MemTable::Get(std::string_view user_key, uint64_t snapshot_seq,
                                  std::string* value) const {
  const size_t hash = KeyHash(user_key);
  if (!FilterMayContain(hash)) return GetResult::kNotPresent;
  std::string_view ikey;
  // The hot-entry cache (see the header) first.
  if (const char* hot = hot_[HotSlot(hash)].load(std::memory_order_acquire);
      hot != nullptr && !hot_off_.load(std::memory_order_relaxed)) {
    std::string_view k = DecodeLengthPrefixed(hot);
    if (ExtractUserKey(k) == user_key && (ExtractTag(k) >> 8) <= snapshot_seq) ikey = k;
  }
  if (ikey.empty()) {
    // The search target is the user key and tag themselves: nothing to encode.
    Table::Iterator iter(&table_);
    const uint64_t tag = PackTag(snapshot_seq, kValueTypeForSeek);
    iter.SeekDecoded(KeyComparator::Decoded{user_key.data(), user_key.size(), tag});
    if (!iter.Valid()) return GetResult::kNotPresent;
    // The first entry >= lookup key is the newest with sequence <=
    // snapshot_seq, if its user key matches.
    ikey = DecodeLengthPrefixed(iter.key());
    if (ExtractUserKey(ikey) != user_key) return GetResult::kNotPresent;
  }
  switch (static_cast<ValueType>(ExtractTag(ikey) & 0xff)) {
    case kTypeValue: {
      std::string_view v = DecodeLengthPrefixed(ikey.data() + ikey.size());
      value->assign(v.data(), v.size());
      return GetResult::kFound;
    }
    case kTypeDeletion:
      return GetResult::kDeleted;
  }
  return GetResult::kNotPresent;  // unreachable: Add only stores the two types
}

std::unique_ptr<lsmdb::Iterator> MemTable::NewIterator() const {
  return std::make_unique<MemTableIterator>(this, weak_from_this().lock());
}

}  // namespace lsmdb::storage
