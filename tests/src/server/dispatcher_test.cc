#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "src/server/dispatcher.h"
#include "src/server/error_reply.h"
#include "src/server/redis_error.h"
#include "src/types/clock.h"
#include "tests/src/harness.h"

namespace lsmdb::server {

TEST_CASE("An unknown command gets Redis's exact error text", "[src][dispatcher]") {
  test::Harness h;
  CHECK(h.Run({"nosuch"}) == "-ERR unknown command 'nosuch', with args beginning with: \r\n");
  CHECK(h.Run({"nosuch", "a", "b"}) ==
        "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n");
  // Arguments are quoted until 128 bytes are used; the name is cut at 128.
  std::string long_arg(200, 'x');
  std::string reply = h.Run({"nosuch", long_arg, "more"});
  CHECK(reply == "-ERR unknown command 'nosuch', with args beginning with: '" +
                     std::string(128, 'x') + "' \r\n");
  CHECK(UnknownCommandError({"a\r\nb"}) ==
        "ERR unknown command 'a  b', with args beginning with: ");
}

TEST_CASE("Arity errors name the command in lower case", "[src][dispatcher]") {
  test::Harness h;
  CHECK(h.Run({"ECHO"}) == "-ERR wrong number of arguments for 'echo' command\r\n");
  CHECK(h.Run({"echo", "a", "b"}) == "-ERR wrong number of arguments for 'echo' command\r\n");
  CHECK(h.Run({"select"}) == "-ERR wrong number of arguments for 'select' command\r\n");
  CHECK(h.Run({"ping", "a", "b"}) == "-ERR wrong number of arguments for 'ping' command\r\n");
}

TEST_CASE("Commands need AUTH when requirepass is set", "[src][dispatcher]") {
  test::Harness h({"--requirepass", "pw"});
  CHECK(h.Run({"ping"}) == "-NOAUTH Authentication required.\r\n");
  // Unknown commands and arity errors come before the auth check, as in Redis.
  CHECK(h.Run({"nosuch"}).rfind("-ERR unknown command", 0) == 0);
  CHECK(h.Run({"echo"}) == "-ERR wrong number of arguments for 'echo' command\r\n");
  CHECK(h.Run({"auth", "wrong"}) ==
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(h.Run({"auth", "pw"}) == "+OK\r\n");
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("Status codes map to RESP errors in one place", "[src][dispatcher]") {
  std::string out;
  resp::ReplyBuilder r(&out);
  WriteError(r, RedisError("WRONGTYPE Operation against a key holding the wrong kind of value"));
  CHECK(out == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  out.clear();
  WriteError(r, Status::IOError("disk full"));
  CHECK(out == "-ERR IO error: disk full\r\n");
  out.clear();
  WriteError(r, Status::InvalidArgument("bare message"));
  CHECK(out == "-ERR bare message\r\n");
}

TEST_CASE("CLIENT REPLY OFF and SKIP drop replies", "[src][dispatcher]") {
  test::Harness h;
  CHECK(h.Run({"client", "reply", "skip"}).empty());
  CHECK(h.Run({"ping"}).empty());
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  CHECK(h.Run({"client", "reply", "off"}).empty());
  CHECK(h.Run({"ping"}).empty());
  CHECK(h.Run({"client", "reply", "on"}) == "+OK\r\n");
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("Command statistics count calls, rejections and failures", "[src][dispatcher]") {
  test::Harness h;
  h.Run({"ping"});
  h.Run({"ping"});
  h.Run({"echo"});
  h.Run({"select", "99"});
  std::string info = h.Run({"info", "commandstats"});
  CHECK(info.find("cmdstat_ping:calls=2,") != std::string::npos);
  CHECK(
      info.find("cmdstat_echo:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0") !=
      std::string::npos);
  CHECK(info.find("cmdstat_select:calls=1,") != std::string::npos);
  CHECK(info.find("failed_calls=1") != std::string::npos);
}

TEST_CASE("The command clock reads the time once per command inside a scope",
          "[src][dispatcher]") {
  test::Harness h;
  // Outside a scope: the system clock.
  int64_t before = RealClockMs();
  int64_t now = CommandClockWallMs();
  CHECK(now >= before);
  CHECK(now <= RealClockMs());
  {
    CommandClockScope scope;
    // The wall time advances with each command's end, not in between.
    const int64_t t0 = CommandClockWallMs();
    CHECK(t0 >= before);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(CommandClockWallMs() == t0);
    CHECK(h.Run({"set", "k", "v", "px", "100000"}) == "+OK\r\n");
    const int64_t t1 = CommandClockWallMs();
    CHECK(t1 >= t0 + 20);
    CHECK(t1 <= RealClockMs() + 1);
    // The first command in the scope is charged from the scope's start.
    std::string info = h.Run({"info", "commandstats"});
    const size_t at = info.find("cmdstat_set:calls=1,usec=");
    REQUIRE(at != std::string::npos);
    CHECK(std::stoll(info.substr(at + 25)) >= 20000);
    // Expiry uses the scope's clock: the key is there, with its TTL.
    std::string pttl = h.Run({"pttl", "k"});
    CHECK(pttl.rfind(":", 0) == 0);
    CHECK(std::stoll(pttl.substr(1)) > 99000);
  }
  // Closed: the system clock again.
  before = RealClockMs();
  CHECK(CommandClockWallMs() >= before);
}

}  // namespace lsmdb::server
