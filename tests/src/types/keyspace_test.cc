#include "src/types/keyspace.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/src/types/types_test_util.h"

using namespace lsmdb::server;
using lsmdb::server::test::KeyspaceFixture;
using Views = std::vector<std::string_view>;

namespace {

// SET with default options; REQUIREs success.
void Put(KeyspaceFixture& f, int db, std::string_view key, std::string_view value) {
  auto r = f.keyspace->Set(*f.committer, db, key, value, SetOptions{});
  REQUIRE(r.ok());
  REQUIRE(r->applied);
}

std::optional<std::string> Get(KeyspaceFixture& f, int db, std::string_view key) {
  auto r = f.keyspace->Get(db, key);
  REQUIRE(r.ok());
  return *r;
}

SetOptions Opts(std::vector<std::string_view> args, KeyspaceFixture& f) {
  auto r = ParseSetOptions(args, f.clock.now_ms.load());
  REQUIRE(r.ok());
  return *r;
}

// Writes a hash collection directly in the documented layout (collections
// are implemented by a later issue; DEL/RENAME/COPY must already handle them).
void PutHash(KeyspaceFixture& f, int db, std::string_view key, uint64_t version,
             const std::vector<std::pair<std::string, std::string>>& fields) {
  lsmdb::WriteBatch batch;
  Metadata meta;
  meta.type = RedisType::kHash;
  meta.version = version;
  meta.count = fields.size();
  batch.Put(f.keyspace->MetaKeyFor(db, key), EncodeMetadata(meta));
  for (const auto& [field, value] : fields) batch.Put(ElementKey(db, key, version, field), value);
  REQUIRE(f.committer->Commit(batch).ok());
}

size_t CountPrefix(KeyspaceFixture& f, const std::string& prefix) {
  auto r = f.db->ScanPrefix(lsmdb::ReadOptions{}, prefix, 0);
  REQUIRE(r.ok());
  return r->size();
}

}  // namespace

TEST_CASE("SET and GET store binary-safe strings", "[src][types][keyspace]") {
  KeyspaceFixture f;
  std::string key("k\0\r\n", 4);
  std::string value(1 << 20, 'x');
  value[5] = '\0';
  Put(f, 0, key, value);
  CHECK(Get(f, 0, key) == value);
  CHECK_FALSE(Get(f, 1, key).has_value());  // other db
  CHECK_FALSE(Get(f, 0, "missing").has_value());
  Put(f, 0, "", "empty key");
  CHECK(Get(f, 0, "") == "empty key");
}

TEST_CASE("SET NX, XX and GET follow Redis", "[src][types][keyspace]") {
  KeyspaceFixture f;
  auto nx = f.keyspace->Set(*f.committer, 0, "k", "1", Opts({"NX"}, f));
  REQUIRE(nx.ok());
  CHECK(nx->applied);
  auto nx2 = f.keyspace->Set(*f.committer, 0, "k", "2", Opts({"NX"}, f));
  REQUIRE(nx2.ok());
  CHECK_FALSE(nx2->applied);
  CHECK(Get(f, 0, "k") == "1");
  auto xx = f.keyspace->Set(*f.committer, 0, "other", "v", Opts({"XX"}, f));
  REQUIRE(xx.ok());
  CHECK_FALSE(xx->applied);
  CHECK_FALSE(Get(f, 0, "other").has_value());
  auto get = f.keyspace->Set(*f.committer, 0, "k", "3", Opts({"GET"}, f));
  REQUIRE(get.ok());
  CHECK(get->old_value == "1");
  CHECK(Get(f, 0, "k") == "3");
  auto nxget = f.keyspace->Set(*f.committer, 0, "k", "4", Opts({"NX", "GET"}, f));
  REQUIRE(nxget.ok());
  CHECK_FALSE(nxget->applied);
  CHECK(nxget->old_value == "3");
}

TEST_CASE("SET GET on a collection is WRONGTYPE and writes nothing", "[src][types][keyspace]") {
  KeyspaceFixture f;
  PutHash(f, 0, "h", 7, {{"a", "1"}});
  auto r = f.keyspace->Set(*f.committer, 0, "h", "v", Opts({"GET"}, f));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(*f.keyspace->Type(0, "h") == RedisType::kHash);
  auto get = f.keyspace->Get(0, "h");
  REQUIRE_FALSE(get.ok());
  // A plain SET overwrites any type.
  Put(f, 0, "h", "now a string");
  CHECK(*f.keyspace->Type(0, "h") == RedisType::kString);
}

TEST_CASE("expired keys are invisible and writes treat them as absent", "[src][types][keyspace]") {
  KeyspaceFixture f;
  auto r = f.keyspace->Set(*f.committer, 0, "k", "v", Opts({"PX", "100"}, f));
  REQUIRE(r.ok());
  CHECK(*f.keyspace->ExpireTime(0, "k") == f.clock.now_ms + 100);
  f.clock.now_ms += 100;
  CHECK(Get(f, 0, "k") == "v");  // alive while now == expire_at
  f.clock.now_ms += 1;
  CHECK_FALSE(Get(f, 0, "k").has_value());
  CHECK(*f.keyspace->ExpireTime(0, "k") == -2);
  CHECK(*f.keyspace->Exists(0, Views{"k"}) == 0);
  CHECK(*f.keyspace->DbSize(0) == 0);
  auto nx = f.keyspace->Set(*f.committer, 0, "k", "new", Opts({"NX"}, f));
  REQUIRE(nx.ok());
  CHECK(nx->applied);
  CHECK(*f.keyspace->ExpireTime(0, "k") == -1);
  // INCR on an expired key starts from 0.
  REQUIRE(f.keyspace->Set(*f.committer, 0, "n", "41", Opts({"PX", "5"}, f)).ok());
  f.clock.now_ms += 10;
  CHECK(*f.keyspace->IncrBy(*f.committer, 0, "n", 1) == 1);
}

TEST_CASE("SET clears the TTL unless KEEPTTL", "[src][types][keyspace]") {
  KeyspaceFixture f;
  REQUIRE(f.keyspace->Set(*f.committer, 0, "k", "v", Opts({"EX", "100"}, f)).ok());
  REQUIRE(f.keyspace->Set(*f.committer, 0, "k", "v2", Opts({"KEEPTTL"}, f)).ok());
  CHECK(*f.keyspace->ExpireTime(0, "k") == f.clock.now_ms + 100'000);
  Put(f, 0, "k", "v3");
  CHECK(*f.keyspace->ExpireTime(0, "k") == -1);
  // EXAT in the past: the key is gone at once.
  REQUIRE(f.keyspace->Set(*f.committer, 0, "k", "v4", Opts({"PXAT", "1"}, f)).ok());
  CHECK_FALSE(Get(f, 0, "k").has_value());
}

TEST_CASE("Keyspace GETDEL and GETEX apply TTL changes", "[src][types][keyspace]") {
  KeyspaceFixture f;
  Put(f, 0, "k", "v");
  CHECK(**f.keyspace->GetDel(*f.committer, 0, "k") == "v");
  CHECK_FALSE(Get(f, 0, "k").has_value());
  CHECK_FALSE(f.keyspace->GetDel(*f.committer, 0, "k")->has_value());

  Put(f, 0, "k", "v");
  auto ex = ParseGetExOptions(Views{"EX", "10"});
  REQUIRE(ex.ok());
  CHECK(**f.keyspace->GetEx(*f.committer, 0, "k", *ex) == "v");
  CHECK(*f.keyspace->ExpireTime(0, "k") == f.clock.now_ms + 10'000);
  auto persist = ParseGetExOptions(Views{"PERSIST"});
  CHECK(**f.keyspace->GetEx(*f.committer, 0, "k", *persist) == "v");
  CHECK(*f.keyspace->ExpireTime(0, "k") == -1);
  auto past = ParseGetExOptions(Views{"PXAT", "1"});
  CHECK(**f.keyspace->GetEx(*f.committer, 0, "k", *past) == "v");
  CHECK_FALSE(Get(f, 0, "k").has_value());
  // A bad time on a missing key is not an error (checked after the lookup).
  auto bad = ParseGetExOptions(Views{"EX", "abc"});
  auto missing = f.keyspace->GetEx(*f.committer, 0, "nokey", *bad);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  Put(f, 0, "k", "v");
  CHECK_FALSE(f.keyspace->GetEx(*f.committer, 0, "k", *bad).ok());
}

TEST_CASE("Keyspace MGET reads nil for wrong types and MSETNX is all or nothing",
          "[src][types][keyspace]") {
  KeyspaceFixture f;
  REQUIRE(f.keyspace->MSet(*f.committer, 0, Views{"a", "1", "b", "2"}).ok());
  PutHash(f, 0, "h", 3, {{"x", "y"}});
  auto values = f.keyspace->MGet(0, Views{"a", "missing", "b", "h"});
  REQUIRE(values.ok());
  REQUIRE(values->size() == 4);
  CHECK((*values)[0] == "1");
  CHECK_FALSE((*values)[1].has_value());
  CHECK((*values)[2] == "2");
  CHECK_FALSE((*values)[3].has_value());  // wrong type reads as nil
  CHECK_FALSE(*f.keyspace->MSetNx(*f.committer, 0, Views{"c", "3", "a", "9"}));
  CHECK_FALSE(Get(f, 0, "c").has_value());
  CHECK(*f.keyspace->MSetNx(*f.committer, 0, Views{"c", "3", "d", "4"}));
  CHECK(Get(f, 0, "d") == "4");
}

TEST_CASE("APPEND, STRLEN, GETRANGE and SETRANGE", "[src][types][keyspace]") {
  KeyspaceFixture f;
  CHECK(*f.keyspace->Append(*f.committer, 0, "k", "Hello") == 5);
  CHECK(*f.keyspace->Append(*f.committer, 0, "k", " World") == 11);
  CHECK(*f.keyspace->Strlen(0, "k") == 11);
  CHECK(*f.keyspace->Strlen(0, "missing") == 0);
  CHECK(*f.keyspace->GetRange(0, "k", 0, 4) == "Hello");
  CHECK(*f.keyspace->GetRange(0, "k", -5, -1) == "World");
  CHECK(*f.keyspace->GetRange(0, "k", -1, -5) == "");
  CHECK(*f.keyspace->GetRange(0, "k", 5, 1000) == " World");
  CHECK(*f.keyspace->GetRange(0, "k", -100, 2) == "Hel");
  CHECK(*f.keyspace->GetRange(0, "missing", 0, -1) == "");
  CHECK(*f.keyspace->SetRange(*f.committer, 0, "k", 6, "Redis") == 11);
  CHECK(Get(f, 0, "k") == "Hello Redis");
  CHECK(*f.keyspace->SetRange(*f.committer, 0, "pad", 3, "x") == 4);
  CHECK(Get(f, 0, "pad") == std::string("\0\0\0x", 4));
  CHECK(*f.keyspace->SetRange(*f.committer, 0, "none", 10, "") == 0);
  CHECK_FALSE(Get(f, 0, "none").has_value());
  auto big = f.keyspace->SetRange(*f.committer, 0, "k", 512ll * 1024 * 1024, "x");
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().message() == "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  // APPEND and SETRANGE keep the TTL.
  REQUIRE(f.keyspace->Expire(*f.committer, 0, "k", f.clock.now_ms + 5000, 0).ok());
  REQUIRE(f.keyspace->Append(*f.committer, 0, "k", "!").ok());
  REQUIRE(f.keyspace->SetRange(*f.committer, 0, "k", 0, "h").ok());
  CHECK(*f.keyspace->ExpireTime(0, "k") == f.clock.now_ms + 5000);
}

TEST_CASE("INCRBY and INCRBYFLOAT check values and overflow", "[src][types][keyspace]") {
  KeyspaceFixture f;
  CHECK(*f.keyspace->IncrBy(*f.committer, 0, "n", 1) == 1);
  CHECK(*f.keyspace->IncrBy(*f.committer, 0, "n", -11) == -10);
  CHECK(Get(f, 0, "n") == "-10");
  Put(f, 0, "max", "9223372036854775807");
  auto over = f.keyspace->IncrBy(*f.committer, 0, "max", 1);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().message() == "ERR increment or decrement would overflow");
  for (std::string_view bad : {" 1", "1 ", "+1", "01", "abc", "1.5", ""}) {
    Put(f, 0, "bad", bad);
    auto r = f.keyspace->IncrBy(*f.committer, 0, "bad", 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "ERR value is not an integer or out of range");
  }
  Put(f, 0, "fl", "10.50");
  CHECK(*f.keyspace->IncrByFloat(*f.committer, 0, "fl", "0.1") == "10.6");
  CHECK(*f.keyspace->IncrByFloat(*f.committer, 0, "fl2", "5.0e3") == "5000");
  CHECK(*f.keyspace->IncrByFloat(*f.committer, 0, "fl2", "-5000") == "0");
  auto nan = f.keyspace->IncrByFloat(*f.committer, 0, "fl2", "inf");
  REQUIRE_FALSE(nan.ok());
  CHECK(nan.status().message() == "ERR increment would produce NaN or Infinity");
  auto notfloat = f.keyspace->IncrByFloat(*f.committer, 0, "fl2", "x");
  REQUIRE_FALSE(notfloat.ok());
  CHECK(notfloat.status().message() == "ERR value is not a valid float");
  PutHash(f, 0, "h", 1, {});
  auto wrong = f.keyspace->IncrByFloat(*f.committer, 0, "h", "x");  // type is checked first
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().message().rfind("WRONGTYPE", 0) == 0);
  // INCR keeps the TTL.
  REQUIRE(f.keyspace->Expire(*f.committer, 0, "n", f.clock.now_ms + 9000, 0).ok());
  REQUIRE(f.keyspace->IncrBy(*f.committer, 0, "n", 1).ok());
  CHECK(*f.keyspace->ExpireTime(0, "n") == f.clock.now_ms + 9000);
}

TEST_CASE("concurrent INCRs on one key lose no update", "[src][types][keyspace]") {
  KeyspaceFixture f;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&f] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!f.keyspace->IncrBy(*f.committer, 0, "counter", 1).ok()) return;
        if (!f.keyspace->Append(*f.committer, 0, "log", "x").ok()) return;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(Get(f, 0, "counter") == std::to_string(kThreads * kPerThread));
  CHECK(*f.keyspace->Strlen(0, "log") == kThreads * kPerThread);
}

TEST_CASE("DEL, EXISTS and TYPE work on any type", "[src][types][keyspace]") {
  KeyspaceFixture f;
  Put(f, 0, "a", "1");
  Put(f, 0, "b", "2");
  PutHash(f, 0, "h", 11, {{"f1", "v1"}, {"f2", "v2"}});
  CHECK(*f.keyspace->Exists(0, Views{"a", "a", "b", "nope", "h"}) == 4);
  CHECK(*f.keyspace->Type(0, "h") == RedisType::kHash);
  CHECK(*f.keyspace->Type(0, "nope") == RedisType::kNone);
  CHECK(*f.keyspace->Del(*f.committer, 0, Views{"a", "a", "nope", "h"}) == 2);
  CHECK(*f.keyspace->Exists(0, Views{"a", "h", "b"}) == 1);
  // The hash's elements stay behind as stale records (O(1) delete).
  CHECK(CountPrefix(f, ElementPrefix(0, "h", 11)) == 2);
}

TEST_CASE("RENAME and RENAMENX keep the TTL and move collections", "[src][types][keyspace]") {
  KeyspaceFixture f;
  REQUIRE(f.keyspace->Set(*f.committer, 0, "src", "v", Opts({"EX", "100"}, f)).ok());
  CHECK(*f.keyspace->Rename(*f.committer, 0, "src", "dst", false));
  CHECK_FALSE(Get(f, 0, "src").has_value());
  CHECK(Get(f, 0, "dst") == "v");
  CHECK(*f.keyspace->ExpireTime(0, "dst") == f.clock.now_ms + 100'000);
  auto missing = f.keyspace->Rename(*f.committer, 0, "src", "x", false);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "ERR no such key");
  Put(f, 0, "other", "o");
  CHECK_FALSE(*f.keyspace->Rename(*f.committer, 0, "dst", "other", true));
  CHECK(*f.keyspace->Rename(*f.committer, 0, "dst", "dst", false));
  CHECK_FALSE(*f.keyspace->Rename(*f.committer, 0, "dst", "dst", true));
  CHECK(Get(f, 0, "other") == "o");

  PutHash(f, 0, "h", 5, {{"f1", "v1"}, {"f2", "v2"}});
  CHECK(*f.keyspace->Rename(*f.committer, 0, "h", "h2", false));
  auto meta = f.keyspace->LookupMeta(0, "h2");
  REQUIRE(meta.ok());
  REQUIRE(meta->has_value());
  CHECK((*meta)->type == RedisType::kHash);
  CHECK((*meta)->version != 5);
  CHECK(CountPrefix(f, ElementPrefix(0, "h2", (*meta)->version)) == 2);
  CHECK(*f.keyspace->Type(0, "h") == RedisType::kNone);
}

TEST_CASE("COPY copies within and across databases", "[src][types][keyspace]") {
  KeyspaceFixture f;
  REQUIRE(f.keyspace->Set(*f.committer, 0, "k", "v", Opts({"PX", "5000"}, f)).ok());
  CHECK(*f.keyspace->Copy(*f.committer, 0, "k", 3, "k", false));
  CHECK(Get(f, 3, "k") == "v");
  CHECK(*f.keyspace->ExpireTime(3, "k") == f.clock.now_ms + 5000);
  Put(f, 0, "taken", "t");
  CHECK_FALSE(*f.keyspace->Copy(*f.committer, 0, "k", 0, "taken", false));
  CHECK(*f.keyspace->Copy(*f.committer, 0, "k", 0, "taken", true));
  CHECK(Get(f, 0, "taken") == "v");
  CHECK_FALSE(*f.keyspace->Copy(*f.committer, 0, "missing", 0, "x", true));
  PutHash(f, 1, "h", 9, {{"a", "1"}});
  CHECK(*f.keyspace->Copy(*f.committer, 1, "h", 2, "hc", false));
  auto meta = f.keyspace->LookupMeta(2, "hc");
  REQUIRE(meta->has_value());
  CHECK(CountPrefix(f, ElementPrefix(2, "hc", (*meta)->version)) == 1);
  CHECK(CountPrefix(f, ElementPrefix(1, "h", 9)) == 1);  // source untouched
}

TEST_CASE("EXPIRE flags follow Redis 7 semantics", "[src][types][keyspace]") {
  KeyspaceFixture f;
  const int64_t now = f.clock.now_ms;
  CHECK_FALSE(*f.keyspace->Expire(*f.committer, 0, "missing", now + 1000, 0));
  Put(f, 0, "k", "v");
  CHECK_FALSE(*f.keyspace->Expire(*f.committer, 0, "k", now + 1000, kExpireXx));
  CHECK_FALSE(*f.keyspace->Expire(*f.committer, 0, "k", now + 1000, kExpireGt));  // no TTL = inf
  CHECK(*f.keyspace->Expire(*f.committer, 0, "k", now + 1000, kExpireLt));
  CHECK_FALSE(*f.keyspace->Expire(*f.committer, 0, "k", now + 2000, kExpireNx));
  CHECK(*f.keyspace->Expire(*f.committer, 0, "k", now + 2000, kExpireGt));
  CHECK_FALSE(*f.keyspace->Expire(*f.committer, 0, "k", now + 3000, kExpireLt));
  CHECK(*f.keyspace->Expire(*f.committer, 0, "k", now + 500, kExpireLt | kExpireXx));
  CHECK(*f.keyspace->ExpireTime(0, "k") == now + 500);
  CHECK(*f.keyspace->Persist(*f.committer, 0, "k"));
  CHECK_FALSE(*f.keyspace->Persist(*f.committer, 0, "k"));
  CHECK(*f.keyspace->ExpireTime(0, "k") == -1);
  CHECK(*f.keyspace->Expire(*f.committer, 0, "k", now, 0));  // a time <= now deletes
  CHECK(*f.keyspace->ExpireTime(0, "k") == -2);
  CHECK(*f.keyspace->Del(*f.committer, 0, Views{"k"}) == 0);
}

TEST_CASE("KEYS matches globs and seeks to the literal prefix", "[src][types][keyspace]") {
  KeyspaceFixture f;
  for (std::string k : {"user:1", "user:2", "user:10", "usex", "order:1", "a\\*b"}) {
    Put(f, 0, k, "v");
  }
  Put(f, 1, "user:3", "other db");
  auto users = f.keyspace->Keys(0, "user:*");
  REQUIRE(users.ok());
  CHECK(*users == std::vector<std::string>{"user:1", "user:10", "user:2"});
  CHECK(f.keyspace->Keys(0, "*")->size() == 6);
  CHECK(*f.keyspace->Keys(0, "user:?") == std::vector<std::string>{"user:1", "user:2"});
  CHECK(*f.keyspace->Keys(0, "us[a-z]x") == std::vector<std::string>{"usex"});
  CHECK(*f.keyspace->Keys(0, "a\\\\\\*b") == std::vector<std::string>{"a\\*b"});
  CHECK(f.keyspace->Keys(0, "nothing*")->empty());
}

TEST_CASE("SCAN returns every key exactly once across pages", "[src][types][keyspace]") {
  KeyspaceFixture f;
  std::set<std::string> expected;
  for (int i = 0; i < 2000; ++i) {
    std::string k = "key:" + std::to_string(i);
    expected.insert(k);
  }
  std::vector<std::string_view> pairs;
  std::vector<std::string> storage(expected.begin(), expected.end());
  for (const auto& k : storage) {
    pairs.push_back(k);
    pairs.push_back("v");
  }
  REQUIRE(f.keyspace->MSet(*f.committer, 0, pairs).ok());
  Put(f, 0, "other", "v");
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    auto r = f.keyspace->Scan(0, cursor, "key:*", 37, "");
    REQUIRE(r.ok());
    seen.insert(r->keys.begin(), r->keys.end());
    cursor = r->cursor;
    // Keys added during the scan may or may not appear; existing ones must.
    if (calls == 3) Put(f, 0, "key:zzz-new", "v");
  } while (cursor != 0 && ++calls < 1000);
  CHECK(cursor == 0);
  for (const auto& k : expected) CHECK(seen.count(k) == 1);
  CHECK(seen.count("other") == 0);

  auto typed = f.keyspace->Scan(0, 0, "", 10000, "STRING");
  REQUIRE(typed.ok());
  CHECK(typed->cursor == 0);
  CHECK(typed->keys.size() == expected.size() + 2);
  CHECK(f.keyspace->Scan(0, 0, "", 10000, "hash")->keys.empty());
  auto invalid = f.keyspace->Scan(0, 123456789, "", 10, "");
  REQUIRE_FALSE(invalid.ok());
  CHECK(invalid.status().message() == "ERR invalid cursor");
}

TEST_CASE("RANDOMKEY and DBSIZE see only live keys", "[src][types][keyspace]") {
  KeyspaceFixture f;
  CHECK_FALSE(f.keyspace->RandomKey(0)->has_value());
  CHECK(*f.keyspace->DbSize(0) == 0);
  std::set<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    keys.insert("r" + std::to_string(i));
    Put(f, 0, "r" + std::to_string(i), "v");
  }
  REQUIRE(f.keyspace->Set(*f.committer, 0, "gone", "v", Opts({"PX", "1"}, f)).ok());
  f.clock.now_ms += 2;
  CHECK(*f.keyspace->DbSize(0) == 50);
  std::set<std::string> picked;
  for (int i = 0; i < 200; ++i) {
    auto k = f.keyspace->RandomKey(0);
    REQUIRE(k.ok());
    REQUIRE(k->has_value());
    CHECK(keys.count(**k) == 1);
    picked.insert(**k);
  }
  CHECK(picked.size() > 25);  // close to uniform over r0..r49
}

TEST_CASE("FLUSHDB and FLUSHALL are O(1) epoch bumps that survive reopening",
          "[src][types][keyspace]") {
  KeyspaceFixture f;
  Put(f, 0, "a", "1");
  Put(f, 1, "b", "2");
  const int commits = f.committer->commits;
  REQUIRE(f.keyspace->FlushDb(*f.committer, 0).ok());
  CHECK(f.committer->commits == commits + 1);
  CHECK_FALSE(Get(f, 0, "a").has_value());
  CHECK(Get(f, 1, "b") == "2");
  Put(f, 0, "c", "3");
  f.Reopen();
  CHECK_FALSE(Get(f, 0, "a").has_value());
  CHECK(Get(f, 0, "c") == "3");
  CHECK(Get(f, 1, "b") == "2");
  REQUIRE(f.keyspace->FlushAll(*f.committer).ok());
  CHECK(*f.keyspace->DbSize(0) == 0);
  CHECK(*f.keyspace->DbSize(1) == 0);
  f.Reopen();
  CHECK(*f.keyspace->DbSize(0) == 0);
  CHECK(f.keyspace->Keys(1, "*")->empty());
}

TEST_CASE("SEARCHRANGE pages through a key range", "[src][types][keyspace]") {
  KeyspaceFixture f;
  for (std::string k : {"a", "b", "c", "d", "e"}) Put(f, 0, k, "v");
  auto page = f.keyspace->SearchRange(0, "b", "", 2);
  REQUIRE(page.ok());
  CHECK(page->keys == std::vector<std::string>{"b", "c"});
  CHECK(page->more);
  CHECK(page->next == "d");
  auto rest = f.keyspace->SearchRange(0, page->next, "", 2);
  CHECK(rest->keys == std::vector<std::string>{"d", "e"});
  CHECK_FALSE(rest->more);
  auto bounded = f.keyspace->SearchRange(0, "a", "c", 10);
  CHECK(bounded->keys == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(bounded->more);
}

TEST_CASE("values and TTLs survive reopening the DB", "[src][types][keyspace]") {
  KeyspaceFixture f;
  Put(f, 0, "k", "v");
  REQUIRE(f.keyspace->Set(*f.committer, 0, "t", "v", Opts({"EX", "10"}, f)).ok());
  f.Reopen();
  CHECK(Get(f, 0, "k") == "v");
  CHECK(*f.keyspace->ExpireTime(0, "t") == f.clock.now_ms + 10'000);
  f.clock.now_ms += 10'001;
  CHECK_FALSE(Get(f, 0, "t").has_value());
}
