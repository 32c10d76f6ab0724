#pragma once

// An ordered cursor over key/value pairs. Keys are compared bytewise
// (memcmp, shorter first on a tie), as in Redis and RocksDB's default.

#include <string_view>

#include "lsmdb/status.h"

namespace lsmdb {

// Not thread-safe: one thread uses an iterator at a time. The views returned by
// key() and value() stay valid only until the next move of the iterator.
class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator() = default;

  // True while positioned on an entry. False at either end or after an error
  // (then status() says which).
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  // REQUIRES: Valid()
  virtual void Next() = 0;
  // REQUIRES: Valid()
  virtual void Prev() = 0;
  // REQUIRES: Valid()
  virtual std::string_view key() const = 0;
  // REQUIRES: Valid()
  virtual std::string_view value() const = 0;
  // OK unless a read failed or a block was corrupt.
  virtual Status status() const = 0;
};

}  // namespace lsmdb
