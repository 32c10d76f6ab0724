#include "storage/sst/block.h"

#include "storage/db/dbformat.h"
#include "storage/util/coding.h"

namespace lsmdb::storage {

namespace {

// Decodes an entry header at p; nullptr if it is malformed or the key suffix
// and value would run past `limit`.
inline const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                               uint32_t* non_shared, uint32_t* value_length) {
  if (limit - p < 3) return nullptr;
  *shared = static_cast<unsigned char>(p[0]);
  *non_shared = static_cast<unsigned char>(p[1]);
  *value_length = static_cast<unsigned char>(p[2]);
  if ((*shared | *non_shared | *value_length) < 128) {
    p += 3;  // fast path: all three fit in one byte
  } else {
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, non_shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, value_length)) == nullptr) return nullptr;
  }
  if (static_cast<uint64_t>(limit - p) <
      static_cast<uint64_t>(*non_shared) + static_cast<uint64_t>(*value_length)) {
    return nullptr;
  }
  return p;
}

}  // namespace

Block::Block(std::string contents) : contents_(std::move(contents)) {
  const size_t n = contents_.size();
  if (n < sizeof(uint32_t) || n >= UINT32_MAX) return;
  const uint32_t num = DecodeFixed32(contents_.data() + n - 4);
  const size_t max_restarts = (n - 4) / 4;
  if (num == 0 || num > max_restarts) return;
  const uint32_t restart_offset = static_cast<uint32_t>(n - (1 + size_t{num}) * 4);
  // Restart points must lie inside the entries and increase.
  uint32_t prev = 0;
  for (uint32_t i = 0; i < num; i++) {
    uint32_t r = DecodeFixed32(contents_.data() + restart_offset + i * 4);
    if ((r >= restart_offset && !(r == 0 && restart_offset == 0)) || (i > 0 && r <= prev)) return;
    prev = r;
  }
  restart_offset_ = restart_offset;
  num_restarts_ = num;
}

std::unique_ptr<Iterator> Block::NewIterator() const { return std::make_unique<BlockIter>(this); }

void BlockIter::Reset(const Block* block) {
  key_.clear();
  value_ = {};
  corrupt_ = false;
  error_ = nullptr;
  if (block == nullptr) {
    data_ = nullptr;
    restarts_ = num_restarts_ = current_ = restart_index_ = 0;
    return;
  }
  data_ = block->contents_.data();
  if (!block->ok()) {
    restarts_ = num_restarts_ = 0;
    CorruptionError("bad restart array");
    return;
  }
  restarts_ = block->restart_offset_;
  num_restarts_ = block->num_restarts_;
  Invalidate();
}

void BlockIter::CorruptionError(const char* what) {
  Invalidate();
  corrupt_ = true;
  error_ = what;
  key_.clear();
  value_ = {};
}

uint32_t BlockIter::GetRestartPoint(uint32_t index) const {
  return DecodeFixed32(data_ + restarts_ + index * sizeof(uint32_t));
}

void BlockIter::SeekToRestartPoint(uint32_t index) {
  key_.clear();
  restart_index_ = index;
  // ParseNextKey() starts at the end of value_, so aim it at the restart.
  value_ = std::string_view(data_ + GetRestartPoint(index), 0);
}

bool BlockIter::ParseNextKey() {
  current_ = NextEntryOffset();
  const char* p = data_ + current_;
  const char* limit = data_ + restarts_;
  if (p >= limit) {
    Invalidate();
    return false;
  }
  uint32_t shared, non_shared, value_length;
  p = DecodeEntry(p, limit, &shared, &non_shared, &value_length);
  if (p == nullptr || key_.size() < shared) {
    CorruptionError("bad entry");
    return false;
  }
  key_.resize(shared);
  key_.append(p, non_shared);
  if (key_.size() < 8) {
    CorruptionError("internal key too short");
    return false;
  }
  value_ = std::string_view(p + non_shared, value_length);
  while (restart_index_ + 1 < num_restarts_ && GetRestartPoint(restart_index_ + 1) < current_) {
    ++restart_index_;
  }
  return true;
}

bool BlockIter::KeyAtRestart(uint32_t index, std::string_view* key) {
  const char* p = data_ + GetRestartPoint(index);
  uint32_t shared, non_shared, value_length;
  p = DecodeEntry(p, data_ + restarts_, &shared, &non_shared, &value_length);
  if (p == nullptr || shared != 0 || non_shared < 8) {
    CorruptionError("bad entry at restart point");
    return false;
  }
  *key = std::string_view(p, non_shared);
  return true;
}

void BlockIter::SeekToFirst() {
  if (corrupt_ || num_restarts_ == 0) return;
  SeekToRestartPoint(0);
  ParseNextKey();
}

void BlockIter::SeekToLast() {
  if (corrupt_ || num_restarts_ == 0) return;
  SeekToRestartPoint(num_restarts_ - 1);
  while (ParseNextKey() && NextEntryOffset() < restarts_) {
  }
}

void BlockIter::Seek(std::string_view target) {
  if (corrupt_ || num_restarts_ == 0) return;
  // Binary search for the last restart whose key is < target.
  uint32_t left = 0, right = num_restarts_ - 1;
  while (left < right) {
    uint32_t mid = (left + right + 1) / 2;
    std::string_view mid_key;
    if (!KeyAtRestart(mid, &mid_key)) return;
    if (CompareInternalKey(mid_key, target) < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  SeekToRestartPoint(left);
  while (ParseNextKey()) {
    if (CompareInternalKey(key_, target) >= 0) return;
  }
}

void BlockIter::SeekForPrev(std::string_view target) {
  Seek(target);
  if (corrupt_) return;
  if (!Valid()) {
    SeekToLast();
  } else if (CompareInternalKey(key_, target) > 0) {
    Prev();
  }
}

void BlockIter::Next() {
  if (!Valid()) return;
  ParseNextKey();
}

void BlockIter::Prev() {
  if (!Valid()) return;
  // Back up to the last restart point before the current entry, then scan
  // forward to the entry just before it.
  const uint32_t original = current_;
  while (GetRestartPoint(restart_index_) >= original) {
    if (restart_index_ == 0) {
      Invalidate();
      return;
    }
    restart_index_--;
  }
  SeekToRestartPoint(restart_index_);
  while (ParseNextKey() && NextEntryOffset() < original) {
  }
}

}  // namespace lsmdb::storage
