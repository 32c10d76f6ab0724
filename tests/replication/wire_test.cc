#include "replication/wire.h"

#include <catch2/catch.hpp>

#include "lsmdb/write_batch.h"
#include "protocol/resp_parser.h"

namespace lsmdb::repl {
namespace {

TEST_CASE("the offset record round-trips and rejects malformed values", "[replication][wire]") {
  std::string id(40, 'a');
  std::string value = EncodeOffsetValue(id, 12345);
  CHECK(value == id + " 12345");
  std::string got;
  uint64_t off = 0;
  REQUIRE(DecodeOffsetValue(value, &got, &off));
  CHECK(got == id);
  CHECK(off == 12345);
  CHECK_FALSE(DecodeOffsetValue("nospace", &got, &off));
  CHECK_FALSE(DecodeOffsetValue(" 12", &got, &off));
  CHECK_FALSE(DecodeOffsetValue(id + " 12x", &got, &off));
  CHECK(kOffsetKey.size() == 5);
  CHECK(static_cast<unsigned char>(kOffsetKey[0]) == 0xff);
}

TEST_CASE("a batch's last sequence is read from its header", "[replication][wire]") {
  WriteBatch b;
  b.Put("a", "1");
  b.Delete("b");
  b.Put("c", "3");
  b.SetSequence(100);
  uint64_t last = 0;
  REQUIRE(BatchLastSequence(b.Contents(), &last));
  CHECK(last == 102);
  WriteBatch empty;
  CHECK_FALSE(BatchLastSequence(empty.Contents(), &last));
  CHECK_FALSE(BatchLastSequence("short", &last));
}

TEST_CASE("frames parse back with the request parser, binary-safe", "[replication][wire]") {
  std::string out;
  std::string payload("\r\n\0\xff", 4);
  AppendFrame(&out, {"BATCH", "7", payload});
  AppendFrame(&out, {"PING"});
  resp::RequestParser parser;
  size_t used = 0;
  REQUIRE(parser.Parse(out, &used) == resp::RequestParser::Outcome::kCommand);
  REQUIRE(parser.args().size() == 3);
  CHECK(parser.args()[0] == "BATCH");
  CHECK(parser.args()[1] == "7");
  CHECK(parser.args()[2] == payload);
  std::string_view rest = std::string_view(out).substr(used);
  REQUIRE(parser.Parse(rest, &used) == resp::RequestParser::Outcome::kCommand);
  CHECK(parser.args().size() == 1);
  CHECK(used == rest.size());
}

TEST_CASE("unsigned integers parse strictly", "[replication][wire]") {
  uint64_t v = 0;
  CHECK(ParseUint("0", &v));
  CHECK(v == 0);
  CHECK(ParseUint("18446744073709551615", &v));
  CHECK_FALSE(ParseUint("", &v));
  CHECK_FALSE(ParseUint("-1", &v));
  CHECK_FALSE(ParseUint("1 ", &v));
}

}  // namespace
}  // namespace lsmdb::repl
