#include "src/types/dump.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cluster/slot.h"
#include "src/types/encoding.h"
#include "src/types/hash.h"
#include "tests/src/types/types_test_util.h"

using namespace lsmdb::server;
using lsmdb::server::test::KeyspaceFixture;

TEST_CASE("Crc64 matches Redis's crc64 check value", "[dump]") {
  CHECK(Crc64(0, "123456789") == 0xe9c6d914c4b8d9caull);
}

TEST_CASE("A dumped hash restores under another name with the same fields", "[dump]") {
  KeyspaceFixture f;
  std::vector<std::string_view> pairs = {"a", "1", "b", "", std::string_view("\0x", 2), "3"};
  REQUIRE(Hash(*f.keyspace).Set(*f.committer, 0, "h", pairs).ok());
  auto d = DumpKey(*f.keyspace, 0, "h");
  REQUIRE(d.ok());
  REQUIRE(d->has_value());
  auto v = DecodeDump((*d)->payload);
  REQUIRE(v.ok());
  CHECK(v->type == RedisType::kHash);
  CHECK(v->items.size() == 3);
  REQUIRE(RestoreKey(*f.keyspace, *f.committer, 0, "h2", *v, 0, false).ok());
  auto all = Hash(*f.keyspace).GetAll(0, "h2", true);
  REQUIRE(all.ok());
  CHECK(all->size() == 3);
  auto meta = f.keyspace->LookupMeta(0, "h2");
  REQUIRE(meta.ok());
  CHECK((*meta)->count == 3);
  // Existing key without REPLACE: BUSYKEY, nothing written.
  lsmdb::Status busy = RestoreKey(*f.keyspace, *f.committer, 0, "h", *v, 0, false);
  CHECK(busy.message() == kErrBusyKey);
}

TEST_CASE("A damaged payload is refused with Redis's checksum error", "[dump]") {
  KeyspaceFixture f;
  SetOptions opts;
  REQUIRE(f.keyspace->Set(*f.committer, 0, "k", "value", opts).ok());
  auto d = DumpKey(*f.keyspace, 0, "k");
  REQUIRE(d.ok());
  std::string p = (*d)->payload;
  for (size_t i = 0; i < p.size(); ++i) {
    std::string bad = p;
    bad[i] ^= 0x01;
    CHECK(DecodeDump(bad).status().message() == kErrDumpPayload);
  }
  CHECK(DecodeDump(p.substr(0, 5)).status().message() == kErrDumpPayload);
  CHECK(DecodeDump(p).ok());
}

TEST_CASE("The cluster layout puts the hash slot before the user key", "[dump][encoding]") {
  struct Restore {
    ~Restore() { SetSlotKeyLayout(false); }
  } restore;
  SetSlotKeyLayout(true);
  const std::string key = MetaKey(0, 7, "foo");
  CHECK(key.size() == 6 + 2 + 3);
  ParsedMetaKey parsed;
  REQUIRE(ParseMetaKey(key, &parsed));
  CHECK(parsed.slot == 12182);  // CLUSTER KEYSLOT foo
  CHECK(parsed.user_key == "foo");
  CHECK(parsed.epoch == 7);
  CHECK(key.rfind(MetaSlotPrefix(0, 7, 12182), 0) == 0);
  // Keys of one slot sort together, by slot first.
  const bool key_order = MetaKey(0, 7, "{a}zzz") < MetaKey(0, 7, "{b}a");
  CHECK(key_order == (lsmdb::cluster::KeySlot("a") < lsmdb::cluster::KeySlot("b")));
  SetSlotKeyLayout(false);
  CHECK(MetaKey(0, 7, "foo").size() == 6 + 3);
}
