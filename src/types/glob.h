#pragma once

// Redis's glob-style matcher (util.c stringmatchlen, Redis 7.0), used by KEYS,
// SCAN MATCH and future HSCAN/SSCAN/ZSCAN. Byte-for-byte the same answers:
//   *        any run of bytes (also empty)
//   ?        exactly one byte
//   [abc]    one byte from the set; [^abc] one byte not in it; [a-z] a range
//            (ends may be given in either order); \x inside brackets is x
//   \x       the byte x literally
// A pattern that ends inside brackets ("[abc") matches as if closed. Bytes are
// compared as signed chars, as Redis does on x86 (matters only for ranges
// over bytes >= 0x80).

#include <string>
#include <string_view>

namespace lsmdb::server {

// True if `str` matches `pattern`. nocase folds ASCII case (CONFIG GET uses it).
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// The literal bytes before the first '*', '?', '[' or '\' of `pattern`: every
// key the pattern matches starts with them, so KEYS/SCAN seek there instead of
// scanning the whole keyspace. Empty when the pattern starts with a wildcard.
std::string_view GlobLiteralPrefix(std::string_view pattern);

// True if the pattern has no special character at all (it matches only itself).
bool GlobIsLiteral(std::string_view pattern);

}  // namespace lsmdb::server
