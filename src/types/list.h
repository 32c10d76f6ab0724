#pragma once

// Redis lists over the engine (layout in src/types/encoding.h):
//
//   metadata body := version | count | head: fixed64 LE | tail: fixed64 LE
//   element       := ElementKey(db, key, version, index: fixed64 BE) -> element bytes
//
// The elements of a list are exactly the indexes [head, tail), count == tail -
// head, and index order is list order (big-endian indexes sort numerically).
// A new list starts with head == tail == kListInitialIndex (2^63), so LPUSH
// can grow it down and RPUSH up by 2^63 each before running out.
//
// Costs: push/pop at either end, LINDEX and LSET are O(1) engine Gets/Puts;
// LRANGE is one scan bounded to exactly the wanted indexes (no per-element
// allocation with ListRangeTo). LINSERT and LREM rewrite the elements on one
// side of the change (the shorter side for LINSERT, the tail after the first
// removal for LREM): O(N) writes in the worst case, all in one WriteBatch.
// LTRIM deletes the trimmed elements one by one (O(removed)), or only the
// metadata when nothing survives.
//
// Contracts shared by every function (as in keyspace.h): `db` is in
// [0, kNumDbs); an expired key is absent; a key of another type is
// RedisError(kErrWrongType); a write holds the key's stripe lock(s) from its
// first read until Commit returns and commits one WriteBatch; removing the
// last element deletes the key. On any error nothing was written.
// Thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/status.h"
#include "src/types/committer.h"

namespace lsmdb::server {

class Keyspace;

// Where the first element of a new list goes (see the layout above).
inline constexpr uint64_t kListInitialIndex = uint64_t{1} << 63;

// LPUSH/RPUSH (only_if_exists = false) and LPUSHX/RPUSHX (true): pushes the
// elements one after another at the head (left) or tail, and returns the new
// length; 0 if only_if_exists and the key is absent (nothing written).
Result<int64_t> ListPush(Keyspace& ks, Committer& c, int db, std::string_view key,
                         std::span<const std::string_view> elements, bool left,
                         bool only_if_exists);

// LPOP/RPOP: removes and returns up to `count` elements from the head (left)
// or tail, in pop order. Empty if the key is absent (or count is 0, which
// writes nothing). Used by the blocking pops too.
Result<std::vector<std::string>> ListPop(Keyspace& ks, Committer& c, int db, std::string_view key,
                                         bool left, size_t count);

// LMOVE/RPOPLPUSH: pops one element from the head (from_left) or tail of
// `src` and pushes it at the head (to_left) or tail of `dst`, atomically;
// returns the element, nullopt if `src` is absent (nothing written). Checks
// both keys' types before writing: WRONGTYPE if either is not a list (an
// absent dst is fine). src == dst rotates the list.
Result<std::optional<std::string>> ListMove(Keyspace& ks, Committer& c, int db,
                                            std::string_view src, std::string_view dst,
                                            bool from_left, bool to_left);

// LLEN: 0 if absent. O(1).
Result<int64_t> ListLen(Keyspace& ks, int db, std::string_view key);

// LRANGE with Redis's index rules (negative from the end, clamped); empty if
// absent or the range is empty.
Result<std::vector<std::string>> ListRange(Keyspace& ks, int db, std::string_view key,
                                           int64_t start, int64_t stop);

// Receives a range read's elements as they are read, without copies:
// Begin(n) once, then n Element() calls in list order. `element` is valid
// only during the call. If the read fails partway, fewer calls are made and
// the function returns the error: the receiver must discard what it got.
class ListElementSink {
 public:
  virtual void Begin(size_t n) = 0;
  virtual void Element(std::string_view element) = 0;

 protected:
  ~ListElementSink() = default;
};

// ListRange into `sink` (LRANGE's reply is written straight from the engine's
// iterator). On WRONGTYPE or a failed metadata read, no call is made.
Status ListRangeTo(Keyspace& ks, int db, std::string_view key, int64_t start, int64_t stop,
                   ListElementSink& sink);

// LINDEX: the element, nullopt if absent or out of range.
Result<std::optional<std::string>> ListIndex(Keyspace& ks, int db, std::string_view key,
                                             int64_t index);

// LSET: kErrNoSuchKey if absent, "ERR index out of range".
Status ListSet(Keyspace& ks, Committer& c, int db, std::string_view key, int64_t index,
               std::string_view element);

// LINSERT: the new length; 0 if the key is absent; -1 if `pivot` is not in
// the list (nothing written).
Result<int64_t> ListInsert(Keyspace& ks, Committer& c, int db, std::string_view key, bool before,
                           std::string_view pivot, std::string_view element);

// LREM: removes up to |count| occurrences of `element` (count > 0 from the
// head, < 0 from the tail, 0 all) and returns how many were removed.
Result<int64_t> ListRem(Keyspace& ks, Committer& c, int db, std::string_view key, int64_t count,
                        std::string_view element);

// LTRIM: keeps [start, stop] (Redis index rules); an empty range deletes the
// key. OK if the key is absent.
Status ListTrim(Keyspace& ks, Committer& c, int db, std::string_view key, int64_t start,
                int64_t stop);

// LPOS options (already validated by the handler: rank != 0, count >= 0,
// maxlen >= 0; LONG_MIN rank rejected).
struct ListPosOptions {
  int64_t rank = 1;    // 1 = first match from the head; -1 = first from the tail
  int64_t count = 1;   // matches wanted; 0 = all
  int64_t maxlen = 0;  // elements to compare at most; 0 = no limit
};
// LPOS: the indexes (from the head) of the matches, in scan order; empty if
// the key is absent or nothing matches.
Result<std::vector<int64_t>> ListPos(Keyspace& ks, int db, std::string_view key,
                                     std::string_view element, const ListPosOptions& options);

}  // namespace lsmdb::server
