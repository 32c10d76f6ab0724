#pragma once

// Argument parsing for command handlers, with Redis's strictness and error
// texts (object.c get*FromObjectOrReply): integers follow string2ll (no '+',
// no spaces, no leading zeros), floats follow string2ld.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "lsmdb/status.h"

namespace lsmdb::server {

// getLongLongFromObjectOrReply: kErrNotInteger.
Result<int64_t> ParseInt64Arg(std::string_view arg);
// getIntFromObjectOrReply: kErrNotInteger, or "ERR value is out of range,
// value must between -2147483648 and 2147483647".
Result<int> ParseIntArg(std::string_view arg);
// getLongDoubleFromObjectOrReply: kErrNotFloat.
Result<long double> ParseLongDoubleArg(std::string_view arg);
// Redis's SCAN cursor (strtoul): decimal, no leading space, within uint64;
// "ERR invalid cursor" otherwise.
Result<uint64_t> ParseCursorArg(std::string_view arg);

// A cursor over a command's arguments (Kvrocks CommandParser style):
//   ArgCursor args(ctx.args(), 3);
//   while (!args.Done()) { if (args.EatFlag("REPLACE")) ...; }
// Views point into the caller's vector, which must outlive the cursor.
class ArgCursor {
 public:
  ArgCursor(const std::vector<std::string_view>& args, size_t start) : args_(args), pos_(start) {}

  bool Done() const { return pos_ >= args_.size(); }
  size_t Remaining() const { return Done() ? 0 : args_.size() - pos_; }
  // REQUIRES: !Done().
  std::string_view Peek() const { return args_[pos_]; }
  std::string_view Next() { return args_[pos_++]; }
  // Consumes the next argument if it equals `flag` (any case).
  bool EatFlag(std::string_view flag);
  // The arguments from here on.
  std::span<const std::string_view> Rest() const {
    return std::span<const std::string_view>(args_).subspan(pos_ < args_.size() ? pos_
                                                                                : args_.size());
  }

 private:
  const std::vector<std::string_view>& args_;
  size_t pos_;
};

}  // namespace lsmdb::server
