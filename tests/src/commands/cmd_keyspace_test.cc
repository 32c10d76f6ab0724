#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>

#include "tests/src/harness.h"

namespace lsmdb::server {

namespace {

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
const std::string kOk = "+OK\r\n";
const std::string kNil = "$-1\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";

}  // namespace

TEST_CASE("DEL, UNLINK, EXISTS, TOUCH and TYPE", "[src][commands][keyspace]") {
  test::Harness h;
  h.Run({"mset", "a", "1", "b", "2", "c", "3"});
  CHECK(h.Run({"exists", "a", "a", "zz"}) == Int(2));
  CHECK(h.Run({"touch", "a", "b", "zz"}) == Int(2));
  CHECK(h.Run({"type", "a"}) == "+string\r\n");
  CHECK(h.Run({"type", "zz"}) == "+none\r\n");
  CHECK(h.Run({"del", "a", "a", "zz"}) == Int(1));
  CHECK(h.Run({"unlink", "b", "c"}) == Int(2));
  CHECK(h.Run({"dbsize"}) == Int(0));
}

TEST_CASE("RENAME, RENAMENX and COPY", "[src][commands][keyspace]") {
  test::Harness h;
  CHECK(h.Run({"rename", "none", "x"}) == "-ERR no such key\r\n");
  h.Run({"set", "a", "1", "ex", "100"});
  CHECK(h.Run({"rename", "a", "b"}) == kOk);
  CHECK(h.Run({"ttl", "b"}) == Int(100));
  CHECK(h.Run({"rename", "b", "b"}) == kOk);
  h.Run({"set", "c", "3"});
  CHECK(h.Run({"renamenx", "b", "c"}) == Int(0));
  CHECK(h.Run({"renamenx", "b", "d"}) == Int(1));
  CHECK(h.Run({"copy", "d", "d"}) == "-ERR source and destination objects are the same\r\n");
  CHECK(h.Run({"copy", "d", "c"}) == Int(0));
  CHECK(h.Run({"copy", "d", "c", "replace"}) == Int(1));
  CHECK(h.Run({"get", "c"}) == Bulk("1"));
  CHECK(h.Run({"copy", "d", "d", "db", "5"}) == Int(1));
  CHECK(h.Run({"copy", "d", "d", "db", "16"}) == "-ERR DB index is out of range\r\n");
  CHECK(h.Run({"copy", "d", "d", "db"}) == kSyntax);
  CHECK(h.Run({"select", "5"}) == kOk);
  CHECK(h.Run({"get", "d"}) == Bulk("1"));
  CHECK(h.Run({"ttl", "d"}) == Int(100));
}

TEST_CASE("EXPIRE family, TTL family and PERSIST", "[src][commands][keyspace]") {
  test::Harness h;
  CHECK(h.Run({"expire", "none", "10"}) == Int(0));
  CHECK(h.Run({"ttl", "none"}) == Int(-2));
  CHECK(h.Run({"pttl", "none"}) == Int(-2));
  h.Run({"set", "k", "v"});
  CHECK(h.Run({"ttl", "k"}) == Int(-1));
  CHECK(h.Run({"expiretime", "k"}) == Int(-1));
  CHECK(h.Run({"expire", "k", "100", "xx"}) == Int(0));
  CHECK(h.Run({"expire", "k", "100", "nx"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(100));
  CHECK(h.Run({"expire", "k", "50", "gt"}) == Int(0));
  CHECK(h.Run({"expire", "k", "200", "gt"}) == Int(1));
  CHECK(h.Run({"pexpire", "k", "5000", "lt"}) == Int(1));
  CHECK(h.Run({"ttl", "k"}) == Int(5));
  CHECK(h.Run({"expireat", "k", "4102444800"}) == Int(1));
  CHECK(h.Run({"expiretime", "k"}) == Int(4102444800));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(4102444800000));
  CHECK(h.Run({"pexpireat", "k", "4102444800123"}) == Int(1));
  CHECK(h.Run({"pexpiretime", "k"}) == Int(4102444800123));
  CHECK(h.Run({"persist", "k"}) == Int(1));
  CHECK(h.Run({"persist", "k"}) == Int(0));
  CHECK(h.Run({"expire", "k", "10", "nx", "xx"}) ==
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  CHECK(h.Run({"expire", "k", "10", "gt", "lt"}) ==
        "-ERR GT and LT options at the same time are not compatible\r\n");
  CHECK(h.Run({"expire", "k", "10", "bogus"}) == "-ERR Unsupported option bogus\r\n");
  CHECK(h.Run({"expire", "k", "abc"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.Run({"expire", "k", "9223372036854775807"}) ==
        "-ERR invalid expire time in 'expire' command\r\n");
  CHECK(h.Run({"expire", "k", "-1"}) == Int(1));  // a past time deletes
  CHECK(h.Run({"exists", "k"}) == Int(0));
}

TEST_CASE("keys expire lazily in real time", "[src][commands][keyspace]") {
  test::Harness h;
  h.Run({"set", "k", "v", "px", "30"});
  CHECK(h.Run({"exists", "k"}) == Int(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  CHECK(h.Run({"get", "k"}) == kNil);
  CHECK(h.Run({"ttl", "k"}) == Int(-2));
}

TEST_CASE("KEYS, SCAN, RANDOMKEY and DBSIZE", "[src][commands][keyspace]") {
  test::Harness h;
  CHECK(h.Run({"randomkey"}) == kNil);
  CHECK(h.Run({"keys", "*"}) == "*0\r\n");
  h.Run({"mset", "user:1", "a", "user:2", "b", "order:1", "c"});
  CHECK(h.Run({"keys", "user:*"}) == "*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n");
  CHECK(h.Run({"dbsize"}) == Int(3));
  std::string rk = h.Run({"randomkey"});
  CHECK(rk.rfind("$", 0) == 0);
  CHECK(h.Run({"scan", "0", "match", "order:*"}) == "*2\r\n$1\r\n0\r\n*1\r\n$7\r\norder:1\r\n");
  CHECK(h.Run({"scan", "0", "type", "hash"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  CHECK(h.Run({"scan", "x"}) == "-ERR invalid cursor\r\n");
  CHECK(h.Run({"scan", "0", "count", "0"}) == kSyntax);
  CHECK(h.Run({"scan", "0", "count", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.Run({"scan", "0", "bogus"}) == kSyntax);
  CHECK(h.Run({"scan", "987654321"}) == "-ERR invalid cursor\r\n");
  // Paging with COUNT 1 visits all three keys.
  std::string reply = h.Run({"scan", "0", "count", "1"});
  CHECK(reply.rfind("*2\r\n", 0) == 0);
  CHECK(reply.find("*1\r\n$7\r\norder:1\r\n") != std::string::npos);
  CHECK(reply.find("$1\r\n0\r\n") == std::string::npos);  // not finished
}

TEST_CASE("FLUSHDB and FLUSHALL", "[src][commands][keyspace]") {
  test::Harness h;
  h.Run({"set", "a", "1"});
  h.Run({"select", "1"});
  h.Run({"set", "b", "2"});
  CHECK(h.Run({"flushdb", "async"}) == kOk);
  CHECK(h.Run({"dbsize"}) == Int(0));
  h.Run({"select", "0"});
  CHECK(h.Run({"dbsize"}) == Int(1));
  CHECK(h.Run({"flushall", "bogus"}) == kSyntax);
  CHECK(h.Run({"flushdb", "sync", "x"}) == kSyntax);
  CHECK(h.Run({"flushall"}) == kOk);
  CHECK(h.Run({"dbsize"}) == Int(0));
  h.Restart();
  CHECK(h.Run({"get", "a"}) == kNil);
}

TEST_CASE("SEARCHRANGE pages through ordered keys", "[src][commands][keyspace]") {
  test::Harness h;
  h.Run({"mset", "a", "1", "b", "2", "c", "3", "d", "4"});
  CHECK(h.Run({"searchrange", "a", "", "limit", "2"}) ==
        "*2\r\n$1\r\nc\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(h.Run({"searchrange", "c", ""}) == "*2\r\n$0\r\n\r\n*2\r\n$1\r\nc\r\n$1\r\nd\r\n");
  CHECK(h.Run({"searchrange", "b", "d"}) == "*2\r\n$0\r\n\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  CHECK(h.Run({"searchrange", "a", "", "limit", "0"}) == "-ERR LIMIT must be positive\r\n");
  CHECK(h.Run({"searchrange", "a", "", "bogus"}) == kSyntax);
}

}  // namespace lsmdb::server
