#include "src/types/hash.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>
#include <random>
#include <unordered_set>

#include "src/server/redis_error.h"
#include "src/types/clock.h"
#include "src/types/glob.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"
#include "src/types/scan_cursors.h"

// Hashes and the shared collection element helpers. The element layout, the
// scan cursor scheme and the random-pick method are described in hash.h.

namespace lsmdb::server {

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// Cursor positions of HSCAN/SSCAN/ZSCAN, shared by every Keyspace in the
// process (a position names its db and user key, so sharing is harmless).
ScanCursorTable& ElementCursors() {
  static ScanCursorTable table(static_cast<uint64_t>(RealClockMs() % 1000000000) * 1000 + 7);
  return table;
}

// Moves `it` to the last key starting with `prefix`; false if there is none.
bool SeekLastWithPrefix(lsmdb::Iterator* it, std::string_view prefix) {
  const std::string succ = PrefixSuccessor(prefix);
  if (succ.empty()) {
    it->SeekToLast();
  } else {
    it->Seek(succ);
    if (it->Valid()) {
      it->Prev();
    } else {
      it->SeekToLast();
    }
  }
  return it->Valid() && StartsWith(it->key(), prefix);
}

size_t CommonPrefixLength(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// One random key under `prefix` by byte descent (hash.h); false if the
// range is empty. On true, `it` is positioned on the chosen key.
bool DescendToRandomKey(lsmdb::Iterator* it, std::string_view prefix) {
  it->Seek(prefix);
  if (!it->Valid() || !StartsWith(it->key(), prefix)) return false;
  std::string lo(it->key());
  if (!SeekLastWithPrefix(it, prefix)) return false;
  std::string hi(it->key());
  // Invariant: lo and hi are the first and last keys starting with their
  // common prefix, and every key in [lo, hi] is a candidate.
  while (lo != hi) {
    const size_t d = CommonPrefixLength(lo, hi);  // < hi.size(): lo < hi
    const std::string chosen = hi.substr(0, d);
    const bool prefix_is_key = lo.size() == d;
    int lo_byte;
    if (prefix_is_key) {
      it->Seek(lo);
      if (it->Valid()) it->Next();
      if (!it->Valid() || !StartsWith(it->key(), chosen) || it->key().size() <= d) break;
      lo_byte = static_cast<unsigned char>(it->key()[d]);
    } else {
      lo_byte = static_cast<unsigned char>(lo[d]);
    }
    const int hi_byte = static_cast<unsigned char>(hi[d]);
    const uint64_t choices = static_cast<uint64_t>(hi_byte - lo_byte + 1) + (prefix_is_key ? 1 : 0);
    const uint64_t pick = Rng()() % choices;
    if (prefix_is_key && pick == choices - 1) break;  // the prefix itself (lo)
    it->Seek(chosen + static_cast<char>(lo_byte + static_cast<int>(pick)));
    if (!it->Valid() || !StartsWith(it->key(), chosen) || it->key().size() <= d) break;
    lo.assign(it->key());
    if (static_cast<unsigned char>(lo[d]) != hi_byte) {
      if (!SeekLastWithPrefix(it, std::string_view(lo).substr(0, d + 1))) break;
      hi.assign(it->key());
    }
  }
  it->Seek(lo);
  return it->Valid() && it->key() == lo;
}

Metadata NewCollection(Keyspace& ks, RedisType type) {
  Metadata meta;
  meta.type = type;
  meta.version = ks.NewVersion();
  return meta;
}

// Reads one element value; false if absent.
Result<bool> GetElement(Keyspace& ks, int db, std::string_view key, const Metadata& meta,
                        std::string_view field, std::string* value) {
  return ks.engine()->Get(lsmdb::ReadOptions{}, ElementKey(db, key, meta.version, field), value);
}

}  // namespace

// ---- element helpers ----

Result<std::optional<Metadata>> LookupOfType(Keyspace& ks, int db, std::string_view key,
                                             RedisType type) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ks.LookupMeta(db, key));
  if (meta && meta->type != type) return RedisError(kErrWrongType);
  return meta;
}

Result<std::vector<FieldValue>> ReadElements(Keyspace& ks, int db, std::string_view key,
                                             const Metadata& meta, bool with_values) {
  const std::string prefix = ElementPrefix(db, key, meta.version);
  std::vector<FieldValue> out;
  out.reserve(std::min<uint64_t>(meta.count, 1u << 16));
  lsmdb::ReadOptions ro;
  ro.lower_bound = prefix;
  ro.upper_bound = PrefixSuccessor(prefix);
  std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(ro);
  for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
    out.emplace_back(std::string(it->key().substr(prefix.size())),
                     with_values ? std::string(it->value()) : std::string());
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return out;
}

Result<ElementScanResult> ScanElements(Keyspace& ks, int db, std::string_view key, RedisType type,
                                       uint64_t cursor, std::string_view pattern, size_t count,
                                       bool with_values) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, LookupOfType(ks, db, key, type));
  ElementScanResult result;
  if (!meta) return result;
  std::string resume_sub;
  if (cursor != 0) {
    std::optional<ScanCursorTable::Position> pos = ElementCursors().Find(cursor);
    ParsedElementKey parsed;
    if (!pos || pos->db != db || !ParseElementKey(pos->last_key, &parsed) ||
        parsed.user_key != key) {
      return RedisError("ERR invalid cursor");
    }
    resume_sub.assign(parsed.sub_key);
  } else if (meta->count <= kScanAllThreshold) {
    count = SIZE_MAX;  // small collections come back whole, as in Redis
  }
  const std::string prefix = ElementPrefix(db, key, meta->version);
  const std::string range = prefix + std::string(GlobLiteralPrefix(pattern));
  const bool use_pattern = !pattern.empty() && pattern != "*";
  std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(lsmdb::ReadOptions{});
  if (cursor != 0) {
    const std::string resume = prefix + resume_sub;
    it->Seek(resume < range ? range : resume);
    if (it->Valid() && it->key() == resume) it->Next();
  } else {
    it->Seek(range);
  }
  size_t examined = 0;
  std::string last;  // copied: the iterator's views die when it moves
  for (; it->Valid() && StartsWith(it->key(), range) && examined < count; it->Next()) {
    ++examined;
    std::string_view sub = it->key().substr(prefix.size());
    last.assign(sub);
    if (use_pattern && !GlobMatch(pattern, sub)) continue;
    result.elements.emplace_back(std::string(sub),
                                 with_values ? std::string(it->value()) : std::string());
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  if (it->Valid() && StartsWith(it->key(), range)) {
    result.cursor = ElementCursors().Add(db, ElementKey(db, key, 0, last));
  }
  return result;
}

Result<RandomPick> PickRandomElements(Keyspace& ks, int db, std::string_view key,
                                      const Metadata& meta, int64_t count, bool with_values,
                                      bool exact_small) {
  RandomPick pick;
  if (count == 0 || meta.count == 0) return pick;
  const bool distinct = count > 0;
  // Callers keep count > INT64_MIN (Redis's range is [-LONG_MAX, LONG_MAX]).
  const uint64_t want = distinct ? static_cast<uint64_t>(count) : static_cast<uint64_t>(-count);
  const uint64_t n = meta.count;
  if (distinct && want >= n) {
    LSMDB_ASSIGN_OR_RETURN(pick.elements, ReadElements(ks, db, key, meta, with_values));
    return pick;
  }
  auto& rng = Rng();
  const bool descend =
      exact_small ? n > kSampleAllThreshold && want < n / 4 : want == 1 || want < n / 4;
  if (descend) {
    const std::string prefix = ElementPrefix(db, key, meta.version);
    std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(lsmdb::ReadOptions{});
    std::unordered_set<std::string> seen;
    const uint64_t max_attempts = distinct ? 4 * want + 32 : want;
    for (uint64_t attempt = 0; attempt < max_attempts && pick.elements.size() < want; ++attempt) {
      if (!DescendToRandomKey(it.get(), prefix)) break;
      std::string sub(it->key().substr(prefix.size()));
      if (distinct && !seen.insert(sub).second) continue;
      pick.elements.emplace_back(std::move(sub),
                                 with_values ? std::string(it->value()) : std::string());
    }
    LSMDB_RETURN_IF_ERROR(it->status());
    if (pick.elements.size() == want) return pick;
    pick.elements.clear();  // unlucky or shrinking: fall back to read-all
  }
  LSMDB_ASSIGN_OR_RETURN(pick.elements, ReadElements(ks, db, key, meta, with_values));
  const size_t size = pick.elements.size();
  if (size == 0) return pick;
  if (distinct) {
    const size_t k = std::min<uint64_t>(want, size);
    for (size_t i = 0; i < k; ++i) {  // partial Fisher-Yates
      std::swap(pick.elements[i], pick.elements[i + rng() % (size - i)]);
    }
    pick.elements.resize(k);
  } else {
    pick.order.reserve(want);
    for (uint64_t i = 0; i < want; ++i) pick.order.push_back(static_cast<uint32_t>(rng() % size));
  }
  return pick;
}

// ---- hashes ----

Result<int64_t> Hash::Set(Committer& committer, int db, std::string_view key,
                          std::span<const std::string_view> pairs) {
  KeyLockGuard lock(ks_.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  const bool created = !meta;
  Metadata m = created ? NewCollection(ks_, RedisType::kHash) : std::move(*meta);
  WriteBatch batch;
  std::unordered_set<std::string_view> added_fields;  // new fields seen in `pairs`
  std::string scratch;
  int64_t added = 0;
  // One element key buffer: the prefix once, then each field appended.
  std::string element_key = ElementPrefix(db, key, m.version);
  const size_t prefix_len = element_key.size();
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    const std::string_view field = pairs[i];
    element_key.resize(prefix_len);
    element_key.append(field);
    bool exists = false;
    if (added_fields.count(field) != 0) {
      exists = true;
    } else if (!created) {
      LSMDB_ASSIGN_OR_RETURN(exists,
                             ks_.engine()->Get(lsmdb::ReadOptions{}, element_key, &scratch));
    }
    if (!exists) {
      ++added;
      if (pairs.size() > 2) added_fields.insert(field);
    }
    batch.Put(element_key, pairs[i + 1]);
  }
  if (added > 0) {
    m.count += static_cast<uint64_t>(added);
    batch.Put(ks_.MetaKeyFor(db, key), EncodeMetadata(m));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return added;
}

Result<bool> Hash::SetNx(Committer& committer, int db, std::string_view key, std::string_view field,
                         std::string_view value) {
  KeyLockGuard lock(ks_.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  Metadata m = meta ? std::move(*meta) : NewCollection(ks_, RedisType::kHash);
  if (meta) {
    std::string scratch;
    LSMDB_ASSIGN_OR_RETURN(bool exists, GetElement(ks_, db, key, m, field, &scratch));
    if (exists) return false;
  }
  m.count += 1;
  WriteBatch batch;
  batch.Put(ElementKey(db, key, m.version, field), value);
  batch.Put(ks_.MetaKeyFor(db, key), EncodeMetadata(m));
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return true;
}

Result<std::optional<std::string>> Hash::Get(int db, std::string_view key, std::string_view field) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  std::optional<std::string> value;
  if (!meta) return value;
  std::string v;
  LSMDB_ASSIGN_OR_RETURN(bool found, GetElement(ks_, db, key, *meta, field, &v));
  if (found) value = std::move(v);
  return value;
}

Result<std::vector<std::optional<std::string>>> Hash::MGet(
    int db, std::string_view key, std::span<const std::string_view> fields) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  std::vector<std::optional<std::string>> values(fields.size());
  if (!meta) return values;
  std::string v;
  for (size_t i = 0; i < fields.size(); ++i) {
    LSMDB_ASSIGN_OR_RETURN(bool found, GetElement(ks_, db, key, *meta, fields[i], &v));
    if (found) values[i] = v;
  }
  return values;
}

Result<int64_t> Hash::Del(Committer& committer, int db, std::string_view key,
                          std::span<const std::string_view> fields) {
  KeyLockGuard lock(ks_.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  if (!meta) return int64_t{0};
  WriteBatch batch;
  std::unordered_set<std::string_view> deleted_fields;
  std::string scratch;
  for (std::string_view field : fields) {
    if (deleted_fields.count(field) != 0) continue;
    LSMDB_ASSIGN_OR_RETURN(bool exists, GetElement(ks_, db, key, *meta, field, &scratch));
    if (!exists) continue;
    deleted_fields.insert(field);
    batch.Delete(ElementKey(db, key, meta->version, field));
  }
  const auto deleted = static_cast<uint64_t>(deleted_fields.size());
  if (deleted == 0) return int64_t{0};
  if (deleted >= meta->count) {
    batch.Delete(ks_.MetaKeyFor(db, key));  // the last field takes the key with it
  } else {
    meta->count -= deleted;
    batch.Put(ks_.MetaKeyFor(db, key), EncodeMetadata(*meta));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return static_cast<int64_t>(deleted);
}

Result<bool> Hash::Exists(int db, std::string_view key, std::string_view field) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  if (!meta) return false;
  std::string scratch;
  return GetElement(ks_, db, key, *meta, field, &scratch);
}

Result<int64_t> Hash::Len(int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  return meta ? static_cast<int64_t>(meta->count) : int64_t{0};
}

Result<int64_t> Hash::StrLen(int db, std::string_view key, std::string_view field) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<std::string> value, Get(db, key, field));
  return value ? static_cast<int64_t>(value->size()) : int64_t{0};
}

Result<std::vector<FieldValue>> Hash::GetAll(int db, std::string_view key, bool with_values) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  if (!meta) return std::vector<FieldValue>();
  return ReadElements(ks_, db, key, *meta, with_values);
}

Result<int64_t> Hash::IncrBy(Committer& committer, int db, std::string_view key,
                             std::string_view field, int64_t delta) {
  KeyLockGuard lock(ks_.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  Metadata m = meta ? std::move(*meta) : NewCollection(ks_, RedisType::kHash);
  int64_t value = 0;
  bool exists = false;
  if (meta) {
    std::string stored;
    LSMDB_ASSIGN_OR_RETURN(exists, GetElement(ks_, db, key, m, field, &stored));
    if (exists && !StringToInt64(stored, &value)) {
      return RedisError("ERR hash value is not an integer");
    }
  }
  if ((delta < 0 && value < 0 && delta < LLONG_MIN - value) ||
      (delta > 0 && value > 0 && delta > LLONG_MAX - value)) {
    return RedisError(kErrOverflow);
  }
  value += delta;
  WriteBatch batch;
  batch.Put(ElementKey(db, key, m.version, field), std::to_string(value));
  if (!exists) {
    m.count += 1;
    batch.Put(ks_.MetaKeyFor(db, key), EncodeMetadata(m));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return value;
}

Result<std::string> Hash::IncrByFloat(Committer& committer, int db, std::string_view key,
                                      std::string_view field, long double increment) {
  KeyLockGuard lock(ks_.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  Metadata m = meta ? std::move(*meta) : NewCollection(ks_, RedisType::kHash);
  long double value = 0;
  bool exists = false;
  if (meta) {
    std::string stored;
    LSMDB_ASSIGN_OR_RETURN(exists, GetElement(ks_, db, key, m, field, &stored));
    if (exists && !StringToLongDouble(stored, &value)) {
      return RedisError("ERR hash value is not a float");
    }
  }
  value += increment;
  if (std::isnan(value) || std::isinf(value)) {
    return RedisError("ERR increment would produce NaN or Infinity");
  }
  std::string formatted = LongDoubleToHumanString(value);
  WriteBatch batch;
  batch.Put(ElementKey(db, key, m.version, field), formatted);
  if (!exists) {
    m.count += 1;
    batch.Put(ks_.MetaKeyFor(db, key), EncodeMetadata(m));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return formatted;
}

Result<ElementScanResult> Hash::Scan(int db, std::string_view key, uint64_t cursor,
                                     std::string_view pattern, size_t count) {
  return ScanElements(ks_, db, key, RedisType::kHash, cursor, pattern, count, true);
}

Result<std::optional<FieldValue>> Hash::RandField(int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(RandomPick pick, RandFields(db, key, 1, true));
  if (pick.size() == 0) return std::optional<FieldValue>();
  return std::optional<FieldValue>(pick.at(0));
}

Result<RandomPick> Hash::RandFields(int db, std::string_view key, int64_t count, bool with_values) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         LookupOfType(ks_, db, key, RedisType::kHash));
  if (!meta) return RandomPick{};
  return PickRandomElements(ks_, db, key, *meta, count, with_values, /*exact_small=*/true);
}

}  // namespace lsmdb::server
