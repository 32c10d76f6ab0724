#pragma once

// Arena: a bump allocator for memtable entries and skiplist nodes
// (leveldb's util/arena.h).
//
// Memory comes from 4 KiB blocks; a request larger than a quarter block gets
// its own block so that little of a standard block is wasted. Nothing is freed
// until the Arena is destroyed.
//
// Once the arena holds kHugeAfter bytes (a memtable that is going to be big),
// blocks are 2 MiB, 2 MiB-aligned mmaps advised MADV_HUGEPAGE: a skiplist
// search touches nodes scattered over the whole arena, and with 4 KiB pages
// nearly every node visit was a TLB miss (measured: the dominant cost of
// memtable inserts and lookups). They are unmapped when the arena dies
// (aligned_alloc'd, they stayed in malloc's heap and peak RSS doubled) or, up
// to 64 MiB, kept in a process-wide pool for the next arena. Small
// memtables (tests, tiny write buffers) never reach that size and keep the
// 4 KiB granularity.
//
// Thread-safety: Allocate*/destruction need external synchronisation (the
// memtable's single writer). MemoryUsage() may be called from any thread at
// any time.

#include <atomic>
#include <cassert>
#include <cstddef>
#include <memory>
#include <vector>

namespace lsmdb::storage {

class Arena {
 public:
  Arena();
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns `bytes` (> 0) of uninitialised memory, valid for the Arena's life.
  char* Allocate(size_t bytes);
  // As Allocate, but the result is aligned to alignof(std::max_align_t) (at
  // least 8), suitable for objects holding pointers and atomics.
  char* AllocateAligned(size_t bytes);

  // Bytes reserved from the system (blocks plus the block table), an estimate
  // of the memory held. Thread-safe; relaxed (may lag a concurrent Allocate).
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kBlockSize = 4096;
  static constexpr size_t kHugeBlockSize = 2 << 20;
  static constexpr size_t kHugeAfter = 2 << 20;

  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t block_bytes, bool huge = false);

  // Free space in the current block: [alloc_ptr_, alloc_ptr_ + alloc_bytes_remaining_).
  char* alloc_ptr_ = nullptr;
  size_t alloc_bytes_remaining_ = 0;
  std::vector<char*> blocks_;       // from std::malloc, released with std::free
  std::vector<char*> huge_blocks_;  // kHugeBlockSize each, from mmap, released with munmap
  std::atomic<size_t> memory_usage_{0};
};

inline char* Arena::Allocate(size_t bytes) {
  assert(bytes > 0);
  if (bytes <= alloc_bytes_remaining_) {
    char* result = alloc_ptr_;
    alloc_ptr_ += bytes;
    alloc_bytes_remaining_ -= bytes;
    return result;
  }
  return AllocateFallback(bytes);
}

}  // namespace lsmdb::storage
