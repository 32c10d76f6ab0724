#include "src/commands/all_commands.h"

#include "src/commands/cmd_acl.h"
#include "src/commands/cmd_blocking.h"
#include "src/commands/cmd_cluster.h"
#include "src/commands/cmd_migrate.h"
#include "src/commands/cmd_multi.h"
#include "src/commands/cmd_pubsub.h"
#include "src/commands/cmd_replication.h"

namespace lsmdb::server {

void RegisterAllCommands(CommandTable& table) {
  RegisterConnectionCommands(table);
  RegisterServerCommands(table);
  RegisterStringCommands(table);
  RegisterKeyspaceCommands(table);
  RegisterHashCommands(table);
  RegisterSetCommands(table);
  RegisterListCommands(table);
  RegisterZSetCommands(table);
  RegisterMultiCommands(table);
  RegisterPubSubCommands(table);
  RegisterBlockingCommands(table);
  RegisterObjectCommands(table);
  RegisterReplicationCommands(table);
  RegisterClusterCommands(table);
  RegisterMigrateCommands(table);
  RegisterAclCommands(table);
}

}  // namespace lsmdb::server
