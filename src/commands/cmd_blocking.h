#pragma once

// BLPOP BRPOP BLMOVE BRPOPLPUSH BZPOPMIN BZPOPMAX, and OBJECT (cmd_object.cc).
// The blocking protocol is described in src/server/blocking.h.

namespace lsmdb::server {

class CommandTable;

void RegisterBlockingCommands(CommandTable& table);
void RegisterObjectCommands(CommandTable& table);

}  // namespace lsmdb::server
