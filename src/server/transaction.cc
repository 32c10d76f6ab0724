#include "src/server/transaction.h"

#include <algorithm>
#include <functional>

#include "src/types/key_lock.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {

// ---- ExecCommitter ----

Status ExecCommitter::Commit(WriteBatch& batch) {
  WriteOptions options;
  options.disable_wal = true;
  LSMDB_RETURN_IF_ERROR(db_.Write(options, batch));
  combined_.Append(batch);
  return Status::OK();
}

Status ExecCommitter::Finish() {
  if (combined_.Count() == 0) return Status::OK();
  WriteOptions options;
  options.wal_only = true;
  Status s;
  if (auto* wal = dynamic_cast<WalCommitter*>(&outer_); wal != nullptr) {
    s = wal->CommitWithOptions(options, combined_);
  } else {
    s = db_.Write(options, combined_);
  }
  combined_.Clear();
  return s;
}

// ---- ExecGate ----

ExecGate::ExecGate() {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&lock_, &attr);
  pthread_rwlockattr_destroy(&attr);
}

ExecGate::~ExecGate() { pthread_rwlock_destroy(&lock_); }

// ---- WatchRegistry ----

WatchRegistry::Shard& WatchRegistry::ShardOf(const std::string& map_key) {
  return shards_[std::hash<std::string>{}(map_key) % kShards];
}

Status WatchRegistry::Watch(Keyspace& ks, const std::shared_ptr<WatchSet>& set, int db,
                            std::string_view key) {
  for (const WatchSet::Key& k : set->keys) {
    if (k.db == db && k.key == key) return Status::OK();
  }
  std::string mk = DbKeyString(db, key);
  Shard& shard = ShardOf(mk);
  std::lock_guard<std::mutex> lock(shard.mu);
  Result<std::optional<Metadata>> meta = ks.LookupMeta(db, key);
  if (!meta.ok()) return meta.status();
  const bool absent = !meta.value().has_value();
  shard.keys[mk].push_back(Watcher{set, absent});
  watched_.fetch_add(1, std::memory_order_relaxed);
  set->keys.push_back(WatchSet::Key{db, std::string(key), absent ? 0 : meta.value()->expire_at_ms});
  return Status::OK();
}

void WatchRegistry::UnwatchAll(WatchSet& set) {
  for (const WatchSet::Key& k : set.keys) {
    std::string mk = DbKeyString(k.db, k.key);
    Shard& shard = ShardOf(mk);
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.keys.find(mk);
    if (it == shard.keys.end()) continue;
    auto& list = it->second;
    auto gone = std::remove_if(list.begin(), list.end(),
                               [&](const Watcher& w) { return w.set.get() == &set; });
    watched_.fetch_sub(static_cast<size_t>(list.end() - gone), std::memory_order_relaxed);
    list.erase(gone, list.end());
    if (list.empty()) shard.keys.erase(it);
  }
  set.keys.clear();
  set.dirty.store(false, std::memory_order_relaxed);
}

bool WatchRegistry::Aborts(const WatchSet& set, int64_t now_ms) {
  if (set.dirty.load(std::memory_order_acquire)) return true;
  for (const WatchSet::Key& k : set.keys) {
    if (k.expire_at_ms != 0 && now_ms > k.expire_at_ms) return true;
  }
  return false;
}

void WatchRegistry::TouchEntry(Keyspace& ks, int db, std::string_view key,
                               std::vector<Watcher>& list) {
  int still_absent = -1;  // unknown until a watcher needs it
  for (Watcher& w : list) {
    if (w.absent) {
      if (still_absent < 0) {
        Result<std::optional<Metadata>> meta = ks.LookupMeta(db, key);
        still_absent = (meta.ok() && !meta.value().has_value()) ? 1 : 0;
      }
      if (still_absent == 1) continue;
    }
    w.set->dirty.store(true, std::memory_order_release);
  }
}

void WatchRegistry::Touch(Keyspace& ks, int db, std::string_view key) {
  std::string mk = DbKeyString(db, key);
  Shard& shard = ShardOf(mk);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.keys.find(mk);
  if (it != shard.keys.end()) TouchEntry(ks, db, key, it->second);
}

void WatchRegistry::TouchDb(Keyspace& ks, int db) {
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (auto& [mk, list] : shard.keys) {
      int key_db = static_cast<unsigned char>(mk[0]);
      if (db >= 0 && key_db != db) continue;
      TouchEntry(ks, key_db, std::string_view(mk).substr(1), list);
    }
  }
}

}  // namespace lsmdb::server
