#include "replication/wire.h"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

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

TEST_CASE("a frame is exactly RESP: array header, then one bulk per part", "[replication][wire]") {
  std::string out = "x";
  AppendFrame(&out, {"CHUNK", "f", "0", std::string(1000, 'z')});
  CHECK(out == "x*4\r\n$5\r\nCHUNK\r\n$1\r\nf\r\n$1\r\n0\r\n$1000\r\n" +
                   std::string(1000, 'z') + "\r\n");
}

TEST_CASE("ReadSome drains a socket in one call and reports EOF after the data",
          "[replication][wire]") {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  SetNonBlocking(sv[0]);
  // Nothing there: OK at once, nothing read.
  std::string buf = "pre";
  REQUIRE(ReadSome(sv[0], &buf, 0).ok());
  CHECK(buf == "pre");
  // More than one read step (256 KiB), less than the 4 MiB cap.
  std::string data(700 * 1024, '\0');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>(i * 7);
  bool written = false;
  std::thread writer([&] {
    written = WriteAll(sv[1], data, NowMs() + 10000).ok();
    shutdown(sv[1], SHUT_WR);
  });
  Status s;
  while (buf.size() < 3 + data.size() && (s = ReadSome(sv[0], &buf, 1000)).ok()) {
  }
  writer.join();
  REQUIRE(written);
  REQUIRE(s.ok());
  CHECK(buf == "pre" + data);
  // Then EOF is an error ("connection closed").
  Status eof;
  for (int i = 0; i < 10 && eof.ok(); i++) eof = ReadSome(sv[0], &buf, 1000);
  CHECK_FALSE(eof.ok());
  close(sv[0]);
  close(sv[1]);
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
