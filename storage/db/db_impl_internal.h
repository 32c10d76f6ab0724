#pragma once

// Helpers shared by the files that implement DBImpl (db_impl*.cc).

#include <chrono>
#include <cstdint>
#include <string>

#include "lsmdb/status.h"

namespace lsmdb::storage::internal {

using Clock = std::chrono::steady_clock;

inline uint64_t MicrosSince(Clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
}

// Out of disk space (or quota): the one kind of write failure the DB recovers
// from by itself once space is freed, instead of failing every later write.
inline bool IsNoSpace(const Status& s) {
  return s.IsIOError() && (s.message().find("No space left") != std::string::npos ||
                           s.message().find("quota exceeded") != std::string::npos);
}

}  // namespace lsmdb::storage::internal
