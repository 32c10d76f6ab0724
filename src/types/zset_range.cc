// Sorted sets: the range commands (ZRANGE in all its forms, ZRANGESTORE,
// ZCOUNT/ZLEXCOUNT, ZREMRANGEBY*, ZPOPMIN/ZPOPMAX) and the parsing of their
// bounds. The layout is drawn at the top of zset.h; helpers shared with the
// other zset files are in zset_internal.h.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "lsmdb/db.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"
#include "src/types/snapshot_reader.h"
#include "src/types/zset.h"
#include "src/types/zset_internal.h"

namespace lsmdb::server {

using zset_detail::DeleteMember;
using zset_detail::IndexCursor;
using zset_detail::PutMeta;
using zset_detail::ReadTyped;
using zset_detail::StoreWholeZSet;
using zset_detail::ZKeys;

namespace {

bool AboveMin(double s, const ScoreRange& r) { return r.min_exclusive ? s > r.min : s >= r.min; }
bool BelowMax(double s, const ScoreRange& r) { return r.max_exclusive ? s < r.max : s <= r.max; }
// True if `m` is inside bound `b`: at or above it when `b` is a range's min,
// at or below it when a max (exclusive bounds exclude their own value).
bool LexInside(std::string_view m, const LexBound& b, bool is_min) {
  switch (b.kind) {
    case LexBound::Kind::kMinusInf:
      return is_min;
    case LexBound::Kind::kPlusInf:
      return !is_min;
    case LexBound::Kind::kInclusive:
      return is_min ? m >= b.value : m <= b.value;
    case LexBound::Kind::kExclusive:
      return is_min ? m > b.value : m < b.value;
  }
  return false;
}
bool LexAboveMin(std::string_view m, const LexBound& b) { return LexInside(m, b, true); }
bool LexBelowMax(std::string_view m, const LexBound& b) { return LexInside(m, b, false); }
bool IsFinite(const LexBound& b) {
  return b.kind == LexBound::Kind::kInclusive || b.kind == LexBound::Kind::kExclusive;
}

// Calls fn(score, member) for the members in `range`, ascending (or
// descending when reverse), until fn returns false.
template <typename Fn>
Status VisitScoreRange(Keyspace& ks, const lsmdb::ReadOptions& ro, const ZKeys& keys,
                       const ScoreRange& range, bool reverse, Fn&& fn) {
  IndexCursor cur(ks.engine(), ro, keys.index_prefix(), reverse);
  if (reverse) {
    cur.SeekTo(PrefixSuccessor(keys.index_prefix() + EncodeScore(range.max)));
  } else {
    cur.SeekTo(keys.index_prefix() + EncodeScore(range.min));
  }
  for (; cur.Valid(); cur.Next()) {
    const double s = cur.score();
    // Entries on the near side of the starting bound (an exclusive bound's
    // own score, or the successor key) are skipped; the far bound stops.
    if (reverse ? !BelowMax(s, range) : !AboveMin(s, range)) continue;
    if (reverse ? !AboveMin(s, range) : !BelowMax(s, range)) break;
    if (!fn(s, cur.member())) break;
  }
  return cur.status();
}

// Same for a lex range. Like Redis, assumes every score is equal: it starts
// at the bound within the score of the first (last) entry.
template <typename Fn>
Status VisitLexRange(Keyspace& ks, const lsmdb::ReadOptions& ro, const ZKeys& keys,
                     const LexRange& range, bool reverse, Fn&& fn) {
  IndexCursor cur(ks.engine(), ro, keys.index_prefix(), reverse);
  cur.SeekToStart();
  const LexBound& start = reverse ? range.max : range.min;
  if (cur.Valid() && IsFinite(start)) {
    std::string target = keys.index_prefix() + EncodeScore(cur.score()) + start.value;
    cur.SeekTo(target);
  }
  for (; cur.Valid(); cur.Next()) {
    std::string_view m = cur.member();
    if (reverse ? !LexBelowMax(m, range.max) : !LexAboveMin(m, range.min)) continue;
    if (reverse ? !LexAboveMin(m, range.min) : !LexBelowMax(m, range.max)) break;
    if (!fn(cur.score(), m)) break;
  }
  return cur.status();
}

// The members at ranks [first, last] (0 <= first <= last < card) in walk
// order (descending when reverse). Walks from whichever end is nearer.
Result<std::vector<ScoredMember>> RankRange(Keyspace& ks, const lsmdb::ReadOptions& ro,
                                            const ZKeys& keys, uint64_t card, uint64_t first,
                                            uint64_t last, bool reverse) {
  std::vector<ScoredMember> out;
  out.reserve(last - first + 1);
  const bool flip = card - 1 - last < first;
  const uint64_t skip = flip ? card - 1 - last : first;
  IndexCursor cur(ks.engine(), ro, keys.index_prefix(), reverse != flip);
  cur.SeekToStart();
  for (uint64_t i = 0; i < skip && cur.Valid(); ++i) cur.Next();
  for (uint64_t n = last - first + 1; n > 0 && cur.Valid(); --n, cur.Next()) {
    out.emplace_back(std::string(cur.member()), cur.score());
  }
  LSMDB_RETURN_IF_ERROR(cur.status());
  if (flip) std::reverse(out.begin(), out.end());
  return out;
}

// Applies LIMIT offset/count to a range walk: returns a callback wrapper
// state. offset < 0 yields nothing (Redis walks past the end).
struct LimitState {
  explicit LimitState(const RangeLimit& limit) : skip(limit.offset), left(limit.count) {}
  bool Empty() const { return skip < 0 || left == 0; }
  // True if this entry is taken; *more false once the count is reached.
  bool Take(bool* more) {
    if (skip > 0) {
      --skip;
      *more = true;
      return false;
    }
    if (left > 0) --left;
    *more = left != 0;
    return true;
  }
  int64_t skip;
  int64_t left;  // < 0: unlimited
};

// Calls fn(score, member) over a score or lex query's range in walk order.
template <typename Fn>
Status VisitRange(Keyspace& ks, const lsmdb::ReadOptions& ro, const ZKeys& keys,
                  const ZRangeQuery& q, Fn&& fn) {
  if (q.by == ZRangeQuery::By::kLex) return VisitLexRange(ks, ro, keys, q.lex, q.reverse, fn);
  return VisitScoreRange(ks, ro, keys, q.score, q.reverse, fn);
}

// The members of the query's range of the zset `meta`, in walk order (LIMIT
// applied). `honor_limit` false reads the whole range (ZREMRANGEBY*).
Result<std::vector<ScoredMember>> ReadRange(Keyspace& ks, const lsmdb::ReadOptions& ro,
                                            const ZKeys& keys, const Metadata& meta,
                                            const ZRangeQuery& q, bool honor_limit = true) {
  std::vector<ScoredMember> out;
  if (q.by == ZRangeQuery::By::kRank) {
    int64_t first, last;
    if (!NormalizeIndexRange(q.start, q.stop, static_cast<int64_t>(meta.count), &first, &last)) {
      return out;
    }
    return RankRange(ks, ro, keys, meta.count, first, last, q.reverse);
  }
  LimitState lim(honor_limit ? q.limit : RangeLimit{});
  if (lim.Empty()) return out;
  LSMDB_RETURN_IF_ERROR(VisitRange(ks, ro, keys, q, [&](double s, std::string_view m) {
    bool more;
    if (lim.Take(&more)) out.emplace_back(m, s);
    return more;
  }));
  return out;
}

// The common tail of the ZREMRANGEBY* commands: removes `victims` (members
// of the zset at meta_key) in one batch.
Result<int64_t> RemoveMembers(Committer& c, const std::string& meta_key, Metadata& meta,
                              const ZKeys& keys, const std::vector<ScoredMember>& victims) {
  if (victims.empty()) return int64_t{0};
  WriteBatch batch;
  for (const auto& [member, score] : victims) DeleteMember(batch, keys, member, score);
  meta.count -= victims.size();
  PutMeta(batch, meta_key, meta);
  LSMDB_RETURN_IF_ERROR(c.Commit(batch));
  return static_cast<int64_t>(victims.size());
}

}  // namespace

bool ParseScoreBound(std::string_view arg, double* value, bool* exclusive) {
  // zslParseRange: strtod over the whole argument (after an optional '('),
  // so "" and "(" parse as 0 like in Redis; NaN is refused.
  *exclusive = !arg.empty() && arg[0] == '(';
  if (*exclusive) arg.remove_prefix(1);
  std::string s(arg);
  char* end = nullptr;
  *value = std::strtod(s.c_str(), &end);
  return *end == '\0' && !std::isnan(*value);
}

bool ParseLexBound(std::string_view arg, LexBound* out) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
      if (arg.size() != 1) return false;
      out->kind = LexBound::Kind::kPlusInf;
      return true;
    case '-':
      if (arg.size() != 1) return false;
      out->kind = LexBound::Kind::kMinusInf;
      return true;
    case '(':
      out->kind = LexBound::Kind::kExclusive;
      out->value.assign(arg.substr(1));
      return true;
    case '[':
      out->kind = LexBound::Kind::kInclusive;
      out->value.assign(arg.substr(1));
      return true;
    default:
      return false;
  }
}

ZRangeQuery ZRangeQuery::Rank(int64_t start, int64_t stop, bool reverse) {
  ZRangeQuery q;
  q.reverse = reverse;
  q.start = start;
  q.stop = stop;
  return q;
}

ZRangeQuery ZRangeQuery::Score(const ScoreRange& range, bool reverse, RangeLimit limit) {
  ZRangeQuery q = Rank(0, -1, reverse);
  q.by = By::kScore;
  q.score = range;
  q.limit = limit;
  return q;
}

ZRangeQuery ZRangeQuery::Lex(const LexRange& range, bool reverse, RangeLimit limit) {
  ZRangeQuery q = Score({}, reverse, limit);
  q.by = By::kLex;
  q.lex = range;
  return q;
}

Result<std::vector<ScoredMember>> ZRange(Keyspace& ks, int db, std::string_view key,
                                         const ZRangeQuery& query) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  if (!meta) return std::vector<ScoredMember>();
  return ReadRange(ks, snap.options(), ZKeys(db, key, meta->version), *meta, query);
}

Result<int64_t> ZRangeStore(Keyspace& ks, Committer& c, int db, std::string_view dst,
                            std::string_view src, const ZRangeQuery& query) {
  KeyLockGuard lock(ks.locks(), std::vector<int>{db}, std::vector<std::string_view>{src, dst});
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, ks.MetaKeyFor(db, src)));
  std::vector<ScoredMember> members;
  if (meta) {
    LSMDB_ASSIGN_OR_RETURN(
        members, ReadRange(ks, lsmdb::ReadOptions{}, ZKeys(db, src, meta->version), *meta, query));
  }
  return StoreWholeZSet(ks, c, db, dst, members);
}

Result<int64_t> ZCountRange(Keyspace& ks, int db, std::string_view key, const ZRangeQuery& query) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  int64_t n = 0;
  if (!meta) return n;
  ZRangeQuery forward = query;
  forward.reverse = false;
  LSMDB_RETURN_IF_ERROR(VisitRange(ks, snap.options(), ZKeys(db, key, meta->version), forward,
                                   [&](double, std::string_view) {
                                     ++n;
                                     return true;
                                   }));
  return n;
}

Result<int64_t> ZRemRange(Keyspace& ks, Committer& c, int db, std::string_view key,
                          const ZRangeQuery& query) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, meta_key));
  if (!meta) return int64_t{0};
  const ZKeys keys(db, key, meta->version);
  ZRangeQuery forward = query;
  forward.reverse = false;
  LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> victims,
                         ReadRange(ks, lsmdb::ReadOptions{}, keys, *meta, forward, false));
  return RemoveMembers(c, meta_key, *meta, keys, victims);
}

Result<std::vector<std::pair<std::string, double>>> ZPop(Keyspace& ks, Committer& c, int db,
                                                         std::string_view key, bool max,
                                                         size_t count) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, meta_key));
  if (!meta || count == 0) return std::vector<ScoredMember>();
  const ZKeys keys(db, key, meta->version);
  const uint64_t n = std::min<uint64_t>(count, meta->count);
  LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> popped,
                         RankRange(ks, lsmdb::ReadOptions{}, keys, meta->count, 0, n - 1, max));
  LSMDB_RETURN_IF_ERROR(RemoveMembers(c, meta_key, *meta, keys, popped).status());
  return popped;
}

}  // namespace lsmdb::server
