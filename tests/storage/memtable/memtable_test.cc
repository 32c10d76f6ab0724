#include "storage/memtable/memtable.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/db/dbformat.h"

namespace lsmdb::storage {
namespace {

using GetResult = MemTable::GetResult;

TEST_CASE("An empty memtable finds nothing", "[storage][memtable]") {
  auto mem = std::make_shared<MemTable>();
  CHECK(mem->Empty());
  CHECK(mem->NumEntries() == 0);
  std::string v;
  CHECK(mem->Get("a", kMaxSequenceNumber, &v) == GetResult::kNotPresent);
  auto it = mem->NewIterator();
  it->SeekToFirst();
  CHECK_FALSE(it->Valid());
  CHECK(it->status().ok());
}

TEST_CASE("Memtable Get returns the newest version visible at a snapshot", "[storage][memtable]") {
  auto mem = std::make_shared<MemTable>();
  mem->Add(10, kTypeValue, "k", "v10");
  mem->Add(20, kTypeValue, "k", "v20");
  mem->Add(30, kTypeDeletion, "k", "");
  mem->Add(40, kTypeValue, "k", "v40");
  mem->Add(15, kTypeValue, "j", "j15");
  mem->Add(16, kTypeValue, "kk", "kk16");
  mem->Add(17, kTypeValue, "", "empty-key");
  CHECK(mem->NumEntries() == 7);
  CHECK_FALSE(mem->Empty());
  CHECK(mem->ApproximateMemoryUsage() > 0);

  std::string v = "untouched";
  CHECK(mem->Get("k", 9, &v) == GetResult::kNotPresent);
  CHECK(v == "untouched");
  CHECK(mem->Get("k", 10, &v) == GetResult::kFound);
  CHECK(v == "v10");
  CHECK(mem->Get("k", 19, &v) == GetResult::kFound);
  CHECK(v == "v10");
  CHECK(mem->Get("k", 20, &v) == GetResult::kFound);
  CHECK(v == "v20");
  CHECK(mem->Get("k", 30, &v) == GetResult::kDeleted);
  CHECK(mem->Get("k", 39, &v) == GetResult::kDeleted);
  CHECK(mem->Get("k", 40, &v) == GetResult::kFound);
  CHECK(v == "v40");
  CHECK(mem->Get("k", kMaxSequenceNumber, &v) == GetResult::kFound);
  CHECK(v == "v40");
  CHECK(mem->Get("j", 100, &v) == GetResult::kFound);
  CHECK(v == "j15");
  CHECK(mem->Get("kk", 100, &v) == GetResult::kFound);
  CHECK(v == "kk16");
  CHECK(mem->Get("kk", 15, &v) == GetResult::kNotPresent);
  CHECK(mem->Get("", 100, &v) == GetResult::kFound);
  CHECK(v == "empty-key");
  CHECK(mem->Get("a", 100, &v) == GetResult::kNotPresent);
  CHECK(mem->Get("z", 100, &v) == GetResult::kNotPresent);
  CHECK(mem->Get(std::string("k\0", 2), 100, &v) == GetResult::kNotPresent);
}

TEST_CASE("Memtable handles long keys and values", "[storage][memtable]") {
  auto mem = std::make_shared<MemTable>();
  std::string big_key(1000, 'x');
  std::string big_value(100000, 'y');
  mem->Add(1, kTypeValue, big_key, big_value);
  std::string v;
  CHECK(mem->Get(big_key, 1, &v) == GetResult::kFound);
  CHECK(v == big_value);
  auto it = mem->NewIterator();
  it->Seek(MakeInternalKey(big_key, kMaxSequenceNumber, kValueTypeForSeek));
  REQUIRE(it->Valid());
  CHECK(ExtractUserKey(it->key()) == big_key);
  CHECK(it->value() == big_value);
}

TEST_CASE("Memtable iterator walks internal keys in order and seeks both ways",
          "[storage][memtable]") {
  auto mem = std::make_shared<MemTable>();
  std::mt19937 rng(42);
  // Reference: internal key -> value, in internal key order.
  std::map<std::string, std::string, InternalKeyLess> ref;
  uint64_t seq = 1;
  for (int i = 0; i < 3000; i++) {
    std::string key = "key" + std::to_string(rng() % 500);
    ValueType t = (rng() % 5 == 0) ? kTypeDeletion : kTypeValue;
    std::string value = t == kTypeValue ? "value" + std::to_string(i) : "";
    mem->Add(seq, t, key, value);
    ref[MakeInternalKey(key, seq, t)] = value;
    seq++;
  }
  auto it = mem->NewIterator();
  it->SeekToFirst();
  for (auto& [k, v] : ref) {
    REQUIRE(it->Valid());
    REQUIRE(it->key() == k);
    REQUIRE(it->value() == v);
    it->Next();
  }
  CHECK_FALSE(it->Valid());
  it->SeekToLast();
  for (auto r = ref.rbegin(); r != ref.rend(); ++r) {
    REQUIRE(it->Valid());
    REQUIRE(it->key() == r->first);
    it->Prev();
  }
  CHECK_FALSE(it->Valid());

  for (int i = 0; i < 2000; i++) {
    std::string key = "key" + std::to_string(rng() % 520);
    uint64_t s = rng() % (seq + 10);
    std::string target = MakeInternalKey(key, s, kValueTypeForSeek);
    it->Seek(target);
    auto lb = ref.lower_bound(target);
    if (lb == ref.end()) {
      REQUIRE_FALSE(it->Valid());
    } else {
      REQUIRE(it->Valid());
      REQUIRE(it->key() == lb->first);
      // Prev from a Seek lands on the entry before it.
      it->Prev();
      if (lb == ref.begin()) {
        REQUIRE_FALSE(it->Valid());
      } else {
        REQUIRE(it->Valid());
        REQUIRE(it->key() == std::prev(lb)->first);
      }
    }
    it->SeekForPrev(target);
    auto ub = ref.upper_bound(target);
    if (ub == ref.begin()) {
      REQUIRE_FALSE(it->Valid());
    } else {
      REQUIRE(it->Valid());
      REQUIRE(it->key() == std::prev(ub)->first);
    }
  }
  // SeekForPrev to an exact entry lands on it.
  const std::string& some = std::next(ref.begin(), 100)->first;
  it->SeekForPrev(some);
  REQUIRE(it->Valid());
  CHECK(it->key() == some);
}

TEST_CASE("A memtable iterator keeps its memtable alive", "[storage][memtable]") {
  std::unique_ptr<lsmdb::Iterator> it;
  {
    auto mem = std::make_shared<MemTable>();
    mem->Add(1, kTypeValue, "a", "1");
    mem->Add(2, kTypeValue, "b", "2");
    it = mem->NewIterator();
  }
  it->SeekToFirst();
  REQUIRE(it->Valid());
  CHECK(ExtractUserKey(it->key()) == "a");
  CHECK(it->value() == "1");
  it->Next();
  REQUIRE(it->Valid());
  CHECK(ExtractUserKey(it->key()) == "b");
  CHECK(ExtractSequence(it->key()) == 2);
  CHECK(ExtractValueType(it->key()) == kTypeValue);
}

// An entry as MemTable::Add lays it out (see memtable.h), for the comparator.
std::string EncodeEntry(std::string_view user_key, uint64_t seq, ValueType t) {
  std::string e;
  PutVarint32(&e, static_cast<uint32_t>(user_key.size() + 8));
  AppendInternalKey(&e, user_key, seq, t);
  PutVarint32(&e, 1);
  e.push_back('v');
  return e;
}

TEST_CASE("The memtable comparator agrees with the internal key order at every key length",
          "[storage][memtable]") {
  std::mt19937 rng(42);
  // A 3-letter alphabet and lengths 0..40 give long common prefixes, equal
  // keys with different tags, and every tail length of the 8-byte compare.
  auto random_key = [&] {
    std::string k(rng() % 41, '\0');
    for (char& c : k) c = "a\x80\0"[rng() % 3];
    return k;
  };
  MemTable::KeyComparator cmp;
  auto sign = [](int x) { return (x > 0) - (x < 0); };
  for (int i = 0; i < 20000; i++) {
    std::string ka = random_key();
    std::string kb = i % 4 == 0 ? ka : random_key();
    if (i % 7 == 0 && !kb.empty()) kb.pop_back();  // prefixes of each other
    const uint64_t sa = rng() % 4, sb = rng() % 4;
    const ValueType ta = rng() % 2 ? kTypeValue : kTypeDeletion;
    const ValueType tb = rng() % 2 ? kTypeValue : kTypeDeletion;
    std::string ea = EncodeEntry(ka, sa, ta), eb = EncodeEntry(kb, sb, tb);
    const int want =
        sign(CompareInternalKey(MakeInternalKey(ka, sa, ta), MakeInternalKey(kb, sb, tb)));
    REQUIRE(sign(cmp(ea.data(), eb.data())) == want);
    REQUIRE(sign(cmp(ea.data(), MemTable::KeyComparator::Decode(eb.data()))) == want);
    REQUIRE(sign(CompareBytes(ka.data(), ka.size(), kb.data(), kb.size())) == sign(ka.compare(kb)));
  }
}

TEST_CASE("Keys order bytewise, with embedded zero and high bytes", "[storage][memtable]") {
  auto mem = std::make_shared<MemTable>();
  std::vector<std::string> keys = {std::string("a\0b", 3), "a",    "ab", "\xff",
                                   std::string("\0", 1),   "a\x80"};
  uint64_t seq = 1;
  for (auto& k : keys) mem->Add(seq++, kTypeValue, k, k);
  std::sort(keys.begin(), keys.end());
  auto it = mem->NewIterator();
  it->SeekToFirst();
  for (auto& k : keys) {
    REQUIRE(it->Valid());
    CHECK(ExtractUserKey(it->key()) == k);
    std::string v;
    CHECK(mem->Get(k, 100, &v) == GetResult::kFound);
    CHECK(v == k);
    it->Next();
  }
  CHECK_FALSE(it->Valid());
}

TEST_CASE("Memtable Get of a hot key agrees with the skiplist at every snapshot",
          "[storage][memtable]") {
  // Sequences only grow (as the engine adds them), so the hot-entry cache is
  // on; 5000 keys share 2048 slots, so slots are also taken by other keys.
  auto mem = std::make_shared<MemTable>();
  std::mt19937_64 rng(7);
  std::map<std::string, std::map<uint64_t, std::string>> model;  // "" = deleted
  const uint64_t kN = 40000;
  for (uint64_t seq = 1; seq <= kN; seq++) {
    // Half the writes go to one hot key, the rest spread over 5000 keys.
    std::string key = rng() % 2 == 0 ? std::string("hot") : "k" + std::to_string(rng() % 5000);
    const bool del = rng() % 5 == 0;
    mem->Add(seq, del ? kTypeDeletion : kTypeValue, key, del ? "" : "v" + std::to_string(seq));
    model[key][seq] = del ? "" : "v" + std::to_string(seq);
    if (seq % 97 != 0) continue;
    for (int probe = 0; probe < 8; probe++) {
      std::string k = probe < 3 ? std::string("hot") : "k" + std::to_string(rng() % 5000);
      uint64_t snap = probe % 2 == 0 ? seq : 1 + rng() % seq;
      std::string v;
      GetResult got = mem->Get(k, snap, &v);
      GetResult want = GetResult::kNotPresent;
      std::string want_v;
      auto& versions = model[k];
      auto it = versions.upper_bound(snap);
      if (it != versions.begin()) {
        --it;
        want = it->second.empty() ? GetResult::kDeleted : GetResult::kFound;
        want_v = it->second;
      }
      REQUIRE(got == want);
      if (want == GetResult::kFound) REQUIRE(v == want_v);
    }
  }
}

TEST_CASE("Memtable Get stays right after an out-of-order sequence", "[storage][memtable]") {
  auto mem = std::make_shared<MemTable>();
  std::string v;
  mem->Add(5, kTypeValue, "k", "v5");
  CHECK(mem->Get("k", 10, &v) == GetResult::kFound);
  CHECK(v == "v5");
  mem->Add(3, kTypeValue, "k", "v3");  // older than the newest: not the answer
  CHECK(mem->Get("k", 10, &v) == GetResult::kFound);
  CHECK(v == "v5");
  CHECK(mem->Get("k", 4, &v) == GetResult::kFound);
  CHECK(v == "v3");
  CHECK(mem->Get("k", 2, &v) == GetResult::kNotPresent);
}

TEST_CASE("Memtable readers run concurrently with one writer", "[storage][memtable][concurrency]") {
  auto mem = std::make_shared<MemTable>();
  const uint64_t kN = 20000;
  std::atomic<uint64_t> last_seq{0};  // every seq <= last_seq has been added
  std::atomic<int> failures{0};       // Catch2 assertions are not thread-safe
  std::thread writer([&] {
    for (uint64_t seq = 1; seq <= kN; seq++) {
      std::string key = "key" + std::to_string(seq % 1000);
      mem->Add(seq, kTypeValue, key, std::to_string(seq));
      last_seq.store(seq, std::memory_order_release);
    }
  });
  std::thread reader([&] {
    std::string v;
    uint64_t seen;
    do {
      seen = last_seq.load(std::memory_order_acquire);
      if (seen == 0) continue;
      // The newest version of key (seen % 1000) visible at `seen` is seq `seen`.
      if (mem->Get("key" + std::to_string(seen % 1000), seen, &v) != GetResult::kFound ||
          v != std::to_string(seen)) {
        failures++;
      }
      auto it = mem->NewIterator();
      std::string prev;
      uint64_t n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (n > 0 && CompareInternalKey(prev, it->key()) >= 0) failures++;
        prev.assign(it->key());
        n++;
      }
      if (n < seen) failures++;
    } while (seen < kN);
  });
  writer.join();
  reader.join();
  CHECK(failures.load() == 0);
  CHECK(mem->NumEntries() == kN);
}

}  // namespace
}  // namespace lsmdb::storage
