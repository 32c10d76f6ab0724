#pragma once

// DEBUG subcommands that generate data (the DEBUG command itself, with SLEEP
// and HELP, is in cmd_server.cc and calls these).

#include "lsmdb/status.h"

namespace lsmdb::server {

class CommandContext;

// DEBUG POPULATE count [prefix [size]] (Redis's): creates the string keys
// "<prefix>:<n>" (prefix "key") for n in [0, count) with the value
// "value:<n>", zero-padded (or cut) to `size` bytes when given; keys that
// already exist as strings are left alone (a non-string key of that name is
// replaced). Replies +OK. Writes in batches of ~1 MiB
// through the command's committer, so they are logged and replicated as any
// write.
Status DebugPopulate(CommandContext& ctx);

}  // namespace lsmdb::server
