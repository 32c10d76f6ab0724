#pragma once

// Every command family's registration function, and the one function that
// calls them all (explicit registration; no static initialisers).

#include "src/server/command_table.h"

namespace lsmdb::server {

void RegisterConnectionCommands(CommandTable& table);  // cmd_connection.cc
void RegisterServerCommands(CommandTable& table);      // cmd_server.cc
void RegisterStringCommands(CommandTable& table);      // cmd_string.cc
void RegisterKeyspaceCommands(CommandTable& table);    // cmd_keyspace.cc
void RegisterHashCommands(CommandTable& table);        // cmd_hash.cc
void RegisterSetCommands(CommandTable& table);         // cmd_set.cc
void RegisterListCommands(CommandTable& table);        // cmd_list.cc
void RegisterZSetCommands(CommandTable& table);        // cmd_zset.cc

// Fills `table` with every command the server knows.
void RegisterAllCommands(CommandTable& table);

}  // namespace lsmdb::server
