#pragma once

// MergingIterator: the union of several sorted internal-key iterators, used
// for user reads (memtables + every level) and for compaction inputs.
//
// Order: CompareInternalKey (dbformat.h): user key ascending, then sequence
// descending. The children may hold the same internal key; all copies are
// yielded, and equal keys come in child order (lower index first) going
// forward, and in the exact reverse of that order going backward. Duplicates
// are NOT collapsed: DBIter and compaction decide what is visible.

#include <memory>
#include <vector>

#include "lsmdb/iterator.h"

namespace lsmdb::storage {

// Returns an iterator over the merged entries of `children`, which are
// internal-key iterators (key() is an internal key; Seek/SeekForPrev targets
// are internal keys). Null children are ignored. The result owns the
// children. It starts unpositioned: call one of the Seek* methods first.
//
// All methods of lsmdb::Iterator are supported, including switching
// direction (Next after Prev and vice versa) as in leveldb: on a switch every
// non-current child is re-sought around the current key.
//
// Errors: when a child stops on a non-OK status the merged iterator becomes
// !Valid(); status() is the first non-OK child status (child order). Seek*
// re-seeks every child and so may clear an error that a child clears.
//
// With zero children the result is empty; with exactly one child the child
// itself is returned (no wrapping cost).
//
// Cost: Next/Prev are O(log n) comparisons (binary heap of the valid
// children); Seek* and direction switches touch all n children.
std::unique_ptr<lsmdb::Iterator> NewMergingIterator(
    std::vector<std::unique_ptr<lsmdb::Iterator>> children);

}  // namespace lsmdb::storage
