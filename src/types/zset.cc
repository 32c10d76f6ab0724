// Redis sorted sets (Redis 7.0 t_zset.c semantics). The layout is drawn at
// the top of zset.h:
//
//   'M' meta ...  | version | count
//   'S' | db | len | key | version BE | member               -> score: fixed64 LE bits
//   'Z' | db | len | key | version BE | EncodeScore(score) | member  -> ""
//
// Reads that touch more than one record pin a snapshot (metadata and records
// of one moment); writes hold the key's stripe lock.

#include "src/types/zset.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "lsmdb/db.h"
#include "src/server/redis_error.h"
#include "src/types/glob.h"
#include "src/types/keyspace.h"
#include "src/types/snapshot_reader.h"
#include "src/types/scan_cursors.h"

namespace lsmdb::server {

namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xff);
  dst->append(buf, 8);
}

uint64_t GetFixed64(const char* p, bool big_endian) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | static_cast<unsigned char>(p[big_endian ? i : 7 - i]);
  }
  return v;
}

std::string EncodeMemberValue(double score) {
  auto bits = std::bit_cast<uint64_t>(score);
  std::string v(8, '\0');
  for (int i = 0; i < 8; ++i) v[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
  return v;
}

Result<double> DecodeMemberValue(std::string_view v) {
  if (v.size() != 8) return Status::Corruption("bad zset member record");
  return std::bit_cast<double>(GetFixed64(v.data(), false));
}

// The live metadata at `meta_key` if it is of type `want` (or, when
// `also_set`, a set): nullopt if absent or expired, WRONGTYPE otherwise.
Result<std::optional<Metadata>> ReadTyped(Keyspace& ks, std::string_view meta_key,
                                          const lsmdb::ReadOptions& ro = lsmdb::ReadOptions{},
                                          bool also_set = false) {
  LSMDB_RETURN_IF_ERROR(ks.status());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ks.ReadLive(meta_key, ks.NowMs(), ro.snapshot));
  if (meta && meta->type != RedisType::kZSet && !(also_set && meta->type == RedisType::kSet)) {
    return RedisError(kErrWrongType);
  }
  return meta;
}

Metadata NewZSet(Keyspace& ks) {
  Metadata meta;
  meta.type = RedisType::kZSet;
  meta.version = ks.NewVersion();
  return meta;
}

// Key builders for one zset version.
class ZKeys {
 public:
  // The index prefix is built on first use (ZADD of an unchanged score never
  // needs it).
  ZKeys(int db, std::string_view key, uint64_t version)
      : db_(db), key_(key), version_(version), member_prefix_(ElementPrefix(db, key, version)) {}
  const std::string& member_prefix() const { return member_prefix_; }
  const std::string& index_prefix() const {
    if (index_prefix_.empty()) index_prefix_ = ScoreIndexPrefix(db_, key_, version_);
    return index_prefix_;
  }
  std::string Member(std::string_view member) const {
    std::string k;
    k.reserve(member_prefix_.size() + member.size());
    k.append(member_prefix_).append(member);
    return k;
  }
  std::string Index(double score, std::string_view member) const {
    const std::string& prefix = index_prefix();
    std::string k;
    k.reserve(prefix.size() + 8 + member.size());
    k.append(prefix).append(EncodeScore(score)).append(member);
    return k;
  }

 private:
  int db_;
  std::string_view key_;  // the caller's: ZKeys never outlives it
  uint64_t version_;
  std::string member_prefix_;
  mutable std::string index_prefix_;  // empty until index_prefix()
};

Result<std::optional<double>> GetScore(Keyspace& ks, const lsmdb::ReadOptions& ro,
                                       const ZKeys& keys, std::string_view member) {
  std::string value;
  LSMDB_ASSIGN_OR_RETURN(bool found, ks.engine()->Get(ro, keys.Member(member), &value));
  if (!found) return std::optional<double>();
  LSMDB_ASSIGN_OR_RETURN(double score, DecodeMemberValue(value));
  return std::optional<double>(score);
}

// Stores -0.0 as 0.0, as Redis's listpack encoding does (it reads "-0" back
// as the integer 0), so ZSCORE answers "0".
void PutMember(WriteBatch& batch, const ZKeys& keys, std::string_view member, double score) {
  if (score == 0) score = 0.0;
  batch.Put(keys.Member(member), EncodeMemberValue(score));
  batch.Put(keys.Index(score, member), std::string_view());
}

void DeleteMember(WriteBatch& batch, const ZKeys& keys, std::string_view member, double score) {
  batch.Delete(keys.Member(member));
  batch.Delete(keys.Index(score, member));
}

// Writes `meta` back, or deletes the key when the zset became empty.
void PutMeta(WriteBatch& batch, std::string_view meta_key, const Metadata& meta) {
  if (meta.count == 0) {
    batch.Delete(meta_key);
  } else {
    batch.Put(meta_key, EncodeMetadata(meta));
  }
}

// Walks the score index of one zset version, ascending or descending.
class IndexCursor {
 public:
  IndexCursor(lsmdb::DB* db, const lsmdb::ReadOptions& ro, const std::string& prefix, bool reverse)
      : it_(db->NewIterator(ro)), prefix_(prefix), reverse_(reverse) {}

  // The first entry in walk order.
  void SeekToStart() {
    if (reverse_) {
      it_->SeekForPrev(PrefixSuccessor(prefix_));
    } else {
      it_->Seek(prefix_);
    }
  }
  // Forward: the first entry >= target; reverse: the last entry <= target.
  void SeekTo(std::string_view target) {
    if (reverse_) {
      it_->SeekForPrev(target);
    } else {
      it_->Seek(target);
    }
  }
  bool Valid() const {
    if (!it_->Valid()) return false;
    std::string_view k = it_->key();
    return k.size() >= prefix_.size() + 8 && k.substr(0, prefix_.size()) == prefix_;
  }
  double score() const { return DecodeScore(it_->key().substr(prefix_.size(), 8)); }
  std::string_view member() const { return it_->key().substr(prefix_.size() + 8); }
  std::string_view key() const { return it_->key(); }
  void Next() {
    if (reverse_) {
      it_->Prev();
    } else {
      it_->Next();
    }
  }
  Status status() const { return it_->status(); }

 private:
  std::unique_ptr<lsmdb::Iterator> it_;
  const std::string& prefix_;
  const bool reverse_;
};

bool AboveMin(double s, const ScoreRange& r) {
  return r.min_exclusive ? s > r.min : s >= r.min;
}
bool BelowMax(double s, const ScoreRange& r) {
  return r.max_exclusive ? s < r.max : s <= r.max;
}
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

// Redis's rank normalisation: false if the range is empty.
bool NormalizeRanks(int64_t start, int64_t stop, int64_t len, int64_t* first, int64_t* last) {
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return false;
  if (stop >= len) stop = len - 1;
  *first = start;
  *last = stop;
  return true;
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

// Reads every member record of a zset (or a set: score 1) into `out`.
Status ReadAllMembers(Keyspace& ks, const lsmdb::ReadOptions& ro, int db, std::string_view key,
                      const Metadata& meta, std::vector<ScoredMember>* out) {
  const std::string prefix = ElementPrefix(db, key, meta.version);
  std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(ro);
  out->reserve(out->size() + meta.count);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    double score = 1.0;
    if (meta.type == RedisType::kZSet) {
      LSMDB_ASSIGN_OR_RETURN(score, DecodeMemberValue(it->value()));
    }
    out->emplace_back(std::string(it->key().substr(prefix.size())), score);
  }
  return it->status();
}

ScanCursorTable& ZScanCursors() {
  static ScanCursorTable table(static_cast<uint64_t>(RealClockMs() % 1000000000) * 1000 + 7);
  return table;
}

}  // namespace

std::string EncodeScore(double score) {
  if (score == 0) score = 0.0;  // -0.0 sorts with 0.0
  uint64_t bits = std::bit_cast<uint64_t>(score);
  bits = (bits & kSignBit) ? ~bits : (bits | kSignBit);
  std::string out;
  PutFixed64BE(&out, bits);
  return out;
}

double DecodeScore(std::string_view bytes) {
  uint64_t bits = GetFixed64(bytes.data(), true);
  bits = (bits & kSignBit) ? (bits & ~kSignBit) : ~bits;
  return std::bit_cast<double>(bits);
}

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

Result<ZAddResult> ZAdd(Keyspace& ks, Committer& c, int db, std::string_view key,
                        const ZAddOptions& options,
                        std::span<const std::pair<double, std::string_view>> pairs) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> found, ReadTyped(ks, meta_key));
  ZAddResult result;
  if (!found && options.xx) return result;
  Metadata meta = found ? std::move(*found) : NewZSet(ks);
  struct Touched {
    std::string_view member;
    std::optional<double> orig;  // score before this command
    std::optional<double> cur;   // score after the pairs seen so far
  };
  // In first-touch order (the order of the writes). A few pairs are found by
  // a linear search; many through `index`.
  constexpr size_t kLinearMax = 8;
  // A few pairs (the common case) are tracked in a stack buffer.
  alignas(Touched) std::array<std::byte, kLinearMax * sizeof(Touched) + 64> stack_buf;
  std::pmr::monotonic_buffer_resource arena(stack_buf.data(), stack_buf.size());
  std::pmr::vector<Touched> touched(&arena);
  touched.reserve(pairs.size());
  std::unordered_map<std::string_view, size_t> index;
  // Element key lookups: the prefix once, each member appended.
  std::string member_key = ElementPrefix(db, key, meta.version);
  const size_t prefix_len = member_key.size();
  std::string value;  // 8 bytes: no allocation
  for (const auto& [score, member] : pairs) {
    Touched* t = nullptr;
    if (pairs.size() <= kLinearMax) {
      for (Touched& x : touched) {
        if (x.member == member) t = &x;
      }
    } else if (auto it = index.find(member); it != index.end()) {
      t = &touched[it->second];
    }
    if (t == nullptr) {
      if (pairs.size() > kLinearMax) index.emplace(member, touched.size());
      t = &touched.emplace_back();
      t->member = member;
      if (found) {
        member_key.resize(prefix_len);
        member_key.append(member);
        LSMDB_ASSIGN_OR_RETURN(bool exists,
                               ks.engine()->Get(lsmdb::ReadOptions{}, member_key, &value));
        if (exists) {
          LSMDB_ASSIGN_OR_RETURN(double s, DecodeMemberValue(value));
          t->orig = s;
        }
        t->cur = t->orig;
      }
    }
    std::optional<double>& cur = t->cur;
    if (cur) {
      if (options.nx) continue;
      double next = options.incr ? score + *cur : score;
      if (std::isnan(next)) return RedisError("ERR resulting score is not a number (NaN)");
      if ((options.lt && next >= *cur) || (options.gt && next <= *cur)) continue;
      result.score = next;
      if (next != *cur) {
        ++result.changed;
        cur = next;
      }
    } else if (!options.xx) {
      ++result.added;
      ++result.changed;
      cur = score;
      result.score = score;
    }
  }
  WriteBatch batch;
  std::optional<ZKeys> keys;  // only when something is written
  for (const Touched& t : touched) {
    if (!t.cur || (t.orig && *t.orig == *t.cur)) continue;
    if (!keys) keys.emplace(db, key, meta.version);
    if (t.orig) batch.Delete(keys->Index(*t.orig, t.member));
    PutMember(batch, *keys, t.member, *t.cur);
  }
  if (result.added > 0) {
    meta.count += result.added;
    batch.Put(meta_key, EncodeMetadata(meta));
  }
  if (batch.Count() > 0) LSMDB_RETURN_IF_ERROR(c.Commit(batch));
  return result;
}

Result<int64_t> ZRem(Keyspace& ks, Committer& c, int db, std::string_view key,
                     std::span<const std::string_view> members) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, meta_key));
  if (!meta) return int64_t{0};
  const ZKeys keys(db, key, meta->version);
  std::unordered_set<std::string_view> seen;
  WriteBatch batch;
  int64_t removed = 0;
  for (std::string_view member : members) {
    if (!seen.insert(member).second) continue;
    LSMDB_ASSIGN_OR_RETURN(std::optional<double> score,
                           GetScore(ks, lsmdb::ReadOptions{}, keys, member));
    if (!score) continue;
    DeleteMember(batch, keys, member, *score);
    ++removed;
  }
  if (removed == 0) return removed;
  meta->count -= removed;
  PutMeta(batch, meta_key, *meta);
  LSMDB_RETURN_IF_ERROR(c.Commit(batch));
  return removed;
}

Result<int64_t> ZCard(Keyspace& ks, int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, ks.MetaKeyFor(db, key)));
  return meta ? static_cast<int64_t>(meta->count) : int64_t{0};
}

Result<std::optional<double>> ZScore(Keyspace& ks, int db, std::string_view key,
                                     std::string_view member) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, ks.MetaKeyFor(db, key)));
  if (!meta) return std::optional<double>();
  return GetScore(ks, lsmdb::ReadOptions{}, ZKeys(db, key, meta->version), member);
}

Result<std::vector<std::optional<double>>> ZMScore(Keyspace& ks, int db, std::string_view key,
                                                   std::span<const std::string_view> members) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  std::vector<std::optional<double>> out(members.size());
  if (!meta) return out;
  const ZKeys keys(db, key, meta->version);
  for (size_t i = 0; i < members.size(); ++i) {
    LSMDB_ASSIGN_OR_RETURN(out[i], GetScore(ks, snap.options(), keys, members[i]));
  }
  return out;
}

Result<std::optional<int64_t>> ZRank(Keyspace& ks, int db, std::string_view key,
                                     std::string_view member, bool reverse) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  if (!meta) return std::optional<int64_t>();
  const ZKeys keys(db, key, meta->version);
  LSMDB_ASSIGN_OR_RETURN(std::optional<double> score, GetScore(ks, snap.options(), keys, member));
  if (!score) return std::optional<int64_t>();
  // Walk from both ends at once: O(min(rank, card - rank)).
  const std::string target = keys.Index(*score, member);
  IndexCursor up(ks.engine(), snap.options(), keys.index_prefix(), false);
  IndexCursor down(ks.engine(), snap.options(), keys.index_prefix(), true);
  up.SeekToStart();
  down.SeekToStart();
  const auto card = static_cast<int64_t>(meta->count);
  for (int64_t i = 0; i < card && up.Valid() && down.Valid(); ++i, up.Next(), down.Next()) {
    int64_t rank = -1;
    if (up.key() == target) {
      rank = i;
    } else if (down.key() == target) {
      rank = card - 1 - i;
    }
    if (rank >= 0) return std::optional<int64_t>(reverse ? card - 1 - rank : rank);
  }
  LSMDB_RETURN_IF_ERROR(up.status());
  LSMDB_RETURN_IF_ERROR(down.status());
  return Status::Corruption("zset member missing from the score index");
}

namespace {

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
    if (!NormalizeRanks(q.start, q.stop, static_cast<int64_t>(meta.count), &first, &last)) {
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

// Replaces `dst` by a zset of `members` in `batch` (SET semantics: a fresh
// version, no TTL). An empty `members` deletes dst if it exists; false then
// means there was nothing to write.
Result<bool> PutWholeZSet(Keyspace& ks, WriteBatch& batch, int db, std::string_view dst,
                          const std::vector<ScoredMember>& members) {
  const std::string meta_key = ks.MetaKeyFor(db, dst);
  if (members.empty()) {
    LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> existing, ks.LookupMeta(db, dst));
    if (!existing) return false;
    batch.Delete(meta_key);
    return true;
  }
  Metadata meta = NewZSet(ks);
  meta.count = members.size();
  const ZKeys keys(db, dst, meta.version);
  for (const auto& [member, score] : members) PutMember(batch, keys, member, score);
  batch.Put(meta_key, EncodeMetadata(meta));
  return true;
}

// Commits `members` as the whole of `dst` (PutWholeZSet); returns its size.
Result<int64_t> StoreWholeZSet(Keyspace& ks, Committer& c, int db, std::string_view dst,
                               const std::vector<ScoredMember>& members) {
  WriteBatch batch;
  LSMDB_ASSIGN_OR_RETURN(bool write, PutWholeZSet(ks, batch, db, dst, members));
  if (write) LSMDB_RETURN_IF_ERROR(c.Commit(batch));
  return static_cast<int64_t>(members.size());
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

// ---- multi-key (ZUNION, ZINTER, ZDIFF, ZINTERCARD, *STORE) ----

namespace {

// One input of a combination: a zset, a set (scores 1) or absent (empty).
struct Source {
  std::string_view key;
  std::optional<Metadata> meta;
  double weight = 1.0;
  uint64_t size() const { return meta ? meta->count : 0; }
};

// Looks every source up (type-checking all before any is read).
Result<std::vector<Source>> OpenSources(Keyspace& ks, const lsmdb::ReadOptions& ro, int db,
                                        const ZCombineSpec& spec) {
  std::vector<Source> sources(spec.keys.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    sources[i].key = spec.keys[i];
    LSMDB_ASSIGN_OR_RETURN(sources[i].meta,
                           ReadTyped(ks, ks.MetaKeyFor(db, spec.keys[i]), ro, true));
    if (!spec.weights.empty()) sources[i].weight = spec.weights[i];
  }
  return sources;
}

// A weighted score: 0 * inf is 0, as in Redis.
double Weighted(double score, double weight) {
  const double v = score * weight;
  return std::isnan(v) ? 0 : v;
}

void Aggregate(ZAggregate aggregate, double* target, double v) {
  switch (aggregate) {
    case ZAggregate::kSum:
      *target += v;
      if (std::isnan(*target)) *target = 0;  // inf + -inf
      break;
    case ZAggregate::kMin:
      *target = std::min(*target, v);
      break;
    case ZAggregate::kMax:
      *target = std::max(*target, v);
      break;
  }
}

// Point lookups of members' scores in one source (sets: score 1).
class ScoreProbe {
 public:
  ScoreProbe(Keyspace& ks, const lsmdb::ReadOptions& ro, int db, const Source& src)
      : ks_(ks),
        ro_(ro),
        prefix_(ElementPrefix(db, src.key, src.meta->version)),
        is_set_(src.meta->type == RedisType::kSet) {}
  Result<std::optional<double>> Find(std::string_view member) {
    buf_.assign(prefix_).append(member);
    LSMDB_ASSIGN_OR_RETURN(bool found, ks_.engine()->Get(ro_, buf_, &value_));
    if (!found) return std::optional<double>();
    if (is_set_) return std::optional<double>(1.0);
    LSMDB_ASSIGN_OR_RETURN(double score, DecodeMemberValue(value_));
    return std::optional<double>(score);
  }

 private:
  Keyspace& ks_;
  const lsmdb::ReadOptions& ro_;
  std::string prefix_;
  bool is_set_;
  std::string buf_;
  std::string value_;
};

// Computes spec's combination (unordered). With `card` non-null (kInter
// only) just counts, stopping at `limit` (0 = none), and returns nothing.
Result<std::vector<ScoredMember>> Compute(Keyspace& ks, const lsmdb::ReadOptions& ro, int db,
                                          const ZCombineSpec& spec, uint64_t limit, int64_t* card) {
  LSMDB_ASSIGN_OR_RETURN(std::vector<Source> sources, OpenSources(ks, ro, db, spec));
  std::vector<ScoredMember> out;
  if (spec.op != ZSetOp::kDiff) {
    // Smallest first, as Redis orders them (it fixes the aggregation order).
    std::stable_sort(sources.begin(), sources.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }
  if (spec.op == ZSetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (const Source& src : sources) {
      if (!src.meta) continue;
      std::vector<ScoredMember> members;
      LSMDB_RETURN_IF_ERROR(ReadAllMembers(ks, ro, db, src.key, *src.meta, &members));
      for (auto& [member, score] : members) {
        const double v = Weighted(score, src.weight);
        auto [it, inserted] = acc.try_emplace(std::move(member), v);
        if (!inserted) Aggregate(spec.aggregate, &it->second, v);
      }
    }
    out.reserve(acc.size());
    for (auto& node : acc) out.emplace_back(node.first, node.second);
    return out;
  }
  // Intersection: the smallest source drives; difference: the first does.
  const Source& driver = sources[0];
  if (driver.size() == 0) return out;
  std::vector<std::optional<ScoreProbe>> probes(sources.size());
  for (size_t j = 1; j < sources.size(); ++j) {
    if (!sources[j].meta) continue;  // only a difference gets here with one
    if (sources[j].key == driver.key) {
      if (spec.op == ZSetOp::kDiff) return out;  // A - A is empty
      continue;                                  // the driver's own score, weighted again
    }
    probes[j].emplace(ks, ro, db, sources[j]);
  }
  std::vector<ScoredMember> members;
  LSMDB_RETURN_IF_ERROR(ReadAllMembers(ks, ro, db, driver.key, *driver.meta, &members));
  int64_t n = 0;
  for (auto& [member, score] : members) {
    bool keep = true;
    double acc = spec.op == ZSetOp::kDiff ? score : Weighted(score, driver.weight);
    for (size_t j = 1; j < sources.size() && keep; ++j) {
      if (!probes[j]) {
        if (sources[j].meta) Aggregate(spec.aggregate, &acc, Weighted(score, sources[j].weight));
        continue;
      }
      LSMDB_ASSIGN_OR_RETURN(std::optional<double> found, probes[j]->Find(member));
      if (spec.op == ZSetOp::kDiff) {
        keep = !found;
      } else if (!found) {
        keep = false;
      } else {
        Aggregate(spec.aggregate, &acc, Weighted(*found, sources[j].weight));
      }
    }
    if (!keep) continue;
    ++n;
    if (card != nullptr) {
      if (limit != 0 && static_cast<uint64_t>(n) >= limit) break;
      continue;
    }
    out.emplace_back(std::move(member), acc);
  }
  if (card != nullptr) *card = n;
  return out;
}

}  // namespace

Result<std::vector<ScoredMember>> ZCombine(Keyspace& ks, int db, const ZCombineSpec& spec) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> out,
                         Compute(ks, snap.options(), db, spec, 0, nullptr));
  std::sort(out.begin(), out.end(), [](const ScoredMember& a, const ScoredMember& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  return out;
}

Result<int64_t> ZInterCard(Keyspace& ks, int db, std::span<const std::string_view> keys,
                           uint64_t limit) {
  SnapshotReader snap(ks.engine());
  ZCombineSpec spec;
  spec.op = ZSetOp::kInter;
  spec.keys = keys;
  int64_t card = 0;
  LSMDB_RETURN_IF_ERROR(Compute(ks, snap.options(), db, spec, limit, &card).status());
  return card;
}

Result<int64_t> ZCombineStore(Keyspace& ks, Committer& c, int db, std::string_view dst,
                              const ZCombineSpec& spec) {
  std::vector<std::string_view> lock_keys(spec.keys.begin(), spec.keys.end());
  lock_keys.push_back(dst);
  KeyLockGuard lock(ks.locks(), std::vector<int>{db}, lock_keys);
  LSMDB_ASSIGN_OR_RETURN(std::vector<ScoredMember> result,
                         Compute(ks, lsmdb::ReadOptions{}, db, spec, 0, nullptr));
  return StoreWholeZSet(ks, c, db, dst, result);
}

Result<std::vector<ScoredMember>> ZRandMember(Keyspace& ks, int db, std::string_view key,
                                              int64_t count) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  std::vector<ScoredMember> out;
  if (!meta || count == 0) return out;
  std::vector<ScoredMember> all;
  LSMDB_RETURN_IF_ERROR(ReadAllMembers(ks, snap.options(), db, key, *meta, &all));
  if (all.empty()) return out;
  thread_local std::mt19937_64 rng(std::random_device{}());
  if (count < 0) {
    // |count| draws with repetition (count > INT64_MIN: the handler limits it).
    const uint64_t n = static_cast<uint64_t>(-count);
    out.reserve(n);
    std::uniform_int_distribution<size_t> pick(0, all.size() - 1);
    for (uint64_t i = 0; i < n; ++i) out.push_back(all[pick(rng)]);
    return out;
  }
  if (static_cast<uint64_t>(count) >= all.size()) return all;
  // Partial Fisher-Yates: the first `count` slots become a uniform sample.
  for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
    std::uniform_int_distribution<size_t> pick(i, all.size() - 1);
    std::swap(all[i], all[pick(rng)]);
  }
  all.resize(count);
  return all;
}

Result<ZScanResult> ZScan(Keyspace& ks, int db, std::string_view key, uint64_t cursor,
                          std::string_view pattern, size_t count) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  ZScanResult result;
  if (!meta) return result;  // Redis answers an absent key before the cursor
  std::string after;
  const bool resume = cursor != 0;
  if (resume) {
    std::optional<ScanCursorTable::Position> pos = ZScanCursors().Find(cursor);
    if (!pos || pos->db != db) return RedisError("ERR invalid cursor");
    after = std::move(pos->last_key);
  }
  const std::string prefix = ElementPrefix(db, key, meta->version);
  std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(snap.options());
  if (resume) {
    it->Seek(prefix + after + std::string(1, '\0'));  // strictly after `after`
  } else {
    it->Seek(prefix);
  }
  size_t examined = 0;
  std::string last;
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (examined == std::max<size_t>(count, 1)) {
      result.cursor = ZScanCursors().Add(db, last);
      break;
    }
    ++examined;
    std::string_view member = it->key().substr(prefix.size());
    last.assign(member);
    if (!pattern.empty() && !GlobMatch(pattern, member)) continue;
    LSMDB_ASSIGN_OR_RETURN(double score, DecodeMemberValue(it->value()));
    result.items.emplace_back(std::string(member), score);
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return result;
}

}  // namespace lsmdb::server
