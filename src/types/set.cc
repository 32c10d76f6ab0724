#include "src/types/set.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "src/server/redis_error.h"
#include "src/types/keyspace.h"

// Sets; the layout and the multi-key algorithms are described in set.h.

namespace lsmdb::server {

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Membership tests against one set by point lookups, reusing one key buffer.
class MemberProbe {
 public:
  MemberProbe(Keyspace& ks, int db, std::string_view key, const Metadata& meta)
      : ks_(ks), prefix_(ElementPrefix(db, key, meta.version)) {}
  Result<bool> Contains(std::string_view member) {
    buf_.assign(prefix_).append(member);
    return ks_.engine()->Get(lsmdb::ReadOptions{}, buf_, &value_);
  }

 private:
  Keyspace& ks_;
  std::string prefix_;
  std::string buf_;
  std::string value_;
};

std::vector<std::string> SubKeys(std::vector<FieldValue>&& elements) {
  std::vector<std::string> out;
  out.reserve(elements.size());
  for (auto& e : elements) out.push_back(std::move(e.first));
  return out;
}

}  // namespace

Result<int64_t> Set::Add(Committer& committer, int db, std::string_view key,
                         std::span<const std::string_view> members) {
  KeyLockGuard lock(ks_.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks_, db, key, RedisType::kSet));
  const bool created = !meta;
  Metadata m;
  if (created) {
    m.type = RedisType::kSet;
    m.version = ks_.NewVersion();
  } else {
    m = std::move(*meta);
  }
  WriteBatch batch;
  std::unordered_set<std::string_view> added_members;
  std::string scratch;
  // One element key buffer: the prefix once, then each member appended.
  std::string element_key = ElementPrefix(db, key, m.version);
  const size_t prefix_len = element_key.size();
  for (std::string_view member : members) {
    if (added_members.count(member) != 0) continue;
    element_key.resize(prefix_len);
    element_key.append(member);
    if (!created) {
      LSMDB_ASSIGN_OR_RETURN(bool exists,
                             ks_.engine()->Get(lsmdb::ReadOptions{}, element_key, &scratch));
      if (exists) continue;
    }
    if (members.size() > 1) added_members.insert(member);
    batch.Put(element_key, std::string_view());
    m.count += 1;
  }
  if (batch.Count() == 0) return int64_t{0};
  const auto added = static_cast<int64_t>(batch.Count());
  batch.Put(ks_.MetaKeyFor(db, key), EncodeMetadata(m));
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return added;
}

Result<int64_t> Set::Rem(Committer& committer, int db, std::string_view key,
                         std::span<const std::string_view> members) {
  KeyLockGuard lock(ks_.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks_, db, key, RedisType::kSet));
  if (!meta) return int64_t{0};
  WriteBatch batch;
  std::unordered_set<std::string_view> removed;
  MemberProbe probe(ks_, db, key, *meta);
  for (std::string_view member : members) {
    if (removed.count(member) != 0) continue;
    LSMDB_ASSIGN_OR_RETURN(bool exists, probe.Contains(member));
    if (!exists) continue;
    removed.insert(member);
    batch.Delete(ElementKey(db, key, meta->version, member));
  }
  const auto n = static_cast<uint64_t>(removed.size());
  if (n == 0) return int64_t{0};
  if (n >= meta->count) {
    batch.Delete(ks_.MetaKeyFor(db, key));
  } else {
    meta->count -= n;
    batch.Put(ks_.MetaKeyFor(db, key), EncodeMetadata(*meta));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return static_cast<int64_t>(n);
}

Result<std::vector<std::string>> Set::Members(int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks_, db, key, RedisType::kSet));
  if (!meta) return std::vector<std::string>();
  LSMDB_ASSIGN_OR_RETURN(std::vector<FieldValue> elements,
                         ReadElements(ks_, db, key, *meta, false));
  return SubKeys(std::move(elements));
}

Result<bool> Set::IsMember(int db, std::string_view key, std::string_view member) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks_, db, key, RedisType::kSet));
  if (!meta) return false;
  MemberProbe probe(ks_, db, key, *meta);
  return probe.Contains(member);
}

Result<std::vector<bool>> Set::MIsMember(int db, std::string_view key,
                                         std::span<const std::string_view> members) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks_, db, key, RedisType::kSet));
  std::vector<bool> out(members.size(), false);
  if (!meta) return out;
  MemberProbe probe(ks_, db, key, *meta);
  for (size_t i = 0; i < members.size(); ++i) {
    LSMDB_ASSIGN_OR_RETURN(bool found, probe.Contains(members[i]));
    out[i] = found;
  }
  return out;
}

Result<int64_t> Set::Card(int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks_, db, key, RedisType::kSet));
  return meta ? static_cast<int64_t>(meta->count) : int64_t{0};
}

namespace {

// What SPOP's sampled pops of one set version have cost so far, counted in
// this process only (set.h, "SPOP and tombstones"). Versions are unique, so
// a stale entry is never misread; the table is cleared when it grows past
// kMaxTracked.
struct PopDebt {
  uint64_t dead = 0;      // tombstones left in the version's element range
  uint64_t spent_ns = 0;  // time spent sampling them
};

class PopDebts {
 public:
  PopDebt Get(uint64_t version) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = debts_.find(version);
    return it == debts_.end() ? PopDebt{} : it->second;
  }
  void Add(uint64_t version, uint64_t dead, uint64_t spent_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    if (debts_.size() >= kMaxTracked && debts_.count(version) == 0) debts_.clear();
    PopDebt& d = debts_[version];
    d.dead += dead;
    d.spent_ns += spent_ns;
  }
  void Forget(uint64_t version) {
    std::lock_guard<std::mutex> lock(mu_);
    debts_.erase(version);
  }

 private:
  static constexpr size_t kMaxTracked = 4096;
  std::mutex mu_;
  std::unordered_map<uint64_t, PopDebt> debts_;
};

PopDebts& Debts() {
  static PopDebts table;
  return table;
}

// SPOP rewrites the `live` survivors into a fresh version once the version's
// tombstones reach an eighth of them (and kRewriteMinDead), or once sampling
// has cost about what the rewrite would (kRewriteNsPerMember each: rent or
// buy, so slow descents never cost more than twice the rewrites they avoid).
constexpr uint64_t kRewriteMinDead = 256;
constexpr uint64_t kRewriteNsPerMember = 2000;
bool ShouldRewrite(const PopDebt& debt, uint64_t live) {
  if (debt.dead < kRewriteMinDead) return false;
  return debt.dead * 8 >= live || debt.spent_ns >= live * kRewriteNsPerMember;
}

}  // namespace

Result<std::vector<std::string>> Set::Pop(Committer& committer, int db, std::string_view key,
                                          uint64_t count) {
  KeyLockGuard lock(ks_.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks_, db, key, RedisType::kSet));
  if (!meta || count == 0) return std::vector<std::string>();
  WriteBatch batch;
  std::vector<std::string> popped;
  const std::string meta_key = ks_.MetaKeyFor(db, key);
  const uint64_t old_version = meta->version;
  PopDebt debt = Debts().Get(old_version);
  debt.dead += std::min(count, meta->count);
  uint64_t spent_ns = 0;
  bool tombstones_left = false;  // the old version lives on with new tombstones
  if (count >= meta->count) {
    // Everything goes: the elements become garbage with their version.
    LSMDB_ASSIGN_OR_RETURN(std::vector<FieldValue> all, ReadElements(ks_, db, key, *meta, false));
    popped = SubKeys(std::move(all));
    batch.Delete(meta_key);
  } else if (ShouldRewrite(debt, meta->count - count)) {
    // Read every survivor once, pick exactly (partial Fisher-Yates), and
    // write the rest as a fresh version: its range has no tombstones.
    LSMDB_ASSIGN_OR_RETURN(std::vector<FieldValue> all, ReadElements(ks_, db, key, *meta, false));
    std::vector<std::string> members = SubKeys(std::move(all));
    const size_t k = std::min<size_t>(count, members.size());
    thread_local std::mt19937_64 rng(std::random_device{}());
    for (size_t i = 0; i < k; ++i) {
      std::swap(members[i], members[i + rng() % (members.size() - i)]);
    }
    popped.assign(std::make_move_iterator(members.begin()),
                  std::make_move_iterator(members.begin() + k));
    meta->version = ks_.NewVersion();
    meta->count = members.size() - k;  // keeps the TTL
    const std::string prefix = ElementPrefix(db, key, meta->version);
    std::string element_key;
    for (size_t i = k; i < members.size(); ++i) {
      element_key.assign(prefix).append(members[i]);
      batch.Put(element_key, std::string_view());
    }
    batch.Put(meta_key, EncodeMetadata(*meta));  // count > 0: count < SCARD
  } else {
    const int64_t want = static_cast<int64_t>(std::min<uint64_t>(count, INT64_MAX));
    const auto start = std::chrono::steady_clock::now();
    LSMDB_ASSIGN_OR_RETURN(RandomPick pick, PickRandomElements(ks_, db, key, *meta, want, false,
                                                               /*exact_small=*/false));
    spent_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::steady_clock::now() - start)
                                         .count());
    popped = SubKeys(std::move(pick.elements));
    for (const std::string& member : popped) {
      batch.Delete(ElementKey(db, key, meta->version, member));
    }
    if (popped.size() >= meta->count) {
      batch.Delete(meta_key);
    } else {
      meta->count -= popped.size();
      batch.Put(meta_key, EncodeMetadata(*meta));
      tombstones_left = true;
    }
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  if (tombstones_left) {
    Debts().Add(old_version, popped.size(), spent_ns);
  } else {
    Debts().Forget(old_version);
  }
  return popped;
}

Result<std::optional<std::string>> Set::PopOne(Committer& committer, int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> popped, Pop(committer, db, key, 1));
  if (popped.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(popped[0]));
}

Result<std::optional<std::string>> Set::RandMember(int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(RandomPick pick, RandMembers(db, key, 1));
  if (pick.size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(pick.at(0).first);
}

Result<RandomPick> Set::RandMembers(int db, std::string_view key, int64_t count) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks_, db, key, RedisType::kSet));
  if (!meta) return RandomPick{};
  return PickRandomElements(ks_, db, key, *meta, count, false, /*exact_small=*/true);
}

Result<bool> Set::Move(Committer& committer, int db, std::string_view src, std::string_view dst,
                       std::string_view member) {
  KeyLockGuard lock(ks_.locks(), std::vector<int>{db}, std::vector<std::string_view>{src, dst});
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> src_meta, ks_.LookupMeta(db, src));
  if (!src_meta) return false;
  if (src_meta->type != RedisType::kSet) return RedisError(kErrWrongType);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> dst_meta, ks_.LookupMeta(db, dst));
  if (dst_meta && dst_meta->type != RedisType::kSet) return RedisError(kErrWrongType);
  MemberProbe src_probe(ks_, db, src, *src_meta);
  LSMDB_ASSIGN_OR_RETURN(bool in_src, src_probe.Contains(member));
  if (src == dst || !in_src) return in_src;
  WriteBatch batch;
  batch.Delete(ElementKey(db, src, src_meta->version, member));
  if (src_meta->count <= 1) {
    batch.Delete(ks_.MetaKeyFor(db, src));
  } else {
    src_meta->count -= 1;
    batch.Put(ks_.MetaKeyFor(db, src), EncodeMetadata(*src_meta));
  }
  Metadata d;
  bool in_dst = false;
  if (dst_meta) {
    d = std::move(*dst_meta);
    MemberProbe dst_probe(ks_, db, dst, d);
    LSMDB_ASSIGN_OR_RETURN(in_dst, dst_probe.Contains(member));
  } else {
    d.type = RedisType::kSet;
    d.version = ks_.NewVersion();
  }
  if (!in_dst) {
    batch.Put(ElementKey(db, dst, d.version, member), std::string_view());
    d.count += 1;
    batch.Put(ks_.MetaKeyFor(db, dst), EncodeMetadata(d));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return true;
}

Result<std::vector<std::string>> Set::Compute(int db, Op op, std::span<const std::string_view> keys,
                                              uint64_t limit, int64_t* card) {
  // Every key is type-checked before any is read, as Redis does.
  std::vector<std::optional<Metadata>> metas;
  metas.reserve(keys.size());
  for (std::string_view key : keys) {
    LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                           LookupOfType(ks_, db, key, RedisType::kSet));
    metas.push_back(std::move(meta));
  }
  std::vector<std::string> out;
  int64_t n = 0;
  auto done = [&]() -> Result<std::vector<std::string>> {
    if (card != nullptr) *card = n;
    return std::move(out);
  };
  if (op == Op::kUnion) {
    std::set<std::string> merged;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!metas[i]) continue;
      LSMDB_ASSIGN_OR_RETURN(std::vector<FieldValue> elements,
                             ReadElements(ks_, db, keys[i], *metas[i], false));
      for (auto& e : elements) merged.insert(std::move(e.first));
    }
    out.reserve(merged.size());
    for (auto it = merged.begin(); it != merged.end();) {
      out.push_back(std::move(merged.extract(it++).value()));
    }
    n = static_cast<int64_t>(out.size());
    return done();
  }
  // Intersection: the smallest set drives; difference: the first set does.
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  if (op == Op::kInter) {
    for (const auto& m : metas) {
      if (!m) return done();  // an absent key is an empty set
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return metas[a]->count < metas[b]->count; });
  } else {
    if (!metas[0]) return done();
    for (size_t i = 1; i < keys.size(); ++i) {
      if (keys[i] == keys[0]) return done();  // A - A - ... is empty
    }
  }
  const size_t driver = order[0];
  std::vector<MemberProbe> probes;
  for (size_t i = 1; i < order.size(); ++i) {
    const size_t j = order[i];
    if (!metas[j] || keys[j] == keys[driver]) continue;
    probes.emplace_back(ks_, db, keys[j], *metas[j]);
  }
  const std::string prefix = ElementPrefix(db, keys[driver], metas[driver]->version);
  std::unique_ptr<lsmdb::Iterator> it = ks_.engine()->NewIterator(lsmdb::ReadOptions{});
  for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
    std::string_view member = it->key().substr(prefix.size());
    bool keep = true;
    for (MemberProbe& probe : probes) {
      LSMDB_ASSIGN_OR_RETURN(bool found, probe.Contains(member));
      if (found != (op == Op::kInter)) {
        keep = false;
        break;
      }
    }
    if (!keep) continue;
    ++n;
    if (card == nullptr) out.emplace_back(member);
    if (limit != 0 && static_cast<uint64_t>(n) >= limit) break;
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return done();
}

Result<std::vector<std::string>> Set::Combine(int db, Op op,
                                              std::span<const std::string_view> keys) {
  return Compute(db, op, keys, 0, nullptr);
}

Result<int64_t> Set::InterCard(int db, std::span<const std::string_view> keys, uint64_t limit) {
  int64_t card = 0;
  LSMDB_RETURN_IF_ERROR(Compute(db, Op::kInter, keys, limit, &card).status());
  return card;
}

Result<int64_t> Set::CombineStore(Committer& committer, int db, Op op, std::string_view dst,
                                  std::span<const std::string_view> keys) {
  std::vector<std::string_view> locked(keys.begin(), keys.end());
  locked.push_back(dst);
  KeyLockGuard lock(ks_.locks(), std::vector<int>{db}, locked);
  LSMDB_ASSIGN_OR_RETURN(std::vector<std::string> members, Compute(db, op, keys, 0, nullptr));
  WriteBatch batch;
  const std::string meta_key = ks_.MetaKeyFor(db, dst);
  if (members.empty()) {
    LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> existing, ks_.LookupMeta(db, dst));
    if (!existing) return int64_t{0};
    batch.Delete(meta_key);
  } else {
    Metadata m;
    m.type = RedisType::kSet;
    m.version = ks_.NewVersion();
    m.count = members.size();
    const std::string prefix = ElementPrefix(db, dst, m.version);
    std::string element_key;
    for (const std::string& member : members) {
      element_key.assign(prefix).append(member);
      batch.Put(element_key, std::string_view());
    }
    batch.Put(meta_key, EncodeMetadata(m));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return static_cast<int64_t>(members.size());
}

Result<ElementScanResult> Set::Scan(int db, std::string_view key, uint64_t cursor,
                                    std::string_view pattern, size_t count) {
  return ScanElements(ks_, db, key, RedisType::kSet, cursor, pattern, count, false);
}

}  // namespace lsmdb::server
