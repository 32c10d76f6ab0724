// Sorted sets: the multi-key commands (ZUNION, ZINTER, ZDIFF, ZINTERCARD and
// the *STORE forms). The layout is drawn at the top of zset.h; helpers shared
// with the other zset files are in zset_internal.h.

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lsmdb/db.h"
#include "src/types/keyspace.h"
#include "src/types/snapshot_reader.h"
#include "src/types/zset.h"
#include "src/types/zset_internal.h"

namespace lsmdb::server {

using zset_detail::DecodeMemberValue;
using zset_detail::ReadAllMembers;
using zset_detail::ReadTyped;
using zset_detail::StoreWholeZSet;

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

}  // namespace lsmdb::server
