// String commands: argument parsing and replies (Redis 7.0 t_string.c). The
// data model and all atomicity live in src/types/keyspace.h; a handler parses,
// calls one Keyspace method, and writes the reply.

#include "src/commands/cmd_string.h"
#include "src/commands/command_helpers.h"

#include <array>
#include <climits>
#include <string>

#include "src/commands/arg_parse.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {

namespace {

Status CmdGet(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto value, ctx.keyspace().Get(ctx.db(), ctx.arg(1)));
  ReplyOptionalBulk(ctx, value);
  return Status::OK();
}

// SET, SETEX and PSETEX once their options are known.
Status SetWithOptions(CommandContext& ctx, std::string_view key, std::string_view value,
                      const SetOptions& options) {
  LSMDB_ASSIGN_OR_RETURN(Keyspace::SetResult result,
                         ctx.keyspace().Set(ctx.committer(), ctx.db(), key, value, options));
  if (options.get) {
    ReplyOptionalBulk(ctx, result.old_value);
  } else if (result.applied) {
    ctx.reply().Ok();
  } else {
    ctx.reply().Null();
  }
  return Status::OK();
}

Status CmdSet(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(SetOptions options,
                         ParseSetOptions(ArgsFrom(ctx, 3), ctx.keyspace().NowMs(), "set"));
  return SetWithOptions(ctx, ctx.arg(1), ctx.arg(2), options);
}

Status CmdSetNx(CommandContext& ctx) {
  SetOptions options;
  options.condition = SetOptions::Condition::kIfAbsent;
  LSMDB_ASSIGN_OR_RETURN(
      Keyspace::SetResult result,
      ctx.keyspace().Set(ctx.committer(), ctx.db(), ctx.arg(1), ctx.arg(2), options));
  ctx.reply().Integer(result.applied ? 1 : 0);
  return Status::OK();
}

// SETEX/PSETEX key time value: SET key value EX|PX time, errors naming `name`.
Status SetExGeneric(CommandContext& ctx, std::string_view unit, std::string_view name) {
  const std::array<std::string_view, 2> opts = {unit, ctx.arg(2)};
  LSMDB_ASSIGN_OR_RETURN(SetOptions options, ParseSetOptions(opts, ctx.keyspace().NowMs(), name));
  return SetWithOptions(ctx, ctx.arg(1), ctx.arg(3), options);
}

Status CmdSetEx(CommandContext& ctx) { return SetExGeneric(ctx, "ex", "setex"); }
Status CmdPSetEx(CommandContext& ctx) { return SetExGeneric(ctx, "px", "psetex"); }

Status CmdGetSet(CommandContext& ctx) {
  SetOptions options;
  options.get = true;
  return SetWithOptions(ctx, ctx.arg(1), ctx.arg(2), options);
}

Status CmdGetDel(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto value, ctx.keyspace().GetDel(ctx.committer(), ctx.db(), ctx.arg(1)));
  ReplyOptionalBulk(ctx, value);
  return Status::OK();
}

Status CmdGetEx(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(GetExParse parse, ParseGetExOptions(ArgsFrom(ctx, 2)));
  LSMDB_ASSIGN_OR_RETURN(auto value,
                         ctx.keyspace().GetEx(ctx.committer(), ctx.db(), ctx.arg(1), parse));
  ReplyOptionalBulk(ctx, value);
  return Status::OK();
}

Status CmdMGet(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto values, ctx.keyspace().MGet(ctx.db(), ArgsFrom(ctx, 1)));
  ctx.reply().ArrayHeader(values.size());
  for (const auto& v : values) ReplyOptionalBulk(ctx, v);
  return Status::OK();
}

// MSET/MSETNX need an even number of key/value arguments; Redis checks it in
// the handler (msetGenericCommand) with the arity error text.
Status CheckPairs(CommandContext& ctx, std::string_view name) {
  if (ctx.argc() % 2 == 0) {
    return RedisError("ERR wrong number of arguments for '" + std::string(name) + "' command");
  }
  return Status::OK();
}

Status CmdMSet(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(CheckPairs(ctx, "mset"));
  LSMDB_RETURN_IF_ERROR(ctx.keyspace().MSet(ctx.committer(), ctx.db(), ArgsFrom(ctx, 1)));
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdMSetNx(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(CheckPairs(ctx, "msetnx"));
  LSMDB_ASSIGN_OR_RETURN(bool applied,
                         ctx.keyspace().MSetNx(ctx.committer(), ctx.db(), ArgsFrom(ctx, 1)));
  ctx.reply().Integer(applied ? 1 : 0);
  return Status::OK();
}

Status CmdAppend(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t len,
                         ctx.keyspace().Append(ctx.committer(), ctx.db(), ctx.arg(1), ctx.arg(2)));
  ctx.reply().Integer(len);
  return Status::OK();
}

Status CmdStrlen(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t len, ctx.keyspace().Strlen(ctx.db(), ctx.arg(1)));
  ctx.reply().Integer(len);
  return Status::OK();
}

Status IncrGeneric(CommandContext& ctx, int64_t delta) {
  LSMDB_ASSIGN_OR_RETURN(int64_t value,
                         ctx.keyspace().IncrBy(ctx.committer(), ctx.db(), ctx.arg(1), delta));
  ctx.reply().Integer(value);
  return Status::OK();
}

Status CmdIncr(CommandContext& ctx) { return IncrGeneric(ctx, 1); }
Status CmdDecr(CommandContext& ctx) { return IncrGeneric(ctx, -1); }

Status CmdIncrBy(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t delta, ParseInt64Arg(ctx.arg(2)));
  return IncrGeneric(ctx, delta);
}

Status CmdDecrBy(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t delta, ParseInt64Arg(ctx.arg(2)));
  if (delta == LLONG_MIN) return RedisError("ERR decrement would overflow");
  return IncrGeneric(ctx, -delta);
}

Status CmdIncrByFloat(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(std::string value, ctx.keyspace().IncrByFloat(ctx.committer(), ctx.db(),
                                                                       ctx.arg(1), ctx.arg(2)));
  ctx.reply().Bulk(value);
  return Status::OK();
}

// GETRANGE and SUBSTR.
Status CmdGetRange(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t start, ParseInt64Arg(ctx.arg(2)));
  LSMDB_ASSIGN_OR_RETURN(int64_t end, ParseInt64Arg(ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(std::string value,
                         ctx.keyspace().GetRange(ctx.db(), ctx.arg(1), start, end));
  ctx.reply().Bulk(value);
  return Status::OK();
}

Status CmdSetRange(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t offset, ParseInt64Arg(ctx.arg(2)));
  if (offset < 0) return RedisError("ERR offset is out of range");
  LSMDB_ASSIGN_OR_RETURN(int64_t len, ctx.keyspace().SetRange(ctx.committer(), ctx.db(), ctx.arg(1),
                                                              offset, ctx.arg(3)));
  ctx.reply().Integer(len);
  return Status::OK();
}

// Rows copied from Redis 7.0 src/commands/<name>.json: arity, command_flags,
// key_specs (first, last, step) and ACL categories (the JSON's plus the
// implicit @read/@write/@fast/@slow, in Redis's category order).
constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kOom = kCmdDenyOom;
constexpr uint32_t kFast = kCmdFast;

constexpr CommandSpec kStringCommands[] = {
    {"get", 2, kR | kFast, {1, 1, 1}, CmdGet, "@read @string @fast"},
    {"set", -3, kW | kOom, {1, 1, 1}, CmdSet, "@write @string @slow"},
    {"setnx", 3, kW | kOom | kFast, {1, 1, 1}, CmdSetNx, "@write @string @fast"},
    {"setex", 4, kW | kOom, {1, 1, 1}, CmdSetEx, "@write @string @slow"},
    {"psetex", 4, kW | kOom, {1, 1, 1}, CmdPSetEx, "@write @string @slow"},
    {"getset", 3, kW | kOom | kFast, {1, 1, 1}, CmdGetSet, "@write @string @fast"},
    {"getdel", 2, kW | kFast, {1, 1, 1}, CmdGetDel, "@write @string @fast"},
    {"getex", -2, kW | kFast, {1, 1, 1}, CmdGetEx, "@write @string @fast"},
    {"mget", -2, kR | kFast, {1, -1, 1}, CmdMGet, "@read @string @fast"},
    {"mset", -3, kW | kOom, {1, -1, 2}, CmdMSet, "@write @string @slow"},
    {"msetnx", -3, kW | kOom, {1, -1, 2}, CmdMSetNx, "@write @string @slow"},
    {"append", 3, kW | kOom | kFast, {1, 1, 1}, CmdAppend, "@write @string @fast"},
    {"strlen", 2, kR | kFast, {1, 1, 1}, CmdStrlen, "@read @string @fast"},
    {"incr", 2, kW | kOom | kFast, {1, 1, 1}, CmdIncr, "@write @string @fast"},
    {"decr", 2, kW | kOom | kFast, {1, 1, 1}, CmdDecr, "@write @string @fast"},
    {"incrby", 3, kW | kOom | kFast, {1, 1, 1}, CmdIncrBy, "@write @string @fast"},
    {"decrby", 3, kW | kOom | kFast, {1, 1, 1}, CmdDecrBy, "@write @string @fast"},
    {"incrbyfloat", 3, kW | kOom | kFast, {1, 1, 1}, CmdIncrByFloat, "@write @string @fast"},
    {"getrange", 4, kR, {1, 1, 1}, CmdGetRange, "@read @string @slow"},
    {"substr", 4, kR, {1, 1, 1}, CmdGetRange, "@read @string @slow"},
    {"setrange", 4, kW | kOom, {1, 1, 1}, CmdSetRange, "@write @string @slow"},
};

}  // namespace

void RegisterStringCommands(CommandTable& table) { table.Add(kStringCommands); }

}  // namespace lsmdb::server
