#pragma once

// SkipList: a sorted set of keys for the memtable (leveldb's db/skiplist.h).
//
// Thread-safety:
//   - Writes (Insert) need external synchronisation: one writer at a time.
//   - Reads (Contains, iterators) need none and may run concurrently with the
//     writer. A reader sees every key whose Insert completed before the read
//     started, and possibly some inserted during it.
//
// Invariants:
//   1. Nodes are allocated in the Arena and never freed before the SkipList is
//      destroyed; keys are never deleted.
//   2. A node's contents other than its next pointers are immutable once the
//      node is linked in. The writer initialises a node fully, then publishes it
//      with a release store into the predecessor's next pointer; readers load
//      next pointers with acquire. So a reader that reaches a node sees its key.
//   3. Level 0 holds every key in order; level i > 0 holds about 1/4^i of them.
//
// Key must be a trivially copyable value (e.g. const char* into the arena).
// Comparator: `int operator()(const Key& a, const Key& b) const` returning <0, 0, >0.
// Inserting a key that compares equal to one present is not allowed.

#include <atomic>
#include <cassert>
#include <cstdint>
#include <new>
#include <type_traits>

#include "storage/util/arena.h"

namespace lsmdb::storage {

template <typename Key, class Comparator>
class SkipList {
 private:
  struct Node;

 public:
  static constexpr int kMaxHeight = 12;
  static constexpr unsigned kBranching = 4;

  // `cmp` compares keys; `arena` holds the nodes and must outlive the SkipList.
  SkipList(Comparator cmp, Arena* arena);
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // Inserts key. REQUIRES: nothing equal to key is in the list; external
  // synchronisation with other Insert calls.
  void Insert(const Key& key);

  // Two-step insert that stores the key bytes inside the node, so a search
  // touches one allocation per node instead of two (only for Key = const char*):
  //   char* buf = list.AllocateKey(n);  // n bytes right after the node
  //   ...fill buf...
  //   list.InsertAllocated(buf);
  // REQUIRES: the writer's external synchronisation spans both calls; no other
  // Insert between them; the key is not already present.
  char* AllocateKey(size_t n);
  void InsertAllocated(const char* key);

  // True iff an entry equal to key is in the list.
  bool Contains(const Key& key) const;

  // Iteration over the contents. Any number of iterators may be used
  // concurrently with one writer. The SkipList must outlive its iterators.
  class Iterator {
   public:
    explicit Iterator(const SkipList* list) : list_(list), node_(nullptr) {}

    bool Valid() const { return node_ != nullptr; }
    // REQUIRES: Valid()
    const Key& key() const {
      assert(Valid());
      return node_->key;
    }
    // REQUIRES: Valid()
    void Next() {
      assert(Valid());
      node_ = node_->Next(0);
    }
    // REQUIRES: Valid(). No back links: searches for the last node < key().
    void Prev() {
      assert(Valid());
      node_ = list_->FindLessThan(node_->key);
      if (node_ == list_->head_) node_ = nullptr;
    }
    // First entry >= target.
    void Seek(const Key& target) { node_ = list_->FindGreaterOrEqual(target, nullptr); }
    // Last entry <= target.
    void SeekForPrev(const Key& target) {
      node_ = list_->FindLessOrEqual(target);
      if (node_ == list_->head_) node_ = nullptr;
    }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) node_ = nullptr;
    }

   private:
    const SkipList* list_;
    Node* node_;
  };

 private:
  int GetMaxHeight() const { return max_height_.load(std::memory_order_relaxed); }
  Node* NewNode(const Key& key, int height);
  // Sizes the node of a given height, without key storage.
  static size_t NodeSize(int height) {
    return sizeof(Node) + sizeof(std::atomic<Node*>) * (height - 1);
  }
  // Links x (of the given height) into the list.
  void Link(Node* x, int height);
  int RandomHeight();
  bool Equal(const Key& a, const Key& b) const { return compare_(a, b) == 0; }
  // True iff key is strictly after the key in n (nullptr counts as +infinity).
  bool KeyIsAfterNode(const Key& key, Node* n) const {
    return n != nullptr && compare_(n->key, key) < 0;
  }
  // First node >= key, or nullptr. Fills prev[level] with the last node < key
  // at every level when prev is non-null.
  Node* FindGreaterOrEqual(const Key& key, Node** prev) const;
  // Last node < key, or head_.
  Node* FindLessThan(const Key& key) const;
  // Last node <= key, or head_.
  Node* FindLessOrEqual(const Key& key) const;
  // Last node, or head_ if empty.
  Node* FindLast() const;

  const Comparator compare_;
  Arena* const arena_;
  Node* const head_;
  // Height of the tallest node. Read racily by readers: a stale value is safe
  // (they start lower, or see head_'s null pointers at new levels).
  std::atomic<int> max_height_;
  uint64_t rnd_;  // xorshift state, writer only
  // Between AllocateKey and InsertAllocated: the node waiting to be linked.
  Node* pending_ = nullptr;
  int pending_height_ = 0;
};

template <typename Key, class Comparator>
struct SkipList<Key, Comparator>::Node {
  explicit Node(const Key& k) : key(k) {}

  const Key key;

  Node* Next(int n) {
    assert(n >= 0);
    return next_[n].load(std::memory_order_acquire);
  }
  void SetNext(int n, Node* x) {
    assert(n >= 0);
    next_[n].store(x, std::memory_order_release);
  }
  Node* NoBarrierNext(int n) { return next_[n].load(std::memory_order_relaxed); }
  void NoBarrierSetNext(int n, Node* x) { next_[n].store(x, std::memory_order_relaxed); }

 private:
  // Array of length equal to the node height; next_[0] is the lowest level.
  // Allocated past the end of the struct.
  std::atomic<Node*> next_[1];
};

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::NewNode(const Key& key,
                                                                             int height) {
  char* mem = arena_->AllocateAligned(NodeSize(height));
  Node* n = new (mem) Node(key);
  for (int i = 1; i < height; i++) {
    new (mem + sizeof(Node) + sizeof(std::atomic<Node*>) * (i - 1)) std::atomic<Node*>(nullptr);
  }
  n->NoBarrierSetNext(0, nullptr);
  return n;
}

template <typename Key, class Comparator>
char* SkipList<Key, Comparator>::AllocateKey(size_t n) {
  static_assert(std::is_same_v<Key, const char*>, "AllocateKey needs Key = const char*");
  assert(pending_ == nullptr);
  const int height = RandomHeight();
  char* mem = arena_->AllocateAligned(NodeSize(height) + n);
  char* key_mem = mem + NodeSize(height);
  Node* node = new (mem) Node(key_mem);
  for (int i = 1; i < height; i++) {
    new (mem + sizeof(Node) + sizeof(std::atomic<Node*>) * (i - 1)) std::atomic<Node*>(nullptr);
  }
  node->NoBarrierSetNext(0, nullptr);
  pending_ = node;
  pending_height_ = height;
  return key_mem;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::InsertAllocated(const char* key) {
  assert(pending_ != nullptr && pending_->key == key);
  (void)key;
  Node* x = pending_;
  pending_ = nullptr;
  Link(x, pending_height_);
}

template <typename Key, class Comparator>
int SkipList<Key, Comparator>::RandomHeight() {
  int height = 1;
  while (height < kMaxHeight) {
    rnd_ ^= rnd_ << 13;
    rnd_ ^= rnd_ >> 7;
    rnd_ ^= rnd_ << 17;
    if ((rnd_ >> 32) % kBranching != 0) break;
    height++;
  }
  return height;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindGreaterOrEqual(
    const Key& key, Node** prev) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  Node* last_checked = nullptr;  // avoids re-comparing the same node one level down
  while (true) {
    Node* next = x->Next(level);
    if (next != last_checked && KeyIsAfterNode(key, next)) {
      x = next;
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      last_checked = next;
      level--;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLessThan(
    const Key& key) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    assert(x == head_ || compare_(x->key, key) < 0);
    Node* next = x->Next(level);
    if (next == nullptr || compare_(next->key, key) >= 0) {
      if (level == 0) return x;
      level--;
    } else {
      x = next;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLessOrEqual(
    const Key& key) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next == nullptr || compare_(next->key, key) > 0) {
      if (level == 0) return x;
      level--;
    } else {
      x = next;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLast() const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next == nullptr) {
      if (level == 0) return x;
      level--;
    } else {
      x = next;
    }
  }
}

template <typename Key, class Comparator>
SkipList<Key, Comparator>::SkipList(Comparator cmp, Arena* arena)
    : compare_(cmp),
      arena_(arena),
      head_(NewNode(Key{}, kMaxHeight)),
      max_height_(1),
      rnd_(0x9E3779B97F4A7C15ull) {
  for (int i = 0; i < kMaxHeight; i++) head_->SetNext(i, nullptr);
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Insert(const Key& key) {
  const int height = RandomHeight();
  Link(NewNode(key, height), height);
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Link(Node* x, int height) {
  Node* prev[kMaxHeight];
  Node* next = FindGreaterOrEqual(x->key, prev);
  assert(next == nullptr || !Equal(x->key, next->key));
  (void)next;

  if (height > GetMaxHeight()) {
    for (int i = GetMaxHeight(); i < height; i++) prev[i] = head_;
    // A reader seeing the new height before the node is linked finds head_'s
    // null pointers at the new levels and drops down: harmless.
    max_height_.store(height, std::memory_order_relaxed);
  }

  for (int i = 0; i < height; i++) {
    // The relaxed store is enough: the release store into prev[i] publishes x.
    x->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
    prev[i]->SetNext(i, x);
  }
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::Contains(const Key& key) const {
  Node* x = FindGreaterOrEqual(key, nullptr);
  return x != nullptr && Equal(key, x->key);
}

}  // namespace lsmdb::storage
