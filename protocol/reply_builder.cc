// Reply framing, as Redis 7.0 writes it (src/networking.c addReply*):
//
//   type        RESP3                      RESP2
//   simple      +<s>\r\n                   same
//   error       -<text>\r\n                same   (\r, \n in text -> ' ')
//   integer     :<n>\r\n                   same
//   bulk        $<len>\r\n<bytes>\r\n      same
//   null        _\r\n                      $-1\r\n
//   null array  _\r\n                      *-1\r\n
//   double      ,<d>\r\n                   $<len>\r\n<d>\r\n
//   boolean     #t\r\n / #f\r\n            :1\r\n / :0\r\n
//   verbatim    =<len+4>\r\n<fmt>:<s>\r\n  $<len>\r\n<s>\r\n
//   array       *<n>\r\n                   same
//   map         %<pairs>\r\n               *<2*pairs>\r\n
//   set         ~<n>\r\n                   *<n>\r\n
//   push        ><n>\r\n                   *<n>\r\n
//
// <d> is "inf", "-inf", "nan", or printf's "%.17g" (std::to_chars with
// general format and precision 17 produces the same text). <fmt> is exactly
// three bytes: longer formats are cut, shorter ones padded with spaces.

#include "protocol/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace lsmdb::resp {

namespace {

// Room for a prefix byte, "-9223372036854775808" and "\r\n".
constexpr size_t kHeaderBufSize = 24;

// Writes <prefix><v>\r\n into `buf` (at least kHeaderBufSize bytes) and
// returns its length.
inline size_t FormatHeader(char* buf, char prefix, int64_t v) {
  char digits[20];
  char* end = digits + sizeof(digits);
  char* p = end;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  size_t n = 0;
  buf[n++] = prefix;
  if (v < 0) buf[n++] = '-';
  const size_t len = static_cast<size_t>(end - p);
  std::memcpy(buf + n, p, len);
  n += len;
  buf[n++] = '\r';
  buf[n++] = '\n';
  return n;
}

// Formats `v` as Redis does and returns the text length (buf >= 32 bytes).
size_t FormatDouble(char* buf, double v) {
  if (std::isinf(v)) {
    const char* s = v > 0 ? "inf" : "-inf";
    const size_t n = std::strlen(s);
    std::memcpy(buf, s, n);
    return n;
  }
  if (std::isnan(v)) {
    std::memcpy(buf, "nan", 3);
    return 3;
  }
  auto r = std::to_chars(buf, buf + 32, v, std::chars_format::general, 17);
  return static_cast<size_t>(r.ptr - buf);
}

}  // namespace

void ReplyBuilder::Ok() { out_->append("+OK\r\n", 5); }

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Error(std::string_view text) {
  out_->push_back('-');
  const size_t start = out_->size();
  out_->append(text);
  if (text.find_first_of("\r\n") != std::string_view::npos) {
    for (size_t i = start; i < out_->size(); ++i) {
      char& c = (*out_)[i];
      if (c == '\r' || c == '\n') c = ' ';
    }
  }
  out_->append("\r\n", 2);
}

void ReplyBuilder::Integer(int64_t v) {
  char buf[kHeaderBufSize];
  out_->append(buf, FormatHeader(buf, ':', v));
}

void ReplyBuilder::Bulk(std::string_view s) {
  char buf[kHeaderBufSize];
  const size_t n = FormatHeader(buf, '$', static_cast<int64_t>(s.size()));
  out_->reserve(out_->size() + n + s.size() + 2);
  out_->append(buf, n);
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Null() {
  if (protocol_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (protocol_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyBuilder::Double(double v) {
  char buf[32];
  const size_t n = FormatDouble(buf, v);
  if (protocol_ >= 3) {
    out_->push_back(',');
    out_->append(buf, n);
    out_->append("\r\n", 2);
  } else {
    Bulk(std::string_view(buf, n));
  }
}

void ReplyBuilder::Bool(bool v) {
  if (protocol_ >= 3) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::Verbatim(std::string_view s, std::string_view format) {
  if (protocol_ < 3) {
    Bulk(s);
    return;
  }
  char buf[kHeaderBufSize + 4];
  size_t n = FormatHeader(buf, '=', static_cast<int64_t>(s.size() + 4));
  for (size_t i = 0; i < 3; ++i) buf[n++] = i < format.size() ? format[i] : ' ';
  buf[n++] = ':';
  out_->reserve(out_->size() + n + s.size() + 2);
  out_->append(buf, n);
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::ArrayHeader(size_t n) {
  char buf[kHeaderBufSize];
  out_->append(buf, FormatHeader(buf, '*', static_cast<int64_t>(n)));
}

void ReplyBuilder::MapHeader(size_t pairs) {
  char buf[kHeaderBufSize];
  if (protocol_ >= 3) {
    out_->append(buf, FormatHeader(buf, '%', static_cast<int64_t>(pairs)));
  } else {
    out_->append(buf, FormatHeader(buf, '*', static_cast<int64_t>(pairs * 2)));
  }
}

void ReplyBuilder::SetHeader(size_t n) {
  char buf[kHeaderBufSize];
  out_->append(buf, FormatHeader(buf, protocol_ >= 3 ? '~' : '*', static_cast<int64_t>(n)));
}

void ReplyBuilder::PushHeader(size_t n) {
  char buf[kHeaderBufSize];
  out_->append(buf, FormatHeader(buf, protocol_ >= 3 ? '>' : '*', static_cast<int64_t>(n)));
}

void ReplyBuilder::BulkArray(const std::vector<std::string>& items) {
  ArrayHeader(items.size());
  for (const auto& item : items) Bulk(item);
}

void ReplyBuilder::BulkArray(const std::vector<std::string_view>& items) {
  ArrayHeader(items.size());
  for (const auto& item : items) Bulk(item);
}

void BulkArrayStream::Header(char prefix, size_t n) {
  if (used_ + kHeaderBufSize > kChunk) Flush();
  used_ += FormatHeader(chunk_ + used_, prefix, static_cast<int64_t>(n));
}

void BulkArrayStream::Element(std::string_view e) {
  Header('$', e.size());
  if (e.size() > kChunk / 2) {
    Flush();
    out_->append(e);
    out_->append("\r\n", 2);
    return;
  }
  if (used_ + e.size() + 2 > kChunk) Flush();
  std::memcpy(chunk_ + used_, e.data(), e.size());
  used_ += e.size();
  chunk_[used_++] = '\r';
  chunk_[used_++] = '\n';
}

void BulkArrayStream::Flush() {
  out_->append(chunk_, used_);
  used_ = 0;
}

}  // namespace lsmdb::resp
