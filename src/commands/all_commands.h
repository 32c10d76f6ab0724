#pragma once

// Every command family's registration function, and the one function that
// calls them all (explicit registration; no static initialisers).

#include "src/server/command_table.h"

namespace lsmdb::server {

void RegisterConnectionCommands(CommandTable& table);  // cmd_connection.cc
void RegisterServerCommands(CommandTable& table);      // cmd_server.cc
void RegisterStringCommands(CommandTable& table);      // cmd_string.cc
void RegisterKeyspaceCommands(CommandTable& table);    // cmd_keyspace.cc

// Fills `table` with every command the server knows.
void RegisterAllCommands(CommandTable& table);

}  // namespace lsmdb::server
