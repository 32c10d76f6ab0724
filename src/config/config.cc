#include "src/config/config.h"

#include <fmt/core.h>
#include <strings.h>
#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <sstream>
#include <string>

#include "src/server/log.h"
#include "src/types/glob.h"

namespace lsmdb::server {
namespace {

enum class Kind { kString, kInt, kSize, kBool, kEnum };

// One configuration option. Exactly one of num/str/flag is set, by kind.
struct OptionDef {
  std::string_view key;   // "section.key" in the TOML file
  std::string_view name;  // Redis name for CONFIG GET/SET and --flags
  Kind kind;
  bool runtime;  // CONFIG SET may change it
  int64_t Config::*num = nullptr;
  std::string Config::*str = nullptr;
  bool Config::*flag = nullptr;
  int64_t min = 0;
  int64_t max = INT64_MAX;
  std::string_view choices = {};  // kEnum: "a|b|c"
};

constexpr int64_t kMaxSize = int64_t{1} << 50;

const OptionDef kOptions[] = {
    {"server.bind", "bind", Kind::kString, false, nullptr, &Config::bind},
    {"server.port", "port", Kind::kInt, false, &Config::port, nullptr, nullptr, 0, 65535},
    {"server.io-threads", "io-threads", Kind::kInt, false, &Config::io_threads, nullptr, nullptr, 0,
     128},
    {"server.requirepass", "requirepass", Kind::kString, true, nullptr, &Config::requirepass},
    {"server.protected-mode", "protected-mode", Kind::kBool, true, nullptr, nullptr,
     &Config::protected_mode},
    {"server.maxclients", "maxclients", Kind::kInt, true, &Config::maxclients, nullptr, nullptr, 1,
     1000000},
    {"server.timeout", "timeout", Kind::kInt, true, &Config::timeout, nullptr, nullptr, 0,
     INT32_MAX},
    {"server.databases", "databases", Kind::kInt, false, &Config::databases, nullptr, nullptr, 1,
     16},
    {"server.proto-max-bulk-len", "proto-max-bulk-len", Kind::kSize, true,
     &Config::proto_max_bulk_len, nullptr, nullptr, 1 << 20, kMaxSize},
    {"server.client-query-buffer-limit", "client-query-buffer-limit", Kind::kSize, true,
     &Config::client_query_buffer_limit, nullptr, nullptr, 1 << 20, kMaxSize},
    {"server.client-output-buffer-soft-limit", "client-output-buffer-soft-limit", Kind::kSize, true,
     &Config::client_output_buffer_soft_limit, nullptr, nullptr, 0, kMaxSize},
    {"server.client-output-buffer-hard-limit", "client-output-buffer-hard-limit", Kind::kSize, true,
     &Config::client_output_buffer_hard_limit, nullptr, nullptr, 0, kMaxSize},
    {"server.slowlog-log-slower-than", "slowlog-log-slower-than", Kind::kInt, true,
     &Config::slowlog_log_slower_than, nullptr, nullptr, -1, INT64_MAX},
    {"server.slowlog-max-len", "slowlog-max-len", Kind::kInt, true, &Config::slowlog_max_len,
     nullptr, nullptr, 0, INT32_MAX},

    {"tls.port", "tls-port", Kind::kInt, false, &Config::tls_port, nullptr, nullptr, 0, 65535},
    {"tls.cert-file", "tls-cert-file", Kind::kString, false, nullptr, &Config::tls_cert_file},
    {"tls.key-file", "tls-key-file", Kind::kString, false, nullptr, &Config::tls_key_file},
    {"tls.ca-cert-file", "tls-ca-cert-file", Kind::kString, false, nullptr,
     &Config::tls_ca_cert_file},

    {"acl.aclfile", "aclfile", Kind::kString, false, nullptr, &Config::aclfile},

    {"storage.dir", "dir", Kind::kString, false, nullptr, &Config::dir},
    {"storage.appendfsync", "appendfsync", Kind::kEnum, false, nullptr, &Config::appendfsync,
     nullptr, 0, 0, "always|everysec|no"},
    {"storage.memtable-size", "memtable-size", Kind::kSize, false, &Config::memtable_size, nullptr,
     nullptr, 64 << 10, kMaxSize},
    {"storage.block-cache-size", "block-cache-size", Kind::kSize, false, &Config::block_cache_size,
     nullptr, nullptr, 0, kMaxSize},
    {"storage.list-cache-size", "list-cache-size", Kind::kSize, true, &Config::list_cache_size,
     nullptr, nullptr, 0, kMaxSize},
    {"storage.compression", "compression", Kind::kEnum, false, nullptr, &Config::compression,
     nullptr, 0, 0, "lz4|none"},
    {"storage.bloom-bits-per-key", "bloom-bits-per-key", Kind::kInt, false,
     &Config::bloom_bits_per_key, nullptr, nullptr, 0, 64},
    {"storage.max-open-files", "max-open-files", Kind::kInt, false, &Config::max_open_files,
     nullptr, nullptr, 16, 1000000},
    {"storage.repair-wal", "repair-wal", Kind::kBool, false, nullptr, nullptr,
     &Config::repair_wal},

    {"compaction.level0-trigger", "level0-trigger", Kind::kInt, false, &Config::level0_trigger,
     nullptr, nullptr, 1, 1000},
    {"compaction.level0-slowdown", "level0-slowdown", Kind::kInt, false, &Config::level0_slowdown,
     nullptr, nullptr, 1, 1000},
    {"compaction.level0-stop", "level0-stop", Kind::kInt, false, &Config::level0_stop, nullptr,
     nullptr, 1, 1000},
    {"compaction.max-bytes-for-level-base", "max-bytes-for-level-base", Kind::kSize, false,
     &Config::max_bytes_for_level_base, nullptr, nullptr, 1 << 20, kMaxSize},
    {"compaction.target-file-size", "target-file-size", Kind::kSize, false,
     &Config::target_file_size, nullptr, nullptr, 64 << 10, kMaxSize},
    {"compaction.background-jobs", "background-jobs", Kind::kInt, false, &Config::background_jobs,
     nullptr, nullptr, 1, 64},

    {"replication.replicaof", "replicaof", Kind::kString, false, nullptr, &Config::replicaof},
    {"replication.repl-backlog-size", "repl-backlog-size", Kind::kSize, true,
     &Config::repl_backlog_size, nullptr, nullptr, 16 << 10, kMaxSize},
    {"replication.min-replicas-to-write", "min-replicas-to-write", Kind::kInt, true,
     &Config::min_replicas_to_write, nullptr, nullptr, 0, INT32_MAX},
    {"replication.min-replicas-max-lag", "min-replicas-max-lag", Kind::kInt, true,
     &Config::min_replicas_max_lag, nullptr, nullptr, 0, INT32_MAX},
    {"replication.masterauth", "masterauth", Kind::kString, true, nullptr, &Config::masterauth},
    {"replication.masteruser", "masteruser", Kind::kString, true, nullptr, &Config::masteruser},

    {"cluster.enabled", "cluster-enabled", Kind::kBool, false, nullptr, nullptr,
     &Config::cluster_enabled},
    {"cluster.node-timeout", "cluster-node-timeout", Kind::kInt, true,
     &Config::cluster_node_timeout, nullptr, nullptr, 1, INT32_MAX},
    {"cluster.config-file", "cluster-config-file", Kind::kString, false, nullptr,
     &Config::cluster_config_file},

    {"node.id", "node-id", Kind::kString, false, nullptr, &Config::node_id},

    {"log.level", "loglevel", Kind::kEnum, true, nullptr, &Config::loglevel, nullptr, 0, 0,
     "debug|verbose|notice|warning"},
    {"log.file", "logfile", Kind::kString, false, nullptr, &Config::logfile},
};

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

const OptionDef* FindOption(std::string_view name) {
  for (const OptionDef& o : kOptions) {
    if (EqualsNoCase(o.name, name) || EqualsNoCase(o.key, name)) return &o;
  }
  return nullptr;
}

std::string_view Section(const OptionDef& o) { return o.key.substr(0, o.key.find('.')); }
std::string_view Leaf(const OptionDef& o) { return o.key.substr(o.key.find('.') + 1); }

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Parses `value` into the option. The error message is the reason only.
Status ApplyValue(Config* config, const OptionDef& o, std::string_view value) {
  switch (o.kind) {
    case Kind::kString:
      if (o.str == &Config::replicaof && !value.empty()) {
        auto sp = value.find(' ');
        int64_t port;
        if (sp == std::string_view::npos || !ParseInt(value.substr(sp + 1), &port) || port <= 0 ||
            port > 65535) {
          return Status::InvalidArgument("expected \"host port\"");
        }
      }
      config->*o.str = std::string(value);
      return Status::OK();
    case Kind::kInt:
    case Kind::kSize: {
      int64_t v;
      bool ok = o.kind == Kind::kInt ? ParseInt(value, &v) : ParseMemory(value, &v);
      if (!ok) {
        return Status::InvalidArgument(o.kind == Kind::kInt
                                           ? "argument couldn't be parsed into an integer"
                                           : "argument must be a memory value");
      }
      if (v < o.min || v > o.max) {
        return Status::InvalidArgument(
            fmt::format("argument must be between {} and {} inclusive", o.min, o.max));
      }
      config->*o.num = v;
      return Status::OK();
    }
    case Kind::kBool:
      if (EqualsNoCase(value, "yes") || EqualsNoCase(value, "true")) {
        config->*o.flag = true;
      } else if (EqualsNoCase(value, "no") || EqualsNoCase(value, "false")) {
        config->*o.flag = false;
      } else {
        return Status::InvalidArgument("argument must be 'yes' or 'no'");
      }
      return Status::OK();
    case Kind::kEnum: {
      std::string_view rest = o.choices;
      while (!rest.empty()) {
        size_t bar = rest.find('|');
        std::string_view choice = rest.substr(0, bar);
        if (EqualsNoCase(choice, value)) {
          config->*o.str = std::string(choice);
          return Status::OK();
        }
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
      return Status::InvalidArgument(fmt::format("argument must be one of {}", o.choices));
    }
  }
  return Status::InvalidArgument("bad value");
}

std::string ValueString(const Config& config, const OptionDef& o) {
  switch (o.kind) {
    case Kind::kString:
    case Kind::kEnum:
      return config.*o.str;
    case Kind::kInt:
    case Kind::kSize:
      return std::to_string(config.*o.num);
    case Kind::kBool:
      return config.*o.flag ? "yes" : "no";
  }
  return "";
}

Status CheckConsistency(const Config& c) {
  if (c.level0_trigger > c.level0_slowdown || c.level0_slowdown > c.level0_stop) {
    return Status::InvalidArgument(
        "compaction.level0-trigger <= level0-slowdown <= level0-stop must hold");
  }
  return Status::OK();
}

}  // namespace

bool ParseMemory(std::string_view s, int64_t* out) {
  size_t digits = 0;
  while (digits < s.size() &&
         (isdigit(static_cast<unsigned char>(s[digits])) || (digits == 0 && s[0] == '-'))) {
    digits++;
  }
  int64_t n;
  if (!ParseInt(s.substr(0, digits), &n)) return false;
  std::string_view unit = s.substr(digits);
  int64_t mul = 1;
  if (unit.empty() || EqualsNoCase(unit, "b")) {
    mul = 1;
  } else if (EqualsNoCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsNoCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsNoCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (EqualsNoCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (EqualsNoCase(unit, "g")) {
    mul = 1000ll * 1000 * 1000;
  } else if (EqualsNoCase(unit, "gb")) {
    mul = 1024ll * 1024 * 1024;
  } else {
    return false;
  }
  if (n != 0 && (n > INT64_MAX / mul || n < INT64_MIN / mul)) return false;
  *out = n * mul;
  return true;
}

Status SetConfigOption(Config* config, std::string_view name, std::string_view value,
                       bool at_runtime) {
  const OptionDef* o = FindOption(name);
  if (o == nullptr) return Status::NotFound(fmt::format("unknown option '{}'", name));
  if (at_runtime && !o->runtime) return Status::NotSupported("can't set immutable config");
  Config copy = *config;
  LSMDB_RETURN_IF_ERROR(ApplyValue(&copy, *o, value));
  if (!at_runtime || o->num != nullptr) LSMDB_RETURN_IF_ERROR(CheckConsistency(copy));
  *config = std::move(copy);
  return Status::OK();
}

Status LoadConfigFile(std::string_view path, Config* config) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: {}", path, where.line, where.column, e.description()));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: {}", path, e.what()));
  }
  for (const auto& [section_key, section_node] : root) {
    const toml::table* section = section_node.as_table();
    if (section == nullptr) {
      return Status::InvalidArgument(
          fmt::format("{}: unknown key '{}' (options live in sections such as [server])", path,
                      section_key.str()));
    }
    for (const auto& [leaf, node] : *section) {
      std::string key = fmt::format("{}.{}", section_key.str(), leaf.str());
      if (key == "server.rename-command") {
        // An array of [from, to] string pairs.
        const toml::array* pairs = node.as_array();
        bool ok = pairs != nullptr;
        for (size_t i = 0; ok && i < pairs->size(); i++) {
          const toml::array* pair = (*pairs)[i].as_array();
          ok = pair != nullptr && pair->size() == 2 && (*pair)[0].as_string() != nullptr &&
               (*pair)[1].as_string() != nullptr;
          if (ok) {
            config->rename_commands.emplace_back((*pair)[0].as_string()->get(),
                                                 (*pair)[1].as_string()->get());
          }
        }
        if (!ok) {
          return Status::InvalidArgument(fmt::format(
              "{}: bad value for '{}': expected an array of [\"COMMAND\", \"new-name\"] pairs",
              path, key));
        }
        continue;
      }
      const OptionDef* o = nullptr;
      for (const OptionDef& d : kOptions) {
        if (d.key == key) o = &d;
      }
      if (o == nullptr)
        return Status::InvalidArgument(fmt::format("{}: unknown key '{}'", path, key));
      std::string value;
      if (const auto* s = node.as_string()) {
        value = s->get();
      } else if (const auto* i = node.as_integer()) {
        value = std::to_string(i->get());
      } else if (const auto* b = node.as_boolean()) {
        value = b->get() ? "yes" : "no";
      } else {
        return Status::InvalidArgument(fmt::format(
            "{}: bad value for '{}': expected a string, integer or boolean", path, key));
      }
      if (o->kind == Kind::kBool && node.as_boolean() == nullptr && node.as_string() == nullptr) {
        return Status::InvalidArgument(
            fmt::format("{}: bad value for '{}': expected true or false", path, key));
      }
      Status s = ApplyValue(config, *o, value);
      if (!s.ok()) {
        return Status::InvalidArgument(
            fmt::format("{}: bad value for '{}': {}", path, key, s.message()));
      }
    }
  }
  config->config_file = std::string(path);
  return CheckConsistency(*config);
}

Status LoadConfig(const std::vector<std::string>& args, Config* config) {
  size_t i = 0;
  std::string file;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    file = args[0];
    i = 1;
  }
  // --config may appear anywhere; the file is read before any flag applies.
  for (size_t j = i; j + 1 < args.size(); j++) {
    if (args[j] == "--config") file = args[j + 1];
  }
  if (!file.empty()) LSMDB_RETURN_IF_ERROR(LoadConfigFile(file, config));
  for (; i < args.size(); i++) {
    const std::string& flag = args[i];
    if (flag.rfind("--", 0) != 0 || flag.size() == 2) {
      return Status::InvalidArgument(fmt::format("unexpected argument '{}'", flag));
    }
    std::string name = flag.substr(2);
    if (i + 1 >= args.size()) {
      return Status::InvalidArgument(fmt::format("missing value for '--{}'", name));
    }
    std::string value = args[++i];
    // "--replicaof host port" as two words, as redis-server accepts it.
    if (name == "replicaof" || name == "slaveof") {
      name = "replicaof";
      if (value.find(' ') == std::string::npos && i + 1 < args.size() &&
          args[i + 1].rfind("--", 0) != 0) {
        value += " " + args[++i];
      }
      if (value == "no one") value.clear();
    }
    if (name == "rename-command" || name == "server.rename-command") {
      // --rename-command FROM TO (TO may be "" to disable).
      if (i + 1 >= args.size()) {
        return Status::InvalidArgument("missing value for '--rename-command'");
      }
      config->rename_commands.emplace_back(value, args[++i]);
      continue;
    }
    if (name == "config" || name == "daemonize" || name == "save" || name == "appendonly") {
      continue;  // accepted for redis-server compatibility; no effect
    }
    Status s = SetConfigOption(config, name, value, /*at_runtime=*/false);
    if (s.IsNotFound()) return Status::InvalidArgument(fmt::format("unknown option '--{}'", name));
    if (!s.ok()) {
      return Status::InvalidArgument(fmt::format("bad value for '--{}': {}", name, s.message()));
    }
  }
  return Status::OK();
}

std::vector<std::pair<std::string, std::string>> GetConfigOptions(const Config& config,
                                                                  std::string_view pattern) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const OptionDef& o : kOptions) {
    if (GlobMatch(pattern, o.name, true) || (pattern != "*" && GlobMatch(pattern, o.key, true))) {
      out.emplace_back(std::string(o.name), ValueString(config, o));
    }
  }
  // Read-only figures clients and redis-benchmark ask for.
  const std::pair<std::string_view, std::string> synthetic[] = {
      {"save", ""},
      {"appendonly", "yes"},
      {"maxmemory", "0"},
      {"maxmemory-policy", "noeviction"},
      {"client-output-buffer-limit",
       fmt::format("normal {} {} 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                   config.client_output_buffer_hard_limit, config.client_output_buffer_soft_limit)},
  };
  for (const auto& [name, value] : synthetic) {
    if (GlobMatch(pattern, name, true)) out.emplace_back(std::string(name), value);
  }
  return out;
}

std::string ConfigToToml(const Config& config) {
  toml::table root;
  for (const OptionDef& o : kOptions) {
    std::string section(Section(o));
    if (!root.contains(section)) root.insert(section, toml::table{});
    toml::table& t = *root[section].as_table();
    std::string leaf(Leaf(o));
    switch (o.kind) {
      case Kind::kString:
      case Kind::kEnum:
        t.insert_or_assign(leaf, config.*o.str);
        break;
      case Kind::kInt:
      case Kind::kSize:
        t.insert_or_assign(leaf, config.*o.num);
        break;
      case Kind::kBool:
        t.insert_or_assign(leaf, config.*o.flag);
        break;
    }
  }
  if (!config.rename_commands.empty()) {
    toml::array pairs;
    for (const auto& [from, to] : config.rename_commands) pairs.push_back(toml::array{from, to});
    root["server"].as_table()->insert_or_assign("rename-command", std::move(pairs));
  }
  std::ostringstream out;
  out << "# Written by CONFIG REWRITE. Sizes are in bytes.\n\n" << root << "\n";
  return out.str();
}

SyncMode ToSyncMode(std::string_view appendfsync) {
  if (appendfsync == "always") return SyncMode::kAlways;
  if (appendfsync == "no") return SyncMode::kNone;
  return SyncMode::kEverySec;
}

Options ToEngineOptions(const Config& c) {
  Options o;
  o.create_if_missing = true;
  o.repair_wal = c.repair_wal;
  // Engine messages into the server log: 0 = problems (damaged WAL, disk
  // full, background errors), 1 = recovery progress, 2 = flush/compaction.
  o.info_log = [](int level, std::string_view message) {
    LogLevel l = LogLevel::kVerbose;
    if (level <= 0) l = LogLevel::kWarning;
    if (level == 1) l = LogLevel::kNotice;
    if (l >= GetLogLevel()) LogLine(l, message);
  };
  o.sync_mode = ToSyncMode(c.appendfsync);
  // Connections call DB::FlushWal() once per pipeline, before sending replies.
  o.manual_wal_flush = true;
  o.write_buffer_size = static_cast<size_t>(c.memtable_size);
  o.block_cache_bytes = static_cast<size_t>(c.block_cache_size);
  o.compression = c.compression == "none" ? Compression::kNone : Compression::kLz4;
  o.bloom_bits_per_key = static_cast<int>(c.bloom_bits_per_key);
  o.max_open_files = static_cast<int>(c.max_open_files);
  o.level0_compaction_trigger = static_cast<int>(c.level0_trigger);
  o.level0_slowdown_trigger = static_cast<int>(c.level0_slowdown);
  o.level0_stop_trigger = static_cast<int>(c.level0_stop);
  o.max_bytes_for_level_base = static_cast<uint64_t>(c.max_bytes_for_level_base);
  o.target_file_size = static_cast<size_t>(c.target_file_size);
  o.max_background_jobs = static_cast<int>(c.background_jobs);
  return o;
}

}  // namespace lsmdb::server
