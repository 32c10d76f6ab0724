#pragma once

// Internal keys: how a user key is stored in memtables and SSTables.
//
//   internal key := user_key | tag: fixed64 little-endian
//   tag          := (sequence << 8) | type
//
// Internal keys sort by user key ascending (bytewise), then by tag descending,
// so the newest version of a key comes first. Iterators over internal keys
// reuse the public lsmdb::Iterator interface (key() is an internal key).

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/util/coding.h"

namespace lsmdb::storage {

enum ValueType : unsigned char { kTypeDeletion = 0, kTypeValue = 1 };
// Seek targets use the highest type so they sort before every entry of the same sequence.
constexpr ValueType kValueTypeForSeek = kTypeValue;

constexpr uint64_t kMaxSequenceNumber = (uint64_t{1} << 56) - 1;

inline uint64_t PackTag(uint64_t seq, ValueType t) { return (seq << 8) | t; }

inline std::string_view ExtractUserKey(std::string_view ikey) {
  return ikey.substr(0, ikey.size() - 8);
}
inline uint64_t ExtractTag(std::string_view ikey) {
  return DecodeFixed64(ikey.data() + ikey.size() - 8);
}
inline uint64_t ExtractSequence(std::string_view ikey) { return ExtractTag(ikey) >> 8; }
inline ValueType ExtractValueType(std::string_view ikey) {
  return static_cast<ValueType>(ExtractTag(ikey) & 0xff);
}

inline void AppendInternalKey(std::string* dst, std::string_view user_key, uint64_t seq,
                              ValueType t) {
  dst->append(user_key);
  PutFixed64(dst, PackTag(seq, t));
}
inline std::string MakeInternalKey(std::string_view user_key, uint64_t seq, ValueType t) {
  std::string s;
  s.reserve(user_key.size() + 8);
  AppendInternalKey(&s, user_key, seq, t);
  return s;
}

// A parsed internal key; false if it is shorter than a tag or has a bad type.
struct ParsedInternalKey {
  std::string_view user_key;
  uint64_t sequence = 0;
  ValueType type = kTypeValue;
};
inline bool ParseInternalKey(std::string_view ikey, ParsedInternalKey* out) {
  if (ikey.size() < 8) return false;
  uint64_t tag = ExtractTag(ikey);
  unsigned char t = tag & 0xff;
  if (t > kTypeValue) return false;
  out->user_key = ExtractUserKey(ikey);
  out->sequence = tag >> 8;
  out->type = static_cast<ValueType>(t);
  return true;
}

// Bytewise comparison of user keys: <0, 0, >0.
inline int CompareUserKey(std::string_view a, std::string_view b) { return a.compare(b); }

// Order of internal keys (see top of file).
inline int CompareInternalKey(std::string_view a, std::string_view b) {
  int r = ExtractUserKey(a).compare(ExtractUserKey(b));
  if (r != 0) return r;
  uint64_t ta = ExtractTag(a), tb = ExtractTag(b);
  return ta > tb ? -1 : (ta < tb ? 1 : 0);
}

struct InternalKeyLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return CompareInternalKey(a, b) < 0;
  }
};

}  // namespace lsmdb::storage
