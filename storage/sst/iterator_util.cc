#include "storage/sst/iterator_util.h"

#include <utility>

namespace lsmdb::storage {

namespace {

class EmptyIterator final : public Iterator {
 public:
  explicit EmptyIterator(Status s) : status_(std::move(s)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return status_; }

 private:
  Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewEmptyIterator(Status s) {
  return std::make_unique<EmptyIterator>(std::move(s));
}

std::unique_ptr<Iterator> NewErrorIterator(Status s) {
  return std::make_unique<EmptyIterator>(std::move(s));
}

}  // namespace lsmdb::storage
