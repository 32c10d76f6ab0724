#pragma once

// The server's side of replication/host.h: how the replication library
// reaches the engine, the keyspace and the engine swap of a full sync.

#include <string>
#include <string_view>

#include "replication/host.h"

namespace lsmdb::server {

class Server;

class ServerReplicationHost : public repl::ReplicationHost {
 public:
  explicit ServerReplicationHost(Server& server) : server_(server) {}

  DB& engine() override;
  Options EngineOptions() override;
  // DB::Write (durable as appendfsync says), then Keyspace::ReloadEpochs()
  // if the batch wrote an epoch record (a replicated FLUSHDB/FLUSHALL), then,
  // only when some client WATCHes or blocks, the dispatcher's write effects
  // for every user key the batch writes (WatchRegistry::Touch / TouchDb,
  // BlockingRegistry::Signal): user keys are read back from the metadata and
  // element record keys (src/types/encoding.h).
  Status ApplyReplicated(WriteBatch& batch) override;
  // The ExecGate, shared.
  void BeginApply() override;
  void EndApply() override;
  Status FlushWal() override;
  Status ReplaceEngine(const std::string& dir) override;
  std::string DataDir() override;
  void PrimaryCredentials(std::string* user, std::string* password) override;
  int ListeningPort() override;
  void Log(int level, std::string_view message) override;

 private:
  Server& server_;
};

}  // namespace lsmdb::server
