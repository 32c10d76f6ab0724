#pragma once

// ACL: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, HELP (Redis 7.0
// replies; users and rules live in src/server/acl.h).

#include "src/server/command_table.h"

namespace lsmdb::server {

void RegisterAclCommands(CommandTable& table);

}  // namespace lsmdb::server
