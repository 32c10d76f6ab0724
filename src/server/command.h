#pragma once

// The command table's row type and the context a handler runs in.
//
// One row per command: name (lowercase), arity as Redis spells it (N = exactly
// N arguments counting the name, -N = at least N), flags, key spec, handler.
// Each family file src/commands/cmd_<family>.cc ends with a
// `constexpr CommandSpec k<Family>Commands[]` and a
// `void Register<Family>Commands(CommandTable&)`; src/commands/all_commands.cc
// calls every Register function (no static initialisers).
//
// The dispatcher runs, once and in Redis's order: lookup -> arity -> auth ->
// flag gates -> MULTI queueing -> handler. Handlers never re-check arity.
// A handler either writes its reply through ctx.reply() and returns OK, or
// returns a non-OK Status and writes nothing; the dispatcher turns that Status
// into the error reply (src/server/error_reply.cc, the only place that does).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/status.h"

namespace lsmdb::resp {
class ReplyBuilder;
}

namespace lsmdb::server {

class CommandContext;
using CommandHandler = Status (*)(CommandContext& ctx);

enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,      // may modify the keyspace (refused on read-only replicas)
  kCmdReadOnly = 1u << 1,   // reads keys only
  kCmdDenyOom = 1u << 2,    // may grow memory/disk use
  kCmdAdmin = 1u << 3,      // administrative (CONFIG, SHUTDOWN, ...)
  kCmdPubSub = 1u << 4,     // allowed in subscribed RESP2 context
  kCmdNoScript = 1u << 5,
  kCmdLoading = 1u << 6,    // allowed while loading
  kCmdStale = 1u << 7,      // allowed on a replica with a broken link
  kCmdFast = 1u << 8,       // O(1) or O(log N)
  kCmdBlocking = 1u << 9,   // may block the client
  kCmdNoMulti = 1u << 10,   // not queued by MULTI (executed at once)
  kCmdNoAuth = 1u << 11,    // allowed before AUTH (AUTH, HELLO, QUIT, ...)
  kCmdExclusive = 1u << 12, // runs with no other command running (EXEC; transaction.h)
  kCmdAsking = 1u << 13,    // cluster gate: as if ASKING was sent (RESTORE-ASKING)
};

// Key positions in argv: first, last (-1 = last argument, -2 = second to last), step.
// {0, 0, 0} means the command takes no keys.
struct KeySpec {
  int first = 0;
  int last = 0;
  int step = 0;
};

struct CommandSpec {
  const char* name;  // lowercase
  int arity;
  uint32_t flags;
  KeySpec keys;
  CommandHandler handler;
  const char* acl_categories = "";  // e.g. "@string @read @fast", for COMMAND INFO / ACL
};

}  // namespace lsmdb::server
