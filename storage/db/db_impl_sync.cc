// DBImpl, part 2: the WAL sync thread, FlushWal, durability waiters and the replication backlog
// (the parts are listed at the top of db_impl.cc).

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "storage/db/db_impl.h"
#include "storage/db/db_impl_internal.h"

namespace lsmdb::storage {

using internal::Clock;
using internal::IsNoSpace;

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

}  // namespace lsmdb::storage
