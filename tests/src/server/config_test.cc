#include "src/config/config.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace lsmdb::server {
namespace {

// A TOML file in a fresh temp dir, removed at scope exit.
class TempToml {
 public:
  explicit TempToml(const std::string& text) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lsmdb-conf-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/lsmdb.toml";
    std::ofstream(path_) << text;
  }
  ~TempToml() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

std::string Get(const Config& c, std::string_view name) {
  auto v = GetConfigOptions(c, name);
  REQUIRE(v.size() == 1);
  return v[0].second;
}

}  // namespace

TEST_CASE("Sizes accept Redis units", "[src][config]") {
  int64_t v;
  CHECK((ParseMemory("100", &v) && v == 100));
  CHECK((ParseMemory("512k", &v) && v == 512000));
  CHECK((ParseMemory("512kb", &v) && v == 512 * 1024));
  CHECK((ParseMemory("64mb", &v) && v == 64ll << 20));
  CHECK((ParseMemory("64MB", &v) && v == 64ll << 20));
  CHECK((ParseMemory("1gb", &v) && v == 1ll << 30));
  CHECK((ParseMemory("2g", &v) && v == 2000000000ll));
  CHECK_FALSE(ParseMemory("", &v));
  CHECK_FALSE(ParseMemory("mb", &v));
  CHECK_FALSE(ParseMemory("12xb", &v));
  CHECK_FALSE(ParseMemory("1.5mb", &v));
}

TEST_CASE("Defaults match the documented ones", "[src][config]") {
  Config c;
  CHECK(c.port == 6379);
  CHECK(c.databases == 16);
  CHECK(c.maxclients == 10000);
  CHECK(c.appendfsync == "everysec");
  CHECK(c.proto_max_bulk_len == 512ll << 20);
  CHECK(c.client_query_buffer_limit == 1ll << 30);
  Options o = ToEngineOptions(c);
  CHECK(o.sync_mode == SyncMode::kEverySec);
  CHECK(o.compression == Compression::kLz4);
}

TEST_CASE("The config file is read and flags override it", "[src][config]") {
  TempToml f(R"(
[server]
port = 7000
bind = "0.0.0.0"
maxclients = 50
requirepass = "secret"

[storage]
dir = "/tmp/x"
appendfsync = "always"
memtable-size = "8mb"
compression = "none"

[compaction]
level0-trigger = 2
target-file-size = "2mb"

[replication]
replicaof = "10.0.0.1 6380"

[cluster]
enabled = true

[log]
level = "warning"
)");
  Config c;
  REQUIRE(LoadConfig({f.path(), "--port", "7001", "--storage.memtable-size", "16mb"}, &c).ok());
  CHECK(c.config_file == f.path());
  CHECK(c.port == 7001);
  CHECK(c.bind == "0.0.0.0");
  CHECK(c.maxclients == 50);
  CHECK(c.requirepass == "secret");
  CHECK(c.dir == "/tmp/x");
  CHECK(c.appendfsync == "always");
  CHECK(c.memtable_size == 16ll << 20);
  CHECK(c.compression == "none");
  CHECK(c.level0_trigger == 2);
  CHECK(c.target_file_size == 2ll << 20);
  CHECK(c.replicaof == "10.0.0.1 6380");
  CHECK(c.cluster_enabled);
  CHECK(c.loglevel == "warning");
  Options o = ToEngineOptions(c);
  CHECK(o.sync_mode == SyncMode::kAlways);
  CHECK(o.write_buffer_size == 16u << 20);
  CHECK(o.compression == Compression::kNone);

  SECTION("--config names the file too") {
    Config d;
    REQUIRE(LoadConfig({"--config", f.path(), "--appendfsync", "no"}, &d).ok());
    CHECK(d.port == 7000);
    CHECK(d.appendfsync == "no");
  }
}

TEST_CASE("Redis-spelled flags set their options", "[src][config]") {
  Config c;
  REQUIRE(LoadConfig({"--port",
                      "1234",
                      "--bind",
                      "127.0.0.1",
                      "--dir",
                      "/d",
                      "--requirepass",
                      "pw",
                      "--appendfsync",
                      "always",
                      "--replicaof",
                      "h",
                      "99",
                      "--cluster-enabled",
                      "yes",
                      "--cluster-node-timeout",
                      "500",
                      "--loglevel",
                      "debug",
                      "--daemonize",
                      "no",
                      "--server.timeout",
                      "30"},
                     &c)
              .ok());
  CHECK(c.port == 1234);
  CHECK(c.dir == "/d");
  CHECK(c.requirepass == "pw");
  CHECK(c.appendfsync == "always");
  CHECK(c.replicaof == "h 99");
  CHECK(c.cluster_enabled);
  CHECK(c.cluster_node_timeout == 500);
  CHECK(c.loglevel == "debug");
  CHECK(c.timeout == 30);

  Config d;
  REQUIRE(LoadConfig({"--replicaof", "host 6379"}, &d).ok());
  CHECK(d.replicaof == "host 6379");
}

TEST_CASE("An unknown key or a bad value is an error naming the key", "[src][config]") {
  Config c;
  SECTION("unknown flag") {
    Status s = LoadConfig({"--no-such-thing", "1"}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("no-such-thing") != std::string::npos);
  }
  SECTION("bad integer flag") {
    Status s = LoadConfig({"--port", "abc"}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("port") != std::string::npos);
  }
  SECTION("out of range") {
    Status s = LoadConfig({"--port", "70000"}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("between 0 and 65535") != std::string::npos);
  }
  SECTION("bad enum") {
    Status s = LoadConfig({"--appendfsync", "sometimes"}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("appendfsync") != std::string::npos);
  }
  SECTION("flag without a value") { CHECK_FALSE(LoadConfig({"--port"}, &c).ok()); }
  SECTION("unknown key in the file") {
    TempToml f("[server]\nport = 7000\nbogus-key = 1\n");
    Status s = LoadConfig({f.path()}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("server.bogus-key") != std::string::npos);
  }
  SECTION("unknown section in the file") {
    TempToml f("[nosuch]\nx = 1\n");
    Status s = LoadConfig({f.path()}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("nosuch.x") != std::string::npos);
  }
  SECTION("bad size in the file") {
    TempToml f("[storage]\nmemtable-size = \"lots\"\n");
    Status s = LoadConfig({f.path()}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("storage.memtable-size") != std::string::npos);
  }
  SECTION("wrong type in the file") {
    TempToml f("[server]\nport = 1.5\n");
    Status s = LoadConfig({f.path()}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("server.port") != std::string::npos);
  }
  SECTION("TOML syntax error names the line") {
    TempToml f("[server]\nport = = 3\n");
    Status s = LoadConfig({f.path()}, &c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find(":2:") != std::string::npos);
  }
  SECTION("missing file") { CHECK_FALSE(LoadConfig({"/nonexistent/lsmdb.toml"}, &c).ok()); }
  SECTION("inconsistent level-0 triggers") {
    CHECK_FALSE(LoadConfig({"--compaction.level0-trigger", "50"}, &c).ok());
  }
}

TEST_CASE("CONFIG GET matches Redis names with globs", "[src][config]") {
  Config c;
  CHECK(Get(c, "maxclients") == "10000");
  CHECK(Get(c, "appendfsync") == "everysec");
  CHECK(Get(c, "save") == "");
  CHECK(Get(c, "appendonly") == "yes");
  CHECK(Get(c, "port") == "6379");
  CHECK(Get(c, "databases") == "16");
  CHECK(Get(c, "storage.dir") == "./data");
  auto many = GetConfigOptions(c, "*max*");
  CHECK(many.size() >= 3);
  CHECK(GetConfigOptions(c, "nomatch*").empty());
  CHECK(GetConfigOptions(c, "*").size() > 30);
}

TEST_CASE("CONFIG SET changes only runtime options", "[src][config]") {
  Config c;
  CHECK(SetConfigOption(&c, "maxclients", "20", true).ok());
  CHECK(c.maxclients == 20);
  CHECK(SetConfigOption(&c, "PROTO-MAX-BULK-LEN", "2mb", true).ok());
  CHECK(c.proto_max_bulk_len == 2ll << 20);
  Status s = SetConfigOption(&c, "port", "1", true);
  CHECK(s.code() == Status::Code::kNotSupported);
  CHECK(s.message() == "can't set immutable config");
  CHECK(SetConfigOption(&c, "nope", "1", true).IsNotFound());
  CHECK(SetConfigOption(&c, "maxclients", "x", true).IsInvalidArgument());
  CHECK(c.maxclients == 20);
}

TEST_CASE("CONFIG REWRITE output reads back to the same config", "[src][config]") {
  Config c;
  REQUIRE(
      LoadConfig({"--port", "7123", "--requirepass", "a\"b", "--cluster-enabled", "yes"}, &c).ok());
  TempToml f(ConfigToToml(c));
  Config d;
  REQUIRE(LoadConfig({f.path()}, &d).ok());
  CHECK(d.port == 7123);
  CHECK(d.requirepass == "a\"b");
  CHECK(d.cluster_enabled);
  CHECK(ConfigToToml(d) == ConfigToToml(c));
}

}  // namespace lsmdb::server
