#pragma once

// Restricts a user-key iterator to [lower, upper) (either bound optional):
// seeks are clamped into the range and positions outside it read as !Valid().

#include <memory>
#include <optional>
#include <string>

#include "lsmdb/iterator.h"

namespace lsmdb::storage {

std::unique_ptr<lsmdb::Iterator> NewBoundedIterator(std::unique_ptr<lsmdb::Iterator> inner,
                                                    std::optional<std::string> lower,
                                                    std::optional<std::string> upper);

}  // namespace lsmdb::storage
