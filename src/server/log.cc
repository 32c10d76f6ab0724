#include "src/server/log.h"

#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace lsmdb::server {
namespace {

// Relaxed: the level is a filter; a line racing with SetLogLevel may go either way.
std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};
std::mutex g_mu;
FILE* g_file = nullptr;  // GUARDED_BY(g_mu); null = stdout

constexpr std::string_view kNames[] = {"debug", "verbose", "notice", "warning"};
constexpr char kLevelChars[] = {'.', '-', '*', '#'};

}  // namespace

bool ParseLogLevel(std::string_view s, LogLevel* level) {
  for (int i = 0; i < 4; i++) {
    if (s.size() == kNames[i].size() && strncasecmp(s.data(), kNames[i].data(), s.size()) == 0) {
      *level = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

std::string_view LogLevelName(LogLevel level) { return kNames[static_cast<int>(level)]; }

void SetLogLevel(LogLevel level) {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool SetLogFile(std::string_view path) {
  FILE* f = nullptr;
  if (!path.empty()) {
    f = fopen(std::string(path).c_str(), "a");
    if (f == nullptr) return false;
  }
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_file != nullptr) fclose(g_file);
  g_file = f;
  return true;
}

void LogLine(LogLevel level, std::string_view message) {
  if (level < GetLogLevel()) return;
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char date[64];
  size_t n = strftime(date, sizeof(date), "%d %b %Y %H:%M:%S", &tm);
  std::string line = fmt::format("{}:M {}.{:03d} {} {}\n", getpid(), std::string_view(date, n),
                                 static_cast<int>(tv.tv_usec / 1000),
                                 kLevelChars[static_cast<int>(level)], message);
  std::lock_guard<std::mutex> lock(g_mu);
  FILE* out = g_file != nullptr ? g_file : stdout;
  fwrite(line.data(), 1, line.size(), out);
  fflush(out);
}

}  // namespace lsmdb::server
