#pragma once

// Server-side errors travel as lsmdb::Status. A Redis error reply is a Status
// of code kInvalidArgument whose message is the whole Redis error text
// (prefix included), e.g. "WRONGTYPE Operation against a key holding the
// wrong kind of value". Engine errors (IOError, Corruption, ...) keep their
// codes and become "ERR <code>: <message>". The one place a Status becomes a
// RESP error line is WriteError() in src/server/error_reply.cc.

#include <string_view>

#include "lsmdb/status.h"

namespace lsmdb::server {

inline Status RedisError(std::string_view full_text) { return Status::InvalidArgument(full_text); }

// Texts copied byte for byte from Redis 7.0.
inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";
inline constexpr std::string_view kErrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kErrNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kErrInvalidExpire = "ERR invalid expire time in '{}' command";
inline constexpr std::string_view kErrDbIndex = "ERR DB index is out of range";

}  // namespace lsmdb::server
