#include "src/commands/cmd_debug.h"

#include <fmt/core.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/server/command_context.h"
#include "src/server/redis_error.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"

namespace lsmdb::server {

Status DebugPopulate(CommandContext& ctx) {
  if (ctx.argc() < 3 || ctx.argc() > 5) {
    return RedisError("ERR Wrong number of arguments for DEBUG POPULATE");
  }
  int64_t count;
  if (!StringToInt64(ctx.arg(2), &count)) return RedisError(kErrNotInteger);
  if (count < 0) return RedisError("ERR count must be a non-negative integer");
  const std::string_view prefix = ctx.argc() >= 4 ? ctx.arg(3) : std::string_view("key");
  int64_t size = -1;
  if (ctx.argc() == 5) {
    if (!StringToInt64(ctx.arg(4), &size)) return RedisError(kErrNotInteger);
    if (size < 0 || size > (512ll << 20)) return RedisError("ERR size out of range");
  }
  Keyspace& ks = ctx.keyspace();
  const int db = ctx.db();
  // One MGet (which keys exist) and one MSet (the missing ones) per group.
  const int64_t per_group =
      std::max<int64_t>(1, std::min<int64_t>(1000, (1 << 20) / std::max<int64_t>(size, 16)));
  std::vector<std::string> keys, values;
  std::vector<std::string_view> key_views, pairs;
  for (int64_t start = 0; start < count; start += per_group) {
    const int64_t end = std::min(count, start + per_group);
    keys.clear();
    values.clear();
    for (int64_t n = start; n < end; n++) {
      keys.push_back(fmt::format("{}:{}", prefix, n));
      std::string v = fmt::format("value:{}", n);
      if (size >= 0) v.resize(static_cast<size_t>(size), '\0');
      values.push_back(std::move(v));
    }
    key_views.assign(keys.begin(), keys.end());
    LSMDB_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> existing,
                           ks.MGet(db, key_views));
    pairs.clear();
    for (size_t i = 0; i < keys.size(); i++) {
      if (existing[i].has_value()) continue;
      pairs.push_back(keys[i]);
      pairs.push_back(values[i]);
    }
    if (!pairs.empty()) LSMDB_RETURN_IF_ERROR(ks.MSet(ctx.committer(), db, pairs));
  }
  ctx.reply().Ok();
  return Status::OK();
}

}  // namespace lsmdb::server
