#pragma once

// Redis sets over the engine.
//
// Layout (encoding.h): one metadata record of type kSet whose count is the
// exact number of members, and one element record per member with an empty
// value:
//
//   'S' | db | varint len | user key | version BE | member   ->   ""
//
// Members come out of a range scan in byte order, so SMEMBERS, SINTER,
// SUNION and SDIFF reply in byte order (Redis's order is unspecified). The
// metadata record is deleted with the last member: an empty set never exists.
//
// Multi-key operations:
//  - SINTER iterates the smallest set and tests each member in the others
//    with a point lookup (bloom filters make misses cheap); any absent key
//    makes the result empty, but every key is still type-checked first.
//  - SDIFF iterates the first set and tests each member in the others.
//  - SUNION merges every set into an ordered std::set in memory.
//  - The STORE forms hold the stripe locks of the destination and every
//    source, compute the result, and write it as a fresh version of the
//    destination (whatever its old type; the TTL is cleared). An empty result
//    deletes the destination. Old elements become garbage for compaction.
// SPOP/SRANDMEMBER use PickRandomElements (hash.h: read-all sampling for
// small sets, byte descent for large ones). SPOP of every member (count >=
// SCARD) deletes only the metadata record, O(1) writes.
//
// SPOP and tombstones: every popped member leaves a deletion tombstone in the
// set's element range until compaction. Byte descent favours members after
// gaps, so pops cluster, emptied runs grow, and each later descent that lands
// in one walks its tombstones (SPOP of half of a 200k set got ~10x slower per
// op). So SPOP counts, per set version (in memory, process-local; a restart
// forgets them), the tombstones it left and the time its descents took;
// once the tombstones reach an eighth of the survivors, or the time reaches
// about what rewriting the survivors costs (and there are at least 256
// tombstones), it pops by reading the whole set (exactly uniform) and writes
// the survivors as a fresh version in the same batch:
// the old version's range, tombstones and all, becomes garbage for the
// compaction filter and is never read again. Amortised cost: O(1) element
// writes per pop; the rewriting pop itself is O(SCARD).
//
// Contracts as in keyspace.h: expired keys are absent; each write is one
// WriteBatch through the Committer under the stripe locks of its keys from
// the first read to Commit's return; kErrWrongType for a key of another type
// (for reads and sources of STORE forms); on error nothing was written.
// Thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/status.h"
#include "src/types/committer.h"
#include "src/types/hash.h"

namespace lsmdb::server {

class Keyspace;

class Set {
 public:
  enum class Op { kInter, kUnion, kDiff };

  // `ks` must outlive the Set (cheap; make one per command).
  explicit Set(Keyspace& ks) : ks_(ks) {}

  // SADD: how many of the members were new (a repeated member counts once).
  // Keeps the TTL.
  Result<int64_t> Add(Committer& committer, int db, std::string_view key,
                      std::span<const std::string_view> members);
  // SREM: how many (distinct) members were removed. The key goes with its
  // last member.
  Result<int64_t> Rem(Committer& committer, int db, std::string_view key,
                      std::span<const std::string_view> members);
  // SMEMBERS: every member in byte order; empty if absent.
  Result<std::vector<std::string>> Members(int db, std::string_view key);
  // SISMEMBER.
  Result<bool> IsMember(int db, std::string_view key, std::string_view member);
  // SMISMEMBER: one flag per member (all false for an absent key).
  Result<std::vector<bool>> MIsMember(int db, std::string_view key,
                                      std::span<const std::string_view> members);
  // SCARD: O(1); 0 if absent.
  Result<int64_t> Card(int db, std::string_view key);

  // SPOP key count: min(count, SCARD) distinct random members, removed.
  // Empty if absent or count == 0 (still kErrWrongType for another type).
  Result<std::vector<std::string>> Pop(Committer& committer, int db, std::string_view key,
                                       uint64_t count);
  // SPOP key: one random member, removed; nullopt if absent.
  Result<std::optional<std::string>> PopOne(Committer& committer, int db, std::string_view key);
  // SRANDMEMBER key: one random member; nullopt if absent.
  Result<std::optional<std::string>> RandMember(int db, std::string_view key);
  // SRANDMEMBER key count: PickRandomElements semantics (count < 0 allows
  // repeats). REQUIRES: count > INT64_MIN. Empty if absent.
  Result<RandomPick> RandMembers(int db, std::string_view key, int64_t count);

  // SMOVE: true if `member` was in src and is now in dst. False if src is
  // absent or lacks the member. kErrWrongType if src, or dst when it exists,
  // is not a set. src == dst: true iff the member is there (no write).
  Result<bool> Move(Committer& committer, int db, std::string_view src, std::string_view dst,
                    std::string_view member);

  // SINTER/SUNION/SDIFF: the result in byte order. REQUIRES: keys non-empty.
  Result<std::vector<std::string>> Combine(int db, Op op, std::span<const std::string_view> keys);
  // SINTERCARD: the size of the intersection, counting stops at `limit`
  // (0 = no limit).
  Result<int64_t> InterCard(int db, std::span<const std::string_view> keys, uint64_t limit);
  // SINTERSTORE/SUNIONSTORE/SDIFFSTORE: the size of the stored result.
  Result<int64_t> CombineStore(Committer& committer, int db, Op op, std::string_view dst,
                               std::span<const std::string_view> keys);

  // SSCAN: ScanElements over the members (values empty).
  Result<ElementScanResult> Scan(int db, std::string_view key, uint64_t cursor,
                                 std::string_view pattern, size_t count);

 private:
  // Computes op over `keys` (callers hold locks if they need them). When
  // `card` is non-null only the size is computed (SINTERCARD, with `limit`).
  Result<std::vector<std::string>> Compute(int db, Op op, std::span<const std::string_view> keys,
                                           uint64_t limit, int64_t* card);

  Keyspace& ks_;
};

}  // namespace lsmdb::server
