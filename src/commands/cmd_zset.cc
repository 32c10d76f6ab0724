// Sorted set commands: argument parsing and replies (Redis 7.0 t_zset.c). The
// data model and atomicity live in src/types/zset.h; a handler parses, calls
// one function there, and writes the reply.
//
// Scores go out through ReplyBuilder::Double, which is Redis's addReplyDouble:
// RESP2 a bulk string of "%.17g" ("1", "1.5", "inf"), RESP3 a double. WITHSCORES
// replies are flat [member, score, ...] in RESP2 and [[member, score], ...] in
// RESP3 (zrangeResultEmit*, genericZpopCommand, zrandmember).

#include "src/commands/cmd_zset.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <span>
#include <string>

#include "src/commands/arg_parse.h"
#include "src/commands/cmd_hash.h"
#include "src/commands/command_helpers.h"
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
  // One pair (the common case) lives on the stack.
  std::pair<double, std::string_view> one;
  std::vector<std::pair<double, std::string_view>> many;
  std::span<const std::pair<double, std::string_view>> pairs;
  if (rest == 2) {
    LSMDB_ASSIGN_OR_RETURN(one.first, ParseDouble(ctx.arg(i)));
    one.second = ctx.arg(i + 1);
    pairs = std::span<const std::pair<double, std::string_view>>(&one, 1);
  } else {
    many.reserve(rest / 2);
    for (; i < ctx.argc(); i += 2) {
      LSMDB_ASSIGN_OR_RETURN(double score, ParseDouble(ctx.arg(i)));
      many.emplace_back(score, ctx.arg(i + 1));
    }
    pairs = many;
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

using By = ZRangeQuery::By;

// Parses a range's two bounds as q->by says: ranks (start, stop), score
// bounds or lex bounds, each with Redis's error.
Status ParseRangeArgs(std::string_view min, std::string_view max, ZRangeQuery* q) {
  if (q->by == By::kRank) {
    LSMDB_ASSIGN_OR_RETURN(q->start, ParseInt64Arg(min));
    LSMDB_ASSIGN_OR_RETURN(q->stop, ParseInt64Arg(max));
  } else if (q->by == By::kScore) {
    LSMDB_ASSIGN_OR_RETURN(q->score, ParseScoreRange(min, max));
  } else {
    LSMDB_ASSIGN_OR_RETURN(q->lex, ParseLexRange(min, max));
  }
  return Status::OK();
}

enum class Direction { kAuto, kForward, kReverse };

// zrangeGenericCommand: ZRANGE, ZRANGESTORE and the older range commands,
// same parsing order and errors as Redis 7.0. `by` nullopt = BYSCORE/BYLEX
// may be given (default by rank). ZRANGESTORE (store) has dst at 1 and the
// source at 2 and takes no WITHSCORES.
Status RangeGeneric(CommandContext& ctx, std::optional<By> by, Direction dir, bool store = false) {
  const size_t src = store ? 2 : 1;
  bool withscores = false;
  ZRangeQuery q;
  for (size_t j = src + 3; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    std::string_view a = ctx.arg(j);
    if (!store && EqualsIgnoreCase(a, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      LSMDB_ASSIGN_OR_RETURN(q.limit.offset, ParseInt64Arg(ctx.arg(j + 1)));
      LSMDB_ASSIGN_OR_RETURN(q.limit.count, ParseInt64Arg(ctx.arg(j + 2)));
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(a, "rev")) {
      dir = Direction::kReverse;
    } else if (!by && EqualsIgnoreCase(a, "bylex")) {
      by = By::kLex;
    } else if (!by && EqualsIgnoreCase(a, "byscore")) {
      by = By::kScore;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  q.by = by.value_or(By::kRank);
  q.reverse = dir == Direction::kReverse;
  if (q.limit.count != -1 && q.by == By::kRank) {
    return RedisError(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (withscores && q.by == By::kLex) {
    return RedisError("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  std::string_view min_arg = ctx.arg(src + 1);
  std::string_view max_arg = ctx.arg(src + 2);
  if (q.reverse && q.by != By::kRank) std::swap(min_arg, max_arg);  // given as max, min
  LSMDB_RETURN_IF_ERROR(ParseRangeArgs(min_arg, max_arg, &q));
  if (store) {
    LSMDB_ASSIGN_OR_RETURN(int64_t n, ZRangeStore(ctx.keyspace(), ctx.committer(), ctx.db(),
                                                  ctx.arg(1), ctx.arg(src), q));
    ctx.reply().Integer(n);
    return Status::OK();
  }
  LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> items,
                         ZRange(ctx.keyspace(), ctx.db(), ctx.arg(src), q));
  ReplyMembers(ctx, items, withscores);
  return Status::OK();
}

Status CmdZRange(CommandContext& ctx) { return RangeGeneric(ctx, std::nullopt, Direction::kAuto); }
Status CmdZRangeStore(CommandContext& ctx) {
  return RangeGeneric(ctx, std::nullopt, Direction::kAuto, /*store=*/true);
}
Status CmdZRevRange(CommandContext& ctx) {
  return RangeGeneric(ctx, By::kRank, Direction::kReverse);
}
Status CmdZRangeByScore(CommandContext& ctx) {
  return RangeGeneric(ctx, By::kScore, Direction::kForward);
}
Status CmdZRevRangeByScore(CommandContext& ctx) {
  return RangeGeneric(ctx, By::kScore, Direction::kReverse);
}
Status CmdZRangeByLex(CommandContext& ctx) {
  return RangeGeneric(ctx, By::kLex, Direction::kForward);
}
Status CmdZRevRangeByLex(CommandContext& ctx) {
  return RangeGeneric(ctx, By::kLex, Direction::kReverse);
}

// ZCOUNT (by score) / ZLEXCOUNT (by lex) key min max.
Status CountGeneric(CommandContext& ctx, By by) {
  ZRangeQuery q;
  q.by = by;
  LSMDB_RETURN_IF_ERROR(ParseRangeArgs(ctx.arg(2), ctx.arg(3), &q));
  LSMDB_ASSIGN_OR_RETURN(int64_t n, ZCountRange(ctx.keyspace(), ctx.db(), ctx.arg(1), q));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdZCount(CommandContext& ctx) { return CountGeneric(ctx, By::kScore); }
Status CmdZLexCount(CommandContext& ctx) { return CountGeneric(ctx, By::kLex); }

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

// ZREMRANGEBYRANK / BYSCORE / BYLEX key min max.
Status RemRangeGeneric(CommandContext& ctx, By by) {
  ZRangeQuery q;
  q.by = by;
  LSMDB_RETURN_IF_ERROR(ParseRangeArgs(ctx.arg(2), ctx.arg(3), &q));
  LSMDB_ASSIGN_OR_RETURN(int64_t n,
                         ZRemRange(ctx.keyspace(), ctx.committer(), ctx.db(), ctx.arg(1), q));
  ctx.reply().Integer(n);
  return Status::OK();
}

Status CmdZRemRangeByRank(CommandContext& ctx) { return RemRangeGeneric(ctx, By::kRank); }
Status CmdZRemRangeByScore(CommandContext& ctx) { return RemRangeGeneric(ctx, By::kScore); }
Status CmdZRemRangeByLex(CommandContext& ctx) { return RemRangeGeneric(ctx, By::kLex); }

// The options after the keys of ZUNION, ZINTER, ZDIFF, ZINTERCARD and the
// STORE forms (zunionInterDiffGenericCommand).
struct CombineOptions {
  std::vector<double> weights;
  ZAggregate aggregate = ZAggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;  // ZINTERCARD; 0 = none
};

// Which command of the family a handler is.
struct CombineCommand {
  const char* name;  // for "at least 1 input key is needed for '<name>' command"
  ZSetOp op;
  bool store = false;      // dst at 1, numkeys at 2
  bool card_only = false;  // ZINTERCARD
};

Status ParseCombineOptions(CommandContext& ctx, const CombineCommand& cmd, size_t j, size_t numkeys,
                           CombineOptions* o) {
  const bool scored = cmd.op != ZSetOp::kDiff && !cmd.card_only;  // WEIGHTS, AGGREGATE
  while (j < ctx.argc()) {
    const size_t remaining = ctx.argc() - j;
    std::string_view a = ctx.arg(j);
    if (scored && remaining >= numkeys + 1 && EqualsIgnoreCase(a, "weights")) {
      ++j;
      o->weights.clear();
      for (size_t i = 0; i < numkeys; ++i, ++j) {
        LSMDB_ASSIGN_OR_RETURN(double v,
                               ParseDouble(ctx.arg(j), "ERR weight value is not a float"));
        o->weights.push_back(v);
      }
    } else if (scored && remaining >= 2 && EqualsIgnoreCase(a, "aggregate")) {
      std::string_view f = ctx.arg(j + 1);
      if (EqualsIgnoreCase(f, "sum")) {
        o->aggregate = ZAggregate::kSum;
      } else if (EqualsIgnoreCase(f, "min")) {
        o->aggregate = ZAggregate::kMin;
      } else if (EqualsIgnoreCase(f, "max")) {
        o->aggregate = ZAggregate::kMax;
      } else {
        return RedisError(kErrSyntax);
      }
      j += 2;
    } else if (!cmd.store && !cmd.card_only && EqualsIgnoreCase(a, "withscores")) {
      o->withscores = true;
      ++j;
    } else if (cmd.card_only && remaining >= 2 && EqualsIgnoreCase(a, "limit")) {
      // getPositiveLongFromObjectOrReply: one message for both faults.
      Result<int64_t> v = ParseInt64Arg(ctx.arg(j + 1));
      if (!v.ok() || *v < 0) return RedisError("ERR LIMIT can't be negative");
      o->limit = *v;
      j += 2;
    } else {
      return RedisError(kErrSyntax);
    }
  }
  return Status::OK();
}

// [dst] numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]
// [WITHSCORES] / [LIMIT limit].
Status CombineGeneric(CommandContext& ctx, const CombineCommand& cmd) {
  const size_t numkeys_idx = cmd.store ? 2 : 1;
  LSMDB_ASSIGN_OR_RETURN(int64_t numkeys, ParseInt64Arg(ctx.arg(numkeys_idx)));
  if (numkeys < 1) {
    return RedisError("ERR at least 1 input key is needed for '" + std::string(cmd.name) +
                      "' command");
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_idx - 1)) {
    return RedisError(kErrSyntax);
  }
  const auto n = static_cast<size_t>(numkeys);
  ZCombineSpec spec;
  spec.op = cmd.op;
  spec.keys = ArgsFrom(ctx, numkeys_idx + 1).subspan(0, n);
  CombineOptions o;
  Status options = ParseCombineOptions(ctx, cmd, numkeys_idx + 1 + n, n, &o);
  if (!options.ok()) {
    // Redis type-checks the sources before it parses the options.
    for (std::string_view key : spec.keys) {
      LSMDB_ASSIGN_OR_RETURN(RedisType t, ctx.keyspace().Type(ctx.db(), key));
      if (t != RedisType::kNone && t != RedisType::kZSet && t != RedisType::kSet) {
        return RedisError(kErrWrongType);
      }
    }
    return options;
  }
  spec.weights = o.weights;
  spec.aggregate = o.aggregate;
  Keyspace& ks = ctx.keyspace();
  if (cmd.store) {
    LSMDB_ASSIGN_OR_RETURN(int64_t card,
                           ZCombineStore(ks, ctx.committer(), ctx.db(), ctx.arg(1), spec));
    ctx.reply().Integer(card);
  } else if (cmd.card_only) {
    LSMDB_ASSIGN_OR_RETURN(int64_t card,
                           ZInterCard(ks, ctx.db(), spec.keys, static_cast<uint64_t>(o.limit)));
    ctx.reply().Integer(card);
  } else {
    LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> items, ZCombine(ks, ctx.db(), spec));
    ReplyMembers(ctx, items, o.withscores);
  }
  return Status::OK();
}

Status CmdZUnionStore(CommandContext& ctx) {
  return CombineGeneric(ctx, {"zunionstore", ZSetOp::kUnion, true, false});
}
Status CmdZInterStore(CommandContext& ctx) {
  return CombineGeneric(ctx, {"zinterstore", ZSetOp::kInter, true, false});
}
Status CmdZDiffStore(CommandContext& ctx) {
  return CombineGeneric(ctx, {"zdiffstore", ZSetOp::kDiff, true, false});
}
Status CmdZUnion(CommandContext& ctx) {
  return CombineGeneric(ctx, {"zunion", ZSetOp::kUnion, false, false});
}
Status CmdZInter(CommandContext& ctx) {
  return CombineGeneric(ctx, {"zinter", ZSetOp::kInter, false, false});
}
Status CmdZDiff(CommandContext& ctx) {
  return CombineGeneric(ctx, {"zdiff", ZSetOp::kDiff, false, false});
}
Status CmdZInterCard(CommandContext& ctx) {
  return CombineGeneric(ctx, {"zintercard", ZSetOp::kInter, false, true});
}

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

// ZSCAN key cursor [MATCH pattern] [COUNT count]: as HSCAN/SSCAN
// (CmdElementScan), the key is looked up before the options are parsed.
Status CmdZScan(CommandContext& ctx) {
  LSMDB_ASSIGN_OR_RETURN(uint64_t cursor, ParseCursorArg(ctx.arg(2)));
  LSMDB_ASSIGN_OR_RETURN(int64_t card, ZCard(ctx.keyspace(), ctx.db(), ctx.arg(1)));
  ElementScanOptions o;
  if (card > 0) {
    LSMDB_ASSIGN_OR_RETURN(o, ParseElementScanOptions(ctx));
  }
  const std::string_view pattern = o.pattern == "*" ? std::string_view() : o.pattern;
  const size_t count = o.count;
  LSMDB_ASSIGN_OR_RETURN(ZScanResult r,
                         ZScan(ctx.keyspace(), ctx.db(), ctx.arg(1), cursor, pattern, count));
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
  LSMDB_ASSIGN_OR_RETURN(int64_t count, ParseRandomCountArg(ctx.arg(2)));
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
// sources of ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE are movable keys (numkeys);
// the legacy {first, last, step} names only the destination, as Redis's does,
// and ZUNION/ZINTER/ZDIFF/ZINTERCARD have none ({0, 0, 0}).
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
    {"zunionstore", -4, kW | kOom, {1, 1, 1, 2}, CmdZUnionStore, "@write @sortedset @slow"},
    {"zinterstore", -4, kW | kOom, {1, 1, 1, 2}, CmdZInterStore, "@write @sortedset @slow"},
    {"zdiffstore", -4, kW | kOom, {1, 1, 1, 2}, CmdZDiffStore, "@write @sortedset @slow"},
    {"zunion", -3, kR, {0, 0, 0, 1}, CmdZUnion, "@read @sortedset @slow"},
    {"zinter", -3, kR, {0, 0, 0, 1}, CmdZInter, "@read @sortedset @slow"},
    {"zdiff", -3, kR, {0, 0, 0, 1}, CmdZDiff, "@read @sortedset @slow"},
    {"zintercard", -3, kR, {0, 0, 0, 1}, CmdZInterCard, "@read @sortedset @slow"},
    {"zrangestore", -5, kW | kOom, {1, 2, 1}, CmdZRangeStore, "@write @sortedset @slow"},
    {"zscan", -3, kR, {1, 1, 1}, CmdZScan, "@read @sortedset @slow"},
    {"zrandmember", -2, kR, {1, 1, 1}, CmdZRandMember, "@read @sortedset @slow"},
};

}  // namespace

void RegisterZSetCommands(CommandTable& table) { table.Add(kZSetCommands); }

}  // namespace lsmdb::server
