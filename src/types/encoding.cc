#include "src/types/encoding.h"

#include <atomic>
#include <cstring>

#include "cluster/slot.h"

// Layouts are drawn at the top of encoding.h. Integers in keys are big-endian
// (so they sort numerically); integers in values are little-endian.

namespace lsmdb::server {

namespace {

void PutFixed64LE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  dst->append(buf, 8);
}

uint64_t GetFixed64LE(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutFixed32BE(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>((v >> (8 * (3 - i))) & 0xff);
  dst->append(buf, 4);
}

uint32_t GetFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xff);
  dst->append(buf, 8);
}

uint64_t GetFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutVarint64(std::string* dst, uint64_t v) {
  while (v >= 128) {
    dst->push_back(static_cast<char>(v | 128));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

bool GetVarint64(std::string_view* in, uint64_t* v) {
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

std::string CollectionKeyPrefix(char tag, int db, std::string_view user_key, uint64_t version) {
  std::string k;
  k.reserve(2 + 5 + user_key.size() + 8);
  k.push_back(tag);
  k.push_back(static_cast<char>(db));
  PutVarint64(&k, user_key.size());
  k.append(user_key);
  PutFixed64BE(&k, version);
  return k;
}

constexpr size_t kMetaHeader = 1 + 8;  // type + expire_at_ms

std::atomic<bool> g_slot_layout{false};

void PutSlot(std::string* dst, int slot) {
  dst->push_back(static_cast<char>((slot >> 8) & 0xff));
  dst->push_back(static_cast<char>(slot & 0xff));
}

}  // namespace

void SetSlotKeyLayout(bool slots) { g_slot_layout.store(slots, std::memory_order_relaxed); }

bool SlotKeyLayout() { return g_slot_layout.load(std::memory_order_relaxed); }

size_t MetaSlotBytes() { return SlotKeyLayout() ? 2 : 0; }

std::string_view TypeName(RedisType type) {
  switch (type) {
    case RedisType::kString:
      return "string";
    case RedisType::kHash:
      return "hash";
    case RedisType::kList:
      return "list";
    case RedisType::kSet:
      return "set";
    case RedisType::kZSet:
      return "zset";
    case RedisType::kNone:
      break;
  }
  return "none";
}

void AppendMetaPrefix(std::string* dst, int db, uint32_t epoch) {
  dst->push_back(kMetaTag);
  dst->push_back(static_cast<char>(db));
  PutFixed32BE(dst, epoch);
}

std::string MetaPrefix(int db, uint32_t epoch) {
  std::string k;
  AppendMetaPrefix(&k, db, epoch);
  return k;
}

std::string MetaSlotPrefix(int db, uint32_t epoch, int slot) {
  std::string k;
  AppendMetaPrefix(&k, db, epoch);
  PutSlot(&k, slot);
  return k;
}

std::string MetaKey(int db, uint32_t epoch, std::string_view user_key) {
  std::string k;
  k.reserve(8 + user_key.size());
  AppendMetaPrefix(&k, db, epoch);
  if (SlotKeyLayout()) PutSlot(&k, cluster::KeySlot(user_key));
  k.append(user_key);
  return k;
}

bool ParseMetaKey(std::string_view engine_key, ParsedMetaKey* out) {
  const size_t head = 6 + MetaSlotBytes();
  if (engine_key.size() < head || engine_key[0] != kMetaTag) return false;
  out->db = static_cast<unsigned char>(engine_key[1]);
  out->epoch = GetFixed32BE(engine_key.data() + 2);
  out->slot = head == 6 ? -1
                        : (static_cast<unsigned char>(engine_key[6]) << 8) |
                              static_cast<unsigned char>(engine_key[7]);
  out->user_key = engine_key.substr(head);
  return true;
}

std::string ElementPrefix(int db, std::string_view user_key, uint64_t version) {
  return CollectionKeyPrefix(kElementTag, db, user_key, version);
}

std::string ElementKey(int db, std::string_view user_key, uint64_t version,
                       std::string_view sub_key) {
  std::string k = CollectionKeyPrefix(kElementTag, db, user_key, version);
  k.append(sub_key);
  return k;
}

std::string ScoreIndexPrefix(int db, std::string_view user_key, uint64_t version) {
  return CollectionKeyPrefix(kScoreTag, db, user_key, version);
}

bool ParseElementKey(std::string_view engine_key, ParsedElementKey* out) {
  if (engine_key.size() < 2) return false;
  if (engine_key[0] != kElementTag && engine_key[0] != kScoreTag) return false;
  out->tag = engine_key[0];
  out->db = static_cast<unsigned char>(engine_key[1]);
  std::string_view in = engine_key.substr(2);
  uint64_t len;
  if (!GetVarint64(&in, &len) || in.size() < len + 8) return false;
  out->user_key = in.substr(0, len);
  in.remove_prefix(len);
  out->version = GetFixed64BE(in.data());
  out->sub_key = in.substr(8);
  return true;
}

std::string EpochKey(int db) {
  std::string k;
  k.push_back(kEpochTag);
  k.push_back(static_cast<char>(db));
  return k;
}

std::string EncodeEpoch(uint32_t epoch) {
  std::string v(4, '\0');
  for (int i = 0; i < 4; ++i) v[i] = static_cast<char>((epoch >> (8 * i)) & 0xff);
  return v;
}

bool DecodeEpoch(std::string_view value, uint32_t* epoch) {
  if (value.size() != 4) return false;
  uint32_t e = 0;
  for (int i = 3; i >= 0; --i) e = (e << 8) | static_cast<unsigned char>(value[i]);
  *epoch = e;
  return true;
}

std::string EncodeMetadata(const Metadata& meta) {
  std::string v;
  v.reserve(kMetaHeader + (meta.IsCollection() ? 34 : meta.value.size()));
  v.push_back(static_cast<char>(meta.type));
  PutFixed64LE(&v, static_cast<uint64_t>(meta.expire_at_ms));
  if (!meta.IsCollection()) {
    v.append(meta.value);
    return v;
  }
  PutFixed64LE(&v, meta.version);
  PutVarint64(&v, meta.count);
  if (meta.type == RedisType::kList) {
    PutFixed64LE(&v, meta.list_head);
    PutFixed64LE(&v, meta.list_tail);
  }
  return v;
}

bool PeekMetadata(std::string_view value, RedisType* type, int64_t* expire_at_ms) {
  if (value.size() < kMetaHeader) return false;
  auto t = static_cast<unsigned char>(value[0]);
  if (t < static_cast<unsigned char>(RedisType::kString) ||
      t > static_cast<unsigned char>(RedisType::kZSet)) {
    return false;
  }
  *type = static_cast<RedisType>(t);
  *expire_at_ms = static_cast<int64_t>(GetFixed64LE(value.data() + 1));
  return true;
}

bool DecodeMetadata(std::string_view value, Metadata* out) {
  if (!PeekMetadata(value, &out->type, &out->expire_at_ms)) return false;
  std::string_view body = value.substr(kMetaHeader);
  if (!out->IsCollection()) {
    out->value.assign(body);
    return true;
  }
  out->value.clear();
  if (body.size() < 8) return false;
  out->version = GetFixed64LE(body.data());
  body.remove_prefix(8);
  if (!GetVarint64(&body, &out->count)) return false;
  if (out->type == RedisType::kList) {
    if (body.size() < 16) return false;
    out->list_head = GetFixed64LE(body.data());
    out->list_tail = GetFixed64LE(body.data() + 8);
  }
  return true;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto c = static_cast<unsigned char>(s.back());
    if (c != 0xff) {
      s.back() = static_cast<char>(c + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

}  // namespace lsmdb::server
