#pragma once

// CLUSTER ..., ASKING, READONLY, READWRITE (cmd_cluster.cc). Without
// cluster-enabled every one answers "ERR This instance has cluster support
// disabled".

namespace lsmdb::server {

class CommandTable;
void RegisterClusterCommands(CommandTable& table);

}  // namespace lsmdb::server
