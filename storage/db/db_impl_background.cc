// DBImpl, part 4: background work (memtable flush, leveled compaction, obsolete files) (the parts
// are listed at the top of db_impl.cc).

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "storage/db/db_impl.h"
#include "storage/db/db_impl_internal.h"
#include "storage/db/dbformat.h"
#include "storage/db/merging_iterator.h"

namespace lsmdb::storage {

using internal::Clock;
using internal::IsNoSpace;
using internal::MicrosSince;

// ------------------------------------------------------------------ flush

Status DBImpl::WriteLevel0Table(const std::shared_ptr<MemTable>& mem, VersionEdit* edit,
                                std::unique_lock<std::mutex>& lock) {
  CompactionParams params;
  params.dir = dir_;
  params.table_options = MakeTableOptions();
  params.target_file_size = UINT64_MAX;  // one file per memtable
  params.smallest_snapshot = SmallestSnapshot();
  std::vector<uint64_t> numbers;
  params.new_file_number = PendingFileNumbers(&numbers);
  lock.unlock();
  std::vector<FileMetaData> outputs;
  CompactionStats stats;
  auto it = mem->NewIterator();
  Status s = RunCompaction(params, *it, &outputs, &stats);
  lock.lock();
  // The outputs stay in pending_outputs_ until the edit naming them is applied
  // (ReleasePendingOutputs), or DeleteObsoleteFiles could remove them first.
  if (!s.ok()) {
    for (uint64_t n : numbers) pending_outputs_.erase(n);
    return s;
  }
  for (auto& f : outputs) {
    flush_bytes_written_.fetch_add(f.file_size, std::memory_order_relaxed);
    Log(2, fmt::format("flushed memtable to {:06}.sst: {} entries, {} bytes", f.number,
                       f.num_entries, f.file_size));
    edit->AddFile(0, std::move(f));
  }
  flushes_.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

std::function<uint64_t()> DBImpl::PendingFileNumbers(std::vector<uint64_t>* numbers) {
  return [this, numbers] {
    std::lock_guard<std::mutex> guard(mutex_);
    uint64_t n = versions_->NewFileNumber();
    pending_outputs_.insert(n);
    numbers->push_back(n);
    return n;
  };
}

void DBImpl::ReleasePendingOutputs(const VersionEdit& edit) {
  for (const auto& [level, f] : edit.new_files_) pending_outputs_.erase(f.number);
}

void DBImpl::FlushLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    bg_cv_.wait(lock, [&] {
      return shutting_down_.load(std::memory_order_acquire) || (!imm_.empty() && bg_error_.ok());
    });
    if (shutting_down_.load(std::memory_order_acquire)) break;
    flush_running_ = true;
    std::shared_ptr<MemTable> mem = imm_.front().mem;
    VersionEdit edit;
    Status s = WriteLevel0Table(mem, &edit, lock);
    if (s.ok()) {
      // WALs older than the next unflushed memtable's are no longer needed.
      edit.SetLogNumber(imm_.size() > 1 ? imm_[1].log_number : mem_log_number_);
      s = versions_->LogAndApply(&edit, lock);
    }
    ReleasePendingOutputs(edit);
    flush_running_ = false;
    if (!s.ok()) {
      if (IsNoSpace(s)) {
        // Retry once a second; writers that would wait for this flush fail instead.
        if (space_error_.ok()) Log(0, fmt::format("flush failed, will retry: {}", s.ToString()));
        space_error_ = s;
        bg_cv_.notify_all();
        bg_cv_.wait_for(lock, std::chrono::seconds(1));
      } else if (!shutting_down_.load()) {
        RecordBackgroundError(s);
      }
      bg_cv_.notify_all();
      continue;
    }
    if (!space_error_.ok()) Log(0, "flush succeeded again: disk space is back");
    space_error_ = Status::OK();
    imm_.pop_front();
    InstallSuperVersion();
    DeleteObsoleteFiles(lock);
    bg_cv_.notify_all();
  }
}

Status DBImpl::Flush() {
  WriteOptions wo;
  LSMDB_RETURN_IF_ERROR(WriteImpl(wo, nullptr, nullptr));
  std::unique_lock<std::mutex> lock(mutex_);
  bg_cv_.wait(lock, [&] {
    return imm_.empty() || !bg_error_.ok() || shutting_down_.load(std::memory_order_acquire);
  });
  return bg_error_;
}

// ------------------------------------------------------------------ compaction

void DBImpl::CompactionLoop() {
  while (!shutting_down_.load(std::memory_order_acquire)) {
    {
      // Wait for work without compaction_mu_, so CompactRange can take it.
      std::unique_lock<std::mutex> lock(mutex_);
      bg_cv_.wait_for(lock, std::chrono::milliseconds(500), [&] {
        return shutting_down_.load(std::memory_order_acquire) ||
               (bg_error_.ok() && versions_->PickCompaction().has_value());
      });
    }
    if (shutting_down_.load(std::memory_order_acquire)) break;
    std::unique_lock<std::mutex> compaction_lock(compaction_mu_);
    std::unique_lock<std::mutex> lock(mutex_);
    if (!bg_error_.ok()) continue;
    std::optional<CompactionPlan> plan = versions_->PickCompaction();
    if (!plan) continue;
    Status s = RunPlan(*plan, lock);
    if (IsNoSpace(s)) {
      Log(0, fmt::format("compaction failed, will retry: {}", s.ToString()));
      lock.unlock();
      compaction_lock.unlock();
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    if (!s.ok() && !s.IsShutdown()) {
      RecordBackgroundError(s);
    }
    bg_cv_.notify_all();
  }
}

Status DBImpl::RunPlan(const CompactionPlan& plan, std::unique_lock<std::mutex>& lock) {
  VersionEdit edit;
  for (int which = 0; which < 2; which++) {
    int level = which == 0 ? plan.level : plan.output_level;
    for (const auto& f : plan.inputs[which]) edit.RemoveFile(level, f->number);
  }
  if (plan.IsTrivialMove()) {
    const FileRef& f = plan.inputs[0].front();
    edit.AddFile(plan.output_level, *f);
    edit.SetCompactPointer(plan.level, f->largest);
    Status s = versions_->LogAndApply(&edit, lock);
    if (s.ok()) InstallSuperVersion();
    return s;
  }

  VersionRef version = versions_->current();
  CompactionParams params;
  params.dir = dir_;
  params.table_options = MakeTableOptions();
  params.target_file_size = options_.target_file_size;
  params.smallest_snapshot = SmallestSnapshot();
  int output_level = plan.output_level;
  params.is_base_level = [version, output_level](std::string_view user_key) {
    return version->IsBaseLevelForKey(output_level, user_key);
  };
  params.filter = options_.compaction_filter;
  params.filter_level = output_level;
  params.shutting_down = &shutting_down_;
  std::vector<uint64_t> numbers;
  params.new_file_number = PendingFileNumbers(&numbers);

  ReadOptions ro;
  ro.fill_cache = false;
  std::vector<std::unique_ptr<Iterator>> children;
  for (int which = 0; which < 2; which++) {
    for (const auto& f : plan.inputs[which]) {
      children.push_back(table_cache_->NewIterator(ro, f->number, f->file_size));
    }
  }
  lock.unlock();
  auto input = NewMergingIterator(std::move(children));
  std::vector<FileMetaData> outputs;
  CompactionStats stats;
  auto start = Clock::now();
  Status s = RunCompaction(params, *input, &outputs, &stats);
  // Unpin the input version before DeleteObsoleteFiles below, or the inputs
  // would look live and stay on disk until the next open.
  input.reset();
  params.is_base_level = nullptr;
  version.reset();
  lock.lock();
  if (!s.ok()) {
    for (uint64_t n : numbers) pending_outputs_.erase(n);
    return s;
  }
  uint64_t out_bytes = 0;
  for (auto& f : outputs) {
    out_bytes += f.file_size;
    edit.AddFile(output_level, std::move(f));
  }
  if (!plan.inputs[0].empty()) edit.SetCompactPointer(plan.level, plan.inputs[0].back()->largest);
  s = versions_->LogAndApply(&edit, lock);
  ReleasePendingOutputs(edit);
  if (!s.ok()) return s;
  compaction_bytes_read_.fetch_add(stats.bytes_read, std::memory_order_relaxed);
  compaction_bytes_written_.fetch_add(stats.bytes_written, std::memory_order_relaxed);
  compactions_.fetch_add(1, std::memory_order_relaxed);
  InstallSuperVersion();
  DeleteObsoleteFiles(lock);
  Log(2, fmt::format("compacted L{} ({} files) + L{} ({} files) -> {} bytes in {} us, "
                     "{} entries dropped, {} filtered",
                     plan.level, plan.inputs[0].size(), plan.output_level, plan.inputs[1].size(),
                     out_bytes, MicrosSince(start), stats.entries_dropped, stats.entries_filtered));
  return Status::OK();
}

Status DBImpl::CompactRange(const std::string_view* begin, const std::string_view* end) {
  LSMDB_RETURN_IF_ERROR(Flush());
  std::lock_guard<std::mutex> compaction_lock(compaction_mu_);
  std::unique_lock<std::mutex> lock(mutex_);
  int max_level = 0;
  for (int level = 0; level < versions_->num_levels(); level++) {
    if (!versions_->current()->Overlapping(level, begin, end).empty()) max_level = level;
  }
  // Push everything in range down to (at least) one level below the deepest
  // level that holds it, so every key passes through the filter and
  // tombstones reach a base level.
  int last = std::min(max_level, versions_->num_levels() - 2);
  for (int level = 0; level <= last; level++) {
    auto plan = versions_->PlanManual(level, begin, end);
    if (!plan) continue;
    LSMDB_RETURN_IF_ERROR(RunPlan(*plan, lock));
  }
  if (max_level == versions_->num_levels() - 1) {
    auto plan = versions_->PlanManual(max_level, begin, end);
    if (plan) LSMDB_RETURN_IF_ERROR(RunPlan(*plan, lock));
  }
  bg_cv_.notify_all();
  return bg_error_;
}

void DBImpl::DeleteObsoleteFiles(std::unique_lock<std::mutex>& lock) {
  if (disable_deletions_ > 0 || !bg_error_.ok()) return;
  std::set<uint64_t> live = pending_outputs_;
  versions_->AddLiveFiles(&live);
  uint64_t min_log = versions_->log_number();
  for (const auto& imm : imm_) min_log = std::min(min_log, imm.log_number);
  uint64_t manifest = versions_->manifest_number();
  auto names = ListDir(dir_);
  if (!names.ok()) return;
  std::vector<std::pair<std::string, uint64_t>> doomed;  // name, table number or 0
  for (const auto& name : *names) {
    uint64_t number = 0;
    switch (ParseFileName(name, &number)) {
      case FileType::kTable:
        if (!live.count(number)) doomed.emplace_back(name, number);
        break;
      case FileType::kWal:
        if (number < min_log && number != mem_log_number_) doomed.emplace_back(name, 0);
        break;
      case FileType::kManifest:
        if (number < manifest) doomed.emplace_back(name, 0);
        break;
      default:
        break;
    }
  }
  lock.unlock();
  for (const auto& [name, table] : doomed) {
    if (table != 0) {
      table_cache_->Evict(table);
      block_cache_->EraseFile(table);
    }
    (void)RemoveFile(dir_ + "/" + name);
  }
  lock.lock();
}

}  // namespace lsmdb::storage
