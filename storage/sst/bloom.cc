#include "storage/sst/bloom.h"

#include <xxhash.h>

#include <algorithm>

namespace lsmdb::storage {

namespace {

inline uint64_t BloomHash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key)
    : bits_per_key_(std::max(1, bits_per_key)),
      k_(std::clamp(static_cast<int>(bits_per_key_ * 0.69), 1, 30)) {}

void BloomFilterBuilder::AddUserKey(std::string_view user_key) {
  uint64_t h = BloomHash(user_key);
  if (!hashes_.empty() && hashes_.back() == h) return;
  hashes_.push_back(h);
}

std::string BloomFilterBuilder::Finish() {
  // At least 64 bits, so a tiny table does not get a uselessly small filter.
  uint64_t bits = std::max<uint64_t>(64, hashes_.size() * static_cast<uint64_t>(bits_per_key_));
  const uint64_t bytes = (bits + 7) / 8;
  bits = bytes * 8;
  std::string out(bytes, '\0');
  for (uint64_t h : hashes_) {
    uint32_t h1 = static_cast<uint32_t>(h), h2 = static_cast<uint32_t>(h >> 32);
    for (int i = 0; i < k_; i++) {
      const uint64_t pos = (h1 + static_cast<uint64_t>(i) * h2) % bits;
      out[pos / 8] |= static_cast<char>(1 << (pos % 8));
    }
  }
  out.push_back(static_cast<char>(k_));
  hashes_.clear();
  return out;
}

BloomFilterReader::BloomFilterReader(std::string contents) : contents_(std::move(contents)) {
  if (contents_.size() < 2) return;
  const int k = static_cast<unsigned char>(contents_.back());
  if (k < 1 || k > 30) return;  // unknown encoding: match everything
  k_ = k;
  num_bits_ = (contents_.size() - 1) * 8;
}

bool BloomFilterReader::KeyMayMatch(std::string_view user_key) const {
  if (k_ == 0) return true;
  const uint64_t h = BloomHash(user_key);
  const uint32_t h1 = static_cast<uint32_t>(h), h2 = static_cast<uint32_t>(h >> 32);
  const char* bits = contents_.data();
  for (int i = 0; i < k_; i++) {
    const uint64_t pos = (h1 + static_cast<uint64_t>(i) * h2) % num_bits_;
    if ((bits[pos / 8] & (1 << (pos % 8))) == 0) return false;
  }
  return true;
}

}  // namespace lsmdb::storage
