// Redis lists (Redis 7.0 t_list.c semantics). The layout is drawn at the top
// of list.h:
//
//   'M' meta ... | version | count | head | tail        (count == tail - head)
//   'S' | db | len | key | version BE | index: fixed64 BE  -> element
//
// List position p (0 = first element) lives at index head + p.

#include "src/types/list.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <utility>

#include "lsmdb/db.h"
#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"
#include "src/types/list_cache.h"
#include "src/types/snapshot_reader.h"

namespace lsmdb::server {

namespace {

// Builds the element keys of one list version in one buffer: the prefix
// once, then only the trailing 8-byte index is rewritten.
class ElementKeys {
 public:
  ElementKeys(int db, std::string_view key, uint64_t version)
      : buf_(ElementPrefix(db, key, version)), prefix_size_(buf_.size()) {
    buf_.append(8, '\0');
  }
  std::string_view prefix() const { return std::string_view(buf_).substr(0, prefix_size_); }
  // The key of index `index`; valid until the next call.
  std::string_view At(uint64_t index) {
    char* p = buf_.data() + prefix_size_;
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((index >> (8 * (7 - i))) & 0xff);
    return buf_;
  }

 private:
  std::string buf_;
  size_t prefix_size_;
};

// The live list at `meta_key`: nullopt if absent or expired, WRONGTYPE if
// the key holds another type.
Result<std::optional<Metadata>> ReadList(Keyspace& ks, std::string_view meta_key,
                                         const lsmdb::ReadOptions& ro = lsmdb::ReadOptions{}) {
  LSMDB_RETURN_IF_ERROR(ks.status());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ks.ReadLive(meta_key, ks.NowMs(), ro.snapshot));
  if (meta && meta->type != RedisType::kList) return RedisError(kErrWrongType);
  return meta;
}

Metadata NewList(Keyspace& ks) {
  Metadata meta;
  meta.type = RedisType::kList;
  meta.version = ks.NewVersion();
  meta.list_head = kListInitialIndex;
  meta.list_tail = kListInitialIndex;
  return meta;
}

// Writes `meta` back, or deletes the key when the list became empty.
void PutMeta(WriteBatch& batch, std::string_view meta_key, const Metadata& meta) {
  if (meta.count == 0) {
    batch.Delete(meta_key);
  } else {
    batch.Put(meta_key, EncodeMetadata(meta));
  }
}

ListTag TagOf(const Metadata& meta) {
  return ListTag{meta.version, meta.list_head, meta.list_tail};
}

// Follows a list write in the cache (list_cache.h): `apply` reports the
// change after a commit; if the commit failed, the entry is dropped (the
// engine's state is then whatever it is; the next read refills).
template <typename Apply>
Status CommitAndCache(Keyspace& ks, Committer& c, WriteBatch& batch, int db, std::string_view key,
                      Apply&& apply) {
  Status st = c.Commit(batch);
  if (st.ok()) {
    apply(ks.list_cache());
  } else {
    ks.list_cache().Erase(db, key);
  }
  return st;
}

class CollectSink final : public ListElementSink {
 public:
  explicit CollectSink(std::vector<std::string>* out) : out_(out) {}
  void Begin(size_t n) override { out_->reserve(out_->size() + n); }
  void Element(std::string_view element) override { out_->emplace_back(element); }

 private:
  std::vector<std::string>* out_;
};

// Calls fn(element) for list positions [first, first + n) in order; the
// view is valid only during the call. One Get for a single element, else one
// bounded seek and a forward scan. On a non-OK return fn may have been
// called for a prefix of the positions.
template <typename Fn>
Status VisitPositions(Keyspace& ks, const lsmdb::ReadOptions& ro, const Metadata& meta,
                      ElementKeys& keys, uint64_t first, uint64_t n, Fn&& fn) {
  if (n == 0) return Status::OK();
  if (n == 1) {
    std::string value;
    LSMDB_ASSIGN_OR_RETURN(bool found,
                           ks.engine()->Get(ro, keys.At(meta.list_head + first), &value));
    if (!found) return Status::Corruption("list element missing");
    fn(std::string_view(value));
    return Status::OK();
  }
  // Bounded to the wanted positions: table files outside them are not opened.
  lsmdb::ReadOptions bounded = ro;
  bounded.lower_bound = std::string(keys.At(meta.list_head + first));
  bounded.upper_bound = std::string(keys.At(meta.list_head + first + n));
  std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(bounded);
  // Both bounds are the element prefix plus an 8-byte index, so every key
  // between them starts with the prefix, and one of size prefix + 8 ends in
  // an index in [first, first + n). The keys are distinct and ascending, so n
  // of that size are exactly the wanted indexes, in order: checking each
  // key's size and the count at the end detects any missing element.
  // No step past the last wanted element: the step would cost a merge of
  // every child iterator for nothing (the engine iterator itself stops at
  // upper_bound instead of walking the tombstones of earlier pops).
  const size_t key_size = keys.prefix().size() + 8;
  uint64_t seen = 0;
  it->Seek(*bounded.lower_bound);
  while (it->Valid()) {
    if (it->key().size() != key_size) return Status::Corruption("list element missing");
    fn(it->value());
    if (++seen == n) break;
    it->Next();
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  if (seen != n) return Status::Corruption("list element missing");
  return Status::OK();
}

// Reads list positions [first, first + n) in order into *out (appending).
Status ReadPositions(Keyspace& ks, const lsmdb::ReadOptions& ro, const Metadata& meta,
                     ElementKeys& keys, uint64_t first, uint64_t n, std::vector<std::string>* out) {
  out->reserve(out->size() + n);
  return VisitPositions(ks, ro, meta, keys, first, n,
                        [out](std::string_view v) { out->emplace_back(v); });
}

// Elements read per engine read when a pop misses the cache: the pops that
// follow take the rest from the cache, so a queue drained from one end costs
// one bounded scan per kPopReadAhead pops instead of one table read per pop.
constexpr uint64_t kPopReadAhead = 256;

// Appends to *out the n elements at one end of `meta` (left: positions
// [0, n), else [count - n, count)) in list order. For a pop: the caller holds
// the key lock. From the cache when it has them; else one engine read of up
// to kPopReadAhead elements at that end, which fills the cache.
Status ReadEnd(Keyspace& ks, int db, std::string_view key, std::string_view meta_key,
               const Metadata& meta, ElementKeys& keys, bool left, uint64_t n,
               std::vector<std::string>* out) {
  ListCache& cache = ks.list_cache();
  const ListTag tag = TagOf(meta);
  const uint64_t first = left ? 0 : meta.count - n;
  CollectSink sink(out);
  if (cache.Read(db, key, tag, first, n, sink)) return Status::OK();
  if (!cache.enabled() || n >= kPopReadAhead) {
    return ReadPositions(ks, lsmdb::ReadOptions{}, meta, keys, first, n, out);
  }
  // Stamp, then one snapshot for the metadata and the elements (the
  // contract of ListCache::Fill).
  const uint64_t stamp = cache.Stamp(db, key);
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> now, ReadList(ks, meta_key, snap.options()));
  if (!now || TagOf(*now) != tag) {
    return ReadPositions(ks, lsmdb::ReadOptions{}, meta, keys, first, n, out);
  }
  const uint64_t ahead = std::min<uint64_t>(meta.count, kPopReadAhead);
  const uint64_t ahead_first = left ? 0 : meta.count - ahead;
  std::vector<std::string> values;
  LSMDB_RETURN_IF_ERROR(ReadPositions(ks, snap.options(), meta, keys, ahead_first, ahead, &values));
  const uint64_t from = left ? 0 : ahead - n;
  out->insert(out->end(), values.begin() + static_cast<ptrdiff_t>(from),
              values.begin() + static_cast<ptrdiff_t>(from + n));
  cache.Fill(db, key, tag, stamp, ahead_first, std::move(values));
  return Status::OK();
}

// Positions [first, first + n) of the list whose metadata the caller read
// (latest, no snapshot) into `sink`: from the cache if it has them. Else from
// one engine snapshot, where the metadata is read again and `renormalize(count,
// &first, &last)` recomputes the wanted positions (false: none) for the list
// as the snapshot sees it. A range at an end of the list fills the cache.
template <typename Renormalize>
Status ReadRangeTo(Keyspace& ks, int db, std::string_view key, std::string_view meta_key,
                   const Metadata& meta, uint64_t first, uint64_t n, Renormalize&& renormalize,
                   ListElementSink& sink) {
  ListCache& cache = ks.list_cache();
  if (cache.Read(db, key, TagOf(meta), first, n, sink)) return Status::OK();
  const uint64_t stamp = cache.Stamp(db, key);
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> now, ReadList(ks, meta_key, snap.options()));
  int64_t lo = 0, hi = -1;
  if (!now || !renormalize(static_cast<int64_t>(now->count), &lo, &hi)) {
    sink.Begin(0);
    return Status::OK();
  }
  first = static_cast<uint64_t>(lo);
  n = static_cast<uint64_t>(hi - lo + 1);
  sink.Begin(n);
  ElementKeys keys(db, key, now->version);
  // An end of the list (Fill keeps up to `edge` elements of it, or a whole
  // list of up to 2 * edge); longer reads are not copied for it.
  const bool fill =
      cache.enabled() && n <= 2 * cache.edge() && (first == 0 || first + n == now->count);
  if (!fill) {
    return VisitPositions(ks, snap.options(), *now, keys, first, n,
                          [&sink](std::string_view v) { sink.Element(v); });
  }
  std::vector<std::string> values;
  values.reserve(n);
  LSMDB_RETURN_IF_ERROR(
      VisitPositions(ks, snap.options(), *now, keys, first, n, [&](std::string_view v) {
        sink.Element(v);
        values.emplace_back(v);
      }));
  cache.Fill(db, key, TagOf(*now), stamp, first, std::move(values));
  return Status::OK();
}

// Calls fn(position, element) for the elements from the head (forward) or
// from the tail, until fn returns false or the list ends.
template <typename Fn>
Status ScanList(Keyspace& ks, const lsmdb::ReadOptions& ro, const Metadata& meta, ElementKeys& keys,
                bool forward, Fn&& fn) {
  const std::string_view prefix = keys.prefix();
  lsmdb::ReadOptions bounded = ro;
  bounded.lower_bound = std::string(prefix);
  bounded.upper_bound = PrefixSuccessor(prefix);
  std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(bounded);
  if (forward) {
    it->Seek(keys.At(meta.list_head));
  } else {
    it->SeekForPrev(keys.At(meta.list_tail - 1));
  }
  // No step past the last element (beyond either end lie the tombstones of
  // earlier pops; ScanList's bound is the whole version prefix).
  for (uint64_t i = 0; i < meta.count && it->Valid(); ++i) {
    std::string_view k = it->key();
    if (k.size() != prefix.size() + 8 || k.substr(0, prefix.size()) != prefix) {
      return Status::Corruption("list element missing");
    }
    const int64_t pos = static_cast<int64_t>(forward ? i : meta.count - 1 - i);
    if (!fn(pos, it->value()) || i + 1 == meta.count) break;
    if (forward) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  return it->status();
}

}  // namespace

Result<int64_t> ListPush(Keyspace& ks, Committer& c, int db, std::string_view key,
                         std::span<const std::string_view> elements, bool left,
                         bool only_if_exists) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> found, ReadList(ks, meta_key));
  if (!found && only_if_exists) return int64_t{0};
  std::optional<ListTag> before;
  if (found) before = TagOf(*found);
  Metadata meta = found ? std::move(*found) : NewList(ks);
  ElementKeys keys(db, key, meta.version);
  WriteBatch batch;
  for (std::string_view e : elements) {
    const uint64_t index = left ? --meta.list_head : meta.list_tail++;
    batch.Put(keys.At(index), e);
  }
  meta.count += elements.size();
  batch.Put(meta_key, EncodeMetadata(meta));
  LSMDB_RETURN_IF_ERROR(CommitAndCache(ks, c, batch, db, key, [&](ListCache& cache) {
    cache.Pushed(db, key, before ? &*before : nullptr, TagOf(meta), left, elements);
  }));
  return static_cast<int64_t>(meta.count);
}

Result<std::vector<std::string>> ListPop(Keyspace& ks, Committer& c, int db, std::string_view key,
                                         bool left, size_t count) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadList(ks, meta_key));
  std::vector<std::string> out;
  if (!meta || count == 0) return out;
  const uint64_t n = std::min<uint64_t>(count, meta->count);
  const uint64_t first = left ? 0 : meta->count - n;
  ElementKeys keys(db, key, meta->version);
  const ListTag before = TagOf(*meta);
  LSMDB_RETURN_IF_ERROR(ReadEnd(ks, db, key, meta_key, *meta, keys, left, n, &out));
  if (!left) std::reverse(out.begin(), out.end());
  WriteBatch batch;
  for (uint64_t i = 0; i < n; ++i) batch.Delete(keys.At(meta->list_head + first + i));
  if (left) {
    meta->list_head += n;
  } else {
    meta->list_tail -= n;
  }
  meta->count -= n;
  PutMeta(batch, meta_key, *meta);
  LSMDB_RETURN_IF_ERROR(CommitAndCache(ks, c, batch, db, key, [&](ListCache& cache) {
    cache.Popped(db, key, before, TagOf(*meta));
  }));
  return out;
}

Result<std::optional<std::string>> ListMove(Keyspace& ks, Committer& c, int db,
                                            std::string_view src, std::string_view dst,
                                            bool from_left, bool to_left) {
  KeyLockGuard lock(ks.locks(), std::vector<int>{db}, std::vector<std::string_view>{src, dst});
  const std::string src_meta_key = ks.MetaKeyFor(db, src);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> src_meta, ReadList(ks, src_meta_key));
  if (!src_meta) return std::optional<std::string>();
  const bool same = src == dst;
  std::string dst_meta_key;
  std::optional<Metadata> dst_found;
  if (!same) {
    dst_meta_key = ks.MetaKeyFor(db, dst);
    LSMDB_ASSIGN_OR_RETURN(dst_found, ReadList(ks, dst_meta_key));
  }
  // Pop.
  ElementKeys src_keys(db, src, src_meta->version);
  std::vector<std::string> popped;
  const uint64_t pos = from_left ? 0 : src_meta->count - 1;
  const ListTag src_before = TagOf(*src_meta);
  LSMDB_RETURN_IF_ERROR(
      ReadEnd(ks, db, src, src_meta_key, *src_meta, src_keys, from_left, 1, &popped));
  WriteBatch batch;
  batch.Delete(src_keys.At(src_meta->list_head + pos));
  if (from_left) {
    ++src_meta->list_head;
  } else {
    --src_meta->list_tail;
  }
  --src_meta->count;
  const ListTag src_after_pop = TagOf(*src_meta);
  // Push (onto the same metadata when src == dst; the Put after the Delete
  // wins if it reuses the popped index).
  Metadata* dst_meta = &*src_meta;
  Metadata new_dst;
  std::optional<ListTag> dst_before;
  if (!same) {
    if (dst_found) dst_before = TagOf(*dst_found);
    new_dst = dst_found ? std::move(*dst_found) : NewList(ks);
    dst_meta = &new_dst;
  }
  ElementKeys dst_keys(db, dst, dst_meta->version);
  const uint64_t index = to_left ? --dst_meta->list_head : dst_meta->list_tail++;
  batch.Put(dst_keys.At(index), popped[0]);
  ++dst_meta->count;
  if (!same) {
    PutMeta(batch, src_meta_key, *src_meta);
    batch.Put(dst_meta_key, EncodeMetadata(*dst_meta));
  } else {
    batch.Put(src_meta_key, EncodeMetadata(*src_meta));
  }
  Status st = c.Commit(batch);
  ListCache& cache = ks.list_cache();
  if (!st.ok()) {
    cache.Erase(db, src);
    if (!same) cache.Erase(db, dst);
    return st;
  }
  const std::string_view moved[] = {popped[0]};
  cache.Popped(db, src, src_before, src_after_pop);
  if (same) {
    cache.Pushed(db, src, &src_after_pop, TagOf(*src_meta), to_left, moved);
  } else {
    cache.Pushed(db, dst, dst_before ? &*dst_before : nullptr, TagOf(new_dst), to_left, moved);
  }
  return std::optional<std::string>(std::move(popped[0]));
}

Result<int64_t> ListLen(Keyspace& ks, int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadList(ks, ks.MetaKeyFor(db, key)));
  return meta ? static_cast<int64_t>(meta->count) : int64_t{0};
}

Status ListRangeTo(Keyspace& ks, int db, std::string_view key, int64_t start, int64_t stop,
                   ListElementSink& sink) {
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadList(ks, meta_key));
  auto normalize = [start, stop](int64_t count, int64_t* first, int64_t* last) {
    return NormalizeIndexRange(start, stop, count, first, last);
  };
  int64_t first, last;
  if (!meta || !normalize(static_cast<int64_t>(meta->count), &first, &last)) {
    sink.Begin(0);
    return Status::OK();
  }
  return ReadRangeTo(ks, db, key, meta_key, *meta, static_cast<uint64_t>(first),
                     static_cast<uint64_t>(last - first + 1), normalize, sink);
}

Result<std::vector<std::string>> ListRange(Keyspace& ks, int db, std::string_view key,
                                           int64_t start, int64_t stop) {
  struct Collect final : ListElementSink {
    std::vector<std::string> out;
    void Begin(size_t n) override { out.reserve(n); }
    void Element(std::string_view element) override { out.emplace_back(element); }
  } collect;
  LSMDB_RETURN_IF_ERROR(ListRangeTo(ks, db, key, start, stop, collect));
  return std::move(collect.out);
}

Result<std::optional<std::string>> ListIndex(Keyspace& ks, int db, std::string_view key,
                                             int64_t index) {
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadList(ks, meta_key));
  auto position = [index](int64_t count, int64_t* first, int64_t* last) {
    const int64_t p = index < 0 ? index + count : index;
    *first = *last = p;
    return p >= 0 && p < count;
  };
  int64_t p, unused;
  if (!meta || !position(static_cast<int64_t>(meta->count), &p, &unused)) {
    return std::optional<std::string>();
  }
  std::vector<std::string> out;
  CollectSink sink(&out);
  LSMDB_RETURN_IF_ERROR(
      ReadRangeTo(ks, db, key, meta_key, *meta, static_cast<uint64_t>(p), 1, position, sink));
  if (out.empty()) return std::optional<std::string>();  // gone meanwhile
  return std::optional<std::string>(std::move(out[0]));
}

Status ListSet(Keyspace& ks, Committer& c, int db, std::string_view key, int64_t index,
               std::string_view element) {
  KeyLockGuard lock(ks.locks(), db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadList(ks, ks.MetaKeyFor(db, key)));
  if (!meta) return RedisError(kErrNoSuchKey);
  const auto len = static_cast<int64_t>(meta->count);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return RedisError("ERR index out of range");
  ElementKeys keys(db, key, meta->version);
  WriteBatch batch;
  batch.Put(keys.At(meta->list_head + index), element);
  return CommitAndCache(ks, c, batch, db, key, [&](ListCache& cache) {
    cache.Set(db, key, TagOf(*meta), static_cast<uint64_t>(index), element);
  });
}

Result<int64_t> ListInsert(Keyspace& ks, Committer& c, int db, std::string_view key, bool before,
                           std::string_view pivot, std::string_view element) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadList(ks, meta_key));
  if (!meta) return int64_t{0};
  ElementKeys keys(db, key, meta->version);
  // Scan from the head for the pivot, keeping what was read: if the head
  // side is the shorter one, those are exactly the elements to shift.
  std::vector<std::string> head_side;
  int64_t found = -1;
  LSMDB_RETURN_IF_ERROR(ScanList(ks, lsmdb::ReadOptions{}, *meta, keys, true,
                                 [&](int64_t pos, std::string_view value) {
                                   if (value == pivot) {
                                     found = pos;
                                     return false;
                                   }
                                   head_side.emplace_back(value);
                                   return true;
                                 }));
  if (found < 0) return int64_t{-1};
  const auto len = static_cast<int64_t>(meta->count);
  // The new element's position; the elements before it move down one index,
  // or those from it on move up one: whichever side is shorter.
  const int64_t at = before ? found : found + 1;
  WriteBatch batch;
  if (at <= len - at) {
    if (!before) head_side.emplace_back(pivot);  // the pivot is before `at` too
    for (int64_t i = 0; i < at; ++i) batch.Put(keys.At(meta->list_head - 1 + i), head_side[i]);
    --meta->list_head;
  } else {
    std::vector<std::string> tail_side;
    LSMDB_RETURN_IF_ERROR(
        ReadPositions(ks, lsmdb::ReadOptions{}, *meta, keys, at, len - at, &tail_side));
    for (int64_t i = len - 1; i >= at; --i) {
      batch.Put(keys.At(meta->list_head + i + 1), tail_side[i - at]);
    }
    ++meta->list_tail;
  }
  batch.Put(keys.At(meta->list_head + at), element);
  ++meta->count;
  batch.Put(meta_key, EncodeMetadata(*meta));
  LSMDB_RETURN_IF_ERROR(
      CommitAndCache(ks, c, batch, db, key, [&](ListCache& cache) { cache.Erase(db, key); }));
  return static_cast<int64_t>(meta->count);
}

Result<int64_t> ListRem(Keyspace& ks, Committer& c, int db, std::string_view key, int64_t count,
                        std::string_view element) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadList(ks, meta_key));
  if (!meta) return int64_t{0};
  ElementKeys keys(db, key, meta->version);
  const bool forward = count >= 0;
  const uint64_t limit = count == 0  ? UINT64_MAX
                         : count > 0 ? static_cast<uint64_t>(count)
                                     : static_cast<uint64_t>(-(count + 1)) + 1;
  std::vector<int64_t> removed;  // positions, in scan order
  LSMDB_RETURN_IF_ERROR(ScanList(ks, lsmdb::ReadOptions{}, *meta, keys, forward,
                                 [&](int64_t pos, std::string_view value) {
                                   if (value == element) removed.push_back(pos);
                                   return removed.size() < limit;
                                 }));
  if (removed.empty()) return int64_t{0};
  if (!forward) std::reverse(removed.begin(), removed.end());
  const auto len = static_cast<int64_t>(meta->count);
  const auto n = static_cast<int64_t>(removed.size());
  const int64_t lo = removed.front();
  const int64_t hi = removed.back();
  WriteBatch batch;
  if (n == len) {
    // Everything goes: drop the elements and the key.
    for (int64_t i = 0; i < len; ++i) batch.Delete(keys.At(meta->list_head + i));
    meta->count = 0;
  } else if (len - lo <= hi + 1) {
    // Compact [lo, len) toward the head; the last n indexes are freed.
    std::vector<std::string> part;
    LSMDB_RETURN_IF_ERROR(
        ReadPositions(ks, lsmdb::ReadOptions{}, *meta, keys, lo, len - lo, &part));
    int64_t to = lo;
    size_t r = 0;
    for (int64_t i = lo; i < len; ++i) {
      if (r < removed.size() && removed[r] == i) {
        ++r;
        continue;
      }
      if (to != i) batch.Put(keys.At(meta->list_head + to), part[i - lo]);
      ++to;
    }
    for (int64_t i = len - n; i < len; ++i) batch.Delete(keys.At(meta->list_head + i));
    meta->list_tail -= n;
    meta->count -= n;
  } else {
    // Compact [0, hi] toward the tail; the first n indexes are freed.
    std::vector<std::string> part;
    LSMDB_RETURN_IF_ERROR(ReadPositions(ks, lsmdb::ReadOptions{}, *meta, keys, 0, hi + 1, &part));
    int64_t to = hi;
    int64_t r = n - 1;
    for (int64_t i = hi; i >= 0; --i) {
      if (r >= 0 && removed[r] == i) {
        --r;
        continue;
      }
      if (to != i) batch.Put(keys.At(meta->list_head + to), part[i]);
      --to;
    }
    for (int64_t i = 0; i < n; ++i) batch.Delete(keys.At(meta->list_head + i));
    meta->list_head += n;
    meta->count -= n;
  }
  PutMeta(batch, meta_key, *meta);
  LSMDB_RETURN_IF_ERROR(
      CommitAndCache(ks, c, batch, db, key, [&](ListCache& cache) { cache.Erase(db, key); }));
  return n;
}

Status ListTrim(Keyspace& ks, Committer& c, int db, std::string_view key, int64_t start,
                int64_t stop) {
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadList(ks, meta_key));
  if (!meta) return Status::OK();
  const auto len = static_cast<int64_t>(meta->count);
  int64_t first = 0, last = -1;
  const bool keep_some = NormalizeIndexRange(start, stop, len, &first, &last);
  if (keep_some && first == 0 && last == len - 1) return Status::OK();
  const ListTag before = TagOf(*meta);
  WriteBatch batch;
  ElementKeys keys(db, key, meta->version);
  if (!keep_some) {
    // Nothing survives: the key goes; the elements are stale garbage that
    // the compaction filter drops (no other version can see them).
    batch.Delete(meta_key);
    return CommitAndCache(ks, c, batch, db, key, [&](ListCache& cache) { cache.Erase(db, key); });
  }
  for (int64_t i = 0; i < first; ++i) batch.Delete(keys.At(meta->list_head + i));
  for (int64_t i = last + 1; i < len; ++i) batch.Delete(keys.At(meta->list_head + i));
  meta->list_tail = meta->list_head + last + 1;
  meta->list_head += first;
  meta->count = last - first + 1;
  batch.Put(meta_key, EncodeMetadata(*meta));
  return CommitAndCache(ks, c, batch, db, key,
                        [&](ListCache& cache) { cache.Popped(db, key, before, TagOf(*meta)); });
}

Result<std::vector<int64_t>> ListPos(Keyspace& ks, int db, std::string_view key,
                                     std::string_view element, const ListPosOptions& options) {
  SnapshotReader snap(ks.engine());
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ReadList(ks, ks.MetaKeyFor(db, key), snap.options()));
  std::vector<int64_t> out;
  if (!meta) return out;
  const bool forward = options.rank > 0;
  // |rank| without overflow (LONG_MIN is rejected by the handler).
  const int64_t rank = forward ? options.rank : -options.rank;
  ElementKeys keys(db, key, meta->version);
  int64_t matches = 0;
  int64_t examined = 0;
  LSMDB_RETURN_IF_ERROR(
      ScanList(ks, snap.options(), *meta, keys, forward, [&](int64_t pos, std::string_view value) {
        if (options.maxlen != 0 && examined >= options.maxlen) {
          return false;
        }
        ++examined;
        if (value != element) return true;
        if (++matches < rank) return true;
        out.push_back(pos);
        return options.count == 0 || static_cast<int64_t>(out.size()) < options.count;
      }));
  return out;
}

}  // namespace lsmdb::server
