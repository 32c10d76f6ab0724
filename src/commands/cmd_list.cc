// List commands: argument parsing and replies (Redis 7.0 t_list.c). The data
// model and atomicity live in src/types/list.h; a handler parses, calls one
// function there, and writes the reply. Where Redis looks the key up before
// parsing an argument (LINDEX, LSET), the handler does the same on its error
// path so that a client sees the same error (or nil) Redis would give.

#include "src/commands/cmd_list.h"
#include "src/commands/command_helpers.h"

#include <climits>
#include <optional>
#include <string>

#include "src/commands/arg_parse.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"
#include "src/types/list.h"

namespace lsmdb::server {

namespace {

constexpr std::string_view kErrMustBePositive = "ERR value is out of range, must be positive";

// getPositiveLongFromObjectOrReply: `message` (Redis's default or the
// caller's) both for a non-integer and for a negative value.
Result<int64_t> ParseNonNegative(std::string_view arg,
                                 std::string_view message = kErrMustBePositive) {
  Result<int64_t> v = ParseInt64Arg(arg);
  if (!v.ok() || *v < 0) return RedisError(message);
  return *v;
}

Status PushGeneric(CommandContext& ctx, bool left, bool only_if_exists) {
  LSMDB_ASSIGN_OR_RETURN(int64_t len, ListPush(ctx.keyspace(), ctx.committer(), ctx.db(),
                                               ctx.arg(1), ArgsFrom(ctx, 2), left,
                                               only_if_exists));
  ctx.reply().Integer(len);
  return Status::OK();
}

Status CmdLPush(CommandContext& ctx) { return PushGeneric(ctx, true, false); }
Status CmdRPush(CommandContext& ctx) { return PushGeneric(ctx, false, false); }
Status CmdLPushX(CommandContext& ctx) { return PushGeneric(ctx, true, true); }
Status CmdRPushX(CommandContext& ctx) { return PushGeneric(ctx, false, true); }

// LPOP/RPOP key [count]: without count a bulk (nil if absent); with count an
// array (nil array if absent, empty for count 0 on an existing list).
Status PopGeneric(CommandContext& ctx, bool left, std::string_view name) {
  if (ctx.argc() > 3) {
    return RedisError("ERR wrong number of arguments for '" + std::string(name) + "' command");
  }
  const bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count) {
    LSMDB_ASSIGN_OR_RETURN(count, ParseNonNegative(ctx.arg(2)));
  }
  if (has_count && count == 0) {
    LSMDB_ASSIGN_OR_RETURN(int64_t len, ListLen(ctx.keyspace(), ctx.db(), ctx.arg(1)));
    if (len == 0) {
      ctx.reply().NullArray();
    } else {
      ctx.reply().ArrayHeader(0);
    }
    return Status::OK();
  }
  LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> popped,
                         ListPop(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1), left,
                                 static_cast<size_t>(count)));
  if (popped.empty()) {
    if (has_count) {
      ctx.reply().NullArray();
    } else {
      ctx.reply().Null();
    }
  } else if (has_count) {
    ctx.reply().BulkArray(popped);
  } else {
    ctx.reply().Bulk(popped[0]);
  }
  return Status::OK();
}

Status CmdLPop(CommandContext& ctx) { return PopGeneric(ctx, true, "lpop"); }
Status CmdRPop(CommandContext& ctx) { return PopGeneric(ctx, false, "rpop"); }

Status CmdLLen(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t len, ListLen(ctx.keyspace(), ctx.db(), ctx.arg(1)));
  ctx.reply().Integer(len);
  return Status::OK();
}

// LRANGE's reply, written into the connection's output buffer as the
// elements are read.
class LRangeReply final : public ListElementSink {
 public:
  explicit LRangeReply(std::string* out) : stream_(out) {}
  void Begin(size_t n) override { stream_.Begin(n); }
  void Element(std::string_view e) override { stream_.Element(e); }

 private:
  resp::BulkArrayStream stream_;
};

Status CmdLRange(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t start, ParseInt64Arg(ctx.arg(2)));
  LSMDB_ASSIGN_OR_RETURN(int64_t stop, ParseInt64Arg(ctx.arg(3)));
  std::string* out = ctx.reply().buffer();
  const size_t mark = out->size();
  Status s;
  {
    LRangeReply reply(out);  // flushed into `out` at the end of this scope
    s = ListRangeTo(ctx.keyspace(), ctx.db(), ctx.arg(1), start, stop, reply);
  }
  if (!s.ok()) out->resize(mark);  // drop a partly written reply
  return s;
}

// Redis looks the key up before parsing LINDEX/LSET's index: on a bad index
// an absent key still answers `absent` and a wrong type WRONGTYPE.
Status IndexErrorAfterLookup(CommandContext& ctx, Status parse_error, bool* absent) {
  LSMDB_ASSIGN_OR_RETURN(int64_t len, ListLen(ctx.keyspace(), ctx.db(), ctx.arg(1)));
  *absent = len == 0;
  return *absent ? Status::OK() : parse_error;
}

Status CmdLIndex(CommandContext& ctx) {
  Result<int64_t> index = ParseInt64Arg(ctx.arg(2));
  if (!index.ok()) {
    bool absent = false;
    LSMDB_RETURN_IF_ERROR(IndexErrorAfterLookup(ctx, index.status(), &absent));
    ctx.reply().Null();
    return Status::OK();
  }
  LSMDB_ASSIGN_OR_RETURN(std::optional<std::string> value,
                         ListIndex(ctx.keyspace(), ctx.db(), ctx.arg(1), *index));
  ReplyOptionalBulk(ctx, value);
  return Status::OK();
}

Status CmdLSet(CommandContext& ctx) {
  Result<int64_t> index = ParseInt64Arg(ctx.arg(2));
  if (!index.ok()) {
    bool absent = false;
    LSMDB_RETURN_IF_ERROR(IndexErrorAfterLookup(ctx, index.status(), &absent));
    return RedisError(kErrNoSuchKey);
  }
  LSMDB_RETURN_IF_ERROR(
      ListSet(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1), *index, ctx.arg(3)));
  ctx.reply().Ok();
  return Status::OK();
}

// LINSERT key BEFORE|AFTER pivot element
Status CmdLInsert(CommandContext& ctx) {
  bool before;
  if (EqualsIgnoreCase(ctx.arg(2), "after")) {
    before = false;
  } else if (EqualsIgnoreCase(ctx.arg(2), "before")) {
    before = true;
  } else {
    return RedisError(kErrSyntax);
  }
  LSMDB_ASSIGN_OR_RETURN(int64_t len, ListInsert(ctx.keyspace(), ctx.committer(), ctx.db(),
                                                 ctx.arg(1), before, ctx.arg(3), ctx.arg(4)));
  ctx.reply().Integer(len);
  return Status::OK();
}

Status CmdLRem(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t count, ParseInt64Arg(ctx.arg(2)));
  LSMDB_ASSIGN_OR_RETURN(int64_t removed, ListRem(ctx.keyspace(), ctx.committer(), ctx.db(),
                                                  ctx.arg(1), count, ctx.arg(3)));
  ctx.reply().Integer(removed);
  return Status::OK();
}

Status CmdLTrim(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t start, ParseInt64Arg(ctx.arg(2)));
  LSMDB_ASSIGN_OR_RETURN(int64_t stop, ParseInt64Arg(ctx.arg(3)));
  LSMDB_RETURN_IF_ERROR(
      ListTrim(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1), start, stop));
  ctx.reply().Ok();
  return Status::OK();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
Status CmdLPos(CommandContext& ctx) {
  ListPosOptions options;
  bool has_count = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.arg(j), "RANK") && more) {
      LSMDB_ASSIGN_OR_RETURN(options.rank, ParseInt64Arg(ctx.arg(++j)));
      if (options.rank == 0) {
        return RedisError(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
      if (options.rank == INT64_MIN) {
        return RedisError(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807");
      }
    } else if (EqualsIgnoreCase(ctx.arg(j), "COUNT") && more) {
      LSMDB_ASSIGN_OR_RETURN(options.count,
                             ParseNonNegative(ctx.arg(++j), "ERR COUNT can't be negative"));
      has_count = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "MAXLEN") && more) {
      LSMDB_ASSIGN_OR_RETURN(options.maxlen,
                             ParseNonNegative(ctx.arg(++j), "ERR MAXLEN can't be negative"));
    } else {
      return RedisError(kErrSyntax);
    }
  }
  if (!has_count) options.count = 1;
  LSMDB_ASSIGN_OR_RETURN(std::vector<int64_t> found,
                         ListPos(ctx.keyspace(), ctx.db(), ctx.arg(1), ctx.arg(2), options));
  if (has_count) {
    ctx.reply().ArrayHeader(found.size());
    for (int64_t i : found) ctx.reply().Integer(i);
  } else if (found.empty()) {
    ctx.reply().Null();
  } else {
    ctx.reply().Integer(found[0]);
  }
  return Status::OK();
}

Status MoveGeneric(CommandContext& ctx, bool from_left, bool to_left) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<std::string> value,
                         ListMove(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1),
                                  ctx.arg(2), from_left, to_left));
  ReplyOptionalBulk(ctx, value);
  return Status::OK();
}

// LEFT -> true, RIGHT -> false (getListPositionFromObjectOrReply).
Result<bool> ParseSide(std::string_view arg) {
  if (EqualsIgnoreCase(arg, "left")) return true;
  if (EqualsIgnoreCase(arg, "right")) return false;
  return RedisError(kErrSyntax);
}

Status CmdLMove(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(bool from_left, ParseSide(ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(bool to_left, ParseSide(ctx.arg(4)));
  return MoveGeneric(ctx, from_left, to_left);
}

Status CmdRPopLPush(CommandContext& ctx) { return MoveGeneric(ctx, false, true); }

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kOom = kCmdDenyOom;
constexpr uint32_t kFast = kCmdFast;

// Arity, flags and key positions from Redis 7.0's src/commands/*.json.
constexpr CommandSpec kListCommands[] = {
    {"lpush", -3, kW | kOom | kFast, {1, 1, 1}, CmdLPush, "@write @list @fast"},
    {"rpush", -3, kW | kOom | kFast, {1, 1, 1}, CmdRPush, "@write @list @fast"},
    {"lpushx", -3, kW | kOom | kFast, {1, 1, 1}, CmdLPushX, "@write @list @fast"},
    {"rpushx", -3, kW | kOom | kFast, {1, 1, 1}, CmdRPushX, "@write @list @fast"},
    {"lpop", -2, kW | kFast, {1, 1, 1}, CmdLPop, "@write @list @fast"},
    {"rpop", -2, kW | kFast, {1, 1, 1}, CmdRPop, "@write @list @fast"},
    {"llen", 2, kR | kFast, {1, 1, 1}, CmdLLen, "@read @list @fast"},
    {"lrange", 4, kR, {1, 1, 1}, CmdLRange, "@read @list @slow"},
    {"lindex", 3, kR, {1, 1, 1}, CmdLIndex, "@read @list @slow"},
    {"lset", 4, kW | kOom, {1, 1, 1}, CmdLSet, "@write @list @slow"},
    {"linsert", 5, kW | kOom, {1, 1, 1}, CmdLInsert, "@write @list @slow"},
    {"lrem", 4, kW, {1, 1, 1}, CmdLRem, "@write @list @slow"},
    {"ltrim", 4, kW, {1, 1, 1}, CmdLTrim, "@write @list @slow"},
    {"lpos", -3, kR, {1, 1, 1}, CmdLPos, "@read @list @slow"},
    {"lmove", 5, kW | kOom, {1, 2, 1}, CmdLMove, "@write @list @slow"},
    {"rpoplpush", 3, kW | kOom, {1, 2, 1}, CmdRPopLPush, "@write @list @slow"},
};

}  // namespace

void RegisterListCommands(CommandTable& table) { table.Add(kListCommands); }

}  // namespace lsmdb::server
