#include "storage/util/arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

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

// Huge blocks of dead arenas, kept for the next memtable: a fresh mapping is
// zeroed by the kernel page by page on first touch, which cost ~5% of a
// memtable insert under a write load (a flushed memtable's blocks are reused
// by the one after next). At most kMaxPooled blocks (64 MiB) stay mapped.
class HugeBlockPool {
 public:
  static constexpr size_t kMaxPooled = 32;

  char* Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (blocks_.empty()) return nullptr;
    char* b = blocks_.back();
    blocks_.pop_back();
    return b;
  }
  // False if the pool is full (the caller unmaps the block).
  bool Give(char* b) {
    std::lock_guard<std::mutex> lock(mu_);
    if (blocks_.size() >= kMaxPooled) return false;
    blocks_.push_back(b);
    return true;
  }

 private:
  std::mutex mu_;
  std::vector<char*> blocks_;
};

HugeBlockPool& Pool() {
  static HugeBlockPool* pool = new HugeBlockPool();  // never destroyed: arenas may die at exit
  return *pool;
}

}  // namespace

Arena::Arena() = default;
Arena::~Arena() {
  for (char* b : blocks_) std::free(b);
  for (char* b : huge_blocks_) {
    if (!Pool().Give(b)) munmap(b, kHugeBlockSize);
  }
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
  char* p = nullptr;
  if (huge) {
    p = Pool().Take();
    if (p == nullptr) p = MapAligned(block_bytes, kHugeBlockSize);
  } else {
    p = static_cast<char*>(std::malloc(block_bytes));
  }
  if (p == nullptr) throw std::bad_alloc();
  list.push_back(p);
  memory_usage_.fetch_add(block_bytes + sizeof(char*), std::memory_order_relaxed);
  return p;
}

}  // namespace lsmdb::storage
