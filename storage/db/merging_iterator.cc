// MergingIterator: a binary heap of child iterators keyed by their current
// internal key (see merging_iterator.h for the contract).
//
// Invariants:
//   - heap_ holds the indices of exactly the children that are Valid(), in
//     heap order for direction_: the top heap_[0] is the current entry.
//   - children_[i].key caches children_[i].iter->key() for every i in heap_,
//     so comparisons make no virtual calls.
//   - Forward: every child in heap_ is positioned at its first entry that
//     comes after every entry already yielded (in (key, child index) order).
//     Reverse: the mirror image.

#include "storage/db/merging_iterator.h"

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "storage/db/dbformat.h"

namespace lsmdb::storage {

namespace {

class EmptyIterator final : public Iterator {
 public:
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  void Next() override { assert(false); }
  void Prev() override { assert(false); }
  std::string_view key() const override {
    assert(false);
    return {};
  }
  std::string_view value() const override {
    assert(false);
    return {};
  }
  Status status() const override { return Status::OK(); }
};

class MergingIterator final : public Iterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<Iterator>> children) {
    children_.reserve(children.size());
    for (auto& c : children) children_.push_back(Child{std::move(c), {}});
    heap_.reserve(children_.size());
  }

  bool Valid() const override { return !heap_.empty(); }

  void SeekToFirst() override {
    for (Child& c : children_) c.iter->SeekToFirst();
    Rebuild(kForward);
  }

  void SeekToLast() override {
    for (Child& c : children_) c.iter->SeekToLast();
    Rebuild(kReverse);
  }

  void Seek(std::string_view target) override {
    for (Child& c : children_) c.iter->Seek(target);
    Rebuild(kForward);
  }

  void SeekForPrev(std::string_view target) override {
    for (Child& c : children_) c.iter->SeekForPrev(target);
    Rebuild(kReverse);
  }

  void Next() override {
    assert(Valid());
    if (direction_ != kForward) {
      SwitchToForward();
      if (!Valid()) return;  // another child failed while re-seeking
    }
    Advance<true>();
  }

  void Prev() override {
    assert(Valid());
    if (direction_ != kReverse) {
      SwitchToReverse();
      if (!Valid()) return;
    }
    Advance<false>();
  }

  std::string_view key() const override {
    assert(Valid());
    return children_[heap_[0]].key;
  }

  std::string_view value() const override {
    assert(Valid());
    return children_[heap_[0]].iter->value();
  }

  Status status() const override {
    for (const Child& c : children_) {
      Status s = c.iter->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  enum Direction : unsigned char { kForward, kReverse };

  struct Child {
    std::unique_ptr<Iterator> iter;
    std::string_view key;  // == iter->key() while the child is in heap_
  };

  // True if child a's entry is yielded before child b's in the direction.
  template <bool kFwd>
  bool Before(uint32_t a, uint32_t b) const {
    const int r = CompareInternalKey(children_[a].key, children_[b].key);
    if constexpr (kFwd) {
      return r < 0 || (r == 0 && a < b);
    } else {
      return r > 0 || (r == 0 && a > b);
    }
  }

  template <bool kFwd>
  void SiftDown(size_t pos) {
    const size_t n = heap_.size();
    const uint32_t item = heap_[pos];
    for (;;) {
      size_t child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && Before<kFwd>(heap_[child + 1], heap_[child])) child++;
      if (!Before<kFwd>(heap_[child], item)) break;
      heap_[pos] = heap_[child];
      pos = child;
    }
    heap_[pos] = item;
  }

  // Moves the current child one step in the direction and restores the heap.
  template <bool kFwd>
  void Advance() {
    const uint32_t top = heap_[0];
    Child& c = children_[top];
    if constexpr (kFwd) {
      c.iter->Next();
    } else {
      c.iter->Prev();
    }
    if (c.iter->Valid()) {
      c.key = c.iter->key();
    } else {
      if (!c.iter->status().ok()) {
        heap_.clear();  // stop at the first error; status() reports it
        return;
      }
      heap_[0] = heap_.back();
      heap_.pop_back();
      if (heap_.empty()) return;
    }
    SiftDown<kFwd>(0);
  }

  // Builds heap_ from the children's current positions for direction d.
  void Rebuild(Direction d) {
    direction_ = d;
    heap_.clear();
    for (uint32_t i = 0; i < children_.size(); i++) {
      Child& c = children_[i];
      if (c.iter->Valid()) {
        c.key = c.iter->key();
        heap_.push_back(i);
      } else if (!c.iter->status().ok()) {
        heap_.clear();
        return;
      }
    }
    if (heap_.size() < 2) return;
    for (size_t i = heap_.size() / 2; i-- > 0;) {
      if (d == kForward) {
        SiftDown<true>(i);
      } else {
        SiftDown<false>(i);
      }
    }
  }

  // Forward order is (key, child index). Positions every other child j at its
  // first entry after (K, cur): keys > K, or == K when j > cur.
  void SwitchToForward() {
    const uint32_t cur = heap_[0];
    scratch_.assign(children_[cur].key);
    for (uint32_t j = 0; j < children_.size(); j++) {
      if (j == cur) continue;
      Iterator* it = children_[j].iter.get();
      it->Seek(scratch_);
      if (j < cur) {
        while (it->Valid() && CompareInternalKey(it->key(), scratch_) == 0) it->Next();
      }
    }
    Rebuild(kForward);
    assert(heap_.empty() || heap_[0] == cur);
  }

  // Mirror image: every other child j at its last entry before (K, cur) in
  // forward order: keys < K, or == K when j < cur.
  void SwitchToReverse() {
    const uint32_t cur = heap_[0];
    scratch_.assign(children_[cur].key);
    for (uint32_t j = 0; j < children_.size(); j++) {
      if (j == cur) continue;
      Iterator* it = children_[j].iter.get();
      it->SeekForPrev(scratch_);
      if (j > cur) {
        while (it->Valid() && CompareInternalKey(it->key(), scratch_) == 0) it->Prev();
      }
    }
    Rebuild(kReverse);
    assert(heap_.empty() || heap_[0] == cur);
  }

  std::vector<Child> children_;
  std::vector<uint32_t> heap_;
  Direction direction_ = kForward;
  std::string scratch_;  // the current key during a direction switch
};

}  // namespace

std::unique_ptr<Iterator> NewMergingIterator(std::vector<std::unique_ptr<Iterator>> children) {
  std::erase_if(children, [](const std::unique_ptr<Iterator>& c) { return c == nullptr; });
  if (children.empty()) return std::make_unique<EmptyIterator>();
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace lsmdb::storage
