#pragma once

// MemTable: the in-memory write buffer of the engine, a skiplist of entries
// allocated in an Arena.
//
// Entry format (one contiguous arena allocation, the skiplist key points at it):
//
//   +-----------------+--------------------------------+-----------------+-------+
//   | varint32 klen   | internal key (klen bytes):     | varint32 vlen   | value |
//   | = user_len + 8  | user key | tag fixed64 LE      |                 |       |
//   +-----------------+--------------------------------+-----------------+-------+
//
// tag = (sequence << 8) | ValueType, see storage/db/dbformat.h. Entries sort by
// internal key order: user key ascending, then tag descending (newest first).
//
// Hot-entry cache: hot_[slot(user key)] points at the entry most recently
// added for some user key hashing there (stored with release after the entry
// is written). Get first tries that entry: if its user key matches and its
// sequence is <= snapshot_seq, it is the newest visible entry of the key, the
// same one the skiplist search would find. Why: per user key, Add runs in
// increasing sequence order (the engine assigns sequences in insert order and
// publishes them only after the insert), so every entry with sequence <=
// snapshot_seq was stored before the reader obtained snapshot_seq (acquire),
// and any later store to the slot is another key (mismatch) or a newer entry.
// Otherwise (empty slot, other key, newer than the snapshot) Get searches the
// skiplist. An Add with a sequence below an earlier Add's (only tests do that)
// switches the cache off for good. It makes a hot key's lookup O(1) instead of
// O(log n) cache misses (redis-benchmark hits one key per command).
//
// Key filter: a bloom filter (two bits per user key, fixed size) set by Add
// before the entry is published. Get of a key whose bits are not all set
// skips the skiplist search: the key is not here. (Keys that live in table
// files are looked up in every memtable first; this makes that miss O(1)
// while the memtable holds few distinct keys.) Readers obtain their sequence
// with acquire after the writer published the entry, so they see its bits.
//
// Thread-safety: Add needs external synchronisation (one writer at a time).
// Get, NewIterator, the iterators themselves (one thread per iterator),
// ApproximateMemoryUsage, NumEntries and Empty may run concurrently with Add.
//
// Lifetime: a MemTable is shared through std::shared_ptr<MemTable>; iterators
// from NewIterator() hold a reference, so the memtable lives until the last
// iterator is destroyed.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "lsmdb/iterator.h"
#include "storage/db/dbformat.h"
#include "storage/memtable/skiplist.h"
#include "storage/util/arena.h"

namespace lsmdb::storage {

class MemTable : public std::enable_shared_from_this<MemTable> {
 public:
  enum class GetResult { kFound, kDeleted, kNotPresent };

  MemTable();
  ~MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Adds an entry mapping (user_key, seq, type) to value (value is ignored, and
  // should be empty, for kTypeDeletion). Copies the bytes into the arena.
  // REQUIRES: external single-writer synchronisation; (user_key, seq) not
  // already present; seq <= kMaxSequenceNumber.
  void Add(uint64_t seq, ValueType type, std::string_view user_key, std::string_view value);

  // Looks up the newest version of user_key with sequence <= snapshot_seq.
  // kFound: it is a value, copied into *value. kDeleted: it is a deletion
  // tombstone (*value untouched). kNotPresent: this memtable has no version
  // visible at snapshot_seq; look in older data. No allocation except *value's.
  GetResult Get(std::string_view user_key, uint64_t snapshot_seq, std::string* value) const;

  // An iterator over the INTERNAL keys: key() is an internal key (user key |
  // tag), value() the value. Seek/SeekForPrev take internal-key targets
  // (e.g. MakeInternalKey(user, seq, kValueTypeForSeek)). status() is always OK.
  // Sees entries added before the call and possibly some added during
  // iteration. If this memtable is owned by a shared_ptr the iterator keeps it
  // alive; otherwise the caller must keep the memtable alive.
  std::unique_ptr<lsmdb::Iterator> NewIterator() const;

  // Bytes held by the arena (the memtable's size for flush decisions).
  // Thread-safe.
  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage(); }
  // Number of Add calls so far. Thread-safe.
  uint64_t NumEntries() const { return num_entries_.load(std::memory_order_relaxed); }
  bool Empty() const { return NumEntries() == 0; }

  // Orders two entries (pointers to the start of their varint32 klen) by
  // internal key. Public for the skiplist and tests.
  struct KeyComparator {
    // A search target taken apart once per skiplist search (see SkipList's
    // Decode hook) instead of once per node compared.
    struct Decoded {
      const char* user_key;
      size_t user_len;
      uint64_t tag;
    };
    static Decoded Decode(const char* entry);
    int operator()(const char* a, const char* b) const;
    int operator()(const char* a, const Decoded& b) const;
  };

 private:
  using Table = SkipList<const char*, KeyComparator>;
  friend class MemTableIterator;

  static constexpr size_t kHotSlots = 2048;
  static constexpr size_t kFilterBits = size_t{1} << 20;
  static size_t KeyHash(std::string_view user_key) {
    return std::hash<std::string_view>{}(user_key);
  }
  static size_t HotSlot(size_t hash) { return hash & (kHotSlots - 1); }
  static size_t FilterBit1(size_t hash) { return (hash >> 11) & (kFilterBits - 1); }
  static size_t FilterBit2(size_t hash) { return (hash >> 37) & (kFilterBits - 1); }
  bool FilterMayContain(size_t hash) const;
  void FilterAdd(size_t hash);

  Arena arena_;
  Table table_;
  std::atomic<uint64_t> num_entries_{0};
  // See "Hot-entry cache" above; value-initialised (null) slots.
  std::atomic<const char*> hot_[kHotSlots]{};
  std::atomic<bool> hot_off_{false};
  // See "Key filter" above: kFilterBits bits, zeroed.
  std::unique_ptr<std::atomic<uint64_t>[]> filter_;
  uint64_t last_added_seq_ = 0;  // the writer's own (Add is single-writer)
};

// Returns the varint32-length-prefixed string starting at p: the internal key
// of an entry when p is the entry's start, its value when p follows the key.
inline std::string_view DecodeLengthPrefixed(const char* p) {
  // The bytes were written by Add, so the varint is well formed.
  uint32_t len = static_cast<unsigned char>(*p++);
  if (len >= 128) {
    len &= 127;
    for (uint32_t shift = 7;; shift += 7) {
      const uint32_t byte = static_cast<unsigned char>(*p++);
      len |= (byte & 127) << shift;
      if (byte < 128) break;
    }
  }
  return std::string_view(p, len);
}

// Bytewise three-way comparison of a[0, na) and b[0, nb), as memcmp then
// length. Inline, 8 bytes at a time: the memtable's keys are short and a
// library memcmp call per skiplist node was a measurable part of an insert.
inline int CompareBytes(const char* a, size_t na, const char* b, size_t nb) {
  const size_t n = na < nb ? na : nb;
  if (n >= 8) {
    size_t i = 0;
    while (true) {
      uint64_t x, y;
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) {
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
        return x < y ? -1 : 1;
      }
      i += 8;
      if (i >= n) break;
      // The last word overlaps the previous one when n is not a multiple of
      // 8; its leading bytes are known equal, so the order is still right.
      if (i + 8 > n) i = n - 8;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      const unsigned char x = static_cast<unsigned char>(a[i]);
      const unsigned char y = static_cast<unsigned char>(b[i]);
      if (x != y) return x < y ? -1 : 1;
    }
  }
  return na < nb ? -1 : (na > nb ? 1 : 0);
}

inline MemTable::KeyComparator::Decoded MemTable::KeyComparator::Decode(const char* entry) {
  std::string_view k = DecodeLengthPrefixed(entry);
  return {k.data(), k.size() - 8, DecodeFixed64(k.data() + k.size() - 8)};
}

inline int MemTable::KeyComparator::operator()(const char* a, const Decoded& b) const {
  std::string_view ka = DecodeLengthPrefixed(a);
  const size_t ua = ka.size() - 8;
  int r = CompareBytes(ka.data(), ua, b.user_key, b.user_len);
  if (r != 0) return r;
  const uint64_t ta = DecodeFixed64(ka.data() + ua);
  return ta > b.tag ? -1 : (ta < b.tag ? 1 : 0);
}

inline int MemTable::KeyComparator::operator()(const char* a, const char* b) const {
  return (*this)(a, Decode(b));
}

}  // namespace lsmdb::storage
