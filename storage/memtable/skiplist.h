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
//   4. (Writer only) Each insert hint is an array `prev` with, for every
//      level i, prev[i] a node (or head_) and key(prev[i]) <= key(prev[0]) in
//      list order. Nodes never move, so this stays true whatever is inserted
//      later; a hint is used for a new key x only after checking
//      prev[0] < x < prev[i]->next[i] for each level i it links, which makes
//      prev[i] x's exact predecessor there.
//
// Key must be a trivially copyable value (e.g. const char* into the arena).
// Comparator: `int operator()(const Key& a, const Key& b) const` returning <0, 0, >0.
// Optional hook: a comparator with `Decoded Decode(const Key&) const` and
// `int operator()(const Key& node_key, const Decoded& target) const` has each
// search target decoded once per search rather than once per node compared.
// Inserting a key that compares equal to one present is not allowed.

#include <algorithm>
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
    // As Seek, with a target already in the comparator's Decoded form.
    template <typename T>
    void SeekDecoded(const T& target) {
      node_ = list_->FindGreaterOrEqualImpl(target, nullptr);
    }
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
  bool Equal(const Key& a, const Key& b) const { return compare_(a, Target(b)) == 0; }
  // The search form of a key: Comparator::Decode(key) if there is one.
  auto Target(const Key& key) const {
    if constexpr (requires { compare_.Decode(key); }) {
      return compare_.Decode(key);
    } else {
      return key;
    }
  }
  // First node >= key, or nullptr. Fills prev[level] with the last node < key
  // at every level when prev is non-null.
  Node* FindGreaterOrEqual(const Key& key, Node** prev) const {
    return FindGreaterOrEqualImpl(Target(key), prev);
  }
  template <typename T>
  Node* FindGreaterOrEqualImpl(const T& target, Node** prev) const;
  // Last node < key, or head_.
  Node* FindLessThan(const Key& key) const { return FindLessThanImpl(Target(key)); }
  template <typename T>
  Node* FindLessThanImpl(const T& target) const;
  // Last node <= key, or head_.
  Node* FindLessOrEqual(const Key& key) const { return FindLessOrEqualImpl(Target(key)); }
  template <typename T>
  Node* FindLessOrEqualImpl(const T& target) const;
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

  // Insert hints (invariant 4): the predecessors just before and just after
  // each of the last kHints / 2 inserted nodes. The memtable's usual inserts
  // land next to a recent one (a new version of a hot key goes right before
  // the previous version; list elements and other ascending keys right after
  // the previous one; a command's metadata and element records alternate), so
  // checking a hint costs one or two comparisons with nodes still in cache,
  // against a dozen or more for a search from the top.
  // Levels at or above the list's height are head_ in every hint (they were
  // never written otherwise: the height only grows), so only the levels below
  // it are copied.
  static constexpr int kHints = 4;
  struct Hint {
    Node* prev[kMaxHeight];
  };
  // Fills prev[0, GetMaxHeight()) from the first hint valid for target at
  // levels [0, height).
  template <typename T>
  bool TryHints(const T& target, int height, Node** prev) const;
  Hint hints_[kHints];  // pairs (before, after): [0, 1] and [2, 3]
  int newest_pair_ = 0;
  // Random inserts never match a hint: after kHintMissLimit misses in a row
  // the hints are only probed every 16th insert, until one matches again.
  static constexpr int kHintMissLimit = 8;
  int hint_misses_ = 0;
  unsigned hint_probe_ = 0;
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
template <typename T>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindGreaterOrEqualImpl(
    const T& target, Node** prev) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  Node* last_checked = nullptr;  // avoids re-comparing the same node one level down
  while (true) {
    Node* next = x->Next(level);
    // The node after next is the one compared next if the search moves right
    // (the likelier way): start its cache miss now, during this comparison.
    if (next != nullptr) __builtin_prefetch(next->NoBarrierNext(level));
    if (next != last_checked && next != nullptr && compare_(next->key, target) < 0) {
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
template <typename T>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLessThanImpl(
    const T& target) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    assert(x == head_ || compare_(x->key, target) < 0);
    Node* next = x->Next(level);
    if (next == nullptr || compare_(next->key, target) >= 0) {
      if (level == 0) return x;
      level--;
    } else {
      x = next;
    }
  }
}

template <typename Key, class Comparator>
template <typename T>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLessOrEqualImpl(
    const T& target) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next == nullptr || compare_(next->key, target) > 0) {
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
  for (Hint& h : hints_) {
    for (int i = 0; i < kMaxHeight; i++) h.prev[i] = head_;
  }
}

template <typename Key, class Comparator>
template <typename T>
bool SkipList<Key, Comparator>::TryHints(const T& target, int height, Node** prev) const {
  static_assert(kHints == 4, "two pairs of hints");
  const int order[kHints] = {2 * newest_pair_, 2 * newest_pair_ + 1, 2 - 2 * newest_pair_,
                             3 - 2 * newest_pair_};
  for (int k = 0; k < kHints; k++) {
    const Hint& h = hints_[order[k]];
    // prev[0] < target (head_ is before everything).
    if (h.prev[0] != head_ && !(compare_(h.prev[0]->key, target) < 0)) continue;
    bool ok = true;
    Node* checked = nullptr;  // the same successor often repeats level to level
    for (int i = 0; i < height && ok; i++) {
      Node* next = h.prev[i]->NoBarrierNext(i);  // only the writer changes links
      if (next != nullptr && next != checked) {
        ok = compare_(next->key, target) > 0;
        checked = next;
      }
    }
    if (!ok) continue;
    const int top = std::max(GetMaxHeight(), height);
    for (int i = 0; i < top; i++) prev[i] = h.prev[i];
    return true;
  }
  return false;
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Insert(const Key& key) {
  const int height = RandomHeight();
  Link(NewNode(key, height), height);
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Link(Node* x, int height) {
  Node* prev[kMaxHeight];
  const auto target = Target(x->key);
  const bool probe = hint_misses_ < kHintMissLimit || (++hint_probe_ & 15) == 0;
  bool hinted = probe && TryHints(target, height, prev);
  if (probe) hint_misses_ = hinted ? 0 : hint_misses_ + 1;
  if (!hinted) {
    Node* next = FindGreaterOrEqualImpl(target, prev);
    assert(next == nullptr || compare_(next->key, target) > 0);
    (void)next;
    // Above the list's height head_ is every key's predecessor.
    for (int i = GetMaxHeight(); i < height; i++) prev[i] = head_;
  }

  if (height > GetMaxHeight()) {
    // A reader seeing the new height before the node is linked finds head_'s
    // null pointers at the new levels and drops down: harmless.
    max_height_.store(height, std::memory_order_relaxed);
  }
  const int top = GetMaxHeight();  // prev is filled below top

  for (int i = 0; i < height; i++) {
    // The relaxed store is enough: the release store into prev[i] publishes x.
    x->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
    prev[i]->SetNext(i, x);
  }

  // Hints for the next inserts: x's predecessors, and the predecessors of a
  // key just after x (x itself at the levels x is on).
  newest_pair_ ^= 1;
  Hint& before = hints_[2 * newest_pair_];
  Hint& after = hints_[2 * newest_pair_ + 1];
  for (int i = 0; i < top; i++) {
    before.prev[i] = prev[i];
    after.prev[i] = i < height ? x : prev[i];
  }
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::Contains(const Key& key) const {
  Node* x = FindGreaterOrEqual(key, nullptr);
  return x != nullptr && Equal(key, x->key);
}

}  // namespace lsmdb::storage
