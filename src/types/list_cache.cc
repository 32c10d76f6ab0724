// ListCache (contract and window picture in list_cache.h).
//
// Invariants of an Entry e with n = e.tag.count():
//   e.front.size() <= edge, e.back.size() <= edge,
//   e.front.size() + e.back.size() <= n,
//   e.front[i] is list position i, e.back[j] is position n - back.size() + j,
//   e.bytes = key size + kEntryOverhead + sum of ElementBytes over both windows,
//   Shard::bytes = sum of its entries' bytes.

#include "src/types/list_cache.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "src/types/key_lock.h"
#include "src/types/list.h"

namespace lsmdb::server {

ListCache::ListCache(size_t capacity_bytes, size_t edge)
    : capacity_(capacity_bytes), edge_(std::max<size_t>(edge, 1)) {}

ListCache::Shard& ListCache::ShardOf(std::string_view cache_key) const {
  return shards_[std::hash<std::string_view>{}(cache_key) % kShards];
}

void ListCache::SetCapacity(size_t bytes) {
  capacity_.store(bytes, std::memory_order_relaxed);
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    ++s.stamp;
    EvictLocked(s);
  }
}

void ListCache::Touch(Shard& s, Entry& e) const { s.lru.splice(s.lru.begin(), s.lru, e.lru); }

void ListCache::Recount(Shard& s, Entry& e) const {
  size_t bytes = e.lru->size() + kEntryOverhead;
  for (const std::string& v : e.front) bytes += ElementBytes(v);
  for (const std::string& v : e.back) bytes += ElementBytes(v);
  s.bytes = s.bytes - e.bytes + bytes;
  e.bytes = bytes;
}

void ListCache::EraseLocked(Shard& s, std::unordered_map<std::string, Entry>::iterator it) const {
  s.bytes -= it->second.bytes;
  s.lru.erase(it->second.lru);
  s.map.erase(it);
}

void ListCache::EvictLocked(Shard& s) const {
  const size_t cap = capacity_.load(std::memory_order_relaxed) / kShards;
  while (!s.lru.empty() && (s.bytes > cap || cap == 0)) {
    EraseLocked(s, s.map.find(s.lru.back()));
  }
}

template <typename Fn>
void ListCache::Change(int db, std::string_view key, Fn&& fn) {
  const std::string ck = DbKeyString(db, key);
  Shard& s = ShardOf(ck);
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.stamp;
  auto it = s.map.find(ck);
  if (it != s.map.end()) fn(s, it);
}

void ListCache::Trim(Shard& s, Entry& e) const {
  const uint64_t n = e.tag.count();
  auto drop = [&](std::string& v) {
    const size_t b = ElementBytes(v);
    e.bytes -= b;
    s.bytes -= b;
  };
  while (e.front.size() > edge_) {
    if (e.front.size() + e.back.size() == n && e.back.size() < edge_) {
      e.back.push_front(std::move(e.front.back()));  // stays whole: position unchanged
    } else {
      drop(e.front.back());
    }
    e.front.pop_back();
  }
  while (e.back.size() > edge_) {
    if (e.front.size() + e.back.size() == n && e.front.size() < edge_) {
      e.front.push_back(std::move(e.back.front()));
    } else {
      drop(e.back.front());
    }
    e.back.pop_front();
  }
}

bool ListCache::Read(int db, std::string_view key, const ListTag& tag, uint64_t first, uint64_t n,
                     ListElementSink& sink) {
  if (!enabled()) return false;
  const std::string ck = DbKeyString(db, key);
  Shard& s = ShardOf(ck);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.map.find(ck);
  const uint64_t count = tag.count();
  if (it == s.map.end() || it->second.tag != tag || first > count || n > count - first) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  Entry& e = it->second;
  const uint64_t f = e.front.size(), b = e.back.size();
  const bool whole = f + b == count;
  if (!whole && first + n > f && first < count - b) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  // Positions below f are in front; the others are in back (whole list, or
  // the range lies inside the back window).
  sink.Begin(n);
  for (uint64_t p = first; p < first + n; ++p) {
    sink.Element(p < f ? e.front[p] : e.back[p - (count - b)]);
  }
  Touch(s, e);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

uint64_t ListCache::Stamp(int db, std::string_view key) const {
  Shard& s = ShardOf(DbKeyString(db, key));
  std::lock_guard<std::mutex> lock(s.mu);
  return s.stamp;
}

void ListCache::Fill(int db, std::string_view key, const ListTag& tag, uint64_t stamp,
                     uint64_t first, std::vector<std::string> values) {
  if (!enabled() || values.empty()) return;
  const uint64_t count = tag.count();
  const uint64_t n = values.size();
  if (first > count || n > count - first) return;
  const bool at_front = first == 0, at_back = first + n == count;
  if (!at_front && !at_back) return;
  for (const std::string& v : values) {
    if (v.size() > kMaxElementBytes) return;
  }
  std::string ck = DbKeyString(db, key);
  Shard& s = ShardOf(ck);
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.stamp != stamp) return;  // a write may have raced the caller's read
  auto it = s.map.find(ck);
  if (it != s.map.end() && it->second.tag != tag) {
    EraseLocked(s, it);
    it = s.map.end();
  }
  if (it == s.map.end()) {
    s.lru.push_front(ck);
    it = s.map.emplace(std::move(ck), Entry{}).first;
    it->second.tag = tag;
    it->second.lru = s.lru.begin();
    it->second.bytes = 0;
  }
  Entry& e = it->second;
  const size_t keep = std::min<size_t>(n, edge_);
  if (at_front && at_back) {
    // The whole list: its first `edge` elements in front, up to `edge` of
    // the rest in back.
    const size_t back_from = std::max<size_t>(keep, n > edge_ ? n - edge_ : 0);
    e.front.assign(std::make_move_iterator(values.begin()),
                   std::make_move_iterator(values.begin() + keep));
    e.back.assign(std::make_move_iterator(values.begin() + back_from),
                  std::make_move_iterator(values.end()));
  } else if (at_front) {
    if (keep > e.front.size()) {
      e.front.assign(std::make_move_iterator(values.begin()),
                     std::make_move_iterator(values.begin() + keep));
    }
  } else if (keep > e.back.size()) {
    e.back.assign(std::make_move_iterator(values.end() - keep),
                  std::make_move_iterator(values.end()));
  }
  // The windows must not overlap: a longer front covers what back held.
  while (e.front.size() + e.back.size() > count) e.back.pop_front();
  Recount(s, e);
  Touch(s, e);
  EvictLocked(s);
}

void ListCache::Pushed(int db, std::string_view key, const ListTag* before, const ListTag& after,
                       bool left, std::span<const std::string_view> elements) {
  if (!enabled()) return Erase(db, key);  // one filled just before the cache went off
  for (std::string_view v : elements) {
    if (v.size() > kMaxElementBytes) return Erase(db, key);  // the windows must stay contiguous
  }
  std::string ck = DbKeyString(db, key);
  Shard& s = ShardOf(ck);
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.stamp;
  auto it = s.map.find(ck);
  const uint64_t k = elements.size();
  if (before == nullptr) {
    // A new list: every element is known. Start from the empty list the
    // pushes began with.
    if (it != s.map.end()) EraseLocked(s, it);
    if (after.count() != k) return;
    s.lru.push_front(ck);
    it = s.map.emplace(std::move(ck), Entry{}).first;
    Entry& e = it->second;
    e.tag = after;
    if (left) {
      e.tag.head = after.tail;
    } else {
      e.tag.tail = after.head;
    }
    e.lru = s.lru.begin();
    e.bytes = e.lru->size() + kEntryOverhead;
    s.bytes += e.bytes;
  } else {
    if (it == s.map.end()) return;  // not cached: pushes do not start an entry
    if (it->second.tag != *before || after.version != before->version ||
        after.count() != before->count() + k) {
      EraseLocked(s, it);
      return;
    }
  }
  Entry& e = it->second;
  for (std::string_view v : elements) {
    if (left) {
      e.front.emplace_front(v);
    } else {
      e.back.emplace_back(v);
    }
    e.bytes += ElementBytes(v);
    s.bytes += ElementBytes(v);
  }
  e.tag = after;
  Trim(s, e);
  Touch(s, e);
  EvictLocked(s);
}

void ListCache::Popped(int db, std::string_view key, const ListTag& before, const ListTag& after) {
  if (!enabled()) return Erase(db, key);
  Change(db, key, [&](Shard& s, auto it) { PoppedLocked(s, it, before, after); });
}

void ListCache::PoppedLocked(Shard& s, std::unordered_map<std::string, Entry>::iterator it,
                             const ListTag& before, const ListTag& after) const {
  Entry& e = it->second;
  if (e.tag != before || after.version != before.version || after.head < before.head ||
      after.tail > before.tail || after.head >= after.tail) {
    EraseLocked(s, it);  // a mismatch, or the list is gone
    return;
  }
  // Drops k elements from the front or the back end of window w.
  auto drop = [&](std::deque<std::string>& w, bool from_front, uint64_t k) {
    for (; k > 0; --k) {
      const size_t b = ElementBytes(from_front ? w.front() : w.back());
      e.bytes -= b;
      s.bytes -= b;
      if (from_front) {
        w.pop_front();
      } else {
        w.pop_back();
      }
    }
  };
  uint64_t count = before.count();
  // Positions [0, nl) go. Front loses what it has of them; if they reach
  // into the back window, back loses its first ones too.
  const uint64_t nl = after.head - before.head;
  if (nl > 0) {
    const uint64_t f = e.front.size(), b = e.back.size();
    drop(e.front, true, std::min(nl, f));
    if (nl > count - b) drop(e.back, true, nl - (count - b));
    count -= nl;
  }
  // Positions [count - nr, count) go, symmetrically.
  const uint64_t nr = before.tail - after.tail;
  if (nr > 0) {
    const uint64_t f = e.front.size(), b = e.back.size();
    drop(e.back, false, std::min(nr, b));
    if (nr > count - f) drop(e.front, false, nr - (count - f));
  }
  e.tag = after;
  Touch(s, e);
}

void ListCache::Set(int db, std::string_view key, const ListTag& tag, uint64_t pos,
                    std::string_view value) {
  if (!enabled() || value.size() > kMaxElementBytes) return Erase(db, key);
  Change(db, key, [&](Shard& s, auto it) {
    Entry& e = it->second;
    const uint64_t count = tag.count();
    if (e.tag != tag || pos >= count) {
      EraseLocked(s, it);
      return;
    }
    std::string* slot = nullptr;
    if (pos < e.front.size()) {
      slot = &e.front[pos];
    } else if (pos >= count - e.back.size()) {
      slot = &e.back[pos - (count - e.back.size())];
    }
    if (slot == nullptr) return;  // not cached: nothing to update
    e.bytes = e.bytes - ElementBytes(*slot) + ElementBytes(value);
    s.bytes = s.bytes - ElementBytes(*slot) + ElementBytes(value);
    slot->assign(value);
    Touch(s, e);
    EvictLocked(s);
  });
}

void ListCache::Erase(int db, std::string_view key) {
  Change(db, key, [this](Shard& s, auto it) { EraseLocked(s, it); });
}

ListCache::Stats ListCache::stats() const {
  Stats st;
  st.hits = hits_.load(std::memory_order_relaxed);
  st.misses = misses_.load(std::memory_order_relaxed);
  for (const Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    st.entries += s.map.size();
    st.bytes += s.bytes;
  }
  return st;
}

}  // namespace lsmdb::server
