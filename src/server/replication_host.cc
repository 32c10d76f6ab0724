#include "src/server/replication_host.h"

#include "src/server/log.h"
#include "src/server/server.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {

DB& ServerReplicationHost::engine() { return server_.db(); }

Options ServerReplicationHost::EngineOptions() { return server_.EngineOptions(); }

Status ServerReplicationHost::ApplyReplicated(WriteBatch& batch) {
  LSMDB_RETURN_IF_ERROR(server_.db().Write(WriteOptions(), batch));
  if (Keyspace::BatchWritesEpoch(batch)) return server_.keyspace().ReloadEpochs();
  return Status::OK();
}

Status ServerReplicationHost::FlushWal() { return server_.db().FlushWal(); }

Status ServerReplicationHost::ReplaceEngine(const std::string& dir) {
  return server_.ReplaceEngine(dir);
}

std::string ServerReplicationHost::DataDir() { return server_.config().dir; }

int ServerReplicationHost::ListeningPort() { return server_.port(); }

void ServerReplicationHost::Log(int level, std::string_view message) {
  LogLevel l = level <= 0   ? LogLevel::kWarning
               : level == 1 ? LogLevel::kNotice
                            : LogLevel::kVerbose;
  LogLine(l, message);
}

}  // namespace lsmdb::server
