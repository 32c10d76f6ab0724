#include "src/types/hash.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/server/redis_error.h"
#include "tests/src/types/types_test_util.h"

using namespace lsmdb::server;
using lsmdb::server::test::KeyspaceFixture;
using Views = std::vector<std::string_view>;

namespace {

int64_t HSet(KeyspaceFixture& f, std::string_view key, Views pairs, int db = 0) {
  auto r = Hash(*f.keyspace).Set(*f.committer, db, key, pairs);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::map<std::string, std::string> GetAll(KeyspaceFixture& f, std::string_view key) {
  auto r = Hash(*f.keyspace).GetAll(0, key, true);
  REQUIRE(r.ok());
  return std::map<std::string, std::string>(r->begin(), r->end());
}

std::string Error(const lsmdb::Status& s) { return s.message(); }

}  // namespace

TEST_CASE("HSET counts new fields and the last value of a repeated field wins",
          "[src][types][hash]") {
  KeyspaceFixture f;
  Hash h(*f.keyspace);
  CHECK(HSet(f, "h", {"a", "1", "b", "2", "a", "3"}) == 2);
  CHECK(GetAll(f, "h") == std::map<std::string, std::string>{{"a", "3"}, {"b", "2"}});
  CHECK(HSet(f, "h", {"b", "20", "c", "30"}) == 1);
  CHECK(*h.Len(0, "h") == 3);
  CHECK(*h.Get(0, "h", "b") == std::optional<std::string>("20"));
  CHECK_FALSE(h.Get(0, "h", "zz")->has_value());
  CHECK_FALSE(h.Get(0, "missing", "a")->has_value());
  CHECK(*h.StrLen(0, "h", "c") == 2);
  CHECK(*h.StrLen(0, "h", "zz") == 0);
  CHECK(*h.Exists(0, "h", "a"));
  CHECK_FALSE(*h.Exists(0, "h", "zz"));
  auto mget = h.MGet(0, "h", Views{"a", "zz", "c"});
  REQUIRE(mget.ok());
  CHECK(*mget == std::vector<std::optional<std::string>>{"3", std::nullopt, "30"});
  CHECK(*h.Len(1, "h") == 0);  // other db
}

TEST_CASE("HSETNX sets only absent fields", "[src][types][hash]") {
  KeyspaceFixture f;
  Hash h(*f.keyspace);
  CHECK(*h.SetNx(*f.committer, 0, "h", "a", "1"));
  CHECK_FALSE(*h.SetNx(*f.committer, 0, "h", "a", "2"));
  CHECK(*h.Get(0, "h", "a") == std::optional<std::string>("1"));
  CHECK(*h.Len(0, "h") == 1);
}

TEST_CASE("HDEL removes fields and the key with its last field", "[src][types][hash]") {
  KeyspaceFixture f;
  Hash h(*f.keyspace);
  HSet(f, "h", {"a", "1", "b", "2", "c", "3"});
  CHECK(*h.Del(*f.committer, 0, "h", Views{"a", "a", "zz"}) == 1);
  CHECK(*h.Len(0, "h") == 2);
  CHECK(*h.Del(*f.committer, 0, "h", Views{"b", "c"}) == 2);
  CHECK(*f.keyspace->Type(0, "h") == RedisType::kNone);
  CHECK(*h.Del(*f.committer, 0, "h", Views{"a"}) == 0);
  // A recreated hash does not see the old fields.
  HSet(f, "h", {"x", "1"});
  CHECK(GetAll(f, "h") == std::map<std::string, std::string>{{"x", "1"}});
}

TEST_CASE("hash commands on another type fail with WRONGTYPE and write nothing",
          "[src][types][hash]") {
  KeyspaceFixture f;
  Hash h(*f.keyspace);
  REQUIRE(f.keyspace->Set(*f.committer, 0, "s", "v", SetOptions{}).ok());
  const int commits = f.committer->commits.load();
  CHECK(Error(h.Set(*f.committer, 0, "s", Views{"a", "1"}).status()) == kErrWrongType);
  CHECK(Error(h.Get(0, "s", "a").status()) == kErrWrongType);
  CHECK(Error(h.Del(*f.committer, 0, "s", Views{"a"}).status()) == kErrWrongType);
  CHECK(Error(h.Len(0, "s").status()) == kErrWrongType);
  CHECK(Error(h.IncrBy(*f.committer, 0, "s", "a", 1).status()) == kErrWrongType);
  CHECK(Error(h.GetAll(0, "s", true).status()) == kErrWrongType);
  CHECK(Error(h.Scan(0, "s", 0, "", 10).status()) == kErrWrongType);
  CHECK(Error(h.RandFields(0, "s", 3, false).status()) == kErrWrongType);
  CHECK(f.committer->commits.load() == commits);
  CHECK(*f.keyspace->Get(0, "s") == std::optional<std::string>("v"));
}

TEST_CASE("HINCRBY and HINCRBYFLOAT follow Redis's rules", "[src][types][hash]") {
  KeyspaceFixture f;
  Hash h(*f.keyspace);
  CHECK(*h.IncrBy(*f.committer, 0, "h", "n", 5) == 5);
  CHECK(*h.IncrBy(*f.committer, 0, "h", "n", -7) == -2);
  CHECK(*h.Len(0, "h") == 1);
  HSet(f, "h", {"s", "abc", "big", "9223372036854775807", "sp", " 1"});
  CHECK(Error(h.IncrBy(*f.committer, 0, "h", "s", 1).status()) ==
        "ERR hash value is not an integer");
  CHECK(Error(h.IncrBy(*f.committer, 0, "h", "sp", 1).status()) ==
        "ERR hash value is not an integer");
  CHECK(Error(h.IncrBy(*f.committer, 0, "h", "big", 1).status()) == kErrOverflow);
  CHECK(*h.IncrBy(*f.committer, 0, "h", "big", -1) == 9223372036854775806);

  CHECK(*h.IncrByFloat(*f.committer, 0, "h", "f", 10.5L) == "10.5");
  CHECK(*h.IncrByFloat(*f.committer, 0, "h", "f", 0.1L) == "10.6");
  CHECK(*h.IncrByFloat(*f.committer, 0, "h", "n", 1.5L) == "-0.5");
  CHECK(Error(h.IncrByFloat(*f.committer, 0, "h", "s", 1).status()) ==
        "ERR hash value is not a float");
  CHECK(Error(h.IncrByFloat(*f.committer, 0, "h", "f", HUGE_VALL).status()) ==
        "ERR increment would produce NaN or Infinity");
  CHECK(*h.Get(0, "h", "f") == std::optional<std::string>("10.6"));
  CHECK(*h.Len(0, "h") == 5);
}

TEST_CASE("an expired hash is absent and a write starts a new one", "[src][types][hash]") {
  KeyspaceFixture f;
  Hash h(*f.keyspace);
  HSet(f, "h", {"a", "1", "b", "2"});
  REQUIRE(*f.keyspace->Expire(*f.committer, 0, "h", f.clock.now_ms + 1000, 0));
  CHECK(HSet(f, "h", {"c", "3"}) == 1);
  CHECK(*f.keyspace->ExpireTime(0, "h") == f.clock.now_ms + 1000);  // HSET keeps the TTL
  f.clock.now_ms += 2000;
  CHECK(*h.Len(0, "h") == 0);
  CHECK_FALSE(h.Get(0, "h", "a")->has_value());
  CHECK(HSet(f, "h", {"z", "9"}) == 1);
  CHECK(GetAll(f, "h") == std::map<std::string, std::string>{{"z", "9"}});
  CHECK(*f.keyspace->ExpireTime(0, "h") == -1);
}

TEST_CASE("HGETALL returns fields in byte order and survives a reopen", "[src][types][hash]") {
  KeyspaceFixture f;
  std::string binary("f\0\xff", 3);
  HSet(f, "h", {"b", "2", "a", "1", binary, std::string_view("v\0", 2)});
  f.Reopen();
  auto all = Hash(*f.keyspace).GetAll(0, "h", true);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0] == FieldValue{"a", "1"});
  CHECK((*all)[1] == FieldValue{"b", "2"});
  CHECK((*all)[2] == FieldValue{binary, std::string("v\0", 2)});
  auto keys = Hash(*f.keyspace).GetAll(0, "h", false);
  CHECK((*keys)[0].second.empty());
}

TEST_CASE("HSCAN of a small hash returns it whole with cursor 0", "[src][types][hash]") {
  KeyspaceFixture f;
  HSet(f, "h", {"a1", "1", "a2", "2", "b1", "3"});
  auto r = Hash(*f.keyspace).Scan(0, "h", 0, "", 1);
  REQUIRE(r.ok());
  CHECK(r->cursor == 0);
  CHECK(r->elements.size() == 3);
  auto m = Hash(*f.keyspace).Scan(0, "h", 0, "a*", 1);
  REQUIRE(m.ok());
  CHECK(m->elements == std::vector<FieldValue>{{"a1", "1"}, {"a2", "2"}});
  auto none = Hash(*f.keyspace).Scan(0, "missing", 0, "", 10);
  REQUIRE(none.ok());
  CHECK(none->cursor == 0);
  CHECK(none->elements.empty());
}

TEST_CASE("HSCAN of a large hash pages with cursors and returns every field once",
          "[src][types][hash]") {
  KeyspaceFixture f;
  std::vector<std::string> storage;
  for (int i = 0; i < 1000; ++i) storage.push_back("field:" + std::to_string(i));
  Views pairs;
  for (const auto& s : storage) {
    pairs.push_back(s);
    pairs.push_back("v");
  }
  HSet(f, "h", pairs);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    auto r = Hash(*f.keyspace).Scan(0, "h", cursor, "", 50);
    REQUIRE(r.ok());
    for (const auto& [field, value] : r->elements) CHECK(seen.insert(field).second);
    cursor = r->cursor;
    // Writes between calls: a field deleted behind the cursor is harmless.
    if (calls == 3) REQUIRE(Hash(*f.keyspace).Del(*f.committer, 0, "h", Views{"field:0"}).ok());
    ++calls;
  } while (cursor != 0 && calls < 100);
  CHECK(seen.size() == 1000);
  CHECK(calls == 20);
  auto bad = Hash(*f.keyspace).Scan(0, "h", 12345, "", 10);
  CHECK(Error(bad.status()) == "ERR invalid cursor");
  // A cursor belongs to its key.
  HSet(f, "other", pairs);
  auto first = Hash(*f.keyspace).Scan(0, "h", 0, "", 10);
  REQUIRE(first.ok());
  REQUIRE(first->cursor != 0);
  CHECK(Error(Hash(*f.keyspace).Scan(0, "other", first->cursor, "", 10).status()) ==
        "ERR invalid cursor");
}

TEST_CASE("HRANDFIELD picks distinct fields or repeats for a negative count",
          "[src][types][hash]") {
  KeyspaceFixture f;
  Hash h(*f.keyspace);
  CHECK_FALSE(h.RandField(0, "h")->has_value());
  CHECK(h.RandFields(0, "h", 5, false)->size() == 0);
  HSet(f, "h", {"a", "1", "b", "2", "c", "3"});
  auto one = h.RandField(0, "h");
  REQUIRE(one.ok());
  REQUIRE(one->has_value());
  CHECK(*h.Get(0, "h", (*one)->first) == std::optional<std::string>((*one)->second));
  auto all = h.RandFields(0, "h", 10, true);
  REQUIRE(all.ok());
  CHECK(all->size() == 3);
  auto two = h.RandFields(0, "h", 2, false);
  REQUIRE(two.ok());
  REQUIRE(two->size() == 2);
  CHECK(two->at(0).first != two->at(1).first);
  auto many = h.RandFields(0, "h", -100, true);
  REQUIRE(many.ok());
  REQUIRE(many->size() == 100);
  std::set<std::string> distinct;
  for (size_t i = 0; i < many->size(); ++i) {
    distinct.insert(many->at(i).first);
    CHECK(many->at(i).second ==
          std::string(1, static_cast<char>('1' + (many->at(i).first[0] - 'a'))));
  }
  CHECK(distinct.size() == 3);
  CHECK(h.RandFields(0, "h", 0, false)->size() == 0);
}

TEST_CASE("random picks over a large hash reach every region", "[src][types][hash]") {
  KeyspaceFixture f;
  std::vector<std::string> storage;
  for (int i = 0; i < 1000; ++i) storage.push_back(std::to_string(i));
  Views pairs;
  for (const auto& s : storage) {
    pairs.push_back(s);
    pairs.push_back(s);
  }
  HSet(f, "h", pairs);
  Hash h(*f.keyspace);
  // Byte descent: with decimal fields the first digit is uniform.
  std::map<char, int> first_digit;
  for (int i = 0; i < 2000; ++i) {
    auto r = h.RandFields(0, "h", -1, true);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 1);
    CHECK(r->at(0).first == r->at(0).second);
    ++first_digit[r->at(0).first[0]];
  }
  CHECK(first_digit.size() == 10);  // "0" alone is as likely as each other digit
  for (const auto& [digit, n] : first_digit) CHECK(n > 100);
  auto distinct = h.RandFields(0, "h", 100, false);
  REQUIRE(distinct.ok());
  std::set<std::string> seen;
  for (size_t i = 0; i < distinct->size(); ++i) seen.insert(distinct->at(i).first);
  CHECK(seen.size() == 100);
}

TEST_CASE("concurrent HINCRBY on one field loses no update", "[src][types][hash]") {
  KeyspaceFixture f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = Hash(*f.keyspace).IncrBy(*f.committer, 0, "h", "n", 1);
        if (!r.ok()) FAIL(r.status().ToString());
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(*Hash(*f.keyspace).Get(0, "h", "n") == std::optional<std::string>("800"));
  CHECK(*Hash(*f.keyspace).Len(0, "h") == 1);
}
