#pragma once

// SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
// SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.

namespace lsmdb::server {

class CommandTable;

// Adds the set commands' rows to `table` (called by all_commands.cc).
void RegisterSetCommands(CommandTable& table);

}  // namespace lsmdb::server
