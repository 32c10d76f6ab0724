#include "src/types/command_options.h"

#include <climits>
#include <string>

#include "src/server/redis_error.h"
#include "src/types/numbers.h"

namespace lsmdb::server {

namespace {

// SET/GETEX flag bits, as in t_string.c.
enum : uint32_t {
  kNx = 1u << 0,
  kXx = 1u << 1,
  kEx = 1u << 2,
  kPx = 1u << 3,
  kKeepTtl = 1u << 4,
  kGet = 1u << 5,
  kExAt = 1u << 6,
  kPxAt = 1u << 7,
  kPersist = 1u << 8,
};
constexpr uint32_t kAnyTime = kEx | kPx | kExAt | kPxAt;

enum class CommandType { kGet, kSet };

struct ExtendedArgs {
  uint32_t flags = 0;
  std::string_view time_arg;
};

// parseExtendedStringArgumentsOrReply: each option is accepted only if no
// conflicting one was seen before; anything else is a syntax error.
Result<ExtendedArgs> ParseExtended(std::span<const std::string_view> opts, CommandType type) {
  ExtendedArgs out;
  uint32_t& f = out.flags;
  const bool is_set = type == CommandType::kSet;
  for (size_t j = 0; j < opts.size(); ++j) {
    std::string_view opt = opts[j];
    const bool has_next = j + 1 < opts.size();
    if (EqualsIgnoreCase(opt, "nx") && !(f & kXx) && is_set) {
      f |= kNx;
    } else if (EqualsIgnoreCase(opt, "xx") && !(f & kNx) && is_set) {
      f |= kXx;
    } else if (EqualsIgnoreCase(opt, "get") && is_set) {
      f |= kGet;
    } else if (EqualsIgnoreCase(opt, "keepttl") && !(f & kPersist) && !(f & kAnyTime) && is_set) {
      f |= kKeepTtl;
    } else if (EqualsIgnoreCase(opt, "persist") && !is_set && !(f & kAnyTime) && !(f & kKeepTtl)) {
      f |= kPersist;
    } else if (EqualsIgnoreCase(opt, "ex") && !(f & (kKeepTtl | kPersist | kExAt | kPx | kPxAt)) &&
               has_next) {
      f |= kEx;
      out.time_arg = opts[++j];
    } else if (EqualsIgnoreCase(opt, "px") && !(f & (kKeepTtl | kPersist | kEx | kExAt | kPxAt)) &&
               has_next) {
      f |= kPx;
      out.time_arg = opts[++j];
    } else if (EqualsIgnoreCase(opt, "exat") && !(f & (kKeepTtl | kPersist | kEx | kPx | kPxAt)) &&
               has_next) {
      f |= kExAt;
      out.time_arg = opts[++j];
    } else if (EqualsIgnoreCase(opt, "pxat") && !(f & (kKeepTtl | kPersist | kEx | kExAt | kPx)) &&
               has_next) {
      f |= kPxAt;
      out.time_arg = opts[++j];
    } else {
      return RedisError(kErrSyntax);
    }
  }
  return out;
}

// getExpireMillisecondsOrReply.
Result<int64_t> ResolveTime(std::string_view arg, bool seconds, bool relative, int64_t now_ms,
                            std::string_view command) {
  int64_t ms;
  if (!StringToInt64(arg, &ms)) return RedisError(kErrNotInteger);
  if (ms <= 0 || (seconds && ms > LLONG_MAX / 1000)) return InvalidExpireError(command);
  if (seconds) ms *= 1000;
  if (relative && __builtin_add_overflow(ms, now_ms, &ms)) return InvalidExpireError(command);
  if (ms <= 0) return InvalidExpireError(command);
  return ms;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool NormalizeIndexRange(int64_t start, int64_t stop, int64_t len, int64_t* first, int64_t* last) {
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return false;
  if (stop >= len) stop = len - 1;
  *first = start;
  *last = stop;
  return true;
}

Status InvalidExpireError(std::string_view command) {
  std::string text(kErrInvalidExpire);
  size_t pos = text.find("{}");
  if (pos != std::string::npos) text.replace(pos, 2, command);
  return RedisError(text);
}

Result<SetOptions> ParseSetOptions(std::span<const std::string_view> options, int64_t now_ms,
                                   std::string_view command) {
  LSMDB_ASSIGN_OR_RETURN(ExtendedArgs args, ParseExtended(options, CommandType::kSet));
  SetOptions out;
  const uint32_t f = args.flags;
  if (f & kNx) out.condition = SetOptions::Condition::kIfAbsent;
  if (f & kXx) out.condition = SetOptions::Condition::kIfPresent;
  out.get = (f & kGet) != 0;
  if (f & kKeepTtl) out.ttl = TtlAction::kKeep;
  if (f & kAnyTime) {
    LSMDB_ASSIGN_OR_RETURN(out.expire_at_ms, ResolveTime(args.time_arg, (f & (kEx | kExAt)) != 0,
                                                         (f & (kEx | kPx)) != 0, now_ms, command));
    out.ttl = TtlAction::kSet;
  }
  return out;
}

Result<GetExParse> ParseGetExOptions(std::span<const std::string_view> options) {
  LSMDB_ASSIGN_OR_RETURN(ExtendedArgs args, ParseExtended(options, CommandType::kGet));
  GetExParse out;
  const uint32_t f = args.flags;
  if (f & kPersist) out.action = GetExOptions::Action::kPersist;
  if (f & kAnyTime) {
    out.action = GetExOptions::Action::kExpire;
    out.time_arg = args.time_arg;
    out.relative = (f & (kEx | kPx)) != 0;
    out.seconds = (f & (kEx | kExAt)) != 0;
  }
  return out;
}

Result<GetExOptions> ResolveGetExOptions(const GetExParse& parse, int64_t now_ms) {
  GetExOptions out;
  out.action = parse.action;
  if (parse.action == GetExOptions::Action::kExpire) {
    LSMDB_ASSIGN_OR_RETURN(out.expire_at_ms, ResolveTime(parse.time_arg, parse.seconds,
                                                         parse.relative, now_ms, "getex"));
  }
  return out;
}

Result<uint32_t> ParseExpireFlags(std::span<const std::string_view> options) {
  uint32_t flags = 0;
  for (std::string_view opt : options) {
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= kExpireNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= kExpireXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= kExpireGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= kExpireLt;
    } else {
      return RedisError("ERR Unsupported option " + std::string(opt));
    }
  }
  if ((flags & kExpireNx) && (flags & (kExpireXx | kExpireGt | kExpireLt))) {
    return RedisError("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & kExpireGt) && (flags & kExpireLt)) {
    return RedisError("ERR GT and LT options at the same time are not compatible");
  }
  return flags;
}

Result<int64_t> ExpireTimeArgToMs(std::string_view arg, int64_t basetime_ms, bool seconds,
                                  std::string_view command) {
  int64_t when;
  if (!StringToInt64(arg, &when)) return RedisError(kErrNotInteger);
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return InvalidExpireError(command);
    when *= 1000;
  }
  if (when > LLONG_MAX - basetime_ms) return InvalidExpireError(command);
  return when + basetime_ms;
}

}  // namespace lsmdb::server
