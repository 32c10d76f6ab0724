#pragma once

// GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN
// INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE.

namespace lsmdb::server {

class CommandTable;

// Adds the string commands' rows to `table` (called by all_commands.cc).
void RegisterStringCommands(CommandTable& table);

}  // namespace lsmdb::server
