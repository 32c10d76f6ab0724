#include "src/types/keyspace.h"

#include <algorithm>
#include <set>
#include <utility>

#include "src/server/redis_error.h"
#include "src/types/compaction_filter.h"

// Keyspace core: construction, epochs, metadata lookup, and the commands that
// work on keys of any type. Strings are in keyspace_strings.cc, iteration
// (KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSH*, SEARCHRANGE) in keyspace_scan.cc.

namespace lsmdb::server {

namespace {

// Finds whether a batch writes an epoch record ('E' | db).
class EpochWriteDetector : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view /*value*/) override { Check(key); }
  void Delete(std::string_view key) override { Check(key); }
  bool found = false;

 private:
  void Check(std::string_view key) {
    if (key.size() == 2 && key[0] == kEpochTag) found = true;
  }
};

}  // namespace

Keyspace::Keyspace(lsmdb::DB* db, Clock clock, KeyspaceCompactionFilter* filter)
    : db_(db),
      clock_(std::move(clock)),
      filter_(filter),
      cursors_(static_cast<uint64_t>(RealClockMs() % 1000000000) * 1000 + 1) {
  for (auto& e : epochs_) e.store(0, std::memory_order_relaxed);
  init_status_ = ReloadEpochs();
}

Status Keyspace::ReloadEpochs() {
  std::lock_guard<std::mutex> lock(flush_mu_);
  for (int i = 0; i < kNumDbs; ++i) {
    std::string value;
    auto found = db_->Get(lsmdb::ReadOptions{}, EpochKey(i), &value);
    if (!found.ok()) return found.status();
    uint32_t epoch = 0;
    if (*found && !DecodeEpoch(value, &epoch)) {
      return Status::Corruption("bad epoch record for db " + std::to_string(i));
    }
    if (filter_ != nullptr) filter_->SetEpoch(i, epoch);
    epochs_[i].store(epoch, std::memory_order_release);
  }
  return Status::OK();
}

bool Keyspace::BatchWritesEpoch(const WriteBatch& batch) {
  EpochWriteDetector detector;
  if (!batch.Iterate(detector).ok()) return false;
  return detector.found;
}

std::string Keyspace::MetaKeyFor(int db, std::string_view key) const {
  return MetaKey(db, Epoch(db), key);
}

uint64_t Keyspace::NewVersion() {
  uint64_t candidate = static_cast<uint64_t>(RealClockMicros());
  uint64_t last = last_version_.load(std::memory_order_relaxed);
  while (true) {
    uint64_t next = std::max(candidate, last + 1);
    if (last_version_.compare_exchange_weak(last, next, std::memory_order_relaxed)) return next;
  }
}

Result<std::optional<Metadata>> Keyspace::ReadLive(std::string_view meta_key, int64_t now_ms,
                                                   const lsmdb::Snapshot* snapshot) {
  lsmdb::ReadOptions ro;
  ro.snapshot = snapshot;
  // Reused per thread: no allocation per lookup (the record is decoded, and
  // a string's value copied, below); a big buffer is not kept.
  thread_local std::string value;
  struct Trim {
    ~Trim() {
      if (value.capacity() > 4096) std::string().swap(value);
    }
  } trim;
  LSMDB_ASSIGN_OR_RETURN(bool found, db_->Get(ro, meta_key, &value));
  if (!found) return std::optional<Metadata>();
  Metadata meta;
  if (!DecodeMetadata(value, &meta)) return Status::Corruption("bad metadata record");
  if (meta.IsExpired(now_ms)) return std::optional<Metadata>();
  return std::optional<Metadata>(std::move(meta));
}

Result<std::optional<Metadata>> Keyspace::LookupMeta(int db, std::string_view key) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  return ReadLive(MetaKeyFor(db, key), NowMs());
}

Status Keyspace::CommitIfAny(Committer& committer, WriteBatch& batch) {
  if (batch.Count() == 0) return Status::OK();
  return committer.Commit(batch);
}

Status Keyspace::WriteCopy(WriteBatch* batch, int src_db, std::string_view src,
                           const Metadata& meta, int dst_db, std::string_view dst) {
  if (!meta.IsCollection()) {
    batch->Put(MetaKeyFor(dst_db, dst), EncodeMetadata(meta));
    return Status::OK();
  }
  // Element keys embed the user key, so a collection moves element by element
  // into a fresh version; the old version's elements become stale.
  Metadata copy = meta;
  copy.version = NewVersion();
  const std::string prefixes[2][2] = {
      {ElementPrefix(src_db, src, meta.version), ElementPrefix(dst_db, dst, copy.version)},
      {ScoreIndexPrefix(src_db, src, meta.version), ScoreIndexPrefix(dst_db, dst, copy.version)},
  };
  for (const auto& [from, to] : prefixes) {
    LSMDB_ASSIGN_OR_RETURN(lsmdb::DB::KeyValues elements,
                           db_->ScanPrefix(lsmdb::ReadOptions{}, from, 0));
    for (const auto& [k, v] : elements) {
      batch->Put(to + k.substr(from.size()), v);
    }
  }
  batch->Put(MetaKeyFor(dst_db, dst), EncodeMetadata(copy));
  return Status::OK();
}

Result<int64_t> Keyspace::Del(Committer& committer, int db,
                              std::span<const std::string_view> keys) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  std::vector<std::string_view> unique(keys.begin(), keys.end());
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  KeyLockGuard lock(locks_, std::vector<int>{db}, unique);
  const int64_t now = NowMs();
  WriteBatch batch;
  int64_t deleted = 0;
  for (std::string_view key : unique) {
    std::string meta_key = MetaKeyFor(db, key);
    std::string value;
    LSMDB_ASSIGN_OR_RETURN(bool found, db_->Get(lsmdb::ReadOptions{}, meta_key, &value));
    if (!found) continue;
    RedisType type;
    int64_t expire_at_ms;
    if (!PeekMetadata(value, &type, &expire_at_ms)) return Status::Corruption("bad metadata");
    // An expired record is deleted too (it is garbage), but not counted.
    if (expire_at_ms == 0 || now <= expire_at_ms) ++deleted;
    batch.Delete(meta_key);
  }
  LSMDB_RETURN_IF_ERROR(CommitIfAny(committer, batch));
  return deleted;
}

Result<int64_t> Keyspace::Exists(int db, std::span<const std::string_view> keys) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  const int64_t now = NowMs();
  int64_t count = 0;
  for (std::string_view key : keys) {
    LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadLive(MetaKeyFor(db, key), now));
    if (meta) ++count;
  }
  return count;
}

Result<RedisType> Keyspace::Type(int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupMeta(db, key));
  return meta ? meta->type : RedisType::kNone;
}

Result<bool> Keyspace::Rename(Committer& committer, int db, std::string_view src,
                              std::string_view dst, bool nx) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, std::vector<int>{db}, std::vector<std::string_view>{src, dst});
  const int64_t now = NowMs();
  const std::string src_key = MetaKeyFor(db, src);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadLive(src_key, now));
  if (!meta) return RedisError(kErrNoSuchKey);
  if (src == dst) return !nx;
  if (nx) {
    LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> existing, ReadLive(MetaKeyFor(db, dst), now));
    if (existing) return false;
  }
  WriteBatch batch;
  LSMDB_RETURN_IF_ERROR(WriteCopy(&batch, db, src, *meta, db, dst));
  batch.Delete(src_key);
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return true;
}

Result<bool> Keyspace::Copy(Committer& committer, int src_db, std::string_view src, int dst_db,
                            std::string_view dst, bool replace) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, std::vector<int>{src_db, dst_db},
                    std::vector<std::string_view>{src, dst});
  const int64_t now = NowMs();
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadLive(MetaKeyFor(src_db, src), now));
  if (!meta) return false;
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> existing, ReadLive(MetaKeyFor(dst_db, dst), now));
  if (existing && !replace) return false;
  WriteBatch batch;
  LSMDB_RETURN_IF_ERROR(WriteCopy(&batch, src_db, src, *meta, dst_db, dst));
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return true;
}

Result<bool> Keyspace::Expire(Committer& committer, int db, std::string_view key, int64_t when_ms,
                              uint32_t flags) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const int64_t now = NowMs();
  const std::string meta_key = MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadLive(meta_key, now));
  if (!meta) return false;
  // expire.c: no TTL counts as infinite for GT/LT.
  const bool has_ttl = meta->expire_at_ms != 0;
  if ((flags & kExpireNx) && has_ttl) return false;
  if ((flags & kExpireXx) && !has_ttl) return false;
  if ((flags & kExpireGt) && (!has_ttl || when_ms <= meta->expire_at_ms)) return false;
  if ((flags & kExpireLt) && has_ttl && when_ms >= meta->expire_at_ms) return false;
  WriteBatch batch;
  if (when_ms <= now) {
    batch.Delete(meta_key);  // checkAlreadyExpired: a past time deletes the key
  } else {
    meta->expire_at_ms = when_ms;
    batch.Put(meta_key, EncodeMetadata(*meta));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return true;
}

Result<int64_t> Keyspace::ExpireTime(int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupMeta(db, key));
  if (!meta) return int64_t{-2};
  if (meta->expire_at_ms == 0) return int64_t{-1};
  return meta->expire_at_ms;
}

Result<bool> Keyspace::Persist(Committer& committer, int db, std::string_view key) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const std::string meta_key = MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadLive(meta_key, NowMs()));
  if (!meta || meta->expire_at_ms == 0) return false;
  meta->expire_at_ms = 0;
  WriteBatch batch;
  batch.Put(meta_key, EncodeMetadata(*meta));
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return true;
}

}  // namespace lsmdb::server
