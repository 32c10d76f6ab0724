#pragma once

// Versions and the manifest.
//
// A Version is an immutable list of table files per level; readers pin one with
// a shared_ptr and read it without locks. The VersionSet owns the current
// Version, the file-number and sequence counters, and the manifest: a log (WAL
// record format) of VersionEdits, named by CURRENT. CURRENT is switched
// atomically (write CURRENT.tmp, fsync, rename, fsync dir), so a crash leaves
// either the old or the new manifest in force.
//
// Invariants: level 0 files may overlap and are ordered newest first (by file
// number, descending); files of level >= 1 are sorted by smallest key and do
// not overlap.
//
// Thread-safety: the DB mutex guards everything here except LogAndApply's
// manifest I/O, which runs with the DB mutex released and is serialised by
// manifest_mu_ (held across that I/O by design: it blocks only other version
// changes, never readers or writers).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lsmdb/options.h"
#include "lsmdb/status.h"
#include "storage/db/version_edit.h"
#include "storage/util/file.h"

namespace lsmdb::storage {

class TableCache;
class WalWriter;

constexpr int kMaxNumLevels = 7;

class Version {
 public:
  std::vector<FileRef> files[kMaxNumLevels];

  int NumFiles(int level) const { return static_cast<int>(files[level].size()); }
  uint64_t LevelBytes(int level) const;
  // Files of `level` whose user-key range meets [begin, end] (null = open).
  // For level 0 the range grows to cover every overlapping file (so a key's
  // newer versions are never left behind).
  std::vector<FileRef> Overlapping(int level, const std::string_view* begin_user,
                                   const std::string_view* end_user) const;
  // True if no level deeper than `level` has a file whose range holds user_key.
  bool IsBaseLevelForKey(int level, std::string_view user_key) const;
  // Index of the first file in a sorted level whose largest key >= ikey.
  static size_t FindFile(const std::vector<FileRef>& files, std::string_view ikey);

  enum class GetState { kNotFound, kFound, kDeleted };
  // Looks up the newest entry of lookup_ikey's user key with sequence <= the
  // lookup's. Stops at the first level that holds the key. `found_seq`
  // (optional) gets the sequence of the entry found (kFound/kDeleted).
  Result<GetState> Get(const ReadOptions& options, TableCache& tables,
                       std::string_view lookup_ikey, std::string* value,
                       uint64_t* found_seq = nullptr) const;
};
using VersionRef = std::shared_ptr<const Version>;

// What the compaction thread should do next.
struct CompactionPlan {
  int level = 0;         // inputs[0] come from here
  int output_level = 1;  // inputs[1] and the outputs live here
  std::vector<FileRef> inputs[2];
  bool manual = false;
  // A single input file with nothing to merge below: move it, don't rewrite it.
  bool IsTrivialMove() const {
    return !manual && level > 0 && inputs[0].size() == 1 && inputs[1].empty();
  }
};

class VersionSet {
 public:
  VersionSet(std::string dir, const Options& options, TableCache* tables);
  ~VersionSet();

  // Creates a fresh manifest + CURRENT for an empty DB.
  Status CreateNew();
  // Reads CURRENT and replays the manifest into the current Version.
  Status Recover();
  // Applies `edit` to the current Version and makes the result current,
  // logging it to the manifest first. Starts a new manifest (holding a
  // snapshot of all files) when none is open or the old one has grown.
  // REQUIRES: the DB mutex is held via `lock`; it is released during I/O.
  Status LogAndApply(VersionEdit* edit, std::unique_lock<std::mutex>& lock);

  VersionRef current() const { return current_; }
  uint64_t NewFileNumber() { return next_file_number_++; }
  uint64_t next_file_number() const { return next_file_number_; }
  void MarkFileNumberUsed(uint64_t n) {
    if (next_file_number_ <= n) next_file_number_ = n + 1;
  }
  uint64_t log_number() const { return log_number_; }
  uint64_t manifest_number() const { return manifest_number_; }
  uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_acquire); }
  void SetLastSequence(uint64_t s) { last_sequence_.store(s, std::memory_order_release); }

  // The compaction with the highest score >= 1, if any.
  std::optional<CompactionPlan> PickCompaction();
  // Inputs for compacting [begin, end] from `level` into level + 1.
  std::optional<CompactionPlan> PlanManual(int level, const std::string_view* begin,
                                           const std::string_view* end);
  // Target size of a level in bytes (level >= 1).
  uint64_t MaxBytesForLevel(int level) const;
  // Every table file number some live Version still references.
  void AddLiveFiles(std::set<uint64_t>* live);
  int num_levels() const { return num_levels_; }

 private:
  VersionRef Apply(const Version& base, const VersionEdit& edit) const;
  void WriteSnapshot(VersionEdit* edit) const;
  void Install(VersionRef v);

  const std::string dir_;
  const Options options_;
  const int num_levels_;
  TableCache* const tables_;
  VersionRef current_;
  std::vector<std::weak_ptr<const Version>> live_versions_;
  uint64_t next_file_number_ = 2;
  uint64_t log_number_ = 0;
  uint64_t manifest_number_ = 0;
  std::atomic<uint64_t> last_sequence_{0};  // release on publish, acquire by readers
  std::string compact_pointer_[kMaxNumLevels];

  std::mutex manifest_mu_;
  std::unique_ptr<WritableFile> manifest_file_;
  std::unique_ptr<WalWriter> manifest_log_;
};

std::string ManifestFileName(const std::string& dir, uint64_t number);
std::string WalFileName(const std::string& dir, uint64_t number);
std::string CurrentFileName(const std::string& dir);
// Parses "000012.sst", "000012.log", "MANIFEST-000012"; false for other names.
enum class FileType { kTable, kWal, kManifest, kCurrent, kLock, kTemp, kOther };
FileType ParseFileName(std::string_view name, uint64_t* number);

}  // namespace lsmdb::storage
