#include "src/types/list_cache.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/types/list.h"

using namespace lsmdb::server;
using Strings = std::vector<std::string>;
using Views = std::vector<std::string_view>;

namespace {

constexpr uint64_t kMid = uint64_t{1} << 63;

struct Collect final : ListElementSink {
  Strings out;
  void Begin(size_t n) override { out.reserve(n); }
  void Element(std::string_view e) override { out.emplace_back(e); }
};

std::optional<Strings> Read(ListCache& c, const ListTag& tag, uint64_t first, uint64_t n) {
  Collect sink;
  if (!c.Read(0, "l", tag, first, n, sink)) return std::nullopt;
  return sink.out;
}

// RPUSHes `elems` onto the list `tag` (nullptr: a new list) and returns the new tag.
ListTag RPush(ListCache& c, const ListTag* tag, const Views& elems, uint64_t version = 7) {
  ListTag after = tag ? *tag : ListTag{version, kMid, kMid};
  after.tail += elems.size();
  c.Pushed(0, "l", tag, after, false, elems);
  return after;
}

ListTag LPush(ListCache& c, const ListTag& tag, const Views& elems) {
  ListTag after = tag;
  after.head -= elems.size();
  c.Pushed(0, "l", &tag, after, true, elems);
  return after;
}

}  // namespace

TEST_CASE("A new list is cached whole until its windows overflow, then only its ends",
          "[types][list_cache]") {
  ListCache c(1 << 20, /*edge=*/3);
  ListTag t = RPush(c, nullptr, {"a", "b", "c"});
  CHECK(Read(c, t, 0, 3) == Strings{"a", "b", "c"});
  t = RPush(c, &t, {"d", "e", "f"});  // a b c | d e f: front and back meet
  CHECK(Read(c, t, 0, 6) == Strings{"a", "b", "c", "d", "e", "f"});
  t = LPush(c, t, {"z"});  // z a b c d e f: 7 > 2 * 3, "c" is no longer cached
  CHECK(Read(c, t, 0, 3) == Strings{"z", "a", "b"});
  CHECK(Read(c, t, 4, 3) == Strings{"d", "e", "f"});
  CHECK_FALSE(Read(c, t, 2, 2));
  CHECK_FALSE(Read(c, t, 0, 7));
  CHECK(c.stats().hits == 4);
  CHECK(c.stats().misses == 2);
}

TEST_CASE("Pops consume the cached ends and a read with another tag misses",
          "[types][list_cache]") {
  ListCache c(1 << 20, 2);
  ListTag t = RPush(c, nullptr, {"a", "b", "c", "d", "e"});  // front a b, back d e
  CHECK_FALSE(Read(c, t, 2, 1));
  ListTag after = t;
  after.head += 1;  // LPOP
  c.Popped(0, "l", t, after);
  CHECK_FALSE(Read(c, t, 0, 1));  // the old state is gone
  CHECK(Read(c, after, 0, 1) == Strings{"b"});
  CHECK(Read(c, after, 2, 2) == Strings{"d", "e"});
  // Pop three from the tail: d e and the uncached c; b is left in front.
  ListTag after2 = after;
  after2.tail -= 3;
  c.Popped(0, "l", after, after2);
  CHECK(Read(c, after2, 0, 1) == Strings{"b"});
  // A pop reported against a tag the entry does not have drops the entry.
  ListTag wrong = after2;
  wrong.head -= 1;
  c.Popped(0, "l", wrong, after2);
  CHECK_FALSE(Read(c, after2, 0, 1));
  CHECK(c.stats().entries == 0);
}

TEST_CASE("Pushes onto a list that is not cached do not start an entry", "[types][list_cache]") {
  ListCache c(1 << 20, 4);
  ListTag t{9, kMid, kMid + 10};
  RPush(c, &t, {"x"});
  CHECK(c.stats().entries == 0);
}

TEST_CASE("Fill keeps the ends of a list read from the engine unless a write raced it",
          "[types][list_cache]") {
  ListCache c(1 << 20, 4);
  const ListTag t{3, kMid, kMid + 10};
  uint64_t stamp = c.Stamp(0, "l");
  c.Fill(0, "l", t, stamp, 0, {"p0", "p1", "p2"});
  CHECK(Read(c, t, 0, 3) == Strings{"p0", "p1", "p2"});
  c.Fill(0, "l", t, stamp, 7, {"p7", "p8", "p9"});
  CHECK(Read(c, t, 8, 2) == Strings{"p8", "p9"});
  // Not an end of the list: nothing kept.
  c.Fill(0, "l", t, stamp, 4, {"p4"});
  CHECK_FALSE(Read(c, t, 4, 1));
  // A write after the stamp (here an LSET's Erase) makes the fill stale.
  stamp = c.Stamp(0, "l");
  c.Erase(0, "l");
  c.Fill(0, "l", t, stamp, 0, {"old0", "old1"});
  CHECK_FALSE(Read(c, t, 0, 1));
  CHECK(c.stats().entries == 0);
}

TEST_CASE("A fill of the whole list caches it whole, front then back", "[types][list_cache]") {
  ListCache c(1 << 20, 2);
  const ListTag t{3, kMid, kMid + 4};
  c.Fill(0, "l", t, c.Stamp(0, "l"), 0, {"a", "b", "c", "d"});
  CHECK(Read(c, t, 0, 4) == Strings{"a", "b", "c", "d"});
  CHECK(Read(c, t, 1, 2) == Strings{"b", "c"});
}

TEST_CASE("The cache stays within its capacity by dropping the least recently used lists",
          "[types][list_cache]") {
  const size_t cap = 16 * 4096;  // 4 KiB per shard
  ListCache c(cap, 1024);
  const std::string big(200, 'x');
  for (int i = 0; i < 400; ++i) {
    const std::string key = "k" + std::to_string(i);
    ListTag after{static_cast<uint64_t>(i + 1), kMid, kMid + 5};
    const Views elems(5, big);
    c.Pushed(0, key, nullptr, after, false, elems);
    CHECK(c.stats().bytes <= cap);
  }
  CHECK(c.stats().entries > 0);
  CHECK(c.stats().entries < 400);
  // The most recent list is still there.
  Collect sink;
  CHECK(c.Read(0, "k399", ListTag{400, kMid, kMid + 5}, 0, 5, sink));
  // Capacity 0 turns the cache off and empties it.
  c.SetCapacity(0);
  CHECK_FALSE(c.enabled());
  CHECK(c.stats().entries == 0);
  CHECK(c.stats().bytes == 0);
}

TEST_CASE("A pop that reaches past one window takes the other window's first elements",
          "[types][list_cache]") {
  ListCache c(1 << 20, 4);
  // RPUSH onto a new list fills only the back window: a b c.
  ListTag t = RPush(c, nullptr, {"a", "b", "c"});
  ListTag after = t;
  after.head += 1;  // LPOP takes "a" from the back window
  c.Popped(0, "l", t, after);
  CHECK(Read(c, after, 0, 2) == Strings{"b", "c"});
  // And the mirror image: LPUSH x y onto a new list fills front (y x), RPOP takes x.
  ListCache d(1 << 20, 4);
  const ListTag pushed{5, kMid - 2, kMid};
  d.Pushed(0, "l", nullptr, pushed, true, Views{"x", "y"});
  ListTag popped = pushed;
  popped.tail -= 1;
  d.Popped(0, "l", pushed, popped);
  Collect sink;
  REQUIRE(d.Read(0, "l", popped, 0, 1, sink));
  CHECK(sink.out == Strings{"y"});
}

TEST_CASE("A front fill that overlaps the back window keeps the list whole",
          "[types][list_cache]") {
  ListCache c(1 << 20, 4);
  const ListTag t{3, kMid, kMid + 4};
  c.Fill(0, "l", t, c.Stamp(0, "l"), 2, {"c", "d"});
  c.Fill(0, "l", t, c.Stamp(0, "l"), 0, {"a", "b", "c"});
  CHECK(Read(c, t, 0, 4) == Strings{"a", "b", "c", "d"});
}

TEST_CASE("A list with an element over the size limit is not cached", "[types][list_cache]") {
  ListCache c(64 << 20, 4);
  const std::string big(ListCache::kMaxElementBytes + 1, 'b');
  ListTag t = RPush(c, nullptr, {"a"});
  REQUIRE(Read(c, t, 0, 1));
  ListTag after = t;
  after.tail += 1;
  c.Pushed(0, "l", &t, after, false, Views{big});
  CHECK_FALSE(Read(c, after, 0, 1));
  CHECK(c.stats().entries == 0);
  c.Fill(0, "l", after, c.Stamp(0, "l"), 0, {"a", big});
  CHECK(c.stats().entries == 0);
  c.Fill(0, "l", after, c.Stamp(0, "l"), 0, {"a"});  // the small end alone is fine
  CHECK(Read(c, after, 0, 1) == Strings{"a"});
}

TEST_CASE("LSET updates a cached position in place and leaves the rest cached",
          "[types][list_cache]") {
  ListCache c(1 << 20, 2);
  ListTag t = RPush(c, nullptr, {"a", "b", "c", "d", "e"});  // front a b, back d e
  c.Set(0, "l", t, 1, "B");
  c.Set(0, "l", t, 4, "E");
  c.Set(0, "l", t, 2, "C");  // not cached: nothing to update
  CHECK(Read(c, t, 0, 2) == Strings{"a", "B"});
  CHECK(Read(c, t, 3, 2) == Strings{"d", "E"});
  CHECK_FALSE(Read(c, t, 2, 1));
  // A fill that read before the LSET is stale: the stamp moved.
  const uint64_t stamp = c.Stamp(0, "l");
  c.Set(0, "l", t, 0, "A");
  c.Fill(0, "l", t, stamp, 0, {"a", "B"});
  CHECK(Read(c, t, 0, 1) == Strings{"A"});
  // Against another state: the entry goes.
  ListTag other = t;
  other.tail += 1;
  c.Set(0, "l", other, 0, "x");
  CHECK(c.stats().entries == 0);
}
