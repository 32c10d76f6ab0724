// OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP.
//
// Values here are not Redis objects, so the reported encoding is the one
// Redis 7.0 would choose for the same value with default settings:
//   string: "int" (a canonical 64-bit integer, at most 20 bytes), "embstr"
//           (<= 44 bytes), else "raw";
//   list:   "quicklist" (Redis 7.0 has no other list encoding);
//   hash:   "listpack" if <= 128 fields and every field and value <= 64
//           bytes (hash-max-listpack-entries/-value), else "hashtable";
//   set:    "intset" if <= 512 members, all integers (set-max-intset-entries),
//           else "hashtable";
//   zset:   "listpack" if <= 128 members of <= 64 bytes, else "skiplist".
// The size checks read at most 512 element records (one range scan).
// IDLETIME is always 0 (access times are not tracked); FREQ replies Redis's
// error for a non-LFU maxmemory policy; REFCOUNT is 2147483647 for strings
// Redis keeps as shared integers (0..9999), else 1. A missing key is a null.

#include <fmt/core.h>

#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "lsmdb/db.h"
#include "lsmdb/iterator.h"
#include "src/commands/cmd_blocking.h"
#include "src/server/command_context.h"
#include "src/server/command_table.h"
#include "src/server/dispatcher.h"
#include "src/server/redis_error.h"
#include "src/types/command_options.h"
#include "src/types/encoding.h"
#include "src/types/keyspace.h"
#include "src/types/numbers.h"

namespace lsmdb::server {
namespace {

constexpr uint64_t kListpackEntries = 128;
constexpr size_t kListpackValue = 64;
constexpr uint64_t kIntsetEntries = 512;

// Calls fn(sub_key, value) for each element of the collection until it
// returns false. Engine errors end the scan (the caller then reports the
// larger encoding, which is harmless).
template <typename Fn>
void ForEachElement(Keyspace& ks, int db, std::string_view key, const Metadata& meta, Fn fn) {
  std::string prefix = ElementPrefix(db, key, meta.version);
  std::unique_ptr<Iterator> it = ks.engine()->NewIterator(ReadOptions());
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    std::string_view k = it->key();
    if (k.substr(0, prefix.size()) != prefix) break;
    if (!fn(k.substr(prefix.size()), it->value())) break;
  }
}

std::string_view StringEncoding(const std::string& v) {
  int64_t n;
  if (v.size() <= 20 && StringToInt64(v, &n)) return "int";
  return v.size() <= 44 ? "embstr" : "raw";
}

std::string_view EncodingOf(Keyspace& ks, int db, std::string_view key, const Metadata& meta) {
  switch (meta.type) {
    case RedisType::kString:
      return StringEncoding(meta.value);
    case RedisType::kList:
      return "quicklist";
    case RedisType::kHash: {
      if (meta.count > kListpackEntries) return "hashtable";
      bool small = true;
      ForEachElement(ks, db, key, meta, [&](std::string_view f, std::string_view v) {
        small = f.size() <= kListpackValue && v.size() <= kListpackValue;
        return small;
      });
      return small ? "listpack" : "hashtable";
    }
    case RedisType::kSet: {
      if (meta.count > kIntsetEntries) return "hashtable";
      bool ints = true;
      ForEachElement(ks, db, key, meta, [&](std::string_view m, std::string_view) {
        int64_t n;
        ints = StringToInt64(m, &n);
        return ints;
      });
      return ints ? "intset" : "hashtable";
    }
    case RedisType::kZSet: {
      if (meta.count > kListpackEntries) return "skiplist";
      bool small = true;
      ForEachElement(ks, db, key, meta, [&](std::string_view m, std::string_view) {
        small = m.size() <= kListpackValue;
        return small;
      });
      return small ? "listpack" : "skiplist";
    }
    case RedisType::kNone:
      break;
  }
  return "unknown";
}

constexpr const char* kObjectHelp[] = {
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
};

Status CmdObject(CommandContext& ctx) {
  std::string_view sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "HELP") && ctx.argc() == 2) {
    ctx.reply().ArrayHeader(std::size(kObjectHelp));
    for (const char* line : kObjectHelp) ctx.reply().SimpleString(line);
    return Status::OK();
  }
  const char* known = nullptr;
  for (const char* name : {"encoding", "freq", "idletime", "refcount", "help"}) {
    if (EqualsIgnoreCase(sub, name)) known = name;
  }
  if (known == nullptr) return UnknownSubcommand("object", sub);
  if (ctx.argc() != 3 || std::string_view(known) == "help") {
    return RedisError(fmt::format("ERR wrong number of arguments for 'object|{}' command", known));
  }
  LSMDB_ASSIGN_OR_RETURN(std::optional<Metadata> meta,
                         ctx.keyspace().LookupMeta(ctx.db(), ctx.arg(2)));
  if (!meta.has_value()) {
    ctx.reply().Null();
    return Status::OK();
  }
  std::string_view name(known);
  if (name == "encoding") {
    ctx.reply().Bulk(EncodingOf(ctx.keyspace(), ctx.db(), ctx.arg(2), *meta));
  } else if (name == "idletime") {
    ctx.reply().Integer(0);
  } else if (name == "freq") {
    return RedisError(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
  } else {
    int64_t n = 0;
    bool shared = meta->type == RedisType::kString && StringEncoding(meta->value) == "int" &&
                  StringToInt64(meta->value, &n) && n >= 0 && n < 10000;
    ctx.reply().Integer(shared ? 2147483647 : 1);
  }
  return Status::OK();
}

constexpr CommandSpec kObjectCommands[] = {
    {"object", -2, kCmdReadOnly, {2, 2, 1}, CmdObject, "@keyspace @read @slow"},
};

}  // namespace

void RegisterObjectCommands(CommandTable& table) { table.Add(kObjectCommands); }

}  // namespace lsmdb::server
