// Tests of RequestParser: a pipelined stream split at every byte gives the
// same commands; every malformed input gives Redis 7.0's exact error text.

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_parser.h"

namespace lsmdb::resp {
namespace {

using namespace std::string_literals;
using Command = std::vector<std::string>;

std::string Multibulk(const Command& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

// Simulates a connection: appends each chunk to one input buffer (which moves
// in memory as it grows), parses every complete command, drops its bytes.
struct Feeder {
  explicit Feeder(ParserLimits limits = {}) : parser(limits) {}

  // Returns false once the parser reported an error.
  bool Feed(std::string_view chunk) {
    in.append(chunk);
    while (!in.empty()) {
      size_t consumed = 12345;
      auto outcome = parser.Parse(in, &consumed);
      if (outcome == RequestParser::Outcome::kIncomplete) {
        REQUIRE(consumed == 0);
        return true;
      }
      if (outcome == RequestParser::Outcome::kError) {
        error = parser.error();
        return false;
      }
      REQUIRE(consumed > 0);
      REQUIRE(consumed <= in.size());
      commands.emplace_back(parser.args().begin(), parser.args().end());
      in.erase(0, consumed);
    }
    return true;
  }

  RequestParser parser;
  std::string in;
  std::vector<Command> commands;
  std::string error;
};

// The pipelined stream used by the split tests, and the commands it holds.
struct Stream {
  std::string bytes;
  std::vector<Command> commands;
  void Add(std::string wire, Command expected) {
    bytes += wire;
    commands.push_back(std::move(expected));
  }
};

Stream SmallStream() {
  Stream s;
  const Command set = {"SET", "k\0e\ry"s, "\r\n\r\n"};
  s.Add(Multibulk(set), set);
  s.Add("PING\r\n", {"PING"});
  s.Add("SET \"a b\\x41\\n\\\"\" 'it\\'s' plain\r\n", {"SET", "a bA\n\"", "it's", "plain"});
  s.Add("*0\r\n", {});
  s.Add("\r\n", {});
  s.Add("  GET   key  \n", {"GET", "key"});
  s.Add("*1\r\n$0\r\n\r\n", {""});
  s.Add("*-1\r\n", {});
  const Command bin = {"\0\0\0"s, "*1\r\n$3\r\n", std::string(300, '\xff')};
  s.Add(Multibulk(bin), bin);
  s.Add("echo \"\\t\\r\\a\\b\\\\\" x\"y\"\r\n", {"echo", "\t\r\a\b\\", "xy"});
  return s;
}

std::string AllBytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 256) & 0xff);
  return s;
}

std::string ErrorFor(std::string_view input, ParserLimits limits = {}) {
  RequestParser parser(limits);
  size_t consumed = 0;
  auto outcome = parser.Parse(input, &consumed);
  if (outcome != RequestParser::Outcome::kError) return "<no error>";
  CHECK(consumed == 0);
  // The same input fed a byte at a time gives the same error.
  Feeder feeder(limits);
  bool ok = true;
  for (size_t i = 0; i < input.size() && ok; ++i) ok = feeder.Feed(input.substr(i, 1));
  CHECK(feeder.error == parser.error());
  return parser.error();
}

TEST_CASE("a pipelined stream fed in one piece yields every command", "[protocol][parser]") {
  Stream s = SmallStream();
  Feeder f;
  REQUIRE(f.Feed(s.bytes));
  CHECK(f.commands == s.commands);
  CHECK(f.in.empty());
}

TEST_CASE("a pipelined stream split at every byte yields the same commands",
          "[protocol][parser]") {
  Stream s = SmallStream();
  for (size_t split = 0; split <= s.bytes.size(); ++split) {
    Feeder f;
    REQUIRE(f.Feed(std::string_view(s.bytes).substr(0, split)));
    REQUIRE(f.Feed(std::string_view(s.bytes).substr(split)));
    INFO("split at " << split);
    REQUIRE(f.commands == s.commands);
    REQUIRE(f.in.empty());
  }
}

TEST_CASE("a pipelined stream with a 1 MB bulk fed byte by byte yields the same commands",
          "[protocol][parser]") {
  Stream s = SmallStream();
  const Command big = {"SET", "big", AllBytes(1 << 20)};
  Stream all;
  all.bytes = s.bytes + Multibulk(big) + s.bytes;
  all.commands = s.commands;
  all.commands.push_back(big);
  all.commands.insert(all.commands.end(), s.commands.begin(), s.commands.end());

  Feeder f;
  for (char c : all.bytes) REQUIRE(f.Feed(std::string_view(&c, 1)));
  CHECK(f.commands == all.commands);
  CHECK(f.in.empty());

  // In chunks of odd sizes too.
  for (size_t chunk : {7u, 4093u, 65536u}) {
    Feeder g;
    for (size_t i = 0; i < all.bytes.size(); i += chunk) {
      REQUIRE(g.Feed(std::string_view(all.bytes).substr(i, chunk)));
    }
    CHECK(g.commands == all.commands);
  }
}

TEST_CASE("args survive the buffer moving in memory between calls", "[protocol][parser]") {
  const std::string wire = Multibulk({"GET", "some-key"});
  RequestParser parser;
  size_t consumed = 0;
  for (size_t n = 1; n < wire.size(); ++n) {
    std::string copy = wire.substr(0, n);  // a fresh allocation each time
    REQUIRE(parser.Parse(copy, &consumed) == RequestParser::Outcome::kIncomplete);
  }
  std::string last = wire;
  REQUIRE(parser.Parse(last, &consumed) == RequestParser::Outcome::kCommand);
  CHECK(consumed == wire.size());
  REQUIRE(parser.args().size() == 2);
  CHECK(parser.args()[0] == "GET");
  CHECK(parser.args()[1] == "some-key");
  CHECK(parser.args()[1].data() == last.data() + wire.size() - 10);
}

TEST_CASE("Parse consumes exactly one command and leaves the rest", "[protocol][parser]") {
  const std::string wire = Multibulk({"PING"}) + "*1\r\n$4\r\nEC";
  RequestParser parser;
  size_t consumed = 0;
  REQUIRE(parser.Parse(wire, &consumed) == RequestParser::Outcome::kCommand);
  CHECK(consumed == 14);
  REQUIRE(parser.Parse(std::string_view(wire).substr(consumed), &consumed) ==
          RequestParser::Outcome::kIncomplete);
  CHECK(consumed == 0);
}

TEST_CASE("BytesWanted reports what the current bulk still needs", "[protocol][parser]") {
  RequestParser parser;
  size_t consumed = 0;
  CHECK(parser.BytesWanted() == 0);
  std::string wire = "*2\r\n$3\r\nGET\r\n$100\r\nabc";
  REQUIRE(parser.Parse(wire, &consumed) == RequestParser::Outcome::kIncomplete);
  CHECK(parser.BytesWanted() == 99);
  wire += std::string(97, 'x');
  REQUIRE(parser.Parse(wire, &consumed) == RequestParser::Outcome::kIncomplete);
  CHECK(parser.BytesWanted() == 2);
  wire += "\r\n";
  REQUIRE(parser.Parse(wire, &consumed) == RequestParser::Outcome::kCommand);
  CHECK(parser.BytesWanted() == 0);
  CHECK(parser.args()[1].size() == 100);
}

TEST_CASE("Reset forgets a partial command", "[protocol][parser]") {
  RequestParser parser;
  size_t consumed = 0;
  REQUIRE(parser.Parse("*2\r\n$3\r\nGET\r\n$1", &consumed) ==
          RequestParser::Outcome::kIncomplete);
  parser.Reset();
  REQUIRE(parser.Parse("PING\r\n", &consumed) == RequestParser::Outcome::kCommand);
  CHECK(consumed == 6);
  REQUIRE(parser.args().size() == 1);
  CHECK(parser.args()[0] == "PING");
}

TEST_CASE("empty and non-positive multibulk counts yield an empty command like Redis",
          "[protocol][parser]") {
  for (std::string wire : {"*0\r\n", "*-1\r\n", "*-5\r\n"}) {
    RequestParser parser;
    size_t consumed = 0;
    REQUIRE(parser.Parse(wire, &consumed) == RequestParser::Outcome::kCommand);
    CHECK(consumed == wire.size());
    CHECK(parser.args().empty());
  }
}

TEST_CASE("inline commands are split with sdssplitargs rules", "[protocol][parser]") {
  auto split = [](std::string line) {
    RequestParser parser;
    size_t consumed = 0;
    REQUIRE(parser.Parse(line, &consumed) == RequestParser::Outcome::kCommand);
    CHECK(consumed == line.size());
    return Command(parser.args().begin(), parser.args().end());
  };
  CHECK(split("GET k\r\n") == Command{"GET", "k"});
  CHECK(split("GET k\n") == Command{"GET", "k"});
  CHECK(split("\t GET\t\tk \r\n") == Command{"GET", "k"});
  CHECK(split("a\vb\n") == Command{"a\vb"});           // \v ends no token
  CHECK(split("\v\fa\n") == Command{"a"});             // but is skipped before one
  CHECK(split("GET a\0b c\r\n"s) == Command{"GET", "a"});  // a C string ends at \0
  CHECK(split("SET \"\\x4a\\x4B\\xzz\" x\n") == Command{"SET", "JKxzz", "x"});
  CHECK(split("SET \"\\q\\\\\" ''\n") == Command{"SET", "q\\", ""});
  CHECK(split("SET 'a\\nb' 'c\"d'\n") == Command{"SET", "a\\nb", "c\"d"});
  CHECK(split("x\"a b\"\n") == Command{"xa b"});
  CHECK(split("\r\n").empty());
  CHECK(split("   \n").empty());
}

TEST_CASE("multibulk protocol errors have Redis's exact text", "[protocol][parser]") {
  const std::string mbulk = "ERR Protocol error: invalid multibulk length";
  const std::string bulk = "ERR Protocol error: invalid bulk length";
  CHECK(ErrorFor("*abc\r\n") == mbulk);
  CHECK(ErrorFor("*\r\n") == mbulk);
  CHECK(ErrorFor("* 1\r\n") == mbulk);
  CHECK(ErrorFor("*+1\r\n") == mbulk);
  CHECK(ErrorFor("*01\r\n") == mbulk);
  CHECK(ErrorFor("*99999999999999999999\r\n") == mbulk);
  CHECK(ErrorFor("*1a\r\n") == mbulk);
  CHECK(ErrorFor("*10000000\r\n") == mbulk);
  CHECK(ErrorFor("*1048577\r\n") == mbulk);
  ParserLimits small;
  small.max_multibulk_len = 2;
  CHECK(ErrorFor("*3\r\n", small) == mbulk);

  CHECK(ErrorFor("*1\r\n*3\r\n") == "ERR Protocol error: expected '$', got '*'");
  CHECK(ErrorFor("*2\r\n$1\r\na\r\nfoo\r\n") == "ERR Protocol error: expected '$', got 'f'");
  CHECK(ErrorFor("*1\r\n\r\n") == "ERR Protocol error: expected '$', got ' '");
  CHECK(ErrorFor("*1\r\n\n\r\n") == "ERR Protocol error: expected '$', got ' '");
  CHECK(ErrorFor("*1\r\n\0\r\n"s) == "ERR Protocol error: expected '$', got '\0'"s);

  CHECK(ErrorFor("*1\r\n$-1\r\n") == bulk);
  CHECK(ErrorFor("*1\r\n$-10\r\n") == bulk);
  CHECK(ErrorFor("*1\r\n$abc\r\n") == bulk);
  CHECK(ErrorFor("*1\r\n$\r\n") == bulk);
  CHECK(ErrorFor("*1\r\n$+3\r\n") == bulk);
  CHECK(ErrorFor("*1\r\n$03\r\n") == bulk);
  CHECK(ErrorFor("*1\r\n$3 \r\n") == bulk);
  CHECK(ErrorFor("*1\r\n$1099511627776\r\n") == bulk);  // 2^40
  CHECK(ErrorFor("*1\r\n$536870913\r\n") == bulk);      // 512 MiB + 1
  ParserLimits tiny;
  tiny.max_bulk_len = 10;
  CHECK(ErrorFor("*1\r\n$11\r\n", tiny) == bulk);
  CHECK(ErrorFor("*1\r\n$10\r\n", tiny) == "<no error>");
}

TEST_CASE("header and inline lines longer than 64 KiB are protocol errors",
          "[protocol][parser]") {
  const size_t limit = 64 * 1024;
  // Exactly at the limit without a terminator is still incomplete.
  CHECK(ErrorFor("*" + std::string(limit - 1, '1')) == "<no error>");
  CHECK(ErrorFor("*" + std::string(limit, '1')) ==
        "ERR Protocol error: too big mbulk count string");
  CHECK(ErrorFor("*1\r\n$" + std::string(limit - 1, '1')) == "<no error>");
  CHECK(ErrorFor("*1\r\n$" + std::string(limit, '1')) ==
        "ERR Protocol error: too big bulk count string");
  CHECK(ErrorFor(std::string(limit, 'a')) == "<no error>");
  CHECK(ErrorFor("GET " + std::string(limit, 'a')) ==
        "ERR Protocol error: too big inline request");
  // A long line that does end in time is fine (only the terminator search counts).
  RequestParser parser;
  size_t consumed = 0;
  std::string line = "SET k " + std::string(limit - 10, 'v') + "\r\n";
  CHECK(parser.Parse(line, &consumed) == RequestParser::Outcome::kCommand);
}

TEST_CASE("unbalanced quotes in an inline command are a protocol error", "[protocol][parser]") {
  const std::string err = "ERR Protocol error: unbalanced quotes in request";
  CHECK(ErrorFor("SET \"abc\r\n") == err);
  CHECK(ErrorFor("SET 'abc\r\n") == err);
  CHECK(ErrorFor("SET \"abc\"def\r\n") == err);
  CHECK(ErrorFor("SET 'abc'def\r\n") == err);
  CHECK(ErrorFor("SET \"abc\\\"\r\n") == err);
  CHECK(ErrorFor("SET \"ab\0c\"\r\n"s) == err);
}

TEST_CASE("a multibulk arriving a byte at a time is parsed in linear time", "[protocol][parser]") {
  // 8 MB one byte per call: a parser that re-scanned from the start would take
  // hours; this takes well under a second.
  const std::string wire = Multibulk({"SET", "k", std::string(8 << 20, 'v')});
  RequestParser parser;
  size_t consumed = 0;
  size_t commands = 0;
  for (size_t n = 1; n <= wire.size(); ++n) {
    auto outcome = parser.Parse(std::string_view(wire).substr(0, n), &consumed);
    if (outcome == RequestParser::Outcome::kCommand) ++commands;
  }
  CHECK(commands == 1);
  CHECK(consumed == wire.size());
}

}  // namespace
}  // namespace lsmdb::resp
