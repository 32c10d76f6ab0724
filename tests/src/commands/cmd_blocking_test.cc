#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "src/server/blocking.h"
#include "tests/src/harness.h"

namespace lsmdb::server {

TEST_CASE("Blocking pops serve data at once with Redis's reply shapes",
          "[src][commands][blocking]") {
  test::Harness h;
  h.Run({"rpush", "l", "a", "b", "c"});
  CHECK(h.Run({"blpop", "none", "l", "0"}) == "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
  CHECK(h.Run({"brpop", "l", "1.5"}) == "*2\r\n$1\r\nl\r\n$1\r\nc\r\n");
  CHECK(h.Run({"blmove", "l", "d", "LEFT", "RIGHT", "0"}) == "$1\r\nb\r\n");
  CHECK(h.Run({"exists", "l"}) == ":0\r\n");
  CHECK(h.Run({"brpoplpush", "d", "l", "0"}) == "$1\r\nb\r\n");
  h.Run({"zadd", "z", "1", "m1", "2.5", "m2"});
  CHECK(h.Run({"bzpopmax", "z", "0"}) == "*3\r\n$1\r\nz\r\n$2\r\nm2\r\n$3\r\n2.5\r\n");
  CHECK(h.Run({"bzpopmin", "z", "0"}) == "*3\r\n$1\r\nz\r\n$2\r\nm1\r\n$1\r\n1\r\n");
  h.Run({"rpush", "m", "1", "2", "3"});
  CHECK(h.Run({"lmpop", "2", "x", "m", "right", "count", "2"}) ==
        "*2\r\n$1\r\nm\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
  h.Run({"zadd", "z", "1", "a"});
  CHECK(h.Run({"zmpop", "1", "z", "min"}) ==
        "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  CHECK(h.Run({"zmpop", "1", "z", "min"}) == "*-1\r\n");
}

TEST_CASE("A client that cannot block replies as on timeout", "[src][commands][blocking]") {
  test::Harness h;  // no connection: like a command inside EXEC
  CHECK(h.Run({"blpop", "x", "0"}) == "*-1\r\n");
  CHECK(h.Run({"bzpopmin", "x", "0"}) == "*-1\r\n");
  CHECK(h.Run({"blmove", "x", "y", "LEFT", "LEFT", "0"}) == "$-1\r\n");
  CHECK(h.Run({"blmpop", "0", "1", "x", "LEFT"}) == "*-1\r\n");
  CHECK(h.client().blocked == nullptr);
  h.Run({"multi"});
  h.Run({"blpop", "x", "0"});
  h.Run({"brpoplpush", "x", "y", "0"});
  CHECK(h.Run({"exec"}) == "*2\r\n*-1\r\n$-1\r\n");
}

TEST_CASE("Blocking commands check their arguments as Redis does", "[src][commands][blocking]") {
  test::Harness h;
  CHECK(h.Run({"blpop", "x", "abc"}) == "-ERR timeout is not a float or out of range\r\n");
  CHECK(h.Run({"blpop", "x", "-0.5"}) == "-ERR timeout is negative\r\n");
  CHECK(h.Run({"blmove", "x", "y", "UP", "LEFT", "0"}) == "-ERR syntax error\r\n");
  CHECK(h.Run({"blmpop", "0", "0", "x", "LEFT"}) == "-ERR numkeys should be greater than 0\r\n");
  CHECK(h.Run({"blmpop", "0", "3", "x", "LEFT"}) == "-ERR syntax error\r\n");
  CHECK(h.Run({"blmpop", "0", "1", "x", "LEFT", "COUNT", "0"}) ==
        "-ERR count should be greater than 0\r\n");
  h.Run({"set", "s", "v"});
  CHECK(h.Run({"blpop", "s", "0"}).rfind("-WRONGTYPE", 0) == 0);
  CHECK(h.Run({"blpop", "k"}) == "-ERR wrong number of arguments for 'blpop' command\r\n");
}

TEST_CASE("ParseBlockTimeout converts seconds to ms, rounding up", "[src][server][blocking]") {
  CHECK(ParseBlockTimeout("0").value() == 0);
  CHECK(ParseBlockTimeout("1").value() == 1000);
  CHECK(ParseBlockTimeout("0.0001").value() == 1);
  CHECK(ParseBlockTimeout("2.5").value() == 2500);
  CHECK_FALSE(ParseBlockTimeout("inf").ok());
  CHECK_FALSE(ParseBlockTimeout("1e30").ok());
  CHECK_FALSE(ParseBlockTimeout("").ok());
}

TEST_CASE("BlockingRegistry wakes waiters one at a time in FIFO order",
          "[src][server][blocking]") {
  BlockingRegistry reg;
  std::vector<int> woken;
  auto a = std::make_shared<Waiter>([&] { woken.push_back(1); });
  auto b = std::make_shared<Waiter>([&] { woken.push_back(2); });
  auto c = std::make_shared<Waiter>([&] { woken.push_back(3); });
  std::vector<std::string> k = {"k"};
  reg.Add(a, 0, k);
  reg.Add(b, 0, k);
  reg.Add(c, 0, {"k", "other"});
  CHECK_FALSE(reg.empty());
  reg.Signal(1, "k");  // another db
  CHECK(woken.empty());
  reg.Signal(0, "k");
  CHECK(woken == std::vector<int>{1});
  reg.Signal(0, "k");  // a is signaled already: b is next
  CHECK(woken == std::vector<int>{1, 2});
  reg.ClearSignal(*b);  // b found nothing
  // a leaves while signaled (timeout): its signal passes to the next free one.
  reg.Remove(a, 0, k);
  CHECK(woken == std::vector<int>{1, 2, 2});
  reg.Signal(0, "other");
  CHECK(woken == std::vector<int>{1, 2, 2, 3});
  reg.Remove(b, 0, k);
  reg.Remove(c, 0, {"k", "other"});
  CHECK(reg.empty());
}

TEST_CASE("OBJECT ENCODING names Redis 7.0's encodings", "[src][commands][object]") {
  test::Harness h;
  h.Run({"set", "i", "12345"});
  h.Run({"set", "e", "hello"});
  h.Run({"set", "r", std::string(45, 'x')});
  h.Run({"set", "z0", "0123"});
  CHECK(h.Run({"object", "encoding", "i"}) == "$3\r\nint\r\n");
  CHECK(h.Run({"object", "encoding", "e"}) == "$6\r\nembstr\r\n");
  CHECK(h.Run({"object", "encoding", "r"}) == "$3\r\nraw\r\n");
  CHECK(h.Run({"object", "encoding", "z0"}) == "$6\r\nembstr\r\n");
  h.Run({"rpush", "l", "a"});
  CHECK(h.Run({"object", "encoding", "l"}) == "$9\r\nquicklist\r\n");
  h.Run({"hset", "h", "f", "v"});
  CHECK(h.Run({"object", "encoding", "h"}) == "$8\r\nlistpack\r\n");
  h.Run({"hset", "h", "big", std::string(65, 'v')});
  CHECK(h.Run({"object", "encoding", "h"}) == "$9\r\nhashtable\r\n");
  h.Run({"sadd", "s", "1", "2"});
  CHECK(h.Run({"object", "encoding", "s"}) == "$6\r\nintset\r\n");
  h.Run({"sadd", "s", "x"});
  CHECK(h.Run({"object", "encoding", "s"}) == "$9\r\nhashtable\r\n");
  h.Run({"zadd", "zs", "1", "a"});
  CHECK(h.Run({"object", "encoding", "zs"}) == "$8\r\nlistpack\r\n");
  std::vector<std::string> many = {"zadd", "zb"};
  for (int i = 0; i < 129; i++) {
    many.push_back(std::to_string(i));
    many.push_back("m" + std::to_string(i));
  }
  h.Run(many);
  CHECK(h.Run({"object", "encoding", "zb"}) == "$8\r\nskiplist\r\n");
  CHECK(h.Run({"object", "encoding", "missing"}) == "$-1\r\n");
  CHECK(h.Run({"object", "refcount", "i"}) == ":1\r\n");
  h.Run({"set", "small", "7"});
  CHECK(h.Run({"object", "refcount", "small"}) == ":2147483647\r\n");
  CHECK(h.Run({"object", "idletime", "e"}) == ":0\r\n");
  CHECK(h.Run({"object", "freq", "e"}).rfind("-ERR An LFU maxmemory policy is not selected", 0) ==
        0);
  CHECK(h.Run({"object", "encoding"}) ==
        "-ERR wrong number of arguments for 'object|encoding' command\r\n");
  CHECK(h.Run({"object", "nope", "x"}) == "-ERR unknown subcommand 'nope'. Try OBJECT HELP.\r\n");
  CHECK(h.Run({"object", "help"}).rfind("*15\r\n", 0) == 0);
}

}  // namespace lsmdb::server
