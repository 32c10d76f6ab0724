#pragma once

// Server log lines in Redis's format:
//
//   <pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level char> <message>
//   12345:M 25 Nov 2025 17:40:01.123 * Ready to accept connections
//
// Level characters as in Redis: debug '.', verbose '-', notice '*', warning '#'.
// Lines go to the configured file (appended) or, with no file, to stdout.
// Thread-safe: one mutex serialises whole lines.

#include <fmt/core.h>

#include <string_view>

namespace lsmdb::server {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// Parses "debug", "verbose", "notice", "warning" (case-insensitive).
bool ParseLogLevel(std::string_view s, LogLevel* level);
std::string_view LogLevelName(LogLevel level);

// Sets the minimum level written. Thread-safe.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Sends later lines to `path` (appending), or to stdout when empty. Returns
// false (and keeps the old target) if the file cannot be opened.
bool SetLogFile(std::string_view path);

// Writes one line if `level` is enabled.
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (level < GetLogLevel()) return;
  LogLine(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace lsmdb::server

#define LSMDB_LOG_DEBUG(...) ::lsmdb::server::Log(::lsmdb::server::LogLevel::kDebug, __VA_ARGS__)
#define LSMDB_LOG_VERBOSE(...) \
  ::lsmdb::server::Log(::lsmdb::server::LogLevel::kVerbose, __VA_ARGS__)
#define LSMDB_LOG_NOTICE(...) ::lsmdb::server::Log(::lsmdb::server::LogLevel::kNotice, __VA_ARGS__)
#define LSMDB_LOG_WARNING(...) \
  ::lsmdb::server::Log(::lsmdb::server::LogLevel::kWarning, __VA_ARGS__)
