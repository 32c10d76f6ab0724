// Sorted sets: ZRANDMEMBER and ZSCAN (with its process-wide cursor table).
// The layout is drawn at the top of zset.h; helpers shared with the other
// zset files are in zset_internal.h.

#include <algorithm>
#include <memory>
#include <random>
#include <string>

#include "lsmdb/db.h"
#include "src/server/redis_error.h"
#include "src/types/glob.h"
#include "src/types/keyspace.h"
#include "src/types/scan_cursors.h"
#include "src/types/snapshot_reader.h"
#include "src/types/zset.h"
#include "src/types/zset_internal.h"

namespace lsmdb::server {

using zset_detail::DecodeMemberValue;
using zset_detail::ReadAllMembers;
using zset_detail::ReadTyped;

namespace {

ScanCursorTable& ZScanCursors() {
  static ScanCursorTable table(static_cast<uint64_t>(RealClockMs() % 1000000000) * 1000 + 7);
  return table;
}

}  // namespace

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
