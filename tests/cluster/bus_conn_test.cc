#include "cluster/bus_conn.h"

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

using lsmdb::cluster::AppendFrame;
using lsmdb::cluster::BusConn;
using lsmdb::cluster::FrameStatus;
using lsmdb::cluster::kFrameHeaderSize;
using lsmdb::cluster::kMaxMessage;
using lsmdb::cluster::ParseFrame;

namespace {

// A connected pair: `a` is wrapped in a BusConn, `b` is raw.
struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    a = fds[0];
    b = fds[1];
  }
  ~Pair() {
    if (b >= 0) close(b);
  }
};

void WriteRaw(int fd, std::string_view data) {
  REQUIRE(write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
}

std::string BigEndianHeader(uint32_t n) {
  return std::string("LSMB") + static_cast<char>(n >> 24) + static_cast<char>(n >> 16) +
         static_cast<char>(n >> 8) + static_cast<char>(n);
}

}  // namespace

TEST_CASE("A frame is the magic, a big-endian length and the message", "[cluster][bus]") {
  std::string out;
  AppendFrame("PING 1", &out);
  CHECK(out == BigEndianHeader(6) + "PING 1");
  std::string_view msg;
  size_t size = 0;
  REQUIRE(ParseFrame(out, &msg, &size) == FrameStatus::kFrame);
  CHECK(msg == "PING 1");
  CHECK(size == kFrameHeaderSize + 6);
}

TEST_CASE("Every proper prefix of a frame is incomplete, not corrupt", "[cluster][bus]") {
  std::string out;
  AppendFrame("PONG 3 0 -\nline", &out);
  std::string_view msg;
  size_t size = 0;
  for (size_t n = 0; n < out.size(); n++) {
    CHECK(ParseFrame(std::string_view(out).substr(0, n), &msg, &size) == FrameStatus::kIncomplete);
  }
}

TEST_CASE("A frame over 4 MiB or without the magic is corrupt", "[cluster][bus]") {
  std::string_view msg;
  size_t size = 0;
  CHECK(ParseFrame(BigEndianHeader(kMaxMessage + 1), &msg, &size) == FrameStatus::kCorrupt);
  CHECK(ParseFrame(BigEndianHeader(kMaxMessage), &msg, &size) == FrameStatus::kIncomplete);
  // A RESP client on the bus port is refused at its first byte.
  CHECK(ParseFrame("*", &msg, &size) == FrameStatus::kCorrupt);
  CHECK(ParseFrame("PING 1\n", &msg, &size) == FrameStatus::kCorrupt);
}

TEST_CASE("A connection cuts a stream into frames however the bytes arrive", "[cluster][bus]") {
  Pair p;
  BusConn conn(p.a);
  std::string stream;
  AppendFrame("first", &stream);
  AppendFrame("", &stream);
  AppendFrame(std::string(100000, 'x'), &stream);
  std::vector<std::string> frames;
  // Three bytes at a time for the first frames, then the big one in bulk.
  size_t off = 0;
  for (; off < 20; off += 3) {
    WriteRaw(p.b, std::string_view(stream).substr(off, 3));
    REQUIRE(conn.Receive(&frames));
  }
  CHECK(frames.size() == 2);
  std::thread writer([&] { WriteRaw(p.b, std::string_view(stream).substr(off)); });
  while (frames.size() < 3) REQUIRE(conn.Receive(&frames));
  writer.join();
  CHECK(frames[0] == "first");
  CHECK(frames[1].empty());
  CHECK(frames[2] == std::string(100000, 'x'));
  // EOF: the frames already in are delivered, then the connection is done.
  std::string last;
  AppendFrame("last", &last);
  WriteRaw(p.b, last);
  close(p.b);
  p.b = -1;
  frames.clear();
  int calls = 0;
  while (conn.Receive(&frames)) REQUIRE(++calls < 1000);
  CHECK(frames == std::vector<std::string>{"last"});
}

TEST_CASE("A connection that receives an oversized frame must be dropped", "[cluster][bus]") {
  Pair p;
  BusConn conn(p.a);
  WriteRaw(p.b, BigEndianHeader(kMaxMessage + 1));
  std::vector<std::string> frames;
  CHECK_FALSE(conn.Receive(&frames));
  CHECK(frames.empty());
  CHECK_FALSE(conn.Send(std::string(kMaxMessage + 1, 'x')));
  CHECK_FALSE(conn.has_output());
}

TEST_CASE("Writing to a peer that stops reading buffers instead of blocking", "[cluster][bus]") {
  Pair p;
  BusConn conn(p.a);
  const std::string msg(1 << 20, 'y');
  for (int i = 0; i < 8; i++) {
    REQUIRE(conn.Send(msg));
    REQUIRE(conn.Flush());  // returns with what the socket did not take still queued
  }
  CHECK(conn.has_output());
  // The peer reads again: everything arrives, in order.
  size_t want = 8 * (kFrameHeaderSize + msg.size());
  size_t got = 0;
  std::string buf(1 << 16, '\0');
  while (got < want) {
    REQUIRE(conn.Flush());
    ssize_t n = read(p.b, buf.data(), buf.size());
    REQUIRE(n > 0);
    got += static_cast<size_t>(n);
  }
  CHECK_FALSE(conn.has_output());
}
