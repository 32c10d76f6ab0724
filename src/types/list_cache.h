#pragma once

// ListCache: the elements at the two ends of hot lists, kept in memory so
// that LPOP/RPOP, LRANGE near either end and LINDEX near either end do not
// reach the engine for the elements (the metadata record is still read from
// the engine on every command: it is the source of truth the cache is checked
// against).
//
// Per list (db, key) the cache holds at most `edge` elements at each end:
//
//   list positions  0 ........ f-1   f .............. count-b-1   count-b ... count-1
//                   [front window]   (not cached)                 [back window]
//
// with f + b <= count. When f + b == count the whole list is cached (front
// then back). Each entry is tagged with the list state it describes,
// ListTag{version, head, tail} from the metadata record: a reader uses the
// windows only if the tag equals the metadata it read.
//
// Who keeps entries right (the contract that makes the tag check enough):
// - list.cc is the only code that changes a list's elements without giving
//   the list a new version (DEL, RENAME, COPY, RESTORE, SET, FLUSHDB and
//   expiry make new versions or drop the metadata, which a tag cannot match).
//   After each commit it calls Pushed/Popped (which follow the change:
//   pushes, pops, LMOVE, LTRIM, LSET) or Erase (LINSERT, LREM), holding the
//   key's stripe lock. With the cache off, Pushed/Popped erase (a Fill that
//   raced the switch may have left an entry).
// - Batches applied from outside the list code (a replica applying its
//   primary's stream) call Erase for every key they touch, after the write.
// - Every Pushed/Popped/Erase bumps its shard's stamp. Fill (which stores what
//   a caller read from the engine) is dropped if the stamp moved since the
//   caller took it with Stamp() before its read, so a read that raced a write
//   can never leave stale elements behind an up-to-date tag.
//
// Memory: lists with an element over kMaxElementBytes are not cached; entries are evicted least
// recently used first once the cached bytes (elements plus a fixed overhead per element and per
// entry) pass the capacity. Capacity 0 disables the cache. Thread-safe (sharded mutexes); a
// reader's sink runs under its shard's mutex, so it must not call back.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lsmdb::server {

class ListElementSink;

// The state of a list a cache entry describes (fields of its metadata).
struct ListTag {
  uint64_t version = 0;
  uint64_t head = 0;
  uint64_t tail = 0;
  uint64_t count() const { return tail - head; }
  bool operator==(const ListTag&) const = default;
};

class ListCache {
 public:
  static constexpr size_t kDefaultEdge = 1024;
  // Larger elements are not cached (a list holding one is dropped from the
  // cache): a few of them would crowd every other list out of a shard.
  static constexpr size_t kMaxElementBytes = 64 << 10;
  static constexpr size_t kShards = 16;

  explicit ListCache(size_t capacity_bytes, size_t edge = kDefaultEdge);
  ListCache(const ListCache&) = delete;
  ListCache& operator=(const ListCache&) = delete;

  // Changes the capacity (0 disables and empties the cache).
  void SetCapacity(size_t bytes);
  bool enabled() const { return capacity_.load(std::memory_order_relaxed) != 0; }
  size_t edge() const { return edge_; }

  // ---- readers (no key lock needed) ----

  // If positions [first, first + n) of the list in state `tag` are cached:
  // calls sink.Begin(n) and sink.Element for each, in order, and returns true.
  // Else returns false without calling the sink.
  bool Read(int db, std::string_view key, const ListTag& tag, uint64_t first, uint64_t n,
            ListElementSink& sink);

  // The shard's stamp, to pass to Fill: take it before the engine read.
  uint64_t Stamp(int db, std::string_view key) const;

  // Remembers positions [first, first + values.size()) of the list in state
  // `tag`, read from the engine after Stamp() returned `stamp`. Kept only if
  // it is an end of the list (first == 0: front; to the last position: back),
  // at most `edge` elements of it, and only if no write touched the shard
  // since the stamp.
  void Fill(int db, std::string_view key, const ListTag& tag, uint64_t stamp, uint64_t first,
            std::vector<std::string> values);

  // ---- writers (after the commit, holding the key's stripe lock) ----

  // `elements` were pushed one by one at the head (left) or tail, moving the
  // list from `before` (nullptr: the list did not exist) to `after`.
  void Pushed(int db, std::string_view key, const ListTag* before, const ListTag& after, bool left,
              std::span<const std::string_view> elements);
  // Elements were removed from the ends: `after` is `before` with head moved
  // up and/or tail moved down (after.count() == 0: the list is gone).
  void Popped(int db, std::string_view key, const ListTag& before, const ListTag& after);
  // LSET: position `pos` of the list in state `tag` (unchanged by it) now
  // holds `value`. A cached position is updated; an uncached one needs nothing.
  void Set(int db, std::string_view key, const ListTag& tag, uint64_t pos, std::string_view value);
  // Any other change to the list's elements.
  void Erase(int db, std::string_view key);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    ListTag tag;
    std::deque<std::string> front;  // positions [0, front.size())
    std::deque<std::string> back;   // positions [count - back.size(), count)
    size_t bytes = 0;
    std::list<std::string>::iterator lru;  // into Shard::lru
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> map;
    std::list<std::string> lru;  // most recently used first
    size_t bytes = 0;
    uint64_t stamp = 0;
  };

  Shard& ShardOf(std::string_view cache_key) const;
  static size_t ElementBytes(std::string_view e) { return e.size() + kElementOverhead; }
  // Keeps each window within `edge_`: a full list moves elements from an
  // overfull window to the other one while it has room, else drops them.
  void Trim(Shard& s, Entry& e) const;
  void Touch(Shard& s, Entry& e) const;
  // A writer's change to (db, key): under the shard's lock, bumps the stamp
  // and, if the key is cached, calls fn(shard, iterator to its entry).
  template <typename Fn>
  void Change(int db, std::string_view key, Fn&& fn);
  void Recount(Shard& s, Entry& e) const;
  void EraseLocked(Shard& s, std::unordered_map<std::string, Entry>::iterator it) const;
  void PoppedLocked(Shard& s, std::unordered_map<std::string, Entry>::iterator it,
                    const ListTag& before, const ListTag& after) const;
  // Drops least recently used entries until the shard fits its share.
  void EvictLocked(Shard& s) const;

  static constexpr size_t kElementOverhead = 40;
  static constexpr size_t kEntryOverhead = 160;

  std::atomic<size_t> capacity_;
  const size_t edge_;
  mutable Shard shards_[kShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace lsmdb::server
