#pragma once

// Striped key locks: what makes read-modify-write commands (INCR, APPEND,
// SET NX, RENAME, MSETNX, ...) atomic against commands on other threads.
//
// A command locks the stripes of every key it writes, reads them, builds its
// WriteBatch and hands it to the Committer, then unlocks. Committer::Commit
// returns once the batch is visible (not durable), so no lock is held across
// an fsync. Multi-key commands lock their stripes in ascending index order, so
// two commands can never wait for each other. Plain reads (GET, EXISTS) take
// no lock: a batch becomes visible atomically.
//
// Rejected: one mutex per key in a hash map (allocation and cleanup on every
// write) and a single global mutex (serialises all writers across I/O threads).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::server {

// (db, key) as one string: the db byte, then the key. The key of the
// in-memory maps indexed by database and user key (the list cache, the WATCH
// and blocked-client registries).
inline std::string DbKeyString(int db, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(static_cast<char>(db));
  k.append(key);
  return k;
}

class KeyLockTable {
 public:
  static constexpr size_t kStripes = 1024;

  KeyLockTable() = default;
  KeyLockTable(const KeyLockTable&) = delete;
  KeyLockTable& operator=(const KeyLockTable&) = delete;

  static size_t StripeOf(int db, std::string_view key) {
    size_t h = std::hash<std::string_view>{}(key);
    h ^= static_cast<size_t>(db + 1) * 0x9e3779b97f4a7c15ull;
    return (h ^ (h >> 29)) % kStripes;
  }
  std::mutex& stripe(size_t i) { return stripes_[i]; }

 private:
  std::array<std::mutex, kStripes> stripes_;
};

// Holds the stripes of a set of (db, key) pairs for its lifetime.
class KeyLockGuard {
 public:
  // One key: no allocation (the common case of every single-key write).
  KeyLockGuard(KeyLockTable& table, int db, std::string_view key)
      : table_(table), single_(KeyLockTable::StripeOf(db, key)) {
    table_.stripe(single_).lock();
  }
  // `keys` and `dbs` pair up; dbs.size() == 1 means every key is in dbs[0].
  KeyLockGuard(KeyLockTable& table, const std::vector<int>& dbs,
               const std::vector<std::string_view>& keys)
      : table_(table) {
    stripes_.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      stripes_.push_back(KeyLockTable::StripeOf(dbs.size() == 1 ? dbs[0] : dbs[i], keys[i]));
    }
    std::sort(stripes_.begin(), stripes_.end());
    stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
    for (size_t s : stripes_) table_.stripe(s).lock();
  }
  ~KeyLockGuard() {
    if (single_ != kNoStripe) table_.stripe(single_).unlock();
    for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) table_.stripe(*it).unlock();
  }
  KeyLockGuard(const KeyLockGuard&) = delete;
  KeyLockGuard& operator=(const KeyLockGuard&) = delete;

 private:
  static constexpr size_t kNoStripe = SIZE_MAX;
  KeyLockTable& table_;
  size_t single_ = kNoStripe;    // the single-key constructor's stripe
  std::vector<size_t> stripes_;  // the multi-key constructor's, ascending
};

}  // namespace lsmdb::server
