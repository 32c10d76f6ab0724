#include "src/types/command_options.h"

#include <catch2/catch.hpp>
#include <climits>
#include <string>
#include <vector>

using namespace lsmdb::server;
using lsmdb::Result;

namespace {

constexpr int64_t kNow = 1'000'000;

Result<SetOptions> Parse(std::vector<std::string_view> args, std::string_view cmd = "set") {
  return ParseSetOptions(args, kNow, cmd);
}

std::string ErrorOf(const lsmdb::Status& s) { return s.message(); }

}  // namespace

TEST_CASE("ParseSetOptions with no options sets and clears the TTL", "[src][types][options]") {
  auto r = Parse({});
  REQUIRE(r.ok());
  CHECK(r->condition == SetOptions::Condition::kAlways);
  CHECK_FALSE(r->get);
  CHECK(r->ttl == TtlAction::kClear);
}

TEST_CASE("ParseSetOptions reads NX, XX, GET and KEEPTTL in any case", "[src][types][options]") {
  auto nx = Parse({"nX"});
  REQUIRE(nx.ok());
  CHECK(nx->condition == SetOptions::Condition::kIfAbsent);
  auto xx = Parse({"XX", "get"});
  REQUIRE(xx.ok());
  CHECK(xx->condition == SetOptions::Condition::kIfPresent);
  CHECK(xx->get);
  auto keep = Parse({"KEEPTTL", "GET", "GET"});
  REQUIRE(keep.ok());
  CHECK(keep->ttl == TtlAction::kKeep);
  auto nxget = Parse({"NX", "GET"});  // allowed since Redis 7.0
  REQUIRE(nxget.ok());
}

TEST_CASE("ParseSetOptions converts EX, PX, EXAT and PXAT to absolute ms",
          "[src][types][options]") {
  auto ex = Parse({"EX", "10"});
  REQUIRE(ex.ok());
  CHECK(ex->ttl == TtlAction::kSet);
  CHECK(ex->expire_at_ms == kNow + 10'000);
  auto px = Parse({"px", "10"});
  REQUIRE(px.ok());
  CHECK(px->expire_at_ms == kNow + 10);
  auto exat = Parse({"EXAT", "5"});
  REQUIRE(exat.ok());
  CHECK(exat->expire_at_ms == 5'000);
  auto pxat = Parse({"PXAT", "5"});
  REQUIRE(pxat.ok());
  CHECK(pxat->expire_at_ms == 5);
  auto twice = Parse({"EX", "1", "EX", "2"});  // Redis lets the same option repeat
  REQUIRE(twice.ok());
  CHECK(twice->expire_at_ms == kNow + 2'000);
}

TEST_CASE("ParseSetOptions rejects conflicting or unknown options as syntax errors",
          "[src][types][options]") {
  for (auto args : std::vector<std::vector<std::string_view>>{{"NX", "XX"},
                                                              {"XX", "NX"},
                                                              {"EX", "1", "PX", "1"},
                                                              {"KEEPTTL", "EX", "1"},
                                                              {"EX", "1", "KEEPTTL"},
                                                              {"EX"},
                                                              {"PERSIST"},
                                                              {"FOO"},
                                                              {"EXAT", "1", "PXAT", "2"},
                                                              {"EX", "abc", "NX", "XX"}}) {
    auto r = Parse(args);
    REQUIRE_FALSE(r.ok());
    CHECK(ErrorOf(r.status()) == "ERR syntax error");
  }
}

TEST_CASE("ParseSetOptions validates the expire time after the syntax", "[src][types][options]") {
  auto nonint = Parse({"EX", "abc"});
  REQUIRE_FALSE(nonint.ok());
  CHECK(ErrorOf(nonint.status()) == "ERR value is not an integer or out of range");
  auto zero = Parse({"EX", "0"});
  REQUIRE_FALSE(zero.ok());
  CHECK(ErrorOf(zero.status()) == "ERR invalid expire time in 'set' command");
  auto negative = Parse({"PX", "-5"}, "psetex");
  REQUIRE_FALSE(negative.ok());
  CHECK(ErrorOf(negative.status()) == "ERR invalid expire time in 'psetex' command");
  auto big = Parse({"EX", "9223372036854775807"});
  REQUIRE_FALSE(big.ok());
  CHECK(ErrorOf(big.status()) == "ERR invalid expire time in 'set' command");
  auto overflow = Parse({"PX", "9223372036854775807"});
  REQUIRE_FALSE(overflow.ok());
  CHECK(ErrorOf(overflow.status()) == "ERR invalid expire time in 'set' command");
  auto plus = Parse({"EX", "+5"});
  REQUIRE_FALSE(plus.ok());
  CHECK(ErrorOf(plus.status()) == "ERR value is not an integer or out of range");
}

TEST_CASE("ParseGetExOptions checks syntax now and the time later", "[src][types][options]") {
  auto persist = ParseGetExOptions(std::vector<std::string_view>{"PERSIST"});
  REQUIRE(persist.ok());
  CHECK(persist->action == GetExOptions::Action::kPersist);
  for (auto args : std::vector<std::vector<std::string_view>>{
           {"PERSIST", "EX", "1"}, {"EX", "1", "PERSIST"}, {"NX"}, {"KEEPTTL"}, {"GET"}, {"PX"}}) {
    auto r = ParseGetExOptions(args);
    REQUIRE_FALSE(r.ok());
    CHECK(ErrorOf(r.status()) == "ERR syntax error");
  }
  auto bad_time = ParseGetExOptions(std::vector<std::string_view>{"EX", "zz"});
  REQUIRE(bad_time.ok());
  auto resolved = ResolveGetExOptions(*bad_time, kNow);
  REQUIRE_FALSE(resolved.ok());
  CHECK(ErrorOf(resolved.status()) == "ERR value is not an integer or out of range");
  auto zero =
      ResolveGetExOptions(*ParseGetExOptions(std::vector<std::string_view>{"PX", "0"}), kNow);
  REQUIRE_FALSE(zero.ok());
  CHECK(ErrorOf(zero.status()) == "ERR invalid expire time in 'getex' command");
  auto exat =
      ResolveGetExOptions(*ParseGetExOptions(std::vector<std::string_view>{"EXAT", "7"}), kNow);
  REQUIRE(exat.ok());
  CHECK(exat->expire_at_ms == 7000);
}

TEST_CASE("ParseExpireFlags follows Redis 7 compatibility rules", "[src][types][options]") {
  auto ok = ParseExpireFlags(std::vector<std::string_view>{"gt", "XX"});
  REQUIRE(ok.ok());
  CHECK(*ok == (kExpireGt | kExpireXx));
  auto nxxx = ParseExpireFlags(std::vector<std::string_view>{"NX", "XX"});
  REQUIRE_FALSE(nxxx.ok());
  CHECK(ErrorOf(nxxx.status()) ==
        "ERR NX and XX, GT or LT options at the same time are not compatible");
  auto nxgt = ParseExpireFlags(std::vector<std::string_view>{"NX", "GT"});
  REQUIRE_FALSE(nxgt.ok());
  CHECK(ErrorOf(nxgt.status()) ==
        "ERR NX and XX, GT or LT options at the same time are not compatible");
  auto gtlt = ParseExpireFlags(std::vector<std::string_view>{"GT", "LT"});
  REQUIRE_FALSE(gtlt.ok());
  CHECK(ErrorOf(gtlt.status()) == "ERR GT and LT options at the same time are not compatible");
  auto unknown = ParseExpireFlags(std::vector<std::string_view>{"foo"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(ErrorOf(unknown.status()) == "ERR Unsupported option foo");
}

TEST_CASE("ExpireTimeArgToMs converts units and detects overflow", "[src][types][options]") {
  CHECK(*ExpireTimeArgToMs("10", kNow, true, "expire") == kNow + 10'000);
  CHECK(*ExpireTimeArgToMs("-10", kNow, false, "pexpire") == kNow - 10);
  CHECK(*ExpireTimeArgToMs("5", 0, true, "expireat") == 5'000);
  auto over = ExpireTimeArgToMs("9223372036854775807", 0, true, "expireat");
  REQUIRE_FALSE(over.ok());
  CHECK(ErrorOf(over.status()) == "ERR invalid expire time in 'expireat' command");
  auto over2 = ExpireTimeArgToMs("9223372036854775807", kNow, false, "pexpire");
  REQUIRE_FALSE(over2.ok());
  CHECK(ErrorOf(over2.status()) == "ERR invalid expire time in 'pexpire' command");
  auto nonint = ExpireTimeArgToMs("1.5", kNow, true, "expire");
  REQUIRE_FALSE(nonint.ok());
  CHECK(ErrorOf(nonint.status()) == "ERR value is not an integer or out of range");
}
