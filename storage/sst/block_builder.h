#pragma once

// Builds one block in leveldb's data block format:
//
//   block   := entry* | restart: fixed32 * num_restarts | num_restarts: fixed32
//   entry   := shared: varint32 | unshared: varint32 | value_len: varint32
//              | key suffix: char[unshared] | value: char[value_len]
//
// Each key is stored as the number of bytes it shares with the previous key
// plus the rest. Every `restart_interval` entries the sharing restarts
// (shared = 0) and the entry's offset goes into the restart array, which
// Seek() binary-searches. A block always has at least one restart (offset 0).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::storage {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval = 16);
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // REQUIRES: Finish() not called since the last Reset(); key greater than
  // every key added before (in the order the reader will use).
  void Add(std::string_view key, std::string_view value);
  // Appends the restart array; the view stays valid until Reset() or destruction.
  std::string_view Finish();
  // Starts a new, empty block.
  void Reset();
  // Size of the block Finish() would return now.
  size_t CurrentSizeEstimate() const;
  bool empty() const { return buffer_.empty(); }
  // The last key added (empty after Reset()).
  std::string_view last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace lsmdb::storage
