#pragma once

// Incremental, zero-copy parser of client requests: RESP multibulk
// ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline commands ("GET k\r\n").
//
// Contract with the connection: the connection keeps one input buffer. It
// calls Parse() with the unconsumed bytes, which start where the last complete
// command ended; between calls the buffer may have grown at the end (and may
// have moved in memory) but the bytes already passed are unchanged. The parser
// keeps its progress as offsets, so a command arriving a byte at a time costs
// O(size), not O(size^2). On kCommand the args() views point into `buf` (or,
// for inline arguments whose quotes or escapes changed their bytes, into
// storage owned by the parser) and stay valid until the caller changes the
// buffer or calls Parse() again.
//
// Behaviour and error texts follow Redis 7.0's processMultibulkBuffer() and
// processInlineBuffer(); resp_parser.cc lists the accepted formats. Not
// thread-safe: one parser per connection.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lsmdb::resp {

struct ParserLimits {
  size_t max_bulk_len = 512ull << 20;         // proto-max-bulk-len
  int64_t max_multibulk_len = 1024 * 1024;    // elements in one command
  size_t max_inline_len = 64 * 1024;          // bytes of an inline command line
};

class RequestParser {
 public:
  enum class Outcome { kIncomplete, kCommand, kError };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // See the contract above. kCommand: *consumed is the byte length of the
  // command (the caller drops that many bytes before the next call) and args()
  // holds its arguments (an empty inline line yields kCommand with no args;
  // callers skip it). kError: error() holds Redis's text without the leading
  // '-', e.g. "ERR Protocol error: invalid bulk length"; the connection replies
  // with it and closes. kIncomplete: *consumed is 0; call again with more bytes.
  Outcome Parse(std::string_view buf, size_t* consumed);

  const std::vector<std::string_view>& args() const { return args_; }
  const std::string& error() const { return error_; }
  // Bytes the parser knows the current command still needs at least (for the
  // query-buffer limit and for reading large bulks in one go); 0 if unknown.
  size_t BytesWanted() const;
  // Forgets any partial command.
  void Reset();

 private:
  Outcome ParseInline(std::string_view buf, size_t* consumed);
  // Sets error_ to `text`, forgets the partial command, returns kError.
  Outcome Fail(const char* text);

  ParserLimits limits_;
  std::vector<std::string_view> args_;
  std::string error_;
  // Progress through a partial multibulk, as offsets into the buffer.
  std::vector<std::pair<size_t, size_t>> spans_;
  int64_t multibulk_left_ = 0;
  int64_t bulk_len_ = -1;
  size_t pos_ = 0;
  // Bytes of the current header/inline line already searched for its end.
  size_t scan_ = 0;
  // Size of the buffer passed to the last Parse(), for BytesWanted().
  size_t buf_len_ = 0;
  bool in_multibulk_ = false;
  // Unquoted inline arguments; args() may point into it.
  std::string inline_storage_;
};

}  // namespace lsmdb::resp
