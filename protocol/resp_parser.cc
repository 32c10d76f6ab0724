// Request parser: a port of Redis 7.0's processMultibulkBuffer() and
// processInlineBuffer() (src/networking.c) to offsets over a caller-owned
// buffer. Error texts are Redis's, byte for byte.
//
// Wire formats accepted:
//
//   multibulk:  '*' <count> '\r' <any> { '$' <len> '\r' <any> <len bytes> <any> <any> } x count
//   inline:     <line> '\n'          (a '\r' just before the '\n' is dropped)
//
// As in Redis, the byte after a header's '\r' and the two bytes after a bulk
// payload are skipped without being checked (clients always send "\r\n").
// <count> and <len> are parsed with Redis's string2ll() rules: optional '-',
// no '+', no leading zeros, no spaces, at most 20 characters.
//
// Parser state between calls (all offsets are from the start of `buf`, which
// is the start of the command being parsed):
//   in_multibulk_   the "*<n>" header has been parsed;
//   multibulk_left_ bulks still to read; bulk_len_ the length of the current
//                   bulk once its "$<len>" header is parsed, else -1;
//   pos_            start of the next unparsed header or payload;
//   scan_           how far the current line has been searched for its
//                   terminator ('\r' for multibulk, '\n' for inline), so no
//                   byte is searched twice;
//   spans_          (offset, length) of each bulk already read.
//
// Deviation from Redis: Redis finds line ends with strchr(), which stops at a
// '\0' in the buffer, so a header or inline line containing '\0' makes Redis
// wait for the 64 KiB limit. We use memchr() and see the whole line, which
// then fails with the usual "invalid ... length" error (multibulk) or is cut
// at the '\0' by the argument splitter exactly as sdssplitargs() does (inline).

#include "protocol/resp_parser.h"

#include <algorithm>
#include <cstring>

namespace lsmdb::resp {

namespace {

constexpr char kErrTooBigMbulk[] = "ERR Protocol error: too big mbulk count string";
constexpr char kErrTooBigBulk[] = "ERR Protocol error: too big bulk count string";
constexpr char kErrTooBigInline[] = "ERR Protocol error: too big inline request";
constexpr char kErrMbulkLen[] = "ERR Protocol error: invalid multibulk length";
constexpr char kErrBulkLen[] = "ERR Protocol error: invalid bulk length";
constexpr char kErrQuotes[] = "ERR Protocol error: unbalanced quotes in request";

// Redis's LONG_STR_SIZE: a number string of this many bytes or more is invalid.
constexpr size_t kLongStrSize = 21;

// Redis's string2ll(): returns false unless [s, s+len) is exactly a decimal
// int64 with no leading zeros ("0" itself is fine) and no '+'.
bool ParseInt64(const char* s, size_t len, int64_t* out) {
  if (len == 0 || len >= kLongStrSize) return false;
  if (len == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == len) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < len; ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    // At most 20 digits, so only the last step can overflow uint64_t.
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// isspace() in the C locale.
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Splits a line without quote characters. Tokens are separated by runs of
// isspace() bytes; a token ends at ' ', '\t', '\n' or '\r' (so '\v' and '\f'
// inside a token are kept, as in sdssplitargs).
void SplitPlain(std::string_view line, std::vector<std::string_view>* out) {
  const char* p = line.data();
  const char* end = p + line.size();
  while (true) {
    while (p < end && IsSpace(*p)) ++p;
    if (p == end) return;
    const char* start = p;
    while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') ++p;
    out->emplace_back(start, static_cast<size_t>(p - start));
  }
}

// sdssplitargs() for a line with quotes. Unquoted bytes are appended to
// `storage`, and (offset, length) of each token in it to `spans`. Returns
// false on unbalanced quotes (or a closing quote not followed by a space).
// `line` holds no '\0' (the caller cut it there); reads past its end see '\0'
// just as sdssplitargs sees the C string's terminator.
bool SplitQuoted(std::string_view line, std::string* storage,
                 std::vector<std::pair<size_t, size_t>>* spans) {
  const size_t n = line.size();
  auto at = [&](size_t i) -> char { return i < n ? line[i] : '\0'; };
  size_t i = 0;
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    const size_t token_start = storage->size();
    bool in_dq = false;
    bool in_sq = false;
    bool done = false;
    while (!done) {
      const char c = at(i);
      if (in_dq) {
        if (c == '\\' && at(i + 1) == 'x' && IsHexDigit(at(i + 2)) && IsHexDigit(at(i + 3))) {
          storage->push_back(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          ++i;
          char e = at(i);
          switch (e) {
            case 'n': e = '\n'; break;
            case 'r': e = '\r'; break;
            case 't': e = '\t'; break;
            case 'b': e = '\b'; break;
            case 'a': e = '\a'; break;
            default: break;
          }
          storage->push_back(e);
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          storage->push_back(c);
        }
      } else if (in_sq) {
        if (c == '\\' && at(i + 1) == '\'') {
          ++i;
          storage->push_back('\'');
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          storage->push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_dq = true;
            break;
          case '\'':
            in_sq = true;
            break;
          default:
            storage->push_back(c);
            break;
        }
      }
      if (at(i) != '\0') ++i;
    }
    spans->emplace_back(token_start, storage->size() - token_start);
  }
}

}  // namespace

size_t RequestParser::BytesWanted() const {
  if (!in_multibulk_ || bulk_len_ < 0) return 0;
  const size_t need = pos_ + static_cast<size_t>(bulk_len_) + 2;
  return need > buf_len_ ? need - buf_len_ : 0;
}

void RequestParser::Reset() {
  spans_.clear();
  multibulk_left_ = 0;
  bulk_len_ = -1;
  pos_ = 0;
  scan_ = 0;
  in_multibulk_ = false;
}

RequestParser::Outcome RequestParser::Fail(const char* text) {
  error_.assign(text);
  Reset();
  return Outcome::kError;
}

RequestParser::Outcome RequestParser::Parse(std::string_view buf, size_t* consumed) {
  *consumed = 0;
  buf_len_ = buf.size();
  if (buf.empty()) return Outcome::kIncomplete;
  if (!in_multibulk_) {
    if (buf[0] != '*') return ParseInline(buf, consumed);
    // "*<count>\r\n". The line cannot be found without its '\r'.
    const void* cr = std::memchr(buf.data() + scan_, '\r', buf.size() - scan_);
    if (cr == nullptr) {
      if (buf.size() > limits_.max_inline_len) return Fail(kErrTooBigMbulk);
      scan_ = buf.size();
      return Outcome::kIncomplete;
    }
    const size_t cr_pos = static_cast<const char*>(cr) - buf.data();
    if (cr_pos + 1 >= buf.size()) {  // the byte after '\r' has not arrived
      scan_ = cr_pos;
      return Outcome::kIncomplete;
    }
    int64_t count;
    if (!ParseInt64(buf.data() + 1, cr_pos - 1, &count) || count > limits_.max_multibulk_len) {
      return Fail(kErrMbulkLen);
    }
    pos_ = cr_pos + 2;
    scan_ = pos_;
    if (count <= 0) {  // "*0" and "*-1": an empty command, as in Redis
      args_.clear();
      *consumed = pos_;
      Reset();
      return Outcome::kCommand;
    }
    in_multibulk_ = true;
    multibulk_left_ = count;
    bulk_len_ = -1;
    spans_.clear();
    if (spans_.capacity() < 1024) spans_.reserve(std::min<int64_t>(count, 1024));
  }

  const char* data = buf.data();
  const size_t size = buf.size();
  while (multibulk_left_ > 0) {
    if (bulk_len_ < 0) {
      // "$<len>\r\n"
      const void* cr = std::memchr(data + scan_, '\r', size - scan_);
      if (cr == nullptr) {
        if (size - pos_ > limits_.max_inline_len) return Fail(kErrTooBigBulk);
        scan_ = size;
        return Outcome::kIncomplete;
      }
      const size_t cr_pos = static_cast<const char*>(cr) - data;
      if (cr_pos + 1 >= size) {
        scan_ = cr_pos;
        return Outcome::kIncomplete;
      }
      if (data[pos_] != '$') {
        // Redis formats "got '%c'" and then maps \r and \n to spaces.
        char got = data[pos_];
        if (got == '\r' || got == '\n') got = ' ';
        error_.assign("ERR Protocol error: expected '$', got '");
        error_.push_back(got);
        error_.push_back('\'');
        Reset();
        return Outcome::kError;
      }
      int64_t len;
      if (!ParseInt64(data + pos_ + 1, cr_pos - pos_ - 1, &len) || len < 0 ||
          static_cast<uint64_t>(len) > limits_.max_bulk_len) {
        return Fail(kErrBulkLen);
      }
      pos_ = cr_pos + 2;
      scan_ = pos_;
      bulk_len_ = len;
    }
    // Payload plus its trailing two bytes.
    if (size - pos_ < static_cast<size_t>(bulk_len_) + 2) return Outcome::kIncomplete;
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += static_cast<size_t>(bulk_len_) + 2;
    scan_ = pos_;
    bulk_len_ = -1;
    --multibulk_left_;
  }

  args_.clear();
  for (const auto& [off, len] : spans_) args_.emplace_back(data + off, len);
  *consumed = pos_;
  Reset();
  return Outcome::kCommand;
}

RequestParser::Outcome RequestParser::ParseInline(std::string_view buf, size_t* consumed) {
  const void* nl = std::memchr(buf.data() + scan_, '\n', buf.size() - scan_);
  if (nl == nullptr) {
    if (buf.size() > limits_.max_inline_len) return Fail(kErrTooBigInline);
    scan_ = buf.size();
    return Outcome::kIncomplete;
  }
  const size_t nl_pos = static_cast<const char*>(nl) - buf.data();
  size_t line_len = nl_pos;
  if (line_len > 0 && buf[line_len - 1] == '\r') --line_len;
  std::string_view line = buf.substr(0, line_len);
  // sdssplitargs() works on a C string: the line ends at its first '\0'.
  if (const void* nul = std::memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<const char*>(nul) - line.data());
  }

  args_.clear();
  if (std::memchr(line.data(), '"', line.size()) == nullptr &&
      std::memchr(line.data(), '\'', line.size()) == nullptr) {
    SplitPlain(line, &args_);  // zero-copy: views into `buf`
  } else {
    inline_storage_.clear();
    spans_.clear();
    if (!SplitQuoted(line, &inline_storage_, &spans_)) return Fail(kErrQuotes);
    for (const auto& [off, len] : spans_) args_.emplace_back(inline_storage_.data() + off, len);
    spans_.clear();
  }
  *consumed = nl_pos + 1;
  Reset();
  return Outcome::kCommand;
}

}  // namespace lsmdb::resp
