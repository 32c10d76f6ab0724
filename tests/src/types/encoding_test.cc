#include "src/types/encoding.h"

#include <catch2/catch.hpp>
#include <string>

using namespace lsmdb::server;

TEST_CASE("metadata keys carry db, epoch and the user key in order", "[src][types][encoding]") {
  std::string key = MetaKey(3, 258, std::string("k\0\r\n", 4));
  CHECK(key.substr(0, 6) == std::string("M\x03\x00\x00\x01\x02", 6));
  ParsedMetaKey parsed;
  REQUIRE(ParseMetaKey(key, &parsed));
  CHECK(parsed.db == 3);
  CHECK(parsed.epoch == 258);
  CHECK(parsed.user_key == std::string("k\0\r\n", 4));
  CHECK(key.rfind(MetaPrefix(3, 258), 0) == 0);
  CHECK(MetaKey(0, 1, "a") > MetaKey(0, 0, "zzz"));  // epochs sort numerically
  CHECK_FALSE(ParseMetaKey("M\x01", &parsed));
  CHECK_FALSE(ParseMetaKey("S\x01\x00\x00\x00\x00", &parsed));
}

TEST_CASE("string metadata round-trips", "[src][types][encoding]") {
  Metadata m;
  m.type = RedisType::kString;
  m.expire_at_ms = 1234567890123;
  m.value = std::string("v\0x", 3);
  std::string encoded = EncodeMetadata(m);
  CHECK(encoded.size() == 1 + 8 + 3);
  CHECK(encoded[0] == 1);
  Metadata out;
  REQUIRE(DecodeMetadata(encoded, &out));
  CHECK(out.type == RedisType::kString);
  CHECK(out.expire_at_ms == m.expire_at_ms);
  CHECK(out.value == m.value);
  RedisType t;
  int64_t exp;
  REQUIRE(PeekMetadata(encoded, &t, &exp));
  CHECK(t == RedisType::kString);
  CHECK(exp == m.expire_at_ms);
}

TEST_CASE("collection metadata round-trips with type fields", "[src][types][encoding]") {
  for (RedisType type : {RedisType::kHash, RedisType::kList, RedisType::kSet, RedisType::kZSet}) {
    Metadata m;
    m.type = type;
    m.expire_at_ms = 0;
    m.version = 0x0102030405060708ull;
    m.count = 300;
    if (type == RedisType::kList) {
      m.list_head = 1ull << 63;
      m.list_tail = (1ull << 63) + 300;
    }
    Metadata out;
    REQUIRE(DecodeMetadata(EncodeMetadata(m), &out));
    CHECK(out.type == type);
    CHECK(out.version == m.version);
    CHECK(out.count == 300);
    CHECK(out.list_head == m.list_head);
    CHECK(out.list_tail == m.list_tail);
  }
}

TEST_CASE("malformed metadata is rejected", "[src][types][encoding]") {
  Metadata out;
  CHECK_FALSE(DecodeMetadata("", &out));
  CHECK_FALSE(DecodeMetadata(std::string(9, '\0'), &out));  // type 0
  CHECK_FALSE(DecodeMetadata(std::string("\x09") + std::string(8, '\0'), &out));
  CHECK_FALSE(DecodeMetadata(std::string("\x02") + std::string(8, '\0') + "abc", &out));
  CHECK_FALSE(DecodeMetadata(std::string("\x03") + std::string(16, '\0') + "\x01", &out));
}

TEST_CASE("element keys parse back and group by version", "[src][types][encoding]") {
  std::string user_key(200, 'k');  // length needs a 2-byte varint
  std::string key = ElementKey(5, user_key, 42, "field");
  CHECK(key.rfind(ElementPrefix(5, user_key, 42), 0) == 0);
  ParsedElementKey parsed;
  REQUIRE(ParseElementKey(key, &parsed));
  CHECK(parsed.tag == 'S');
  CHECK(parsed.db == 5);
  CHECK(parsed.user_key == user_key);
  CHECK(parsed.version == 42);
  CHECK(parsed.sub_key == "field");
  // The length prefix keeps "a" elements apart from "ab" elements.
  CHECK(ElementPrefix(0, "a", 1).rfind(ElementPrefix(0, "ab", 1), 0) == std::string::npos);
  const std::string score_key = ScoreIndexPrefix(1, "z", 7) + "xx";
  REQUIRE(ParseElementKey(score_key, &parsed));
  CHECK(parsed.tag == 'Z');
  CHECK(parsed.sub_key == "xx");
  CHECK_FALSE(
      ParseElementKey("S\x00\x05"
                      "ab",
                      &parsed));
}

TEST_CASE("epochs and prefix successors encode as documented", "[src][types][encoding]") {
  CHECK(EpochKey(7) == std::string("E\x07"));
  uint32_t e = 0;
  REQUIRE(DecodeEpoch(EncodeEpoch(70000), &e));
  CHECK(e == 70000);
  CHECK_FALSE(DecodeEpoch("abc", &e));
  CHECK(PrefixSuccessor("ab") == "ac");
  CHECK(PrefixSuccessor(std::string("a\xff", 2)) == "b");
  CHECK(PrefixSuccessor(std::string("\xff\xff", 2)).empty());
  CHECK(TypeName(RedisType::kZSet) == "zset");
  CHECK(TypeName(RedisType::kNone) == "none");
}
