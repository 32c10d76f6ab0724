// ConcatenatingIterator (see concat_iterator.h).
//
// Invariant: file_iter_ is either null (unpositioned, or past either end) or
// the iterator of files_[index_]. When file_iter_ is non-null and !Valid(),
// its status() is non-OK (an error stopped the scan): empty files and file
// ends are always skipped past before a method returns.

#include "storage/db/concat_iterator.h"

#include <algorithm>
#include <cassert>
#include <string_view>
#include <utility>

#include "storage/db/dbformat.h"

namespace lsmdb::storage {

namespace {

class ConcatenatingIterator final : public Iterator {
 public:
  ConcatenatingIterator(std::vector<FileSpan> files, OpenFileFn open_file)
      : files_(std::move(files)), open_file_(std::move(open_file)) {}

  bool Valid() const override { return file_iter_ != nullptr && file_iter_->Valid(); }

  void SeekToFirst() override {
    status_ = Status::OK();
    if (!OpenFile(0)) return;
    file_iter_->SeekToFirst();
    SkipEmptyFilesForward();
  }

  void SeekToLast() override {
    status_ = Status::OK();
    if (files_.empty() || !OpenFile(files_.size() - 1)) return;
    file_iter_->SeekToLast();
    SkipEmptyFilesBackward();
  }

  void Seek(std::string_view target) override {
    status_ = Status::OK();
    // First file whose largest key >= target.
    auto it = std::partition_point(files_.begin(), files_.end(), [&](const FileSpan& f) {
      return CompareInternalKey(f.largest, target) < 0;
    });
    if (!OpenFile(static_cast<size_t>(it - files_.begin()))) return;
    file_iter_->Seek(target);
    SkipEmptyFilesForward();
  }

  void SeekForPrev(std::string_view target) override {
    status_ = Status::OK();
    // Last file whose smallest key <= target.
    auto it = std::partition_point(files_.begin(), files_.end(), [&](const FileSpan& f) {
      return CompareInternalKey(f.smallest, target) <= 0;
    });
    if (it == files_.begin()) {
      Close();
      return;
    }
    if (!OpenFile(static_cast<size_t>(it - files_.begin()) - 1)) return;
    file_iter_->SeekForPrev(target);
    SkipEmptyFilesBackward();
  }

  void Next() override {
    assert(Valid());
    file_iter_->Next();
    SkipEmptyFilesForward();
  }

  void Prev() override {
    assert(Valid());
    file_iter_->Prev();
    SkipEmptyFilesBackward();
  }

  std::string_view key() const override {
    assert(Valid());
    return file_iter_->key();
  }

  std::string_view value() const override {
    assert(Valid());
    return file_iter_->value();
  }

  Status status() const override {
    if (!status_.ok()) return status_;
    return file_iter_ != nullptr ? file_iter_->status() : Status::OK();
  }

 private:
  void Close() {
    file_iter_.reset();
    index_ = files_.size();
  }

  // Makes file_iter_ the iterator of files_[index] (reusing it if already
  // open). False, with file_iter_ null, if index is out of range or the open
  // failed (then status_ says why).
  bool OpenFile(size_t index) {
    if (index >= files_.size()) {
      Close();
      return false;
    }
    if (file_iter_ != nullptr && index_ == index) return true;
    file_iter_.reset();  // close the previous file before opening the next
    file_iter_ = open_file_(index);
    index_ = index;
    if (file_iter_ == nullptr) {
      status_ = Status::IOError("cannot open file of level iterator");
      Close();
      return false;
    }
    return true;
  }

  void SkipEmptyFilesForward() {
    while (file_iter_ != nullptr && !file_iter_->Valid()) {
      if (!file_iter_->status().ok()) return;  // stop at the error
      if (!OpenFile(index_ + 1)) return;
      file_iter_->SeekToFirst();
    }
  }

  void SkipEmptyFilesBackward() {
    while (file_iter_ != nullptr && !file_iter_->Valid()) {
      if (!file_iter_->status().ok()) return;
      if (index_ == 0) {
        Close();
        return;
      }
      if (!OpenFile(index_ - 1)) return;
      file_iter_->SeekToLast();
    }
  }

  const std::vector<FileSpan> files_;
  const OpenFileFn open_file_;
  std::unique_ptr<Iterator> file_iter_;
  size_t index_ = 0;  // of file_iter_ when non-null
  Status status_;     // a failed open (null from open_file_)
};

}  // namespace

std::unique_ptr<Iterator> NewConcatenatingIterator(std::vector<FileSpan> files,
                                                   OpenFileFn open_file) {
  return std::make_unique<ConcatenatingIterator>(std::move(files), std::move(open_file));
}

}  // namespace lsmdb::storage
