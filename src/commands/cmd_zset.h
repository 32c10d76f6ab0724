#pragma once

// ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZRANGE ZREVRANGE
// ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZCOUNT ZLEXCOUNT
// ZPOPMIN ZPOPMAX ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZUNIONSTORE
// ZINTERSTORE ZDIFFSTORE ZUNION ZINTER ZDIFF ZINTERCARD ZRANGESTORE ZSCAN
// ZRANDMEMBER. The blocking pops (BZPOPMIN, ..., ZMPOP, BZMPOP) live with the
// blocking machinery (cmd_blocking.cc) and use ZPop from src/types/zset.h.

namespace lsmdb::server {

class CommandTable;

// Adds the sorted set commands' rows to `table` (called by all_commands.cc).
void RegisterZSetCommands(CommandTable& table);

}  // namespace lsmdb::server
