#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "lsmdb/db.h"
#include "src/server/dispatcher.h"
#include "src/server/transaction.h"
#include "tests/src/harness.h"

namespace lsmdb::server {
namespace {

// A second client of the harness's server, for WATCH conflicts.
class OtherClient {
 public:
  explicit OtherClient(test::Harness& h)
      : h_(h), client_(h.server().clients().NextId(), "127.0.0.1:50001", "127.0.0.1:6379", -1),
        committer_(&h.db()) {}
  std::string Run(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    std::string out;
    resp::ReplyBuilder reply(&out, client_.protocol);
    Dispatch(h_.server(), client_, views, reply, committer_,
             h_.server().thread_stats(h_.server().io_threads()));
    return out;
  }
  Client& client() { return client_; }

 private:
  test::Harness& h_;
  Client client_;
  test::SyncCommitter committer_;
};

}  // namespace

TEST_CASE("MULTI queues commands and EXEC returns their replies in an array",
          "[src][commands][multi]") {
  test::Harness h;
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"set", "a", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"incr", "a"}) == "+QUEUED\r\n");
  CHECK(h.Run({"lpush", "a", "x"}) == "+QUEUED\r\n");
  CHECK(h.Run({"get", "a"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) ==
        "*4\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of "
        "value\r\n$1\r\n2\r\n");
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"exec"}) == "*0\r\n");
}

TEST_CASE("Transaction state errors copy Redis's texts", "[src][commands][multi]") {
  test::Harness h;
  CHECK(h.Run({"exec"}) == "-ERR EXEC without MULTI\r\n");
  CHECK(h.Run({"discard"}) == "-ERR DISCARD without MULTI\r\n");
  CHECK(h.Run({"multi"}) == "+OK\r\n");
  CHECK(h.Run({"multi"}) == "-ERR MULTI calls can not be nested\r\n");
  CHECK(h.Run({"watch", "k"}) == "-ERR WATCH inside MULTI is not allowed\r\n");
  CHECK(h.Run({"set", "k", "v"}) == "+QUEUED\r\n");
  CHECK(h.Run({"discard"}) == "+OK\r\n");
  CHECK(h.Run({"exists", "k"}) == ":0\r\n");
}

TEST_CASE("An error while queuing makes EXEC abort with EXECABORT", "[src][commands][multi]") {
  test::Harness h;
  h.Run({"multi"});
  h.Run({"set", "k", "v"});
  CHECK(h.Run({"nosuch", "x"}).rfind("-ERR unknown command 'nosuch'", 0) == 0);
  CHECK(h.Run({"get"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(h.Run({"exec"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
  CHECK(h.Run({"exists", "k"}) == ":0\r\n");
  CHECK_FALSE(h.client().in_multi);
}

TEST_CASE("WATCH aborts EXEC when another client writes the key", "[src][commands][multi]") {
  test::Harness h;
  OtherClient other(h);
  h.Run({"set", "w", "1"});
  CHECK(h.Run({"watch", "w"}) == "+OK\r\n");
  other.Run({"set", "w", "2"});
  h.Run({"multi"});
  h.Run({"set", "w", "3"});
  CHECK(h.Run({"exec"}) == "*-1\r\n");
  CHECK(h.Run({"get", "w"}) == "$1\r\n2\r\n");

  // After EXEC nothing is watched: the same sequence now runs.
  other.Run({"set", "w", "4"});
  h.Run({"multi"});
  h.Run({"set", "w", "5"});
  CHECK(h.Run({"exec"}) == "*1\r\n+OK\r\n");

  // UNWATCH forgets; writes that commit nothing do not touch.
  h.Run({"watch", "w", "absent"});
  other.Run({"set", "w", "x", "nx"});
  other.Run({"del", "absent"});
  h.Run({"multi"});
  h.Run({"ping"});
  CHECK(h.Run({"exec"}) == "*1\r\n+PONG\r\n");
  h.Run({"watch", "w"});
  h.Run({"unwatch"});
  other.Run({"set", "w", "y"});
  h.Run({"multi"});
  h.Run({"ping"});
  CHECK(h.Run({"exec"}) == "*1\r\n+PONG\r\n");
}

TEST_CASE("WATCH follows Redis 7.0's rules for stale keys and FLUSHALL",
          "[src][commands][multi]") {
  test::Harness h;
  OtherClient other(h);
  // A watched absent key that is created: abort.
  h.Run({"watch", "k"});
  other.Run({"set", "k", "v"});
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "*-1\r\n");
  // FLUSHALL touches an existing watched key...
  h.Run({"watch", "k"});
  other.Run({"flushall"});
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "*-1\r\n");
  // ...but not one that does not exist.
  h.Run({"watch", "k"});
  other.Run({"flushall"});
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "*0\r\n");
  // A watched key in another db is another key.
  h.Run({"watch", "k"});
  other.Run({"select", "3"});
  other.Run({"set", "k", "v"});
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "*0\r\n");
}

TEST_CASE("An EXEC is one WAL record: replayed whole after a restart",
          "[src][commands][multi]") {
  test::Harness h;
  h.Run({"multi"});
  for (int i = 0; i < 10; i++) h.Run({"set", "k" + std::to_string(i), "v"});
  h.Run({"rpush", "l", "a", "b"});
  CHECK(h.Run({"exec"}).rfind("*11\r\n", 0) == 0);
  h.Restart();  // no flush: only the WAL survives
  CHECK(h.Run({"exists", "k0", "k9"}) == ":2\r\n");
  CHECK(h.Run({"llen", "l"}) == ":2\r\n");
}

TEST_CASE("ExecCommitter applies steps at once and logs them only at Finish",
          "[src][commands][multi]") {
  test::Harness h;
  test::SyncCommitter sync(&h.db());
  std::string scratch;
  {
    ExecCommitter exec(h.db(), sync);
    WriteBatch b;
    b.Put("raw-key", "1");
    REQUIRE(exec.Commit(b).ok());
    Result<bool> found = h.db().Get(ReadOptions(), "raw-key", &scratch);
    REQUIRE(found.ok());
    CHECK(found.value());
    // No Finish(): a crash now loses the step.
  }
  h.Restart();
  test::SyncCommitter sync2(&h.db());
  Result<bool> found = h.db().Get(ReadOptions(), "raw-key", &scratch);
  REQUIRE(found.ok());
  CHECK_FALSE(found.value());

  ExecCommitter exec(h.db(), sync2);
  WriteBatch b1, b2;
  b1.Put("raw-a", "1");
  b2.Put("raw-b", "2");
  REQUIRE(exec.Commit(b1).ok());
  REQUIRE(exec.Commit(b2).ok());
  REQUIRE(exec.Finish().ok());
  h.Restart();
  std::string v;
  REQUIRE(h.db().Get(ReadOptions(), "raw-b", &v).value());
  CHECK(v == "2");
  REQUIRE(h.db().Get(ReadOptions(), "raw-a", &v).value());
}

TEST_CASE("RESET ends a transaction and forgets watches", "[src][commands][multi]") {
  test::Harness h;
  OtherClient other(h);
  h.Run({"watch", "r"});
  h.Run({"multi"});
  h.Run({"set", "r", "1"});
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.Run({"exec"}) == "-ERR EXEC without MULTI\r\n");
  other.Run({"set", "r", "2"});
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "*0\r\n");
  CHECK(h.server().watches().empty());
}

}  // namespace lsmdb::server
