#pragma once

// HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HSTRLEN HKEYS HVALS HGETALL
// HINCRBY HINCRBYFLOAT HSCAN HRANDFIELD.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lsmdb/status.h"
#include "src/types/encoding.h"

namespace lsmdb::server {

class CommandTable;
class CommandContext;

// Adds the hash commands' rows to `table` (called by all_commands.cc).
void RegisterHashCommands(CommandTable& table);

// Shared with the other collection families:

// HSCAN/SSCAN key cursor [MATCH pattern] [COUNT count], in Redis's order of
// checks (cursor, then key lookup and WRONGTYPE, then options). Replies
// [cursor, [field, value, ...]] for hashes, [cursor, [member, ...]] for sets.
// (ZSCAN needs scores formatted; it can reuse ParseElementScanOptions.)
Status CmdElementScan(CommandContext& ctx, RedisType type);

struct ElementScanOptions {
  std::string_view pattern;  // empty = all
  size_t count = 10;
};
// The options after `key cursor` (from argument 3 on): "ERR syntax error"
// for unknown ones or COUNT < 1, kErrNotInteger for a bad COUNT.
Result<ElementScanOptions> ParseElementScanOptions(CommandContext& ctx);

// HRANDFIELD/SRANDMEMBER/ZRANDMEMBER count: an integer in
// [-INT64_MAX, INT64_MAX]; "ERR value is out of range, value must between
// -9223372036854775807 and 9223372036854775807" otherwise.
Result<int64_t> ParseRandomCountArg(std::string_view arg);

}  // namespace lsmdb::server
