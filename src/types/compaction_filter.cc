#include "src/types/compaction_filter.h"

#include <string>

namespace lsmdb::server {

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
