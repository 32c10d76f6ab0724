#include "src/types/zset.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/server/redis_error.h"
#include "tests/src/types/types_test_util.h"

using namespace lsmdb::server;
using lsmdb::server::test::KeyspaceFixture;
using Members = std::vector<ScoredMember>;
using Views = std::vector<std::string_view>;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

ZAddResult Add(KeyspaceFixture& f, std::string_view key,
               std::vector<std::pair<double, std::string_view>> pairs, ZAddOptions o = {}) {
  auto r = ZAdd(*f.keyspace, *f.committer, 0, key, o, pairs);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

Members All(KeyspaceFixture& f, std::string_view key, bool reverse = false) {
  auto r = ZRange(*f.keyspace, 0, key, ZRangeQuery::Rank(0, -1, reverse));
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string> Names(const Members& m) {
  std::vector<std::string> out;
  for (const auto& [member, score] : m) out.push_back(member);
  return out;
}

ScoreRange Scores(double min, double max, bool minex = false, bool maxex = false) {
  return ScoreRange{min, max, minex, maxex};
}

LexRange Lex(std::string_view min, std::string_view max) {
  LexRange r;
  REQUIRE(ParseLexBound(min, &r.min));
  REQUIRE(ParseLexBound(max, &r.max));
  return r;
}

lsmdb::Result<int64_t> Store(KeyspaceFixture& f, std::string_view dst, const ZCombineSpec& spec) {
  return ZCombineStore(*f.keyspace, *f.committer, 0, dst, spec);
}

Members Combine(KeyspaceFixture& f, const ZCombineSpec& spec) {
  auto r = ZCombine(*f.keyspace, 0, spec);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

bool Exists(KeyspaceFixture& f, std::string_view key) {
  auto r = f.keyspace->Type(0, key);
  REQUIRE(r.ok());
  return *r != RedisType::kNone;
}

// A set written directly in the documented layout (sets are another file's).
void PutSet(KeyspaceFixture& f, std::string_view key, std::vector<std::string> members) {
  Metadata meta;
  meta.type = RedisType::kSet;
  meta.version = f.keyspace->NewVersion();
  meta.count = members.size();
  lsmdb::WriteBatch batch;
  for (const auto& m : members) batch.Put(ElementKey(0, key, meta.version, m), "");
  batch.Put(f.keyspace->MetaKeyFor(0, key), EncodeMetadata(meta));
  REQUIRE(f.committer->Commit(batch).ok());
}

}  // namespace

TEST_CASE("Score encoding preserves numeric order", "[types][zset]") {
  std::vector<double> v = {-kInf, -1e300, -2.5, -1, -1e-300, 0.0, 5e-324, 1e-300, 1, 2.5, 1e300,
                           kInf};
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    INFO(v[i] << " < " << v[i + 1]);
    CHECK(EncodeScore(v[i]) < EncodeScore(v[i + 1]));
  }
  for (double d : v) CHECK(DecodeScore(EncodeScore(d)) == d);
  CHECK(EncodeScore(-0.0) == EncodeScore(0.0));
}

TEST_CASE("ZADD options follow Redis", "[types][zset]") {
  KeyspaceFixture f;
  auto r = Add(f, "z", {{1, "a"}, {2, "b"}, {3, "a"}});  // a repeated: last score wins
  CHECK(r.added == 2);
  CHECK(All(f, "z") == Members{{"b", 2}, {"a", 3}});
  ZAddOptions nx;
  nx.nx = true;
  r = Add(f, "z", {{10, "a"}, {5, "c"}}, nx);
  CHECK(r.added == 1);
  ZAddOptions xx_ch;
  xx_ch.xx = true;
  xx_ch.ch = true;
  r = Add(f, "z", {{7, "a"}, {1, "d"}}, xx_ch);
  CHECK(r.added == 0);
  CHECK(r.changed == 1);
  ZAddOptions gt;
  gt.gt = true;
  r = Add(f, "z", {{6, "a"}, {9, "b"}, {0, "e"}}, gt);  // a not lowered, b raised, e added
  CHECK(r.added == 1);
  CHECK(r.changed == 2);
  CHECK(All(f, "z") == Members{{"e", 0}, {"c", 5}, {"a", 7}, {"b", 9}});
  ZAddOptions incr;
  incr.incr = true;
  r = Add(f, "z", {{1.5, "a"}}, incr);
  CHECK(r.score == 8.5);
  ZAddOptions incr_lt = incr;
  incr_lt.lt = true;
  r = Add(f, "z", {{1, "a"}}, incr_lt);  // 9.5 is not less: no-op, nil reply
  CHECK_FALSE(r.score.has_value());
  Add(f, "inf", {{kInf, "x"}});
  auto nan = ZAdd(*f.keyspace, *f.committer, 0, "inf", incr,
                  std::vector<std::pair<double, std::string_view>>{{-kInf, "x"}});
  CHECK(nan.status().message() == "ERR resulting score is not a number (NaN)");
  ZAddOptions xx;
  xx.xx = true;
  r = Add(f, "new", {{1, "a"}}, xx);
  CHECK(r.added == 0);
  CHECK_FALSE(Exists(f, "new"));
}

TEST_CASE("ZREM, ZCARD, ZSCORE and empty-key deletion", "[types][zset]") {
  KeyspaceFixture f;
  Add(f, "z", {{1, "a"}, {2, "b"}});
  auto card = ZCard(*f.keyspace, 0, "z");
  REQUIRE(card.ok());
  CHECK(*card == 2);
  auto s = ZScore(*f.keyspace, 0, "z", "b");
  REQUIRE(s.ok());
  CHECK(**s == 2);
  auto ms = ZMScore(*f.keyspace, 0, "z", Views{"a", "nope"});
  REQUIRE(ms.ok());
  CHECK((*ms)[0] == 1);
  CHECK_FALSE((*ms)[1].has_value());
  auto n = ZRem(*f.keyspace, *f.committer, 0, "z", Views{"a", "a", "x"});
  REQUIRE(n.ok());
  CHECK(*n == 1);
  n = ZRem(*f.keyspace, *f.committer, 0, "z", Views{"b"});
  REQUIRE(n.ok());
  CHECK_FALSE(Exists(f, "z"));

  REQUIRE(f.keyspace->Set(*f.committer, 0, "s", "v", SetOptions{}).ok());
  CHECK(ZCard(*f.keyspace, 0, "s").status().message() == kErrWrongType);
  CHECK(ZAdd(*f.keyspace, *f.committer, 0, "s", {},
             std::vector<std::pair<double, std::string_view>>{{1, "a"}})
            .status()
            .message() == kErrWrongType);
}

TEST_CASE("Ranks and rank ranges", "[types][zset]") {
  KeyspaceFixture f;
  Add(f, "z", {{1, "a"}, {2, "b"}, {2, "c"}, {3, "d"}, {-1, "e"}});
  const std::vector<std::string> order = {"e", "a", "b", "c", "d"};
  CHECK(Names(All(f, "z")) == order);
  for (int64_t i = 0; i < 5; ++i) {
    auto r = ZRank(*f.keyspace, 0, "z", order[i], false);
    REQUIRE(r.ok());
    CHECK(**r == i);
    r = ZRank(*f.keyspace, 0, "z", order[i], true);
    REQUIRE(r.ok());
    CHECK(**r == 4 - i);
  }
  auto r = ZRank(*f.keyspace, 0, "z", "zz", false);
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
  auto range = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Rank(1, 2, false));
  REQUIRE(range.ok());
  CHECK(Names(*range) == std::vector<std::string>{"a", "b"});
  range = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Rank(3, 10, false));  // walks from the far end
  REQUIRE(range.ok());
  CHECK(Names(*range) == std::vector<std::string>{"c", "d"});
  range = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Rank(0, 1, true));
  REQUIRE(range.ok());
  CHECK(Names(*range) == std::vector<std::string>{"d", "c"});
  range = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Rank(-1, -1, true));
  REQUIRE(range.ok());
  CHECK(Names(*range) == std::vector<std::string>{"e"});
}

TEST_CASE("Score and lex ranges with bounds and LIMIT", "[types][zset]") {
  KeyspaceFixture f;
  Add(f, "z", {{1, "a"}, {2, "b"}, {2, "c"}, {3, "d"}, {kInf, "i"}, {-kInf, "m"}});
  auto r = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Score(Scores(1, 2), false, {}));
  REQUIRE(r.ok());
  CHECK(Names(*r) == std::vector<std::string>{"a", "b", "c"});
  r = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Score(Scores(1, 3, true, true), false, {}));
  REQUIRE(r.ok());
  CHECK(Names(*r) == std::vector<std::string>{"b", "c"});
  r = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Score(Scores(-kInf, kInf), true, RangeLimit{1, 2}));
  REQUIRE(r.ok());
  CHECK(Names(*r) == std::vector<std::string>{"d", "c"});
  r = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Score(Scores(2, 3, false, true), true, {}));
  REQUIRE(r.ok());
  CHECK(Names(*r) == std::vector<std::string>{"c", "b"});
  r = ZRange(*f.keyspace, 0, "z", ZRangeQuery::Score(Scores(3, 1), false, {}));
  REQUIRE(r.ok());
  CHECK(r->empty());
  r = ZRange(*f.keyspace, 0, "z",
             ZRangeQuery::Score(Scores(-kInf, kInf), false, RangeLimit{-1, 2}));
  REQUIRE(r.ok());
  CHECK(r->empty());
  auto c = ZCountRange(*f.keyspace, 0, "z", ZRangeQuery::Score(Scores(-kInf, 2)));
  REQUIRE(c.ok());
  CHECK(*c == 4);

  Add(f, "lex", {{0, "a"}, {0, "b"}, {0, "c"}, {0, "d"}, {0, ""}});
  auto l = ZRange(*f.keyspace, 0, "lex", ZRangeQuery::Lex(Lex("[b", "(d"), false, {}));
  REQUIRE(l.ok());
  CHECK(Names(*l) == std::vector<std::string>{"b", "c"});
  l = ZRange(*f.keyspace, 0, "lex", ZRangeQuery::Lex(Lex("-", "+"), true, RangeLimit{0, 2}));
  REQUIRE(l.ok());
  CHECK(Names(*l) == std::vector<std::string>{"d", "c"});
  l = ZRange(*f.keyspace, 0, "lex", ZRangeQuery::Lex(Lex("(a", "[c"), true, {}));
  REQUIRE(l.ok());
  CHECK(Names(*l) == std::vector<std::string>{"c", "b"});
  auto lc = ZCountRange(*f.keyspace, 0, "lex", ZRangeQuery::Lex(Lex("-", "(b")));
  REQUIRE(lc.ok());
  CHECK(*lc == 2);  // "" and "a"
  LexBound bad;
  CHECK_FALSE(ParseLexBound("b", &bad));
  CHECK_FALSE(ParseLexBound("+x", &bad));
  double d;
  bool ex;
  CHECK(ParseScoreBound("(1.5", &d, &ex));
  CHECK((d == 1.5 && ex));
  CHECK_FALSE(ParseScoreBound("nan", &d, &ex));
  CHECK_FALSE(ParseScoreBound("1x", &d, &ex));
}

TEST_CASE("ZREMRANGEBY* and ZPOP remove from both records", "[types][zset]") {
  KeyspaceFixture f;
  Add(f, "z", {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}, {6, "f"}});
  auto n = ZRemRange(*f.keyspace, *f.committer, 0, "z", ZRangeQuery::Rank(0, 1));
  REQUIRE(n.ok());
  CHECK(*n == 2);
  n = ZRemRange(*f.keyspace, *f.committer, 0, "z", ZRangeQuery::Score(Scores(5, kInf, true)));
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(Names(All(f, "z")) == std::vector<std::string>{"c", "d", "e"});
  auto p = ZPop(*f.keyspace, *f.committer, 0, "z", true, 2);
  REQUIRE(p.ok());
  CHECK(*p == Members{{"e", 5}, {"d", 4}});
  p = ZPop(*f.keyspace, *f.committer, 0, "z", false, 5);
  REQUIRE(p.ok());
  CHECK(*p == Members{{"c", 3}});
  CHECK_FALSE(Exists(f, "z"));
  Add(f, "lex", {{0, "a"}, {0, "b"}, {0, "c"}});
  n = ZRemRange(*f.keyspace, *f.committer, 0, "lex", ZRangeQuery::Lex(Lex("-", "[b")));
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(Names(All(f, "lex")) == std::vector<std::string>{"c"});
  auto card = ZCard(*f.keyspace, 0, "lex");
  REQUIRE(card.ok());
  CHECK(*card == 1);
}

TEST_CASE("ZUNIONSTORE and ZINTERSTORE with weights, aggregates and sets", "[types][zset]") {
  KeyspaceFixture f;
  Add(f, "z1", {{1, "a"}, {2, "b"}, {kInf, "i"}});
  Add(f, "z2", {{10, "b"}, {20, "c"}, {-kInf, "i"}});
  PutSet(f, "s", {"a", "b", "c", "i"});
  const Views keys = {"z1", "z2"};
  auto n = Store(f, "u", {ZSetOp::kUnion, keys, {}, ZAggregate::kSum});
  REQUIRE(n.ok());
  CHECK(*n == 4);
  CHECK(All(f, "u") == Members{{"i", 0}, {"a", 1}, {"b", 12}, {"c", 20}});
  const std::vector<double> w = {2, 1};
  n = Store(f, "x", {ZSetOp::kInter, keys, w, ZAggregate::kMax});
  REQUIRE(n.ok());
  CHECK(All(f, "x") == Members{{"b", 10}, {"i", kInf}});
  const Views with_set = {"z1", "s", "missing"};
  n = Store(f, "x", {ZSetOp::kUnion, with_set, {}, ZAggregate::kMin});
  REQUIRE(n.ok());
  CHECK(All(f, "x") == Members{{"a", 1}, {"b", 1}, {"c", 1}, {"i", 1}});
  n = Store(f, "x", {ZSetOp::kInter, with_set, {}, ZAggregate::kSum});
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK_FALSE(Exists(f, "x"));
  // dst may be a source, and any type is overwritten.
  REQUIRE(f.keyspace->Set(*f.committer, 0, "str", "v", SetOptions{}).ok());
  n = Store(f, "z1", {ZSetOp::kUnion, Views{"z1", "z1"}, {}, ZAggregate::kSum});
  REQUIRE(n.ok());
  CHECK(All(f, "z1") == Members{{"a", 2}, {"b", 4}, {"i", kInf}});
  n = Store(f, "str", {ZSetOp::kUnion, Views{"z2"}, {}, ZAggregate::kSum});
  REQUIRE(n.ok());
  CHECK(*n == 3);
  CHECK(Store(f, "d", {ZSetOp::kUnion, Views{"str", "z2"}, {}, ZAggregate::kSum})
            .ok());  // "str" is a zset now
  REQUIRE(f.keyspace->Set(*f.committer, 0, "str2", "v", SetOptions{}).ok());
  CHECK(Store(f, "d", {ZSetOp::kUnion, Views{"str2"}, {}, ZAggregate::kSum}).status().message() ==
        kErrWrongType);
}

TEST_CASE("ZUNION, ZINTER and ZDIFF reply in zset order; ZDIFFSTORE and ZINTERCARD",
          "[types][zset]") {
  KeyspaceFixture f;
  Add(f, "z1", {{1, "a"}, {2, "b"}, {3, "c"}, {kInf, "i"}});
  Add(f, "z2", {{10, "b"}, {-1, "c"}, {-kInf, "i"}, {5, "d"}});
  PutSet(f, "s", {"a", "d", "e"});
  const Views keys = {"z1", "z2"};
  CHECK(Combine(f, {ZSetOp::kUnion, keys, {}, ZAggregate::kSum}) ==
        Members{{"i", 0}, {"a", 1}, {"c", 2}, {"d", 5}, {"b", 12}});
  CHECK(Combine(f, {ZSetOp::kInter, keys, {}, ZAggregate::kMin}) ==
        Members{{"i", -kInf}, {"c", -1}, {"b", 2}});
  const std::vector<double> w = {0, 2};
  CHECK(Combine(f, {ZSetOp::kInter, keys, w, ZAggregate::kSum}) ==
        Members{{"i", -kInf}, {"c", -2}, {"b", 20}});  // 0 * inf = 0
  // Sets count with score 1; absent keys are empty.
  CHECK(Combine(f, {ZSetOp::kUnion, Views{"s", "missing"}, {}, ZAggregate::kSum}) ==
        Members{{"a", 1}, {"d", 1}, {"e", 1}});
  CHECK(Combine(f, {ZSetOp::kInter, Views{"z1", "missing"}, {}, ZAggregate::kSum}).empty());
  // ZDIFF: the first source's members in no other, with their own scores.
  CHECK(Combine(f, {ZSetOp::kDiff, Views{"z1", "s"}, {}, ZAggregate::kSum}) ==
        Members{{"b", 2}, {"c", 3}, {"i", kInf}});
  CHECK(Combine(f, {ZSetOp::kDiff, Views{"z1", "missing", "z2"}, {}, ZAggregate::kSum}) ==
        Members{{"a", 1}});
  CHECK(Combine(f, {ZSetOp::kDiff, Views{"z1", "z1"}, {}, ZAggregate::kSum}).empty());
  CHECK(Combine(f, {ZSetOp::kDiff, Views{"missing", "z1"}, {}, ZAggregate::kSum}).empty());
  // The same key twice in an intersection aggregates its own scores.
  CHECK(Combine(f, {ZSetOp::kInter, Views{"s", "s"}, {}, ZAggregate::kSum}) ==
        Members{{"a", 2}, {"d", 2}, {"e", 2}});

  auto n = Store(f, "d", {ZSetOp::kDiff, Views{"z1", "z2"}, {}, ZAggregate::kSum});
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(All(f, "d") == Members{{"a", 1}});
  n = Store(f, "d", {ZSetOp::kDiff, Views{"z1", "z1"}, {}, ZAggregate::kSum});
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK_FALSE(Exists(f, "d"));  // an empty result deletes the destination

  auto card = ZInterCard(*f.keyspace, 0, keys, 0);
  REQUIRE(card.ok());
  CHECK(*card == 3);
  card = ZInterCard(*f.keyspace, 0, keys, 2);
  REQUIRE(card.ok());
  CHECK(*card == 2);
  card = ZInterCard(*f.keyspace, 0, Views{"z1", "missing"}, 0);
  REQUIRE(card.ok());
  CHECK(*card == 0);

  REQUIRE(f.keyspace->Set(*f.committer, 0, "str", "v", SetOptions{}).ok());
  CHECK(ZCombine(*f.keyspace, 0, {ZSetOp::kDiff, Views{"missing", "str"}, {}, ZAggregate::kSum})
            .status()
            .message() == kErrWrongType);  // every source is type-checked
  CHECK(ZInterCard(*f.keyspace, 0, Views{"str"}, 0).status().message() == kErrWrongType);
}

TEST_CASE("ZRANGESTORE stores rank, score and lex ranges and deletes dst when empty",
          "[types][zset]") {
  KeyspaceFixture f;
  Add(f, "z", {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}});
  auto store = [&](std::string_view dst, std::string_view src, const ZRangeQuery& q) {
    auto r = ZRangeStore(*f.keyspace, *f.committer, 0, dst, src, q);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(store("d", "z", ZRangeQuery::Rank(1, 2, true)) == 2);
  CHECK(All(f, "d") == Members{{"b", 2}, {"c", 3}});
  CHECK(store("d", "z", ZRangeQuery::Score(Scores(2, kInf, true), true, RangeLimit{0, 1})) == 1);
  CHECK(All(f, "d") == Members{{"d", 4}});
  CHECK(store("d", "z", ZRangeQuery::Lex(Lex("[b", "+"))) == 3);
  CHECK(All(f, "d") == Members{{"b", 2}, {"c", 3}, {"d", 4}});
  // dst may be the source, and any type is overwritten.
  CHECK(store("z", "z", ZRangeQuery::Rank(0, 0)) == 1);
  CHECK(All(f, "z") == Members{{"a", 1}});
  REQUIRE(f.keyspace->Set(*f.committer, 0, "str", "v", SetOptions{}).ok());
  CHECK(store("str", "d", ZRangeQuery::Rank(0, -1)) == 3);
  CHECK(All(f, "str") == Members{{"b", 2}, {"c", 3}, {"d", 4}});
  CHECK(store("d", "missing", ZRangeQuery::Rank(0, -1)) == 0);
  CHECK_FALSE(Exists(f, "d"));
  CHECK(store("str", "z", ZRangeQuery::Score(Scores(5, 6))) == 0);
  CHECK_FALSE(Exists(f, "str"));
  REQUIRE(f.keyspace->Set(*f.committer, 0, "s2", "v", SetOptions{}).ok());
  CHECK(ZRangeStore(*f.keyspace, *f.committer, 0, "d", "s2", ZRangeQuery::Rank(0, -1))
            .status()
            .message() == kErrWrongType);
}

TEST_CASE("ZRANDMEMBER and ZSCAN", "[types][zset]") {
  KeyspaceFixture f;
  std::vector<std::pair<double, std::string_view>> pairs;
  std::vector<std::string> names;
  for (int i = 0; i < 25; ++i) names.push_back("m" + std::to_string(i));
  for (int i = 0; i < 25; ++i) pairs.emplace_back(i, names[i]);
  Add(f, "z", pairs);
  auto r = ZRandMember(*f.keyspace, 0, "z", 10);
  REQUIRE(r.ok());
  CHECK(r->size() == 10);
  std::set<std::string> distinct;
  for (const auto& [m, s] : *r) distinct.insert(m);
  CHECK(distinct.size() == 10);
  r = ZRandMember(*f.keyspace, 0, "z", -40);
  REQUIRE(r.ok());
  CHECK(r->size() == 40);
  r = ZRandMember(*f.keyspace, 0, "z", 100);
  REQUIRE(r.ok());
  CHECK(r->size() == 25);
  r = ZRandMember(*f.keyspace, 0, "missing", 3);
  REQUIRE(r.ok());
  CHECK(r->empty());

  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    auto s = ZScan(*f.keyspace, 0, "z", cursor, "", 4);
    REQUIRE(s.ok());
    for (const auto& [m, score] : s->items) {
      seen.insert(m);
      CHECK(score == std::stod(m.substr(1)));
    }
    cursor = s->cursor;
    ++calls;
  } while (cursor != 0 && calls < 100);
  CHECK(seen == std::multiset<std::string>(names.begin(), names.end()));
  auto s = ZScan(*f.keyspace, 0, "z", 0, "m1*", 100);
  REQUIRE(s.ok());
  CHECK(s->items.size() == 11);  // m1, m10..m19
  CHECK(ZScan(*f.keyspace, 0, "z", 12345, "", 10).status().message() == "ERR invalid cursor");
}

TEST_CASE("Sorted sets survive a reopen", "[types][zset]") {
  KeyspaceFixture f;
  Add(f, "z", {{1.5, "a"}, {-2, "b"}});
  f.Reopen();
  CHECK(All(f, "z") == Members{{"b", -2}, {"a", 1.5}});
  auto card = ZCard(*f.keyspace, 0, "z");
  REQUIRE(card.ok());
  CHECK(*card == 2);
}

TEST_CASE("Random zset operations match a map model", "[types][zset]") {
  KeyspaceFixture f;
  std::map<std::string, double> model;
  std::mt19937 rng(7);
  auto rand = [&](int n) { return static_cast<int>(rng() % n); };
  for (int step = 0; step < 500; ++step) {
    const std::string m = "k" + std::to_string(rand(30));
    const double score = rand(10) - 5 + (rand(2) ? 0.5 : 0);
    const int op = rand(4);
    INFO("step " << step << " op " << op << " " << m << " " << score);
    if (op == 0) {
      Add(f, "z", {{score, m}});
      model[m] = score;
    } else if (op == 1) {
      ZAddOptions incr;
      incr.incr = true;
      auto r = Add(f, "z", {{score, m}}, incr);
      model[m] += score;
      CHECK(r.score == model[m]);
    } else if (op == 2) {
      auto r = ZRem(*f.keyspace, *f.committer, 0, "z", Views{m});
      REQUIRE(r.ok());
      CHECK(*r == static_cast<int64_t>(model.erase(m)));
    } else {
      auto r = ZRank(*f.keyspace, 0, "z", m, rand(2) == 0);
      REQUIRE(r.ok());
      CHECK(r->has_value() == (model.count(m) == 1));
    }
    Members want;
    for (const auto& [member, s] : model) want.emplace_back(member, s);
    std::sort(want.begin(), want.end(), [](const ScoredMember& a, const ScoredMember& b) {
      return a.second != b.second ? a.second < b.second : a.first < b.first;
    });
    Members got = All(f, "z");
    REQUIRE(got == want);
    if (!want.empty()) {
      const size_t i = rand(want.size());
      auto rank = ZRank(*f.keyspace, 0, "z", want[i].first, false);
      REQUIRE(rank.ok());
      CHECK(**rank == static_cast<int64_t>(i));
    }
    CHECK(Exists(f, "z") == !model.empty());
  }
}

TEST_CASE("Concurrent ZINCRBY on one member adds up", "[types][zset]") {
  KeyspaceFixture f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&f] {
      ZAddOptions incr;
      incr.incr = true;
      const std::vector<std::pair<double, std::string_view>> one = {{1, "m"}};
      const std::vector<std::pair<double, std::string_view>> other = {{1, "n"}};
      for (int i = 0; i < 200; ++i) {
        if (!ZAdd(*f.keyspace, *f.committer, 0, "z", incr, one).ok()) return;
        if (!ZAdd(*f.keyspace, *f.committer, 0, "z", incr, other).ok()) return;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(All(f, "z") == Members{{"m", 800}, {"n", 800}});
  auto card = ZCard(*f.keyspace, 0, "z");
  REQUIRE(card.ok());
  CHECK(*card == 2);
}
