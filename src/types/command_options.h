#pragma once

// Option parsing shared by the string and keyspace commands, kept apart from
// the handlers so that it can be unit-tested without a server. Every parser
// follows Redis 7.0's order of checks (t_string.c, expire.c) so that a
// command with several faults reports the same error Redis would.

#include <cstdint>
#include <span>
#include <string_view>

#include "lsmdb/status.h"

namespace lsmdb::server {

// ASCII case-insensitive equality (Redis's strcasecmp on option names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Redis's start/stop index normalisation (LRANGE, LTRIM, ZRANGE by rank):
// negative indexes count from the end. False if the range is empty, else
// [*first, *last] lies within [0, len).
bool NormalizeIndexRange(int64_t start, int64_t stop, int64_t len, int64_t* first, int64_t* last);

// What a write does with the key's TTL.
enum class TtlAction : uint8_t {
  kClear,  // plain SET/GETSET/MSET: the new value has no TTL
  kKeep,   // SET KEEPTTL, INCR, APPEND, SETRANGE: keep the current TTL
  kSet,    // EX/PX/EXAT/PXAT: expire at expire_at_ms
};

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]
struct SetOptions {
  enum class Condition : uint8_t { kAlways, kIfAbsent /*NX*/, kIfPresent /*XX*/ };
  Condition condition = Condition::kAlways;
  bool get = false;  // reply with the old value (WRONGTYPE if it is not a string)
  TtlAction ttl = TtlAction::kClear;
  int64_t expire_at_ms = 0;  // absolute unix ms when ttl == kSet; always > 0
};

// Parses the options after `SET key value` (`options` excludes them).
// Relative times (EX/PX) become absolute against now_ms. Errors, in Redis's
// order: "ERR syntax error" for an unknown/duplicate/conflicting option or a
// missing time; then the time itself: not an integer -> kErrNotInteger,
// <= 0 or overflowing -> "ERR invalid expire time in '<command>' command".
// `command` is the lowercase command name used in that message.
Result<SetOptions> ParseSetOptions(std::span<const std::string_view> options, int64_t now_ms,
                                   std::string_view command = "set");

// GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]
struct GetExOptions {
  enum class Action : uint8_t { kNone, kPersist, kExpire };
  Action action = Action::kNone;
  int64_t expire_at_ms = 0;  // absolute unix ms when action == kExpire
};

// GETEX checks in two steps, as Redis does: option syntax first
// (ParseGetExOptions: "ERR syntax error"), then the key lookup and WRONGTYPE,
// and only then the time value (ResolveGetExOptions, same errors as SET with
// command 'getex'). So `GETEX missing EX abc` replies nil, not an error.
struct GetExParse {
  GetExOptions::Action action = GetExOptions::Action::kNone;
  std::string_view time_arg;  // EX/PX/EXAT/PXAT argument, unparsed
  bool relative = false;      // EX/PX
  bool seconds = false;       // EX/EXAT
};
Result<GetExParse> ParseGetExOptions(std::span<const std::string_view> options);
// Validates and converts GETEX's time (same errors as SET, command 'getex').
Result<GetExOptions> ResolveGetExOptions(const GetExParse& parse, int64_t now_ms);

// EXPIRE key time [NX|XX|GT|LT] flags.
enum ExpireFlag : uint32_t {
  kExpireNx = 1u << 0,  // only if the key has no TTL
  kExpireXx = 1u << 1,  // only if the key has a TTL
  kExpireGt = 1u << 2,  // only if the new time is later (no TTL counts as infinite)
  kExpireLt = 1u << 3,  // only if the new time is earlier
};
// Errors: "ERR Unsupported option <opt>", "ERR NX and XX, GT or LT options at
// the same time are not compatible", "ERR GT and LT options at the same time
// are not compatible".
Result<uint32_t> ParseExpireFlags(std::span<const std::string_view> options);

// EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT's time argument as absolute unix ms:
// basetime_ms is now for the relative forms and 0 for the *AT forms. Negative
// results are allowed (they delete the key). Errors: kErrNotInteger, or
// "ERR invalid expire time in '<command>' command" on overflow.
Result<int64_t> ExpireTimeArgToMs(std::string_view arg, int64_t basetime_ms, bool seconds,
                                  std::string_view command);

// kErrInvalidExpire with the command name filled in.
Status InvalidExpireError(std::string_view command);

}  // namespace lsmdb::server
