#include "storage/sst/table.h"

#include <fmt/format.h>

#include "storage/db/dbformat.h"

namespace lsmdb::storage {

namespace {

// Cache charge of a block: its bytes plus the bookkeeping around them.
constexpr size_t kBlockOverhead = sizeof(Block) + 96;

// Two-level iterator: the index block's entries name data blocks, and a
// BlockIter walks the current one. The last data block stays loaded, so
// sequential reads and nearby seeks skip the cache lookup.
class TableIter final : public Iterator {
 public:
  TableIter(const Table* table, const ReadOptions& opts, std::shared_ptr<const Table> pin)
      : table_(table), pin_(std::move(pin)), opts_(opts), index_iter_(&table->index_block()) {}

  bool Valid() const override { return data_iter_.Valid(); }
  std::string_view key() const override { return data_iter_.key(); }
  std::string_view value() const override { return data_iter_.value(); }

  Status status() const override {
    if (!status_.ok()) return status_;
    if (!index_iter_.ok()) {
      return table_->BlockError(index_iter_.status().message(), table_->index_offset());
    }
    return Status::OK();
  }

  void SeekToFirst() override {
    status_ = Status::OK();
    index_iter_.SeekToFirst();
    InitDataBlock();
    data_iter_.SeekToFirst();
    SkipEmptyBlocksForward();
  }
  void SeekToLast() override {
    status_ = Status::OK();
    index_iter_.SeekToLast();
    InitDataBlock();
    data_iter_.SeekToLast();
    SkipEmptyBlocksBackward();
  }
  void Seek(std::string_view target) override {
    status_ = Status::OK();
    index_iter_.Seek(target);  // the first block whose last key >= target
    InitDataBlock();
    data_iter_.Seek(target);
    SkipEmptyBlocksForward();
  }
  void SeekForPrev(std::string_view target) override {
    status_ = Status::OK();
    // The last key <= target is in the first block whose last key >= target,
    // or in the block before it; past the last block it is the table's last key.
    index_iter_.Seek(target);
    if (!index_iter_.Valid() && index_iter_.ok()) index_iter_.SeekToLast();
    InitDataBlock();
    data_iter_.SeekForPrev(target);
    SkipEmptyBlocksBackward();
  }
  void Next() override {
    data_iter_.Next();
    SkipEmptyBlocksForward();
  }
  void Prev() override {
    data_iter_.Prev();
    SkipEmptyBlocksBackward();
  }

 private:
  // Points data_iter_ at the block the index iterator is on (unpositioned),
  // or at nothing.
  void InitDataBlock() {
    if (!index_iter_.Valid()) {
      data_iter_.Reset(nullptr);
      return;
    }
    std::string_view v = index_iter_.value();
    BlockHandle handle;
    if (!handle.DecodeFrom(&v)) {
      status_ = table_->BlockError("bad block handle in index", table_->index_offset());
      data_iter_.Reset(nullptr);
      return;
    }
    if (data_block_ == nullptr || handle.offset != data_block_offset_) {
      auto block = table_->ReadDataBlock(opts_, handle);
      if (!block.ok()) {
        status_ = block.status();
        data_iter_.Reset(nullptr);
        return;
      }
      data_iter_.Reset(nullptr);  // drop references into the old block first
      data_block_ = std::move(block).value();
      data_block_offset_ = handle.offset;
    }
    data_iter_.Reset(data_block_.get());
  }

  // False (and status_ set) if the data block iterator hit corruption.
  bool DataOk() {
    if (data_iter_.ok()) return true;
    status_ = table_->BlockError(data_iter_.status().message(), data_block_offset_);
    data_iter_.Reset(nullptr);
    return false;
  }

  void SkipEmptyBlocksForward() {
    while (!data_iter_.Valid()) {
      if (!DataOk() || !status_.ok() || !index_iter_.Valid()) return;
      index_iter_.Next();
      InitDataBlock();
      data_iter_.SeekToFirst();
    }
  }
  void SkipEmptyBlocksBackward() {
    while (!data_iter_.Valid()) {
      if (!DataOk() || !status_.ok() || !index_iter_.Valid()) return;
      index_iter_.Prev();
      InitDataBlock();
      data_iter_.SeekToLast();
    }
  }

  const Table* const table_;
  const std::shared_ptr<const Table> pin_;
  const ReadOptions opts_;
  BlockIter index_iter_;
  std::shared_ptr<const Block> data_block_;  // the last loaded data block
  uint64_t data_block_offset_ = UINT64_MAX;
  BlockIter data_iter_;
  Status status_;
};

}  // namespace

Table::Table(std::unique_ptr<RandomAccessFile> file, uint64_t file_number, BlockCache* cache,
             const Footer& footer, std::string index_contents, std::string filter_contents,
             bool has_filter)
    : file_(std::move(file)),
      file_number_(file_number),
      cache_(cache),
      footer_(footer),
      index_block_(std::move(index_contents)),
      filter_(std::move(filter_contents)),
      has_filter_(has_filter) {}

Result<std::unique_ptr<Table>> Table::Open(std::unique_ptr<RandomAccessFile> file,
                                           uint64_t file_number, BlockCache* cache) {
  const uint64_t size = file->Size();
  if (size < Footer::kEncodedLength) {
    return Status::Corruption(
        fmt::format("{}: file too short ({} bytes) to be an sstable", file->path(), size));
  }
  const uint64_t footer_offset = size - Footer::kEncodedLength;
  std::string buf;
  LSMDB_RETURN_IF_ERROR(file->Read(footer_offset, Footer::kEncodedLength, &buf));
  Footer footer;
  LSMDB_RETURN_IF_ERROR(footer.DecodeFrom(buf, file->path(), footer_offset));

  std::string index_contents;
  LSMDB_RETURN_IF_ERROR(ReadBlock(*file, footer.index_handle, true, &index_contents));
  std::string filter_contents;
  const bool has_filter = footer.filter_handle.size > 0;
  if (has_filter) {
    LSMDB_RETURN_IF_ERROR(ReadBlock(*file, footer.filter_handle, true, &filter_contents));
  }
  std::unique_ptr<Table> table(new Table(std::move(file), file_number, cache, footer,
                                         std::move(index_contents), std::move(filter_contents),
                                         has_filter));
  if (!table->index_block_.ok()) {
    return table->BlockError("bad index block", footer.index_handle.offset);
  }
  return table;
}

Status Table::BlockError(std::string_view what, uint64_t offset) const {
  return Status::Corruption(fmt::format("{}: {} in block at offset {}", path(), what, offset));
}

Result<std::shared_ptr<const Block>> Table::ReadDataBlock(const ReadOptions& opts,
                                                          const BlockHandle& handle) const {
  if (cache_ != nullptr) {
    if (auto cached = cache_->Lookup(file_number_, handle.offset)) return cached;
  }
  std::string contents;
  LSMDB_RETURN_IF_ERROR(ReadBlock(*file_, handle, opts.verify_checksums, &contents));
  auto block = std::make_shared<const Block>(std::move(contents));
  if (!block->ok()) return BlockError("bad restart array", handle.offset);
  if (cache_ != nullptr && opts.fill_cache) {
    cache_->Insert(file_number_, handle.offset, block, block->size() + kBlockOverhead);
  }
  return block;
}

std::unique_ptr<Iterator> Table::NewIterator(const ReadOptions& opts,
                                             std::shared_ptr<const Table> pin) const {
  return std::make_unique<TableIter>(this, opts, std::move(pin));
}

Result<bool> Table::Get(const ReadOptions& opts, std::string_view internal_lookup_key,
                        std::string* found_internal_key, std::string* value) const {
  const std::string_view user_key = ExtractUserKey(internal_lookup_key);
  if (has_filter_ && !filter_.KeyMayMatch(user_key)) return false;
  BlockIter index_iter(&index_block_);
  index_iter.Seek(internal_lookup_key);
  if (!index_iter.Valid()) {
    if (!index_iter.ok()) return BlockError(index_iter.status().message(), index_offset());
    return false;
  }
  std::string_view v = index_iter.value();
  BlockHandle handle;
  if (!handle.DecodeFrom(&v)) return BlockError("bad block handle in index", index_offset());
  LSMDB_ASSIGN_OR_RETURN(std::shared_ptr<const Block> block, ReadDataBlock(opts, handle));
  BlockIter it(block.get());
  it.Seek(internal_lookup_key);
  if (!it.Valid()) {
    if (!it.ok()) return BlockError(it.status().message(), handle.offset);
    return false;
  }
  if (ExtractUserKey(it.key()) != user_key) return false;
  found_internal_key->assign(it.key());
  value->assign(it.value());
  return true;
}

uint64_t Table::ApproximateOffsetOf(std::string_view internal_key) const {
  BlockIter index_iter(&index_block_);
  index_iter.Seek(internal_key);
  if (index_iter.Valid()) {
    std::string_view v = index_iter.value();
    BlockHandle handle;
    if (handle.DecodeFrom(&v)) return handle.offset;
  }
  // Past the last key: the data ends where the filter (or the index) begins.
  return has_filter_ ? footer_.filter_handle.offset : footer_.index_handle.offset;
}

Status Table::VerifyAll(std::string* report) const {
  auto fail = [&](Status s) {
    *report = s.ToString();
    return s;
  };
  uint64_t blocks = 0, entries = 0;
  std::string prev_key;
  BlockIter index_iter(&index_block_);
  for (index_iter.SeekToFirst(); index_iter.Valid(); index_iter.Next()) {
    std::string_view v = index_iter.value();
    BlockHandle handle;
    if (!handle.DecodeFrom(&v)) return fail(BlockError("bad block handle in index", index_offset()));
    std::string contents;
    Status s = ReadBlock(*file_, handle, true, &contents);
    if (!s.ok()) return fail(s);
    Block block(std::move(contents));
    if (!block.ok()) return fail(BlockError("bad restart array", handle.offset));
    BlockIter it(&block);
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      if (entries > 0 && CompareInternalKey(prev_key, it.key()) >= 0) {
        return fail(BlockError("keys out of order", handle.offset));
      }
      prev_key.assign(it.key());
      entries++;
    }
    if (!it.ok()) return fail(BlockError(it.status().message(), handle.offset));
    if (entries > 0 && CompareInternalKey(prev_key, index_iter.key()) > 0) {
      return fail(BlockError("index key below the block's last key", handle.offset));
    }
    blocks++;
  }
  if (!index_iter.ok()) {
    return fail(BlockError(index_iter.status().message(), index_offset()));
  }
  *report = fmt::format("{}: OK, {} data blocks, {} entries, {} bytes", path(), blocks, entries,
                        file_size());
  return Status::OK();
}

}  // namespace lsmdb::storage
