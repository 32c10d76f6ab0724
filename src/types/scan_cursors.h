#pragma once

// SCAN cursors. Keys are iterated in engine order, so a SCAN position is "the
// last key examined"; clients, however, expect an integer cursor (redis-py
// parses it with int()). This table maps cursor numbers to positions.
//
// Bounded LRU of kMaxCursors entries shared by all connections; 0 is never a
// handed-out id (it means start/end). Ids start from a clock-derived value so
// a cursor kept across a server restart is unknown (-> "ERR invalid cursor")
// rather than silently pointing into another scan. Thread-safe.

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace lsmdb::server {

class ScanCursorTable {
 public:
  static constexpr size_t kMaxCursors = 10000;

  struct Position {
    int db = 0;
    std::string last_key;  // user key; resume strictly after it
  };

  explicit ScanCursorTable(uint64_t first_id) : next_id_(first_id == 0 ? 1 : first_id) {}

  // Remembers `pos` and returns its new cursor id (never 0).
  uint64_t Add(int db, std::string_view last_key) {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t id = next_id_++;
    if (next_id_ == 0 || next_id_ > (uint64_t{1} << 62)) next_id_ = 1;
    lru_.push_front(Entry{id, Position{db, std::string(last_key)}});
    index_[id] = lru_.begin();
    while (lru_.size() > kMaxCursors) {
      index_.erase(lru_.back().id);
      lru_.pop_back();
    }
    return id;
  }

  // The position of cursor `id`, or nullopt if unknown (evicted, never
  // issued, or from before a restart). A cursor may be used more than once.
  std::optional<Position> Find(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(id);
    if (it == index_.end()) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->pos;
  }

  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return lru_.size();
  }

 private:
  struct Entry {
    uint64_t id;
    Position pos;
  };
  std::mutex mu_;
  uint64_t next_id_;                                                // GUARDED_BY(mu_)
  std::list<Entry> lru_;                                            // GUARDED_BY(mu_), newest first
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;  // GUARDED_BY(mu_)
};

}  // namespace lsmdb::server
