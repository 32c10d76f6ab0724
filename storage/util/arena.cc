#include "storage/util/arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace lsmdb::storage {

namespace {

// A kHugeBlockSize-aligned anonymous mapping of `bytes` (a multiple of the
// alignment), advised for transparent huge pages; null on failure. mmap, not
// aligned_alloc: the memory goes back to the OS when the arena dies instead of
// staying in malloc's heap.
char* MapAligned(size_t bytes, size_t align) {
  const size_t len = bytes + align;
  void* raw = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + align - 1) & ~(uintptr_t{align} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + len;
  if (end > aligned + bytes) {
    munmap(reinterpret_cast<void*>(aligned + bytes), end - aligned - bytes);
  }
#ifdef MADV_HUGEPAGE
  // Advice only: without transparent huge pages this is a no-op.
  (void)madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<char*>(aligned);
}

}  // namespace

Arena::Arena() = default;
Arena::~Arena() {
  for (char* b : blocks_) std::free(b);
  for (char* b : huge_blocks_) munmap(b, kHugeBlockSize);
}

char* Arena::AllocateFallback(size_t bytes) {
  const bool huge = MemoryUsage() >= kHugeAfter;
  const size_t block_size = huge ? kHugeBlockSize : kBlockSize;
  if (bytes > block_size / 4) {
    // Large object: its own block, so the current block's tail stays usable.
    return AllocateNewBlock(bytes);
  }
  // The rest of the current block is wasted.
  alloc_ptr_ = AllocateNewBlock(block_size, huge);
  alloc_bytes_remaining_ = block_size;
  char* result = alloc_ptr_;
  alloc_ptr_ += bytes;
  alloc_bytes_remaining_ -= bytes;
  return result;
}

char* Arena::AllocateAligned(size_t bytes) {
  constexpr size_t kAlign = alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
  static_assert((kAlign & (kAlign - 1)) == 0, "alignment must be a power of two");
  size_t current_mod = reinterpret_cast<uintptr_t>(alloc_ptr_) & (kAlign - 1);
  size_t slop = current_mod == 0 ? 0 : kAlign - current_mod;
  size_t needed = bytes + slop;
  char* result;
  if (needed <= alloc_bytes_remaining_) {
    result = alloc_ptr_ + slop;
    alloc_ptr_ += needed;
    alloc_bytes_remaining_ -= needed;
  } else {
    // Fresh blocks are aligned for any fundamental type.
    result = AllocateFallback(bytes);
  }
  assert((reinterpret_cast<uintptr_t>(result) & (kAlign - 1)) == 0);
  return result;
}

char* Arena::AllocateNewBlock(size_t block_bytes, bool huge) {
  std::vector<char*>& list = huge ? huge_blocks_ : blocks_;
  list.reserve(list.size() + 1);  // so a throw below leaks nothing
  assert(!huge || block_bytes == kHugeBlockSize);
  // Both are aligned for any fundamental type, as AllocateAligned needs.
  char* p =
      huge ? MapAligned(block_bytes, kHugeBlockSize) : static_cast<char*>(std::malloc(block_bytes));
  if (p == nullptr) throw std::bad_alloc();
  list.push_back(p);
  memory_usage_.fetch_add(block_bytes + sizeof(char*), std::memory_order_relaxed);
  return p;
}

}  // namespace lsmdb::storage
