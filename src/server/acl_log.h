#pragma once

// ACL LOG (Redis 7.0): the most recent security events, newest first.
//
// An event is a command or key a user may not use (reason "command" / "key",
// object = the command name / the key) or a failed AUTH/HELLO (reason
// "auth", object "AUTH", username = the name tried). Context is "toplevel",
// or "multi" for a command refused while queuing a transaction.
//
// As in Redis, an event equal to one of the 10 newest entries (same reason,
// context, object and username) within 60 seconds of that one's last
// occurrence bumps its count and refreshes its time and client info in place
// instead of adding an entry;
// the log keeps the newest kMaxEntries (Redis's acllog-max-len default, 128).
//
// Thread-safe (one mutex; events are rare: only refusals reach it).

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::server {

struct AclLogEntry {
  int64_t count = 1;
  std::string reason;
  std::string context;
  std::string object;
  std::string username;
  std::string client_info;  // the CLIENT LIST line of the client
  int64_t updated_ms = 0;   // last occurrence, for age-seconds
};

class AclLog {
 public:
  static constexpr size_t kMaxEntries = 128;
  static constexpr int64_t kGroupingMs = 60000;

  void Add(std::string_view reason, std::string_view context, std::string_view object,
           std::string_view username, std::string client_info, int64_t now_ms);
  // The newest `count` entries, newest first.
  std::vector<AclLogEntry> Newest(size_t count) const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::deque<AclLogEntry> entries_;  // GUARDED_BY(mu_), newest first
};

class Client;

// Adds an event for `client` (its CLIENT LIST line, "multi" context while it
// queues a transaction). `username` empty = the client's user.
void LogAclEvent(AclLog& log, const Client& client, std::string_view reason,
                 std::string_view object, std::string_view username = {});

}  // namespace lsmdb::server
