#pragma once

// A parsed, immutable block (format in block_builder.h) and its iterator.
// Keys in a block are internal keys (storage/db/dbformat.h), ordered by
// CompareInternalKey; this holds for data blocks and the index block alike.
//
// Bytes from disk are untrusted: every varint, length and restart offset is
// bounds-checked. A malformed block yields an iterator whose status() is
// Corruption; nothing reads outside the block.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lsmdb/iterator.h"
#include "lsmdb/status.h"

namespace lsmdb::storage {

class Block {
 public:
  // Takes ownership of the (uncompressed) block contents and checks the
  // restart array. A bad one makes ok() false; iterators are then empty with
  // a Corruption status.
  explicit Block(std::string contents);
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  bool ok() const { return restart_offset_ != kBad; }
  size_t size() const { return contents_.size(); }
  std::string_view contents() const { return contents_; }

  // An iterator over the block; it must not outlive the block.
  std::unique_ptr<Iterator> NewIterator() const;

 private:
  friend class BlockIter;
  static constexpr uint32_t kBad = UINT32_MAX;

  std::string contents_;
  uint32_t restart_offset_ = kBad;  // where the restart array starts
  uint32_t num_restarts_ = 0;
};

// The concrete block iterator, usable by value (the table iterator embeds two
// of them to avoid allocations). Not thread-safe. key()/value() point into the
// block (value) or an internal buffer (key) and stay valid until the next move.
class BlockIter final : public Iterator {
 public:
  BlockIter() = default;  // over nothing: never Valid(), status OK
  explicit BlockIter(const Block* block) { Reset(block); }

  // Re-targets the iterator at `block` (nullptr: nothing), unpositioned.
  void Reset(const Block* block);

  bool Valid() const override { return current_ < restarts_; }
  void SeekToFirst() override;
  void SeekToLast() override;
  // REQUIRES: target is an internal key (at least 8 bytes).
  void Seek(std::string_view target) override;
  void SeekForPrev(std::string_view target) override;
  void Next() override;
  void Prev() override;
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return corrupt_ ? Status::Corruption(error_) : Status::OK(); }
  // Cheap form of status().ok().
  bool ok() const { return !corrupt_; }

 private:
  uint32_t GetRestartPoint(uint32_t index) const;
  void SeekToRestartPoint(uint32_t index);
  uint32_t NextEntryOffset() const {
    return static_cast<uint32_t>(value_.data() + value_.size() - data_);
  }
  // Parses the entry at NextEntryOffset(); false at the end or on corruption.
  bool ParseNextKey();
  // Decodes the full key at restart point `index` (shared must be 0).
  bool KeyAtRestart(uint32_t index, std::string_view* key);
  void Invalidate() {
    current_ = restarts_;
    restart_index_ = num_restarts_;
  }
  void CorruptionError(const char* what);

  const char* data_ = nullptr;
  uint32_t restarts_ = 0;      // offset of the restart array (end of entries)
  uint32_t num_restarts_ = 0;
  uint32_t current_ = 0;       // offset of the current entry; >= restarts_ if !Valid()
  uint32_t restart_index_ = 0; // restart block holding current_
  std::string key_;
  std::string_view value_;
  bool corrupt_ = false;
  const char* error_ = nullptr;
};

}  // namespace lsmdb::storage
