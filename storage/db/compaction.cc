#include "storage/db/compaction.h"

#include <fmt/format.h>

#include <memory>

#include "storage/db/dbformat.h"
#include "storage/sst/table_cache.h"
#include "storage/util/file.h"

namespace lsmdb::storage {
namespace {

// One output table being written.
struct Output {
  FileMetaData meta;
  std::unique_ptr<WritableFile> file;
  std::unique_ptr<TableBuilder> builder;
};

Status FinishOutput(Output& out, std::vector<FileMetaData>* outputs, CompactionStats* stats) {
  Status s = out.builder->Finish();
  out.meta.file_size = out.builder->FileSize();
  out.meta.num_entries = out.builder->NumEntries();
  out.builder.reset();  // finished: the error path must not Abandon it
  if (s.ok()) s = out.file->Flush();
  if (s.ok()) s = out.file->Sync();
  if (s.ok()) s = out.file->Close();
  if (!s.ok()) return s;
  stats->bytes_written += out.meta.file_size;
  outputs->push_back(std::move(out.meta));
  out = Output();
  return Status::OK();
}

}  // namespace

Status RunCompaction(const CompactionParams& p, lsmdb::Iterator& input,
                     std::vector<FileMetaData>* outputs, CompactionStats* stats) {
  Output out;
  Status s;
  std::string current_user_key;
  bool has_current_user_key = false;
  uint64_t last_sequence_for_key = kMaxSequenceNumber;
  bool split_pending = false;  // the output is full: finish it at the next user key
  std::string rewritten;  // an internal key turned into a deletion by the filter

  for (input.SeekToFirst(); input.Valid(); input.Next()) {
    if (p.shutting_down && p.shutting_down->load(std::memory_order_relaxed)) {
      s = Status::Shutdown("compaction stopped: the DB is closing");
      break;
    }
    std::string_view ikey = input.key();
    std::string_view value = input.value();
    stats->bytes_read += ikey.size() + value.size();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(ikey, &parsed)) {
      s = Status::Corruption(fmt::format("compaction input: corrupted internal key ({} bytes)",
                                         ikey.size()));
      break;
    }
    bool first_of_key = !has_current_user_key || parsed.user_key != current_user_key;
    if (first_of_key) {
      current_user_key.assign(parsed.user_key);
      has_current_user_key = true;
      last_sequence_for_key = kMaxSequenceNumber;
    }

    bool drop = false;
    if (last_sequence_for_key <= p.smallest_snapshot) {
      drop = true;  // rule 1
    } else {
      if (first_of_key && parsed.type == kTypeValue && p.filter != nullptr &&
          parsed.sequence <= p.smallest_snapshot &&
          p.filter->Filter(p.filter_level, parsed.user_key, value) ==
              CompactionFilter::Decision::kRemove) {
        stats->entries_filtered++;
        rewritten = MakeInternalKey(parsed.user_key, parsed.sequence, kTypeDeletion);
        ikey = rewritten;
        value = {};
        parsed.type = kTypeDeletion;  // rule 3
      }
      if (parsed.type == kTypeDeletion && parsed.sequence <= p.smallest_snapshot &&
          p.is_base_level && p.is_base_level(parsed.user_key)) {
        drop = true;  // rule 2
      }
    }
    last_sequence_for_key = parsed.sequence;
    if (drop) {
      stats->entries_dropped++;
      continue;
    }

    // Split outputs only between user keys, so that one key's versions never
    // straddle two files of a level (readers stop at the first file that has it).
    if (out.builder && split_pending && first_of_key) {
      split_pending = false;
      s = FinishOutput(out, outputs, stats);
      if (!s.ok()) break;
    }
    if (!out.builder) {
      out.meta.number = p.new_file_number();
      auto file = WritableFile::Open(TableFileName(p.dir, out.meta.number));
      if (!file.ok()) {
        s = file.status();
        break;
      }
      out.file = std::move(file).value();
      out.builder = std::make_unique<TableBuilder>(p.table_options, out.file.get());
      out.meta.smallest.assign(ikey);
    }
    out.meta.largest.assign(ikey);
    out.builder->Add(ikey, value);
    if (out.builder->EstimatedFileSize() >= p.target_file_size) split_pending = true;
  }
  if (s.ok()) s = input.status();
  if (s.ok() && out.builder) s = FinishOutput(out, outputs, stats);
  if (!s.ok()) {
    if (out.builder) out.builder->Abandon();
    if (out.file) {
      (void)out.file->Close();
      (void)RemoveFile(TableFileName(p.dir, out.meta.number));
    }
    for (const auto& f : *outputs) (void)RemoveFile(TableFileName(p.dir, f.number));
    outputs->clear();
  }
  return s;
}

}  // namespace lsmdb::storage
