#include "storage/db/bounded_iterator.h"

namespace lsmdb::storage {
namespace {

class BoundedIterator final : public lsmdb::Iterator {
 public:
  BoundedIterator(std::unique_ptr<lsmdb::Iterator> inner, std::optional<std::string> lower,
                  std::optional<std::string> upper)
      : inner_(std::move(inner)), lower_(std::move(lower)), upper_(std::move(upper)) {}

  bool Valid() const override {
    if (!inner_->Valid()) return false;
    std::string_view k = inner_->key();
    return !(lower_ && k < *lower_) && !(upper_ && k >= *upper_);
  }
  void SeekToFirst() override {
    if (lower_) {
      inner_->Seek(*lower_);
    } else {
      inner_->SeekToFirst();
    }
  }
  void SeekToLast() override {
    if (upper_) {
      SeekBefore(*upper_);
    } else {
      inner_->SeekToLast();
    }
  }
  void Seek(std::string_view target) override {
    inner_->Seek(lower_ && target < *lower_ ? std::string_view(*lower_) : target);
  }
  void SeekForPrev(std::string_view target) override {
    if (upper_ && target >= *upper_) {
      SeekBefore(*upper_);
    } else {
      inner_->SeekForPrev(target);
    }
  }
  void Next() override { inner_->Next(); }
  void Prev() override { inner_->Prev(); }
  std::string_view key() const override { return inner_->key(); }
  std::string_view value() const override { return inner_->value(); }
  Status status() const override { return inner_->status(); }

 private:
  // The last key < bound (the bound itself is excluded).
  void SeekBefore(const std::string& bound) {
    inner_->SeekForPrev(bound);
    if (inner_->Valid() && inner_->key() == bound) inner_->Prev();
  }

  std::unique_ptr<lsmdb::Iterator> inner_;
  std::optional<std::string> lower_;
  std::optional<std::string> upper_;
};

}  // namespace

std::unique_ptr<lsmdb::Iterator> NewBoundedIterator(std::unique_ptr<lsmdb::Iterator> inner,
                                                    std::optional<std::string> lower,
                                                    std::optional<std::string> upper) {
  return std::make_unique<BoundedIterator>(std::move(inner), std::move(lower), std::move(upper));
}

}  // namespace lsmdb::storage
