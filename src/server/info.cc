#include "src/server/info.h"

#include <fmt/core.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "replication/replication.h"
#include "src/server/client.h"
#include "src/server/server.h"
#include "src/types/command_options.h"
#include "src/types/keyspace.h"

namespace lsmdb::server {
namespace {

constexpr std::string_view kDefaultSections[] = {"server",      "clients", "memory",
                                                 "persistence", "stats",   "replication",
                                                 "cpu",         "storage", "cluster",
                                                 "keyspace"};
constexpr std::string_view kAllSections[] = {"server",       "clients",     "memory", "persistence",
                                             "stats",        "replication", "cpu",    "storage",
                                             "commandstats", "cluster",     "keyspace"};

std::string Human(uint64_t bytes) {
  double b = static_cast<double>(bytes);
  if (b < 1024) return fmt::format("{}B", bytes);
  if (b < 1024.0 * 1024) return fmt::format("{:.2f}K", b / 1024);
  if (b < 1024.0 * 1024 * 1024) return fmt::format("{:.2f}M", b / 1024 / 1024);
  return fmt::format("{:.2f}G", b / 1024 / 1024 / 1024);
}

uint64_t RssBytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = fscanf(f, "%lu %lu", &size, &resident);
  fclose(f);
  return n == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

std::string Property(Server& server, std::string_view name) {
  std::string v;
  if (!server.db().GetProperty(name, &v)) return "0";
  return v;
}

void Section(Server& server, std::string_view name, std::string* out) {
  Config cfg = server.config();
  std::string& o = *out;
  auto line = [&o](std::string_view k, const auto& v) { o += fmt::format("{}:{}\r\n", k, v); };
  if (name == "server") {
    o += "# Server\r\n";
    struct utsname u;
    uname(&u);
    line("redis_version", "7.0.15");
    line("lsmdb_version", "0.1.0");
    line("redis_git_sha1", "00000000");
    line("redis_git_dirty", 0);
    line("redis_mode", cfg.cluster_enabled ? "cluster" : "standalone");
    line("os", fmt::format("{} {} {}", u.sysname, u.release, u.machine));
    line("arch_bits", 64);
    line("multiplexing_api", "epoll");
    line("gcc_version", fmt::format("{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__));
    line("process_id", getpid());
    line("run_id", server.run_id());
    line("tcp_port", server.port());
    line("server_time_usec", NowUs());
    int64_t up = (NowMs() - server.start_time_ms()) / 1000;
    line("uptime_in_seconds", up);
    line("uptime_in_days", up / 86400);
    line("hz", 10);
    line("configured_hz", 10);
    line("io_threads_active", server.io_threads());
    line("config_file", cfg.config_file);
  } else if (name == "clients") {
    o += "# Clients\r\n";
    line("connected_clients", server.clients().count());
    line("cluster_connections", 0);
    line("maxclients", cfg.maxclients);
    line("blocked_clients", 0);
    line("tracking_clients", 0);
  } else if (name == "memory") {
    o += "# Memory\r\n";
    uint64_t rss = RssBytes();
    line("used_memory", rss);
    line("used_memory_human", Human(rss));
    line("used_memory_rss", rss);
    line("used_memory_rss_human", Human(rss));
    line("maxmemory", 0);
    line("maxmemory_human", "0B");
    line("maxmemory_policy", "noeviction");
    line("mem_fragmentation_ratio", "1.00");
    line("mem_allocator", "libc");
    line("lsmdb_memtable_bytes", Property(server, "lsmdb.memtable-bytes"));
  } else if (name == "persistence") {
    o += "# Persistence\r\n";
    line("loading", 0);
    line("async_loading", 0);
    line("rdb_changes_since_last_save", server.changes_since_save());
    line("rdb_bgsave_in_progress", 0);
    line("rdb_last_save_time", server.last_save_time());
    line("rdb_last_bgsave_status", server.last_save_ok() ? "ok" : "err");
    line("aof_enabled", 1);
    line("aof_rewrite_in_progress", 0);
    line("aof_rewrite_scheduled", 0);
    line("aof_last_write_status", "ok");
    line("appendfsync", cfg.appendfsync);
  } else if (name == "stats") {
    o += "# Stats\r\n";
    StatsSnapshot s = server.TotalStats();
    line("total_connections_received", server.total_connections());
    line("total_commands_processed", s.commands);
    line("instantaneous_ops_per_sec", server.instantaneous_ops());
    line("total_net_input_bytes", s.net_input_bytes);
    line("total_net_output_bytes", s.net_output_bytes);
    line("rejected_connections", server.rejected_connections());
    line("expired_keys", 0);
    line("evicted_keys", 0);
    line("keyspace_hits", 0);
    line("keyspace_misses", 0);
    line("pubsub_channels", 0);
    line("pubsub_patterns", 0);
    line("total_error_replies", s.error_replies);
    const ListCache::Stats lc = server.keyspace().list_cache().stats();
    line("list_cache_hits", lc.hits);
    line("list_cache_misses", lc.misses);
    line("list_cache_entries", lc.entries);
    line("list_cache_bytes", lc.bytes);
    if (server.replication() != nullptr) o += server.replication()->InfoStats();
  } else if (name == "replication") {
    o += "# Replication\r\n";
    if (server.replication() != nullptr) {
      o += server.replication()->InfoReplication(cfg.repl_backlog_size);
    } else {
      line("role", "master");
      line("connected_slaves", 0);
    }
  } else if (name == "cpu") {
    o += "# CPU\r\n";
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    auto secs = [](const timeval& tv) {
      return fmt::format("{:.6f}", static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6);
    };
    line("used_cpu_sys", secs(self.ru_stime));
    line("used_cpu_user", secs(self.ru_utime));
    line("used_cpu_sys_children", "0.000000");
    line("used_cpu_user_children", "0.000000");
  } else if (name == "storage") {
    o += "# Storage\r\n";
    std::string text;
    if (server.db().GetProperty("lsmdb.info", &text)) {
      // Normalise line ends to \r\n.
      size_t start = 0;
      while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string_view l(text.data() + start, end - start);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (!l.empty()) {
          o.append(l);
          o += "\r\n";
        }
        start = end + 1;
      }
    }
  } else if (name == "commandstats") {
    o += "# Commandstats\r\n";
    const CommandTable& table = server.commands();
    for (const auto& e : table.entries()) {
      uint64_t calls = 0, usec = 0, rejected = 0, failed = 0;
      for (size_t t = 0; t <= server.io_threads(); t++) {
        const CommandCounters& c = server.thread_stats(t).commands.at(e->index);
        calls += c.calls.load(std::memory_order_relaxed);
        usec += c.usec.load(std::memory_order_relaxed);
        rejected += c.rejected.load(std::memory_order_relaxed);
        failed += c.failed.load(std::memory_order_relaxed);
      }
      if (calls == 0 && rejected == 0 && failed == 0) continue;
      o += fmt::format(
          "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},failed_calls={}\r\n",
          e->spec.name, calls, usec, calls == 0 ? 0.0 : static_cast<double>(usec) / calls, rejected,
          failed);
    }
  } else if (name == "cluster") {
    o += "# Cluster\r\n";
    line("cluster_enabled", cfg.cluster_enabled ? 1 : 0);
  } else if (name == "keyspace") {
    o += "# Keyspace\r\n";
    for (int db = 0; db < static_cast<int>(cfg.databases); db++) {
      Result<int64_t> n = server.keyspace().DbSize(db);
      if (!n.ok() || *n == 0) continue;
      o += fmt::format("db{}:keys={},expires=0,avg_ttl=0\r\n", db, *n);
    }
  }
}

}  // namespace

std::string BuildInfo(Server& server, const std::vector<std::string_view>& sections) {
  std::vector<std::string_view> wanted;
  if (sections.empty()) {
    wanted.assign(std::begin(kDefaultSections), std::end(kDefaultSections));
  }
  for (std::string_view s : sections) {
    if (EqualsIgnoreCase(s, "default")) {
      wanted.insert(wanted.end(), std::begin(kDefaultSections), std::end(kDefaultSections));
    } else if (EqualsIgnoreCase(s, "all") || EqualsIgnoreCase(s, "everything")) {
      wanted.insert(wanted.end(), std::begin(kAllSections), std::end(kAllSections));
    } else {
      for (std::string_view known : kAllSections) {
        if (EqualsIgnoreCase(s, known)) wanted.push_back(known);
      }
    }
  }
  std::string out;
  for (std::string_view s : kAllSections) {
    if (std::find(wanted.begin(), wanted.end(), s) == wanted.end()) continue;
    if (!out.empty()) out += "\r\n";
    Section(server, s, &out);
  }
  return out;
}

}  // namespace lsmdb::server
