#include "src/types/glob.h"

#include <catch2/catch.hpp>
#include <string>

using lsmdb::server::GlobIsLiteral;
using lsmdb::server::GlobLiteralPrefix;
using lsmdb::server::GlobMatch;

TEST_CASE("glob star and question mark match as in Redis", "[src][types][glob]") {
  CHECK(GlobMatch("*", "anything"));
  CHECK_FALSE(GlobMatch("*", ""));  // KEYS * special-cases "*" before matching
  CHECK(GlobMatch("", ""));
  CHECK_FALSE(GlobMatch("?", ""));
  CHECK(GlobMatch("h?llo", "hello"));
  CHECK_FALSE(GlobMatch("h?llo", "hllo"));
  CHECK(GlobMatch("h*llo", "hllo"));
  CHECK(GlobMatch("h*llo", "heeeello"));
  CHECK(GlobMatch("a*", "a"));
  CHECK(GlobMatch("a**", "a"));
  CHECK(GlobMatch("*a*b", "xaxb"));
  CHECK_FALSE(GlobMatch("*a*b", "xaxbx"));
  CHECK(GlobMatch("user:*:name", "user:42:name"));
  CHECK_FALSE(GlobMatch("user:*:name", "user:42:age"));
}

TEST_CASE("glob brackets support sets, negation and ranges", "[src][types][glob]") {
  CHECK(GlobMatch("h[ae]llo", "hello"));
  CHECK(GlobMatch("h[ae]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[ae]llo", "hillo"));
  CHECK(GlobMatch("h[^e]llo", "hallo"));
  CHECK_FALSE(GlobMatch("h[^e]llo", "hello"));
  CHECK(GlobMatch("h[a-b]llo", "hbllo"));
  CHECK_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  CHECK(GlobMatch("h[b-a]llo", "hallo"));  // reversed range
  CHECK(GlobMatch("[a-z][0-9]", "q7"));
  CHECK_FALSE(GlobMatch("[a-z][0-9]", "Q7"));
  CHECK(GlobMatch("[\\]]", "]"));
  CHECK(GlobMatch("[abc", "a"));  // unterminated bracket acts as closed
  CHECK_FALSE(GlobMatch("[abc", "d"));
  CHECK(GlobMatch("[^a-c]x", "dx"));
  CHECK_FALSE(GlobMatch("[^a-c]x", "bx"));
}

TEST_CASE("glob backslash escapes a special character", "[src][types][glob]") {
  CHECK(GlobMatch("h\\*llo", "h*llo"));
  CHECK_FALSE(GlobMatch("h\\*llo", "hello"));
  CHECK(GlobMatch("\\?", "?"));
  CHECK_FALSE(GlobMatch("\\?", "x"));
  CHECK(GlobMatch("a\\[b", "a[b"));
  CHECK(GlobMatch("a\\", "a\\"));  // trailing backslash is literal
}

TEST_CASE("glob nocase folds ASCII case", "[src][types][glob]") {
  CHECK(GlobMatch("HELLO", "hello", true));
  CHECK(GlobMatch("H[A-C]LLO", "hbllo", true));
  CHECK_FALSE(GlobMatch("HELLO", "hello", false));
}

TEST_CASE("glob handles binary bytes and pathological patterns", "[src][types][glob]") {
  CHECK(GlobMatch(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK(GlobMatch("a?b", std::string("a\0b", 3)));
  CHECK(GlobMatch("*\r\n", "x\r\n"));
  // Redis's skipLongerMatches keeps this fast instead of exponential.
  CHECK_FALSE(GlobMatch("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(60, 'a')));
}

TEST_CASE("glob literal prefix stops at the first special character", "[src][types][glob]") {
  CHECK(GlobLiteralPrefix("user:*") == "user:");
  CHECK(GlobLiteralPrefix("user:?x") == "user:");
  CHECK(GlobLiteralPrefix("ab[cd]") == "ab");
  CHECK(GlobLiteralPrefix("ab\\*") == "ab");
  CHECK(GlobLiteralPrefix("*abc") == "");
  CHECK(GlobLiteralPrefix("plain") == "plain");
  CHECK(GlobIsLiteral("plain"));
  CHECK_FALSE(GlobIsLiteral("pl*n"));
}
