#pragma once

// Writes replies in RESP2 or RESP3 into a caller-owned string (the
// connection's output buffer), so many replies go out in one write.
// RESP3-only types degrade as Redis does in RESP2: map -> flat array,
// set -> array, double -> bulk string, null -> $-1 (or *-1 for NullArray),
// boolean -> integer 1/0, push -> array, verbatim -> bulk string.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::resp {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  void set_protocol(int protocol) { protocol_ = protocol; }
  int protocol() const { return protocol_; }
  std::string* buffer() { return out_; }

  void Ok();                              // +OK
  void SimpleString(std::string_view s);  // +s (s must not contain \r or \n)
  // `text` is the whole error without '-', e.g. "ERR syntax error" or
  // "WRONGTYPE Operation against a key holding the wrong kind of value".
  // Any \r or \n in it is replaced by a space, as Redis does.
  void Error(std::string_view text);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // RESP3 "_", RESP2 "$-1"
  void NullArray();  // RESP3 "_", RESP2 "*-1"
  void Double(double v);  // Redis's formatting: "inf", "-inf", "nan", else %.17g
  void Bool(bool v);
  void Verbatim(std::string_view s, std::string_view format = "txt");
  void ArrayHeader(size_t n);
  void MapHeader(size_t pairs);
  void SetHeader(size_t n);
  void PushHeader(size_t n);
  // Array of bulk strings.
  void BulkArray(const std::vector<std::string>& items);
  void BulkArray(const std::vector<std::string_view>& items);

 private:
  std::string* out_;
  int protocol_;
};

// An array of bulk strings whose elements arrive one by one (a range read
// straight from an engine iterator): Begin(n), then n Element() calls; the
// bytes reach `out` by Flush() or on destruction. Small elements go through
// a stack chunk, so most cost one memcpy. The same bytes in RESP2 and RESP3.
class BulkArrayStream {
 public:
  explicit BulkArrayStream(std::string* out) : out_(out) {}
  ~BulkArrayStream() { Flush(); }
  BulkArrayStream(const BulkArrayStream&) = delete;
  BulkArrayStream& operator=(const BulkArrayStream&) = delete;

  void Begin(size_t n) { Header('*', n); }
  void Element(std::string_view e);
  void Flush();

 private:
  static constexpr size_t kChunk = 8192;
  void Header(char prefix, size_t n);  // <prefix><n>\r\n

  std::string* out_;
  size_t used_ = 0;
  char chunk_[kChunk];
};

}  // namespace lsmdb::resp
