#include "src/server/command_table.h"

#include <catch2/catch.hpp>

namespace lsmdb::server {
namespace {

Status Noop(CommandContext&) { return Status::OK(); }

constexpr CommandSpec kSpecs[] = {
    {"get", 2, kCmdReadOnly | kCmdFast, {1, 1, 1}, Noop, "@read @string @fast"},
    {"set", -3, kCmdWrite, {1, 1, 1}, Noop, "@write @string"},
    {"ping", -1, kCmdFast, {}, Noop, "@fast"},
};

}  // namespace

TEST_CASE("Command lookup ignores case and rejects near misses", "[src][command_table]") {
  CommandTable t;
  t.Add(kSpecs);
  REQUIRE(t.size() == 3);
  CHECK(t.Find("get") != nullptr);
  CHECK(t.Find("GET") == t.Find("get"));
  CHECK(t.Find("GeT")->spec.arity == 2);
  CHECK(t.Find("ge") == nullptr);
  CHECK(t.Find("gets") == nullptr);
  CHECK(t.Find("") == nullptr);
  CHECK(t.Find("set")->index == 1);
  std::string_view not_terminated("pingpong", 4);
  CHECK(t.Find(not_terminated) == t.Find("ping"));
}

TEST_CASE("Adding a command twice replaces it and keeps its index", "[src][command_table]") {
  CommandTable t;
  t.Add(kSpecs);
  const CommandSpec again[] = {{"set", -4, kCmdWrite, {1, 1, 1}, Noop, ""}};
  t.Add(again);
  CHECK(t.size() == 3);
  CHECK(t.Find("set")->spec.arity == -4);
  CHECK(t.Find("set")->index == 1);
}

TEST_CASE("Lookup works with many commands", "[src][command_table]") {
  CommandTable t;
  std::vector<std::string> names;
  for (int i = 0; i < 300; i++) names.push_back("cmd" + std::to_string(i));
  std::vector<CommandSpec> specs;
  for (const auto& n : names) specs.push_back({n.c_str(), 1, 0, {}, Noop, ""});
  t.Add(specs);
  for (int i = 0; i < 300; i++) {
    const auto* e = t.Find("CMD" + std::to_string(i));
    REQUIRE(e != nullptr);
    CHECK(e->index == static_cast<size_t>(i));
  }
}

TEST_CASE("Command stats count per shard and reset", "[src][command_table]") {
  CommandStats s(3);
  CommandStats::Bump(s.at(1).calls);
  CommandStats::Bump(s.at(1).usec, 40);
  CHECK(s.at(1).calls.load() == 1);
  CHECK(s.at(1).usec.load() == 40);
  s.Reset();
  CHECK(s.at(1).calls.load() == 0);
}

}  // namespace lsmdb::server
