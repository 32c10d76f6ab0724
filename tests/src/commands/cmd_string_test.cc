#include <catch2/catch.hpp>
#include <string>

#include "tests/src/harness.h"

namespace lsmdb::server {

namespace {

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
const std::string kOk = "+OK\r\n";
const std::string kNil = "$-1\r\n";
const std::string kNotInt = "-ERR value is not an integer or out of range\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";

}  // namespace

TEST_CASE("GET and SET reply as Redis does", "[src][commands][string]") {
  test::Harness h;
  CHECK(h.Run({"get", "k"}) == kNil);
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"GET", "k"}) == Bulk("v"));
  CHECK(h.Run({"set", "k", "v2", "nx"}) == kNil);
  CHECK(h.Run({"set", "k", "v2", "xx", "get"}) == Bulk("v"));
  CHECK(h.Run({"set", "new", "x", "xx", "get"}) == kNil);
  CHECK(h.Run({"get", "new"}) == kNil);
  CHECK(h.Run({"set", "k", "v", "nx", "xx"}) == kSyntax);
  CHECK(h.Run({"set", "k", "v", "ex", "0"}) == "-ERR invalid expire time in 'set' command\r\n");
  CHECK(h.Run({"set", "k", "v", "ex", "x"}) == kNotInt);
  CHECK(h.Run({"set", "k"}) == "-ERR wrong number of arguments for 'set' command\r\n");
  std::string key("a\0\r\nb", 5);
  CHECK(h.Run({"set", key, "bin"}) == kOk);
  CHECK(h.Run({"get", key}) == Bulk("bin"));
}

TEST_CASE("SETNX, SETEX, PSETEX and GETSET", "[src][commands][string]") {
  test::Harness h;
  CHECK(h.Run({"setnx", "k", "1"}) == Int(1));
  CHECK(h.Run({"setnx", "k", "2"}) == Int(0));
  CHECK(h.Run({"setex", "k", "100", "v"}) == kOk);
  CHECK(h.Run({"ttl", "k"}) == Int(100));
  CHECK(h.Run({"psetex", "k", "100000", "v"}) == kOk);
  CHECK(h.Run({"ttl", "k"}) == Int(100));
  CHECK(h.Run({"setex", "k", "-1", "v"}) == "-ERR invalid expire time in 'setex' command\r\n");
  CHECK(h.Run({"psetex", "k", "0", "v"}) == "-ERR invalid expire time in 'psetex' command\r\n");
  CHECK(h.Run({"getset", "k", "w"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "k"}) == Int(-1));  // GETSET clears the TTL
  CHECK(h.Run({"getset", "none", "w"}) == kNil);
}

TEST_CASE("GETDEL and GETEX", "[src][commands][string]") {
  test::Harness h;
  h.Run({"set", "k", "v"});
  CHECK(h.Run({"getex", "k", "px", "50000"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "k"}) == Int(50));
  CHECK(h.Run({"getex", "k", "persist"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "k"}) == Int(-1));
  CHECK(h.Run({"getex", "k", "persist", "ex", "1"}) == kSyntax);
  CHECK(h.Run({"getex", "missing", "ex", "x"}) == kNil);
  CHECK(h.Run({"getex", "k", "ex", "x"}) == kNotInt);
  CHECK(h.Run({"getex", "k", "exat", "1"}) == Bulk("v"));
  CHECK(h.Run({"exists", "k"}) == Int(0));
  h.Run({"set", "k", "v"});
  CHECK(h.Run({"getdel", "k"}) == Bulk("v"));
  CHECK(h.Run({"getdel", "k"}) == kNil);
}

TEST_CASE("MGET, MSET and MSETNX", "[src][commands][string]") {
  test::Harness h;
  CHECK(h.Run({"mset", "a", "1", "b", "2"}) == kOk);
  CHECK(h.Run({"mget", "a", "x", "b"}) == "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
  CHECK(h.Run({"mset", "a", "1", "b"}) == "-ERR wrong number of arguments for 'mset' command\r\n");
  CHECK(h.Run({"msetnx", "a", "1", "c", "3"}) == Int(0));
  CHECK(h.Run({"msetnx", "c", "3", "d", "4"}) == Int(1));
  CHECK(h.Run({"msetnx", "e"}) == "-ERR wrong number of arguments for 'msetnx' command\r\n");
}

TEST_CASE("APPEND, STRLEN, GETRANGE, SUBSTR and SETRANGE", "[src][commands][string]") {
  test::Harness h;
  CHECK(h.Run({"append", "k", "Hello"}) == Int(5));
  CHECK(h.Run({"append", "k", " World"}) == Int(11));
  CHECK(h.Run({"strlen", "k"}) == Int(11));
  CHECK(h.Run({"strlen", "none"}) == Int(0));
  CHECK(h.Run({"getrange", "k", "0", "4"}) == Bulk("Hello"));
  CHECK(h.Run({"substr", "k", "-5", "-1"}) == Bulk("World"));
  CHECK(h.Run({"getrange", "none", "0", "-1"}) == Bulk(""));
  CHECK(h.Run({"getrange", "k", "a", "1"}) == kNotInt);
  CHECK(h.Run({"setrange", "k", "6", "Redis"}) == Int(11));
  CHECK(h.Run({"get", "k"}) == Bulk("Hello Redis"));
  CHECK(h.Run({"setrange", "k", "-1", "x"}) == "-ERR offset is out of range\r\n");
  CHECK(h.Run({"setrange", "k", "536870912", "x"}) ==
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  CHECK(h.Run({"setrange", "z", "2", "x"}) == Int(3));
  CHECK(h.Run({"get", "z"}) == Bulk(std::string("\0\0x", 3)));
}

TEST_CASE("INCR family replies and errors", "[src][commands][string]") {
  test::Harness h;
  CHECK(h.Run({"incr", "n"}) == Int(1));
  CHECK(h.Run({"incrby", "n", "10"}) == Int(11));
  CHECK(h.Run({"decr", "n"}) == Int(10));
  CHECK(h.Run({"decrby", "n", "20"}) == Int(-10));
  CHECK(h.Run({"incrby", "n", "1.5"}) == kNotInt);
  CHECK(h.Run({"decrby", "n", "-9223372036854775808"}) == "-ERR decrement would overflow\r\n");
  h.Run({"set", "n", "9223372036854775807"});
  CHECK(h.Run({"incr", "n"}) == "-ERR increment or decrement would overflow\r\n");
  h.Run({"set", "s", "abc"});
  CHECK(h.Run({"incr", "s"}) == kNotInt);
  CHECK(h.Run({"incrbyfloat", "f", "10.5"}) == Bulk("10.5"));
  CHECK(h.Run({"incrbyfloat", "f", "0.1"}) == Bulk("10.6"));
  CHECK(h.Run({"incrbyfloat", "f", "-5"}) == Bulk("5.6"));  // the Redis docs' examples
  h.Run({"set", "g", "5.0e3"});
  CHECK(h.Run({"incrbyfloat", "g", "2.0e2"}) == Bulk("5200"));
  h.Run({"set", "g", "17179869184"});
  CHECK(h.Run({"incrbyfloat", "g", "1.5"}) == Bulk("17179869185.5"));
  CHECK(h.Run({"incrbyfloat", "f", "x"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.Run({"incrbyfloat", "f", "inf"}) == "-ERR increment would produce NaN or Infinity\r\n");
  CHECK(h.Run({"incrbyfloat", "s", "1"}) == "-ERR value is not a valid float\r\n");
}

TEST_CASE("RESP3 nulls for GET and MGET", "[src][commands][string]") {
  test::Harness h;
  h.Run({"hello", "3"});
  CHECK(h.Run({"get", "none"}) == "_\r\n");
  CHECK(h.Run({"mget", "none"}) == "*1\r\n_\r\n");
}

TEST_CASE("string commands survive a restart with their TTLs", "[src][commands][string]") {
  test::Harness h;
  h.Run({"set", "k", "v", "ex", "1000"});
  h.Run({"set", "gone", "v", "px", "1"});
  h.Restart();
  CHECK(h.Run({"get", "k"}) == Bulk("v"));
  CHECK(h.Run({"ttl", "k"}) == Int(1000));
  CHECK(h.Run({"get", "gone"}) == kNil);
}

}  // namespace lsmdb::server
