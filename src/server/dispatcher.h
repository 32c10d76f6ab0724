#pragma once

// The dispatcher: runs one parsed command through Redis's checks, in Redis's
// order, then its handler:
//   lookup  -> "ERR unknown command '<name>', with args beginning with: ..."
//   arity   -> "ERR wrong number of arguments for '<name>' command"
//   auth    -> "NOAUTH Authentication required." unless kCmdNoAuth or the
//              default user is on and nopass
//   ACL     -> "NOPERM this user has no permissions to run the '<name>'
//              command" / "... to access one of the keys ..." (acl.h)
//   replication -> kCmdWrite: "NOREPLICAS ..." (min-replicas-to-write), then
//              "READONLY ..." on a replica
//   (flag gates: loading, OOM, cluster slots: later issues)
//   RESP2 subscribed mode -> "ERR Can't execute '<name>': only ..."
//   MULTI   -> queued ("+QUEUED") unless kCmdNoMulti; a rejection above
//              flags the transaction (EXEC replies EXECABORT)
//   gate    -> ExecGate held shared (exclusive for kCmdExclusive: EXEC)
//   handler -> a non-OK Status becomes the error reply (WriteError)
//   notify  -> if the command committed a write: WATCH touches and blocked
//              client wake-ups for the keys of its key spec
// It also keeps the per-command statistics and the slow log, and applies
// CLIENT REPLY OFF/SKIP by dropping the command's reply bytes.

#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"
#include "src/server/client.h"
#include "src/server/server.h"
#include "src/types/committer.h"

namespace lsmdb::server {

// Runs args (args[0] is the command name; REQUIRES: !args.empty()). The reply
// is appended to reply.buffer(). Called on the client's I/O thread (or the
// harness thread), with the stats shard of that thread.
void Dispatch(Server& server, Client& client, const std::vector<std::string_view>& args,
              resp::ReplyBuilder& reply, Committer& committer, ThreadStats& stats);

// The handler step and what follows it (stats, notify, slow log, CLIENT
// REPLY), without the checks and the gate: EXEC runs its queue with it.
void Execute(Server& server, Client& client, const CommandTable::Entry& entry,
             const std::vector<std::string_view>& args, resp::ReplyBuilder& reply,
             Committer& committer, ThreadStats& stats);

// Command clock. Outside a CommandClockScope every command reads the
// monotonic clock twice (start, end) and the keyspace reads the wall clock.
// Inside one (a connection running the commands of one read; per thread, a
// nested scope shares the outer one), the clock is read once per command: a command starts when the
// previous one ended, and the wall time is derived from the monotonic time
// and the wall/monotonic offset taken when the scope opened. Parsing between
// two commands is counted in the second one's time (sub-microsecond).
class CommandClockScope {
 public:
  CommandClockScope();
  ~CommandClockScope();
  CommandClockScope(const CommandClockScope&) = delete;
  CommandClockScope& operator=(const CommandClockScope&) = delete;
};

// Unix ms for expiry decisions: the scope's clock inside a CommandClockScope,
// else the system clock. Thread-safe; the server's Keyspace clock.
int64_t CommandClockWallMs();

// Redis 7.0's text for an unknown command, without the leading '-'.
std::string UnknownCommandError(const std::vector<std::string_view>& args);

// "ERR unknown subcommand '<sub>'. Try <CMD> HELP."
Status UnknownSubcommand(std::string_view command, std::string_view sub);

}  // namespace lsmdb::server
