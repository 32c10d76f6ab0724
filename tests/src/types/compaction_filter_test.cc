#include "src/types/compaction_filter.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "tests/src/types/types_test_util.h"

using namespace lsmdb::server;
using lsmdb::server::test::KeyspaceFixture;
using Decision = lsmdb::CompactionFilter::Decision;

namespace {

std::string StringMeta(int64_t expire_at_ms) {
  Metadata m;
  m.type = RedisType::kString;
  m.expire_at_ms = expire_at_ms;
  m.value = "v";
  return EncodeMetadata(m);
}

bool RawExists(KeyspaceFixture& f, const std::string& key) {
  std::string value;
  auto r = f.db->Get(lsmdb::ReadOptions{}, key, &value);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("the filter drops expired and old-epoch metadata only", "[src][types][filter]") {
  int64_t now = 1000;
  KeyspaceCompactionFilter filter([&now] { return now; });
  CHECK(filter.Filter(1, MetaKey(0, 0, "k"), StringMeta(0)) == Decision::kKeep);
  CHECK(filter.Filter(1, MetaKey(0, 0, "k"), StringMeta(1000)) == Decision::kKeep);
  CHECK(filter.Filter(1, MetaKey(0, 0, "k"), StringMeta(999)) == Decision::kRemove);
  filter.SetEpoch(2, 5);
  filter.SetEpoch(2, 3);  // never lowers
  CHECK(filter.epoch(2) == 5);
  CHECK(filter.Filter(1, MetaKey(2, 4, "k"), StringMeta(0)) == Decision::kRemove);
  CHECK(filter.Filter(1, MetaKey(2, 5, "k"), StringMeta(0)) == Decision::kKeep);
  CHECK(filter.Filter(1, MetaKey(3, 4, "k"), StringMeta(0)) == Decision::kKeep);
  CHECK(filter.Filter(1, EpochKey(2), EncodeEpoch(5)) == Decision::kKeep);
  CHECK(filter.Filter(1, MetaKey(0, 0, "k"), "garbage") == Decision::kKeep);
  // Without SetDB, element records are always kept.
  CHECK(filter.Filter(1, ElementKey(0, "h", 1, "f"), "v") == Decision::kKeep);
}

TEST_CASE("compaction removes expired keys, flushed epochs and stale elements",
          "[src][types][filter]") {
  KeyspaceFixture f;
  f.filter->SetDB(f.db.get());
  auto set = [&](int db, std::string_view key, int64_t px) {
    SetOptions o;
    if (px > 0) {
      o.ttl = TtlAction::kSet;
      o.expire_at_ms = f.clock.now_ms + px;
    }
    REQUIRE(f.keyspace->Set(*f.committer, db, key, "v", o).ok());
  };
  set(0, "live", 0);
  set(0, "short", 10);
  set(1, "flushed", 0);
  // A hash whose metadata is later deleted, and one that stays.
  for (auto [key, version] : {std::pair<std::string, uint64_t>{"gone", 1}, {"kept", 2}}) {
    lsmdb::WriteBatch batch;
    Metadata meta;
    meta.type = RedisType::kHash;
    meta.version = version;
    meta.count = 1;
    batch.Put(f.keyspace->MetaKeyFor(0, key), EncodeMetadata(meta));
    batch.Put(ElementKey(0, key, version, "field"), "value");
    REQUIRE(f.committer->Commit(batch).ok());
  }
  const std::string flushed_key = f.keyspace->MetaKeyFor(1, "flushed");
  const std::string short_key = f.keyspace->MetaKeyFor(0, "short");
  REQUIRE(*f.keyspace->Del(*f.committer, 0, std::vector<std::string_view>{"gone"}) == 1);
  REQUIRE(f.keyspace->FlushDb(*f.committer, 1).ok());
  f.clock.now_ms += 11;
  REQUIRE(f.db->Flush().ok());
  REQUIRE(f.db->CompactRange(nullptr, nullptr).ok());
  CHECK(RawExists(f, f.keyspace->MetaKeyFor(0, "live")));
  CHECK_FALSE(RawExists(f, short_key));
  CHECK_FALSE(RawExists(f, flushed_key));
  CHECK_FALSE(RawExists(f, ElementKey(0, "gone", 1, "field")));
  CHECK(RawExists(f, ElementKey(0, "kept", 2, "field")));
  CHECK(RawExists(f, EpochKey(1)));
}

TEST_CASE("an element verdict is reused within its collection only, and only for a moment",
          "[src][types][filter]") {
  KeyspaceFixture f;
  f.filter->SetDB(f.db.get());
  auto put_hash = [&](const std::string& key, uint64_t version) {
    lsmdb::WriteBatch batch;
    Metadata meta;
    meta.type = RedisType::kHash;
    meta.version = version;
    meta.count = 2;
    batch.Put(f.keyspace->MetaKeyFor(0, key), EncodeMetadata(meta));
    REQUIRE(f.committer->Commit(batch).ok());
  };
  put_hash("a", 7);
  put_hash("b", 8);
  auto verdict = [&](const std::string& key, uint64_t version, const std::string& field) {
    return f.filter->Filter(1, ElementKey(0, key, version, field), "v");
  };
  // Alternating collections and versions never borrow each other's verdict.
  CHECK(verdict("a", 7, "x") == Decision::kKeep);
  CHECK(verdict("a", 6, "x") == Decision::kRemove);  // an older version of "a"
  CHECK(verdict("a", 7, "y") == Decision::kKeep);
  CHECK(verdict("b", 7, "x") == Decision::kRemove);  // "b" is at version 8
  CHECK(verdict("b", 8, "x") == Decision::kKeep);
  CHECK(verdict("c", 8, "x") == Decision::kRemove);  // no collection "c"
  // Within the moment the verdict is cached, a deletion is not seen yet (keeping
  // is always safe); afterwards the element is found stale.
  CHECK(verdict("a", 7, "x") == Decision::kKeep);
  REQUIRE(*f.keyspace->Del(*f.committer, 0, std::vector<std::string_view>{"a"}) == 1);
  CHECK(verdict("a", 7, "z") == Decision::kKeep);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  CHECK(verdict("a", 7, "z") == Decision::kRemove);
}
