// Tests of ReplyBuilder: every reply type, byte for byte, in RESP2 and RESP3.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "protocol/reply_builder.h"

namespace lsmdb::resp {
namespace {

using namespace std::string_literals;

// Runs `write` against a fresh builder speaking `protocol`; returns the bytes.
template <typename F>
std::string Reply(int protocol, F write) {
  std::string out;
  ReplyBuilder rb(&out, protocol);
  write(rb);
  return out;
}

TEST_CASE("simple strings, errors and OK are framed identically in RESP2 and RESP3",
          "[protocol][reply]") {
  for (int proto : {2, 3}) {
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Ok(); }) == "+OK\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.SimpleString("PONG"); }) == "+PONG\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.SimpleString(""); }) == "+\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Error("ERR syntax error"); }) ==
          "-ERR syntax error\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) {
            r.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
          }) == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Error("ERR bad\r\nthing\n"); }) ==
          "-ERR bad  thing \r\n");
  }
}

TEST_CASE("integers are written in full range", "[protocol][reply]") {
  for (int proto : {2, 3}) {
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Integer(0); }) == ":0\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Integer(7); }) == ":7\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Integer(-1); }) == ":-1\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Integer(1234567890); }) == ":1234567890\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Integer(INT64_MAX); }) ==
          ":9223372036854775807\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Integer(INT64_MIN); }) ==
          ":-9223372036854775808\r\n");
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    const auto v = static_cast<int64_t>(rng()) >> (rng() % 63);
    CHECK(Reply(2, [&](ReplyBuilder& r) { r.Integer(v); }) == ":" + std::to_string(v) + "\r\n");
  }
}

TEST_CASE("bulk strings are binary safe", "[protocol][reply]") {
  for (int proto : {2, 3}) {
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Bulk("hello"); }) == "$5\r\nhello\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Bulk(""); }) == "$0\r\n\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) { r.Bulk("a\0\r\nb"s); }) == "$5\r\na\0\r\nb\r\n"s);
    const std::string big(100000, 'x');
    CHECK(Reply(proto, [&](ReplyBuilder& r) { r.Bulk(big); }) == "$100000\r\n" + big + "\r\n");
  }
}

TEST_CASE("nulls are $-1 and *-1 in RESP2 and _ in RESP3", "[protocol][reply]") {
  CHECK(Reply(2, [](ReplyBuilder& r) { r.Null(); }) == "$-1\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.NullArray(); }) == "*-1\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Null(); }) == "_\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.NullArray(); }) == "_\r\n");
}

TEST_CASE("doubles are formatted like Redis 7.0", "[protocol][reply]") {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Double(1.5); }) == ",1.5\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Double(3.0); }) == ",3\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Double(0.1); }) == ",0.10000000000000001\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Double(-0.0); }) == ",-0\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Double(1e300); }) == ",1.0000000000000001e+300\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Double(1e20); }) == ",1e+20\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Double(1e-5); }) == ",1.0000000000000001e-05\r\n");
  CHECK(Reply(3, [&](ReplyBuilder& r) { r.Double(inf); }) == ",inf\r\n");
  CHECK(Reply(3, [&](ReplyBuilder& r) { r.Double(-inf); }) == ",-inf\r\n");
  CHECK(Reply(3, [&](ReplyBuilder& r) { r.Double(nan); }) == ",nan\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.Double(1.5); }) == "$3\r\n1.5\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.Double(0.1); }) == "$19\r\n0.10000000000000001\r\n");
  CHECK(Reply(2, [&](ReplyBuilder& r) { r.Double(inf); }) == "$3\r\ninf\r\n");
  CHECK(Reply(2, [&](ReplyBuilder& r) { r.Double(-inf); }) == "$4\r\n-inf\r\n");
  CHECK(Reply(2, [&](ReplyBuilder& r) { r.Double(nan); }) == "$3\r\nnan\r\n");

  // Agrees with printf's "%.17g", which Redis uses, on many values.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mantissa(-10.0, 10.0);
  std::uniform_int_distribution<int> exponent(-320, 300);
  for (int i = 0; i < 2000; ++i) {
    const double v = mantissa(rng) * std::pow(10.0, exponent(rng));
    char expect[64];
    std::snprintf(expect, sizeof(expect), ",%.17g\r\n", v);
    REQUIRE(Reply(3, [&](ReplyBuilder& r) { r.Double(v); }) == expect);
  }
}

TEST_CASE("booleans are #t/#f in RESP3 and :1/:0 in RESP2", "[protocol][reply]") {
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Bool(true); }) == "#t\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Bool(false); }) == "#f\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.Bool(true); }) == ":1\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.Bool(false); }) == ":0\r\n");
}

TEST_CASE("verbatim strings carry a three-byte format in RESP3 and are bulks in RESP2",
          "[protocol][reply]") {
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Verbatim("hello"); }) == "=9\r\ntxt:hello\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Verbatim("# x", "mkd"); }) == "=7\r\nmkd:# x\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Verbatim("", "markdown"); }) == "=4\r\nmar:\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.Verbatim("a", "t"); }) == "=5\r\nt  :a\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.Verbatim("hello"); }) == "$5\r\nhello\r\n");
}

TEST_CASE("aggregate headers degrade to arrays in RESP2", "[protocol][reply]") {
  CHECK(Reply(3, [](ReplyBuilder& r) { r.ArrayHeader(3); }) == "*3\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.ArrayHeader(0); }) == "*0\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.MapHeader(2); }) == "%2\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.MapHeader(2); }) == "*4\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.SetHeader(5); }) == "~5\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.SetHeader(5); }) == "*5\r\n");
  CHECK(Reply(3, [](ReplyBuilder& r) { r.PushHeader(3); }) == ">3\r\n");
  CHECK(Reply(2, [](ReplyBuilder& r) { r.PushHeader(3); }) == "*3\r\n");
}

TEST_CASE("bulk arrays and mixed replies append to the same buffer", "[protocol][reply]") {
  const std::vector<std::string> owned = {"a", "", "bc"};
  const std::vector<std::string_view> views = {"x", "yz"};
  for (int proto : {2, 3}) {
    CHECK(Reply(proto, [&](ReplyBuilder& r) { r.BulkArray(owned); }) ==
          "*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n");
    CHECK(Reply(proto, [&](ReplyBuilder& r) { r.BulkArray(views); }) ==
          "*2\r\n$1\r\nx\r\n$2\r\nyz\r\n");
    CHECK(Reply(proto, [](ReplyBuilder& r) {
            r.BulkArray(std::vector<std::string>{});
          }) == "*0\r\n");
  }
  std::string out = "existing";
  ReplyBuilder rb(&out);
  CHECK(rb.protocol() == 2);
  CHECK(rb.buffer() == &out);
  rb.MapHeader(1);
  rb.Bulk("k");
  rb.Null();
  rb.set_protocol(3);
  rb.MapHeader(1);
  rb.Bulk("k");
  rb.Null();
  CHECK(out == "existing*2\r\n$1\r\nk\r\n$-1\r\n%1\r\n$1\r\nk\r\n_\r\n");
}

}  // namespace
TEST_CASE("a streamed bulk array has the same bytes as one built at once, across chunk edges",
          "[protocol][reply]") {
  std::mt19937 rng(7);
  // Sizes around the stream's 8 KiB chunk and half of it, empty and binary.
  const std::vector<size_t> sizes = {0, 1, 3, 4095, 4096, 4097, 8190, 8191, 8192, 20000};
  std::vector<std::string> items;
  for (int round = 0; round < 40; round++) {
    std::string item(sizes[rng() % sizes.size()], '\0');
    for (char& c : item) c = static_cast<char>(rng());
    items.push_back(std::move(item));
  }
  for (size_t n : {size_t{0}, size_t{1}, size_t{5}, items.size()}) {
    std::vector<std::string> some(items.begin(), items.begin() + n);
    std::string expected = "prefix";
    ReplyBuilder(&expected).BulkArray(some);
    std::string streamed = "prefix";
    {
      BulkArrayStream stream(&streamed);
      stream.Begin(some.size());
      for (const std::string& item : some) stream.Element(item);
    }
    CHECK(streamed == expected);
  }
}

}  // namespace lsmdb::resp
