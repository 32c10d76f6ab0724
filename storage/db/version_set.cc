#include "storage/db/version_set.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "storage/db/dbformat.h"
#include "storage/sst/table_cache.h"
#include "storage/wal/wal_reader.h"
#include "storage/wal/wal_writer.h"

namespace lsmdb::storage {
namespace {

static_assert(kMaxNumLevels == 7, "version_edit.cc's kMaxLevels must match kMaxNumLevels");

// A manifest larger than this is replaced by a fresh snapshot on the next edit.
constexpr uint64_t kMaxManifestBytes = 64 << 20;

bool FileBeforeKey(const FileRef& f, std::string_view user_key) {
  return CompareUserKey(ExtractUserKey(f->largest), user_key) < 0;
}
bool FileAfterKey(const FileRef& f, std::string_view user_key) {
  return CompareUserKey(user_key, ExtractUserKey(f->smallest)) < 0;
}

// Fills plan->inputs[1] with the output level's files that overlap the user-key
// range of plan->inputs[0].
void AddOverlapsBelow(const Version& v, CompactionPlan* plan) {
  std::string_view lo = ExtractUserKey(plan->inputs[0].front()->smallest);
  std::string_view hi = ExtractUserKey(plan->inputs[0].front()->largest);
  for (const auto& f : plan->inputs[0]) {
    std::string_view s = ExtractUserKey(f->smallest), l = ExtractUserKey(f->largest);
    if (CompareUserKey(s, lo) < 0) lo = s;
    if (CompareUserKey(l, hi) > 0) hi = l;
  }
  plan->inputs[1] = v.Overlapping(plan->output_level, &lo, &hi);
}

}  // namespace

std::string ManifestFileName(const std::string& dir, uint64_t number) {
  return fmt::format("{}/MANIFEST-{:06}", dir, number);
}
std::string WalFileName(const std::string& dir, uint64_t number) {
  return fmt::format("{}/{:06}.log", dir, number);
}
std::string CurrentFileName(const std::string& dir) { return dir + "/CURRENT"; }

FileType ParseFileName(std::string_view name, uint64_t* number) {
  auto parse_num = [&](std::string_view digits) {
    if (digits.empty() || digits.size() > 19) return false;
    uint64_t v = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *number = v;
    return true;
  };
  if (name == "CURRENT") return FileType::kCurrent;
  if (name == "LOCK") return FileType::kLock;
  if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") return FileType::kTemp;
  if (name.substr(0, 9) == "MANIFEST-") {
    return parse_num(name.substr(9)) ? FileType::kManifest : FileType::kOther;
  }
  if (name.size() > 4) {
    std::string_view suffix = name.substr(name.size() - 4);
    std::string_view stem = name.substr(0, name.size() - 4);
    if (suffix == ".sst" && parse_num(stem)) return FileType::kTable;
    if (suffix == ".log" && parse_num(stem)) return FileType::kWal;
  }
  return FileType::kOther;
}

// ---------------------------------------------------------------- Version

uint64_t Version::LevelBytes(int level) const {
  uint64_t sum = 0;
  for (const auto& f : files[level]) sum += f->file_size;
  return sum;
}

size_t Version::FindFile(const std::vector<FileRef>& level_files, std::string_view ikey) {
  size_t lo = 0, hi = level_files.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (CompareInternalKey(level_files[mid]->largest, ikey) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::vector<FileRef> Version::Overlapping(int level, const std::string_view* begin,
                                          const std::string_view* end) const {
  std::vector<FileRef> out;
  std::string lo = begin ? std::string(*begin) : std::string();
  std::string hi = end ? std::string(*end) : std::string();
  bool has_lo = begin != nullptr, has_hi = end != nullptr;
  for (size_t i = 0; i < files[level].size();) {
    const FileRef& f = files[level][i++];
    std::string_view fs = ExtractUserKey(f->smallest), fl = ExtractUserKey(f->largest);
    if ((has_lo && CompareUserKey(fl, lo) < 0) || (has_hi && CompareUserKey(fs, hi) > 0)) {
      continue;
    }
    out.push_back(f);
    if (level == 0) {
      // Grow the range to this file's and start over if it got wider.
      bool grew = false;
      if (has_lo && CompareUserKey(fs, lo) < 0) {
        lo = fs;
        grew = true;
      }
      if (has_hi && CompareUserKey(fl, hi) > 0) {
        hi = fl;
        grew = true;
      }
      if (grew) {
        out.clear();
        i = 0;
      }
    }
  }
  return out;
}

bool Version::IsBaseLevelForKey(int level, std::string_view user_key) const {
  for (int l = level + 1; l < kMaxNumLevels; l++) {
    for (const auto& f : files[l]) {
      if (!FileBeforeKey(f, user_key) && !FileAfterKey(f, user_key)) return false;
    }
  }
  return true;
}

Result<Version::GetState> Version::Get(const ReadOptions& options, TableCache& tables,
                                       std::string_view lookup_ikey, std::string* value,
                                       uint64_t* found_seq) const {
  std::string_view user_key = ExtractUserKey(lookup_ikey);
  std::string found_ikey;
  auto probe = [&](const FileRef& f) -> Result<std::optional<GetState>> {
    LSMDB_ASSIGN_OR_RETURN(bool hit, tables.Get(options, f->number, f->file_size, lookup_ikey,
                                                &found_ikey, value));
    if (!hit) return std::optional<GetState>();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(found_ikey, &parsed)) {
      return Status::Corruption(fmt::format("{:06}.sst: corrupted internal key", f->number));
    }
    if (parsed.user_key != user_key) return std::optional<GetState>();
    if (found_seq != nullptr) *found_seq = parsed.sequence;
    return std::optional<GetState>(parsed.type == kTypeValue ? GetState::kFound
                                                             : GetState::kDeleted);
  };
  // Level 0: newest file first; any may hold the key.
  for (const auto& f : files[0]) {
    if (FileBeforeKey(f, user_key) || FileAfterKey(f, user_key)) continue;
    LSMDB_ASSIGN_OR_RETURN(auto state, probe(f));
    if (state) return *state;
  }
  for (int level = 1; level < kMaxNumLevels; level++) {
    const auto& lf = files[level];
    if (lf.empty()) continue;
    size_t i = FindFile(lf, lookup_ikey);
    if (i >= lf.size() || FileAfterKey(lf[i], user_key)) continue;
    LSMDB_ASSIGN_OR_RETURN(auto state, probe(lf[i]));
    if (state) return *state;
  }
  return GetState::kNotFound;
}

// ---------------------------------------------------------------- VersionSet

VersionSet::VersionSet(std::string dir, const Options& options, TableCache* tables)
    : dir_(std::move(dir)),
      options_(options),
      num_levels_(std::clamp(options.num_levels, 2, kMaxNumLevels)),
      tables_(tables),
      current_(std::make_shared<Version>()) {}

VersionSet::~VersionSet() = default;

uint64_t VersionSet::MaxBytesForLevel(int level) const {
  uint64_t bytes = options_.max_bytes_for_level_base;
  for (int l = 1; l < level; l++) bytes *= std::max(2, options_.max_bytes_for_level_multiplier);
  return bytes;
}

void VersionSet::Install(VersionRef v) {
  current_ = std::move(v);
  live_versions_.erase(std::remove_if(live_versions_.begin(), live_versions_.end(),
                                      [](const auto& w) { return w.expired(); }),
                       live_versions_.end());
  live_versions_.push_back(current_);
}

void VersionSet::AddLiveFiles(std::set<uint64_t>* live) {
  for (const auto& w : live_versions_) {
    if (auto v = w.lock()) {
      for (const auto& level : v->files) {
        for (const auto& f : level) live->insert(f->number);
      }
    }
  }
}

VersionRef VersionSet::Apply(const Version& base, const VersionEdit& edit) const {
  auto v = std::make_shared<Version>();
  for (int level = 0; level < kMaxNumLevels; level++) {
    for (const auto& f : base.files[level]) {
      if (!edit.deleted_files_.count({level, f->number})) v->files[level].push_back(f);
    }
  }
  for (const auto& [level, meta] : edit.new_files_) {
    if (edit.deleted_files_.count({level, meta.number})) continue;
    v->files[level].push_back(std::make_shared<const FileMetaData>(meta));
  }
  // Level 0 newest first; deeper levels by smallest key.
  std::sort(v->files[0].begin(), v->files[0].end(),
            [](const FileRef& a, const FileRef& b) { return a->number > b->number; });
  for (int level = 1; level < kMaxNumLevels; level++) {
    std::sort(v->files[level].begin(), v->files[level].end(),
              [](const FileRef& a, const FileRef& b) {
                return CompareInternalKey(a->smallest, b->smallest) < 0;
              });
  }
  return v;
}

void VersionSet::WriteSnapshot(VersionEdit* edit) const {
  for (int level = 0; level < kMaxNumLevels; level++) {
    if (!compact_pointer_[level].empty()) edit->SetCompactPointer(level, compact_pointer_[level]);
    for (const auto& f : current_->files[level]) edit->AddFile(level, *f);
  }
}

Status VersionSet::CreateNew() {
  manifest_number_ = 1;
  next_file_number_ = 2;
  VersionEdit edit;
  edit.SetLogNumber(0);
  edit.SetNextFile(next_file_number_);
  edit.SetLastSequence(0);
  std::string record;
  edit.EncodeTo(&record);
  {
    LSMDB_ASSIGN_OR_RETURN(auto file, WritableFile::Open(ManifestFileName(dir_, 1)));
    WalWriter log(file.get());
    LSMDB_RETURN_IF_ERROR(log.AddRecord(record));
    LSMDB_RETURN_IF_ERROR(file->Flush());
    LSMDB_RETURN_IF_ERROR(file->Sync());
    LSMDB_RETURN_IF_ERROR(file->Close());
  }
  return WriteFileAtomic(CurrentFileName(dir_), "MANIFEST-000001\n");
}

Status VersionSet::Recover() {
  std::string current;
  LSMDB_RETURN_IF_ERROR(ReadFileToString(CurrentFileName(dir_), &current));
  if (current.empty() || current.back() != '\n') {
    return Status::Corruption(fmt::format("{}: CURRENT does not end with a newline", dir_));
  }
  current.pop_back();
  uint64_t number = 0;
  if (ParseFileName(current, &number) != FileType::kManifest) {
    return Status::Corruption(fmt::format("{}: CURRENT names no manifest: '{}'", dir_, current));
  }
  std::string path = dir_ + "/" + current;
  LSMDB_ASSIGN_OR_RETURN(auto reader, WalReader::Open(path, /*repair=*/false));
  Version v;
  VersionRef acc = std::make_shared<Version>();
  bool have_next = false, have_log = false, have_seq = false;
  std::string record;
  uint64_t records = 0;
  while (true) {
    LSMDB_ASSIGN_OR_RETURN(bool more, reader->ReadRecord(&record));
    if (!more) break;
    records++;
    VersionEdit edit;
    Status s = edit.DecodeFrom(record);
    if (!s.ok()) {
      return Status::Corruption(fmt::format("{}: record {} at offset {}: {}", path, records,
                                            reader->LastRecordOffset(), s.message()));
    }
    acc = Apply(*acc, edit);
    for (const auto& [level, key] : edit.compact_pointers_) compact_pointer_[level] = key;
    if (edit.log_number_) {
      log_number_ = *edit.log_number_;
      have_log = true;
    }
    if (edit.next_file_number_) {
      next_file_number_ = *edit.next_file_number_;
      have_next = true;
    }
    if (edit.last_sequence_) {
      SetLastSequence(*edit.last_sequence_);
      have_seq = true;
    }
  }
  if (!have_next || !have_log || !have_seq) {
    return Status::Corruption(fmt::format("{}: manifest lacks {}", path,
                                          !have_next ? "next-file" : (!have_log ? "log number"
                                                                                : "sequence")));
  }
  MarkFileNumberUsed(number);
  manifest_number_ = number;
  for (const auto& level : acc->files) {
    for (const auto& f : level) {
      MarkFileNumberUsed(f->number);
      std::string table = TableFileName(dir_, f->number);
      if (!FileExists(table)) {
        return Status::Corruption(fmt::format("{}: table {} named by the manifest is missing",
                                              dir_, table));
      }
    }
  }
  Install(acc);
  // Start a fresh manifest on the first LogAndApply (the DB's Open does one).
  return Status::OK();
}

Status VersionSet::LogAndApply(VersionEdit* edit, std::unique_lock<std::mutex>& lock) {
  // Order: manifest_mu_ before the DB mutex. Drop the DB mutex to take it.
  lock.unlock();
  std::lock_guard<std::mutex> manifest_guard(manifest_mu_);
  lock.lock();

  if (!edit->log_number_) edit->SetLogNumber(log_number_);
  edit->SetNextFile(next_file_number_);
  edit->SetLastSequence(last_sequence());
  VersionRef next = Apply(*current_, *edit);
  for (const auto& [level, key] : edit->compact_pointers_) compact_pointer_[level] = key;

  // A new manifest starts with a snapshot of everything, then this edit.
  bool new_manifest = manifest_file_ == nullptr || manifest_file_->Size() > kMaxManifestBytes;
  uint64_t new_number = 0;
  std::string snapshot_record;
  if (new_manifest) {
    new_number = NewFileNumber();
    edit->SetNextFile(next_file_number_);
    VersionEdit snap;
    WriteSnapshot(&snap);
    snap.EncodeTo(&snapshot_record);
  }
  std::string record;
  edit->EncodeTo(&record);

  lock.unlock();
  Status s;
  std::unique_ptr<WritableFile> file;
  std::unique_ptr<WalWriter> log;
  if (new_manifest) {
    auto opened = WritableFile::Open(ManifestFileName(dir_, new_number));
    s = opened.status();
    if (s.ok()) {
      file = std::move(opened).value();
      log = std::make_unique<WalWriter>(file.get());
      s = log->AddRecord(snapshot_record);
    }
  }
  WritableFile* target = new_manifest ? file.get() : manifest_file_.get();
  WalWriter* target_log = new_manifest ? log.get() : manifest_log_.get();
  if (s.ok()) s = target_log->AddRecord(record);
  if (s.ok()) s = target->Flush();
  if (s.ok()) s = target->Sync();
  if (s.ok() && new_manifest) {
    s = WriteFileAtomic(CurrentFileName(dir_), fmt::format("MANIFEST-{:06}\n", new_number));
  }
  lock.lock();

  if (!s.ok()) {
    if (new_manifest && file) (void)RemoveFile(ManifestFileName(dir_, new_number));
    // The old manifest may end in a torn record: never append after it; the
    // next edit starts a new manifest (recovery drops a torn tail).
    manifest_file_.reset();
    manifest_log_.reset();
    return s;
  }
  if (new_manifest) {
    manifest_file_ = std::move(file);
    manifest_log_ = std::move(log);
    manifest_number_ = new_number;
  }
  log_number_ = *edit->log_number_;
  Install(std::move(next));
  return Status::OK();
}

std::optional<CompactionPlan> VersionSet::PickCompaction() {
  const Version& v = *current_;
  double best_score = 1.0;
  int best_level = -1;
  for (int level = 0; level < num_levels_ - 1; level++) {
    double score = level == 0 ? static_cast<double>(v.NumFiles(0)) /
                                    std::max(1, options_.level0_compaction_trigger)
                              : static_cast<double>(v.LevelBytes(level)) / MaxBytesForLevel(level);
    if (score >= best_score) {
      best_score = score;
      best_level = level;
    }
  }
  if (best_level < 0) return std::nullopt;

  CompactionPlan plan;
  plan.level = best_level;
  plan.output_level = best_level + 1;
  if (best_level == 0) {
    plan.inputs[0] = v.files[0];
  } else {
    // Round-robin through the level, starting after the last compacted key.
    const auto& lf = v.files[best_level];
    FileRef pick = lf.front();
    for (const auto& f : lf) {
      if (compact_pointer_[best_level].empty() ||
          CompareInternalKey(f->largest, compact_pointer_[best_level]) > 0) {
        pick = f;
        break;
      }
    }
    plan.inputs[0].push_back(pick);
  }
  AddOverlapsBelow(v, &plan);
  return plan;
}

std::optional<CompactionPlan> VersionSet::PlanManual(int level, const std::string_view* begin,
                                                     const std::string_view* end) {
  const Version& v = *current_;
  CompactionPlan plan;
  plan.manual = true;
  plan.level = level;
  plan.output_level = std::min(level + 1, num_levels_ - 1);
  plan.inputs[0] = v.Overlapping(level, begin, end);
  if (plan.inputs[0].empty()) return std::nullopt;
  if (plan.output_level == level) return plan;  // bottom level rewritten in place
  AddOverlapsBelow(v, &plan);
  return plan;
}

}  // namespace lsmdb::storage
