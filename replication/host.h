#pragma once

// ReplicationHost: what the replication library needs from the process that
// embeds it (the server implements it in src/server/replication_host.cc).
// replication/ includes nothing from src/: this interface, the engine's
// public API and protocol/ are all it sees.
//
// Threading: every method may be called from any replication thread (the
// replica link thread, a sender thread, the waiter thread) and from command
// handlers. engine() is stable except across ReplaceEngine(), which only the
// link thread calls, after stopping every sender.

#include <string>
#include <string_view>

#include "lsmdb/db.h"
#include "lsmdb/options.h"
#include "lsmdb/status.h"
#include "lsmdb/write_batch.h"

namespace lsmdb::repl {

class ReplicationHost {
 public:
  virtual ~ReplicationHost() = default;

  // The node's engine.
  virtual DB& engine() = 0;

  // Options to open a received snapshot with (the node's own engine options;
  // the library clears the backlog size and compaction filter itself where
  // it must).
  virtual Options EngineOptions() = 0;

  // Applies a batch received from the primary (its records plus the
  // replication offset record) atomically, then refreshes whatever the host
  // caches about the data (the keyspace's FLUSHDB epochs) and has the write's
  // side effects a command's write has (WATCHed keys touched, clients blocked
  // on its keys woken). Non-OK: nothing was applied.
  // Must run between BeginApply() and EndApply(), or from a command handler
  // (which already runs inside the host's command lock).
  virtual Status ApplyReplicated(WriteBatch& batch) = 0;

  // Brackets an apply from a replication thread: holds the host's command
  // lock shared (no MULTI/EXEC runs meanwhile, as for any command). Take it
  // before any lock a command handler may also take.
  virtual void BeginApply() = 0;
  virtual void EndApply() = 0;

  // Hands buffered WAL records to the OS (DB::FlushWal; the server opens its
  // engine with manual_wal_flush).
  virtual Status FlushWal() = 0;

  // Replaces the engine by the openable DB in `dir` (renamed into place), with
  // no command running meanwhile. On error the old engine is kept if possible.
  virtual Status ReplaceEngine(const std::string& dir) = 0;

  // The data directory (for the replid file and temporary sync dirs).
  virtual std::string DataDir() = 0;

  // The credentials to AUTH with to the primary (masteruser, masterauth);
  // an empty password means no AUTH. Read at every connection attempt.
  virtual void PrimaryCredentials(std::string* user, std::string* password) = 0;

  // The port clients connect to (REPLCONF listening-port).
  virtual int ListeningPort() = 0;

  // Log lines. level: 0 warning, 1 notice, 2 verbose.
  virtual void Log(int level, std::string_view message) = 0;
};

}  // namespace lsmdb::repl
