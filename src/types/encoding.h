#pragma once

// How the Redis data model is laid out in the engine's flat, ordered key space
// (Kvrocks-style versioned metadata). docs/encoding.md says the same at length.
//
// Every Redis key has exactly one METADATA record:
//
//   key   := 'M' | db: 1 byte | epoch: fixed32 big-endian | [slot: fixed16 BE] | user key
//
//   slot: only in the CLUSTER layout (a server started with cluster-enabled):
//   the key's hash slot (cluster/slot.h KeySlot), so that the keys of one
//   slot are contiguous (COUNTKEYSINSLOT, GETKEYSINSLOT and migration are
//   range scans). The PLAIN layout (no slot) keeps a db's keys in user-key
//   order (KEYS/SCAN prefix seeks, SEARCHRANGE). The layout is process-wide,
//   chosen once by OpenKeyLayout (key_layout.h) before any Keyspace exists
//   and persisted in the data dir as the record
//
//   key   := 'L'                    value := "plain" | "slots"
//   value := type: 1 byte | expire_at_ms: fixed64 LE (0 = no TTL) | body
//   body  := (string)      the value bytes, verbatim
//          | (collection)  version: fixed64 LE | count: varint64 | type fields
//   type fields := (list)  head: fixed64 LE | tail: fixed64 LE   (elements in [head, tail))
//               |  (hash, set, zset)  nothing
//
//   type: string=1 hash=2 list=3 set=4 zset=5
//
// Collections keep their members in ELEMENT records, one per member:
//
//   key   := 'S' | db: 1 byte | key length: varint32 | user key | version: fixed64 BE | sub-key
//   sub-key / value:  hash: field -> value;  set: member -> "";
//                     zset: member -> score (fixed64 LE, IEEE double bits);
//                     list: index fixed64 BE -> element
//   zset score index:
//   key   := 'Z' | db | key length: varint32 | user key | version: fixed64 BE
//            | score: 8 bytes order-preserving | member      value := ""
//
// Per-database EPOCH records make FLUSHDB O(1):
//
//   key   := 'E' | db: 1 byte          value := epoch: fixed32 LE (absent = 0)
//
// Only metadata of the db's current epoch is visible; FLUSHDB bumps the epoch.
// Old-epoch metadata and elements whose metadata is gone, expired or of
// another version are invisible and are dropped by KeyspaceCompactionFilter.
//
// Invariants: DEL, EXPIRE and overwrite of any key touch only its metadata
// record (O(1)); a new collection always gets a fresh, never reused version;
// all metadata key building goes through MetaKey()/AppendMetaPrefix() and
// all parsing through ParseMetaKey(), the only code that knows the layout.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lsmdb::server {

// Number of logical databases (SELECT 0..15).
inline constexpr int kNumDbs = 16;

// Record kinds: the first byte of every engine key the server writes.
inline constexpr char kMetaTag = 'M';
inline constexpr char kElementTag = 'S';
inline constexpr char kScoreTag = 'Z';
inline constexpr char kEpochTag = 'E';
inline constexpr char kLayoutTag = 'L';

enum class RedisType : uint8_t {
  kNone = 0,  // never stored: "no such key"
  kString = 1,
  kHash = 2,
  kList = 3,
  kSet = 4,
  kZSet = 5,
};

// "none", "string", "hash", "list", "set", "zset" (TYPE's replies).
std::string_view TypeName(RedisType type);

// The decoded value of a metadata record.
struct Metadata {
  RedisType type = RedisType::kString;
  int64_t expire_at_ms = 0;  // unix ms; 0 = no TTL
  // Strings only.
  std::string value;
  // Collections only.
  uint64_t version = 0;
  uint64_t count = 0;
  uint64_t list_head = 0;  // lists only
  uint64_t list_tail = 0;  // lists only

  bool IsCollection() const { return type != RedisType::kString; }
  // Redis's rule (db.c keyIsExpired): a key is expired once now > expire_at.
  bool IsExpired(int64_t now_ms) const { return expire_at_ms != 0 && now_ms > expire_at_ms; }
};

// ---- keys ----

// The key layout (see the top of this file). SetSlotKeyLayout is called once,
// before any Keyspace exists (OpenKeyLayout); the default is plain.
void SetSlotKeyLayout(bool slots);
bool SlotKeyLayout();
// Bytes between MetaPrefix and the user key: 2 in the cluster layout, else 0.
size_t MetaSlotBytes();

// 'M' | db | epoch: the prefix shared by every live key of `db`.
void AppendMetaPrefix(std::string* dst, int db, uint32_t epoch);
std::string MetaPrefix(int db, uint32_t epoch);
// 'M' | db | epoch | slot: the prefix of the keys of one slot (cluster layout).
std::string MetaSlotPrefix(int db, uint32_t epoch, int slot);
// MetaPrefix(db, epoch) [+ KeySlot(user_key)] + user_key.
std::string MetaKey(int db, uint32_t epoch, std::string_view user_key);

// A metadata key taken apart. False if `engine_key` is not a well-formed one.
struct ParsedMetaKey {
  int db = 0;
  uint32_t epoch = 0;
  int slot = -1;              // -1 in the plain layout
  std::string_view user_key;  // points into the parsed key
};
bool ParseMetaKey(std::string_view engine_key, ParsedMetaKey* out);

// 'S' | db | varint len | user key | version BE: prefix of all elements of one
// collection version. ElementKey appends the sub-key.
std::string ElementPrefix(int db, std::string_view user_key, uint64_t version);
std::string ElementKey(int db, std::string_view user_key, uint64_t version,
                       std::string_view sub_key);
// Same layout with the 'Z' tag (zset score index).
std::string ScoreIndexPrefix(int db, std::string_view user_key, uint64_t version);

// An element ('S') or score index ('Z') key taken apart.
struct ParsedElementKey {
  char tag = kElementTag;
  int db = 0;
  std::string_view user_key;
  uint64_t version = 0;
  std::string_view sub_key;
};
bool ParseElementKey(std::string_view engine_key, ParsedElementKey* out);

// 'E' | db.
std::string EpochKey(int db);
std::string EncodeEpoch(uint32_t epoch);
// False if `value` is not 4 bytes.
bool DecodeEpoch(std::string_view value, uint32_t* epoch);

// ---- metadata values ----

std::string EncodeMetadata(const Metadata& meta);
// False if the bytes are malformed (unknown type, truncated).
bool DecodeMetadata(std::string_view value, Metadata* out);
// Reads only the type byte and the expiry (for the compaction filter and SCAN
// TYPE); false if malformed.
bool PeekMetadata(std::string_view value, RedisType* type, int64_t* expire_at_ms);

// Smallest string greater than every string starting with `prefix`, or empty
// when there is none (prefix is all 0xff).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace lsmdb::server
