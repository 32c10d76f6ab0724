// Hash commands: argument parsing and replies (Redis 7.0 t_hash.c). The data
// model and all atomicity live in src/types/hash.h; a handler parses, calls
// one Hash method, and writes the reply.

#include "src/commands/cmd_hash.h"
#include "src/commands/command_helpers.h"

#include <climits>
#include <string>

#include "src/commands/arg_parse.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/hash.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {

namespace {

// HSET and HMSET: field/value pairs must pair up (t_hash.c replies with the
// arity error text from the handler).
Status SetGeneric(CommandContext& ctx, std::string_view name, int64_t* added) {
  if (ctx.argc() % 2 == 1) {
    return RedisError("ERR wrong number of arguments for '" + std::string(name) + "' command");
  }
  LSMDB_ASSIGN_OR_RETURN(
      *added, Hash(ctx.keyspace()).Set(ctx.committer(), ctx.db(), ctx.arg(1), ArgsFrom(ctx, 2)));
  return Status::OK();
}

Status CmdHSet(CommandContext& ctx) {
  int64_t added = 0;
  LSMDB_RETURN_IF_ERROR(SetGeneric(ctx, "hset", &added));
  ctx.reply().Integer(added);
  return Status::OK();
}

Status CmdHMSet(CommandContext& ctx) {
  int64_t added = 0;
  LSMDB_RETURN_IF_ERROR(SetGeneric(ctx, "hmset", &added));
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdHSetNx(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(
      bool set,
      Hash(ctx.keyspace()).SetNx(ctx.committer(), ctx.db(), ctx.arg(1), ctx.arg(2), ctx.arg(3)));
  ctx.reply().Integer(set ? 1 : 0);
  return Status::OK();
}

Status CmdHGet(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto value, Hash(ctx.keyspace()).Get(ctx.db(), ctx.arg(1), ctx.arg(2)));
  ReplyOptionalBulk(ctx, value);
  return Status::OK();
}

Status CmdHMGet(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto values,
                         Hash(ctx.keyspace()).MGet(ctx.db(), ctx.arg(1), ArgsFrom(ctx, 2)));
  ctx.reply().ArrayHeader(values.size());
  for (const auto& v : values) ReplyOptionalBulk(ctx, v);
  return Status::OK();
}

Status CmdHDel(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(
      int64_t n, Hash(ctx.keyspace()).Del(ctx.committer(), ctx.db(), ctx.arg(1), ArgsFrom(ctx, 2)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdHExists(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(bool found, Hash(ctx.keyspace()).Exists(ctx.db(), ctx.arg(1), ctx.arg(2)));
  ctx.reply().Integer(found ? 1 : 0);
  return Status::OK();
}

Status CmdHLen(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t n, Hash(ctx.keyspace()).Len(ctx.db(), ctx.arg(1)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdHStrLen(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t n, Hash(ctx.keyspace()).StrLen(ctx.db(), ctx.arg(1), ctx.arg(2)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdHKeys(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto pairs, Hash(ctx.keyspace()).GetAll(ctx.db(), ctx.arg(1), false));
  ctx.reply().ArrayHeader(pairs.size());
  for (const auto& [field, value] : pairs) ctx.reply().Bulk(field);
  return Status::OK();
}

Status CmdHVals(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto pairs, Hash(ctx.keyspace()).GetAll(ctx.db(), ctx.arg(1), true));
  ctx.reply().ArrayHeader(pairs.size());
  for (const auto& [field, value] : pairs) ctx.reply().Bulk(value);
  return Status::OK();
}

// RESP3: a map; RESP2: the flat field, value, ... array.
Status CmdHGetAll(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto pairs, Hash(ctx.keyspace()).GetAll(ctx.db(), ctx.arg(1), true));
  ctx.reply().MapHeader(pairs.size());
  for (const auto& [field, value] : pairs) {
    ctx.reply().Bulk(field);
    ctx.reply().Bulk(value);
  }
  return Status::OK();
}

Status CmdHIncrBy(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t delta, ParseInt64Arg(ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(
      int64_t value,
      Hash(ctx.keyspace()).IncrBy(ctx.committer(), ctx.db(), ctx.arg(1), ctx.arg(2), delta));
  ctx.reply().Integer(value);
  return Status::OK();
}

Status CmdHIncrByFloat(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(long double incr, ParseLongDoubleArg(ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(
      std::string value,
      Hash(ctx.keyspace()).IncrByFloat(ctx.committer(), ctx.db(), ctx.arg(1), ctx.arg(2), incr));
  ctx.reply().Bulk(value);
  return Status::OK();
}

Status CmdHScan(CommandContext& ctx) { return CmdElementScan(ctx, RedisType::kHash); }

// HRANDFIELD key [count [WITHVALUES]]
Status CmdHRandField(CommandContext& ctx) {
  Hash hash(ctx.keyspace());
  if (ctx.argc() == 2) {
    LSMDB_ASSIGN_OR_RETURN(auto pair, hash.RandField(ctx.db(), ctx.arg(1)));
    if (pair) {
      ctx.reply().Bulk(pair->first);
    } else {
      ctx.reply().Null();
    }
    return Status::OK();
  }
  LSMDB_ASSIGN_OR_RETURN(int64_t count, ParseRandomCountArg(ctx.arg(2)));
  bool with_values = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withvalues"))) {
    return RedisError(kErrSyntax);
  }
  if (ctx.argc() == 4) {
    with_values = true;
    if (count < -(LLONG_MAX / 2) || count > LLONG_MAX / 2) {
      return RedisError("ERR value is out of range");
    }
  }
  LSMDB_ASSIGN_OR_RETURN(RandomPick pick,
                         hash.RandFields(ctx.db(), ctx.arg(1), count, with_values));
  const size_t n = pick.size();
  const bool resp3 = ctx.reply().protocol() >= 3;
  ctx.reply().ArrayHeader(with_values && !resp3 ? 2 * n : n);
  for (size_t i = 0; i < n; ++i) {
    const FieldValue& fv = pick.at(i);
    if (with_values && resp3) ctx.reply().ArrayHeader(2);
    ctx.reply().Bulk(fv.first);
    if (with_values) ctx.reply().Bulk(fv.second);
  }
  return Status::OK();
}

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kOom = kCmdDenyOom;
constexpr uint32_t kFast = kCmdFast;

// Rows copied from Redis 7.0 src/commands/<name>.json (arity, command_flags,
// key_specs, ACL categories plus the implicit @read/@write/@fast/@slow).
constexpr CommandSpec kHashCommands[] = {
    {"hset", -4, kW | kOom | kFast, {1, 1, 1}, CmdHSet, "@write @hash @fast"},
    {"hsetnx", 4, kW | kOom | kFast, {1, 1, 1}, CmdHSetNx, "@write @hash @fast"},
    {"hget", 3, kR | kFast, {1, 1, 1}, CmdHGet, "@read @hash @fast"},
    {"hmget", -3, kR | kFast, {1, 1, 1}, CmdHMGet, "@read @hash @fast"},
    {"hmset", -4, kW | kOom | kFast, {1, 1, 1}, CmdHMSet, "@write @hash @fast"},
    {"hdel", -3, kW | kFast, {1, 1, 1}, CmdHDel, "@write @hash @fast"},
    {"hexists", 3, kR | kFast, {1, 1, 1}, CmdHExists, "@read @hash @fast"},
    {"hlen", 2, kR | kFast, {1, 1, 1}, CmdHLen, "@read @hash @fast"},
    {"hstrlen", 3, kR | kFast, {1, 1, 1}, CmdHStrLen, "@read @hash @fast"},
    {"hkeys", 2, kR, {1, 1, 1}, CmdHKeys, "@read @hash @slow"},
    {"hvals", 2, kR, {1, 1, 1}, CmdHVals, "@read @hash @slow"},
    {"hgetall", 2, kR, {1, 1, 1}, CmdHGetAll, "@read @hash @slow"},
    {"hincrby", 4, kW | kOom | kFast, {1, 1, 1}, CmdHIncrBy, "@write @hash @fast"},
    {"hincrbyfloat", 4, kW | kOom | kFast, {1, 1, 1}, CmdHIncrByFloat, "@write @hash @fast"},
    {"hscan", -3, kR, {1, 1, 1}, CmdHScan, "@read @hash @slow"},
    {"hrandfield", -2, kR, {1, 1, 1}, CmdHRandField, "@read @hash @slow"},
};

}  // namespace

Result<ElementScanOptions> ParseElementScanOptions(CommandContext& ctx) {
  ElementScanOptions options;
  for (size_t i = 3; i < ctx.argc();) {
    const size_t left = ctx.argc() - i;
    if (EqualsIgnoreCase(ctx.arg(i), "count") && left >= 2) {
      LSMDB_ASSIGN_OR_RETURN(int64_t count, ParseInt64Arg(ctx.arg(i + 1)));
      if (count < 1) return RedisError(kErrSyntax);
      options.count = static_cast<size_t>(count);
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "match") && left >= 2) {
      options.pattern = ctx.arg(i + 1);
      i += 2;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  return options;
}

Status CmdElementScan(CommandContext& ctx, RedisType type) {
  LSMDB_ASSIGN_OR_RETURN(uint64_t cursor, ParseCursorArg(ctx.arg(2)));
  // Redis looks the key up before it parses the options: an absent key
  // answers the empty scan whatever follows.
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ctx.keyspace(), ctx.db(), ctx.arg(1), type));
  ElementScanResult result;
  if (meta) {
    LSMDB_ASSIGN_OR_RETURN(ElementScanOptions options, ParseElementScanOptions(ctx));
    const bool values = type == RedisType::kHash;
    LSMDB_ASSIGN_OR_RETURN(result, ScanElements(ctx.keyspace(), ctx.db(), ctx.arg(1), type, cursor,
                                                options.pattern, options.count, values));
  }
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(result.cursor));
  const bool values = type == RedisType::kHash;
  ctx.reply().ArrayHeader(values ? 2 * result.elements.size() : result.elements.size());
  for (const auto& [sub, value] : result.elements) {
    ctx.reply().Bulk(sub);
    if (values) ctx.reply().Bulk(value);
  }
  return Status::OK();
}

Result<int64_t> ParseRandomCountArg(std::string_view arg) {
  LSMDB_ASSIGN_OR_RETURN(int64_t count, ParseInt64Arg(arg));
  if (count == LLONG_MIN) {
    return RedisError(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  }
  return count;
}

void RegisterHashCommands(CommandTable& table) { table.Add(kHashCommands); }

}  // namespace lsmdb::server
