#include "src/server/replication_host.h"

#include "src/server/blocking.h"
#include "src/server/log.h"
#include "src/server/server.h"
#include "src/server/transaction.h"
#include "src/types/encoding.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {
namespace {

// Walks a replicated batch: finds epoch records (FLUSHDB/FLUSHALL) and, for
// every user key whose metadata or elements it writes (consecutive records of
// one key are reported once), drops the key from the list cache (the batch
// changed it behind list.cc's back: list_cache.h) or, when `notify`, touches
// watchers and signals blocked clients. Only after the batch is applied.
class ApplyEffects : public WriteBatch::Handler {
 public:
  ApplyEffects(Server& server, bool notify) : server_(server), notify_(notify), uncache_(!notify) {}
  void Put(std::string_view key, std::string_view) override { Record(key); }
  void Delete(std::string_view key) override { Record(key); }

  // Epochs: one bit per db written.
  uint32_t epoch_dbs = 0;

 private:
  void Record(std::string_view key) {
    if (key.empty()) return;
    if (key[0] == kEpochTag) {
      if (key.size() >= 2) epoch_dbs |= 1u << (static_cast<uint8_t>(key[1]) % 32);
      return;
    }
    if (!notify_ && !uncache_) return;
    int db;
    std::string_view user_key;
    if (key[0] == kMetaTag) {
      ParsedMetaKey m;
      if (!ParseMetaKey(key, &m)) return;
      db = m.db;
      user_key = m.user_key;
    } else if (key[0] == kElementTag || key[0] == kScoreTag) {
      ParsedElementKey e;
      if (!ParseElementKey(key, &e)) return;
      db = e.db;
      user_key = e.user_key;
    } else {
      return;  // the replication position record and anything else
    }
    if (db == last_db_ && user_key == last_key_) return;
    last_db_ = db;
    last_key_.assign(user_key);
    if (uncache_) {
      server_.keyspace().list_cache().Erase(db, user_key);
      return;
    }
    if (!server_.watches().empty()) server_.watches().Touch(server_.keyspace(), db, user_key);
    if (!server_.blocking().empty()) server_.blocking().Signal(db, user_key);
  }

  Server& server_;
  const bool notify_;
  const bool uncache_;
  int last_db_ = -1;
  std::string last_key_;
};

}  // namespace

DB& ServerReplicationHost::engine() { return server_.db(); }

Options ServerReplicationHost::EngineOptions() { return server_.EngineOptions(); }

Status ServerReplicationHost::ApplyReplicated(WriteBatch& batch) {
  LSMDB_RETURN_IF_ERROR(server_.db().Write(WriteOptions(), batch));
  // Metadata keys carry the db's epoch: reload epochs before touching, so
  // that a watcher's "absent then, absent now" check reads the new epoch.
  const bool notify = !server_.watches().empty() || !server_.blocking().empty();
  ApplyEffects effects(server_, false);
  LSMDB_RETURN_IF_ERROR(batch.Iterate(effects));
  if (effects.epoch_dbs != 0) LSMDB_RETURN_IF_ERROR(server_.keyspace().ReloadEpochs());
  if (notify) {
    ApplyEffects touch(server_, true);
    LSMDB_RETURN_IF_ERROR(batch.Iterate(touch));
    if (effects.epoch_dbs != 0 && !server_.watches().empty()) {
      for (int db = 0; db < kNumDbs; db++) {
        if (effects.epoch_dbs & (1u << db)) server_.watches().TouchDb(server_.keyspace(), db);
      }
    }
  }
  return Status::OK();
}

void ServerReplicationHost::BeginApply() { server_.exec_gate().LockShared(); }

void ServerReplicationHost::EndApply() { server_.exec_gate().Unlock(); }

Status ServerReplicationHost::FlushWal() { return server_.db().FlushWal(); }

Status ServerReplicationHost::ReplaceEngine(const std::string& dir) {
  return server_.ReplaceEngine(dir);
}

std::string ServerReplicationHost::DataDir() { return server_.config().dir; }

void ServerReplicationHost::PrimaryCredentials(std::string* user, std::string* password) {
  Config cfg = server_.config();
  *user = cfg.masteruser;
  *password = cfg.masterauth;
}

int ServerReplicationHost::ListeningPort() { return server_.port(); }

void ServerReplicationHost::Log(int level, std::string_view message) {
  LogLevel l = level <= 0   ? LogLevel::kWarning
               : level == 1 ? LogLevel::kNotice
                            : LogLevel::kVerbose;
  LogLine(l, message);
}

}  // namespace lsmdb::server
