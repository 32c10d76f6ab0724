#pragma once

// ConcatenatingIterator: one iterator over the files of one sorted LSM level
// (level >= 1), whose files hold disjoint, increasing ranges of internal keys.
// Files are opened lazily, one at a time, like leveldb's TwoLevelIterator
// over a level's file list.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lsmdb/iterator.h"

namespace lsmdb::storage {

// The key range of one file: its smallest and largest INTERNAL keys.
struct FileSpan {
  std::string smallest;
  std::string largest;
};

// Opens the file at `index` of the span list and returns an internal-key
// iterator over it. Must not return null: to report a failure return an
// iterator that is !Valid() with a non-OK status() (null is treated as an
// IOError).
using OpenFileFn = std::function<std::unique_ptr<lsmdb::Iterator>(size_t index)>;

// Returns an internal-key iterator over the concatenation of `files`.
// REQUIRES: files sorted by key and non-overlapping:
//   files[i].smallest <= files[i].largest < files[i+1].smallest
// (CompareInternalKey order), and each file's entries lie within its span.
//
// Behaviour:
//   - Seek(t) opens the first file whose largest >= t (binary search);
//     SeekForPrev(t) the last file whose smallest <= t.
//   - At the end of a file Next/Prev move to the next/previous file; files
//     with no entries (in the searched direction) are skipped.
//   - At most one file iterator is open at a time; re-seeking within the
//     open file reuses it. Reaching either end closes it.
//   - If a file iterator stops with a non-OK status the concatenation stops
//     there (!Valid()) and status() returns that status until the next Seek*.
// `open_file` is called from the iterator's methods only (same thread).
std::unique_ptr<lsmdb::Iterator> NewConcatenatingIterator(std::vector<FileSpan> files,
                                                          OpenFileFn open_file);

}  // namespace lsmdb::storage
