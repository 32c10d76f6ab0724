// Keyspace: the string commands (GET, SET, INCR, APPEND, ...). Semantics follow
// Redis 7.0 t_string.c; the comments name the places where the order of checks
// matters for which error a client sees.

#include <cmath>
#include <set>
#include <utility>

#include "src/server/redis_error.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"

namespace lsmdb::server {

namespace {

Status WrongType() { return RedisError(kErrWrongType); }

Status CheckStringLength(int64_t size, int64_t append) {
  // t_string.c checkStringLength (the uint64 sum catches overflow).
  uint64_t total = static_cast<uint64_t>(size) + static_cast<uint64_t>(append);
  if (total > static_cast<uint64_t>(kMaxStringBytes)) {
    return RedisError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  return Status::OK();
}

// A string metadata record holding `value` with expiry `expire_at_ms`: the
// encoded header of an empty string (short: no allocation), then the value,
// which is the record's tail (encoding.h). One allocation, one copy.
std::string StringRecord(std::string_view value, int64_t expire_at_ms) {
  Metadata meta;
  meta.type = RedisType::kString;
  meta.expire_at_ms = expire_at_ms;
  std::string record = EncodeMetadata(meta);
  record.append(value);
  return record;
}

// Bytes before the value in a string record (the header EncodeMetadata writes).
size_t StringHeaderSize() {
  static const size_t size = EncodeMetadata(Metadata{}).size();
  return size;
}

// The live string at meta_key: nullopt if absent, WRONGTYPE if not a string.
Status RequireStringOrAbsent(const std::optional<Metadata>& meta) {
  if (meta && meta->type != RedisType::kString) return WrongType();
  return Status::OK();
}

}  // namespace

Result<std::optional<std::string>> Keyspace::Get(int db, std::string_view key) {
  // LookupMeta without decoding: the value is the record's tail, cut in place.
  LSMDB_RETURN_IF_ERROR(init_status_);
  std::string record;
  LSMDB_ASSIGN_OR_RETURN(bool found, db_->Get(lsmdb::ReadOptions{}, MetaKeyFor(db, key), &record));
  if (!found) return std::optional<std::string>();
  RedisType type;
  int64_t expire_at_ms;
  if (!PeekMetadata(record, &type, &expire_at_ms)) return Status::Corruption("bad metadata record");
  if (expire_at_ms != 0 && NowMs() > expire_at_ms) return std::optional<std::string>();
  if (type != RedisType::kString) return WrongType();
  record.erase(0, StringHeaderSize());
  return std::optional<std::string>(std::move(record));
}

Result<Keyspace::SetResult> Keyspace::Set(Committer& committer, int db, std::string_view key,
                                          std::string_view value, const SetOptions& options) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const int64_t now = NowMs();
  const std::string meta_key = MetaKeyFor(db, key);
  // A plain SET (no GET, NX/XX or KEEPTTL) does not depend on the old value:
  // skip the read. Elements of a collection it replaces are orphaned and
  // dropped by KeyspaceCompactionFilter (their version no longer matches).
  const bool blind = !options.get && options.condition == SetOptions::Condition::kAlways &&
                     options.ttl != TtlAction::kKeep;
  std::optional<Metadata> cur;
  if (!blind) {
    LSMDB_ASSIGN_OR_RETURN(cur, ReadLive(meta_key, now));
  }
  SetResult result;
  if (options.get && cur) {
    // setGenericCommand runs GET first: WRONGTYPE stops the whole SET.
    if (cur->type != RedisType::kString) return WrongType();
    result.old_value = cur->value;
  }
  const bool found = cur.has_value();
  if ((options.condition == SetOptions::Condition::kIfAbsent && found) ||
      (options.condition == SetOptions::Condition::kIfPresent && !found)) {
    return result;
  }
  int64_t expire_at_ms = 0;
  if (options.ttl == TtlAction::kSet) {
    expire_at_ms = options.expire_at_ms;
  } else if (options.ttl == TtlAction::kKeep && found) {
    expire_at_ms = cur->expire_at_ms;
  }
  WriteBatch batch;
  if (expire_at_ms != 0 && now > expire_at_ms) {
    batch.Delete(meta_key);  // EXAT/PXAT in the past: the key is gone at once
  } else {
    batch.Put(meta_key, StringRecord(value, expire_at_ms));
  }
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  result.applied = true;
  return result;
}

Result<std::optional<std::string>> Keyspace::GetDel(Committer& committer, int db,
                                                    std::string_view key) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const std::string meta_key = MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> cur, ReadLive(meta_key, NowMs()));
  if (!cur) return std::optional<std::string>();
  if (cur->type != RedisType::kString) return WrongType();
  WriteBatch batch;
  batch.Delete(meta_key);
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return std::optional<std::string>(std::move(cur->value));
}

Result<std::optional<std::string>> Keyspace::GetEx(Committer& committer, int db,
                                                   std::string_view key, const GetExParse& parse) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const int64_t now = NowMs();
  const std::string meta_key = MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> cur, ReadLive(meta_key, now));
  if (!cur) return std::optional<std::string>();
  if (cur->type != RedisType::kString) return WrongType();
  // getexCommand validates the time only after the lookup and type check.
  LSMDB_ASSIGN_OR_RETURN(GetExOptions options, ResolveGetExOptions(parse, now));
  WriteBatch batch;
  if (options.action == GetExOptions::Action::kExpire) {
    if (options.expire_at_ms <= now) {
      batch.Delete(meta_key);
    } else {
      batch.Put(meta_key, StringRecord(cur->value, options.expire_at_ms));
    }
  } else if (options.action == GetExOptions::Action::kPersist && cur->expire_at_ms != 0) {
    batch.Put(meta_key, StringRecord(cur->value, 0));
  }
  LSMDB_RETURN_IF_ERROR(CommitIfAny(committer, batch));
  return std::optional<std::string>(std::move(cur->value));
}

Result<std::vector<std::optional<std::string>>> Keyspace::MGet(
    int db, std::span<const std::string_view> keys) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  const int64_t now = NowMs();
  const lsmdb::Snapshot* snapshot = db_->GetSnapshot();
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  Status status;
  for (std::string_view key : keys) {
    auto meta = ReadLive(MetaKeyFor(db, key), now, snapshot);
    if (!meta.ok()) {
      status = meta.status();
      break;
    }
    if (*meta && (*meta)->type == RedisType::kString) {
      values.emplace_back(std::move((*meta)->value));
    } else {
      values.emplace_back();
    }
  }
  db_->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return values;
}

Status Keyspace::MSet(Committer& committer, int db, std::span<const std::string_view> pairs) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  std::vector<std::string_view> keys;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) keys.push_back(pairs[i]);
  KeyLockGuard lock(locks_, std::vector<int>{db}, keys);
  WriteBatch batch;
  // One record buffer for every pair: the header (no TTL) is the same.
  static const std::string kNoTtlHeader = StringRecord("", 0);
  std::string record;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    record.assign(kNoTtlHeader);
    record.append(pairs[i + 1]);
    batch.Put(MetaKeyFor(db, pairs[i]), record);
  }
  return CommitIfAny(committer, batch);
}

Result<bool> Keyspace::MSetNx(Committer& committer, int db,
                              std::span<const std::string_view> pairs) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  std::vector<std::string_view> keys;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) keys.push_back(pairs[i]);
  KeyLockGuard lock(locks_, std::vector<int>{db}, keys);
  const int64_t now = NowMs();
  for (std::string_view key : keys) {
    LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta, ReadLive(MetaKeyFor(db, key), now));
    if (meta) return false;
  }
  WriteBatch batch;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    batch.Put(MetaKeyFor(db, pairs[i]), StringRecord(pairs[i + 1], 0));
  }
  LSMDB_RETURN_IF_ERROR(CommitIfAny(committer, batch));
  return true;
}

Result<int64_t> Keyspace::Append(Committer& committer, int db, std::string_view key,
                                 std::string_view value) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const std::string meta_key = MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> cur, ReadLive(meta_key, NowMs()));
  LSMDB_RETURN_IF_ERROR(RequireStringOrAbsent(cur));
  std::string next;
  int64_t expire_at_ms = 0;
  if (cur) {
    LSMDB_RETURN_IF_ERROR(CheckStringLength(static_cast<int64_t>(cur->value.size()),
                                            static_cast<int64_t>(value.size())));
    next = std::move(cur->value);
    expire_at_ms = cur->expire_at_ms;
  }
  next.append(value);
  WriteBatch batch;
  batch.Put(meta_key, StringRecord(next, expire_at_ms));
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return static_cast<int64_t>(next.size());
}

Result<int64_t> Keyspace::Strlen(int db, std::string_view key) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<std::string> value, Get(db, key));
  return value ? static_cast<int64_t>(value->size()) : int64_t{0};
}

Result<int64_t> Keyspace::IncrBy(Committer& committer, int db, std::string_view key,
                                 int64_t delta) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const std::string meta_key = MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> cur, ReadLive(meta_key, NowMs()));
  LSMDB_RETURN_IF_ERROR(RequireStringOrAbsent(cur));
  int64_t value = 0;
  if (cur && !StringToInt64(cur->value, &value)) return RedisError(kErrNotInteger);
  int64_t result;
  if (__builtin_add_overflow(value, delta, &result)) return RedisError(kErrOverflow);
  WriteBatch batch;
  batch.Put(meta_key, StringRecord(std::to_string(result), cur ? cur->expire_at_ms : 0));
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return result;
}

Result<std::string> Keyspace::IncrByFloat(Committer& committer, int db, std::string_view key,
                                          std::string_view increment) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const std::string meta_key = MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> cur, ReadLive(meta_key, NowMs()));
  LSMDB_RETURN_IF_ERROR(RequireStringOrAbsent(cur));
  // incrbyfloatCommand: type, then the stored value, then the increment.
  long double value = 0;
  long double incr = 0;
  if (cur && !StringToLongDouble(cur->value, &value)) return RedisError(kErrNotFloat);
  if (!StringToLongDouble(increment, &incr)) return RedisError(kErrNotFloat);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    return RedisError("ERR increment would produce NaN or Infinity");
  }
  std::string text = LongDoubleToHumanString(value);
  WriteBatch batch;
  batch.Put(meta_key, StringRecord(text, cur ? cur->expire_at_ms : 0));
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return text;
}

Result<std::string> Keyspace::GetRange(int db, std::string_view key, int64_t start, int64_t end) {
  LSMDB_ASSIGN_OR_RETURN(std::optional<std::string> value, Get(db, key));
  if (!value) return std::string();
  const auto len = static_cast<int64_t>(value->size());
  // getrangeCommand's index arithmetic.
  if (start < 0 && end < 0 && start > end) return std::string();
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return std::string();
  return value->substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1));
}

Result<int64_t> Keyspace::SetRange(Committer& committer, int db, std::string_view key,
                                   int64_t offset, std::string_view value) {
  LSMDB_RETURN_IF_ERROR(init_status_);
  KeyLockGuard lock(locks_, db, key);
  const std::string meta_key = MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> cur, ReadLive(meta_key, NowMs()));
  LSMDB_RETURN_IF_ERROR(RequireStringOrAbsent(cur));
  if (value.empty()) {
    // Setting nothing: no write, reply the current length.
    return cur ? static_cast<int64_t>(cur->value.size()) : int64_t{0};
  }
  LSMDB_RETURN_IF_ERROR(CheckStringLength(offset, static_cast<int64_t>(value.size())));
  std::string next;
  int64_t expire_at_ms = 0;
  if (cur) {
    next = std::move(cur->value);
    expire_at_ms = cur->expire_at_ms;
  }
  const size_t need = static_cast<size_t>(offset) + value.size();
  if (next.size() < need) next.resize(need, '\0');
  next.replace(static_cast<size_t>(offset), value.size(), value);
  WriteBatch batch;
  batch.Put(meta_key, StringRecord(next, expire_at_ms));
  LSMDB_RETURN_IF_ERROR(committer.Commit(batch));
  return static_cast<int64_t>(next.size());
}

}  // namespace lsmdb::server
