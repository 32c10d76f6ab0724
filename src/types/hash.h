#pragma once

// Redis hashes over the engine, plus the element helpers every collection
// type shares (scan cursors, reading all elements, random picks).
//
// Layout (encoding.h): one metadata record of type kHash whose count is the
// exact number of fields, and one element record per field:
//
//   'S' | db | varint len | user key | version BE | field   ->   value
//
// Fields therefore come out of a range scan in byte order. The metadata
// record is deleted with the last field, so an empty hash never exists.
//
// HSCAN/SSCAN cursors. Elements are ordered by sub-key, so a scan position is
// "the last sub-key returned". Clients expect an integer cursor, so positions
// live in a process-wide bounded LRU table (ScanCursorTable, the one SCAN
// uses; a separate instance for elements) keyed by a number: the entry holds
// the user key and the last sub-key, and a resumed scan seeks strictly after
// that sub-key in whatever version the key has now. An unknown number (evicted
// after 10000 newer cursors, or from before a restart) or a cursor of another
// key is "ERR invalid cursor". A collection of at most kScanAllThreshold
// elements is returned whole by a scan starting at cursor 0 (cursor 0 back),
// as Redis does for listpack/intset encodings, whatever COUNT says. Every
// element present for the whole iteration is returned exactly once.
//
// Random picks (HRANDFIELD, SRANDMEMBER, SPOP). Elements sit in an ordered
// range, not a hash table, so there is no O(1) uniform pick. Two methods:
//  - Read-all: a collection of at most kSampleAllThreshold elements (not
//    for SPOP, see PickRandomElements), or a request for at least a quarter
//    of its elements, is read with one range scan and sampled exactly
//    (uniform; partial Fisher-Yates for distinct picks). O(n).
//  - Byte descent: otherwise one element is found with O(depth) seeks. Start
//    with the range's first and last element; skip their common prefix; at
//    the first differing byte pick uniformly a byte value between the two
//    (plus "the prefix itself" when it is an element), seek to the first
//    element at or after it, and repeat inside the chosen sub-range until it
//    holds one element. Exactly uniform when sub-keys fill their byte ranges
//    densely (decimal numbers, fixed-width ids); elements after sparse gaps
//    are likelier. Distinct picks repeat descents and drop duplicates; after
//    4*count+32 attempts they fall back to read-all.
// So SPOP costs O(depth) seeks plus the tombstones it skips near them (about
// deleted/live per seek): emptying an n-element set by single pops is
// O(n log n), not O(n^2).
//
// Contracts as in keyspace.h: expired keys are absent; each write is one
// WriteBatch through the Committer, under the key's stripe lock from the
// first read to Commit's return; WRONGTYPE (kErrWrongType) for a key of
// another type; on any error nothing was written. Thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsmdb/status.h"
#include "src/types/committer.h"
#include "src/types/encoding.h"

namespace lsmdb::server {

class Keyspace;

// A (sub-key, value) pair: (field, value) for hashes, (member, "") for sets.
using FieldValue = std::pair<std::string, std::string>;

// ---- element helpers shared by the collection types ----

// Collections up to this size are scanned whole by a scan from cursor 0.
inline constexpr uint64_t kScanAllThreshold = 128;
// Collections up to this size are sampled by reading every element.
inline constexpr uint64_t kSampleAllThreshold = 128;

// The live metadata of `key` if it has type `type`; nullopt if absent or
// expired; kErrWrongType if it holds another type.
Result<std::optional<Metadata>> LookupOfType(Keyspace& ks, int db, std::string_view key,
                                             RedisType type);

// Every element of the collection `meta` describes, in sub-key order;
// values are left empty unless `with_values`.
Result<std::vector<FieldValue>> ReadElements(Keyspace& ks, int db, std::string_view key,
                                             const Metadata& meta, bool with_values);

struct ElementScanResult {
  uint64_t cursor = 0;  // 0 = iteration complete
  std::vector<FieldValue> elements;
};
// HSCAN/SSCAN/ZSCAN: examines up to `count` (>= 1) elements of `key` after
// `cursor` (0 = from the start) and returns those whose sub-key matches the
// glob `pattern` (empty or "*" = all); see the cursor note at the top. An
// absent key gives cursor 0 and nothing; kErrWrongType for another type;
// "ERR invalid cursor" for an unknown cursor.
Result<ElementScanResult> ScanElements(Keyspace& ks, int db, std::string_view key, RedisType type,
                                       uint64_t cursor, std::string_view pattern, size_t count,
                                       bool with_values);

// Random elements of a collection, as HRANDFIELD/SRANDMEMBER return them.
// The reply is elements[order[0]], elements[order[1]], ... or, when `order`
// is empty, `elements` as they are (so repeats of a large read-all pool are
// indices, not copies).
struct RandomPick {
  std::vector<FieldValue> elements;
  std::vector<uint32_t> order;
  size_t size() const { return order.empty() ? elements.size() : order.size(); }
  const FieldValue& at(size_t i) const { return order.empty() ? elements[i] : elements[order[i]]; }
};
// count >= 0: min(count, meta.count) distinct elements (all of them, in
// sub-key order, when count >= meta.count). count < 0: -count elements with
// repeats, each picked independently. REQUIRES: meta is a live collection.
// `exact_small` allows read-all sampling of a small collection (exactly
// uniform). SPOP passes false: the range of a set emptied by pops is full of
// deletion tombstones until compaction, and reading all of it for each of
// the last 128 pops made emptying a large set quadratic; a descent skips
// only the tombstones near the keys it seeks to.
Result<RandomPick> PickRandomElements(Keyspace& ks, int db, std::string_view key,
                                      const Metadata& meta, int64_t count, bool with_values,
                                      bool exact_small);

// ---- hashes ----

class Hash {
 public:
  // `ks` must outlive the Hash (a Hash is cheap; make one per command).
  explicit Hash(Keyspace& ks) : ks_(ks) {}

  // HSET/HMSET: `pairs` is field, value, field, value... (even, non-empty).
  // Returns how many fields were new. A field repeated in `pairs` takes its
  // last value and counts once. Keeps the key's TTL.
  Result<int64_t> Set(Committer& committer, int db, std::string_view key,
                      std::span<const std::string_view> pairs);
  // HSETNX: true if the field was absent and is now set.
  Result<bool> SetNx(Committer& committer, int db, std::string_view key, std::string_view field,
                     std::string_view value);
  // HGET: the value, nullopt if the key or the field is absent.
  Result<std::optional<std::string>> Get(int db, std::string_view key, std::string_view field);
  // HMGET: one entry per field (nullopt for absent ones; all nullopt for an
  // absent key).
  Result<std::vector<std::optional<std::string>>> MGet(int db, std::string_view key,
                                                       std::span<const std::string_view> fields);
  // HDEL: how many of the (distinct) fields existed and were removed. The
  // key is deleted with its last field.
  Result<int64_t> Del(Committer& committer, int db, std::string_view key,
                      std::span<const std::string_view> fields);
  // HEXISTS.
  Result<bool> Exists(int db, std::string_view key, std::string_view field);
  // HLEN: O(1), from the metadata; 0 if absent.
  Result<int64_t> Len(int db, std::string_view key);
  // HSTRLEN: the value's length, 0 if absent.
  Result<int64_t> StrLen(int db, std::string_view key, std::string_view field);
  // HGETALL/HKEYS/HVALS: every pair in field order (values empty unless
  // `with_values`); empty if absent.
  Result<std::vector<FieldValue>> GetAll(int db, std::string_view key, bool with_values);
  // HINCRBY: the new value. "ERR hash value is not an integer" if the stored
  // value is not a Redis integer; kErrOverflow. An absent field counts as 0.
  Result<int64_t> IncrBy(Committer& committer, int db, std::string_view key, std::string_view field,
                         int64_t delta);
  // HINCRBYFLOAT: the new value as stored (LongDoubleToHumanString). "ERR
  // hash value is not a float"; "ERR increment would produce NaN or Infinity".
  Result<std::string> IncrByFloat(Committer& committer, int db, std::string_view key,
                                  std::string_view field, long double increment);
  // HSCAN: ScanElements over the fields.
  Result<ElementScanResult> Scan(int db, std::string_view key, uint64_t cursor,
                                 std::string_view pattern, size_t count);
  // HRANDFIELD key: one random field and its value, nullopt if absent.
  Result<std::optional<FieldValue>> RandField(int db, std::string_view key);
  // HRANDFIELD key count: PickRandomElements semantics; empty if absent.
  Result<RandomPick> RandFields(int db, std::string_view key, int64_t count, bool with_values);

 private:
  Keyspace& ks_;
};

}  // namespace lsmdb::server
