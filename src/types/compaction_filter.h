#pragma once

// KeyspaceCompactionFilter: drops the records the Keyspace can no longer see,
// as compaction rewrites them (see encoding.h for the layouts):
//   1. metadata ('M') of an epoch older than its db's current one (FLUSHDB);
//   2. metadata whose expire_at_ms has passed (by the clock; Redis's rule
//      now > expire_at);
//   3. element ('S') and score index ('Z') records whose collection is gone:
//      the metadata of (db, user key) in the current epoch is absent, expired,
//      not a collection, or has another version. This needs one DB::Get per
//      collection (a per-thread cache reuses the verdict for the following
//      elements of the same collection), so it is on only after SetDB() (the data-types issue wires it
//      when collections land; until then no element records exist).
// Every other record ('E' epochs, unknown tags) is kept. Malformed records are
// kept, never dropped: the filter only removes what it understands.
//
// Safety: epochs only grow and SetEpoch ignores a lower value, so a filter
// that lags behind a FLUSHDB keeps old keys a little longer but never drops a
// live one. Before the Keyspace reports the epochs (during DB::Open) every
// epoch is 0 and rule 1 drops nothing.
//
// Thread-safe: called concurrently from compaction threads.

#include <atomic>
#include <cstdint>
#include <string_view>

#include "lsmdb/db.h"
#include "lsmdb/options.h"
#include "src/types/clock.h"
#include "src/types/encoding.h"

namespace lsmdb::server {

class KeyspaceCompactionFilter : public lsmdb::CompactionFilter {
 public:
  explicit KeyspaceCompactionFilter(Clock clock = RealClockMs) : clock_(std::move(clock)) {}

  Decision Filter(int level, std::string_view key, std::string_view value) const override;

  // Raises db's epoch to `epoch` (no-op if it is not higher).
  void SetEpoch(int db, uint32_t epoch);
  uint32_t epoch(int db) const { return epochs_[db].load(std::memory_order_acquire); }

  // Turns on rule 3 (stale elements). `db` must outlive the filter's use;
  // REQUIRES: the engine calls Filter without holding locks that DB::Get
  // takes.
  void SetDB(lsmdb::DB* db) { db_.store(db, std::memory_order_release); }

 private:
  Decision FilterElement(std::string_view key) const;
  // Rule 3 for one element, by two DB::Gets (FilterElement caches the verdict).
  Decision LookUpElement(lsmdb::DB* db, const ParsedElementKey& parsed) const;

  const Clock clock_;
  // Current epoch per db, raised by SetEpoch (release), read by Filter (acquire).
  std::atomic<uint32_t> epochs_[kNumDbs] = {};
  // Engine used for rule 3 lookups; null = rule 3 off.
  std::atomic<lsmdb::DB*> db_{nullptr};
};

}  // namespace lsmdb::server
