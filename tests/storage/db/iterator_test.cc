// Tests of the merging, concatenating and DB iterators against simple models:
// a sorted vector for the internal iterators, a std::map per snapshot for
// DBIter. Every test is randomized with fixed seeds and checks thousands of
// random moves, direction switches included.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "storage/db/concat_iterator.h"
#include "storage/db/db_iter.h"
#include "storage/db/dbformat.h"
#include "storage/db/merging_iterator.h"
#include "tests/storage/db/test_util.h"

namespace lsmdb::storage {
namespace {

using test::KV;
using test::VectorIterator;

std::string UserKey(int n) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%04d", n);
  return buf;
}

std::string RandomTarget(std::mt19937& rng, int max_user) {
  std::string user;
  switch (rng() % 8) {
    case 0:
      user = "";
      break;
    case 1:
      user = UserKey(static_cast<int>(rng() % (max_user + 2))) + "x";
      break;
    default:
      user = UserKey(static_cast<int>(rng() % (max_user + 2)));
      break;
  }
  return MakeInternalKey(user, rng() % 40, static_cast<ValueType>(rng() % 2));
}

// Model of an internal iterator: a position in a sorted vector, -1 = !Valid().
struct VectorModel {
  const std::vector<KV>* entries;
  long pos = -1;

  size_t size() const { return entries->size(); }
  void SeekToFirst() { pos = size() == 0 ? -1 : 0; }
  void SeekToLast() { pos = static_cast<long>(size()) - 1; }
  void Seek(const std::string& t) {
    size_t i = 0;
    while (i < size() && CompareInternalKey((*entries)[i].first, t) < 0) i++;
    pos = i == size() ? -1 : static_cast<long>(i);
  }
  void SeekForPrev(const std::string& t) {
    long i = static_cast<long>(size()) - 1;
    while (i >= 0 && CompareInternalKey((*entries)[i].first, t) > 0) i--;
    pos = i;
  }
  void Next() { pos = pos + 1 == static_cast<long>(size()) ? -1 : pos + 1; }
  void Prev() { pos = pos - 1; }
};

void CheckSame(const Iterator& it, const VectorModel& m) {
  REQUIRE(it.Valid() == (m.pos >= 0));
  if (m.pos >= 0) {
    REQUIRE(it.key() == (*m.entries)[m.pos].first);
    REQUIRE(it.value() == (*m.entries)[m.pos].second);
  }
}

// Runs `ops` random moves on `it` and the model, comparing after each.
void RandomWalk(Iterator& it, VectorModel& m, std::mt19937& rng, int ops, int max_user,
                const std::function<void()>& after_each = {}) {
  for (int i = 0; i < ops; i++) {
    unsigned op = rng() % 10;
    if (m.pos < 0 && op < 6) op = 6 + rng() % 4;
    if (op < 3) {
      it.Next();
      m.Next();
    } else if (op < 6) {
      it.Prev();
      m.Prev();
    } else if (op == 6) {
      std::string t = RandomTarget(rng, max_user);
      it.Seek(t);
      m.Seek(t);
    } else if (op == 7) {
      std::string t = RandomTarget(rng, max_user);
      it.SeekForPrev(t);
      m.SeekForPrev(t);
    } else if (op == 8) {
      it.SeekToFirst();
      m.SeekToFirst();
    } else {
      it.SeekToLast();
      m.SeekToLast();
    }
    CheckSame(it, m);
    REQUIRE(it.status().ok());
    if (after_each) after_each();
  }
}

void FullScans(Iterator& it, const std::vector<KV>& expected) {
  std::vector<KV> got;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    got.emplace_back(std::string(it.key()), std::string(it.value()));
  }
  REQUIRE(got == expected);
  got.clear();
  for (it.SeekToLast(); it.Valid(); it.Prev()) {
    got.emplace_back(std::string(it.key()), std::string(it.value()));
  }
  std::reverse(got.begin(), got.end());
  REQUIRE(got == expected);
  REQUIRE(it.status().ok());
}

TEST_CASE("Merging iterator yields every child entry in internal key order, ties by child",
          "[storage][iterator][merging]") {
  const int kMaxUser = 40;
  for (uint32_t seed = 1; seed <= 40; seed++) {
    std::mt19937 rng(seed);
    const size_t nchildren = std::vector<size_t>{0, 1, 2, 3, 4, 5, 8, 13}[seed % 8];
    std::vector<std::vector<KV>> data(nchildren);
    std::vector<std::pair<KV, size_t>> all;  // entry, child
    for (size_t c = 0; c < nchildren; c++) {
      std::set<std::string, InternalKeyLess> keys;
      const int n = static_cast<int>(rng() % 60);
      for (int i = 0; i < n; i++) {
        // Few sequences so that equal internal keys appear in several children.
        keys.insert(MakeInternalKey(UserKey(static_cast<int>(rng() % kMaxUser)), rng() % 6,
                                    static_cast<ValueType>(rng() % 2)));
      }
      int i = 0;
      for (const std::string& k : keys) {
        KV kv{k, "c" + std::to_string(c) + "." + std::to_string(i++)};
        data[c].push_back(kv);
        all.emplace_back(kv, c);
      }
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      int r = CompareInternalKey(a.first.first, b.first.first);
      return r < 0 || (r == 0 && a.second < b.second);
    });
    std::vector<KV> expected;
    for (auto& e : all) expected.push_back(e.first);

    std::vector<std::unique_ptr<Iterator>> children;
    for (auto& d : data) children.push_back(std::make_unique<VectorIterator>(d));
    std::unique_ptr<Iterator> it = NewMergingIterator(std::move(children));
    INFO("seed " << seed << " children " << nchildren << " entries " << expected.size());
    FullScans(*it, expected);
    VectorModel m{&expected};
    it->SeekToFirst();
    m.SeekToFirst();
    RandomWalk(*it, m, rng, 3000, kMaxUser);
  }
}

TEST_CASE("Merging iterator stops with the first failing child's status",
          "[storage][iterator][merging]") {
  std::vector<KV> good{{MakeInternalKey("a", 1, kTypeValue), "1"},
                       {MakeInternalKey("b", 1, kTypeValue), "2"}};
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(std::make_unique<VectorIterator>(good));
  children.push_back(
      std::make_unique<VectorIterator>(std::vector<KV>{}, nullptr, Status::IOError("disk")));
  children.push_back(
      std::make_unique<VectorIterator>(std::vector<KV>{}, nullptr, Status::Corruption("x")));
  children.push_back(nullptr);  // ignored
  std::unique_ptr<Iterator> it = NewMergingIterator(std::move(children));
  it->SeekToFirst();
  REQUIRE_FALSE(it->Valid());
  REQUIRE(it->status().IsIOError());
  it->Seek(MakeInternalKey("b", 9, kTypeValue));
  REQUIRE_FALSE(it->Valid());

  // A child failing in the middle of a scan stops the merge there.
  for (bool forward : {true, false}) {
    std::vector<KV> other{{MakeInternalKey("a", 2, kTypeValue), "0"},
                          {MakeInternalKey("c", 1, kTypeValue), "3"}};
    auto failing = std::make_unique<VectorIterator>(good);
    failing->FailAtEnd(Status::Corruption("bad block"));
    std::vector<std::unique_ptr<Iterator>> kids;
    kids.push_back(std::make_unique<VectorIterator>(other));
    kids.push_back(std::move(failing));
    std::unique_ptr<Iterator> m = NewMergingIterator(std::move(kids));
    int seen = 0;
    if (forward) {
      for (m->SeekToFirst(); m->Valid(); m->Next()) seen++;
    } else {
      for (m->SeekToLast(); m->Valid(); m->Prev()) seen++;
    }
    REQUIRE(seen == 3);  // forward: a@2 a@1 b; reverse: c b a@1
    REQUIRE(m->status().IsCorruption());
  }

  std::unique_ptr<Iterator> empty = NewMergingIterator({});
  empty->SeekToFirst();
  REQUIRE_FALSE(empty->Valid());
  REQUIRE(empty->status().ok());
}

TEST_CASE("Concatenating iterator matches the concatenation of a level's files",
          "[storage][iterator][concat]") {
  const int kMaxUser = 120;
  for (uint32_t seed = 1; seed <= 40; seed++) {
    std::mt19937 rng(seed * 7919);
    // Real entries use even user-key numbers; empty files get spans made of
    // keys "k<odd>" that hold no entry.
    std::set<std::string, InternalKeyLess> key_set;
    const int n = static_cast<int>(rng() % 150);
    for (int i = 0; i < n; i++) {
      key_set.insert(MakeInternalKey(UserKey(2 + 2 * static_cast<int>(rng() % (kMaxUser / 2))),
                                     rng() % 5, static_cast<ValueType>(rng() % 2)));
    }
    std::vector<KV> expected;
    for (const std::string& k : key_set) expected.emplace_back(k, "v" + k);

    std::vector<FileSpan> spans;
    std::vector<std::vector<KV>> files;
    size_t next = 0;
    int last_user = 0;  // even: empty spans use last_user + 1
    while (next < expected.size() || rng() % 3 == 0) {
      size_t take = rng() % 7;
      if (take == 0 || next == expected.size()) {
        if (next < expected.size() && ExtractUserKey(expected[next].first) == UserKey(last_user)) {
          continue;  // versions of one user key continue in the next file
        }
        int odd = last_user + 1;  // odd, between the neighbours' user keys
        spans.push_back({MakeInternalKey(UserKey(odd), 3, kTypeValue),
                         MakeInternalKey(UserKey(odd), 1, kTypeValue)});
        files.emplace_back();
        continue;
      }
      take = std::min(take, expected.size() - next);
      std::vector<KV> f(expected.begin() + next, expected.begin() + next + take);
      next += take;
      spans.push_back({f.front().first, f.back().first});
      last_user = std::stoi(std::string(ExtractUserKey(f.back().first).substr(1)));
      files.push_back(std::move(f));
    }
    // Consecutive empty files after the same key would share a span: drop
    // duplicates to keep the list strictly increasing.
    for (size_t i = 1; i < spans.size();) {
      if (CompareInternalKey(spans[i - 1].largest, spans[i].smallest) >= 0) {
        REQUIRE(files[i].empty());
        spans.erase(spans.begin() + i);
        files.erase(files.begin() + i);
      } else {
        i++;
      }
    }

    int live = 0;
    int opens = 0;
    std::unique_ptr<Iterator> it =
        NewConcatenatingIterator(spans, [&](size_t index) -> std::unique_ptr<Iterator> {
          opens++;
          REQUIRE(live == 0);  // the previous file was closed first
          return std::make_unique<VectorIterator>(files.at(index), &live);
        });
    INFO("seed " << seed << " files " << files.size() << " entries " << expected.size());
    FullScans(*it, expected);
    REQUIRE(live == 0);  // both scans ended past an end: nothing open
    VectorModel m{&expected};
    RandomWalk(*it, m, rng, 3000, kMaxUser, [&] { REQUIRE(live <= 1); });

    // Re-seeking inside the open file does not reopen it.
    if (!expected.empty()) {
      it->Seek(expected.front().first);
      const int before = opens;
      it->Seek(expected.front().first);
      REQUIRE(opens == before);
    }
  }
}

TEST_CASE("Concatenating iterator stops at a file that fails to open",
          "[storage][iterator][concat]") {
  std::vector<std::vector<KV>> files = {
      {{MakeInternalKey("a", 1, kTypeValue), "a"}},
      {{MakeInternalKey("c", 1, kTypeValue), "c"}},
      {{MakeInternalKey("e", 1, kTypeValue), "e"}},
  };
  std::vector<FileSpan> spans;
  for (auto& f : files) spans.push_back({f.front().first, f.back().first});
  std::unique_ptr<Iterator> it = NewConcatenatingIterator(spans, [&](size_t i) {
    return std::make_unique<VectorIterator>(files[i], nullptr,
                                            i == 1 ? Status::IOError("bad file") : Status::OK());
  });
  it->SeekToFirst();
  REQUIRE(it->Valid());
  REQUIRE(it->value() == "a");
  it->Next();
  REQUIRE_FALSE(it->Valid());
  REQUIRE(it->status().IsIOError());
  it->Seek(MakeInternalKey("d", 9, kTypeValue));
  REQUIRE(it->Valid());
  REQUIRE(it->value() == "e");
  REQUIRE(it->status().ok());
  it->SeekForPrev(MakeInternalKey("d", 9, kTypeValue));
  REQUIRE_FALSE(it->Valid());
  REQUIRE(it->status().IsIOError());

  std::unique_ptr<Iterator> null_open =
      NewConcatenatingIterator(spans, [](size_t) { return std::unique_ptr<Iterator>(); });
  null_open->SeekToFirst();
  REQUIRE_FALSE(null_open->Valid());
  REQUIRE(null_open->status().IsIOError());

  std::unique_ptr<Iterator> none =
      NewConcatenatingIterator({}, [](size_t) { return std::unique_ptr<Iterator>(); });
  none->SeekToLast();
  REQUIRE_FALSE(none->Valid());
  none->Seek("zzzzzzzzz");
  REQUIRE_FALSE(none->Valid());
  REQUIRE(none->status().ok());
}

// ---- DBIter -------------------------------------------------------------

struct Op {
  uint64_t seq;
  std::string key;
  bool del;
  std::string value;
};

using Model = std::map<std::string, std::string>;

Model ModelAt(const std::vector<Op>& ops, uint64_t snapshot) {
  Model m;
  for (const Op& op : ops) {
    if (op.seq > snapshot) continue;
    if (op.del) {
      m.erase(op.key);
    } else {
      m[op.key] = op.value;
    }
  }
  return m;
}

void CheckSame(const Iterator& it, const Model& model, Model::const_iterator pos) {
  REQUIRE(it.Valid() == (pos != model.end()));
  if (pos != model.end()) {
    REQUIRE(it.key() == pos->first);
    REQUIRE(it.value() == pos->second);
  }
}

std::string RandomUserTarget(std::mt19937& rng, int nkeys) {
  switch (rng() % 6) {
    case 0:
      return "";
    case 1:
      return UserKey(static_cast<int>(rng() % (nkeys + 2))) + "x";
    default:
      return UserKey(static_cast<int>(rng() % (nkeys + 2)));
  }
}

// Builds a merged internal iterator over ops spread randomly across children.
std::unique_ptr<Iterator> BuildInternal(const std::vector<Op>& ops, size_t nchildren,
                                        std::mt19937& rng, int* live = nullptr) {
  std::vector<std::vector<KV>> data(nchildren);
  for (const Op& op : ops) {
    data[rng() % nchildren].emplace_back(
        MakeInternalKey(op.key, op.seq, op.del ? kTypeDeletion : kTypeValue),
        op.del ? "" : op.value);
  }
  std::vector<std::unique_ptr<Iterator>> children;
  for (auto& d : data) {
    std::sort(d.begin(), d.end(),
              [](const KV& a, const KV& b) { return CompareInternalKey(a.first, b.first) < 0; });
    children.push_back(std::make_unique<VectorIterator>(std::move(d), live));
  }
  return NewMergingIterator(std::move(children));
}

TEST_CASE("DBIter shows the newest visible version of each key at every snapshot",
          "[storage][iterator][dbiter]") {
  for (uint32_t seed = 1; seed <= 24; seed++) {
    std::mt19937 rng(seed * 104729);
    const int nkeys = 1 + static_cast<int>(rng() % 40);
    const int nops = static_cast<int>(rng() % 400);
    const int hot = static_cast<int>(rng() % nkeys);  // gets many versions
    std::vector<Op> ops;
    for (int i = 0; i < nops; i++) {
      Op op;
      op.seq = static_cast<uint64_t>(i + 1);
      op.key = rng() % 3 == 0 ? UserKey(hot) : UserKey(static_cast<int>(rng() % nkeys));
      if (seed % 5 == 0 && rng() % 10 == 0) op.key = "";  // the empty user key
      op.del = rng() % 10 < 3;
      if (!op.del) op.value = rng() % 8 == 0 ? "" : "v" + std::to_string(op.seq);
      ops.push_back(op);
    }
    std::vector<uint64_t> snapshots = {0,
                                       static_cast<uint64_t>(nops) / 4,
                                       static_cast<uint64_t>(nops) / 2,
                                       static_cast<uint64_t>(nops),
                                       kMaxSequenceNumber,
                                       rng() % (nops + 1)};
    for (uint64_t snap : snapshots) {
      const Model model = ModelAt(ops, snap);
      std::vector<KV> expected(model.begin(), model.end());
      const size_t nchildren = 1 + rng() % 6;
      INFO("seed " << seed << " snapshot " << snap << " children " << nchildren << " keys "
                   << model.size());
      std::unique_ptr<Iterator> it = NewDBIterator(BuildInternal(ops, nchildren, rng), snap);
      FullScans(*it, expected);

      auto pos = model.end();
      for (int i = 0; i < 3000; i++) {
        unsigned op = rng() % 10;
        if (pos == model.end() && op < 6) op = 6 + rng() % 4;
        if (op < 3) {
          it->Next();
          ++pos;
        } else if (op < 6) {
          it->Prev();
          pos = pos == model.begin() ? model.end() : std::prev(pos);
        } else if (op == 6) {
          std::string t = RandomUserTarget(rng, nkeys);
          it->Seek(t);
          pos = model.lower_bound(t);
        } else if (op == 7) {
          std::string t = RandomUserTarget(rng, nkeys);
          it->SeekForPrev(t);
          pos = model.upper_bound(t);
          pos = pos == model.begin() ? model.end() : std::prev(pos);
        } else if (op == 8) {
          it->SeekToFirst();
          pos = model.begin();
        } else {
          it->SeekToLast();
          pos = model.empty() ? model.end() : std::prev(model.end());
        }
        CheckSame(*it, model, pos);
        REQUIRE(it->status().ok());
      }
    }
  }
}

TEST_CASE("DBIter skips long runs of hidden versions in both directions",
          "[storage][iterator][dbiter]") {
  // One key with 200 versions around two others; snapshots in the middle.
  std::vector<Op> ops;
  uint64_t seq = 1;
  ops.push_back({seq++, "a", false, "a1"});
  for (int i = 0; i < 200; i++) {
    ops.push_back({seq++, "m", i % 50 == 49, "m" + std::to_string(i)});
  }
  ops.push_back({seq++, "z", false, "z1"});
  std::mt19937 rng(5);
  for (uint64_t snap : {uint64_t{1}, uint64_t{30}, uint64_t{50}, uint64_t{51}, uint64_t{120},
                        uint64_t{201}, uint64_t{202}, kMaxSequenceNumber}) {
    const Model model = ModelAt(ops, snap);
    std::vector<KV> expected(model.begin(), model.end());
    INFO("snapshot " << snap);
    std::unique_ptr<Iterator> it = NewDBIterator(BuildInternal(ops, 3, rng), snap);
    FullScans(*it, expected);
    it->Seek("m");
    CheckSame(*it, model, model.lower_bound("m"));
    it->SeekForPrev("m");
    auto p = model.upper_bound("m");
    CheckSame(*it, model, p == model.begin() ? model.end() : std::prev(p));
  }
}

TEST_CASE("DBIter runs its cleanup after destroying the internal iterator",
          "[storage][iterator][dbiter]") {
  std::mt19937 rng(1);
  int live = 0;
  bool cleaned = false;
  {
    std::vector<Op> ops = {{1, "a", false, "x"}, {2, "b", false, "y"}};
    std::unique_ptr<Iterator> it = NewDBIterator(BuildInternal(ops, 2, rng, &live), 2, [&] {
      REQUIRE(live == 0);
      cleaned = true;
    });
    REQUIRE(live == 2);
    it->SeekToFirst();
    REQUIRE(it->key() == "a");
  }
  REQUIRE(cleaned);
}

TEST_CASE("DBIter reports corrupted internal keys and internal errors",
          "[storage][iterator][dbiter]") {
  {
    std::vector<KV> bad = {{"ab", "short key"}};
    std::unique_ptr<Iterator> it =
        NewDBIterator(std::make_unique<VectorIterator>(bad), kMaxSequenceNumber);
    it->SeekToFirst();
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().IsCorruption());
    REQUIRE(it->status().message() == "corrupted internal key in DBIter");
    it->Seek("a");  // sticky
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().IsCorruption());
  }
  {
    std::string bad_type = "b";
    PutFixed64(&bad_type, PackTag(3, kTypeValue) | 7);
    std::vector<KV> entries = {{MakeInternalKey("a", 5, kTypeValue), "a"}, {bad_type, "b"}};
    std::unique_ptr<Iterator> it =
        NewDBIterator(std::make_unique<VectorIterator>(entries), kMaxSequenceNumber);
    it->SeekToFirst();
    REQUIRE(it->Valid());
    REQUIRE(it->key() == "a");
    it->Next();
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().IsCorruption());
    it->SeekToLast();
    REQUIRE_FALSE(it->Valid());
  }
  {
    std::vector<std::unique_ptr<Iterator>> children;
    children.push_back(std::make_unique<VectorIterator>(
        std::vector<KV>{{MakeInternalKey("a", 1, kTypeValue), "a"}}));
    children.push_back(
        std::make_unique<VectorIterator>(std::vector<KV>{}, nullptr, Status::IOError("disk")));
    std::unique_ptr<Iterator> it = NewDBIterator(NewMergingIterator(std::move(children)), 9);
    it->SeekToLast();
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().IsIOError());
  }
}

TEST_CASE("DBIter stops at its bounds instead of walking the deletions beyond them",
          "[storage][iterator]") {
  // A malformed internal key lies beyond 500 deletions on each side: a scan
  // that walked past its bound over the deletions would reach it and report
  // Corruption; one that stops at the bound never reads it.
  auto bad_key = [](std::string user_key) {
    PutFixed64(&user_key, PackTag(3, kTypeValue) | 7);  // type 7: no such type
    return user_key;
  };
  auto numbered = [](char c, int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%c%04d", c, i);
    return std::string(buf);
  };
  std::vector<KV> entries;
  entries.push_back({bad_key("a"), "x"});
  for (int i = 0; i < 500; i++) {
    entries.push_back({MakeInternalKey(numbered('b', i), 10, kTypeDeletion), ""});
  }
  entries.push_back({MakeInternalKey("m", 5, kTypeValue), "m"});
  entries.push_back({MakeInternalKey("n", 5, kTypeValue), "n"});
  for (int i = 0; i < 500; i++) {
    entries.push_back({MakeInternalKey(numbered('x', i), 10, kTypeDeletion), ""});
  }
  entries.push_back({bad_key("z"), "x"});

  SECTION("forward, with an upper bound") {
    DBIterBounds bounds;
    bounds.upper = "o";
    auto it = NewDBIterator(std::make_unique<VectorIterator>(entries), 20, {}, bounds);
    it->Seek("m");
    REQUIRE(it->Valid());
    it->Next();
    REQUIRE(it->key() == "n");
    it->Next();
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().ok());
  }
  SECTION("backward, with a lower bound") {
    DBIterBounds bounds;
    bounds.lower = "c";
    auto it = NewDBIterator(std::make_unique<VectorIterator>(entries), 20, {}, bounds);
    it->SeekForPrev("n");
    REQUIRE(it->Valid());
    REQUIRE(it->key() == "n");
    it->Prev();
    REQUIRE(it->key() == "m");
    it->Prev();
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().ok());
  }
  SECTION("without bounds the same scans walk on and meet the damage") {
    auto it = NewDBIterator(std::make_unique<VectorIterator>(entries), 20);
    it->Seek("n");
    it->Next();
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().IsCorruption());
  }
}

}  // namespace
}  // namespace lsmdb::storage
