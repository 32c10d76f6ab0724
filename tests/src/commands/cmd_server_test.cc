#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tests/src/harness.h"

namespace lsmdb::server {

TEST_CASE("INFO has Redis's sections and fields", "[src][commands][server]") {
  test::Harness h;
  std::string info = h.Run({"info"});
  CHECK(info.rfind("$", 0) == 0);
  for (const char* needle :
       {"# Server\r\n", "redis_version:", "# Clients\r\n", "connected_clients:", "# Memory\r\n",
        "# Persistence\r\n", "# Stats\r\n", "total_commands_processed:", "# Replication\r\n",
        "role:master\r\n", "connected_slaves:0\r\n",
        "master_replid:", "master_repl_offset:", "# CPU\r\n", "# Storage\r\n", "# Keyspace\r\n"}) {
    INFO(needle);
    CHECK(info.find(needle) != std::string::npos);
  }
  CHECK(info.find("# Commandstats") == std::string::npos);
  CHECK(h.Run({"info", "all"}).find("# Commandstats") != std::string::npos);
  std::string repl = h.Run({"info", "replication"});
  CHECK(repl.find("# Server") == std::string::npos);
  CHECK(repl.find("# Replication") != std::string::npos);
  CHECK(h.Run({"info", "nosuchsection"}) == "$0\r\n\r\n");
  h.Run({"hello", "3"});
  CHECK(h.Run({"info", "server"}).rfind("=", 0) == 0);  // verbatim string in RESP3
}

TEST_CASE("CONFIG GET, SET, RESETSTAT and REWRITE", "[src][commands][server]") {
  test::Harness h;
  CHECK(h.Run({"config", "get", "maxclients"}) == "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  CHECK(h.Run({"config", "get", "save"}) == "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  CHECK(h.Run({"config", "get", "appendonly"}) == "*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n");
  CHECK(h.Run({"config", "get", "nomatch"}) == "*0\r\n");
  CHECK(h.Run({"config", "get", "port", "port"}) == "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
  CHECK(h.Run({"config", "set", "maxclients", "77"}) == "+OK\r\n");
  CHECK(h.Run({"config", "get", "maxclients"}) == "*2\r\n$10\r\nmaxclients\r\n$2\r\n77\r\n");
  CHECK(h.Run({"config", "set", "port", "1"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
        "config\r\n");
  CHECK(h.Run({"config", "set", "nosuch", "1"}) ==
        "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
  CHECK(h.Run({"config", "set", "maxclients", "abc"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't "
        "be parsed into an integer\r\n");
  CHECK(h.Run({"config", "set", "maxclients"}) ==
        "-ERR wrong number of arguments for 'config|set' command\r\n");
  CHECK(h.Run({"config", "resetstat"}) == "+OK\r\n");
  CHECK(h.Run({"config", "rewrite"}) == "-ERR The server is running without a config file\r\n");
  CHECK(h.Run({"config", "bogus"}) == "-ERR unknown subcommand 'bogus'. Try CONFIG HELP.\r\n");
  h.Run({"hello", "3"});
  CHECK(h.Run({"config", "get", "port"}) == "%1\r\n$4\r\nport\r\n$4\r\n6379\r\n");
}

TEST_CASE("COMMAND COUNT, INFO, DOCS, LIST and GETKEYS are well formed",
          "[src][commands][server]") {
  test::Harness h;
  std::string count = h.Run({"command", "count"});
  CHECK(count.rfind(":", 0) == 0);
  CHECK(std::stoi(count.substr(1)) >= 19);
  std::string info = h.Run({"command", "info", "ping", "nosuch"});
  CHECK(info.rfind("*2\r\n*10\r\n$4\r\nping\r\n:-1\r\n", 0) == 0);
  CHECK(info.find("*-1\r\n") != std::string::npos);
  std::string docs = h.Run({"command", "docs", "ping"});
  CHECK(docs.rfind("*2\r\n$4\r\nping\r\n*8\r\n$7\r\nsummary\r\n", 0) == 0);
  CHECK(h.Run({"command", "list", "filterby", "pattern", "pin*"}) == "*1\r\n$4\r\nping\r\n");
  CHECK(h.Run({"command", "getkeys", "ping"}) == "-ERR The command has no key arguments\r\n");
  CHECK(h.Run({"command", "getkeys", "nosuch"}) == "-ERR Invalid command specified\r\n");
  CHECK(h.Run({"command"}).rfind("*", 0) == 0);
}

TEST_CASE("TIME, LASTSAVE, SAVE and BGSAVE", "[src][commands][server]") {
  test::Harness h;
  CHECK(h.Run({"time"}).rfind("*2\r\n$10\r\n", 0) == 0);
  CHECK(h.Run({"lastsave"}).rfind(":", 0) == 0);
  CHECK(h.Run({"save"}) == "+OK\r\n");
  CHECK(h.Run({"bgsave"}) == "+Background saving started\r\n");
  CHECK(std::filesystem::exists(h.dir() + "/checkpoints"));
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(h.dir() + "/checkpoints")) {
    (void)e;
    n++;
  }
  CHECK(n >= 1);
}

TEST_CASE("SLOWLOG records commands over the threshold", "[src][commands][server]") {
  test::Harness h({"--slowlog-log-slower-than", "0"});
  CHECK(h.Run({"slowlog", "reset"}) == "+OK\r\n");
  h.Run({"echo", "hello"});
  CHECK(h.Run({"slowlog", "len"}) == ":2\r\n");  // the RESET itself, then ECHO
  // Newest first: SLOWLOG LEN itself, then ECHO.
  std::string get = h.Run({"slowlog", "get", "2"});
  CHECK(get.rfind("*2\r\n*6\r\n", 0) == 0);
  CHECK(get.find("$4\r\necho\r\n$5\r\nhello\r\n") != std::string::npos);
  CHECK(h.Run({"slowlog", "get", "-2"}) == "-ERR count should be greater than or equal to -1\r\n");
  CHECK(h.Run({"config", "set", "slowlog-log-slower-than", "-1"}) == "+OK\r\n");
  h.Run({"slowlog", "reset"});
  h.Run({"echo", "x"});
  CHECK(h.Run({"slowlog", "len"}) == ":0\r\n");
}

TEST_CASE("DEBUG SLEEP and LSMDB admin commands", "[src][commands][server]") {
  test::Harness h;
  CHECK(h.Run({"debug", "sleep", "0.01"}) == "+OK\r\n");
  CHECK(h.Run({"debug", "nosuch"}) == "-ERR unknown subcommand 'nosuch'. Try DEBUG HELP.\r\n");
  CHECK(h.Run({"lsmdb", "flush"}) == "+OK\r\n");
  CHECK(h.Run({"lsmdb", "compact"}) == "+OK\r\n");
  CHECK(h.Run({"lsmdb", "compact", "a", "z"}) == "+OK\r\n");
  CHECK(h.Run({"lsmdb", "stats"}).rfind("$", 0) == 0);
}

TEST_CASE("SHUTDOWN asks the server to stop and sends no reply", "[src][commands][server]") {
  test::Harness h;
  CHECK(h.Run({"shutdown", "bogus"}) == "-ERR syntax error\r\n");
  CHECK(h.Run({"shutdown", "nosave"}).empty());
  CHECK(h.client().close_after_reply);
}

}  // namespace lsmdb::server
