#pragma once

// The server's configuration: conf/lsmdb.toml, overridden by command-line
// flags, read and changed at run time by CONFIG GET/SET/REWRITE.
//
// Every option is one row of a table (config.cc): its TOML key
// "section.key", the Redis name CONFIG GET/SET and flags use (e.g. "port",
// "appendfsync"), its kind, bounds and whether CONFIG SET may change it.
// File values, flag values and CONFIG SET values all go through the same
// parser, so "64mb" means the same everywhere. Sizes take Redis's units:
// k=1000, kb=1024, m=1000^2, mb=1024^2, g=1000^3, gb=1024^3 (case-insensitive).
//
// Config is a plain value: the server guards its copy with a mutex.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsmdb/options.h"
#include "lsmdb/status.h"

namespace lsmdb::server {

struct Config {
  // [server]
  std::string bind = "127.0.0.1";
  int64_t port = 6379;
  int64_t io_threads = 0;  // 0 = one per two cores, at least one
  std::string requirepass;
  // Refuse non-loopback clients while the default user has no password.
  bool protected_mode = true;
  // rename-command pairs (from, to); an empty `to` disables the command.
  // TOML: rename-command = [["FLUSHALL", ""], ["CONFIG", "CONFIG_9f3a"]];
  // flag: --rename-command FLUSHALL "" (repeatable). Not visible to CONFIG.
  std::vector<std::pair<std::string, std::string>> rename_commands;
  int64_t maxclients = 10000;
  int64_t timeout = 0;  // idle seconds before a client is closed; 0 = never
  int64_t databases = 16;
  int64_t proto_max_bulk_len = 512ll << 20;
  int64_t client_query_buffer_limit = 1ll << 30;
  // Unsent output above which the server stops reading from the client (0 = never),
  // and above which it closes the client (0 = never). Redis's "normal" class.
  int64_t client_output_buffer_soft_limit = 64ll << 20;
  int64_t client_output_buffer_hard_limit = 0;
  int64_t slowlog_log_slower_than = 10000;  // microseconds; negative disables
  int64_t slowlog_max_len = 128;

  // [tls] (tls.h): a TLS port beside the plain one; 0 = none.
  int64_t tls_port = 0;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_ca_cert_file;

  // [acl] ACL SAVE writes the users to this file, ACL LOAD and startup read
  // it (acl_file.h; Redis's aclfile format). Empty = none.
  std::string aclfile;

  // [storage]
  std::string dir = "./data";
  std::string appendfsync = "everysec";  // always | everysec | no
  int64_t memtable_size = 64ll << 20;
  int64_t block_cache_size = 8ll << 20;
  // The ends of hot lists kept in memory (src/types/list_cache.h); 0 = off.
  int64_t list_cache_size = 64ll << 20;
  std::string compression = "lz4";  // lz4 | none
  int64_t bloom_bits_per_key = 10;
  int64_t max_open_files = 1000;
  // Open even when a WAL has a damaged record in the middle: the damaged bytes
  // are skipped (logged) and the records after them kept. Off: the server
  // refuses to start and names the file and offset.
  bool repair_wal = false;

  // [compaction]
  int64_t level0_trigger = 4;
  int64_t level0_slowdown = 20;
  int64_t level0_stop = 36;
  int64_t max_bytes_for_level_base = 256ll << 20;
  int64_t target_file_size = 64ll << 20;
  int64_t background_jobs = 2;

  // [replication]
  std::string replicaof;  // "host port" or empty
  int64_t repl_backlog_size = 64ll << 20;  // the engine's in-memory WAL backlog
  // Refuse writes (NOREPLICAS) unless this many replicas acked within
  // min_replicas_max_lag seconds; 0 = never refuse.
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  // Credentials a replica AUTHs with before PSYNC (empty masterauth: no AUTH;
  // masteruser empty: AUTH <masterauth>, the default user).
  std::string masterauth;
  std::string masteruser;

  // [cluster]
  bool cluster_enabled = false;
  int64_t cluster_node_timeout = 15000;
  std::string cluster_config_file = "nodes.conf";

  // [node]
  std::string node_id;

  // [log]
  std::string loglevel = "notice";
  std::string logfile;  // empty = stdout

  // Not an option: the file the config was read from ("" = none).
  std::string config_file;
};

// Reads `path` (TOML) into *config. An unknown section or key, a value of the
// wrong type or out of range, or a TOML syntax error is InvalidArgument with a
// message naming the key (or the line and column).
Status LoadConfigFile(std::string_view path, Config* config);

// Parses command-line arguments (argv[0] excluded) as redis-server does:
// an optional first bare argument is the config file; then "--name value"
// pairs where name is a Redis name (--port, --appendfsync, --replicaof
// "host port", --cluster-enabled yes, ...) or "--section.key". --config <file>
// also names the file. The file is read first, then every flag overrides it.
// "--daemonize no" is accepted and ignored. Errors name the flag.
Status LoadConfig(const std::vector<std::string>& args, Config* config);

// Sets one option from its string form. `name` is a Redis name or
// "section.key" (case-insensitive). `at_runtime` refuses options CONFIG SET
// cannot change, with Redis's "can't set immutable config" text.
Status SetConfigOption(Config* config, std::string_view name, std::string_view value,
                       bool at_runtime);

// Pairs (Redis name, value) of every option whose Redis name (or
// "section.key") matches the glob `pattern` (case-insensitive), plus the
// synthetic read-only ones clients ask for ("save", "appendonly", ...).
std::vector<std::pair<std::string, std::string>> GetConfigOptions(const Config& config,
                                                                  std::string_view pattern);

// The whole configuration as a TOML document (for CONFIG REWRITE).
std::string ConfigToToml(const Config& config);

// Engine options from the [storage] and [compaction] sections.
Options ToEngineOptions(const Config& config);
SyncMode ToSyncMode(std::string_view appendfsync);

// Parses a size with Redis units ("512k", "64mb", "1gb", "100"). False if malformed.
bool ParseMemory(std::string_view s, int64_t* out);

}  // namespace lsmdb::server
