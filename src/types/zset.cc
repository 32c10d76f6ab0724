// Redis sorted sets (Redis 7.0 t_zset.c semantics). The layout is drawn at
// the top of zset.h:
//
//   'M' meta ...  | version | count
//   'S' | db | len | key | version BE | member               -> score: fixed64 LE bits
//   'Z' | db | len | key | version BE | EncodeScore(score) | member  -> ""
//
// Reads that touch more than one record pin a snapshot (metadata and records
// of one moment); writes hold the key's stripe lock.
//
// This file holds the record helpers and the single-key commands; the range
// commands are in zset_range.cc, the multi-key ones in zset_combine.cc and
// ZRANDMEMBER/ZSCAN in zset_scan.cc. Helpers they share: zset_internal.h.

#include "src/types/zset.h"

#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <memory_resource>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "lsmdb/db.h"
#include "src/server/redis_error.h"
#include "src/types/keyspace.h"
#include "src/types/snapshot_reader.h"
#include "src/types/zset_internal.h"

namespace lsmdb::server {

using zset_detail::DecodeMemberValue;
using zset_detail::DeleteMember;
using zset_detail::IndexCursor;
using zset_detail::PutMeta;
using zset_detail::ReadTyped;
using zset_detail::ZKeys;

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

Metadata NewZSet(Keyspace& ks) {
  Metadata meta;
  meta.type = RedisType::kZSet;
  meta.version = ks.NewVersion();
  return meta;
}

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

}  // namespace

namespace zset_detail {

// Documented in zset_internal.h.

Result<double> DecodeMemberValue(std::string_view v) {
  if (v.size() != 8) return Status::Corruption("bad zset member record");
  return std::bit_cast<double>(GetFixed64(v.data(), false));
}

Result<std::optional<Metadata>> ReadTyped(Keyspace& ks, std::string_view meta_key,
                                          const lsmdb::ReadOptions& ro, bool also_set) {
  LSMDB_RETURN_IF_ERROR(ks.status());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ks.ReadLive(meta_key, ks.NowMs(), ro.snapshot));
  if (meta && meta->type != RedisType::kZSet && !(also_set && meta->type == RedisType::kSet)) {
    return RedisError(kErrWrongType);
  }
  return meta;
}

void DeleteMember(WriteBatch& batch, const ZKeys& keys, std::string_view member, double score) {
  batch.Delete(keys.Member(member));
  batch.Delete(keys.Index(score, member));
}

void PutMeta(WriteBatch& batch, std::string_view meta_key, const Metadata& meta) {
  if (meta.count == 0) {
    batch.Delete(meta_key);
  } else {
    batch.Put(meta_key, EncodeMetadata(meta));
  }
}

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

Result<int64_t> StoreWholeZSet(Keyspace& ks, Committer& c, int db, std::string_view dst,
                               const std::vector<ScoredMember>& members) {
  WriteBatch batch;
  LSMDB_ASSIGN_OR_RETURN(bool write, PutWholeZSet(ks, batch, db, dst, members));
  if (write) LSMDB_RETURN_IF_ERROR(c.Commit(batch));
  return static_cast<int64_t>(members.size());
}

}  // namespace zset_detail

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

}  // namespace lsmdb::server
