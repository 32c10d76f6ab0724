// Sorted set commands: argument parsing and replies (Redis 7.0 t_zset.c). The
// data model and atomicity live in src/types/zset.h; a handler parses, calls
// one function there, and writes the reply.
//
// Scores go out through ReplyBuilder::Double, which is Redis's addReplyDouble:
// RESP2 a bulk string of "%.17g" ("1", "1.5", "inf"), RESP3 a double. WITHSCORES
// replies are flat [member, score, ...] in RESP2 and [[member, score], ...] in
// RESP3 (zrangeResultEmit*, genericZpopCommand, zrandmember).

#include "src/commands/cmd_zset.h"
#include "src/commands/command_helpers.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include "src/commands/arg_parse.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"
#include "src/types/zset.h"

namespace lsmdb::server {

namespace {

constexpr std::string_view kErrMinMaxNotFloat = "ERR min or max is not a float";
constexpr std::string_view kErrMinMaxNotLex = "ERR min or max not valid string range item";
constexpr std::string_view kErrMustBePositive = "ERR value is out of range, must be positive";

// getDoubleFromObjectOrReply.
Result<double> ParseDouble(std::string_view arg, std::string_view error = kErrNotFloat) {
  double v;
  if (!StringToDouble(arg, &v)) return RedisError(error);
  return v;
}

Result<ScoreRange> ParseScoreRange(std::string_view min, std::string_view max) {
  ScoreRange r;
  if (!ParseScoreBound(min, &r.min, &r.min_exclusive) ||
      !ParseScoreBound(max, &r.max, &r.max_exclusive)) {
    return RedisError(kErrMinMaxNotFloat);
  }
  return r;
}

Result<LexRange> ParseLexRange(std::string_view min, std::string_view max) {
  LexRange r;
  if (!ParseLexBound(min, &r.min) || !ParseLexBound(max, &r.max)) {
    return RedisError(kErrMinMaxNotLex);
  }
  return r;
}

void ReplyOptionalDouble(CommandContext& ctx, const std::optional<double>& v) {
  if (v) {
    ctx.reply().Double(*v);
  } else {
    ctx.reply().Null();
  }
}

// An array of members, with scores if asked (flat in RESP2, pairs in RESP3).
void ReplyMembers(CommandContext& ctx, const std::vector<ScoredMember>& items, bool withscores) {
  const bool resp3 = ctx.reply().protocol() >= 3;
  ctx.reply().ArrayHeader(withscores && !resp3 ? items.size() * 2 : items.size());
  for (const auto& [member, score] : items) {
    if (withscores && resp3) ctx.reply().ArrayHeader(2);
    ctx.reply().Bulk(member);
    if (withscores) ctx.reply().Double(score);
  }
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
Status CmdZAdd(CommandContext& ctx) {
  ZAddOptions o;
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "nx")) {
      o.nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      o.xx = true;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      o.ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      o.incr = true;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      o.gt = true;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      o.lt = true;
    } else {
      break;
    }
  }
  const size_t rest = ctx.argc() - i;
  if (rest == 0 || rest % 2 != 0) return RedisError(kErrSyntax);
  if (o.nx && o.xx) return RedisError("ERR XX and NX options at the same time are not compatible");
  if ((o.gt && o.nx) || (o.lt && o.nx) || (o.gt && o.lt)) {
    return RedisError("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (o.incr && rest > 2) {
    return RedisError("ERR INCR option supports a single increment-element pair");
  }
  std::vector<std::pair<double, std::string_view>> pairs;
  pairs.reserve(rest / 2);
  for (; i < ctx.argc(); i += 2) {
    LSMDB_ASSIGN_OR_RETURN(double score, ParseDouble(ctx.arg(i)));
    pairs.emplace_back(score, ctx.arg(i + 1));
  }
  LSMDB_ASSIGN_OR_RETURN(ZAddResult r, ZAdd(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1),
                                            o, pairs));
  if (o.incr) {
    ReplyOptionalDouble(ctx, r.score);
  } else {
    ctx.reply().Integer(o.ch ? r.changed : r.added);
  }
  return Status::OK();
}

Status CmdZIncrBy(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(double incr, ParseDouble(ctx.arg(2)));
  ZAddOptions o;
  o.incr = true;
  const std::pair<double, std::string_view> pair{incr, ctx.arg(3)};
  LSMDB_ASSIGN_OR_RETURN(ZAddResult r, ZAdd(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1),
                                            o, std::span(&pair, 1)));
  ReplyOptionalDouble(ctx, r.score);
  return Status::OK();
}

Status CmdZRem(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ZRem(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1),
                                         ArgsFrom(ctx, 2)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdZCard(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ZCard(ctx.keyspace(), ctx.db(), ctx.arg(1)));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdZScore(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<double> s,
                         ZScore(ctx.keyspace(), ctx.db(), ctx.arg(1), ctx.arg(2)));
  ReplyOptionalDouble(ctx, s);
  return Status::OK();
}

Status CmdZMScore(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(std::vector<std::optional<double>> scores,
                         ZMScore(ctx.keyspace(), ctx.db(), ctx.arg(1), ArgsFrom(ctx, 2)));
  ctx.reply().ArrayHeader(scores.size());
  for (const auto& s : scores) ReplyOptionalDouble(ctx, s);
  return Status::OK();
}

Status RankGeneric(CommandContext& ctx, bool reverse) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<int64_t> rank,
                         ZRank(ctx.keyspace(), ctx.db(), ctx.arg(1), ctx.arg(2), reverse));
  if (rank) {
    ctx.reply().Integer(*rank);
  } else {
    ctx.reply().Null();
  }
  return Status::OK();
}

Status CmdZRank(CommandContext& ctx) { return RankGeneric(ctx, false); }
Status CmdZRevRank(CommandContext& ctx) { return RankGeneric(ctx, true); }

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// zrangeGenericCommand: ZRANGE and its older forms, same parsing order and
// errors as Redis 7.0.
Status RangeGeneric(CommandContext& ctx, RangeType type, Direction dir) {
  bool withscores = false;
  int64_t offset = 0;
  int64_t limit = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    std::string_view a = ctx.arg(j);
    if (EqualsIgnoreCase(a, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      LSMDB_ASSIGN_OR_RETURN(offset, ParseInt64Arg(ctx.arg(j + 1)));
      LSMDB_ASSIGN_OR_RETURN(limit, ParseInt64Arg(ctx.arg(j + 2)));
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(a, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(a, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(a, "byscore")) {
      type = RangeType::kScore;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  if (limit != -1 && type == RangeType::kRank) {
    return RedisError(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (withscores && type == RangeType::kLex) {
    return RedisError("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  const bool reverse = dir == Direction::kReverse;
  std::string_view min_arg = ctx.arg(2);
  std::string_view max_arg = ctx.arg(3);
  if (reverse && type != RangeType::kRank) std::swap(min_arg, max_arg);  // given as max, min
  const RangeLimit lim{offset, limit};
  std::vector<ScoredMember> items;
  Keyspace& ks = ctx.keyspace();
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank: {
      LSMDB_ASSIGN_OR_RETURN(int64_t start, ParseInt64Arg(min_arg));
      LSMDB_ASSIGN_OR_RETURN(int64_t stop, ParseInt64Arg(max_arg));
      LSMDB_ASSIGN_OR_RETURN(items, ZRangeByRank(ks, ctx.db(), ctx.arg(1), start, stop, reverse));
      break;
    }
    case RangeType::kScore: {
      LSMDB_ASSIGN_OR_RETURN(ScoreRange range, ParseScoreRange(min_arg, max_arg));
      LSMDB_ASSIGN_OR_RETURN(items, ZRangeByScore(ks, ctx.db(), ctx.arg(1), range, reverse, lim));
      break;
    }
    case RangeType::kLex: {
      LSMDB_ASSIGN_OR_RETURN(LexRange range, ParseLexRange(min_arg, max_arg));
      LSMDB_ASSIGN_OR_RETURN(items, ZRangeByLex(ks, ctx.db(), ctx.arg(1), range, reverse, lim));
      break;
    }
  }
  ReplyMembers(ctx, items, withscores);
  return Status::OK();
}

Status CmdZRange(CommandContext& ctx) {
  return RangeGeneric(ctx, RangeType::kAuto, Direction::kAuto);
}
Status CmdZRevRange(CommandContext& ctx) {
  return RangeGeneric(ctx, RangeType::kRank, Direction::kReverse);
}
Status CmdZRangeByScore(CommandContext& ctx) {
  return RangeGeneric(ctx, RangeType::kScore, Direction::kForward);
}
Status CmdZRevRangeByScore(CommandContext& ctx) {
  return RangeGeneric(ctx, RangeType::kScore, Direction::kReverse);
}
Status CmdZRangeByLex(CommandContext& ctx) {
  return RangeGeneric(ctx, RangeType::kLex, Direction::kForward);
}
Status CmdZRevRangeByLex(CommandContext& ctx) {
  return RangeGeneric(ctx, RangeType::kLex, Direction::kReverse);
}

Status CmdZCount(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(ScoreRange range, ParseScoreRange(ctx.arg(2), ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ZCount(ctx.keyspace(), ctx.db(), ctx.arg(1), range));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdZLexCount(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(LexRange range, ParseLexRange(ctx.arg(2), ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ZLexCount(ctx.keyspace(), ctx.db(), ctx.arg(1), range));
  ctx.reply().Integer(n);
  return Status::OK();
}

// ZPOPMIN/ZPOPMAX key [count]: without count a flat [member, score]; with
// count RESP2 flat pairs, RESP3 nested pairs. Absent key: empty array.
Status PopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) return RedisError(kErrSyntax);
  const bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count) {
    // getPositiveLongFromObjectOrReply: one message for both faults.
    Result<int64_t> parsed = ParseInt64Arg(ctx.arg(2));
    if (!parsed.ok() || *parsed < 0) return RedisError(kErrMustBePositive);
    count = *parsed;
  }
  LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> popped,
                         ZPop(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1), max,
                              static_cast<size_t>(count)));
  if (!has_count) {
    ctx.reply().ArrayHeader(popped.empty() ? 0 : 2);
    if (!popped.empty()) {
      ctx.reply().Bulk(popped[0].first);
      ctx.reply().Double(popped[0].second);
    }
    return Status::OK();
  }
  ReplyMembers(ctx, popped, true);
  return Status::OK();
}

Status CmdZPopMin(CommandContext& ctx) { return PopGeneric(ctx, false); }
Status CmdZPopMax(CommandContext& ctx) { return PopGeneric(ctx, true); }

Status CmdZRemRangeByRank(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(int64_t start, ParseInt64Arg(ctx.arg(2)));
  LSMDB_ASSIGN_OR_RETURN(int64_t stop, ParseInt64Arg(ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ZRemRangeByRank(ctx.keyspace(), ctx.committer(), ctx.db(),
                                                    ctx.arg(1), start, stop));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdZRemRangeByScore(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(ScoreRange range, ParseScoreRange(ctx.arg(2), ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ZRemRangeByScore(ctx.keyspace(), ctx.committer(), ctx.db(),
                                                     ctx.arg(1), range));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdZRemRangeByLex(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(LexRange range, ParseLexRange(ctx.arg(2), ctx.arg(3)));
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ZRemRangeByLex(ctx.keyspace(), ctx.committer(), ctx.db(),
                                                   ctx.arg(1), range));
  ctx.reply().Integer(n);
  return Status::OK();
}

// Parses ZUNIONSTORE/ZINTERSTORE's options after the keys.
Status ParseStoreOptions(CommandContext& ctx, size_t j, size_t numkeys, std::vector<double>* w,
                         ZAggregate* aggregate) {
  while (j < ctx.argc()) {
    const size_t remaining = ctx.argc() - j;
    if (remaining >= numkeys + 1 && EqualsIgnoreCase(ctx.arg(j), "weights")) {
      ++j;
      w->clear();
      for (size_t i = 0; i < numkeys; ++i, ++j) {
        LSMDB_ASSIGN_OR_RETURN(double v,
                               ParseDouble(ctx.arg(j), "ERR weight value is not a float"));
        w->push_back(v);
      }
    } else if (remaining >= 2 && EqualsIgnoreCase(ctx.arg(j), "aggregate")) {
      std::string_view a = ctx.arg(j + 1);
      if (EqualsIgnoreCase(a, "sum")) {
        *aggregate = ZAggregate::kSum;
      } else if (EqualsIgnoreCase(a, "min")) {
        *aggregate = ZAggregate::kMin;
      } else if (EqualsIgnoreCase(a, "max")) {
        *aggregate = ZAggregate::kMax;
      } else {
        return RedisError(kErrSyntax);
      }
      j += 2;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  return Status::OK();
}

// ZUNIONSTORE/ZINTERSTORE dst numkeys key [key ...] [WEIGHTS w ...]
// [AGGREGATE SUM|MIN|MAX]
Status StoreGeneric(CommandContext& ctx, bool is_union, std::string_view name) {
  LSMDB_ASSIGN_OR_RETURN(int64_t numkeys, ParseInt64Arg(ctx.arg(2)));
  if (numkeys < 1) {
    return RedisError("ERR at least 1 input key is needed for '" + std::string(name) +
                      "' command");
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - 3)) return RedisError(kErrSyntax);
  const auto n = static_cast<size_t>(numkeys);
  Args keys = ArgsFrom(ctx, 3).subspan(0, n);
  std::vector<double> weights;
  ZAggregate aggregate = ZAggregate::kSum;
  Status options = ParseStoreOptions(ctx, 3 + n, n, &weights, &aggregate);
  if (!options.ok()) {
    // Redis type-checks the sources before it parses the options.
    for (std::string_view key : keys) {
      LSMDB_ASSIGN_OR_RETURN(RedisType t, ctx.keyspace().Type(ctx.db(), key));
      if (t != RedisType::kNone && t != RedisType::kZSet && t != RedisType::kSet) {
        return RedisError(kErrWrongType);
      }
    }
    return options;
  }
  LSMDB_ASSIGN_OR_RETURN(int64_t card, ZStore(ctx.keyspace(), ctx.committer(), ctx.db(),
                                              ctx.arg(1), keys, weights, aggregate, is_union));
  ctx.reply().Integer(card);
  return Status::OK();
}

Status CmdZUnionStore(CommandContext& ctx) { return StoreGeneric(ctx, true, "zunionstore"); }
Status CmdZInterStore(CommandContext& ctx) { return StoreGeneric(ctx, false, "zinterstore"); }

// Redis's d2string (the listpack form of a score, which ZSCAN returns).
std::string ScoreToString(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  constexpr double kHalfLLong = static_cast<double>(INT64_MAX / 2);
  if (v >= -kHalfLLong && v <= kHalfLLong) {
    auto ll = static_cast<long long>(v);
    if (static_cast<double>(ll) == v) return std::to_string(ll);
  }
  char buf[64];
  int len = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, len);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
Status CmdZScan(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(uint64_t cursor, ParseCursorArg(ctx.arg(2)));
  int64_t count = 10;
  std::string_view pattern;
  for (size_t i = 3; i < ctx.argc();) {
    const size_t left = ctx.argc() - i;
    if (EqualsIgnoreCase(ctx.arg(i), "count") && left >= 2) {
      LSMDB_ASSIGN_OR_RETURN(count, ParseInt64Arg(ctx.arg(i + 1)));
      if (count < 1) return RedisError(kErrSyntax);
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "match") && left >= 2) {
      pattern = ctx.arg(i + 1);
      if (pattern == "*") pattern = {};
      i += 2;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  LSMDB_ASSIGN_OR_RETURN(ZScanResult r, ZScan(ctx.keyspace(), ctx.db(), ctx.arg(1), cursor,
                                              pattern, static_cast<size_t>(count)));
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(r.cursor));
  ctx.reply().ArrayHeader(r.items.size() * 2);
  for (const auto& [member, score] : r.items) {
    ctx.reply().Bulk(member);
    ctx.reply().Bulk(ScoreToString(score));
  }
  return Status::OK();
}

// ZRANDMEMBER key [count [WITHSCORES]]
Status CmdZRandMember(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> one,
                           ZRandMember(ctx.keyspace(), ctx.db(), ctx.arg(1), 1));
    if (one.empty()) {
      ctx.reply().Null();
    } else {
      ctx.reply().Bulk(one[0].first);
    }
    return Status::OK();
  }
  LSMDB_ASSIGN_OR_RETURN(int64_t count, ParseInt64Arg(ctx.arg(2)));
  if (count == INT64_MIN) {
    return RedisError(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  }
  const bool withscores = ctx.argc() == 4;
  if (ctx.argc() > 4 || (withscores && !EqualsIgnoreCase(ctx.arg(3), "withscores"))) {
    return RedisError(kErrSyntax);
  }
  if (withscores && (count < -INT64_MAX / 2 || count > INT64_MAX / 2)) {
    return RedisError("ERR value is out of range");
  }
  LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> items,
                         ZRandMember(ctx.keyspace(), ctx.db(), ctx.arg(1), count));
  ReplyMembers(ctx, items, withscores);
  return Status::OK();
}

constexpr uint32_t kW = kCmdWrite;
constexpr uint32_t kR = kCmdReadOnly;
constexpr uint32_t kOom = kCmdDenyOom;
constexpr uint32_t kFast = kCmdFast;

// Arity, flags and key positions from Redis 7.0's src/commands/*.json. The
// sources of ZUNIONSTORE/ZINTERSTORE are movable keys (numkeys); the legacy
// {first, last, step} names only the destination, as Redis's does.
constexpr CommandSpec kZSetCommands[] = {
    {"zadd", -4, kW | kOom | kFast, {1, 1, 1}, CmdZAdd, "@write @sortedset @fast"},
    {"zincrby", 4, kW | kOom | kFast, {1, 1, 1}, CmdZIncrBy, "@write @sortedset @fast"},
    {"zrem", -3, kW | kFast, {1, 1, 1}, CmdZRem, "@write @sortedset @fast"},
    {"zcard", 2, kR | kFast, {1, 1, 1}, CmdZCard, "@read @sortedset @fast"},
    {"zscore", 3, kR | kFast, {1, 1, 1}, CmdZScore, "@read @sortedset @fast"},
    {"zmscore", -3, kR | kFast, {1, 1, 1}, CmdZMScore, "@read @sortedset @fast"},
    {"zrank", 3, kR | kFast, {1, 1, 1}, CmdZRank, "@read @sortedset @fast"},
    {"zrevrank", 3, kR | kFast, {1, 1, 1}, CmdZRevRank, "@read @sortedset @fast"},
    {"zrange", -4, kR, {1, 1, 1}, CmdZRange, "@read @sortedset @slow"},
    {"zrevrange", -4, kR, {1, 1, 1}, CmdZRevRange, "@read @sortedset @slow"},
    {"zrangebyscore", -4, kR, {1, 1, 1}, CmdZRangeByScore, "@read @sortedset @slow"},
    {"zrevrangebyscore", -4, kR, {1, 1, 1}, CmdZRevRangeByScore, "@read @sortedset @slow"},
    {"zrangebylex", -4, kR, {1, 1, 1}, CmdZRangeByLex, "@read @sortedset @slow"},
    {"zrevrangebylex", -4, kR, {1, 1, 1}, CmdZRevRangeByLex, "@read @sortedset @slow"},
    {"zcount", 4, kR | kFast, {1, 1, 1}, CmdZCount, "@read @sortedset @fast"},
    {"zlexcount", 4, kR | kFast, {1, 1, 1}, CmdZLexCount, "@read @sortedset @fast"},
    {"zpopmin", -2, kW | kFast, {1, 1, 1}, CmdZPopMin, "@write @sortedset @fast"},
    {"zpopmax", -2, kW | kFast, {1, 1, 1}, CmdZPopMax, "@write @sortedset @fast"},
    {"zremrangebyrank", 4, kW, {1, 1, 1}, CmdZRemRangeByRank, "@write @sortedset @slow"},
    {"zremrangebyscore", 4, kW, {1, 1, 1}, CmdZRemRangeByScore, "@write @sortedset @slow"},
    {"zremrangebylex", 4, kW, {1, 1, 1}, CmdZRemRangeByLex, "@write @sortedset @slow"},
    {"zunionstore", -4, kW | kOom, {1, 1, 1}, CmdZUnionStore, "@write @sortedset @slow"},
    {"zinterstore", -4, kW | kOom, {1, 1, 1}, CmdZInterStore, "@write @sortedset @slow"},
    {"zscan", -3, kR, {1, 1, 1}, CmdZScan, "@read @sortedset @slow"},
    {"zrandmember", -2, kR, {1, 1, 1}, CmdZRandMember, "@read @sortedset @slow"},
};

}  // namespace

void RegisterZSetCommands(CommandTable& table) { table.Add(kZSetCommands); }

}  // namespace lsmdb::server
