// DBImpl, part 3: reads (Get with its row cache, iterators, snapshots) (the parts are listed at the
// top of db_impl.cc).

#include "storage/db/bounded_iterator.h"
#include "storage/db/concat_iterator.h"
#include "storage/db/db_impl.h"
#include "storage/db/db_iter.h"
#include "storage/db/dbformat.h"
#include "storage/db/merging_iterator.h"

namespace lsmdb::storage {

namespace {

class SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(uint64_t seq) : seq_(seq) {}
  uint64_t sequence() const override { return seq_; }

 private:
  const uint64_t seq_;
};

}  // namespace

// ------------------------------------------------------------------ reads

void DBImpl::InstallSuperVersion() {
  auto fresh = std::make_shared<SuperVersion>();
  fresh->mem = mem_;
  for (auto it = imm_.rbegin(); it != imm_.rend(); ++it) fresh->imm.push_back(it->mem);
  fresh->version = versions_->current();
  std::shared_ptr<const SuperVersion> sv = std::move(fresh);
  std::lock_guard<std::mutex> sv_lock(sv_mu_);
  super_version_.swap(sv);
  // sv_lock goes out of scope before sv: the old one is released after sv_mu_.
}

std::shared_ptr<const DBImpl::SuperVersion> DBImpl::PinSuperVersion(uint64_t* seq,
                                                                    const ReadOptions& ro) {
  // The sequence first: every write at or below it went into a memtable that
  // the super version installed at that moment or any later one holds (as
  // the memtable, an immutable one, or, flushed, a table in its version).
  *seq = ro.snapshot != nullptr ? ro.snapshot->sequence() : versions_->last_sequence();
  std::lock_guard<std::mutex> lock(sv_mu_);
  return super_version_;
}

Result<bool> DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  uint64_t seq;
  auto sv = PinSuperVersion(&seq, options);
  // The memtable, then the immutable ones newest first: the first that holds
  // the key (a value or a deletion) answers.
  MemTable::GetResult in_mem = sv->mem->Get(key, seq, value);
  for (size_t i = 0; in_mem == MemTable::GetResult::kNotPresent && i < sv->imm.size(); i++) {
    in_mem = sv->imm[i]->Get(key, seq, value);
  }
  if (in_mem != MemTable::GetResult::kNotPresent) return in_mem == MemTable::GetResult::kFound;
  if (options.snapshot == nullptr) {
    // The row cache holds the newest table entry of a key; it answers for
    // every reader whose sequence it is visible at (RowCache in the header).
    Version::GetState state;
    if (sv->rows.Lookup(key, seq, &state, value)) return state == Version::GetState::kFound;
    uint64_t found_seq = 0;
    const std::string newest = MakeInternalKey(key, kMaxSequenceNumber, kValueTypeForSeek);
    LSMDB_ASSIGN_OR_RETURN(state,
                           sv->version->Get(options, *table_cache_, newest, value, &found_seq));
    if (state == Version::GetState::kNotFound || found_seq <= seq) {
      sv->rows.Insert(
          key, state == Version::GetState::kNotFound ? 0 : found_seq, state,
          state == Version::GetState::kFound ? std::string_view(*value) : std::string_view());
      return state == Version::GetState::kFound;
    }
    // The newest entry is newer than this reader (a flush landed between
    // reading the sequence and pinning): the ordinary lookup below.
  }
  std::string lookup = MakeInternalKey(key, seq, kValueTypeForSeek);
  LSMDB_ASSIGN_OR_RETURN(auto state, sv->version->Get(options, *table_cache_, lookup, value));
  return state == Version::GetState::kFound;
}

bool DBImpl::RowCache::Lookup(std::string_view user_key, uint64_t seq, Version::GetState* state,
                              std::string* value) {
  Slot& slot = slots_[std::hash<std::string_view>{}(user_key) % kSlots];
  std::lock_guard<std::mutex> lock(mu_);
  if (!slot.used || slot.key != user_key || slot.seq > seq) return false;
  *state = slot.state;
  if (slot.state == Version::GetState::kFound) value->assign(slot.value);
  return true;
}

void DBImpl::RowCache::Insert(std::string_view user_key, uint64_t entry_seq,
                              Version::GetState state, std::string_view value) {
  if (value.size() > kMaxValueBytes) return;
  Slot& slot = slots_[std::hash<std::string_view>{}(user_key) % kSlots];
  std::lock_guard<std::mutex> lock(mu_);
  slot.used = true;
  slot.state = state;
  slot.seq = entry_seq;
  slot.key.assign(user_key);
  slot.value.assign(value);
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  uint64_t seq;
  auto sv = PinSuperVersion(&seq, options);
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(sv->mem->NewIterator());
  for (const auto& imm : sv->imm) children.push_back(imm->NewIterator());
  const Version& v = *sv->version;
  // A file is skipped when its user-key range misses [lower_bound, upper_bound).
  auto outside = [&options](const FileRef& f) {
    return (options.lower_bound &&
            CompareUserKey(ExtractUserKey(f->largest), *options.lower_bound) < 0) ||
           (options.upper_bound &&
            CompareUserKey(ExtractUserKey(f->smallest), *options.upper_bound) >= 0);
  };
  for (const auto& f : v.files[0]) {
    if (outside(f)) continue;
    children.push_back(table_cache_->NewIterator(options, f->number, f->file_size));
  }
  for (int level = 1; level < kMaxNumLevels; level++) {
    std::vector<FileRef> files;
    for (const auto& f : v.files[level]) {
      if (!outside(f)) files.push_back(f);
    }
    if (files.empty()) continue;
    std::vector<FileSpan> spans;
    for (const auto& f : files) spans.push_back({f->smallest, f->largest});
    TableCache* tables = table_cache_.get();
    children.push_back(
        NewConcatenatingIterator(std::move(spans), [tables, options, files](size_t i) {
          return tables->NewIterator(options, files[i]->number, files[i]->file_size);
        }));
  }
  auto it = NewDBIterator(
      NewMergingIterator(std::move(children)), seq, [sv] {},
      DBIterBounds{options.lower_bound, options.upper_bound});
  if (options.lower_bound || options.upper_bound) {
    it = NewBoundedIterator(std::move(it), options.lower_bound, options.upper_bound);
  }
  return it;
}

const Snapshot* DBImpl::GetSnapshot() {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t seq = versions_->last_sequence();
  snapshots_.insert(seq);
  return new SnapshotImpl(seq);
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = snapshots_.find(snapshot->sequence());
    if (it != snapshots_.end()) snapshots_.erase(it);
  }
  delete snapshot;
}

uint64_t DBImpl::SmallestSnapshot() const {
  return snapshots_.empty() ? versions_->last_sequence() : *snapshots_.begin();
}

}  // namespace lsmdb::storage
