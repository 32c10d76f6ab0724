#pragma once

// REPLICAOF/SLAVEOF, ROLE, WAIT, and the replication handshake commands
// PSYNC/SYNC/REPLCONF (the machinery is in replication/, see
// docs/replication.md).

namespace lsmdb::server {

class CommandTable;

void RegisterReplicationCommands(CommandTable& table);

}  // namespace lsmdb::server
