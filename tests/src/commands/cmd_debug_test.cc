#include <catch2/catch.hpp>
#include <string>

#include "tests/src/harness.h"

namespace lsmdb::server {
namespace {

TEST_CASE("DEBUG POPULATE creates count keys, sized values, and keeps existing keys",
          "[src][commands][debug]") {
  test::Harness h;
  CHECK(h.Run({"set", "key:1", "mine"}) == "+OK\r\n");
  CHECK(h.Run({"debug", "populate", "3"}) == "+OK\r\n");
  CHECK(h.Run({"dbsize"}) == ":3\r\n");
  CHECK(h.Run({"get", "key:0"}) == "$7\r\nvalue:0\r\n");
  CHECK(h.Run({"get", "key:1"}) == "$4\r\nmine\r\n");  // left alone
  CHECK(h.Run({"get", "key:2"}) == "$7\r\nvalue:2\r\n");
  // A prefix and a size: zero-padded, or cut.
  CHECK(h.Run({"debug", "populate", "2", "p", "10"}) == "+OK\r\n");
  CHECK(h.Run({"get", "p:1"}) == std::string("$10\r\nvalue:1\0\0\0\r\n", 17));
  CHECK(h.Run({"debug", "populate", "1", "q", "3"}) == "+OK\r\n");
  CHECK(h.Run({"get", "q:0"}) == "$3\r\nval\r\n");
  CHECK(h.Run({"debug", "populate", "0"}) == "+OK\r\n");
  CHECK(h.Run({"dbsize"}) == ":6\r\n");
  // More keys than one internal group (1000).
  CHECK(h.Run({"debug", "populate", "2500", "many"}) == "+OK\r\n");
  CHECK(h.Run({"dbsize"}) == ":2506\r\n");
  CHECK(h.Run({"get", "many:2499"}) == "$10\r\nvalue:2499\r\n");
  CHECK(h.Run({"debug", "populate", "x"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(h.Run({"debug", "populate", "-1"}) == "-ERR count must be a non-negative integer\r\n");
  CHECK(h.Run({"debug", "populate", "1", "p", "-5"}) == "-ERR size out of range\r\n");
}

}  // namespace
}  // namespace lsmdb::server
