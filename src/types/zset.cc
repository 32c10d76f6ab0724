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
#include <bit>
#include <cmath>
#include <cstring>
#include <memory>
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
  std::string value;
  LSMDB_ASSIGN_OR_RETURN(bool found, ks.engine()->Get(ro, meta_key, &value));
  if (!found) return std::optional<Metadata>();
  Metadata meta;
  if (!DecodeMetadata(value, &meta)) return Status::Corruption("bad metadata record");
  if (meta.IsExpired(ks.NowMs())) return std::optional<Metadata>();
  if (meta.type != RedisType::kZSet && !(also_set && meta.type == RedisType::kSet)) {
    return RedisError(kErrWrongType);
  }
  return std::optional<Metadata>(std::move(meta));
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
  ZKeys(int db, std::string_view key, uint64_t version)
      : member_prefix_(ElementPrefix(db, key, version)),
        index_prefix_(ScoreIndexPrefix(db, key, version)) {}
  const std::string& member_prefix() const { return member_prefix_; }
  const std::string& index_prefix() const { return index_prefix_; }
  std::string Member(std::string_view member) const {
    std::string k;
    k.reserve(member_prefix_.size() + member.size());
    k.append(member_prefix_).append(member);
    return k;
  }
  std::string Index(double score, std::string_view member) const {
    std::string k;
    k.reserve(index_prefix_.size() + 8 + member.size());
    k.append(index_prefix_).append(EncodeScore(score)).append(member);
    return k;
  }

 private:
  std::string member_prefix_;
  std::string index_prefix_;
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
bool LexAboveMin(std::string_view m, const LexBound& b) {
  switch (b.kind) {
    case LexBound::Kind::kMinusInf:
      return true;
    case LexBound::Kind::kPlusInf:
      return false;
    case LexBound::Kind::kInclusive:
      return m >= b.value;
    case LexBound::Kind::kExclusive:
      return m > b.value;
  }
  return false;
}
bool LexBelowMax(std::string_view m, const LexBound& b) {
  switch (b.kind) {
    case LexBound::Kind::kMinusInf:
      return false;
    case LexBound::Kind::kPlusInf:
      return true;
    case LexBound::Kind::kInclusive:
      return m <= b.value;
    case LexBound::Kind::kExclusive:
      return m < b.value;
  }
  return false;
}
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
  const ZKeys keys(db, key, meta.version);
  struct Touched {
    std::optional<double> orig;  // score before this command
    std::optional<double> cur;   // score after the pairs seen so far
  };
  std::unordered_map<std::string_view, Touched> touched;
  touched.reserve(pairs.size());
  std::vector<std::string_view> order;  // first-touch order, for the writes
  for (const auto& [score, member] : pairs) {
    auto [it, inserted] = touched.try_emplace(member);
    if (inserted) {
      order.push_back(member);
      if (found) {
        LSMDB_ASSIGN_OR_RETURN(it->second.orig, GetScore(ks, lsmdb::ReadOptions{}, keys, member));
        it->second.cur = it->second.orig;
      }
    }
    std::optional<double>& cur = it->second.cur;
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
  for (std::string_view member : order) {
    const Touched& t = touched[member];
    if (!t.cur || (t.orig && *t.orig == *t.cur)) continue;
    if (t.orig) batch.Delete(keys.Index(*t.orig, member));
    PutMember(batch, keys, member, *t.cur);
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

Result<std::vector<ScoredMember>> ZRangeByRank(Keyspace& ks, int db, std::string_view key,
                                               int64_t start, int64_t stop, bool reverse) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  int64_t first, last;
  if (!meta ||
      !NormalizeRanks(start, stop, static_cast<int64_t>(meta->count), &first, &last)) {
    return std::vector<ScoredMember>();
  }
  return RankRange(ks, snap.options(), ZKeys(db, key, meta->version), meta->count, first, last,
                   reverse);
}

Result<std::vector<ScoredMember>> ZRangeByScore(Keyspace& ks, int db, std::string_view key,
                                                const ScoreRange& range, bool reverse,
                                                const RangeLimit& limit) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  std::vector<ScoredMember> out;
  LimitState lim(limit);
  if (!meta || lim.Empty()) return out;
  LSMDB_RETURN_IF_ERROR(VisitScoreRange(ks, snap.options(), ZKeys(db, key, meta->version), range,
                                        reverse, [&](double s, std::string_view m) {
                                          bool more;
                                          if (lim.Take(&more)) out.emplace_back(m, s);
                                          return more;
                                        }));
  return out;
}

Result<std::vector<ScoredMember>> ZRangeByLex(Keyspace& ks, int db, std::string_view key,
                                              const LexRange& range, bool reverse,
                                              const RangeLimit& limit) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  std::vector<ScoredMember> out;
  LimitState lim(limit);
  if (!meta || lim.Empty()) return out;
  LSMDB_RETURN_IF_ERROR(VisitLexRange(ks, snap.options(), ZKeys(db, key, meta->version), range,
                                      reverse, [&](double s, std::string_view m) {
                                        bool more;
                                        if (lim.Take(&more)) out.emplace_back(m, s);
                                        return more;
                                      }));
  return out;
}

Result<int64_t> ZCount(Keyspace& ks, int db, std::string_view key, const ScoreRange& range) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  int64_t n = 0;
  if (!meta) return n;
  LSMDB_RETURN_IF_ERROR(VisitScoreRange(ks, snap.options(), ZKeys(db, key, meta->version), range,
                                        false, [&](double, std::string_view) {
                                          ++n;
                                          return true;
                                        }));
  return n;
}

Result<int64_t> ZLexCount(Keyspace& ks, int db, std::string_view key, const LexRange& range) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadTyped(ks, ks.MetaKeyFor(db, key), snap.options()));
  int64_t n = 0;
  if (!meta) return n;
  LSMDB_RETURN_IF_ERROR(VisitLexRange(ks, snap.options(), ZKeys(db, key, meta->version), range,
                                      false, [&](double, std::string_view) {
                                        ++n;
                                        return true;
                                      }));
  return n;
}

namespace {

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

Result<int64_t> ZRemRangeByRank(Keyspace& ks, Committer& c, int db, std::string_view key,
                                int64_t start, int64_t stop) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, meta_key));
  int64_t first, last;
  if (!meta ||
      !NormalizeRanks(start, stop, static_cast<int64_t>(meta->count), &first, &last)) {
    return int64_t{0};
  }
  const ZKeys keys(db, key, meta->version);
  LSMDB_ASSIGN_OR_RETURN(
      std::vector<ScoredMember> victims,
      RankRange(ks, lsmdb::ReadOptions{}, keys, meta->count, first, last, false));
  return RemoveMembers(c, meta_key, *meta, keys, victims);
}

Result<int64_t> ZRemRangeByScore(Keyspace& ks, Committer& c, int db, std::string_view key,
                                 const ScoreRange& range) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, meta_key));
  if (!meta) return int64_t{0};
  const ZKeys keys(db, key, meta->version);
  std::vector<ScoredMember> victims;
  LSMDB_RETURN_IF_ERROR(VisitScoreRange(ks, lsmdb::ReadOptions{}, keys, range, false,
                                        [&](double s, std::string_view m) {
                                          victims.emplace_back(m, s);
                                          return true;
                                        }));
  return RemoveMembers(c, meta_key, *meta, keys, victims);
}

Result<int64_t> ZRemRangeByLex(Keyspace& ks, Committer& c, int db, std::string_view key,
                               const LexRange& range) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadTyped(ks, meta_key));
  if (!meta) return int64_t{0};
  const ZKeys keys(db, key, meta->version);
  std::vector<ScoredMember> victims;
  LSMDB_RETURN_IF_ERROR(VisitLexRange(ks, lsmdb::ReadOptions{}, keys, range, false,
                                      [&](double s, std::string_view m) {
                                        victims.emplace_back(m, s);
                                        return true;
                                      }));
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

Result<int64_t> ZStore(Keyspace& ks, Committer& c, int db, std::string_view dst,
                       std::span<const std::string_view> keys, std::span<const double> weights,
                       ZAggregate aggregate, bool is_union) {
  std::vector<std::string_view> lock_keys(keys.begin(), keys.end());
  lock_keys.push_back(dst);
  KeyLockGuard lock(ks.locks(), std::vector<int>{db}, lock_keys);
  // Read every source whole (sets count with score 1), weighted.
  std::vector<std::vector<ScoredMember>> sources(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                           ReadTyped(ks, ks.MetaKeyFor(db, keys[i]), lsmdb::ReadOptions{}, true));
    if (!meta) continue;
    LSMDB_RETURN_IF_ERROR(
        ReadAllMembers(ks, lsmdb::ReadOptions{}, db, keys[i], *meta, &sources[i]));
    const double w = weights.empty() ? 1.0 : weights[i];
    for (auto& [member, score] : sources[i]) {
      score *= w;
      if (std::isnan(score)) score = 0;  // 0 * inf
    }
  }
  auto combine = [aggregate](double* target, double v) {
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
  };
  std::unordered_map<std::string_view, double> result;
  if (is_union) {
    for (const auto& src : sources) {
      for (const auto& [member, score] : src) {
        auto [it, inserted] = result.try_emplace(member, score);
        if (!inserted) combine(&it->second, score);
      }
    }
  } else {
    std::vector<size_t> order(sources.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return sources[a].size() < sources[b].size(); });
    std::vector<std::unordered_map<std::string_view, double>> lookup(sources.size());
    for (size_t k = 1; k < order.size(); ++k) {
      auto& m = lookup[order[k]];
      m.reserve(sources[order[k]].size());
      for (const auto& [member, score] : sources[order[k]]) m.emplace(member, score);
    }
    for (const auto& [member, score] : sources[order[0]]) {
      double acc = score;
      bool in_all = true;
      for (size_t k = 1; k < order.size() && in_all; ++k) {
        auto it = lookup[order[k]].find(member);
        if (it == lookup[order[k]].end()) {
          in_all = false;
        } else {
          combine(&acc, it->second);
        }
      }
      if (in_all) result.emplace(member, acc);
    }
  }
  // Replace dst whatever it held (SET semantics: a fresh version, no TTL).
  WriteBatch batch;
  const std::string dst_meta_key = ks.MetaKeyFor(db, dst);
  if (result.empty()) {
    batch.Delete(dst_meta_key);
  } else {
    Metadata meta = NewZSet(ks);
    meta.count = result.size();
    const ZKeys dst_keys(db, dst, meta.version);
    for (const auto& [member, score] : result) PutMember(batch, dst_keys, member, score);
    batch.Put(dst_meta_key, EncodeMetadata(meta));
  }
  LSMDB_RETURN_IF_ERROR(c.Commit(batch));
  return static_cast<int64_t>(result.size());
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
