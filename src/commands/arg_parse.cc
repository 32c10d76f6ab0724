#include "src/commands/arg_parse.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>

#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/numbers.h"

namespace lsmdb::server {

Result<int64_t> ParseInt64Arg(std::string_view arg) {
  int64_t v;
  if (!StringToInt64(arg, &v)) return RedisError(kErrNotInteger);
  return v;
}

Result<int> ParseIntArg(std::string_view arg) {
  LSMDB_ASSIGN_OR_RETURN(int64_t v, ParseInt64Arg(arg));
  if (v < INT_MIN || v > INT_MAX) {
    return RedisError("ERR value is out of range, value must between -2147483648 and 2147483647");
  }
  return static_cast<int>(v);
}

Result<long double> ParseLongDoubleArg(std::string_view arg) {
  long double v;
  if (!StringToLongDouble(arg, &v)) return RedisError(kErrNotFloat);
  return v;
}

Result<uint64_t> ParseCursorArg(std::string_view arg) {
  // db.c parseScanCursorOrReply uses strtoul: it accepts an empty string (0)
  // and a leading '+'/'-'; a leading space, trailing bytes or ERANGE fail.
  std::string s(arg);
  if (!s.empty() && std::isspace(static_cast<unsigned char>(s[0]))) {
    return RedisError("ERR invalid cursor");
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return RedisError("ERR invalid cursor");
  return static_cast<uint64_t>(v);
}

bool ArgCursor::EatFlag(std::string_view flag) {
  if (Done() || !EqualsIgnoreCase(args_[pos_], flag)) return false;
  ++pos_;
  return true;
}

}  // namespace lsmdb::server
