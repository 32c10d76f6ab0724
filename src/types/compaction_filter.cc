#include "src/types/compaction_filter.h"

#include <time.h>

#include <string>

namespace lsmdb::server {
namespace {

// The last element verdict of this compaction thread. A collection's elements
// are adjacent in key order, so one entry saves the two DB::Gets for all but
// the first element of each collection in a compaction's run.
//
// Why reusing a verdict is safe: kKeep is always safe (keeping only delays the
// removal). kRemove is permanent: versions are never reused (microsecond
// clock, strictly increasing), so an element whose version is not its key's
// current collection version can never become live again. The entry expires
// after kVerdictTtlMs anyway, so a collection deleted later is not kept alive
// by a stale kKeep across compactions.
struct ElementVerdict {
  const lsmdb::DB* db = nullptr;
  const void* filter = nullptr;
  int db_index = -1;
  uint64_t version = 0;
  std::string user_key;
  int64_t at_ms = 0;
  lsmdb::CompactionFilter::Decision decision = lsmdb::CompactionFilter::Decision::kKeep;
};
thread_local ElementVerdict tl_verdict;

constexpr int64_t kVerdictTtlMs = 200;

// A coarse monotonic clock (a few ns, no system call): enough for the TTL.
int64_t CoarseMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

void KeyspaceCompactionFilter::SetEpoch(int db, uint32_t epoch) {
  uint32_t cur = epochs_[db].load(std::memory_order_acquire);
  while (cur < epoch && !epochs_[db].compare_exchange_weak(cur, epoch, std::memory_order_acq_rel)) {
  }
}

lsmdb::CompactionFilter::Decision KeyspaceCompactionFilter::Filter(int /*level*/,
                                                                   std::string_view key,
                                                                   std::string_view value) const {
  if (key.empty()) return Decision::kKeep;
  if (key[0] == kMetaTag) {
    ParsedMetaKey parsed;
    if (!ParseMetaKey(key, &parsed) || parsed.db >= kNumDbs) return Decision::kKeep;
    if (parsed.epoch < epoch(parsed.db)) return Decision::kRemove;
    RedisType type;
    int64_t expire_at_ms;
    if (!PeekMetadata(value, &type, &expire_at_ms)) return Decision::kKeep;
    if (expire_at_ms != 0 && clock_() > expire_at_ms) return Decision::kRemove;
    return Decision::kKeep;
  }
  if (key[0] == kElementTag || key[0] == kScoreTag) return FilterElement(key);
  return Decision::kKeep;
}

lsmdb::CompactionFilter::Decision KeyspaceCompactionFilter::FilterElement(
    std::string_view key) const {
  lsmdb::DB* db = db_.load(std::memory_order_acquire);
  if (db == nullptr) return Decision::kKeep;
  ParsedElementKey parsed;
  if (!ParseElementKey(key, &parsed) || parsed.db >= kNumDbs) return Decision::kKeep;
  ElementVerdict& cached = tl_verdict;
  const int64_t now_ms = CoarseMs();
  if (cached.db == db && cached.filter == this && cached.db_index == parsed.db &&
      cached.version == parsed.version && now_ms - cached.at_ms < kVerdictTtlMs &&
      cached.user_key == parsed.user_key) {
    return cached.decision;
  }
  Decision decision = LookUpElement(db, parsed);
  cached.db = db;
  cached.filter = this;
  cached.db_index = parsed.db;
  cached.version = parsed.version;
  cached.user_key.assign(parsed.user_key);
  cached.at_ms = now_ms;
  cached.decision = decision;
  return decision;
}

lsmdb::CompactionFilter::Decision KeyspaceCompactionFilter::LookUpElement(
    lsmdb::DB* db, const ParsedElementKey& parsed) const {
  // The epoch comes from the 'E' record, not from epochs_: the record is
  // committed before any write of the new epoch, whereas epochs_ may lag (on a
  // replica until ReloadEpochs) and would make live elements look orphaned.
  std::string epoch_value;
  auto epoch_found = db->Get(lsmdb::ReadOptions{}, EpochKey(parsed.db), &epoch_value);
  if (!epoch_found.ok()) return Decision::kKeep;
  uint32_t current_epoch = 0;
  if (*epoch_found && !DecodeEpoch(epoch_value, &current_epoch)) return Decision::kKeep;
  std::string meta_value;
  auto found = db->Get(lsmdb::ReadOptions{}, MetaKey(parsed.db, current_epoch, parsed.user_key),
                       &meta_value);
  if (!found.ok()) return Decision::kKeep;  // a read error is no proof of staleness
  if (!*found) return Decision::kRemove;
  Metadata meta;
  if (!DecodeMetadata(meta_value, &meta)) return Decision::kKeep;
  if (!meta.IsCollection() || meta.version != parsed.version) return Decision::kRemove;
  if (meta.IsExpired(clock_())) return Decision::kRemove;
  return Decision::kKeep;
}

}  // namespace lsmdb::server
