#pragma once

// Redis sorted sets over the engine (layout in src/types/encoding.h):
//
//   metadata body := version | count
//   member record := ElementKey(db, key, version, member) -> score: fixed64 LE (double bits)
//   score index   := ScoreIndexPrefix(db, key, version) | EncodeScore(score): 8 bytes | member
//                    -> ""
//
// Every member has exactly one member record and one score index record with
// the same score. The index sorts by (score, member bytes), Redis's zset
// order, so rank/score/lex ranges are engine range scans; lex ranges assume,
// as Redis does, that all scores are equal. -0.0 is indexed as 0.0 (they
// compare equal in Redis) while the member record keeps the exact bits.
//
// Costs: ZSCORE/ZMSCORE/ZADD/ZREM per member are Gets; ZCARD is O(1). There
// is no rank index: ZRANK/ZREVRANK walk the score index from both ends at
// once (O(min(rank, N - rank))), ZRANGE by rank and ZREMRANGEBYRANK skip to
// the rank from the nearer end; ZCOUNT/ZLEXCOUNT scan the range (O(matches));
// ZRANDMEMBER reads every member record (O(N)); ZSCAN reads `count` records.
// ZUNION* read every source whole; ZINTER*/ZINTERCARD read the smallest
// source whole and look its members up in the others (Gets); ZDIFF* read the
// first source whole and look its members up in the others.
//
// Contracts shared by every function (as in keyspace.h and list.h): `db` is
// in [0, kNumDbs); an expired key is absent; a key of another type is
// RedisError(kErrWrongType); a write holds the key's stripe lock(s) from its
// first read until Commit returns and commits one WriteBatch; removing the
// last member deletes the key. On any error nothing was written.
// Thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsmdb/status.h"
#include "src/types/committer.h"

namespace lsmdb::server {

class Keyspace;

// A member and its score.
using ScoredMember = std::pair<std::string, double>;

// The 8-byte order-preserving form of a score in the index: big-endian IEEE
// bits with the sign bit flipped for positives and all bits flipped for
// negatives, so memcmp order == numeric order. -0.0 encodes as 0.0.
std::string EncodeScore(double score);
double DecodeScore(std::string_view bytes);  // REQUIRES: bytes.size() >= 8

// ---- ZADD ----

struct ZAddOptions {
  bool nx = false;    // only add new members
  bool xx = false;    // only update existing members
  bool gt = false;    // only update when the new score is greater
  bool lt = false;    // only update when the new score is less
  bool ch = false;    // count changed members in the reply
  bool incr = false;  // ZINCRBY semantics (exactly one pair)
};

struct ZAddResult {
  int64_t added = 0;    // new members
  int64_t changed = 0;  // new members plus members whose score changed
  // incr only: the member's new score; nullopt if a condition (NX/XX/GT/LT)
  // stopped it (the reply is then nil).
  std::optional<double> score;
};

// ZADD/ZINCRBY. The handler has validated the option combination (see
// cmd_zset.cc) and parsed the scores (never NaN). Pairs are applied in order;
// a repeated member sees the effect of its earlier pairs. With incr, a sum
// that is NaN (inf + -inf) is "ERR resulting score is not a number (NaN)"
// and nothing is written.
Result<ZAddResult> ZAdd(Keyspace& ks, Committer& c, int db, std::string_view key,
                        const ZAddOptions& options,
                        std::span<const std::pair<double, std::string_view>> pairs);

// ZREM: how many of the members existed (and were removed).
Result<int64_t> ZRem(Keyspace& ks, Committer& c, int db, std::string_view key,
                     std::span<const std::string_view> members);

// ZCARD: 0 if absent. O(1).
Result<int64_t> ZCard(Keyspace& ks, int db, std::string_view key);

// ZSCORE: nullopt if the key or member is absent.
Result<std::optional<double>> ZScore(Keyspace& ks, int db, std::string_view key,
                                     std::string_view member);
// ZMSCORE: one entry per member.
Result<std::vector<std::optional<double>>> ZMScore(Keyspace& ks, int db, std::string_view key,
                                                   std::span<const std::string_view> members);

// ZRANK (reverse = false) / ZREVRANK: the 0-based rank, nullopt if the key
// or member is absent. O(min(rank, N - rank)) index steps.
Result<std::optional<int64_t>> ZRank(Keyspace& ks, int db, std::string_view key,
                                     std::string_view member, bool reverse);

// ---- ranges ----

// Redis's zrangespec: min/max with exclusivity ("(1.5", "-inf", "+inf").
struct ScoreRange {
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;
};
// Parses a ZRANGEBYSCORE bound into *value/*exclusive; false if it is not a
// float (or is NaN): the caller replies "ERR min or max is not a float".
bool ParseScoreBound(std::string_view arg, double* value, bool* exclusive);

// Redis's zlexrangespec: "-" (minus infinity), "+" (plus infinity), "[x"
// (inclusive) or "(x" (exclusive).
struct LexBound {
  enum class Kind : uint8_t { kMinusInf, kPlusInf, kInclusive, kExclusive };
  Kind kind = Kind::kMinusInf;
  std::string value;
};
struct LexRange {
  LexBound min;
  LexBound max;
};
// False if `arg` is not a lex bound: the caller replies "ERR min or max not
// valid string range item".
bool ParseLexBound(std::string_view arg, LexBound* out);

// LIMIT offset count of the range commands; count < 0 = no limit. Redis
// returns nothing for a negative offset.
struct RangeLimit {
  int64_t offset = 0;
  int64_t count = -1;
};

// A ZRANGE-family query, as zrangeGenericCommand has it after parsing.
struct ZRangeQuery {
  enum class By : uint8_t { kRank, kScore, kLex };
  By by = By::kRank;
  bool reverse = false;  // walk from the high end (bounds stay min/max)
  int64_t start = 0;     // kRank: Redis index rules (negative = from the end)
  int64_t stop = -1;
  ScoreRange score;  // kScore
  LexRange lex;      // kLex
  RangeLimit limit;  // kScore and kLex only

  // Shorthands for the three kinds.
  static ZRangeQuery Rank(int64_t start, int64_t stop, bool reverse = false);
  static ZRangeQuery Score(const ScoreRange& range, bool reverse = false, RangeLimit limit = {});
  static ZRangeQuery Lex(const LexRange& range, bool reverse = false, RangeLimit limit = {});
};

// ZRANGE (all forms): the members in the query's range, in walk order.
// Empty if the key is absent.
Result<std::vector<ScoredMember>> ZRange(Keyspace& ks, int db, std::string_view key,
                                         const ZRangeQuery& query);

// ZRANGESTORE: the range of `src` (WRONGTYPE unless a zset) replaces `dst`
// (whatever it held; fresh version, no TTL). An empty range deletes dst.
// Returns the stored cardinality.
Result<int64_t> ZRangeStore(Keyspace& ks, Committer& c, int db, std::string_view dst,
                            std::string_view src, const ZRangeQuery& query);

// ZCOUNT / ZLEXCOUNT (query.by kScore / kLex; limit and reverse ignored):
// members in the range. O(matches).
Result<int64_t> ZCountRange(Keyspace& ks, int db, std::string_view key, const ZRangeQuery& query);

// ZREMRANGEBYRANK / BYSCORE / BYLEX (limit and reverse ignored): how many
// members were removed.
Result<int64_t> ZRemRange(Keyspace& ks, Committer& c, int db, std::string_view key,
                          const ZRangeQuery& query);

// ZPOPMIN (max = false) / ZPOPMAX: removes and returns up to `count` members
// from the low (high) end, in pop order. Empty if the key is absent or count
// is 0 (nothing written). Used by the blocking pops too.
Result<std::vector<std::pair<std::string, double>>> ZPop(Keyspace& ks, Committer& c, int db,
                                                         std::string_view key, bool max,
                                                         size_t count);

// ---- multi-key ----

enum class ZAggregate : uint8_t { kSum, kMin, kMax };
enum class ZSetOp : uint8_t { kUnion, kInter, kDiff };

// The inputs of ZUNION/ZINTER/ZDIFF/ZINTERCARD and their STORE forms
// (zunionInterDiffGenericCommand). Sources are sorted sets, or sets whose
// members count with score 1; an absent key is empty; anything else is
// WRONGTYPE (every source is checked before any is read). Each score is
// multiplied by its source's weight (empty = all 1; else one per key;
// 0 * inf = 0). kUnion/kInter combine the weighted scores of a member with
// `aggregate` (inf + -inf = 0). kDiff keeps the members of the first source
// that are in no other, with their first-source scores (weights and aggregate
// unused).
struct ZCombineSpec {
  ZSetOp op = ZSetOp::kUnion;
  std::span<const std::string_view> keys;  // non-empty
  std::span<const double> weights;
  ZAggregate aggregate = ZAggregate::kSum;
};

// ZUNION/ZINTER/ZDIFF: the result in zset order (score, then member bytes).
Result<std::vector<ScoredMember>> ZCombine(Keyspace& ks, int db, const ZCombineSpec& spec);

// ZINTERCARD: the size of the intersection of `keys`, counting stops at
// `limit` (0 = no limit).
Result<int64_t> ZInterCard(Keyspace& ks, int db, std::span<const std::string_view> keys,
                           uint64_t limit);

// ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE: stores the result in `dst` (replacing
// whatever was there: fresh version, no TTL; an empty result deletes dst).
// Returns the result's cardinality.
Result<int64_t> ZCombineStore(Keyspace& ks, Committer& c, int db, std::string_view dst,
                              const ZCombineSpec& spec);

// ZRANDMEMBER key count: count >= 0: up to count distinct members; count < 0:
// |count| members, repeats allowed. Empty if the key is absent. Reads all
// members (O(N)).
Result<std::vector<ScoredMember>> ZRandMember(Keyspace& ks, int db, std::string_view key,
                                              int64_t count);

struct ZScanResult {
  uint64_t cursor = 0;  // 0 = done
  std::vector<ScoredMember> items;
};
// ZSCAN: examines up to `count` members (member order) after `cursor` and
// returns those matching the glob `pattern` (empty = all). Cursors come from
// a process-wide table (scan_cursors.h); an unknown cursor is "ERR invalid
// cursor". Every member present for the whole iteration is returned once.
Result<ZScanResult> ZScan(Keyspace& ks, int db, std::string_view key, uint64_t cursor,
                          std::string_view pattern, size_t count);

}  // namespace lsmdb::server
