#include "src/types/set.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "src/server/redis_error.h"
#include "tests/src/types/types_test_util.h"

using namespace lsmdb::server;
using lsmdb::server::test::KeyspaceFixture;
using Views = std::vector<std::string_view>;
using Strings = std::vector<std::string>;

namespace {

int64_t SAdd(KeyspaceFixture& f, std::string_view key, Views members) {
  auto r = Set(*f.keyspace).Add(*f.committer, 0, key, members);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

Strings Members(KeyspaceFixture& f, std::string_view key) {
  auto r = Set(*f.keyspace).Members(0, key);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::string Error(const lsmdb::Status& s) { return s.message(); }

// Adds "prefix0".."prefix<n-1>".
void AddRange(KeyspaceFixture& f, std::string_view key, int n, std::string_view prefix = "") {
  std::vector<std::string> storage;
  for (int i = 0; i < n; ++i) storage.push_back(std::string(prefix) + std::to_string(i));
  Views members(storage.begin(), storage.end());
  REQUIRE(SAdd(f, key, members) == n);
}

}  // namespace

TEST_CASE("SADD, SREM, SISMEMBER, SMISMEMBER and SCARD keep an exact count", "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  CHECK(SAdd(f, "s", {"b", "a", "b", "c"}) == 3);
  CHECK(SAdd(f, "s", {"a", "d"}) == 1);
  CHECK(SAdd(f, "s", {"a"}) == 0);
  CHECK(*s.Card(0, "s") == 4);
  CHECK(Members(f, "s") == Strings{"a", "b", "c", "d"});
  CHECK(*s.IsMember(0, "s", "a"));
  CHECK_FALSE(*s.IsMember(0, "s", "z"));
  CHECK_FALSE(*s.IsMember(0, "missing", "a"));
  CHECK(*s.MIsMember(0, "s", Views{"a", "z", "d"}) == std::vector<bool>{true, false, true});
  CHECK(*s.MIsMember(0, "missing", Views{"a"}) == std::vector<bool>{false});
  CHECK(*s.Rem(*f.committer, 0, "s", Views{"a", "a", "z"}) == 1);
  CHECK(*s.Card(0, "s") == 3);
  CHECK(*s.Rem(*f.committer, 0, "s", Views{"b", "c", "d"}) == 3);
  CHECK(*f.keyspace->Type(0, "s") == RedisType::kNone);
  CHECK(*s.Card(0, "s") == 0);
}

TEST_CASE("set commands on another type fail with WRONGTYPE", "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  REQUIRE(f.keyspace->Set(*f.committer, 0, "str", "v", SetOptions{}).ok());
  SAdd(f, "s", {"a"});
  CHECK(Error(s.Add(*f.committer, 0, "str", Views{"a"}).status()) == kErrWrongType);
  CHECK(Error(s.Rem(*f.committer, 0, "str", Views{"a"}).status()) == kErrWrongType);
  CHECK(Error(s.Members(0, "str").status()) == kErrWrongType);
  CHECK(Error(s.MIsMember(0, "str", Views{"a"}).status()) == kErrWrongType);
  CHECK(Error(s.Pop(*f.committer, 0, "str", 0).status()) == kErrWrongType);
  CHECK(Error(s.Combine(0, Set::Op::kInter, Views{"missing", "str"}).status()) == kErrWrongType);
  CHECK(Error(s.Combine(0, Set::Op::kUnion, Views{"s", "str"}).status()) == kErrWrongType);
  CHECK(Error(s.Move(*f.committer, 0, "s", "str", "a").status()) == kErrWrongType);
  CHECK(Error(s.Move(*f.committer, 0, "str", "s", "a").status()) == kErrWrongType);
  CHECK_FALSE(*s.Move(*f.committer, 0, "missing", "str", "a"));  // src absent: 0 first
  CHECK(Members(f, "s") == Strings{"a"});
}

TEST_CASE("SPOP removes members and deletes the key with the last one", "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  CHECK_FALSE(s.PopOne(*f.committer, 0, "s")->has_value());
  AddRange(f, "s", 10);
  auto one = s.PopOne(*f.committer, 0, "s");
  REQUIRE(one.ok());
  REQUIRE(one->has_value());
  CHECK_FALSE(*s.IsMember(0, "s", **one));
  CHECK(*s.Card(0, "s") == 9);
  auto three = s.Pop(*f.committer, 0, "s", 3);
  REQUIRE(three.ok());
  CHECK(std::set<std::string>(three->begin(), three->end()).size() == 3);
  CHECK(*s.Card(0, "s") == 6);
  CHECK(Members(f, "s").size() == 6);
  CHECK(s.Pop(*f.committer, 0, "s", 0)->empty());
  auto rest = s.Pop(*f.committer, 0, "s", 100);
  REQUIRE(rest.ok());
  CHECK(rest->size() == 6);
  CHECK(*f.keyspace->Type(0, "s") == RedisType::kNone);
}

TEST_CASE("SPOP empties a 1000-member set one member at a time, each member once",
          "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  AddRange(f, "s", 1000, "element:");
  std::set<std::string> popped;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) {
    auto r = s.PopOne(*f.committer, 0, "s");
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    CHECK(popped.insert(**r).second);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() < 10);
  CHECK(popped.size() == 1000);
  CHECK_FALSE(s.PopOne(*f.committer, 0, "s")->has_value());
  CHECK(*f.keyspace->Type(0, "s") == RedisType::kNone);
}

TEST_CASE("SPOP rewrites a set whose range filled with tombstones, keeping members and TTL",
          "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  AddRange(f, "s", 3000, "m:");
  const int64_t expire_at = f.keyspace->NowMs() + 3600000;
  REQUIRE(*f.keyspace->Expire(*f.committer, 0, "s", expire_at, 0));
  auto version = [&] {
    auto meta = f.keyspace->LookupMeta(0, "s");
    REQUIRE(meta.ok());
    REQUIRE(meta->has_value());
    return (*meta)->version;
  };
  const uint64_t first = version();
  std::set<std::string> popped;
  std::set<uint64_t> versions{first};
  // 2999 pops in ones and threes: the survivors move to new versions as the
  // tombstones pile up (an eighth of the survivors, at least 256).
  for (int i = 0; popped.size() < 2999; ++i) {
    const uint64_t n = std::min<uint64_t>(i % 2 == 0 ? 1 : 3, 2999 - popped.size());
    auto r = s.Pop(*f.committer, 0, "s", n);
    REQUIRE(r.ok());
    REQUIRE(r->size() == n);
    for (const std::string& m : *r) CHECK(popped.insert(m).second);
    versions.insert(version());
    REQUIRE(*s.Card(0, "s") == static_cast<int64_t>(3000 - popped.size()));
  }
  CHECK(versions.size() > 2);
  const Strings rest = Members(f, "s");
  REQUIRE(rest.size() == 1);
  CHECK(popped.count(rest[0]) == 0);
  auto when = f.keyspace->ExpireTime(0, "s");
  REQUIRE(when.ok());
  CHECK(*when == expire_at);
}

TEST_CASE("SRANDMEMBER follows Redis's count semantics", "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  CHECK_FALSE(s.RandMember(0, "s")->has_value());
  CHECK(s.RandMembers(0, "s", -5)->size() == 0);
  SAdd(f, "s", {"a", "b", "c"});
  CHECK(s.RandMembers(0, "s", 0)->size() == 0);
  CHECK(s.RandMembers(0, "s", 10)->size() == 3);
  auto two = s.RandMembers(0, "s", 2);
  REQUIRE(two->size() == 2);
  CHECK(two->at(0).first != two->at(1).first);
  auto many = s.RandMembers(0, "s", -30);
  REQUIRE(many->size() == 30);
  CHECK(*s.Card(0, "s") == 3);  // read-only
  AddRange(f, "big", 500);
  std::set<std::string> seen;
  auto big = s.RandMembers(0, "big", 50);
  REQUIRE(big.ok());
  for (size_t i = 0; i < big->size(); ++i) seen.insert(big->at(i).first);
  CHECK(seen.size() == 50);
  auto dup = s.RandMembers(0, "big", -50);
  CHECK(dup->size() == 50);
}

TEST_CASE("SMOVE moves a member between sets", "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  SAdd(f, "a", {"x", "y"});
  SAdd(f, "b", {"y"});
  CHECK(*s.Move(*f.committer, 0, "a", "b", "x"));
  CHECK(Members(f, "a") == Strings{"y"});
  CHECK(Members(f, "b") == Strings{"x", "y"});
  CHECK(*s.Move(*f.committer, 0, "a", "b", "y"));  // already in dst: still 1
  CHECK(*f.keyspace->Type(0, "a") == RedisType::kNone);
  CHECK(*s.Card(0, "b") == 2);
  CHECK_FALSE(*s.Move(*f.committer, 0, "b", "c", "zz"));
  CHECK(*s.Move(*f.committer, 0, "b", "c", "x"));  // creates dst
  CHECK(Members(f, "c") == Strings{"x"});
  CHECK(*s.Move(*f.committer, 0, "c", "c", "x"));
  CHECK_FALSE(*s.Move(*f.committer, 0, "c", "c", "q"));
}

TEST_CASE("SINTER, SUNION, SDIFF and SINTERCARD", "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  SAdd(f, "a", {"1", "2", "3", "4"});
  SAdd(f, "b", {"2", "3", "5"});
  SAdd(f, "c", {"3", "2", "9"});
  CHECK(*s.Combine(0, Set::Op::kInter, Views{"a", "b", "c"}) == Strings{"2", "3"});
  CHECK(*s.Combine(0, Set::Op::kInter, Views{"a", "missing"}) == Strings{});
  CHECK(*s.Combine(0, Set::Op::kInter, Views{"a", "a"}) == Strings{"1", "2", "3", "4"});
  CHECK(*s.Combine(0, Set::Op::kUnion, Views{"a", "b", "missing"}) ==
        Strings{"1", "2", "3", "4", "5"});
  CHECK(*s.Combine(0, Set::Op::kDiff, Views{"a", "b"}) == Strings{"1", "4"});
  CHECK(*s.Combine(0, Set::Op::kDiff, Views{"a", "missing", "c"}) == Strings{"1", "4"});
  CHECK(*s.Combine(0, Set::Op::kDiff, Views{"missing", "a"}) == Strings{});
  CHECK(*s.Combine(0, Set::Op::kDiff, Views{"a", "a"}) == Strings{});
  CHECK(*s.InterCard(0, Views{"a", "b", "c"}, 0) == 2);
  CHECK(*s.InterCard(0, Views{"a", "b", "c"}, 1) == 1);
  CHECK(*s.InterCard(0, Views{"a", "missing"}, 0) == 0);
}

TEST_CASE("STORE forms replace any destination and delete it for an empty result",
          "[src][types][set]") {
  KeyspaceFixture f;
  Set s(*f.keyspace);
  SAdd(f, "a", {"1", "2", "3"});
  SAdd(f, "b", {"2", "3", "4"});
  REQUIRE(f.keyspace->Set(*f.committer, 0, "dst", "string", SetOptions{}).ok());
  REQUIRE(*f.keyspace->Expire(*f.committer, 0, "dst", f.clock.now_ms + 100000, 0));
  CHECK(*s.CombineStore(*f.committer, 0, Set::Op::kInter, "dst", Views{"a", "b"}) == 2);
  CHECK(Members(f, "dst") == Strings{"2", "3"});
  CHECK(*f.keyspace->ExpireTime(0, "dst") == -1);
  CHECK(*s.CombineStore(*f.committer, 0, Set::Op::kUnion, "dst", Views{"a", "b"}) == 4);
  CHECK(*s.Card(0, "dst") == 4);
  // The destination may be a source.
  CHECK(*s.CombineStore(*f.committer, 0, Set::Op::kDiff, "a", Views{"a", "b"}) == 1);
  CHECK(Members(f, "a") == Strings{"1"});
  CHECK(*s.CombineStore(*f.committer, 0, Set::Op::kInter, "dst", Views{"a", "b"}) == 0);
  CHECK(*f.keyspace->Type(0, "dst") == RedisType::kNone);
  CHECK(*s.CombineStore(*f.committer, 0, Set::Op::kInter, "dst", Views{"a", "nope"}) == 0);
  REQUIRE(f.keyspace->Set(*f.committer, 0, "str", "v", SetOptions{}).ok());
  CHECK(
      Error(s.CombineStore(*f.committer, 0, Set::Op::kUnion, "dst", Views{"a", "str"}).status()) ==
      kErrWrongType);
}

TEST_CASE("sets survive a reopen and SSCAN pages through a large set", "[src][types][set]") {
  KeyspaceFixture f;
  AddRange(f, "s", 300, "m");
  f.Reopen();
  Set s(*f.keyspace);
  CHECK(*s.Card(0, "s") == 300);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    auto r = s.Scan(0, "s", cursor, "m1*", 20);
    REQUIRE(r.ok());
    for (const auto& [member, value] : r->elements) {
      CHECK(member[1] == '1');
      CHECK(seen.insert(member).second);
    }
    cursor = r->cursor;
    ++calls;
  } while (cursor != 0 && calls < 100);
  CHECK(seen.size() == 111);  // m1, m10-m19, m100-m199
}
