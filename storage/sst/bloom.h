#pragma once

// A bloom filter over USER keys (internal keys minus their 8-byte tag), one
// per table, stored in the table's filter block:
//
//   filter block := bit array: uint8[n] | k (number of probes): uint8
//
// Probe i of key h = XXH3_64bits(user_key) sets bit (h1 + i * h2) mod n*8,
// with h1/h2 the low/high 32 bits of h (double hashing).
// k = bits_per_key * 0.69 (ln 2), clamped to [1, 30]; 10 bits/key gives ~1%
// false positives. Never a false negative.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::storage {

class BloomFilterBuilder {
 public:
  explicit BloomFilterBuilder(int bits_per_key = 10);

  // Adds a user key. Consecutive duplicates (versions of one key) count once.
  void AddUserKey(std::string_view user_key);
  // Returns the filter block for every key added; resets the builder.
  std::string Finish();
  size_t num_keys() const { return hashes_.size(); }

 private:
  int bits_per_key_;
  int k_;
  std::vector<uint64_t> hashes_;
};

// Reads a filter block. An empty or malformed filter matches everything (a
// filter can only ever save work, never lose a key).
class BloomFilterReader {
 public:
  BloomFilterReader() = default;
  explicit BloomFilterReader(std::string contents);

  bool KeyMayMatch(std::string_view user_key) const;

 private:
  std::string contents_;
  uint64_t num_bits_ = 0;
  int k_ = 0;
};

}  // namespace lsmdb::storage
