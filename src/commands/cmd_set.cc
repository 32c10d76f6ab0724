// Set commands: argument parsing and replies (Redis 7.0 t_set.c). The data
// model and all atomicity live in src/types/set.h; a handler parses, calls
// one Set method, and writes the reply. Multi-member replies of SMEMBERS,
// SINTER, SUNION, SDIFF and SPOP-with-count are RESP3 sets (arrays in RESP2);
// SRANDMEMBER with a count is an array (it may repeat members).

#include "src/commands/cmd_set.h"
#include "src/commands/command_helpers.h"

#include <string>

#include "src/commands/arg_parse.h"
#include "src/commands/cmd_hash.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"
#include "src/types/set.h"

namespace lsmdb::server {

namespace {

void ReplySet(CommandContext& ctx, const std::vector<std::string>& members) {
  ctx.reply().SetHeader(members.size());
  for (const std::string& m : members) ctx.reply().Bulk(m);
}

Status CmdSAdd(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(
      int64_t n, Set(ctx.keyspace()).Add(ctx.committer(), ctx.db(), ctx.arg(1), ArgsFrom(ctx, 2)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdSRem(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(
      int64_t n, Set(ctx.keyspace()).Rem(ctx.committer(), ctx.db(), ctx.arg(1), ArgsFrom(ctx, 2)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdSMembers(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto members, Set(ctx.keyspace()).Members(ctx.db(), ctx.arg(1)));
  ReplySet(ctx, members);
  return Status::OK();
}

Status CmdSIsMember(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(bool found,
                         Set(ctx.keyspace()).IsMember(ctx.db(), ctx.arg(1), ctx.arg(2)));
  ctx.reply().Integer(found ? 1 : 0);
  return Status::OK();
}

Status CmdSMIsMember(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(std::vector<bool> found,
                         Set(ctx.keyspace()).MIsMember(ctx.db(), ctx.arg(1), ArgsFrom(ctx, 2)));
  ctx.reply().ArrayHeader(found.size());
  for (bool f : found) ctx.reply().Integer(f ? 1 : 0);
  return Status::OK();
}

Status CmdSCard(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t n, Set(ctx.keyspace()).Card(ctx.db(), ctx.arg(1)));
  ctx.reply().Integer(n);
  return Status::OK();
}

// SPOP key [count]
Status CmdSPop(CommandContext& ctx) {
  Set set(ctx.keyspace());
  if (ctx.argc() > 3) return RedisError(kErrSyntax);
  if (ctx.argc() == 2) {
    LSMDB_ASSIGN_OR_RETURN(auto member, set.PopOne(ctx.committer(), ctx.db(), ctx.arg(1)));
    ReplyOptionalBulk(ctx, member);
    return Status::OK();
  }
  int64_t count = 0;  // Redis gives this message for a non-integer too
  if (!StringToInt64(ctx.arg(2), &count) || count < 0) {
    return RedisError("ERR value is out of range, must be positive");
  }
  LSMDB_ASSIGN_OR_RETURN(
      auto members, set.Pop(ctx.committer(), ctx.db(), ctx.arg(1), static_cast<uint64_t>(count)));
  ReplySet(ctx, members);
  return Status::OK();
}

// SRANDMEMBER key [count]
Status CmdSRandMember(CommandContext& ctx) {
  Set set(ctx.keyspace());
  if (ctx.argc() > 3) return RedisError(kErrSyntax);
  if (ctx.argc() == 2) {
    LSMDB_ASSIGN_OR_RETURN(auto member, set.RandMember(ctx.db(), ctx.arg(1)));
    ReplyOptionalBulk(ctx, member);
    return Status::OK();
  }
  LSMDB_ASSIGN_OR_RETURN(int64_t count, ParseRandomCountArg(ctx.arg(2)));
  LSMDB_ASSIGN_OR_RETURN(RandomPick pick, set.RandMembers(ctx.db(), ctx.arg(1), count));
  ctx.reply().ArrayHeader(pick.size());
  for (size_t i = 0; i < pick.size(); ++i) ctx.reply().Bulk(pick.at(i).first);
  return Status::OK();
}

Status CmdSMove(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(
      bool moved,
      Set(ctx.keyspace()).Move(ctx.committer(), ctx.db(), ctx.arg(1), ctx.arg(2), ctx.arg(3)));
  ctx.reply().Integer(moved ? 1 : 0);
  return Status::OK();
}

Status CombineGeneric(CommandContext& ctx, Set::Op op) {
  LSMDB_ASSIGN_OR_RETURN(auto members, Set(ctx.keyspace()).Combine(ctx.db(), op, ArgsFrom(ctx, 1)));
  ReplySet(ctx, members);
  return Status::OK();
}

Status StoreGeneric(CommandContext& ctx, Set::Op op) {
  LSMDB_ASSIGN_OR_RETURN(
      int64_t n, Set(ctx.keyspace())
                     .CombineStore(ctx.committer(), ctx.db(), op, ctx.arg(1), ArgsFrom(ctx, 2)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdSInter(CommandContext& ctx) { return CombineGeneric(ctx, Set::Op::kInter); }
Status CmdSUnion(CommandContext& ctx) { return CombineGeneric(ctx, Set::Op::kUnion); }
Status CmdSDiff(CommandContext& ctx) { return CombineGeneric(ctx, Set::Op::kDiff); }
Status CmdSInterStore(CommandContext& ctx) { return StoreGeneric(ctx, Set::Op::kInter); }
Status CmdSUnionStore(CommandContext& ctx) { return StoreGeneric(ctx, Set::Op::kUnion); }
Status CmdSDiffStore(CommandContext& ctx) { return StoreGeneric(ctx, Set::Op::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]. Redis replies the given
// message for a non-integer too (get*FromObjectOrReply with a message).
Status CmdSInterCard(CommandContext& ctx) {
  int64_t numkeys = 0;
  if (!StringToInt64(ctx.arg(1), &numkeys) || numkeys < 1) {
    return RedisError("ERR numkeys should be greater than 0");
  }
  if (static_cast<uint64_t>(numkeys) > ctx.argc() - 2) {
    return RedisError("ERR Number of keys can't be greater than number of args");
  }
  int64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(numkeys); j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.arg(j), "limit") && more) {
      ++j;
      if (!StringToInt64(ctx.arg(j), &limit) || limit < 0) {
        return RedisError("ERR LIMIT can't be negative");
      }
    } else {
      return RedisError(kErrSyntax);
    }
  }
  LSMDB_ASSIGN_OR_RETURN(int64_t n, Set(ctx.keyspace())
                                        .InterCard(ctx.db(), Args(ctx.args()).subspan(2, numkeys),
                                                   static_cast<uint64_t>(limit)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdSScan(CommandContext& ctx) { return CmdElementScan(ctx, RedisType::kSet); }

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kOom = kCmdDenyOom;
constexpr uint32_t kFast = kCmdFast;

// Rows copied from Redis 7.0 src/commands/<name>.json (arity, command_flags,
// legacy key range, ACL categories plus the implicit @read/@write/@fast/
// @slow). SINTERCARD's keys are counted by numkeys (movable): no range.
constexpr CommandSpec kSetCommands[] = {
    {"sadd", -3, kW | kOom | kFast, {1, 1, 1}, CmdSAdd, "@write @set @fast"},
    {"srem", -3, kW | kFast, {1, 1, 1}, CmdSRem, "@write @set @fast"},
    {"smembers", 2, kR, {1, 1, 1}, CmdSMembers, "@read @set @slow"},
    {"sismember", 3, kR | kFast, {1, 1, 1}, CmdSIsMember, "@read @set @fast"},
    {"smismember", -3, kR | kFast, {1, 1, 1}, CmdSMIsMember, "@read @set @fast"},
    {"scard", 2, kR | kFast, {1, 1, 1}, CmdSCard, "@read @set @fast"},
    {"spop", -2, kW | kFast, {1, 1, 1}, CmdSPop, "@write @set @fast"},
    {"srandmember", -2, kR, {1, 1, 1}, CmdSRandMember, "@read @set @slow"},
    {"smove", 4, kW | kFast, {1, 2, 1}, CmdSMove, "@write @set @fast"},
    {"sinter", -2, kR, {1, -1, 1}, CmdSInter, "@read @set @slow"},
    {"sintercard", -3, kR, {0, 0, 0, 1}, CmdSInterCard, "@read @set @slow"},
    {"sinterstore", -3, kW | kOom, {1, -1, 1}, CmdSInterStore, "@write @set @slow"},
    {"sunion", -2, kR, {1, -1, 1}, CmdSUnion, "@read @set @slow"},
    {"sunionstore", -3, kW | kOom, {1, -1, 1}, CmdSUnionStore, "@write @set @slow"},
    {"sdiff", -2, kR, {1, -1, 1}, CmdSDiff, "@read @set @slow"},
    {"sdiffstore", -3, kW | kOom, {1, -1, 1}, CmdSDiffStore, "@write @set @slow"},
    {"sscan", -3, kR, {1, 1, 1}, CmdSScan, "@read @set @slow"},
};

}  // namespace

void RegisterSetCommands(CommandTable& table) { table.Add(kSetCommands); }

}  // namespace lsmdb::server
