// Blocking pops: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN, BZPOPMAX, BLMPOP,
// BZMPOP (and their non-blocking LMPOP/ZMPOP, which share the parsing), with
// Redis 7.0's replies and errors (t_list.c, t_zset.c, timeout.c).
//
// Each handler first tries the non-blocking operation (src/types/list.h,
// zset.h). With nothing to serve it blocks the client (BlockClient, see
// src/server/blocking.h); in EXEC it replies at once as on timeout: a null
// array, except BLMOVE/BRPOPLPUSH which reply a null bulk (Redis's
// CLIENT_DENY_BLOCKING path). A timeout always replies a null array.

#include <climits>
#include <optional>
#include <string>
#include <vector>

#include "src/commands/arg_parse.h"
#include "src/commands/cmd_blocking.h"
#include "src/server/blocking.h"
#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"
#include "src/types/list.h"
#include "src/types/zset.h"

namespace lsmdb::server {
namespace {

std::span<const std::string_view> KeysOf(CommandContext& ctx, size_t first, size_t count) {
  return std::span<const std::string_view>(ctx.args()).subspan(first, count);
}

// BLPOP/BRPOP key [key ...] timeout -> [key, element].
Status BPopList(CommandContext& ctx, bool left) {
  LSMDB_ASSIGN_OR_RETURN(int64_t timeout, ParseBlockTimeout(ctx.arg(ctx.argc() - 1)));
  for (size_t i = 1; i + 1 < ctx.argc(); i++) {
    LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> popped,
                           ListPop(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(i), left, 1));
    if (!popped.empty()) {
      ctx.reply().ArrayHeader(2);
      ctx.reply().Bulk(ctx.arg(i));
      ctx.reply().Bulk(popped[0]);
      return Status::OK();
    }
  }
  if (!BlockClient(ctx, KeysOf(ctx, 1, ctx.argc() - 2), timeout)) ctx.reply().NullArray();
  return Status::OK();
}

Status CmdBLPop(CommandContext& ctx) { return BPopList(ctx, true); }
Status CmdBRPop(CommandContext& ctx) { return BPopList(ctx, false); }

// getListPositionFromObjectOrReply.
Result<bool> ParseLeft(std::string_view arg) {
  if (EqualsIgnoreCase(arg, "LEFT")) return true;
  if (EqualsIgnoreCase(arg, "RIGHT")) return false;
  return RedisError(kErrSyntax);
}

Status BMoveGeneric(CommandContext& ctx, bool from_left, bool to_left,
                    std::string_view timeout_arg) {
  LSMDB_ASSIGN_OR_RETURN(int64_t timeout, ParseBlockTimeout(timeout_arg));
  LSMDB_ASSIGN_OR_RETURN(std::optional<std::string> moved,
                         ListMove(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1),
                                  ctx.arg(2), from_left, to_left));
  if (moved.has_value()) {
    ctx.reply().Bulk(*moved);
    return Status::OK();
  }
  if (!BlockClient(ctx, KeysOf(ctx, 1, 1), timeout)) ctx.reply().Null();
  return Status::OK();
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
Status CmdBLMove(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(bool from_left, ParseLeft(ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(bool to_left, ParseLeft(ctx.arg(4)));
  return BMoveGeneric(ctx, from_left, to_left, ctx.arg(5));
}

// BRPOPLPUSH source destination timeout
Status CmdBRPopLPush(CommandContext& ctx) { return BMoveGeneric(ctx, false, true, ctx.arg(3)); }

// BZPOPMIN/BZPOPMAX key [key ...] timeout -> [key, member, score].
Status BZPop(CommandContext& ctx, bool max) {
  LSMDB_ASSIGN_OR_RETURN(int64_t timeout, ParseBlockTimeout(ctx.arg(ctx.argc() - 1)));
  for (size_t i = 1; i + 1 < ctx.argc(); i++) {
    LSMDB_ASSIGN_OR_RETURN(auto popped,
                           ZPop(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(i), max, 1));
    if (!popped.empty()) {
      ctx.reply().ArrayHeader(3);
      ctx.reply().Bulk(ctx.arg(i));
      ctx.reply().Bulk(popped[0].first);
      ctx.reply().Double(popped[0].second);
      return Status::OK();
    }
  }
  if (!BlockClient(ctx, KeysOf(ctx, 1, ctx.argc() - 2), timeout)) ctx.reply().NullArray();
  return Status::OK();
}

Status CmdBZPopMin(CommandContext& ctx) { return BZPop(ctx, false); }
Status CmdBZPopMax(CommandContext& ctx) { return BZPop(ctx, true); }

// getRangeLongFromObjectOrReply(1, LONG_MAX, msg): msg for both faults.
Result<int64_t> ParsePositive(std::string_view arg, std::string_view msg) {
  Result<int64_t> v = ParseInt64Arg(arg);
  if (!v.ok() || *v < 1) return RedisError(msg);
  return *v;
}

// [B]LMPOP / [B]ZMPOP: [timeout] numkeys key [key ...] LEFT|RIGHT (MIN|MAX)
// [COUNT count] -> [key, [elements]] (lists) or [key, [[member, score]...]].
Status MPopGeneric(CommandContext& ctx, bool zset, bool blocking) {
  int64_t timeout = 0;
  size_t numkeys_idx = 1;
  if (blocking) {
    LSMDB_ASSIGN_OR_RETURN(timeout, ParseBlockTimeout(ctx.arg(1)));
    numkeys_idx = 2;
  }
  LSMDB_ASSIGN_OR_RETURN(
      int64_t numkeys,
      ParsePositive(ctx.arg(numkeys_idx), "ERR numkeys should be greater than 0"));
  if (numkeys > static_cast<int64_t>(ctx.argc())) return RedisError(kErrSyntax);
  const size_t where_idx = numkeys_idx + static_cast<size_t>(numkeys) + 1;
  if (where_idx >= ctx.argc()) return RedisError(kErrSyntax);
  bool first_end;  // LEFT (lists) / MIN (zsets)
  std::string_view where = ctx.arg(where_idx);
  if (EqualsIgnoreCase(where, zset ? "MIN" : "LEFT")) {
    first_end = true;
  } else if (EqualsIgnoreCase(where, zset ? "MAX" : "RIGHT")) {
    first_end = false;
  } else {
    return RedisError(kErrSyntax);
  }
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); j++) {
    if (count == -1 && EqualsIgnoreCase(ctx.arg(j), "COUNT") && j + 1 < ctx.argc()) {
      LSMDB_ASSIGN_OR_RETURN(count,
                             ParsePositive(ctx.arg(++j), "ERR count should be greater than 0"));
    } else {
      return RedisError(kErrSyntax);
    }
  }
  if (count == -1) count = 1;
  for (size_t i = numkeys_idx + 1; i < where_idx; i++) {
    std::string_view key = ctx.arg(i);
    if (zset) {
      LSMDB_ASSIGN_OR_RETURN(auto popped, ZPop(ctx.keyspace(), ctx.committer(), ctx.db(), key,
                                               !first_end, static_cast<size_t>(count)));
      if (popped.empty()) continue;
      ctx.reply().ArrayHeader(2);
      ctx.reply().Bulk(key);
      ctx.reply().ArrayHeader(popped.size());
      for (const auto& [member, score] : popped) {
        ctx.reply().ArrayHeader(2);
        ctx.reply().Bulk(member);
        ctx.reply().Double(score);
      }
    } else {
      LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> popped,
                             ListPop(ctx.keyspace(), ctx.committer(), ctx.db(), key, first_end,
                                     static_cast<size_t>(count)));
      if (popped.empty()) continue;
      ctx.reply().ArrayHeader(2);
      ctx.reply().Bulk(key);
      ctx.reply().BulkArray(popped);
    }
    // The key spec of these commands has no keys (numkeys): touch watchers and
    // signal the next waiter on the popped key here (blocking.h, FIFO chain).
    if (Server* server = ctx.server(); server != nullptr) {
      server->blocking().Signal(ctx.db(), key);
      if (!server->watches().empty()) server->watches().Touch(ctx.keyspace(), ctx.db(), key);
    }
    return Status::OK();
  }
  if (!blocking ||
      !BlockClient(ctx, KeysOf(ctx, numkeys_idx + 1, static_cast<size_t>(numkeys)), timeout)) {
    ctx.reply().NullArray();
  }
  return Status::OK();
}

Status CmdLMPop(CommandContext& ctx) { return MPopGeneric(ctx, false, false); }
Status CmdBLMPop(CommandContext& ctx) { return MPopGeneric(ctx, false, true); }
Status CmdZMPop(CommandContext& ctx) { return MPopGeneric(ctx, true, false); }
Status CmdBZMPop(CommandContext& ctx) { return MPopGeneric(ctx, true, true); }

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kB = kCmdBlocking | kCmdNoScript;

constexpr CommandSpec kBlockingCommands[] = {
    {"blpop", -3, kW | kB, {1, -2, 1}, CmdBLPop, "@write @list @slow @blocking"},
    {"brpop", -3, kW | kB, {1, -2, 1}, CmdBRPop, "@write @list @slow @blocking"},
    {"blmove", 6, kW | kCmdDenyOom | kB, {1, 2, 1}, CmdBLMove, "@write @list @slow @blocking"},
    {"brpoplpush", 4, kW | kCmdDenyOom | kB, {1, 2, 1}, CmdBRPopLPush,
     "@write @list @slow @blocking"},
    {"bzpopmin", -3, kW | kB | kCmdFast, {1, -2, 1}, CmdBZPopMin,
     "@write @sortedset @fast @blocking"},
    {"bzpopmax", -3, kW | kB | kCmdFast, {1, -2, 1}, CmdBZPopMax,
     "@write @sortedset @fast @blocking"},
    {"lmpop", -4, kW, {0, 0, 0, 1}, CmdLMPop, "@write @list @slow"},
    {"blmpop", -5, kW | kCmdBlocking, {0, 0, 0, 2}, CmdBLMPop, "@write @list @slow @blocking"},
    {"zmpop", -4, kW, {0, 0, 0, 1}, CmdZMPop, "@write @sortedset @slow"},
    {"bzmpop", -5, kW | kCmdBlocking, {0, 0, 0, 2}, CmdBZMPop, "@write @sortedset @slow @blocking"},
};

}  // namespace

void RegisterBlockingCommands(CommandTable& table) { table.Add(kBlockingCommands); }

}  // namespace lsmdb::server
