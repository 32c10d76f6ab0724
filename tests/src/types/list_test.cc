#include "src/types/list.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "src/server/redis_error.h"
#include "tests/src/types/types_test_util.h"

using namespace lsmdb::server;
using lsmdb::server::test::KeyspaceFixture;
using Strings = std::vector<std::string>;
using Views = std::vector<std::string_view>;

namespace {

int64_t Push(KeyspaceFixture& f, std::string_view key, Views elems, bool left = false,
             bool x = false) {
  auto r = ListPush(*f.keyspace, *f.committer, 0, key, elems, left, x);
  REQUIRE(r.ok());
  return *r;
}

Strings Range(KeyspaceFixture& f, std::string_view key, int64_t start = 0, int64_t stop = -1) {
  auto r = ListRange(*f.keyspace, 0, key, start, stop);
  REQUIRE(r.ok());
  return *r;
}

Strings Pop(KeyspaceFixture& f, std::string_view key, bool left, size_t count) {
  auto r = ListPop(*f.keyspace, *f.committer, 0, key, left, count);
  REQUIRE(r.ok());
  return *r;
}

int64_t Len(KeyspaceFixture& f, std::string_view key) {
  auto r = ListLen(*f.keyspace, 0, key);
  REQUIRE(r.ok());
  return *r;
}

bool Exists(KeyspaceFixture& f, std::string_view key) {
  auto r = f.keyspace->Type(0, key);
  REQUIRE(r.ok());
  return *r != RedisType::kNone;
}

bool IsWrongType(const lsmdb::Status& s) { return s.message() == kErrWrongType; }

// LPOP/RPOP with a count on a deque model: the popped elements, in pop order.
Strings ModelPop(std::deque<std::string>& model, bool left, size_t n) {
  Strings out;
  for (size_t i = 0; i < n && !model.empty(); ++i) {
    out.push_back(left ? model.front() : model.back());
    if (left) {
      model.pop_front();
    } else {
      model.pop_back();
    }
  }
  return out;
}

// LMOVE on deque models (src and dst may be the same): the moved element,
// nullopt if src is empty.
std::optional<std::string> ModelMove(std::deque<std::string>& src, std::deque<std::string>& dst,
                                     bool from_left, bool to_left) {
  if (src.empty()) return std::nullopt;
  std::string e = from_left ? src.front() : src.back();
  if (from_left) {
    src.pop_front();
  } else {
    src.pop_back();
  }
  if (to_left) {
    dst.push_front(e);
  } else {
    dst.push_back(e);
  }
  return e;
}

}  // namespace

TEST_CASE("List pushes and pops keep Redis order at both ends", "[types][list]") {
  KeyspaceFixture f;
  CHECK(Push(f, "l", {"a", "b", "c"}) == 3);            // RPUSH: a b c
  CHECK(Push(f, "l", {"x", "y"}, /*left=*/true) == 5);  // LPUSH: y x a b c
  CHECK(Range(f, "l") == Strings{"y", "x", "a", "b", "c"});
  CHECK(Pop(f, "l", true, 1) == Strings{"y"});
  CHECK(Pop(f, "l", false, 2) == Strings{"c", "b"});
  CHECK(Pop(f, "l", true, 0).empty());
  CHECK(Len(f, "l") == 2);
  CHECK(Pop(f, "l", true, 10) == Strings{"x", "a"});
  CHECK_FALSE(Exists(f, "l"));  // the last pop deleted the key
  CHECK(Pop(f, "l", true, 1).empty());
  CHECK(Push(f, "l", {"z"}, false, /*only_if_exists=*/true) == 0);
  CHECK_FALSE(Exists(f, "l"));
}

TEST_CASE("List range and index follow Redis's index rules", "[types][list]") {
  KeyspaceFixture f;
  Push(f, "l", {"0", "1", "2", "3", "4"});
  CHECK(Range(f, "l", 1, 3) == Strings{"1", "2", "3"});
  CHECK(Range(f, "l", -2, -1) == Strings{"3", "4"});
  CHECK(Range(f, "l", -100, 100) == Strings{"0", "1", "2", "3", "4"});
  CHECK(Range(f, "l", 3, 1).empty());
  CHECK(Range(f, "l", 5, 10).empty());
  CHECK(Range(f, "missing").empty());
  auto i = ListIndex(*f.keyspace, 0, "l", -1);
  REQUIRE(i.ok());
  CHECK(**i == "4");
  i = ListIndex(*f.keyspace, 0, "l", 5);
  REQUIRE(i.ok());
  CHECK_FALSE(i->has_value());
  CHECK(ListSet(*f.keyspace, *f.committer, 0, "l", -2, "three").ok());
  CHECK(Range(f, "l", 3, 3) == Strings{"three"});
  CHECK(ListSet(*f.keyspace, *f.committer, 0, "l", 5, "x").message() == "ERR index out of range");
  CHECK(ListSet(*f.keyspace, *f.committer, 0, "nokey", 0, "x").message() == kErrNoSuchKey);
}

TEST_CASE("List commands refuse other types and see expired keys as absent", "[types][list]") {
  KeyspaceFixture f;
  REQUIRE(f.keyspace->Set(*f.committer, 0, "s", "v", SetOptions{}).ok());
  CHECK(IsWrongType(ListPush(*f.keyspace, *f.committer, 0, "s", Views{"a"}, true, false).status()));
  CHECK(IsWrongType(ListPop(*f.keyspace, *f.committer, 0, "s", true, 1).status()));
  CHECK(IsWrongType(ListLen(*f.keyspace, 0, "s").status()));
  CHECK(IsWrongType(ListRange(*f.keyspace, 0, "s", 0, -1).status()));
  Push(f, "l", {"a"});
  CHECK(IsWrongType(ListMove(*f.keyspace, *f.committer, 0, "l", "s", true, true).status()));
  CHECK(Range(f, "l") == Strings{"a"});  // nothing was popped

  // An expired list is absent; a push starts a fresh one.
  REQUIRE(f.keyspace->Expire(*f.committer, 0, "l", f.clock.now_ms + 10, 0).ok());
  f.clock.now_ms += 11;
  CHECK(Len(f, "l") == 0);
  CHECK(Push(f, "l", {"b"}) == 1);
  CHECK(Range(f, "l") == Strings{"b"});
}

TEST_CASE("LMOVE moves between lists and rotates one list", "[types][list]") {
  KeyspaceFixture f;
  Push(f, "src", {"a", "b", "c"});
  auto m = ListMove(*f.keyspace, *f.committer, 0, "src", "dst", false, true);
  REQUIRE(m.ok());
  CHECK(**m == "c");
  CHECK(Range(f, "dst") == Strings{"c"});
  m = ListMove(*f.keyspace, *f.committer, 0, "src", "src", true, false);  // rotate
  REQUIRE(m.ok());
  CHECK(**m == "a");
  CHECK(Range(f, "src") == Strings{"b", "a"});
  m = ListMove(*f.keyspace, *f.committer, 0, "missing", "dst", true, true);
  REQUIRE(m.ok());
  CHECK_FALSE(m->has_value());
  // Moving the last element deletes the source.
  Push(f, "one", {"x"});
  m = ListMove(*f.keyspace, *f.committer, 0, "one", "dst", true, false);
  REQUIRE(m.ok());
  CHECK_FALSE(Exists(f, "one"));
  CHECK(Range(f, "dst") == Strings{"c", "x"});
  // Single-element rotation keeps the key.
  m = ListMove(*f.keyspace, *f.committer, 0, "src", "src", false, false);
  REQUIRE(m.ok());
  CHECK(Range(f, "src") == Strings{"b", "a"});
}

TEST_CASE("LINSERT shifts the shorter side and LREM compacts", "[types][list]") {
  KeyspaceFixture f;
  Push(f, "l", {"a", "b", "c", "d", "e", "f"});
  auto r = ListInsert(*f.keyspace, *f.committer, 0, "l", true, "b", "X");  // head side
  REQUIRE(r.ok());
  CHECK(*r == 7);
  r = ListInsert(*f.keyspace, *f.committer, 0, "l", false, "e", "Y");  // tail side
  REQUIRE(r.ok());
  CHECK(Range(f, "l") == Strings{"a", "X", "b", "c", "d", "e", "Y", "f"});
  r = ListInsert(*f.keyspace, *f.committer, 0, "l", true, "nope", "Z");
  REQUIRE(r.ok());
  CHECK(*r == -1);
  r = ListInsert(*f.keyspace, *f.committer, 0, "missing", true, "a", "Z");
  REQUIRE(r.ok());
  CHECK(*r == 0);

  REQUIRE(f.keyspace->Del(*f.committer, 0, Views{"l"}).ok());
  Push(f, "l", {"x", "a", "x", "b", "x", "c", "x"});
  auto n = ListRem(*f.keyspace, *f.committer, 0, "l", 2, "x");
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(Range(f, "l") == Strings{"a", "b", "x", "c", "x"});
  n = ListRem(*f.keyspace, *f.committer, 0, "l", -1, "x");
  REQUIRE(n.ok());
  CHECK(Range(f, "l") == Strings{"a", "b", "x", "c"});
  n = ListRem(*f.keyspace, *f.committer, 0, "l", 0, "x");
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(Range(f, "l") == Strings{"a", "b", "c"});
  Push(f, "same", {"q", "q"});
  n = ListRem(*f.keyspace, *f.committer, 0, "same", 0, "q");
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK_FALSE(Exists(f, "same"));
}

TEST_CASE("LTRIM and LPOS", "[types][list]") {
  KeyspaceFixture f;
  Push(f, "l", {"a", "b", "c", "b", "a", "b"});
  ListPosOptions o;
  auto p = ListPos(*f.keyspace, 0, "l", "b", o);
  REQUIRE(p.ok());
  CHECK(*p == std::vector<int64_t>{1});
  o.rank = -1;
  o.count = 0;
  p = ListPos(*f.keyspace, 0, "l", "b", o);
  REQUIRE(p.ok());
  CHECK(*p == std::vector<int64_t>{5, 3, 1});
  o.rank = 2;
  o.count = 1;
  p = ListPos(*f.keyspace, 0, "l", "b", o);
  REQUIRE(p.ok());
  CHECK(*p == std::vector<int64_t>{3});
  o.rank = 1;
  o.count = 0;
  o.maxlen = 2;
  p = ListPos(*f.keyspace, 0, "l", "b", o);
  REQUIRE(p.ok());
  CHECK(*p == std::vector<int64_t>{1});

  REQUIRE(ListTrim(*f.keyspace, *f.committer, 0, "l", 1, -2).ok());
  CHECK(Range(f, "l") == Strings{"b", "c", "b", "a"});
  REQUIRE(ListTrim(*f.keyspace, *f.committer, 0, "l", 5, 10).ok());
  CHECK_FALSE(Exists(f, "l"));
  REQUIRE(ListTrim(*f.keyspace, *f.committer, 0, "l", 0, 1).ok());
}

TEST_CASE("Lists survive a reopen", "[types][list]") {
  KeyspaceFixture f;
  Push(f, "l", {"a", "b"});
  Push(f, "l", {"z"}, true);
  f.Reopen();
  CHECK(Range(f, "l") == Strings{"z", "a", "b"});
  CHECK(Len(f, "l") == 3);
}

TEST_CASE("Random list operations match a deque model", "[types][list]") {
  KeyspaceFixture f;
  std::deque<std::string> model;
  std::mt19937 rng(42);
  auto rand = [&](int n) { return static_cast<int>(rng() % n); };
  const char* values[] = {"a", "b", "c", "d"};
  for (int step = 0; step < 600; ++step) {
    const int op = rand(9);
    const std::string v = values[rand(4)];
    const int64_t len = static_cast<int64_t>(model.size());
    INFO("step " << step << " op " << op);
    if (op <= 1) {
      Push(f, "l", {v}, op == 0);
      if (op == 0) {
        model.push_front(v);
      } else {
        model.push_back(v);
      }
    } else if (op == 2) {
      const bool left = rand(2) == 0;
      const size_t n = rand(3);
      Strings got = Pop(f, "l", left, n);
      CHECK(got == ModelPop(model, left, n));
    } else if (op == 3) {
      const bool before = rand(2) == 0;
      const std::string e = std::string(values[rand(4)]) + "+";
      auto r = ListInsert(*f.keyspace, *f.committer, 0, "l", before, v, e);
      REQUIRE(r.ok());
      auto it = std::find(model.begin(), model.end(), v);
      if (model.empty()) {
        CHECK(*r == 0);
      } else if (it == model.end()) {
        CHECK(*r == -1);
      } else {
        model.insert(before ? it : it + 1, e);
        CHECK(*r == len + 1);
      }
    } else if (op == 4) {
      const int64_t count = rand(5) - 2;
      auto r = ListRem(*f.keyspace, *f.committer, 0, "l", count, v);
      REQUIRE(r.ok());
      int64_t removed = 0;
      if (count >= 0) {
        for (auto it = model.begin(); it != model.end();) {
          if (*it == v && (count == 0 || removed < count)) {
            it = model.erase(it);
            ++removed;
          } else {
            ++it;
          }
        }
      } else {
        for (int64_t i = len - 1; i >= 0 && removed < -count; --i) {
          if (model[i] == v) {
            model.erase(model.begin() + i);
            ++removed;
          }
        }
      }
      CHECK(*r == removed);
    } else if (op == 5 && len > 0) {
      const int64_t idx = rand(len);
      REQUIRE(ListSet(*f.keyspace, *f.committer, 0, "l", idx, v).ok());
      model[idx] = v;
    } else if (op == 6 && len > 8) {
      REQUIRE(ListTrim(*f.keyspace, *f.committer, 0, "l", 1, -2).ok());
      model.pop_front();
      model.pop_back();
    } else if (op == 7) {
      const bool from_left = rand(2) == 0;
      const bool to_left = rand(2) == 0;
      auto m = ListMove(*f.keyspace, *f.committer, 0, "l", "l", from_left, to_left);
      REQUIRE(m.ok());
      CHECK(*m == ModelMove(model, model, from_left, to_left));
    }
    CHECK(Range(f, "l") == Strings(model.begin(), model.end()));
    CHECK(Len(f, "l") == static_cast<int64_t>(model.size()));
    CHECK(Exists(f, "l") == !model.empty());
  }
}

TEST_CASE("Concurrent pushes and pops on one list lose nothing", "[types][list]") {
  KeyspaceFixture f;
  std::vector<std::thread> threads;
  std::atomic<int> popped{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&f, &popped, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string v = std::to_string(t * 1000 + i);
        auto r = ListPush(*f.keyspace, *f.committer, 0, "l", Views{v}, t % 2 == 0, false);
        if (!r.ok()) return;
        if (i % 4 == 0) {
          auto p = ListPop(*f.keyspace, *f.committer, 0, "l", t % 2 == 1, 1);
          if (p.ok()) popped += static_cast<int>(p->size());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(Len(f, "l") == 800 - popped.load());
  CHECK(static_cast<int>(Range(f, "l").size()) == 800 - popped.load());
}

TEST_CASE("List scans that reach an end do not walk the tombstones of earlier pops",
          "[types][list]") {
  // Pops leave engine tombstones just outside the list's [head, tail). A scan
  // that stepped past its last element would walk all of them (the engine
  // iterator does not stop at its upper bound), making LRANGE 0 -1 and LPOS
  // O(earlier pops) instead of O(length).
  KeyspaceFixture f;
  Push(f, "l", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  // An open snapshot keeps compactions from dropping the tombstones, as a
  // server's large memtable does for a while.
  const lsmdb::Snapshot* snapshot = f.db->GetSnapshot();
  std::vector<std::string> filler(1000, "filler");
  const Views filler_views(filler.begin(), filler.end());
  for (int round = 0; round < 30; ++round) {
    Push(f, "l", filler_views, /*left=*/true);
    Push(f, "l", filler_views, /*left=*/false);
    REQUIRE(Pop(f, "l", /*left=*/true, 1000).size() == 1000);
    REQUIRE(Pop(f, "l", /*left=*/false, 1000).size() == 1000);
  }
  const Strings all{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  REQUIRE(Range(f, "l") == all);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 300; ++i) {
    REQUIRE(Range(f, "l") == all);
    REQUIRE(Range(f, "l", -3, -1) == Strings{"7", "8", "9"});
    for (int64_t rank : {int64_t{1}, int64_t{-1}}) {
      auto pos = ListPos(*f.keyspace, 0, "l", "absent", ListPosOptions{rank, 0, 0});
      REQUIRE(pos.ok());
      REQUIRE(pos->empty());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.db->ReleaseSnapshot(snapshot);
  // 1200 scans of 10 elements: milliseconds; walking 30 000 tombstones each
  // took several seconds.
  CHECK(seconds < 1.5);
}

TEST_CASE("Random operations on long lists match a deque model with the list cache partly filled",
          "[types][list][list_cache]") {
  KeyspaceFixture f;
  ListCache& cache = f.keyspace->list_cache();
  std::deque<std::string> l, m;  // models of the lists "l" and "m"
  std::mt19937 rng(7);
  auto rand = [&](int n) { return static_cast<int>(rng() % n); };
  for (int i = 0; i < 3000; i += 100) {
    Views chunk;
    std::vector<std::string> owned;
    for (int j = 0; j < 100; ++j) owned.push_back("init" + std::to_string(i + j));
    for (const std::string& s : owned) chunk.push_back(s);
    Push(f, "l", chunk);
    l.insert(l.end(), owned.begin(), owned.end());
  }
  auto model_range = [](const std::deque<std::string>& d, int64_t first, int64_t n) {
    return Strings(d.begin() + first, d.begin() + first + n);
  };
  for (int step = 0; step < 6000; ++step) {
    const int op = rand(12);
    const int64_t len = static_cast<int64_t>(l.size());
    const std::string v = "s" + std::to_string(step);
    INFO("step " << step << " op " << op << " len " << len);
    if (op <= 1) {
      const bool left = op == 0;
      const int k = 1 + rand(3);
      std::vector<std::string> owned;
      for (int i = 0; i < k; ++i) owned.push_back(v + "_" + std::to_string(i));
      Views elems(owned.begin(), owned.end());
      CHECK(Push(f, "l", elems, left) == len + k);
      for (const std::string& e : owned) {
        if (left) {
          l.push_front(e);
        } else {
          l.push_back(e);
        }
      }
    } else if (op <= 3) {
      const bool left = op == 2;
      const size_t n = 1 + rand(4);
      const Strings want = ModelPop(l, left, n);
      CHECK(Pop(f, "l", left, n) == want);
    } else if (op <= 6 && len > 0) {
      // A range at the front, at the back, or anywhere.
      const int64_t n = 1 + rand(static_cast<int>(std::min<int64_t>(len, 1500)));
      const int where = rand(3);
      const int64_t first = where == 0 ? 0 : where == 1 ? len - n : rand(len - n + 1);
      CHECK(Range(f, "l", first, first + n - 1) == model_range(l, first, n));
      if (where == 1) CHECK(Range(f, "l", -n, -1) == model_range(l, first, n));
    } else if (op == 7 && len > 0) {
      const int near = rand(static_cast<int>(std::min<int64_t>(len, 40)));
      const int64_t idx = rand(2) == 0 ? near : len - 1 - near;
      auto got = ListIndex(*f.keyspace, 0, "l", rand(2) == 0 ? idx : idx - len);
      REQUIRE(got.ok());
      CHECK(**got == l[idx]);
      if (rand(2) == 0) {
        REQUIRE(ListSet(*f.keyspace, *f.committer, 0, "l", idx, v).ok());
        l[idx] = v;
        CHECK(**ListIndex(*f.keyspace, 0, "l", idx) == v);
      }
    } else if (op == 8) {
      // LMOVE between l and m, either direction.
      const bool to_m = rand(3) != 0;
      auto& src = to_m ? l : m;
      auto& dst = to_m ? m : l;
      const bool from_left = rand(2) == 0, to_left = rand(2) == 0;
      auto r = ListMove(*f.keyspace, *f.committer, 0, to_m ? "l" : "m", to_m ? "m" : "l", from_left,
                        to_left);
      REQUIRE(r.ok());
      CHECK(*r == ModelMove(src, dst, from_left, to_left));
      CHECK(Range(f, "m") == Strings(m.begin(), m.end()));
    } else if (op == 9 && len > 10) {
      const int a = rand(4), b = rand(4);
      REQUIRE(ListTrim(*f.keyspace, *f.committer, 0, "l", a, -1 - b).ok());
      l.erase(l.begin(), l.begin() + a);
      l.erase(l.end() - b, l.end());
    } else if (op == 10 && rand(40) == 0) {
      // The cache goes cold (or is squeezed) now and then.
      cache.SetCapacity(rand(2) == 0 ? 0 : 4096);
      cache.SetCapacity(kDefaultListCacheBytes);
    } else if (op == 11 && rand(300) == 0) {
      const std::string_view key = "l";
      REQUIRE(f.keyspace->Del(*f.committer, 0, std::span<const std::string_view>(&key, 1)).ok());
      l.clear();
    }
    if (step % 250 == 0) {
      CHECK(Range(f, "l") == Strings(l.begin(), l.end()));
      CHECK(Len(f, "l") == static_cast<int64_t>(l.size()));
    }
  }
  CHECK(Range(f, "l") == Strings(l.begin(), l.end()));
  // The run went through the cache and around it.
  CHECK(cache.stats().hits > 2000);
  CHECK(cache.stats().misses > 100);
}
