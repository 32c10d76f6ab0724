#include "src/server/command_table.h"

#include <strings.h>

#include <cstring>

namespace lsmdb::server {
namespace {

inline unsigned char Lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// FNV-1a over the lowercased bytes.
uint64_t HashNoCase(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= Lower(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

void CommandTable::Add(std::span<const CommandSpec> specs) {
  for (const CommandSpec& spec : specs) {
    bool replaced = false;
    for (auto& e : entries_) {
      if (strcmp(e->spec.name, spec.name) == 0) {
        e->spec = spec;
        replaced = true;
      }
    }
    if (!replaced) {
      auto e = std::make_unique<Entry>();
      e->spec = spec;
      e->lookup = spec.name;
      e->index = entries_.size();
      entries_.push_back(std::move(e));
    }
  }
  Rehash();
}

void CommandTable::Rehash() {
  size_t cap = 16;
  while (cap < entries_.size() * 4) cap <<= 1;
  slots_.assign(cap, nullptr);
  for (const auto& e : entries_) {
    if (e->lookup.empty()) continue;  // disabled by rename-command
    size_t i = HashNoCase(e->lookup) & (cap - 1);
    while (slots_[i] != nullptr) i = (i + 1) & (cap - 1);
    slots_[i] = e.get();
  }
}

const CommandTable::Entry* CommandTable::Find(std::string_view name) const {
  if (slots_.empty()) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t i = HashNoCase(name) & mask;; i = (i + 1) & mask) {
    const Entry* e = slots_[i];
    if (e == nullptr) return nullptr;
    const std::string& n = e->lookup;
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), name.size()) == 0) return e;
  }
}

bool CommandTable::Rename(std::string_view from, std::string_view to) {
  for (auto& e : entries_) {
    const char* n = e->spec.name;
    if (strncasecmp(n, from.data(), from.size()) == 0 && n[from.size()] == '\0') {
      e->lookup.clear();
      for (unsigned char c : to) e->lookup += static_cast<char>(Lower(c));
      Rehash();
      return true;
    }
  }
  return false;
}

void CommandStats::Reset() {
  for (size_t i = 0; i < n_; i++) {
    counters_[i].calls.store(0, std::memory_order_relaxed);
    counters_[i].usec.store(0, std::memory_order_relaxed);
    counters_[i].rejected.store(0, std::memory_order_relaxed);
    counters_[i].failed.store(0, std::memory_order_relaxed);
  }
}

}  // namespace lsmdb::server
