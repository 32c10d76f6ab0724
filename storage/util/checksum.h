#pragma once

// The one checksum of every on-disk format: the low 32 bits of XXH3-64.

#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY  // for XXH3_state_t
#endif
#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace lsmdb::storage {

inline uint32_t Checksum(const char* data, size_t n) {
  return static_cast<uint32_t>(XXH3_64bits(data, n));
}
inline uint32_t Checksum(std::string_view s) { return Checksum(s.data(), s.size()); }
// Checksum of the concatenation a + b, without copying.
inline uint32_t Checksum2(std::string_view a, std::string_view b) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, a.data(), a.size());
  XXH3_64bits_update(&state, b.data(), b.size());
  return static_cast<uint32_t>(XXH3_64bits_digest(&state));
}

}  // namespace lsmdb::storage
