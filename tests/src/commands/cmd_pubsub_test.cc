#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "src/server/dispatcher.h"
#include "src/server/pubsub.h"
#include "tests/src/harness.h"

namespace lsmdb::server {

TEST_CASE("SUBSCRIBE and UNSUBSCRIBE confirm each channel with the count",
          "[src][commands][pubsub]") {
  test::Harness h;
  CHECK(h.Run({"unsubscribe"}) == "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  CHECK(h.Run({"punsubscribe"}) == "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
  CHECK(h.Run({"subscribe", "a", "b", "a"}) ==
        "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
        "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
        "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
  CHECK(h.Run({"psubscribe", "p*"}) == "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n");
  CHECK(h.Run({"unsubscribe", "zz"}) == "*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:3\r\n");
  CHECK(h.Run({"unsubscribe"}) ==
        "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n"
        "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n");
  CHECK(h.Run({"punsubscribe"}) == "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n");
  CHECK(h.client().subscriptions == 0);
}

TEST_CASE("A RESP2 subscriber may only run the pub/sub commands, PING, QUIT and RESET",
          "[src][commands][pubsub]") {
  test::Harness h;
  h.Run({"subscribe", "c"});
  CHECK(h.Run({"get", "k"}) ==
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
        "RESET are allowed in this context\r\n");
  CHECK(h.Run({"ping"}) == "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  CHECK(h.Run({"ping", "x"}) == "*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  // RESP3 clients keep every command and get push frames.
  h.Run({"hello", "3"});
  CHECK(h.Run({"subscribe", "c"}) == ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
  CHECK(h.Run({"get", "k"}) == "_\r\n");
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("PUBLISH delivers messages and pmessages and counts receivers",
          "[src][commands][pubsub]") {
  test::Harness h;
  h.Run({"subscribe", "news"});
  h.Run({"psubscribe", "n*"});
  // The publisher is another client (a RESP2 subscriber cannot publish).
  Client other(h.server().clients().NextId(), "127.0.0.1:1", "127.0.0.1:2", -1);
  test::SyncCommitter committer(&h.db());
  auto run_other = [&](std::vector<std::string_view> args) {
    std::string out;
    resp::ReplyBuilder reply(&out, 2);
    Dispatch(h.server(), other, args, reply, committer,
             h.server().thread_stats(h.server().io_threads()));
    return out;
  };
  CHECK(run_other({"publish", "news", "hi"}) == ":2\r\n");
  CHECK(run_other({"publish", "nope", "x"}) == ":1\r\n");
  CHECK(run_other({"publish", "zzz", "x"}) == ":0\r\n");
  CHECK(h.client().subscriber->TakeInbox() ==
        "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
        "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
        "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnope\r\n$1\r\nx\r\n");
  CHECK(run_other({"pubsub", "channels"}) == "*1\r\n$4\r\nnews\r\n");
  CHECK(run_other({"pubsub", "channels", "x*"}) == "*0\r\n");
  CHECK(run_other({"pubsub", "numsub", "news", "x"}) ==
        "*4\r\n$4\r\nnews\r\n:1\r\n$1\r\nx\r\n:0\r\n");
  CHECK(run_other({"pubsub", "numpat"}) == ":1\r\n");
  CHECK(run_other({"pubsub", "numpat", "x"}) ==
        "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
  CHECK(run_other({"pubsub", "foo"}) == "-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n");
  h.server().ReleaseClientState(h.client());
  CHECK(run_other({"publish", "news", "hi"}) == ":0\r\n");
  CHECK(run_other({"pubsub", "numpat"}) == ":0\r\n");
}

TEST_CASE("Message encodings follow the protocol", "[src][server][pubsub]") {
  CHECK(EncodeMessage(2, "c", "m") == "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
  CHECK(EncodeMessage(3, "c", "m") == ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
  CHECK(EncodePMessage(3, "p", "c", "m") ==
        ">4\r\n$8\r\npmessage\r\n$1\r\np\r\n$1\r\nc\r\n$1\r\nm\r\n");
}

}  // namespace lsmdb::server
