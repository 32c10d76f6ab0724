#include "storage/db/db_impl.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "storage/db/bounded_iterator.h"
#include "storage/db/concat_iterator.h"
#include "storage/db/db_iter.h"
#include "storage/db/dbformat.h"
#include "storage/db/merging_iterator.h"
#include "storage/wal/wal_reader.h"

namespace lsmdb::storage {
namespace {

using Clock = std::chrono::steady_clock;

// Names the calling thread (top -H, perf and /proc show it). Best effort.
void SetThreadRole(const char* name) { pthread_setname_np(pthread_self(), name); }

uint64_t MicrosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

// Out of disk space (or quota): the one kind of write failure the DB recovers
// from by itself once space is freed, instead of failing every later write.
bool IsNoSpace(const Status& s) {
  return s.IsIOError() && (s.message().find("No space left") != std::string::npos ||
                           s.message().find("quota exceeded") != std::string::npos);
}

// Largest group the write leader assembles (bounded so a small write does not
// wait behind a huge group).
constexpr size_t kMaxGroupBytes = 1 << 20;

class SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(uint64_t seq) : seq_(seq) {}
  uint64_t sequence() const override { return seq_; }

 private:
  const uint64_t seq_;
};

// Applies a batch's records to a memtable with consecutive sequence numbers.
class MemTableInserter final : public WriteBatch::Handler {
 public:
  MemTableInserter(uint64_t seq, MemTable* mem) : seq_(seq), mem_(mem) {}
  void Put(std::string_view key, std::string_view value) override {
    mem_->Add(seq_++, kTypeValue, key, value);
  }
  void Delete(std::string_view key) override { mem_->Add(seq_++, kTypeDeletion, key, {}); }

 private:
  uint64_t seq_;
  MemTable* mem_;
};

Status InsertInto(const WriteBatch& batch, MemTable* mem) {
  MemTableInserter inserter(batch.Sequence(), mem);
  return batch.Iterate(inserter);
}

}  // namespace

struct DBImpl::Writer {
  Writer(WriteBatch* b, bool s, bool no_wal, bool only_wal)
      : batch(b), sync(s), disable_wal(no_wal), wal_only(only_wal) {}
  WriteBatch* batch;  // null: a request to switch the memtable (Flush)
  bool sync;
  bool disable_wal;
  bool wal_only;
  bool done = false;
  Status status;
  uint64_t sync_target = 0;
  std::condition_variable cv;
  // Set (after done or becoming the front) right before cv is notified, for
  // the follower's lock-free spin (SpinUntilSignaled).
  std::atomic<bool> signaled{false};
};

namespace {

// Spins up to about kFollowerSpin for the leader to signal w, before the
// caller re-takes the mutex and sleeps on the condition variable. A leader
// commits a group of small batches in a microsecond or two, much less than a
// futex sleep plus wake-up (and the context switches) costs a follower.
constexpr auto kFollowerSpin = std::chrono::microseconds(2);

void SpinUntilSignaled(const std::atomic<bool>& signaled) {
  const auto deadline = Clock::now() + kFollowerSpin;
  while (!signaled.load(std::memory_order_acquire)) {
    for (int i = 0; i < 8; i++) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (Clock::now() >= deadline) return;
  }
}

}  // namespace

DBImpl::DBImpl(const Options& options, std::string dir)
    : options_(options),
      dir_(std::move(dir)),
      block_cache_(std::make_unique<BlockCache>(std::max<size_t>(options.block_cache_bytes, 1))),
      table_cache_(std::make_unique<TableCache>(dir_, std::max(options.max_open_files - 10, 64),
                                                block_cache_.get())),
      versions_(std::make_unique<VersionSet>(dir_, options_, table_cache_.get())) {}

void DBImpl::Log(int level, const std::string& msg) const {
  if (options_.info_log) {
    options_.info_log(level, msg);
  } else if (level == 0) {
    fmt::print(stderr, "lsmdb: {}\n", msg);
  }
}

TableOptions DBImpl::MakeTableOptions() const {
  TableOptions t;
  t.block_size = options_.block_size;
  t.restart_interval = options_.block_restart_interval;
  t.compression = options_.compression;
  t.bloom_bits_per_key = options_.bloom_bits_per_key;
  return t;
}

// ------------------------------------------------------------------ Open

Status DBImpl::Open() {
  LSMDB_RETURN_IF_ERROR(CreateDirIfMissing(dir_));
  LSMDB_ASSIGN_OR_RETURN(file_lock_, FileLock::Acquire(dir_ + "/LOCK"));
  std::unique_lock<std::mutex> lock(mutex_);
  if (!FileExists(CurrentFileName(dir_))) {
    if (!options_.create_if_missing) {
      return Status::InvalidArgument(
          fmt::format("{}: no DB here (create_if_missing is off)", dir_));
    }
    LSMDB_RETURN_IF_ERROR(versions_->CreateNew());
  } else if (options_.error_if_exists) {
    return Status::InvalidArgument(fmt::format("{}: a DB exists already", dir_));
  }
  LSMDB_RETURN_IF_ERROR(versions_->Recover());

  // Replay every WAL the manifest does not cover, oldest first.
  LSMDB_ASSIGN_OR_RETURN(auto names, ListDir(dir_));
  std::vector<uint64_t> logs;
  for (const auto& name : names) {
    uint64_t number;
    FileType type = ParseFileName(name, &number);
    if (type == FileType::kWal || type == FileType::kTable || type == FileType::kManifest) {
      versions_->MarkFileNumberUsed(number);
    }
    if (type == FileType::kWal && number >= versions_->log_number()) logs.push_back(number);
  }
  std::sort(logs.begin(), logs.end());
  VersionEdit edit;
  uint64_t max_sequence = versions_->last_sequence();
  for (uint64_t number : logs) {
    LSMDB_RETURN_IF_ERROR(RecoverWal(number, &edit, &max_sequence, lock));
  }
  versions_->SetLastSequence(max_sequence);

  // A fresh WAL for new writes; the manifest now points past the old ones.
  uint64_t log_number = versions_->NewFileNumber();
  LSMDB_ASSIGN_OR_RETURN(auto file, WritableFile::Open(WalFileName(dir_, log_number)));
  logfile_ = std::move(file);
  log_ = std::make_unique<WalWriter>(logfile_.get());
  mem_ = std::make_shared<MemTable>();
  mem_log_number_ = log_number;
  edit.SetLogNumber(log_number);
  Status applied = versions_->LogAndApply(&edit, lock);
  ReleasePendingOutputs(edit);
  LSMDB_RETURN_IF_ERROR(applied);
  {
    std::lock_guard<std::mutex> sync_lock(sync_mu_);
    sync_file_ = logfile_;
  }
  InstallSuperVersion();
  DeleteObsoleteFiles(lock);
  {
    std::lock_guard<std::mutex> backlog_lock(backlog_mu_);
    backlog_start_ = versions_->last_sequence();
  }
  lock.unlock();

  // Thread roles (names as `top -H` shows them): lsm-sync fsyncs the WAL and
  // fires WriteAsync callbacks; lsm-flush writes immutable memtables to level
  // 0; lsm-compact runs leveled compactions.
  sync_thread_ = std::thread([this] {
    SetThreadRole("lsm-sync");
    SyncLoop();
  });
  flush_thread_ = std::thread([this] {
    SetThreadRole("lsm-flush");
    FlushLoop();
  });
  compaction_thread_ = std::thread([this] {
    SetThreadRole("lsm-compact");
    CompactionLoop();
  });
  lock.lock();
  bg_cv_.notify_all();
  return Status::OK();
}

Status DBImpl::RecoverWal(uint64_t number, VersionEdit* edit, uint64_t* max_sequence,
                          std::unique_lock<std::mutex>& lock) {
  std::string path = WalFileName(dir_, number);
  LSMDB_ASSIGN_OR_RETURN(auto reader, WalReader::Open(path, options_.repair_wal));
  auto mem = std::make_shared<MemTable>();
  std::string record;
  WriteBatch batch;
  uint64_t records = 0;
  while (true) {
    LSMDB_ASSIGN_OR_RETURN(bool more, reader->ReadRecord(&record));
    if (!more) break;
    Status s = batch.SetContents(record);
    if (s.ok()) s = InsertInto(batch, mem.get());
    if (!s.ok()) {
      return Status::Corruption(fmt::format("{}: record at offset {}: {}", path,
                                            reader->LastRecordOffset(), s.message()));
    }
    records++;
    if (batch.Count() > 0) {
      *max_sequence = std::max(*max_sequence, batch.Sequence() + batch.Count() - 1);
    }
    if (mem->ApproximateMemoryUsage() > options_.write_buffer_size) {
      LSMDB_RETURN_IF_ERROR(WriteLevel0Table(mem, edit, lock));
      mem = std::make_shared<MemTable>();
    }
  }
  if (reader->DroppedBytes() > 0) {
    // With repair_wal, damage in the middle is skipped too: say how much.
    std::string tail = reader->TailReport();
    Log(0, tail.empty()
               ? fmt::format("{}: repair dropped {} bytes of damaged records", path,
                             reader->DroppedBytes())
               : fmt::format("{} ({} bytes dropped in all)", tail, reader->DroppedBytes()));
  }
  Log(1, fmt::format("recovered {} write batches from {}", records, path));
  if (!mem->Empty()) LSMDB_RETURN_IF_ERROR(WriteLevel0Table(mem, edit, lock));
  return Status::OK();
}

DBImpl::~DBImpl() {
  shutting_down_.store(true, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    bg_cv_.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    sync_stop_ = true;
    sync_cv_.notify_all();
  }
  if (flush_thread_.joinable()) flush_thread_.join();
  if (compaction_thread_.joinable()) compaction_thread_.join();
  if (sync_thread_.joinable()) sync_thread_.join();
}

// ------------------------------------------------------------------ writes

Status DBImpl::Write(const WriteOptions& options, WriteBatch& batch) {
  return WriteImpl(options, &batch, nullptr);
}

Status DBImpl::WriteAsync(const WriteOptions& options, WriteBatch& batch,
                          std::function<void(Status)> on_durable) {
  return WriteImpl(options, &batch, &on_durable);
}

Status DBImpl::WriteImpl(const WriteOptions& options, WriteBatch* batch,
                         std::function<void(Status)>* on_durable) {
  bool need_sync = options.sync || options_.sync_mode == SyncMode::kAlways;
  if (options.disable_wal && options.wal_only) {
    return Status::InvalidArgument("disable_wal and wal_only together write nothing");
  }
  Writer w(batch, need_sync, options.disable_wal, options.wal_only);
  std::unique_lock<std::mutex> lock(mutex_);
  writers_.push_back(&w);
  if (&w != writers_.front()) {
    lock.unlock();
    SpinUntilSignaled(w.signaled);
    lock.lock();  // done and the queue are read under mutex_, as ever
  }
  while (!w.done && &w != writers_.front()) w.cv.wait(lock);
  if (!w.done) {
    // This writer leads: commit a group.
    Status s = MakeRoomForWrite(lock, batch == nullptr);
    Writer* last_writer = &w;
    uint64_t target = 0;
    if (s.ok() && batch != nullptr) {
      WriteBatch* group = BuildBatchGroup(&last_writer);
      uint64_t last_seq = versions_->last_sequence();
      group->SetSequence(last_seq + 1);
      last_seq += group->Count();
      std::shared_ptr<MemTable> mem = mem_;
      uint64_t before = logfile_->Size();
      lock.unlock();
      // Only the leader touches log_ and the memtable's writer side.
      if (!w.disable_wal) {
        std::lock_guard<std::mutex> wal_lock(wal_buf_mu_);
        s = log_->AddRecord(group->Contents());
        if (s.ok() && !options_.manual_wal_flush) s = logfile_->Flush();
      }
      if (s.ok() && !w.wal_only) s = InsertInto(*group, mem.get());
      if (s.ok() && !w.disable_wal && options_.replication_backlog_bytes > 0) {
        AppendToBacklog(*group);
      }
      uint64_t appended = logfile_->Size() - before;
      user_bytes_written_.fetch_add(group->ApproximateSize(), std::memory_order_relaxed);
      lock.lock();
      if (s.ok()) {
        versions_->SetLastSequence(last_seq);
      } else if (IsNoSpace(s)) {
        // The WAL may end in a torn record now: continue in a fresh file once
        // there is space (ReopenWal); the group was not applied.
        MarkWalBroken(s);
      } else {
        RecordBackgroundError(s);  // the WAL may or may not hold the group now
      }
      if (group == &group_batch_) group_batch_.Clear();
      std::lock_guard<std::mutex> sync_lock(sync_mu_);
      wal_written_ += appended;
      target = wal_written_;
    }
    while (true) {
      Writer* ready = writers_.front();
      writers_.pop_front();
      ready->status = s;
      ready->sync_target = target;
      if (ready != &w) {
        ready->done = true;
        ready->signaled.store(true, std::memory_order_release);
        ready->cv.notify_one();
      }
      if (ready == last_writer) break;
    }
    if (!writers_.empty()) {
      writers_.front()->signaled.store(true, std::memory_order_release);
      writers_.front()->cv.notify_one();
    }
  }
  lock.unlock();

  Status s = w.status;
  if (!s.ok() || batch == nullptr) return s;
  bool wait = need_sync && !options.disable_wal;
  if (on_durable != nullptr) {
    if (wait) {
      AddSyncWaiter(w.sync_target, std::move(*on_durable));
    } else {
      (*on_durable)(Status::OK());
    }
    return Status::OK();
  }
  return wait ? WaitForSync(w.sync_target) : Status::OK();
}

WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  size_t size = first->batch->ApproximateSize();
  size_t max_size = size <= (128 << 10) ? size + (128 << 10) : kMaxGroupBytes;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    // A null batch (flush request) or a different WAL choice ends the group.
    if (w->batch == nullptr || w->disable_wal != first->disable_wal ||
        w->wal_only != first->wal_only) {
      break;
    }
    size += w->batch->ApproximateSize();
    if (size > max_size) break;
    if (result == first->batch) {
      group_batch_.Clear();
      group_batch_.Append(*first->batch);
      result = &group_batch_;
    }
    result->Append(*w->batch);
    *last_writer = w;
  }
  return result;
}

Status DBImpl::MakeRoomForWrite(std::unique_lock<std::mutex>& lock, bool force) {
  bool allow_delay = !force;
  while (true) {
    if (sync_failed_.load(std::memory_order_acquire) && bg_error_.ok()) {
      std::lock_guard<std::mutex> sync_lock(sync_mu_);
      RecordBackgroundError(sync_error_);
    }
    if (!bg_error_.ok()) return bg_error_;
    if (wal_broken_) LSMDB_RETURN_IF_ERROR(ReopenWal());
    int l0 = super_version_->version->NumFiles(0);
    if (allow_delay && l0 >= options_.level0_slowdown_trigger) {
      // Slow each writer by 1 ms rather than stopping all of them later.
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      stall_micros_.fetch_add(1000, std::memory_order_relaxed);
      allow_delay = false;
      lock.lock();
      continue;
    }
    if (!force && mem_->ApproximateMemoryUsage() < options_.write_buffer_size) return Status::OK();
    if (force && mem_->Empty()) return Status::OK();
    if (static_cast<int>(imm_.size()) >= std::max(1, options_.max_immutable_memtables) ||
        l0 >= options_.level0_stop_trigger) {
      // Flushes fail for lack of space: fail the write rather than wait.
      if (!space_error_.ok()) return space_error_;
      auto start = Clock::now();
      bg_cv_.wait_for(lock, std::chrono::milliseconds(100));
      stall_micros_.fetch_add(MicrosSince(start), std::memory_order_relaxed);
      if (shutting_down_.load(std::memory_order_acquire)) return Status::Shutdown("DB closing");
      continue;
    }
    return SwitchMemTable();
  }
}

Status DBImpl::SwitchMemTable() {
  uint64_t number = versions_->NewFileNumber();
  auto opened = WritableFile::Open(WalFileName(dir_, number));
  if (!opened.ok()) {
    RecordBackgroundError(opened.status());
    return opened.status();
  }
  std::shared_ptr<WritableFile> file = std::move(opened).value();
  {
    std::lock_guard<std::mutex> wal_lock(wal_buf_mu_);
    Status flushed = logfile_->Flush();
    if (!flushed.ok()) {
      RecordBackgroundError(flushed);
      return flushed;
    }
    logfile_ = file;
    log_ = std::make_unique<WalWriter>(logfile_.get());
  }
  {
    // The old WAL is handed to the sync thread, which syncs it with the next
    // round before anyone waiting on bytes in it is released.
    std::lock_guard<std::mutex> sync_lock(sync_mu_);
    retired_logs_.push_back(sync_file_);
    sync_file_ = file;
  }
  imm_.push_back({mem_, mem_log_number_});
  mem_ = std::make_shared<MemTable>();
  mem_log_number_ = number;
  InstallSuperVersion();
  bg_cv_.notify_all();
  return Status::OK();
}

Status DBImpl::ReopenWal() {
  uint64_t number = versions_->NewFileNumber();
  auto opened = WritableFile::Open(WalFileName(dir_, number));
  if (!opened.ok()) return opened.status();
  std::shared_ptr<WritableFile> file = std::move(opened).value();
  {
    std::lock_guard<std::mutex> wal_lock(wal_buf_mu_);
    logfile_ = file;
    log_ = std::make_unique<WalWriter>(logfile_.get());
  }
  {
    // The broken file is dropped, not synced: nothing in it (nor anything not
    // yet synced before it) is acknowledged as durable. Writers waiting on
    // those bytes get the out-of-space error; later ones wait on the new file.
    std::lock_guard<std::mutex> sync_lock(sync_mu_);
    sync_file_ = file;
    RecordLostWal(wal_written_, wal_broken_status_);
  }
  // The memtable now spans two WAL files; both are numbered below the next
  // memtable's, so both are kept until it is flushed and replayed in order.
  wal_broken_ = false;
  wal_broken_status_ = Status::OK();
  Log(0, fmt::format("WAL continues in {} after running out of space", WalFileName(dir_, number)));
  return Status::OK();
}

void DBImpl::MarkWalBroken(const Status& s) {
  if (!wal_broken_) wal_broken_status_ = s;
  wal_broken_ = true;
}

void DBImpl::RecordBackgroundError(const Status& s) {
  if (bg_error_.ok()) {
    bg_error_ = s;
    Log(0, fmt::format("background error, writes now fail: {}", s.ToString()));
    bg_cv_.notify_all();
  }
}

// ------------------------------------------------------------------ sync

void DBImpl::SyncLoop() {
  std::unique_lock<std::mutex> lock(sync_mu_);
  auto next_periodic = Clock::now() + std::chrono::seconds(1);
  while (true) {
    bool periodic = options_.sync_mode == SyncMode::kEverySec;
    auto pending = [&] { return wal_sync_wanted_ > wal_synced_ && sync_error_.ok(); };
    if (!pending() && !sync_stop_) {
      if (periodic) {
        sync_cv_.wait_until(lock, next_periodic);
      } else {
        sync_cv_.wait(lock);
      }
    }
    bool due = periodic && Clock::now() >= next_periodic;
    if (due) next_periodic = Clock::now() + std::chrono::seconds(1);
    bool work = pending() || ((due || sync_stop_) && wal_written_ > wal_synced_);
    if (!work) {
      if (sync_stop_) break;
      continue;
    }
    uint64_t target = wal_written_;
    std::vector<std::shared_ptr<WritableFile>> files;
    files.swap(retired_logs_);
    files.push_back(sync_file_);
    lock.unlock();
    // Buffered records (manual_wal_flush) must reach the OS before the fsync.
    // Every file is synced even after a failure: what did reach them (the
    // retired files' records above all) is made durable all the same.
    Status s = FlushWal();
    for (auto& f : files) {
      if (!f) continue;
      Status synced = f->Sync();
      if (s.ok()) s = synced;
    }
    wal_syncs_.fetch_add(1, std::memory_order_relaxed);
    const bool no_space = IsNoSpace(s);
    if (no_space) {
      // The write path continues in a new WAL file (ReopenWal) once there is
      // space; the current one may end in a torn record. FlushWal marked it
      // already; an fsync that failed for space has to as well.
      std::lock_guard<std::mutex> db_lock(mutex_);
      MarkWalBroken(s);
    }
    lock.lock();
    if (s.ok()) {
      wal_synced_ = std::max(wal_synced_, target);
    } else if (no_space) {
      // Not sticky: the bytes of this round are lost (whoever waits on them
      // fails), the watermark moves past them, later writes are not failed.
      RecordLostWal(target, s);
    } else if (sync_error_.ok()) {
      sync_error_ = s;
    }
    std::vector<SyncWaiter> ready;
    auto it = std::partition(sync_waiters_.begin(), sync_waiters_.end(), [&](const SyncWaiter& w) {
      return w.target > wal_synced_ && sync_error_.ok();
    });
    std::move(it, sync_waiters_.end(), std::back_inserter(ready));
    sync_waiters_.erase(it, sync_waiters_.end());
    std::vector<Status> results;
    results.reserve(ready.size());
    for (const auto& w : ready) results.push_back(SyncStatusFor(w.target));
    sync_done_cv_.notify_all();
    if (!ready.empty()) {
      lock.unlock();
      for (size_t i = 0; i < ready.size(); i++) ready[i].done(results[i]);
      lock.lock();
    }
    if (!sync_error_.ok()) sync_failed_.store(true, std::memory_order_release);
  }
  // Fail whoever still waits (only possible after an error).
  for (auto& w : sync_waiters_) {
    w.done(sync_error_.ok() ? Status::Shutdown("DB closed") : sync_error_);
  }
  sync_waiters_.clear();
  sync_done_cv_.notify_all();
}

void DBImpl::AppendToBacklog(const WriteBatch& group) {
  std::shared_ptr<std::function<void()>> listener;
  {
    std::lock_guard<std::mutex> lock(backlog_mu_);
    const std::string& contents = group.Contents();
    if (backlog_chunks_.empty() ||
        backlog_chunks_.back().capacity() - backlog_chunks_.back().size() < contents.size()) {
      // Chunks of 1/8 of the backlog (4 KiB .. 1 MiB), or one record's size.
      const size_t chunk_bytes =
          std::clamp<size_t>(options_.replication_backlog_bytes / 8, 4 << 10, 1 << 20);
      backlog_chunks_.emplace_back();
      const size_t want = std::max(chunk_bytes, contents.size());
      if (backlog_spare_.capacity() >= want) backlog_chunks_.back().swap(backlog_spare_);
      backlog_chunks_.back().reserve(want);
    }
    std::string& chunk = backlog_chunks_.back();
    backlog_.push_back({group.Sequence() + group.Count() - 1,
                        backlog_first_chunk_ + backlog_chunks_.size() - 1, chunk.size(),
                        contents.size()});
    chunk.append(contents);  // within the reserved capacity: no reallocation
    backlog_bytes_ += contents.size();
    while (backlog_bytes_ > options_.replication_backlog_bytes && backlog_.size() > 1) {
      backlog_bytes_ -= backlog_.front().size;
      backlog_start_ = backlog_.front().last_sequence;
      backlog_.pop_front();
    }
    while (backlog_first_chunk_ < backlog_.front().chunk) {
      backlog_spare_.swap(backlog_chunks_.front());
      backlog_spare_.clear();
      backlog_chunks_.pop_front();
      backlog_first_chunk_++;
    }
    listener = update_listener_;
  }
  if (listener && *listener) (*listener)();
}

Result<bool> DBImpl::ReadUpdatesSince(uint64_t after, size_t max_bytes,
                                      std::vector<std::string>* batches) {
  std::lock_guard<std::mutex> lock(backlog_mu_);
  uint64_t newest = backlog_.empty() ? backlog_start_ : backlog_.back().last_sequence;
  // Too old (trimmed) or ahead of us (a diverged history): a full copy is needed.
  if (after < backlog_start_ || after > newest) return false;
  // Records are in sequence order: binary search for the first one past `after`.
  auto it =
      std::upper_bound(backlog_.begin(), backlog_.end(), after,
                       [](uint64_t seq, const BacklogRecord& r) { return seq < r.last_sequence; });
  size_t bytes = 0;
  for (; it != backlog_.end() && (bytes < max_bytes || batches->empty()); ++it) {
    const std::string& chunk = backlog_chunks_[it->chunk - backlog_first_chunk_];
    batches->emplace_back(chunk.data() + it->offset, it->size);
    bytes += it->size;
  }
  return true;
}

void DBImpl::SetUpdateListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(backlog_mu_);
  update_listener_ =
      listener ? std::make_shared<std::function<void()>>(std::move(listener)) : nullptr;
}

Status DBImpl::FlushWal() {
  Status s;
  {
    std::lock_guard<std::mutex> wal_lock(wal_buf_mu_);
    if (logfile_) s = logfile_->Flush();
  }
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (IsNoSpace(s)) {
      MarkWalBroken(s);
    } else {
      RecordBackgroundError(s);
    }
  }
  return s;
}

void DBImpl::RecordLostWal(uint64_t target, const Status& s) {
  if (target <= wal_synced_) return;
  lost_wal_.push_back({wal_synced_, target, s});
  if (lost_wal_.size() > kMaxLostWalRanges) lost_wal_.pop_front();
  wal_synced_ = target;
  Log(0, fmt::format("WAL sync failed for lack of space, the writes waiting on it fail: {}",
                     s.ToString()));
}

Status DBImpl::SyncStatusFor(uint64_t target) const {
  for (const LostWal& lost : lost_wal_) {
    if (target > lost.from && target <= lost.upto) return lost.status;
  }
  if (target <= wal_synced_) return Status::OK();
  return sync_error_;
}

Status DBImpl::WaitForSync(uint64_t target) {
  std::unique_lock<std::mutex> lock(sync_mu_);
  if (wal_synced_ >= target) return SyncStatusFor(target);
  wal_sync_wanted_ = std::max(wal_sync_wanted_, target);
  sync_cv_.notify_one();
  sync_done_cv_.wait(lock,
                     [&] { return wal_synced_ >= target || !sync_error_.ok() || sync_stop_; });
  if (wal_synced_ >= target) return SyncStatusFor(target);
  return sync_error_.ok() ? Status::Shutdown("DB closed before the WAL was synced") : sync_error_;
}

void DBImpl::AddSyncWaiter(uint64_t target, std::function<void(Status)> done) {
  std::unique_lock<std::mutex> lock(sync_mu_);
  if (wal_synced_ >= target || !sync_error_.ok()) {
    Status s = SyncStatusFor(target);
    lock.unlock();
    done(s);
    return;
  }
  sync_waiters_.push_back({target, std::move(done)});
  wal_sync_wanted_ = std::max(wal_sync_wanted_, target);
  sync_cv_.notify_one();
}

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
  switch (sv->mem->Get(key, seq, value)) {
    case MemTable::GetResult::kFound:
      return true;
    case MemTable::GetResult::kDeleted:
      return false;
    case MemTable::GetResult::kNotPresent:
      break;
  }
  for (const auto& imm : sv->imm) {
    switch (imm->Get(key, seq, value)) {
      case MemTable::GetResult::kFound:
        return true;
      case MemTable::GetResult::kDeleted:
        return false;
      case MemTable::GetResult::kNotPresent:
        break;
    }
  }
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

// ------------------------------------------------------------------ flush

Status DBImpl::WriteLevel0Table(const std::shared_ptr<MemTable>& mem, VersionEdit* edit,
                                std::unique_lock<std::mutex>& lock) {
  CompactionParams params;
  params.dir = dir_;
  params.table_options = MakeTableOptions();
  params.target_file_size = UINT64_MAX;  // one file per memtable
  params.smallest_snapshot = SmallestSnapshot();
  std::vector<uint64_t> numbers;
  params.new_file_number = [&] {
    std::lock_guard<std::mutex> guard(mutex_);
    uint64_t n = versions_->NewFileNumber();
    pending_outputs_.insert(n);
    numbers.push_back(n);
    return n;
  };
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
  params.new_file_number = [&] {
    std::lock_guard<std::mutex> guard(mutex_);
    uint64_t n = versions_->NewFileNumber();
    pending_outputs_.insert(n);
    numbers.push_back(n);
    return n;
  };

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

// ------------------------------------------------------------------ public shims

namespace lsmdb {

Result<std::unique_ptr<DB>> DB::Open(const Options& options, std::string_view dir) {
  auto db = std::make_unique<storage::DBImpl>(options, std::string(dir));
  LSMDB_RETURN_IF_ERROR(db->Open());
  return std::unique_ptr<DB>(std::move(db));
}

Status DB::Put(const WriteOptions& options, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, batch);
}

Status DB::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, batch);
}

Result<DB::KeyValues> DB::ScanPrefix(const ReadOptions& options, std::string_view prefix,
                                     size_t limit) {
  KeyValues out;
  auto it = NewIterator(options);
  for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix; it->Next()) {
    out.emplace_back(it->key(), it->value());
    if (limit != 0 && out.size() >= limit) break;
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return out;
}

Result<DB::KeyValues> DB::ScanRange(const ReadOptions& options, std::string_view start,
                                    std::string_view end, size_t limit) {
  KeyValues out;
  auto it = NewIterator(options);
  for (it->Seek(start); it->Valid() && (end.empty() || it->key() < end); it->Next()) {
    out.emplace_back(it->key(), it->value());
    if (limit != 0 && out.size() >= limit) break;
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return out;
}

Status DestroyDB(std::string_view dir) {
  std::string d(dir);
  if (!storage::FileExists(d)) return Status::OK();
  return storage::RemoveDirRecursive(d);
}

}  // namespace lsmdb
