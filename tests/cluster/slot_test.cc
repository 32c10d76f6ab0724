#include "cluster/slot.h"

#include <catch2/catch.hpp>

using lsmdb::cluster::Crc16;
using lsmdb::cluster::KeySlot;

TEST_CASE("CRC16 is the XMODEM variant Redis uses", "[cluster][slot]") {
  CHECK(Crc16("123456789") == 0x31C3);
  CHECK(Crc16("") == 0);
}

TEST_CASE("Key slots match Redis's keyHashSlot", "[cluster][slot]") {
  CHECK(KeySlot("foo") == 12182);
  CHECK(KeySlot("bar") == 5061);
  CHECK(KeySlot("") == 0);
  CHECK(KeySlot("{user1000}.following") == KeySlot("{user1000}.followers"));
  CHECK(KeySlot("{user1000}.following") == KeySlot("user1000"));
}

TEST_CASE("Hash tags follow the first '{' and the first '}' after it", "[cluster][slot]") {
  CHECK(KeySlot("foo{}{bar}") == KeySlot("foo{}{bar}"));
  CHECK(KeySlot("foo{}{bar}") != KeySlot("bar"));  // empty tag: the whole key is hashed
  CHECK(KeySlot("foo{{bar}}zap") == KeySlot("{bar"));
  CHECK(KeySlot("foo{bar}{zap}") == KeySlot("bar"));
  CHECK(KeySlot("{") == static_cast<int>(Crc16("{") & 16383));
  CHECK(KeySlot("abc{def") == static_cast<int>(Crc16("abc{def") & 16383));
  std::string binary("\x00\xff{\x01}", 5);
  CHECK(KeySlot(binary) == KeySlot(std::string("\x01", 1)));
}

TEST_CASE("Every slot is in range", "[cluster][slot]") {
  for (int i = 0; i < 10000; i++) {
    int s = KeySlot("key:" + std::to_string(i));
    REQUIRE(s >= 0);
    REQUIRE(s < 16384);
  }
}
