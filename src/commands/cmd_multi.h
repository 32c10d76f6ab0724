#pragma once

// MULTI EXEC DISCARD WATCH UNWATCH (machinery in src/server/transaction.h).

namespace lsmdb::server {

class CommandTable;

void RegisterMultiCommands(CommandTable& table);

}  // namespace lsmdb::server
