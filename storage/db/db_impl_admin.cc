// DBImpl, part 5: checkpoints and properties (the parts are listed at the top of db_impl.cc).

#include <fmt/format.h>

#include "storage/db/db_impl.h"

namespace lsmdb::storage {

// ------------------------------------------------------------------ checkpoint

Status DBImpl::Checkpoint(std::string_view target_dir) {
  std::string dst(target_dir);
  if (FileExists(dst)) return Status::InvalidArgument(fmt::format("{}: exists already", dst));
  std::string tmp = dst + ".tmp";
  if (FileExists(tmp)) LSMDB_RETURN_IF_ERROR(RemoveDirRecursive(tmp));

  // Pin the files: no deletions until the copy is done. WAL sizes are read
  // under mutex_, where every appended group is complete.
  std::unique_lock<std::mutex> lock(mutex_);
  disable_deletions_++;
  VersionRef version = versions_->current();
  std::vector<std::pair<uint64_t, uint64_t>> logs;  // number, bytes to copy
  for (const auto& imm : imm_) logs.emplace_back(imm.log_number, UINT64_MAX);
  uint64_t min_log = logs.empty() ? mem_log_number_ : logs.front().first;
  lock.unlock();
  // Wait for the current write group, then read the live WAL's size.
  std::unique_lock<std::mutex> lock2(mutex_);
  {
    // Every record appended so far is whole and, after this flush, in the OS.
    std::lock_guard<std::mutex> wal_lock(wal_buf_mu_);
    Status flushed = logfile_->Flush();
    if (!flushed.ok()) {
      disable_deletions_--;
      return flushed;
    }
    logs.emplace_back(mem_log_number_, logfile_->Size());
  }
  uint64_t last_sequence = versions_->last_sequence();
  uint64_t next_file = versions_->next_file_number();
  lock2.unlock();

  auto run = [&]() -> Status {
    LSMDB_RETURN_IF_ERROR(CreateDirIfMissing(tmp));
    for (int level = 0; level < kMaxNumLevels; level++) {
      for (const auto& f : version->files[level]) {
        std::string from = TableFileName(dir_, f->number), to = TableFileName(tmp, f->number);
        Status s = LinkFile(from, to);
        if (!s.ok()) LSMDB_RETURN_IF_ERROR(CopyFile(from, to));
      }
    }
    for (const auto& [number, bytes] : logs) {
      LSMDB_RETURN_IF_ERROR(CopyFile(WalFileName(dir_, number), WalFileName(tmp, number), bytes));
    }
    VersionEdit edit;
    edit.SetLogNumber(min_log);
    edit.SetNextFile(next_file);
    edit.SetLastSequence(last_sequence);
    for (int level = 0; level < kMaxNumLevels; level++) {
      for (const auto& f : version->files[level]) edit.AddFile(level, *f);
    }
    std::string record;
    edit.EncodeTo(&record);
    {
      LSMDB_ASSIGN_OR_RETURN(auto file, WritableFile::Open(ManifestFileName(tmp, 1)));
      WalWriter log(file.get());
      LSMDB_RETURN_IF_ERROR(log.AddRecord(record));
      LSMDB_RETURN_IF_ERROR(file->Flush());
      LSMDB_RETURN_IF_ERROR(file->Sync());
      LSMDB_RETURN_IF_ERROR(file->Close());
    }
    LSMDB_RETURN_IF_ERROR(WriteFileAtomic(CurrentFileName(tmp), "MANIFEST-000001\n"));
    LSMDB_RETURN_IF_ERROR(SyncDir(tmp));
    LSMDB_RETURN_IF_ERROR(RenameFile(tmp, dst));
    auto slash = dst.rfind('/');
    return SyncDir(slash == std::string::npos ? "." : dst.substr(0, slash));
  };
  Status s = run();
  if (!s.ok()) (void)RemoveDirRecursive(tmp);
  lock.lock();
  disable_deletions_--;
  return s;
}

// ------------------------------------------------------------------ properties

bool DBImpl::GetProperty(std::string_view name, std::string* value) {
  std::unique_lock<std::mutex> lock(mutex_);
  VersionRef v = versions_->current();
  size_t mem_bytes = mem_->ApproximateMemoryUsage();
  for (const auto& imm : imm_) mem_bytes += imm.mem->ApproximateMemoryUsage();
  size_t num_snapshots = snapshots_.size();
  size_t num_imm = imm_.size();
  lock.unlock();

  uint64_t total = 0;
  int files = 0;
  for (int level = 0; level < kMaxNumLevels; level++) {
    total += v->LevelBytes(level);
    files += v->NumFiles(level);
  }
  uint64_t user = user_bytes_written_.load(std::memory_order_relaxed);
  uint64_t flushed = flush_bytes_written_.load(std::memory_order_relaxed);
  uint64_t comp_w = compaction_bytes_written_.load(std::memory_order_relaxed);
  uint64_t comp_r = compaction_bytes_read_.load(std::memory_order_relaxed);
  double wamp = user == 0 ? 0.0 : static_cast<double>(flushed + comp_w) / user;

  constexpr std::string_view kLevelPrefix = "lsmdb.num-files-at-level";
  if (name.substr(0, kLevelPrefix.size()) == kLevelPrefix) {
    std::string_view digits = name.substr(kLevelPrefix.size());
    if (digits.size() != 1 || digits[0] < '0' || digits[0] >= '0' + kMaxNumLevels) return false;
    *value = std::to_string(v->NumFiles(digits[0] - '0'));
    return true;
  }
  if (name == "lsmdb.total-sst-bytes") {
    *value = std::to_string(total);
  } else if (name == "lsmdb.memtable-bytes") {
    *value = std::to_string(mem_bytes);
  } else if (name == "lsmdb.block-cache-hits") {
    *value = std::to_string(block_cache_->hits());
  } else if (name == "lsmdb.block-cache-misses") {
    *value = std::to_string(block_cache_->misses());
  } else if (name == "lsmdb.compaction-bytes-read") {
    *value = std::to_string(comp_r);
  } else if (name == "lsmdb.compaction-bytes-written") {
    *value = std::to_string(comp_w);
  } else if (name == "lsmdb.flush-bytes-written") {
    *value = std::to_string(flushed);
  } else if (name == "lsmdb.user-bytes-written") {
    *value = std::to_string(user);
  } else if (name == "lsmdb.write-amplification") {
    *value = fmt::format("{:.2f}", wamp);
  } else if (name == "lsmdb.stall-micros") {
    *value = std::to_string(stall_micros_.load(std::memory_order_relaxed));
  } else if (name == "lsmdb.num-snapshots") {
    *value = std::to_string(num_snapshots);
  } else if (name == "lsmdb.info" || name == "lsmdb.stats") {
    bool info = name == "lsmdb.info";
    std::string out;
    auto add = [&](std::string_view k, const std::string& val) {
      out += info ? fmt::format("{}:{}\r\n", k, val) : fmt::format("{:<28} {}\n", k, val);
    };
    add("lsm_sst_files", std::to_string(files));
    add("lsm_sst_bytes", std::to_string(total));
    for (int level = 0; level < kMaxNumLevels; level++) {
      add(fmt::format("lsm_level{}", level),
          fmt::format("files={},bytes={}", v->NumFiles(level), v->LevelBytes(level)));
    }
    add("lsm_memtable_bytes", std::to_string(mem_bytes));
    add("lsm_immutable_memtables", std::to_string(num_imm));
    add("lsm_block_cache_bytes", std::to_string(block_cache_->usage()));
    add("lsm_block_cache_hits", std::to_string(block_cache_->hits()));
    add("lsm_block_cache_misses", std::to_string(block_cache_->misses()));
    add("lsm_flushes", std::to_string(flushes_.load(std::memory_order_relaxed)));
    add("lsm_flush_bytes_written", std::to_string(flushed));
    add("lsm_compactions", std::to_string(compactions_.load(std::memory_order_relaxed)));
    add("lsm_compaction_bytes_read", std::to_string(comp_r));
    add("lsm_compaction_bytes_written", std::to_string(comp_w));
    add("lsm_user_bytes_written", std::to_string(user));
    add("lsm_write_amplification", fmt::format("{:.2f}", wamp));
    add("lsm_stall_micros", std::to_string(stall_micros_.load(std::memory_order_relaxed)));
    add("lsm_wal_syncs", std::to_string(wal_syncs_.load(std::memory_order_relaxed)));
    add("lsm_snapshots", std::to_string(num_snapshots));
    add("lsm_last_sequence", std::to_string(versions_->last_sequence()));
    *value = std::move(out);
  } else {
    return false;
  }
  return true;
}

}  // namespace lsmdb::storage
