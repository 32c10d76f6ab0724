#include <catch2/catch.hpp>

#include "storage/sst/bloom.h"
#include "tests/storage/sst/sst_test_util.h"

namespace lsmdb::storage {
namespace {

using sst_test::UserKey;

double FalsePositiveRate(int bits_per_key, int n) {
  BloomFilterBuilder b(bits_per_key);
  for (int i = 0; i < n; i++) b.AddUserKey(UserKey(i));
  BloomFilterReader r(b.Finish());
  for (int i = 0; i < n; i++) REQUIRE(r.KeyMayMatch(UserKey(i)));  // no false negatives
  int fp = 0;
  const int probes = 100000;
  for (int i = 0; i < probes; i++) fp += r.KeyMayMatch(UserKey(n + 1000000 + i)) ? 1 : 0;
  return static_cast<double>(fp) / probes;
}

TEST_CASE("A bloom filter at 10 bits per key has about 1% false positives",
          "[storage][sst][bloom]") {
  for (int n : {1, 10, 1000, 100000}) {
    CAPTURE(n);
    double rate = FalsePositiveRate(10, n);
    CAPTURE(rate);
    REQUIRE(rate < (n < 1000 ? 0.05 : 0.02));
  }
}

TEST_CASE("More bits per key means fewer false positives", "[storage][sst][bloom]") {
  double r5 = FalsePositiveRate(5, 20000);
  double r20 = FalsePositiveRate(20, 20000);
  CAPTURE(r5, r20);
  REQUIRE(r20 < r5);
  REQUIRE(r20 < 0.002);
}

TEST_CASE("An empty or malformed filter matches everything", "[storage][sst][bloom]") {
  REQUIRE(BloomFilterReader().KeyMayMatch("x"));
  REQUIRE(BloomFilterReader(std::string("\x00", 1)).KeyMayMatch("x"));
  REQUIRE(BloomFilterReader(std::string("\xff\xff\x63", 3)).KeyMayMatch("x"));
  BloomFilterBuilder b(10);
  BloomFilterReader r(b.Finish());  // no keys: matches nothing
  REQUIRE_FALSE(r.KeyMayMatch("x"));
}

}  // namespace
}  // namespace lsmdb::storage
