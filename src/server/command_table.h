#pragma once

// CommandTable: every command the server knows, looked up by name on every
// request. Filled once at start-up (src/commands/all_commands.cc) and read-only
// afterwards, so lookups from any thread need no lock.
//
// Find() is case-insensitive and allocates nothing: an open-addressing table
// of entry pointers keyed by a hash of the ASCII-lowercased name.
//
// Per-command statistics (INFO commandstats) live in CommandStats shards, one
// per I/O thread, indexed by Entry::index. Each shard has one writing thread;
// readers (INFO) sum the shards with relaxed loads, so a figure may lag by the
// commands running at that instant.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/server/command.h"

namespace lsmdb::server {

class CommandTable {
 public:
  struct Entry {
    CommandSpec spec;
    size_t index;  // dense, in registration order: the slot in CommandStats
    // The name Find() knows it by: spec.name unless renamed by the config's
    // rename-command; empty = disabled (unknown command).
    std::string lookup;
  };

  CommandTable() = default;
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  // Adds every spec. A name already present is replaced (its index is kept).
  // REQUIRES: no concurrent Find().
  void Add(std::span<const CommandSpec> specs);

  // rename-command: the command named `from` (any case) is found as `to`
  // from now on; an empty `to` disables it. False if no command is named
  // `from`. REQUIRES: no concurrent Find().
  bool Rename(std::string_view from, std::string_view to);

  // The entry for `name` (any case), or null. Thread-safe once filled.
  const Entry* Find(std::string_view name) const;

  size_t size() const { return entries_.size(); }
  // Entries in registration order.
  const std::vector<std::unique_ptr<Entry>>& entries() const { return entries_; }

 private:
  void Rehash();

  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<const Entry*> slots_;  // power-of-two size, null = empty
};

// Counters of one command in one shard.
struct CommandCounters {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> usec{0};
  std::atomic<uint64_t> rejected{0};  // refused before running (arity, auth)
  std::atomic<uint64_t> failed{0};    // ran and replied with an error
};

// One shard of per-command counters. REQUIRES: one writing thread per shard.
class CommandStats {
 public:
  explicit CommandStats(size_t commands) : counters_(new CommandCounters[commands]), n_(commands) {}

  // Single-writer increment: a relaxed load and store, no locked instruction.
  static void Bump(std::atomic<uint64_t>& c, uint64_t by = 1) {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  CommandCounters& at(size_t index) { return counters_[index]; }
  const CommandCounters& at(size_t index) const { return counters_[index]; }
  size_t size() const { return n_; }
  void Reset();

 private:
  std::unique_ptr<CommandCounters[]> counters_;
  size_t n_;
};

}  // namespace lsmdb::server
