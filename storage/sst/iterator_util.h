#pragma once

// Trivial iterators: over nothing, or over nothing with an error status.

#include <memory>

#include "lsmdb/iterator.h"
#include "lsmdb/status.h"

namespace lsmdb::storage {

// An iterator that is never Valid() and whose status() is `s`.
std::unique_ptr<Iterator> NewEmptyIterator(Status s = Status::OK());
// Same, for a non-OK `s` (reads better at call sites that report an error).
std::unique_ptr<Iterator> NewErrorIterator(Status s);

}  // namespace lsmdb::storage
