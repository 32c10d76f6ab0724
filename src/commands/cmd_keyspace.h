#pragma once

// DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY KEYS SCAN RANDOMKEY DBSIZE FLUSHDB
// FLUSHALL EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME
// PERSIST TOUCH SEARCHRANGE.

namespace lsmdb::server {

class CommandTable;

// Adds the generic keyspace commands' rows to `table` (called by all_commands.cc).
void RegisterKeyspaceCommands(CommandTable& table);

}  // namespace lsmdb::server
