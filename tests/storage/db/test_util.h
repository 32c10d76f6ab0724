#pragma once

// Test-only helpers for storage/db tests: an in-memory internal-key iterator.

#include <algorithm>
#include <cassert>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsmdb/iterator.h"
#include "storage/db/dbformat.h"

namespace lsmdb::storage::test {

using KV = std::pair<std::string, std::string>;

// Iterates a vector of (internal key, value) sorted by InternalKeyLess.
// `live`, if given, counts the instances alive (to check that an iterator
// keeps at most N open). `fail_status`, if non-OK, is returned by status()
// and the iterator is empty (a file that failed to open or read).
class VectorIterator final : public Iterator {
 public:
  explicit VectorIterator(std::vector<KV> entries, int* live = nullptr,
                          Status fail_status = Status::OK())
      : entries_(std::move(entries)), live_(live), fail_(std::move(fail_status)) {
    if (live_ != nullptr) ++*live_;
    if (!fail_.ok()) entries_.clear();
  }
  ~VectorIterator() override {
    if (live_ != nullptr) --*live_;
  }

  bool Valid() const override { return pos_ < entries_.size(); }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override { pos_ = entries_.empty() ? End() : entries_.size() - 1; }
  void Seek(std::string_view target) override {
    pos_ = std::lower_bound(entries_.begin(), entries_.end(), target, Less()) - entries_.begin();
  }
  void SeekForPrev(std::string_view target) override {
    size_t p = std::upper_bound(entries_.begin(), entries_.end(), target, Less()) -
               entries_.begin();
    pos_ = p == 0 ? End() : p - 1;
  }
  void Next() override {
    assert(Valid());
    pos_++;
    if (!Valid()) fail_ = fail_at_end_;
  }
  void Prev() override {
    assert(Valid());
    pos_ = pos_ == 0 ? End() : pos_ - 1;
    if (!Valid()) fail_ = fail_at_end_;
  }
  // From now on, stepping off either end with Next/Prev sets status() to s
  // (a read error in the middle of a scan).
  void FailAtEnd(Status s) { fail_at_end_ = std::move(s); }
  std::string_view key() const override { return entries_[pos_].first; }
  std::string_view value() const override { return entries_[pos_].second; }
  Status status() const override { return fail_; }

 private:
  struct Less {
    bool operator()(const KV& a, std::string_view b) const {
      return CompareInternalKey(a.first, b) < 0;
    }
    bool operator()(std::string_view a, const KV& b) const {
      return CompareInternalKey(a, b.first) < 0;
    }
  };
  size_t End() const { return entries_.size(); }

  std::vector<KV> entries_;
  size_t pos_ = static_cast<size_t>(-1);  // unpositioned: !Valid()
  int* live_;
  Status fail_;
  Status fail_at_end_;
};

}  // namespace lsmdb::storage::test
