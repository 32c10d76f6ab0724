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
  kCmdWrite = 1u << 0,     // may modify the keyspace (refused on read-only replicas)
  kCmdReadOnly = 1u << 1,  // reads keys only
  kCmdDenyOom = 1u << 2,   // may grow memory/disk use
  kCmdAdmin = 1u << 3,     // administrative (CONFIG, SHUTDOWN, ...)
  kCmdPubSub = 1u << 4,    // allowed in subscribed RESP2 context
  kCmdNoScript = 1u << 5,
  kCmdLoading = 1u << 6,     // allowed while loading
  kCmdStale = 1u << 7,       // allowed on a replica with a broken link
  kCmdFast = 1u << 8,        // O(1) or O(log N)
  kCmdBlocking = 1u << 9,    // may block the client
  kCmdNoMulti = 1u << 10,    // not queued by MULTI (executed at once)
  kCmdNoAuth = 1u << 11,     // allowed before AUTH (AUTH, HELLO, QUIT, ...)
  kCmdExclusive = 1u << 12,  // runs with no other command running (EXEC; transaction.h)
  kCmdAsking = 1u << 13,     // cluster gate: as if ASKING was sent (RESTORE-ASKING)
};

// Key positions in argv: first, last (-1 = last argument, -2 = second to last), step.
// {0, 0, 0} means no keys at fixed positions. Commands whose keys move
// (Redis's "movablekeys") add `numkeys` (Redis's keynum spec: argv[numkeys]
// counts the keys right after it: ZUNION, SINTERCARD, ZUNIONSTORE's sources)
// or `find` (the command finds them itself: MIGRATE's KEYS option). Every
// gate that checks keys (ACL key patterns, cluster slots) sees all of them
// through ForEachKey. WATCH and blocked clients are told of the fixed keys
// and find's (a command's written keys; MIGRATE deletes what it moved); the
// numkeys keys are read, or notified by the handler that pops them (LMPOP).
using KeyFinder = void (*)(const std::vector<std::string_view>& args, std::vector<int>* positions);
struct KeySpec {
  int first = 0;
  int last = 0;
  int step = 0;
  int numkeys = 0;           // argv index of the key count; 0 = none
  KeyFinder find = nullptr;  // appends more key positions; null = none
  bool movable() const { return numkeys > 0 || find != nullptr; }
};

// Calls fn(position) for every key of the command line `args` in order: the
// fixed range, then the numkeys keys, then find's; stops early when fn
// returns false. Positions past the end (a malformed line, which the handler
// rejects) are skipped. Returns false if fn did.
template <typename Fn>
bool ForEachKey(const KeySpec& spec, const std::vector<std::string_view>& args, Fn&& fn) {
  const int argc = static_cast<int>(args.size());
  if (spec.first > 0) {
    int last = spec.last < 0 ? argc + spec.last : spec.last;
    if (last >= argc) last = argc - 1;
    const int step = spec.step > 0 ? spec.step : 1;
    for (int i = spec.first; i <= last; i += step) {
      if (!fn(i)) return false;
    }
  }
  if (spec.numkeys > 0 && spec.numkeys < argc) {
    int64_t n = 0;
    const std::string_view count = args[spec.numkeys];
    bool digits = !count.empty() && count.size() <= 9;
    for (char c : count) digits = digits && c >= '0' && c <= '9';
    if (digits) {
      for (char c : count) n = n * 10 + (c - '0');
      for (int64_t i = 0; i < n && spec.numkeys + 1 + i < argc; i++) {
        if (!fn(static_cast<int>(spec.numkeys + 1 + i))) return false;
      }
    }
  }
  if (spec.find != nullptr) {
    std::vector<int> more;
    spec.find(args, &more);
    for (int i : more) {
      if (i > 0 && i < argc && !fn(i)) return false;
    }
  }
  return true;
}

struct CommandSpec {
  const char* name;  // lowercase
  int arity;
  uint32_t flags;
  KeySpec keys;
  CommandHandler handler;
  const char* acl_categories = "";  // e.g. "@string @read @fast", for COMMAND INFO / ACL
};

}  // namespace lsmdb::server
