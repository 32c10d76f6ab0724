#pragma once

// LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM
// LTRIM LPOS LMOVE RPOPLPUSH. The blocking pops (BLPOP, BLMOVE, ...) live with
// the blocking machinery and use ListPop/ListMove from src/types/list.h.

namespace lsmdb::server {

class CommandTable;

// Adds the list commands' rows to `table` (called by all_commands.cc).
void RegisterListCommands(CommandTable& table);

}  // namespace lsmdb::server
