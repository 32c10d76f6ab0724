#pragma once

// WriteBatch: updates applied atomically, in order, by DB::Write.
//
// Representation (also the WAL record payload and the replication unit):
//
//   +-----------------+-------------+----------------------------------+
//   | sequence: fixed64 | count: fixed32 | record * count               |
//   +-----------------+-------------+----------------------------------+
//   record := kTypeValue(1)    varint32 klen key varint32 vlen value
//           | kTypeDeletion(0) varint32 klen key
//
// Record i gets sequence number `sequence + i`. All integers little-endian.

#include <cstdint>
#include <string>
#include <string_view>

#include "lsmdb/status.h"

namespace lsmdb {

class WriteBatch {
 public:
  // Receives the records of a batch in order (see Iterate).
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(std::string_view key, std::string_view value) = 0;
    virtual void Delete(std::string_view key) = 0;
  };

  WriteBatch();
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Appends every record of `other`.
  void Append(const WriteBatch& other);
  void Clear();

  uint32_t Count() const;
  uint64_t Sequence() const;
  size_t ApproximateSize() const { return rep_.size(); }

  // Calls handler for every record; Corruption if the bytes are malformed.
  Status Iterate(Handler& handler) const;

  // The encoded form above. SetContents validates the header only; Iterate
  // validates the records.
  const std::string& Contents() const { return rep_; }
  Status SetContents(std::string_view contents);
  void SetSequence(uint64_t seq);

 private:
  std::string rep_;
};

}  // namespace lsmdb
