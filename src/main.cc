// lsmdb-server: reads the configuration (file, then flags), opens the engine,
// serves RESP until SIGINT/SIGTERM or SHUTDOWN, flushes and exits 0.
// Exit status 1: bad configuration or the server could not start.

#include <fmt/core.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/server/acl_file.h"
#include "src/server/log.h"
#include "src/server/server.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void Usage() {
  fmt::print(
      "Usage: lsmdb-server [/path/to/lsmdb.toml] [options]\n"
      "       lsmdb-server --port 7777 --dir /var/lib/lsmdb --appendfsync always\n"
      "       lsmdb-server --server.io-threads 4 --storage.memtable-size 128mb\n"
      "Options are the Redis names (--port, --bind, --dir, --requirepass, --appendfsync,\n"
      "--replicaof \"host port\", --cluster-enabled yes, --loglevel, ...) or any\n"
      "--section.key of conf/lsmdb.toml. --config <file> names the config file.\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lsmdb::server;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    Usage();
    return 0;
  }
  if (args.size() == 1 && (args[0] == "-v" || args[0] == "--version")) {
    fmt::print("lsmdb-server v={}\n", kVersion);
    return 0;
  }

  Config config;
  lsmdb::Status s = LoadConfig(args, &config);
  if (!s.ok()) {
    fmt::print(stderr, "\n*** FATAL CONFIG ERROR (lsmdb {}) ***\n{}\n", kVersion, s.message());
    return 1;
  }
  LogLevel level = LogLevel::kNotice;
  ParseLogLevel(config.loglevel, &level);
  SetLogLevel(level);
  if (!SetLogFile(config.logfile)) {
    fmt::print(stderr, "Can't open the log file: {}\n", config.logfile);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  LSMDB_LOG_NOTICE("oO0OoO0OoO0Oo lsmdb is starting oO0OoO0OoO0Oo");
  LSMDB_LOG_NOTICE("lsmdb version={}, bits=64, pid={}, just started", kVersion, getpid());
  if (config.config_file.empty()) {
    LSMDB_LOG_WARNING("Warning: no config file specified, using the default config.");
  } else {
    LSMDB_LOG_NOTICE("Configuration loaded from {}", config.config_file);
  }

  Server server(config);
  s = server.Open();
  if (!s.ok()) {
    LSMDB_LOG_WARNING("Failed opening the data directory {}: {}", config.dir, s.ToString());
    if (s.IsCorruption() && s.message().find(".log: bad record") != std::string_view::npos) {
      LSMDB_LOG_WARNING(
          "The WAL is damaged before its end. To start anyway, dropping the damaged records "
          "(what follows them is kept), restart with --storage.repair-wal yes");
    }
    return 1;
  }
  if (!config.aclfile.empty()) {
    // Users from the ACL file (src/server/acl_file.h) before any client connects.
    std::vector<std::shared_ptr<AclUser>> removed;
    s = LoadAclFile(server.acl(), config.aclfile, config.requirepass, &removed);
    if (!s.ok()) {
      std::string_view why = s.message();
      if (why.rfind("ERR ", 0) == 0) why.remove_prefix(4);
      LSMDB_LOG_WARNING("Aborting lsmdb startup because of ACL errors: {}", why);
      return 1;
    }
  }
  s = server.Listen();
  if (!s.ok()) {
    LSMDB_LOG_WARNING("{}", s.message());
    return 1;
  }
  LSMDB_LOG_NOTICE("Server initialized: port={} dir={} appendfsync={} io-threads={}", server.port(),
                   config.dir, config.appendfsync, server.io_threads());
  LSMDB_LOG_NOTICE("Ready to accept connections tcp");

  s = server.Run();
  return s.ok() ? 0 : 1;
}
