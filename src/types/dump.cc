#include "src/types/dump.h"

// The payload format is drawn at the top of dump.h.

#include <algorithm>
#include <array>
#include <bit>
#include <memory>

#include "src/server/redis_error.h"
#include "src/types/key_lock.h"
#include "src/types/keyspace.h"
#include "src/types/list.h"
#include "src/types/snapshot_reader.h"
#include "src/types/zset.h"

namespace lsmdb::server {

namespace {

constexpr size_t kFooter = 2 + 8;  // version + crc64

// Redis's crc64.c: reflected Jones polynomial 0xad93d23594c935a9.
std::array<uint64_t, 256> MakeCrcTable() {
  std::array<uint64_t, 256> table{};
  constexpr uint64_t kPoly = 0x95ac9329ac4bc9b5ull;  // 0xad93d23594c935a9 reflected
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int b = 0; b < 8; ++b) crc = (crc & 1) ? (crc >> 1) ^ kPoly : crc >> 1;
    table[i] = crc;
  }
  return table;
}

void PutVarint(std::string* dst, uint64_t v) {
  while (v >= 128) {
    dst->push_back(static_cast<char>(v | 128));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (uint32_t shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    uint64_t byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    result |= (byte & 127) << shift;
    if ((byte & 128) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

void PutStr(std::string* dst, std::string_view s) {
  PutVarint(dst, s.size());
  dst->append(s);
}

bool GetStr(std::string_view* in, std::string* out) {
  uint64_t len;
  if (!GetVarint(in, &len) || in->size() < len) return false;
  out->assign(in->substr(0, len));
  in->remove_prefix(len);
  return true;
}

void PutFixedLE(std::string* dst, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetFixedLE(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void Seal(std::string* payload) {
  PutFixedLE(payload, kDumpVersion, 2);
  PutFixedLE(payload, Crc64(0, *payload), 8);
}

std::string ListIndex(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xff);
  return s;
}

Status BadFormat() { return RedisError("ERR Bad data format"); }

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  static const std::array<uint64_t, 256> table = MakeCrcTable();
  for (unsigned char c : data) crc = table[(crc ^ c) & 0xff] ^ (crc >> 8);
  return crc;
}

Result<std::optional<DumpedKey>> DumpKey(Keyspace& ks, int db, std::string_view key,
                                         const lsmdb::ReadOptions& ro_in) {
  LSMDB_RETURN_IF_ERROR(ks.status());
  std::unique_ptr<SnapshotReader> snap;
  const lsmdb::ReadOptions* ro = &ro_in;
  if (ro_in.snapshot == nullptr) {
    snap = std::make_unique<SnapshotReader>(ks.engine());
    ro = &snap->options();
  }
  std::string raw;
  LSMDB_ASSIGN_OR_RETURN(bool found, ks.engine()->Get(*ro, ks.MetaKeyFor(db, key), &raw));
  if (!found) return std::optional<DumpedKey>();
  Metadata meta;
  if (!DecodeMetadata(raw, &meta)) return Status::Corruption("bad metadata record");
  if (meta.IsExpired(ks.NowMs())) return std::optional<DumpedKey>();
  DumpedKey out;
  out.expire_at_ms = meta.expire_at_ms;
  std::string& p = out.payload;
  p.push_back(static_cast<char>(meta.type));
  if (!meta.IsCollection()) {
    p.append(meta.value);
    Seal(&p);
    return std::optional<DumpedKey>(std::move(out));
  }
  const std::string prefix = ElementPrefix(db, key, meta.version);
  std::unique_ptr<lsmdb::Iterator> it = ks.engine()->NewIterator(*ro);
  std::string body;
  uint64_t n = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view sub = it->key().substr(prefix.size());
    std::string_view value = it->value();
    switch (meta.type) {
      case RedisType::kHash:
        PutStr(&body, sub);
        PutStr(&body, value);
        break;
      case RedisType::kList:
        PutStr(&body, value);  // index order is list order
        break;
      case RedisType::kSet:
        PutStr(&body, sub);
        break;
      case RedisType::kZSet:
        if (value.size() != 8) return Status::Corruption("bad zset member record");
        PutStr(&body, sub);
        body.append(value);
        break;
      default:
        return Status::Corruption("bad metadata type");
    }
    ++n;
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  PutVarint(&p, n);
  p.append(body);
  Seal(&p);
  return std::optional<DumpedKey>(std::move(out));
}

Result<DumpValue> DecodeDump(std::string_view payload) {
  if (payload.size() < 1 + kFooter) return RedisError(kErrDumpPayload);
  const char* footer = payload.data() + payload.size() - kFooter;
  const uint64_t version = GetFixedLE(footer, 2);
  if (version == 0 || version > kDumpVersion) return RedisError(kErrDumpPayload);
  if (GetFixedLE(footer + 2, 8) != Crc64(0, payload.substr(0, payload.size() - 8))) {
    return RedisError(kErrDumpPayload);
  }
  DumpValue v;
  const auto t = static_cast<unsigned char>(payload[0]);
  if (t < 1 || t > 5) return BadFormat();
  v.type = static_cast<RedisType>(t);
  std::string_view body = payload.substr(1, payload.size() - 1 - kFooter);
  if (v.type == RedisType::kString) {
    v.items.emplace_back(std::string(body), std::string());
    return v;
  }
  uint64_t n;
  if (!GetVarint(&body, &n) || n > body.size()) return BadFormat();
  v.items.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::pair<std::string, std::string> item;
    if (!GetStr(&body, &item.first)) return BadFormat();
    if (v.type == RedisType::kHash && !GetStr(&body, &item.second)) return BadFormat();
    if (v.type == RedisType::kZSet) {
      if (body.size() < 8) return BadFormat();
      item.second.assign(body.substr(0, 8));
      body.remove_prefix(8);
    }
    v.items.push_back(std::move(item));
  }
  if (!body.empty() || n == 0) return BadFormat();
  return v;
}

Status RestoreKey(Keyspace& ks, Committer& committer, int db, std::string_view key,
                  const DumpValue& value, int64_t expire_at_ms, bool replace) {
  LSMDB_RETURN_IF_ERROR(ks.status());
  KeyLockGuard lock(ks.locks(), db, key);
  const std::string meta_key = ks.MetaKeyFor(db, key);
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> existing, ks.LookupMeta(db, key));
  if (existing && !replace) return RedisError(kErrBusyKey);
  WriteBatch batch;
  if (expire_at_ms != 0 && expire_at_ms < ks.NowMs()) {
    // Redis: restoring an already expired key only removes the old one.
    if (!existing) return Status::OK();
    batch.Delete(meta_key);
    return committer.Commit(batch);
  }
  Metadata meta;
  meta.type = value.type;
  meta.expire_at_ms = expire_at_ms;
  if (value.type == RedisType::kString) {
    meta.value = value.items.empty() ? std::string() : value.items[0].first;
    batch.Put(meta_key, EncodeMetadata(meta));
    return committer.Commit(batch);
  }
  meta.version = ks.NewVersion();
  const std::string prefix = ElementPrefix(db, key, meta.version);
  const std::string index_prefix = ScoreIndexPrefix(db, key, meta.version);
  std::string k;
  uint64_t count = 0;
  uint64_t index = kListInitialIndex;
  for (const auto& [first, second] : value.items) {
    k.assign(prefix);
    switch (value.type) {
      case RedisType::kHash:
        k.append(first);
        batch.Put(k, second);
        break;
      case RedisType::kSet:
        k.append(first);
        batch.Put(k, "");
        break;
      case RedisType::kList:
        k.append(ListIndex(index++));
        batch.Put(k, first);
        break;
      case RedisType::kZSet: {
        k.append(first);
        batch.Put(k, second);
        const double score = std::bit_cast<double>(GetFixedLE(second.data(), 8));
        batch.Put(index_prefix + EncodeScore(score) + first, "");
        break;
      }
      default:
        return BadFormat();
    }
    ++count;
  }
  meta.count = count;
  if (value.type == RedisType::kList) {
    meta.list_head = kListInitialIndex;
    meta.list_tail = index;
  }
  // Duplicate members in a hand-made payload would make count wrong; the
  // engine keeps the last write of a sub-key, so count the distinct ones.
  if (value.type != RedisType::kList && value.type != RedisType::kString) {
    std::vector<std::string_view> names;
    names.reserve(value.items.size());
    for (const auto& item : value.items) names.push_back(item.first);
    std::sort(names.begin(), names.end());
    meta.count = static_cast<uint64_t>(std::unique(names.begin(), names.end()) - names.begin());
    if (meta.count != count && value.type == RedisType::kZSet) return BadFormat();
  }
  batch.Put(meta_key, EncodeMetadata(meta));
  return committer.Commit(batch);
}

}  // namespace lsmdb::server
