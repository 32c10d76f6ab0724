#pragma once

// Helpers shared by the files that implement sorted sets: zset.cc (records,
// single-key commands), zset_range.cc, zset_combine.cc and zset_scan.cc. The
// layout is drawn at the top of zset.h.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/db.h"
#include "lsmdb/status.h"
#include "src/types/committer.h"
#include "src/types/keyspace.h"
#include "src/types/zset.h"

namespace lsmdb::server::zset_detail {

// The score of a member record (fixed64 LE double bits).
Result<double> DecodeMemberValue(std::string_view v);

// The live metadata at `meta_key` if it is of type `want` (or, when
// `also_set`, a set): nullopt if absent or expired, WRONGTYPE otherwise.
Result<std::optional<Metadata>> ReadTyped(Keyspace& ks, std::string_view meta_key,
                                          const lsmdb::ReadOptions& ro = lsmdb::ReadOptions{},
                                          bool also_set = false);

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

// Deletes a member's record and its score index entry.
void DeleteMember(WriteBatch& batch, const ZKeys& keys, std::string_view member, double score);

// Writes `meta` back, or deletes the key when the zset became empty.
void PutMeta(WriteBatch& batch, std::string_view meta_key, const Metadata& meta);

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

// Reads every member record of a zset (or a set: score 1) into `out`.
Status ReadAllMembers(Keyspace& ks, const lsmdb::ReadOptions& ro, int db, std::string_view key,
                      const Metadata& meta, std::vector<ScoredMember>* out);

// Replaces `dst` by a zset of `members` (SET semantics: a fresh version, no
// TTL; an empty `members` deletes dst) and commits it; returns its size.
Result<int64_t> StoreWholeZSet(Keyspace& ks, Committer& c, int db, std::string_view dst,
                               const std::vector<ScoredMember>& members);

}  // namespace lsmdb::server::zset_detail
