#pragma once

// SLOWLOG: the last slowlog-max-len commands that ran longer than
// slowlog-log-slower-than microseconds, newest first. Entries copy at most 32
// arguments, each cut to 128 bytes, as Redis does. Thread-safe (one mutex;
// only slow commands take it).

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lsmdb::server {

struct SlowLogEntry {
  uint64_t id;
  int64_t unix_time;
  int64_t duration_us;
  std::vector<std::string> args;
  std::string addr;
  std::string name;
};

class SlowLog {
 public:
  void Add(const std::vector<std::string_view>& args, int64_t duration_us, std::string addr,
           std::string name, size_t max_len);
  // Up to `count` newest entries (count < 0: all).
  std::vector<SlowLogEntry> Get(int64_t count) const;
  size_t Len() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::deque<SlowLogEntry> entries_;  // GUARDED_BY(mu_), newest first
  uint64_t next_id_ = 0;              // GUARDED_BY(mu_)
};

}  // namespace lsmdb::server
