#include "src/server/slowlog.h"

#include <fmt/core.h>

#include <ctime>

namespace lsmdb::server {

void SlowLog::Add(const std::vector<std::string_view>& args, int64_t duration_us, std::string addr,
                  std::string name, size_t max_len) {
  constexpr size_t kMaxArgs = 32;
  constexpr size_t kMaxArgLen = 128;
  SlowLogEntry e;
  e.unix_time = time(nullptr);
  e.duration_us = duration_us;
  e.addr = std::move(addr);
  e.name = std::move(name);
  size_t n = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < n; i++) {
    if (i == kMaxArgs - 1 && args.size() > kMaxArgs) {
      e.args.push_back(fmt::format("... ({} more arguments)", args.size() - kMaxArgs + 1));
    } else if (args[i].size() > kMaxArgLen) {
      e.args.push_back(fmt::format("{}... ({} more bytes)", args[i].substr(0, kMaxArgLen),
                                   args[i].size() - kMaxArgLen));
    } else {
      e.args.emplace_back(args[i]);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Get(int64_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = count < 0 ? entries_.size() : std::min(entries_.size(), static_cast<size_t>(count));
  return std::vector<SlowLogEntry>(entries_.begin(), entries_.begin() + n);
}

size_t SlowLog::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace lsmdb::server
