#pragma once

// Hash slots, exactly as Redis Cluster computes them (cluster.c keyHashSlot):
// slot = CRC16-XMODEM(k) mod 16384, where k is the whole key unless it holds
// a hash tag: the bytes between the first '{' and the first '}' after it,
// used only when that span is non-empty ("{}" and "{" alone mean no tag).

#include <cstdint>
#include <string_view>

namespace lsmdb::cluster {

inline constexpr int kSlots = 16384;

// CRC16, CCITT/XMODEM variant (poly 0x1021, init 0, no reflection), as in
// Redis's crc16.c. Crc16("123456789") == 0x31C3.
uint16_t Crc16(std::string_view data);

// The hash slot of `key`, 0..16383.
int KeySlot(std::string_view key);

}  // namespace lsmdb::cluster
