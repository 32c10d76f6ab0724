#pragma once

// Small helpers shared by the command family files (cmd_<family>.cc).

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "src/server/command_context.h"

namespace lsmdb::server {

using Args = std::span<const std::string_view>;

// The arguments from position `first` on (empty when there are fewer).
inline Args ArgsFrom(CommandContext& ctx, size_t first) {
  return Args(ctx.args()).subspan(std::min(first, ctx.argc()));
}

// A bulk string, or the null reply when absent.
inline void ReplyOptionalBulk(CommandContext& ctx, const std::optional<std::string>& value) {
  if (value) {
    ctx.reply().Bulk(*value);
  } else {
    ctx.reply().Null();
  }
}

}  // namespace lsmdb::server
