// Generic keyspace commands (Redis 7.0 db.c and expire.c) and SEARCHRANGE,
// LSMDB's ordered key-range command (docs/encoding.md):
//
//   SEARCHRANGE start end [LIMIT count]
//     Keys k of the selected db with start <= k < end in byte order; an empty
//     end means no upper bound. count defaults to 1000. Reply: a two-element
//     array [next, [key, ...]] where next is the start of the following page,
//     or an empty string when the range is exhausted.

#include "src/commands/cmd_keyspace.h"
#include "src/commands/command_helpers.h"

#include <string>

#include "src/commands/arg_parse.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {

namespace {

constexpr size_t kDefaultSearchRangeLimit = 1000;

Status CmdDel(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t n,
                         ctx.keyspace().Del(ctx.committer(), ctx.db(), ArgsFrom(ctx, 1)));
  ctx.reply().Integer(n);
  return Status::OK();
}

// EXISTS and TOUCH (no access times are kept, so TOUCH only counts).
Status CmdExists(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ctx.keyspace().Exists(ctx.db(), ArgsFrom(ctx, 1)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdType(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(RedisType type, ctx.keyspace().Type(ctx.db(), ctx.arg(1)));
  ctx.reply().SimpleString(TypeName(type));
  return Status::OK();
}

Status CmdRename(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(bool done, ctx.keyspace().Rename(ctx.committer(), ctx.db(), ctx.arg(1),
                                                          ctx.arg(2), /*nx=*/false));
  (void)done;
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdRenameNx(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(bool done, ctx.keyspace().Rename(ctx.committer(), ctx.db(), ctx.arg(1),
                                                          ctx.arg(2), /*nx=*/true));
  ctx.reply().Integer(done ? 1 : 0);
  return Status::OK();
}

// COPY source destination [DB destination-db] [REPLACE]
Status CmdCopy(CommandContext& ctx) {
  int dst_db = ctx.db();
  bool replace = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const size_t additional = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(ctx.arg(j), "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "db") && additional >= 1) {
      LSMDB_ASSIGN_OR_RETURN(dst_db, ParseIntArg(ctx.arg(j + 1)));
      if (dst_db < 0 || dst_db >= kNumDbs) return RedisError(kErrDbIndex);
      ++j;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  if (dst_db == ctx.db() && ctx.arg(1) == ctx.arg(2)) {
    return RedisError("ERR source and destination objects are the same");
  }
  LSMDB_ASSIGN_OR_RETURN(bool done, ctx.keyspace().Copy(ctx.committer(), ctx.db(), ctx.arg(1),
                                                        dst_db, ctx.arg(2), replace));
  ctx.reply().Integer(done ? 1 : 0);
  return Status::OK();
}

Status CmdKeys(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> keys, ctx.keyspace().Keys(ctx.db(), ctx.arg(1)));
  ctx.reply().BulkArray(keys);
  return Status::OK();
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
Status CmdScan(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(uint64_t cursor, ParseCursorArg(ctx.arg(1)));
  int64_t count = 10;
  std::string_view pattern;
  std::string_view type_name;
  for (size_t i = 2; i < ctx.argc();) {
    const size_t left = ctx.argc() - i;
    if (EqualsIgnoreCase(ctx.arg(i), "count") && left >= 2) {
      LSMDB_ASSIGN_OR_RETURN(count, ParseInt64Arg(ctx.arg(i + 1)));
      if (count < 1) return RedisError(kErrSyntax);
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "match") && left >= 2) {
      pattern = ctx.arg(i + 1);
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "type") && left >= 2) {
      type_name = ctx.arg(i + 1);
      i += 2;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  LSMDB_ASSIGN_OR_RETURN(
      Keyspace::ScanResult result,
      ctx.keyspace().Scan(ctx.db(), cursor, pattern, static_cast<size_t>(count), type_name));
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(result.cursor));
  ctx.reply().BulkArray(result.keys);
  return Status::OK();
}

Status CmdRandomKey(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(auto key, ctx.keyspace().RandomKey(ctx.db()));
  if (key) {
    ctx.reply().Bulk(*key);
  } else {
    ctx.reply().Null();
  }
  return Status::OK();
}

Status CmdDbSize(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ctx.keyspace().DbSize(ctx.db()));
  ctx.reply().Integer(n);
  return Status::OK();
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: both are O(1) here, so the mode is accepted
// and ignored (db.c getFlushCommandFlags decides what is a syntax error).
Status CheckFlushArgs(CommandContext& ctx) {
  if (ctx.argc() == 1) return Status::OK();
  if (ctx.argc() == 2 &&
      (EqualsIgnoreCase(ctx.arg(1), "sync") || EqualsIgnoreCase(ctx.arg(1), "async"))) {
    return Status::OK();
  }
  return RedisError(kErrSyntax);
}

Status CmdFlushDb(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(CheckFlushArgs(ctx));
  LSMDB_RETURN_IF_ERROR(ctx.keyspace().FlushDb(ctx.committer(), ctx.db()));
  ctx.reply().Ok();
  return Status::OK();
}

Status CmdFlushAll(CommandContext& ctx) {
  LSMDB_RETURN_IF_ERROR(CheckFlushArgs(ctx));
  LSMDB_RETURN_IF_ERROR(ctx.keyspace().FlushAll(ctx.committer()));
  ctx.reply().Ok();
  return Status::OK();
}

// expire.c expireGenericCommand: options, then the time, then the key.
Status ExpireGeneric(CommandContext& ctx, bool relative, bool seconds, std::string_view name) {
  LSMDB_ASSIGN_OR_RETURN(uint32_t flags, ParseExpireFlags(ArgsFrom(ctx, 3)));
  const int64_t base = relative ? ctx.keyspace().NowMs() : 0;
  LSMDB_ASSIGN_OR_RETURN(int64_t when, ExpireTimeArgToMs(ctx.arg(2), base, seconds, name));
  LSMDB_ASSIGN_OR_RETURN(bool done,
                         ctx.keyspace().Expire(ctx.committer(), ctx.db(), ctx.arg(1), when, flags));
  ctx.reply().Integer(done ? 1 : 0);
  return Status::OK();
}

Status CmdExpire(CommandContext& ctx) { return ExpireGeneric(ctx, true, true, "expire"); }
Status CmdPExpire(CommandContext& ctx) { return ExpireGeneric(ctx, true, false, "pexpire"); }
Status CmdExpireAt(CommandContext& ctx) { return ExpireGeneric(ctx, false, true, "expireat"); }
Status CmdPExpireAt(CommandContext& ctx) { return ExpireGeneric(ctx, false, false, "pexpireat"); }

// expire.c ttlGenericCommand: TTL, PTTL, EXPIRETIME, PEXPIRETIME.
Status TtlGeneric(CommandContext& ctx, bool output_ms, bool output_abs) {
  LSMDB_ASSIGN_OR_RETURN(int64_t expire, ctx.keyspace().ExpireTime(ctx.db(), ctx.arg(1)));
  if (expire < 0) {
    ctx.reply().Integer(expire);  // -2 absent, -1 no TTL
    return Status::OK();
  }
  int64_t ttl = output_abs ? expire : expire - ctx.keyspace().NowMs();
  if (ttl < 0) ttl = 0;
  ctx.reply().Integer(output_ms ? ttl : (ttl + 500) / 1000);
  return Status::OK();
}

Status CmdTtl(CommandContext& ctx) { return TtlGeneric(ctx, false, false); }
Status CmdPTtl(CommandContext& ctx) { return TtlGeneric(ctx, true, false); }
Status CmdExpireTime(CommandContext& ctx) { return TtlGeneric(ctx, false, true); }
Status CmdPExpireTime(CommandContext& ctx) { return TtlGeneric(ctx, true, true); }

Status CmdPersist(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(bool done, ctx.keyspace().Persist(ctx.committer(), ctx.db(), ctx.arg(1)));
  ctx.reply().Integer(done ? 1 : 0);
  return Status::OK();
}

// SEARCHRANGE start end [LIMIT count] (see the top of this file).
Status CmdSearchRange(CommandContext& ctx) {
  size_t limit = kDefaultSearchRangeLimit;
  ArgCursor args(ctx.args(), 3);
  while (!args.Done()) {
    if (args.Remaining() >= 2 && args.EatFlag("limit")) {
      LSMDB_ASSIGN_OR_RETURN(int64_t n, ParseInt64Arg(args.Next()));
      if (n < 1) return RedisError("ERR LIMIT must be positive");
      limit = static_cast<size_t>(n);
    } else {
      return RedisError(kErrSyntax);
    }
  }
  LSMDB_ASSIGN_OR_RETURN(Keyspace::RangeResult result,
                         ctx.keyspace().SearchRange(ctx.db(), ctx.arg(1), ctx.arg(2), limit));
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(result.more ? std::string_view(result.next) : std::string_view());
  ctx.reply().BulkArray(result.keys);
  return Status::OK();
}

// Rows copied from Redis 7.0 src/commands/<name>.json (arity, flags, key
// specs, ACL categories incl. the implicit ones, in Redis's category order).
constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kOom = kCmdDenyOom;
constexpr uint32_t kFast = kCmdFast;

constexpr CommandSpec kKeyspaceCommands[] = {
    {"del", -2, kW, {1, -1, 1}, CmdDel, "@keyspace @write @slow"},
    {"unlink", -2, kW | kFast, {1, -1, 1}, CmdDel, "@keyspace @write @fast"},
    {"exists", -2, kR | kFast, {1, -1, 1}, CmdExists, "@keyspace @read @fast"},
    {"touch", -2, kR | kFast, {1, -1, 1}, CmdExists, "@keyspace @read @fast"},
    {"type", 2, kR | kFast, {1, 1, 1}, CmdType, "@keyspace @read @fast"},
    {"rename", 3, kW, {1, 2, 1}, CmdRename, "@keyspace @write @slow"},
    {"renamenx", 3, kW | kFast, {1, 2, 1}, CmdRenameNx, "@keyspace @write @fast"},
    {"copy", -3, kW | kOom, {1, 2, 1}, CmdCopy, "@keyspace @write @slow"},
    {"keys", 2, kR, {0, 0, 0}, CmdKeys, "@keyspace @read @slow @dangerous"},
    {"scan", -2, kR, {0, 0, 0}, CmdScan, "@keyspace @read @slow"},
    {"randomkey", 1, kR, {0, 0, 0}, CmdRandomKey, "@keyspace @read @slow"},
    {"dbsize", 1, kR | kFast, {0, 0, 0}, CmdDbSize, "@keyspace @read @fast"},
    {"flushdb", -1, kW, {0, 0, 0}, CmdFlushDb, "@keyspace @write @slow @dangerous"},
    {"flushall", -1, kW, {0, 0, 0}, CmdFlushAll, "@keyspace @write @slow @dangerous"},
    {"expire", -3, kW | kFast, {1, 1, 1}, CmdExpire, "@keyspace @write @fast"},
    {"pexpire", -3, kW | kFast, {1, 1, 1}, CmdPExpire, "@keyspace @write @fast"},
    {"expireat", -3, kW | kFast, {1, 1, 1}, CmdExpireAt, "@keyspace @write @fast"},
    {"pexpireat", -3, kW | kFast, {1, 1, 1}, CmdPExpireAt, "@keyspace @write @fast"},
    {"ttl", 2, kR | kFast, {1, 1, 1}, CmdTtl, "@keyspace @read @fast"},
    {"pttl", 2, kR | kFast, {1, 1, 1}, CmdPTtl, "@keyspace @read @fast"},
    {"expiretime", 2, kR | kFast, {1, 1, 1}, CmdExpireTime, "@keyspace @read @fast"},
    {"pexpiretime", 2, kR | kFast, {1, 1, 1}, CmdPExpireTime, "@keyspace @read @fast"},
    {"persist", 2, kW | kFast, {1, 1, 1}, CmdPersist, "@keyspace @write @fast"},
    // LSMDB's own: the ordered key-range read (not in Redis).
    {"searchrange", -3, kR, {0, 0, 0}, CmdSearchRange, "@keyspace @read @slow"},
};

}  // namespace

void RegisterKeyspaceCommands(CommandTable& table) { table.Add(kKeyspaceCommands); }

}  // namespace lsmdb::server
