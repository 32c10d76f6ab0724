#pragma once

// Writes the output of a flush or a compaction: reads a merged stream of
// internal keys and writes it to new table files, dropping what no reader can
// ever see again.
//
// Drop rules (entries arrive newest-first for each user key):
//  1. An entry hidden by a newer entry of the same key, where that newer entry
//     is itself at or below the oldest live snapshot, is dropped: no snapshot
//     can see it.
//  2. A deletion at or below the oldest snapshot is dropped when no deeper
//     level holds the key (is_base_level); otherwise it must stay to hide the
//     older versions below.
//  3. The compaction filter sees the newest entry of each key when it is a
//     value at or below the oldest snapshot; kRemove rewrites it as a deletion
//     (then rule 2 applies), so an older version below never reappears.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lsmdb/iterator.h"
#include "lsmdb/options.h"
#include "lsmdb/status.h"
#include "storage/db/version_edit.h"
#include "storage/sst/table_builder.h"

namespace lsmdb::storage {

struct CompactionParams {
  std::string dir;
  TableOptions table_options;
  uint64_t target_file_size = 64 << 20;  // start a new output file past this size
  uint64_t smallest_snapshot = 0;
  // Null: never drop deletions (a flush). Otherwise says whether no level
  // below the output holds user_key.
  std::function<bool(std::string_view user_key)> is_base_level;
  const CompactionFilter* filter = nullptr;  // null for flushes
  int filter_level = 0;
  std::function<uint64_t()> new_file_number;  // allocates output file numbers
  const std::atomic<bool>* shutting_down = nullptr;
};

struct CompactionStats {
  uint64_t bytes_read = 0;     // input key+value bytes
  uint64_t bytes_written = 0;  // output file bytes
  uint64_t entries_dropped = 0;
  uint64_t entries_filtered = 0;
};

// Consumes `input` (positioned by this function) and writes the tables listed
// in *outputs, each synced. On error the partial outputs are deleted.
Status RunCompaction(const CompactionParams& params, lsmdb::Iterator& input,
                     std::vector<FileMetaData>* outputs, CompactionStats* stats);

}  // namespace lsmdb::storage
