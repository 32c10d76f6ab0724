#pragma once

// DUMP / RESTORE payloads: one key's value (any type) serialised for
// RESTORE, RESTORE-ASKING and MIGRATE. Our own format, not Redis's RDB (a
// payload only travels between lsmdb servers); like Redis it ends in a
// 2-byte version and an 8-byte CRC-64 so that a damaged or foreign payload is
// refused with "ERR DUMP payload version or checksum are wrong".
//
//   payload := type: 1 byte | body | version: fixed16 LE | crc64: fixed64 LE
//   crc64   := CRC-64/Jones (Redis's crc64, reflected, init 0) of every byte
//              before it (type, body, version)
//   version := kDumpVersion (1); a payload with a larger version is refused
//   type    := RedisType: string=1 hash=2 list=3 set=4 zset=5
//
//   body (string) := the value bytes, verbatim (to the version)
//   body (hash)   := count: varint64 | (field: str | value: str) * count
//   body (list)   := count: varint64 | element: str * count     (head to tail)
//   body (set)    := count: varint64 | member: str * count
//   body (zset)   := count: varint64 | (member: str | score: fixed64 LE double bits) * count
//   str           := length: varint64 | bytes
//
// The payload carries no key name and no TTL (RESTORE takes the TTL as an
// argument, as in Redis).
//
// RestoreKey writes the whole value as ONE WriteBatch: the metadata record
// and, for collections, every element record under a fresh version (the
// elements of a replaced collection become stale, see encoding.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsmdb/db.h"
#include "lsmdb/status.h"
#include "src/types/committer.h"
#include "src/types/encoding.h"

namespace lsmdb::server {

class Keyspace;

inline constexpr uint16_t kDumpVersion = 1;
inline constexpr std::string_view kErrDumpPayload =
    "ERR DUMP payload version or checksum are wrong";
inline constexpr std::string_view kErrBusyKey = "BUSYKEY Target key name already exists.";

// CRC-64/Jones as in Redis's crc64.c (crc64(0, "123456789") == 0xe9c6d914c4b8d9ca).
uint64_t Crc64(uint64_t crc, std::string_view data);

// A decoded payload. `items` holds: string: {value, ""}; hash: {field,
// value}; list: {element, ""} in order; set: {member, ""}; zset: {member,
// score bits as 8 bytes LE}.
struct DumpValue {
  RedisType type = RedisType::kNone;
  std::vector<std::pair<std::string, std::string>> items;
};

// The live key as a payload plus its absolute expiry (0 = none); nullopt if
// the key is absent or expired. Reads one snapshot.
struct DumpedKey {
  std::string payload;
  int64_t expire_at_ms = 0;
};
Result<std::optional<DumpedKey>> DumpKey(Keyspace& ks, int db, std::string_view key,
                                         const lsmdb::ReadOptions& ro = lsmdb::ReadOptions{});

// Checks version and checksum, then decodes. kErrDumpPayload if the version
// or checksum is wrong, "ERR Bad data format" if the body does not parse.
Result<DumpValue> DecodeDump(std::string_view payload);

// RESTORE: writes `value` at (db, key) with `expire_at_ms` (0 = none).
// kErrBusyKey if the key exists and !replace. An expiry already in the past
// only deletes an existing key (when replace). Holds the key's stripe lock
// from the existence check to Commit's return.
Status RestoreKey(Keyspace& ks, Committer& committer, int db, std::string_view key,
                  const DumpValue& value, int64_t expire_at_ms, bool replace);

}  // namespace lsmdb::server
