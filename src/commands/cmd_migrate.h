#pragma once

// DUMP, RESTORE, RESTORE-ASKING, MIGRATE (cmd_migrate.cc; payload format in
// src/types/dump.h).

namespace lsmdb::server {

class CommandTable;
void RegisterMigrateCommands(CommandTable& table);

}  // namespace lsmdb::server
