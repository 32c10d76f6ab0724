#include "src/types/numbers.h"

#include <catch2/catch.hpp>

using namespace lsmdb::server;

TEST_CASE("StringToInt64 accepts exactly Redis's string2ll integers", "[src][types][numbers]") {
  int64_t v = 0;
  CHECK((StringToInt64("0", &v) && v == 0));
  CHECK((StringToInt64("-1", &v) && v == -1));
  CHECK((StringToInt64("9223372036854775807", &v) && v == INT64_MAX));
  CHECK((StringToInt64("-9223372036854775808", &v) && v == INT64_MIN));
  for (const char* bad : {"", "-", "-0", "+1", " 1", "1 ", "01", "1a", "9223372036854775808",
                          "-9223372036854775809", "1.0", "123456789012345678901"}) {
    INFO(bad);
    CHECK_FALSE(StringToInt64(bad, &v));
  }
}

TEST_CASE("StringToLongDouble follows string2ld", "[src][types][numbers]") {
  long double v = 0;
  CHECK((StringToLongDouble("1.5", &v) && v == 1.5L));
  CHECK((StringToLongDouble("5.0e3", &v) && v == 5000.0L));
  CHECK((StringToLongDouble("+2", &v) && v == 2.0L));
  CHECK((StringToLongDouble("-inf", &v) && v < 0));
  for (const char* bad : {"", " 1", "1 ", "abc", "nan", "1e99999", "1.5x"}) {
    INFO(bad);
    CHECK_FALSE(StringToLongDouble(bad, &v));
  }
}

TEST_CASE("LongDoubleToHumanString formats like INCRBYFLOAT", "[src][types][numbers]") {
  CHECK(LongDoubleToHumanString(10.5L) == "10.5");
  CHECK(LongDoubleToHumanString(3.0L) == "3");
  CHECK(LongDoubleToHumanString(5000.0L) == "5000");
  CHECK(LongDoubleToHumanString(0.1L + 0.2L) == "0.3");
  CHECK(LongDoubleToHumanString(10.5L + 0.1L) == "10.6");
  CHECK(LongDoubleToHumanString(-0.0L) == "0");
  CHECK(LongDoubleToHumanString(-1.25L) == "-1.25");
  CHECK(LongDoubleToHumanString(1e20L) == "100000000000000000000");
}
