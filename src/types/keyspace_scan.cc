// Keyspace: commands that iterate over a database (KEYS, SCAN, RANDOMKEY,
// DBSIZE, SEARCHRANGE) and FLUSHDB/FLUSHALL.
//
// All live keys of db d are the metadata records under MetaPrefix(d, epoch),
// in byte order of the user key. A pattern's literal prefix narrows the range
// to MetaPrefix + literal, so KEYS/SCAN with "user:*" never read other keys.
// In the cluster layout (encoding.h) a 2-byte slot precedes the user key:
// the literal narrows the range only when it fixes the slot (PatternRange).

#include <memory>
#include <mutex>
#include <random>
#include <set>

#include "cluster/slot.h"
#include "src/server/redis_error.h"
#include "src/types/compaction_filter.h"
#include "src/types/glob.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// The type and liveness of a metadata value; false for a malformed one.
bool LiveType(std::string_view value, int64_t now_ms, RedisType* type) {
  int64_t expire_at_ms;
  if (!PeekMetadata(value, type, &expire_at_ms)) return false;
  return expire_at_ms == 0 || now_ms <= expire_at_ms;
}

// Where the keys that may match `pattern` are: MetaPrefix + literal prefix
// in the plain layout. In the cluster layout MetaPrefix + slot + literal when
// all matches share one slot (the pattern is all literal, or its literal
// prefix holds a complete, non-empty {hash tag}), else all of MetaPrefix.
std::string PatternRange(const std::string& prefix, std::string_view pattern) {
  const std::string_view lit = GlobLiteralPrefix(pattern);
  if (MetaSlotBytes() == 0) return prefix + std::string(lit);
  bool one_slot = !pattern.empty() && lit.size() == pattern.size();
  const size_t open = lit.find('{');
  if (open != std::string_view::npos) {
    const size_t close = lit.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) one_slot = true;
  }
  if (!one_slot) return prefix;
  const int slot = cluster::KeySlot(lit);
  std::string range = prefix;
  range.push_back(static_cast<char>((slot >> 8) & 0xff));
  range.push_back(static_cast<char>(slot & 0xff));
  range.append(lit);
  return range;
}

}  // namespace

Result<std::vector<std::string>> Keyspace::Keys(int db, std::string_view pattern) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  const int64_t now = NowMs();
  const std::string prefix = MetaPrefix(db, Epoch(db));
  const std::string seek = PatternRange(prefix, pattern);
  const size_t skip = prefix.size() + MetaSlotBytes();
  const bool match_all = pattern == "*";
  std::vector<std::string> keys;
  std::unique_ptr<lsmdb::Iterator> it = db_->NewIterator(lsmdb::ReadOptions{});
  for (it->Seek(seek); it->Valid() && StartsWith(it->key(), seek); it->Next()) {
    RedisType type;
    if (!LiveType(it->value(), now, &type)) continue;
    std::string_view user_key = it->key().substr(skip);
    if (match_all || GlobMatch(pattern, user_key)) keys.emplace_back(user_key);
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return keys;
}

Result<Keyspace::ScanResult> Keyspace::Scan(int db, uint64_t cursor, std::string_view pattern,
                                            size_t count, std::string_view type_name) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  std::optional<ScanCursorTable::Position> pos;
  if (cursor != 0) {
    pos = cursors_.Find(cursor);
    if (!pos || pos->db != db) return RedisError("ERR invalid cursor");
  }
  const int64_t now = NowMs();
  const std::string prefix = MetaPrefix(db, Epoch(db));
  const std::string range = PatternRange(prefix, pattern);
  const bool use_pattern = !pattern.empty() && pattern != "*";
  std::unique_ptr<lsmdb::Iterator> it = db_->NewIterator(lsmdb::ReadOptions{});
  if (pos) {
    const std::string resume = prefix + pos->last_key;
    it->Seek(resume < range ? range : resume);
    if (it->Valid() && it->key() == resume) it->Next();
  } else {
    it->Seek(range);
  }
  ScanResult result;
  size_t examined = 0;
  std::string last;  // copied: the iterator's views die when it moves
  for (; it->Valid() && StartsWith(it->key(), range) && examined < count; it->Next()) {
    ++examined;
    // The cursor remembers the key after MetaPrefix (slot included).
    last.assign(it->key().substr(prefix.size()));
    std::string_view user_key = it->key().substr(prefix.size() + MetaSlotBytes());
    RedisType type;
    if (!LiveType(it->value(), now, &type)) continue;
    if (use_pattern && !GlobMatch(pattern, user_key)) continue;
    if (!type_name.empty() && !EqualsIgnoreCase(type_name, TypeName(type))) continue;
    result.keys.emplace_back(user_key);
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  if (it->Valid() && StartsWith(it->key(), range)) {
    result.cursor = cursors_.Add(db, last);
  }
  return result;
}

Result<std::optional<std::string>> Keyspace::RandomKey(int db) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  const int64_t now = NowMs();
  const std::string prefix = MetaPrefix(db, Epoch(db));
  std::unique_ptr<lsmdb::Iterator> it = db_->NewIterator(lsmdb::ReadOptions{});
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // Random descent, one byte per level: among the keys that start with the
  // bytes chosen so far, pick a byte uniformly between the smallest and the
  // largest next byte (or "the prefix itself" if it is a key), then move to
  // the first key at or after that byte. Keys after sparse gaps are likelier,
  // but dense ranges (digits, letters) come out close to uniform.
  std::string chosen;  // user-key prefix chosen so far
  for (size_t depth = 0; depth < 64; ++depth) {
    it->Seek(prefix + chosen);
    if (!it->Valid() || !StartsWith(it->key(), prefix + chosen)) break;
    const std::string lo_key(it->key().substr(prefix.size()));
    const std::string succ = PrefixSuccessor(prefix + chosen);
    if (succ.empty()) {
      it->SeekToLast();
    } else {
      it->Seek(succ);
      if (it->Valid()) {
        it->Prev();
      } else {
        it->SeekToLast();
      }
    }
    if (!it->Valid()) break;
    const std::string hi_key(it->key().substr(prefix.size()));
    if (lo_key == hi_key || hi_key.size() <= depth) {
      chosen = lo_key;
      break;
    }
    const int hi = static_cast<unsigned char>(hi_key[depth]);
    int lo;
    bool prefix_is_key = false;
    if (lo_key.size() > depth) {
      lo = static_cast<unsigned char>(lo_key[depth]);
    } else {
      // The prefix is itself a key: it is one choice, the bytes of the
      // longer keys (from the next key's byte to hi) are the others.
      prefix_is_key = true;
      it->Seek(prefix + lo_key);
      if (it->Valid()) it->Next();
      if (!it->Valid() || !StartsWith(it->key(), prefix + chosen)) break;
      lo = static_cast<unsigned char>(it->key()[prefix.size() + depth]);
    }
    const uint64_t choices = static_cast<uint64_t>(hi - lo + 1) + (prefix_is_key ? 1 : 0);
    const uint64_t pick = rng() % choices;
    if (prefix_is_key && pick == choices - 1) break;  // the prefix key itself
    const int b = lo + static_cast<int>(pick);
    it->Seek(prefix + chosen + static_cast<char>(b));
    if (!it->Valid() || !StartsWith(it->key(), prefix)) break;
    chosen.assign(it->key().substr(prefix.size(), depth + 1));
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  const std::string target = prefix + chosen;
  // The first live key from the target to the end, then from the start.
  for (int pass = 0; pass < 2; ++pass) {
    for (it->Seek(pass == 0 ? target : prefix); it->Valid() && StartsWith(it->key(), prefix);
         it->Next()) {
      if (pass == 1 && it->key() >= target) break;
      RedisType type;
      if (LiveType(it->value(), now, &type)) {
        return std::optional<std::string>(
            std::string(it->key().substr(prefix.size() + MetaSlotBytes())));
      }
    }
    LSMDB_RETURN_IF_ERROR(it->status());
  }
  return std::optional<std::string>();
}

Result<int64_t> Keyspace::DbSize(int db) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  const int64_t now = NowMs();
  const std::string prefix = MetaPrefix(db, Epoch(db));
  int64_t count = 0;
  std::unique_ptr<lsmdb::Iterator> it = db_->NewIterator(lsmdb::ReadOptions{});
  for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
    RedisType type;
    if (LiveType(it->value(), now, &type)) ++count;
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return count;
}

Status Keyspace::FlushDbs(Committer& committer, int first_db, int last_db) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  // Every key stripe, in ascending order (the order all writers use): a write
  // that read the old epoch commits before the new epoch exists, never after,
  // so no acknowledged write lands in a flushed epoch.
  std::vector<std::unique_lock<std::mutex>> stripes;
  stripes.reserve(KeyLockTable::kStripes);
  for (size_t i = 0; i < KeyLockTable::kStripes; ++i) stripes.emplace_back(locks_.stripe(i));
  std::lock_guard<std::mutex> lock(flush_mu_);
  WriteBatch batch;
  for (int db = first_db; db <= last_db; ++db) {
    batch.Put(EpochKey(db), EncodeEpoch(Epoch(db) + 1));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  for (int db = first_db; db <= last_db; ++db) {
    const uint32_t next = Epoch(db) + 1;
    // The filter first: it must never lag behind the epoch readers use.
    if (filter_ != nullptr) filter_->SetEpoch(db, next);
    epochs_[db].store(next, std::memory_order_release);
  }
  return Status::OK();
}

Status Keyspace::FlushDb(Committer& committer, int db) { return FlushDbs(committer, db, db); }

Status Keyspace::FlushAll(Committer& committer) { return FlushDbs(committer, 0, kNumDbs - 1); }

Result<Keyspace::RangeResult> Keyspace::SearchRange(int db, std::string_view start,
                                                    std::string_view end, size_t limit) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  const int64_t now = NowMs();
  const std::string prefix = MetaPrefix(db, Epoch(db));
  RangeResult result;
  std::unique_ptr<lsmdb::Iterator> it = db_->NewIterator(lsmdb::ReadOptions{});
  if (MetaSlotBytes() != 0) {
    // Cluster layout: keys are in slot order, so the limit + 1 smallest keys
    // in [start, end) are picked from the whole db (O(keys)).
    std::set<std::string> best;
    for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
      std::string_view user_key = it->key().substr(prefix.size() + MetaSlotBytes());
      if (user_key < start || (!end.empty() && user_key >= end)) continue;
      if (best.size() > limit && user_key >= *best.rbegin()) continue;
      RedisType type;
      if (!LiveType(it->value(), now, &type)) continue;
      best.emplace(user_key);
      if (best.size() > limit + 1) best.erase(std::prev(best.end()));
    }
    LSMDB_RETURN_IF_ERROR(it->status());
    for (const std::string& k : best) {
      if (result.keys.size() >= limit) {
        result.next = k;
        result.more = true;
        break;
      }
      result.keys.push_back(k);
    }
    return result;
  }
  for (it->Seek(prefix + std::string(start)); it->Valid() && StartsWith(it->key(), prefix);
       it->Next()) {
    std::string_view user_key = it->key().substr(prefix.size());
    if (!end.empty() && user_key >= end) break;
    RedisType type;
    if (!LiveType(it->value(), now, &type)) continue;
    if (result.keys.size() >= limit) {
      result.next.assign(user_key);
      result.more = true;
      break;
    }
    result.keys.emplace_back(user_key);
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return result;
}

}  // namespace lsmdb::server
