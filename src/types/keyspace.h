#pragma once

// Keyspace: the Redis data model (strings and key-level operations) over the
// engine, as laid out in src/types/encoding.h. No sockets, no RESP: command
// handlers in src/commands/ parse arguments, call one method, write the reply.
//
// Contracts shared by every method:
// - `db` is a database index in [0, kNumDbs); callers validate it.
// - Expired keys are invisible: reads treat them as absent, writes as absent
//   (a write over an expired key starts from nothing). They are removed by
//   KeyspaceCompactionFilter, or overwritten/deleted by a later write.
// - All writes of one call go to the engine as ONE WriteBatch through the
//   caller's Committer. A method that writes holds the striped locks of its
//   keys (key_lock.h) from its first read to Commit's return, so
//   read-modify-write is atomic against other threads.
// - Errors: Redis errors as RedisError(text) (redis_error.h), e.g. WRONGTYPE;
//   engine failures keep their engine codes. On any error nothing was written.
// Thread-safe: one Keyspace serves every connection.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/db.h"
#include "lsmdb/status.h"
#include "src/types/clock.h"
#include "src/types/command_options.h"
#include "src/types/committer.h"
#include "src/types/encoding.h"
#include "src/types/key_lock.h"
#include "src/types/list_cache.h"
#include "src/types/scan_cursors.h"

namespace lsmdb::server {

class KeyspaceCompactionFilter;

// Largest string SETRANGE/APPEND may build (Redis proto-max-bulk-len default).
inline constexpr int64_t kMaxStringBytes = 512ll * 1024 * 1024;
// The list cache's capacity unless the owner sets one (config storage.list-cache-size).
inline constexpr size_t kDefaultListCacheBytes = size_t{64} << 20;

class Keyspace {
 public:
  // `db` must outlive the Keyspace. Reads the per-database epochs; if that
  // fails, status() says why and every method returns that error. `filter`
  // (may be null, must outlive the Keyspace) is told the epochs now and after
  // every FLUSHDB/FLUSHALL.
  explicit Keyspace(lsmdb::DB* db, Clock clock = RealClockMs,
                    KeyspaceCompactionFilter* filter = nullptr);
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  Status status() const { return init_status_; }
  lsmdb::DB* engine() const { return db_; }
  int64_t NowMs() const { return clock_(); }

  // Re-reads the epoch records. A replica calls it after applying a
  // replicated batch that wrote an 'E' key (see BatchWritesEpoch).
  Status ReloadEpochs();
  static bool BatchWritesEpoch(const WriteBatch& batch);

  // ---- strings (keyspace_strings.cc) ----

  // GET: the value, nullopt if absent. WRONGTYPE for a non-string.
  Result<std::optional<std::string>> Get(int db, std::string_view key);

  struct SetResult {
    bool applied = false;                  // false: NX/XX condition failed
    std::optional<std::string> old_value;  // filled when options.get and the key existed
  };
  // SET/SETNX/SETEX/PSETEX/GETSET. WRONGTYPE only when options.get and the
  // key holds a non-string (then nothing is written).
  Result<SetResult> Set(Committer& committer, int db, std::string_view key, std::string_view value,
                        const SetOptions& options);

  // GETDEL: the value (then the key is deleted), nullopt if absent. WRONGTYPE.
  Result<std::optional<std::string>> GetDel(Committer& committer, int db, std::string_view key);

  // GETEX: the value, nullopt if absent; WRONGTYPE; then the time in `parse`
  // is validated (see ResolveGetExOptions) and applied: a time already past
  // deletes the key, PERSIST removes the TTL.
  Result<std::optional<std::string>> GetEx(Committer& committer, int db, std::string_view key,
                                           const GetExParse& parse);

  // MGET: one entry per key; nullopt for absent and non-string keys. Reads
  // one snapshot, so an MSET is seen whole or not at all.
  Result<std::vector<std::optional<std::string>>> MGet(int db,
                                                       std::span<const std::string_view> keys);

  // MSET: key/value pairs (even count); TTLs are cleared.
  Status MSet(Committer& committer, int db, std::span<const std::string_view> pairs);
  // MSETNX: false (nothing written) if any key exists.
  Result<bool> MSetNx(Committer& committer, int db, std::span<const std::string_view> pairs);

  // APPEND: the new length. Keeps the TTL. "ERR string exceeds maximum
  // allowed size (proto-max-bulk-len)" past kMaxStringBytes.
  Result<int64_t> Append(Committer& committer, int db, std::string_view key,
                         std::string_view value);
  // STRLEN: 0 if absent.
  Result<int64_t> Strlen(int db, std::string_view key);

  // INCRBY (INCR, DECR, DECRBY are deltas): the new value; keeps the TTL.
  // kErrNotInteger if the stored value is not a Redis integer, kErrOverflow.
  Result<int64_t> IncrBy(Committer& committer, int db, std::string_view key, int64_t delta);
  // INCRBYFLOAT: the new value as Redis formats it (keeps the TTL).
  // kErrNotFloat for a stored value or `increment` that is not a float,
  // "ERR increment would produce NaN or Infinity".
  Result<std::string> IncrByFloat(Committer& committer, int db, std::string_view key,
                                  std::string_view increment);

  // GETRANGE/SUBSTR with Redis's index rules; "" if absent.
  Result<std::string> GetRange(int db, std::string_view key, int64_t start, int64_t end);
  // SETRANGE: the new length. REQUIRES: offset >= 0 (the handler replies
  // "ERR offset is out of range"). Zero-pads; keeps the TTL.
  Result<int64_t> SetRange(Committer& committer, int db, std::string_view key, int64_t offset,
                           std::string_view value);

  // ---- any type (keyspace.cc) ----

  // DEL/UNLINK: how many of the (distinct) keys existed. O(1) per key, any type.
  Result<int64_t> Del(Committer& committer, int db, std::span<const std::string_view> keys);
  // EXISTS/TOUCH: how many of the keys exist, repeats counted.
  Result<int64_t> Exists(int db, std::span<const std::string_view> keys);
  // TYPE: kNone if absent.
  Result<RedisType> Type(int db, std::string_view key);
  // RENAME (nx=false: true) / RENAMENX (false when dst exists). Keeps the
  // TTL. kErrNoSuchKey if src is absent. O(1) for strings, O(elements) for
  // collections (element keys embed the user key).
  Result<bool> Rename(Committer& committer, int db, std::string_view src, std::string_view dst,
                      bool nx);
  // COPY: false if src is absent or dst exists without `replace`. The caller
  // rejects src == dst in the same db. Keeps the TTL.
  Result<bool> Copy(Committer& committer, int src_db, std::string_view src, int dst_db,
                    std::string_view dst, bool replace);

  // EXPIRE family: `when_ms` is absolute unix ms, `flags` ExpireFlag bits.
  // False if the key is absent or a flag condition fails; a time <= now
  // deletes the key (true).
  Result<bool> Expire(Committer& committer, int db, std::string_view key, int64_t when_ms,
                      uint32_t flags);
  // -2 if absent, -1 if no TTL, else the absolute expiry in unix ms.
  Result<int64_t> ExpireTime(int db, std::string_view key);
  // PERSIST: true if a TTL was removed.
  Result<bool> Persist(Committer& committer, int db, std::string_view key);

  // ---- iteration (keyspace_scan.cc) ----

  // KEYS: every live key matching the glob, in byte order. A literal prefix
  // of the pattern is sought to; only keys with that prefix are visited.
  Result<std::vector<std::string>> Keys(int db, std::string_view pattern);

  struct ScanResult {
    uint64_t cursor = 0;  // 0 = iteration complete
    std::vector<std::string> keys;
  };
  // SCAN: examines up to `count` keys after `cursor` (0 = from the start) and
  // returns those that are live and match `pattern` (empty = all) and
  // `type_name` (empty = all; compared case-insensitively). Every key that
  // exists for the whole iteration is returned exactly once.
  // "ERR invalid cursor" for a cursor this table does not know (or another db).
  Result<ScanResult> Scan(int db, uint64_t cursor, std::string_view pattern, size_t count,
                          std::string_view type_name);

  // RANDOMKEY: a live key, nullopt if the db is empty. A random descent by
  // key bytes (docs/encoding.md): near uniform over dense key ranges, keys
  // after sparse gaps likelier. O(key length) seeks.
  Result<std::optional<std::string>> RandomKey(int db);
  // DBSIZE: live keys in `db`. O(keys): it counts them.
  Result<int64_t> DbSize(int db);
  // FLUSHDB/FLUSHALL: O(1) epoch bump (see encoding.h); data is reclaimed by
  // compaction.
  Status FlushDb(Committer& committer, int db);
  Status FlushAll(Committer& committer);

  struct RangeResult {
    std::vector<std::string> keys;
    std::string next;   // pass as `start` to continue; meaningful only if more
    bool more = false;  // false: the range is exhausted
  };
  // SEARCHRANGE: live keys k with start <= k < end (empty end = no bound), in
  // byte order, at most `limit` (>= 1).
  Result<RangeResult> SearchRange(int db, std::string_view start, std::string_view end,
                                  size_t limit);

  // ---- building blocks for the collection types (data-types issue) ----

  // The live (not expired) metadata of `key`, nullopt if absent/expired.
  Result<std::optional<Metadata>> LookupMeta(int db, std::string_view key);
  // The metadata key of `key` in the current epoch of `db`.
  std::string MetaKeyFor(int db, std::string_view key) const;
  // MetaPrefix / MetaSlotPrefix (encoding.h) in the current epoch of `db`.
  std::string MetaPrefixFor(int db) const { return MetaPrefix(db, Epoch(db)); }
  std::string MetaSlotPrefixFor(int db, int slot) const {
    return MetaSlotPrefix(db, Epoch(db), slot);
  }
  // A collection version never handed out before (microsecond clock, strictly
  // increasing within the process).
  uint64_t NewVersion();
  KeyLockTable& locks() { return locks_; }
  // The ends of hot lists (list_cache.h); list.cc keeps it in step with its
  // writes. Enabled with kDefaultListCacheBytes until the owner sets another
  // capacity.
  ListCache& list_cache() { return list_cache_; }
  // Reads and decodes the metadata record at `meta_key`; nullopt if absent
  // or expired at `now_ms`. The one reader of metadata records: the type
  // modules check the type on top of it.
  Result<std::optional<Metadata>> ReadLive(std::string_view meta_key, int64_t now_ms,
                                           const lsmdb::Snapshot* snapshot = nullptr);

 private:
  uint32_t Epoch(int db) const { return epochs_[db].load(std::memory_order_acquire); }
  // Commits `batch` if it holds anything.
  static Status CommitIfAny(Committer& committer, WriteBatch& batch);
  // Adds to `batch` the records that make `meta` (of src_db/src) live at
  // dst_db/dst: for collections a fresh version and a copy of every element.
  Status WriteCopy(WriteBatch* batch, int src_db, std::string_view src, const Metadata& meta,
                   int dst_db, std::string_view dst);
  Status FlushDbs(Committer& committer, int first_db, int last_db);

  lsmdb::DB* const db_;
  const Clock clock_;
  KeyspaceCompactionFilter* const filter_;
  Status init_status_;
  // Current epoch per db. Written only under flush_mu_ after the epoch record
  // is committed (release); read by every operation (acquire).
  std::atomic<uint32_t> epochs_[kNumDbs];
  std::mutex flush_mu_;
  // Last version handed out by NewVersion (CAS loop; relaxed suffices, the
  // value is only compared with itself).
  std::atomic<uint64_t> last_version_{0};
  KeyLockTable locks_;
  ScanCursorTable cursors_;
  ListCache list_cache_{kDefaultListCacheBytes};
};

}  // namespace lsmdb::server
