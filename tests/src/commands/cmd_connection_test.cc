#include <catch2/catch.hpp>
#include <string>

#include "tests/src/harness.h"

namespace lsmdb::server {

TEST_CASE("PING and ECHO reply as Redis does", "[src][commands][connection]") {
  test::Harness h;
  CHECK(h.Run({"PING"}) == "+PONG\r\n");
  CHECK(h.Run({"ping", "hi"}) == "$2\r\nhi\r\n");
  CHECK(h.Run({"echo", ""}) == "$0\r\n\r\n");
  CHECK(h.Run({"echo", std::string("a\0b", 3)}) == std::string("$3\r\na\0b\r\n", 9));
}

TEST_CASE("HELLO switches the protocol and replies with the server map",
          "[src][commands][connection]") {
  test::Harness h;
  std::string r2 = h.Run({"hello"});
  CHECK(r2.rfind("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n", 0) == 0);
  CHECK(r2.find("$5\r\nproto\r\n:2\r\n") != std::string::npos);
  std::string r3 = h.Run({"hello", "3"});
  CHECK(r3.rfind("%7\r\n", 0) == 0);
  CHECK(r3.find("$5\r\nproto\r\n:3\r\n") != std::string::npos);
  CHECK(r3.find("$4\r\nmode\r\n$10\r\nstandalone\r\n") != std::string::npos);
  CHECK(r3.find("$4\r\nrole\r\n$6\r\nmaster\r\n") != std::string::npos);
  CHECK(h.client().protocol == 3);
  // RESP3 now: a null is "_".
  CHECK(h.Run({"client", "getname"}) == "_\r\n");
  CHECK(h.Run({"hello", "4"}) == "-NOPROTO unsupported protocol version\r\n");
  CHECK(h.Run({"hello", "x"}) == "-ERR Protocol version is not an integer or out of range\r\n");
  CHECK(h.Run({"hello", "2", "bogus"}) == "-ERR Syntax error in HELLO option 'bogus'\r\n");
  h.Run({"hello", "2", "SETNAME", "conn1"});
  CHECK(h.Run({"client", "getname"}) == "$5\r\nconn1\r\n");
}

TEST_CASE("HELLO AUTH authenticates, plain HELLO needs auth first", "[src][commands][connection]") {
  test::Harness h({"--requirepass", "pw"});
  CHECK(h.Run({"hello", "3"}).rfind("-NOAUTH HELLO must be called", 0) == 0);
  CHECK(h.Run({"hello", "3", "auth", "default", "bad"}) ==
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(h.Run({"hello", "3", "auth", "default", "pw"}).rfind("%7\r\n", 0) == 0);
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("AUTH errors copy Redis's texts", "[src][commands][connection]") {
  test::Harness h;
  CHECK(h.Run({"auth", "x"}) ==
        "-ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?\r\n");
  CHECK(h.Run({"auth", "default", "anything"}) == "+OK\r\n");
  CHECK(h.Run({"auth", "a", "b", "c"}) == "-ERR syntax error\r\n");
  test::Harness p({"--requirepass", "pw"});
  CHECK(p.Run({"auth", "someone", "pw"}) ==
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(p.Run({"auth", "default", "pw"}) == "+OK\r\n");
}

TEST_CASE("SELECT accepts 0..15 only", "[src][commands][connection]") {
  test::Harness h;
  CHECK(h.Run({"select", "15"}) == "+OK\r\n");
  CHECK(h.client().db() == 15);
  CHECK(h.Run({"select", "16"}) == "-ERR DB index is out of range\r\n");
  CHECK(h.Run({"select", "-1"}) == "-ERR DB index is out of range\r\n");
  CHECK(h.Run({"select", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.client().db() == 15);
}

TEST_CASE("QUIT replies OK and marks the client for closing", "[src][commands][connection]") {
  test::Harness h;
  CHECK(h.Run({"quit"}) == "+OK\r\n");
  CHECK(h.client().close_after_reply);
}

TEST_CASE("RESET restores the connection defaults", "[src][commands][connection]") {
  test::Harness h;
  h.Run({"select", "3"});
  h.Run({"hello", "3"});
  h.Run({"client", "setname", "x"});
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.client().db() == 0);
  CHECK(h.client().protocol == 2);
  CHECK(h.Run({"client", "getname"}) == "$-1\r\n");
}

TEST_CASE("CLIENT subcommands", "[src][commands][connection]") {
  test::Harness h;
  std::string id = std::to_string(h.client().id());
  CHECK(h.Run({"client", "id"}) == ":" + id + "\r\n");
  CHECK(h.Run({"client", "getname"}) == "$-1\r\n");
  CHECK(h.Run({"client", "setname", "my-conn"}) == "+OK\r\n");
  CHECK(h.Run({"client", "getname"}) == "$7\r\nmy-conn\r\n");
  CHECK(h.Run({"client", "setname", "has space"}) ==
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  std::string list = h.Run({"client", "list"});
  CHECK(list.find("id=" + id + " addr=127.0.0.1:50000") != std::string::npos);
  CHECK(list.find("name=my-conn") != std::string::npos);
  CHECK(h.Run({"client", "info"}).find("name=my-conn") != std::string::npos);
  CHECK(h.Run({"client", "list", "type", "bogus"}) == "-ERR Unknown client type 'bogus'\r\n");
  CHECK(h.Run({"client", "kill", "1.2.3.4:5"}) == "-ERR No such client\r\n");
  CHECK(h.Run({"client", "kill", "id", "999999"}) == ":0\r\n");
  CHECK(h.Run({"client", "kill", "id", "0"}) == "-ERR client-id should be greater than 0\r\n");
  CHECK(h.Run({"client", "setinfo", "lib-name", "redis-py"}) == "+OK\r\n");
  CHECK(h.Run({"client", "no-evict", "on"}) == "+OK\r\n");
  CHECK(h.Run({"client", "bogus"}) == "-ERR unknown subcommand 'bogus'. Try CLIENT HELP.\r\n");
  CHECK(h.Run({"client", "help"}).rfind("*", 0) == 0);
  CHECK(h.Run({"client", "id", "x"}) ==
        "-ERR wrong number of arguments for 'client|id' command\r\n");
}

}  // namespace lsmdb::server
