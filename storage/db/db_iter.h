#pragma once

// DBIter: the user-facing iterator of the DB. It turns a merged stream of
// internal entries (every version of every key, from memtables and SSTables)
// into the user's view at one snapshot: user keys in bytewise order, each
// with its newest value whose sequence <= the snapshot, and without keys
// whose newest visible entry is a deletion.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "lsmdb/iterator.h"

namespace lsmdb::storage {

// Returns a user-key iterator over `internal` (an internal-key iterator,
// normally a MergingIterator, that the result owns) as of snapshot `sequence`.
//
//   - key() is the user key, value() the visible value.
//   - Seek(t) / SeekForPrev(t) take USER keys: the first visible key >= t /
//     the last visible key <= t.
//   - Both directions and direction switches are supported (leveldb's
//     DBIter logic); in reverse the current entry is copied, so Prev-heavy
//     scans cost one copy per key.
//   - status(): Corruption("corrupted internal key in DBIter") if an internal
//     key failed to parse (the iterator then stops, and the error is sticky),
//     else internal->status(). The iterator also stops (!Valid()) when the
//     internal iterator reports an error.
//   - `cleanup`, if set, runs in the destructor AFTER `internal` has been
//     destroyed (the DB uses it to release the version and memtables that
//     `internal` reads).
//   - `bounds` (user keys, optional): a scan that steps over hidden entries
//     (deletions, versions newer than the snapshot) stops, !Valid(), at the
//     first one whose user key is >= upper (forward) or < lower (reverse)
//     instead of walking every deletion beyond the range. A visible entry
//     outside the bounds is still returned: the DB clamps seeks and checks
//     returned keys in its BoundedIterator around this one.
// Not thread-safe (see lsmdb::Iterator).
struct DBIterBounds {
  std::optional<std::string> lower;
  std::optional<std::string> upper;
};
std::unique_ptr<lsmdb::Iterator> NewDBIterator(std::unique_ptr<lsmdb::Iterator> internal,
                                               uint64_t sequence,
                                               std::function<void()> cleanup = {},
                                               DBIterBounds bounds = {});

}  // namespace lsmdb::storage
