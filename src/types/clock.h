#pragma once

// The wall clock used for expiry, injectable so tests can move time.

#include <chrono>
#include <cstdint>
#include <functional>

namespace lsmdb::server {

// Returns unix time in milliseconds. Must be thread-safe.
using Clock = std::function<int64_t()>;

inline int64_t RealClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t RealClockMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace lsmdb::server
