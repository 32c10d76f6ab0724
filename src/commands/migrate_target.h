#pragma once

// MIGRATE's side of the wire (cmd_migrate.cc): blocking TCP connections to a
// target server with a per-step timeout (poll), and the cache of idle
// connections per "host:port" (Redis keeps them MIGRATE_SOCKET_CACHE_TTL =
// 10 s, at most 64). Used only from MIGRATE's worker threads (or inline in
// EXEC): never from an asio I/O thread while it may block for long.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace lsmdb::server {

inline constexpr int64_t kCacheIdleMs = 10000;
inline constexpr size_t kCacheMax = 64;

// One connection; closed by the destructor.
struct TargetConn {
  int fd = -1;
  int64_t last_db = -1;  // -1: SELECT needed
  int64_t last_use_ms = 0;
  std::string in;  // bytes read, not yet consumed
  ~TargetConn();
};

// Idle connections by "host:port". Take() hands one out exclusively (nullptr
// if none, or if it idled past kCacheIdleMs: then it is closed); Put() gives
// it back (closed instead if the cache is full). Thread-safe.
class ConnCache {
 public:
  std::unique_ptr<TargetConn> Take(const std::string& addr);
  void Put(const std::string& addr, std::unique_ptr<TargetConn> c);

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<TargetConn>> conns_;
};

// The process-wide cache (never destroyed: detached workers may use it).
ConnCache& Cache();

// Connects within timeout_ms; nullptr on failure. The socket is non-blocking
// (every step below waits with poll) with TCP_NODELAY.
std::unique_ptr<TargetConn> Connect(const std::string& host, const std::string& port,
                                    int64_t timeout_ms);
// Sends all of `data` within timeout_ms. False on error or timeout
// (*timed_out set on timeout).
bool WriteAll(TargetConn& c, std::string_view data, int64_t timeout_ms, bool* timed_out);
// One reply line without CRLF (the replies to AUTH, SELECT and RESTORE are
// simple strings or errors). False on EOF, error or timeout.
bool ReadLine(TargetConn& c, int64_t timeout_ms, std::string* line, bool* timed_out);
// Appends `args` as a RESP array of bulk strings.
void AppendCommand(std::string* out, std::initializer_list<std::string_view> args);

}  // namespace lsmdb::server
