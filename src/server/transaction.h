#pragma once

// MULTI/EXEC/WATCH machinery (the commands are in src/commands/cmd_multi.cc).
//
// Atomicity. ExecGate is a writer-preferring reader/writer lock: the
// dispatcher holds it shared around every command and EXEC holds it
// exclusively while it runs its queue, so no other client's command
// interleaves with a transaction. Commands run inside EXEC do not take it.
//
// Durability as one write. While EXEC runs, the queued commands commit
// through an ExecCommitter: each command's batch is applied at once with
// WriteOptions::disable_wal (visible to the next queued command, memtable
// only) and appended to one combined batch. Finish() logs the combined batch
// with WriteOptions::wal_only through the connection's committer, which waits
// for durability like any write. Recovery replays that single WAL record, so
// after a crash the transaction is entirely there or entirely absent.
// Known gap: a memtable flush that runs between a step and Finish() persists
// the steps in a table before the WAL record exists.
//
// WATCH. WatchRegistry maps (db, key) to the WatchSets of the clients
// watching it, in 16 mutex-guarded shards. After a command commits a write,
// the dispatcher calls Touch() for each key of its key spec (TouchDb() for
// FLUSHDB/FLUSHALL), which flags every watcher's set dirty, except a watcher
// that saw the key absent (or already expired) at WATCH time while it is
// still absent: nothing logically changed (Redis 7.0's "stale key" rule; it
// also makes FLUSHALL skip watched keys that do not exist). EXEC also aborts
// when a key that was live at WATCH time has expired since.
// A write that commits nothing (SET NX that fails, DEL of absent keys) does
// not touch: more precise than the key spec alone.

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lsmdb/db.h"
#include "lsmdb/status.h"
#include "lsmdb/write_batch.h"
#include "src/types/committer.h"

namespace lsmdb::server {

class Keyspace;

// A Committer that can also write with explicit WriteOptions (EXEC logs its
// combined batch with wal_only). The server's Connection is one.
class WalCommitter : public Committer {
 public:
  virtual Status CommitWithOptions(const WriteOptions& options, WriteBatch& batch) = 0;
};

// See the design note. Commit() applies without the WAL and collects;
// Finish() logs the collected records once.
class ExecCommitter : public Committer {
 public:
  ExecCommitter(DB& db, Committer& outer) : db_(db), outer_(outer) {}
  Status Commit(WriteBatch& batch) override;
  // Logs every record committed so far as one WAL record (nothing if none):
  // through outer.CommitWithOptions if `outer` is a WalCommitter, else with a
  // synchronous DB::Write (test harness).
  Status Finish();

 private:
  DB& db_;
  Committer& outer_;
  WriteBatch combined_;
};

// Writer-preferring reader/writer lock (pthread_rwlock with
// PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP, so a stream of commands
// cannot starve EXEC). Not recursive: a holder must not lock again.
class ExecGate {
 public:
  ExecGate();
  ~ExecGate();
  ExecGate(const ExecGate&) = delete;
  ExecGate& operator=(const ExecGate&) = delete;
  void LockShared() { pthread_rwlock_rdlock(&lock_); }
  void LockExclusive() { pthread_rwlock_wrlock(&lock_); }
  void Unlock() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

// One client's watched keys. `dirty` is set by any thread (registry, under a
// shard lock); `keys` belongs to the client's thread.
class WatchSet {
 public:
  struct Key {
    int db;
    std::string key;
    int64_t expire_at_ms;  // live at WATCH time with this TTL (0: none or absent)
  };
  std::atomic<bool> dirty{false};
  std::vector<Key> keys;
};

class WatchRegistry {
 public:
  // WATCH: adds (db, key) to `set` unless already there. Reads the key's
  // metadata under the shard lock, so a write either precedes the read or
  // touches the new watcher.
  Status Watch(Keyspace& ks, const std::shared_ptr<WatchSet>& set, int db, std::string_view key);
  // UNWATCH (and EXEC, DISCARD, RESET, disconnect): forgets every key of
  // `set` and clears its dirty flag. On the set owner's thread.
  void UnwatchAll(WatchSet& set);
  // True if EXEC must abort: a touch, or a key live at WATCH time now expired.
  static bool Aborts(const WatchSet& set, int64_t now_ms);

  // A write committed on (db, key).
  void Touch(Keyspace& ks, int db, std::string_view key);
  // FLUSHDB (db) / FLUSHALL (db = -1).
  void TouchDb(Keyspace& ks, int db);
  // Relaxed: a cheap "anyone watching?" test on every write.
  bool empty() const { return watched_.load(std::memory_order_relaxed) == 0; }

 private:
  struct Watcher {
    std::shared_ptr<WatchSet> set;
    bool absent;  // absent (or expired) at WATCH time
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::vector<Watcher>> keys;  // GUARDED_BY(mu)
  };
  static constexpr size_t kShards = 16;
  Shard& ShardOf(const std::string& map_key);
  // Flags the watchers of one entry, honouring the absent rule.
  static void TouchEntry(Keyspace& ks, int db, std::string_view key, std::vector<Watcher>& list);

  Shard shards_[kShards];
  std::atomic<size_t> watched_{0};  // entries over all shards
};

}  // namespace lsmdb::server
