#include "src/server/acl.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "src/commands/all_commands.h"
#include "src/config/config.h"
#include "src/server/command_table.h"
#include "tests/src/harness.h"

namespace lsmdb::server {
namespace {

Status DummyHandler(CommandContext&) { return Status::OK(); }

// A small table: get (read), set (write), flushall (write, dangerous), del.
constexpr CommandSpec kTestCommands[] = {
    {"get", 2, kCmdReadOnly, {1, 1, 1}, DummyHandler, "@read @string @fast"},
    {"set", -3, kCmdWrite, {1, 1, 1}, DummyHandler, "@write @string @slow"},
    {"flushall", -1, kCmdWrite, {}, DummyHandler, "@keyspace @write @slow @dangerous"},
    {"mset", -3, kCmdWrite, {1, -1, 2}, DummyHandler, "@write @string @slow"},
};

struct TestAcl {
  TestAcl() { table.Add(kTestCommands); }
  size_t Index(const char* name) { return table.Find(name)->index; }
  CommandTable table;
};

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180-4 test vectors", "[src][acl]") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(Sha256Hex(std::string(1000, 'a')) ==
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_CASE("The default user is on, nopass and allowed everything", "[src][acl]") {
  TestAcl t;
  Acl acl(t.table);
  REQUIRE(acl.List() == std::vector<std::string>{"user default on nopass ~* &* +@all"});
  CHECK(acl.default_open());
  CHECK(acl.default_nopass());
  auto d = acl.default_user();
  for (const char* cmd : {"get", "set", "flushall", "mset"}) CHECK(d->CanRun(t.Index(cmd)));
  CHECK(acl.Authenticate("default", "anything") == d);

  acl.SetDefaultPassword("pw");
  CHECK_FALSE(acl.default_open());
  CHECK_FALSE(acl.default_nopass());
  CHECK(acl.Authenticate("default", "anything") == nullptr);
  CHECK(acl.Authenticate("default", "pw") == d);
  CHECK(acl.List()[0] == "user default on #" + Sha256Hex("pw") + " ~* &* +@all");
  acl.SetDefaultPassword("");
  CHECK(acl.default_open());
}

TEST_CASE("SETUSER applies rules in order and describes them like Redis", "[src][acl]") {
  TestAcl t;
  Acl acl(t.table);
  REQUIRE(acl.SetUser("alice", {}).ok());
  CHECK(acl.List()[0] == "user alice off resetchannels -@all");
  REQUIRE(acl.SetUser("alice", {"on", ">pw1", ">pw2", "~app:*", "+@read", "+set"}).ok());
  auto alice = acl.Find("alice");
  REQUIRE(alice != nullptr);
  CHECK(alice->CanRun(t.Index("get")));
  CHECK(alice->CanRun(t.Index("set")));
  CHECK_FALSE(alice->CanRun(t.Index("flushall")));
  CHECK_FALSE(alice->CanRun(t.Index("mset")));
  CHECK(acl.List()[0] == "user alice on #" + Sha256Hex("pw1") + " #" + Sha256Hex("pw2") +
                             " ~app:* resetchannels -@all +@read +set");
  CHECK(acl.Authenticate("alice", "pw2") == alice);
  CHECK(acl.Authenticate("alice", "nope") == nullptr);
  REQUIRE(acl.SetUser("alice", {"<pw2"}).ok());
  CHECK(acl.Authenticate("alice", "pw2") == nullptr);

  // +@all then removals; a repeated target keeps only its last rule.
  REQUIRE(acl.SetUser("bob",
                      {"on", "nopass", "allkeys", "+@all", "-flushall", "+flushall", "-@dangerous"})
              .ok());
  auto bob = acl.Find("bob");
  CHECK_FALSE(bob->CanRun(t.Index("flushall")));
  CHECK(bob->CanRun(t.Index("set")));
  AclUserInfo info;
  REQUIRE(acl.GetUser("bob", &info));
  CHECK(info.flags == std::vector<std::string>{"on", "nopass"});
  CHECK(info.commands == "+@all +flushall -@dangerous");
  CHECK(info.keys == "~*");
  CHECK(info.channels.empty());
  CHECK(acl.Users() == std::vector<std::string>{"alice", "bob", "default"});

  // off disables AUTH; reset clears everything.
  REQUIRE(acl.SetUser("bob", {"off"}).ok());
  CHECK(acl.Authenticate("bob", "x") == nullptr);
  REQUIRE(acl.SetUser("bob", {"reset"}).ok());
  CHECK(acl.List()[1] == "user bob off resetchannels -@all");
  CHECK_FALSE(bob->CanRun(t.Index("get")));
}

TEST_CASE("A bad SETUSER rule names itself and changes nothing", "[src][acl]") {
  TestAcl t;
  Acl acl(t.table);
  CHECK(acl.SetUser("u", {"on", "bogus"}).message() ==
        "ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
  CHECK(acl.Find("u") == nullptr);
  CHECK(acl.SetUser("u", {"+nosuch"}).message() ==
        "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  CHECK(acl.SetUser("u", {"-@nosuch"}).message() ==
        "ERR Error in ACL SETUSER modifier '-@nosuch': Unknown command or category name in ACL");
  CHECK(acl.SetUser("u", {"<never"}).message() ==
        "ERR Error in ACL SETUSER modifier '<never': The password you are trying to remove "
        "from the user does not exist");
  CHECK(acl.SetUser("u", {"#abc"}).message().find("exactly 64 characters") != std::string::npos);
  CHECK(acl.SetUser("u", {"allkeys", "~x"}).message().find("Try 'resetkeys'") != std::string::npos);
  REQUIRE(acl.SetUser("u", {"on", "+get"}).ok());
  CHECK_FALSE(acl.SetUser("u", {"+set", "bogus"}).ok());
  CHECK_FALSE(acl.Find("u")->CanRun(t.Index("set")));  // all or nothing
  CHECK(acl.SetUser("a b", {}).message() ==
        "ERR Usernames can't contain spaces or null characters");
}

TEST_CASE("Key patterns are checked over the command's key positions", "[src][acl]") {
  TestAcl t;
  Acl acl(t.table);
  REQUIRE(acl.SetUser("k", {"on", "+@all", "~app:*", "~tmp"}).ok());
  auto k = acl.Find("k");
  const CommandSpec& mset = t.table.Find("mset")->spec;
  const CommandSpec& get = t.table.Find("get")->spec;
  const CommandSpec& flushall = t.table.Find("flushall")->spec;
  CHECK(acl.KeysAllowed(*k, get, {"get", "app:1"}));
  CHECK(acl.KeysAllowed(*k, get, {"get", "tmp"}));
  CHECK_FALSE(acl.KeysAllowed(*k, get, {"get", "other"}));
  CHECK(acl.KeysAllowed(*k, mset, {"mset", "app:1", "v", "tmp", "v"}));
  CHECK_FALSE(acl.KeysAllowed(*k, mset, {"mset", "app:1", "v", "x", "v"}));
  CHECK(acl.KeysAllowed(*k, flushall, {"flushall"}));  // no keys
}

TEST_CASE("Key patterns also cover keys that move: numkeys lists and MIGRATE's KEYS",
          "[src][acl]") {
  CommandTable table;  // the server's real rows
  RegisterAllCommands(table);
  Acl acl(table);
  REQUIRE(acl.SetUser("k", {"on", "+@all", "~app:*"}).ok());
  auto k = acl.Find("k");
  const CommandSpec& zunion = table.Find("zunion")->spec;
  const CommandSpec& zunionstore = table.Find("zunionstore")->spec;
  const CommandSpec& sintercard = table.Find("sintercard")->spec;
  const CommandSpec& lmpop = table.Find("lmpop")->spec;
  const CommandSpec& migrate = table.Find("migrate")->spec;
  CHECK(acl.KeysAllowed(*k, zunion, {"zunion", "2", "app:1", "app:2", "WITHSCORES"}));
  size_t denied = 0;
  CHECK_FALSE(acl.KeysAllowed(*k, zunion, {"zunion", "2", "app:1", "secret"}, &denied));
  CHECK(denied == 3);
  CHECK_FALSE(acl.KeysAllowed(*k, zunionstore, {"zunionstore", "app:d", "1", "secret"}));
  CHECK_FALSE(acl.KeysAllowed(*k, zunionstore, {"zunionstore", "x", "1", "app:1"}));
  CHECK_FALSE(acl.KeysAllowed(*k, sintercard, {"sintercard", "1", "secret", "LIMIT", "1"}));
  CHECK_FALSE(acl.KeysAllowed(*k, lmpop, {"lmpop", "1", "secret", "LEFT"}));
  CHECK(acl.KeysAllowed(*k, lmpop, {"lmpop", "1", "app:l", "LEFT"}));
  CHECK_FALSE(acl.KeysAllowed(*k, migrate, {"migrate", "h", "1", "secret", "0", "100"}));
  CHECK(acl.KeysAllowed(*k, migrate, {"migrate", "h", "1", "app:1", "0", "100", "COPY"}));
  CHECK_FALSE(acl.KeysAllowed(
      *k, migrate,
      {"migrate", "h", "1", "", "0", "100", "AUTH", "keys", "KEYS", "app:1", "secret"}));
  CHECK(acl.KeysAllowed(*k, migrate,
                        {"migrate", "h", "1", "", "0", "100", "AUTH2", "u", "p", "KEYS", "app:1"}));
}

TEST_CASE("DELUSER refuses default and reports how many were removed", "[src][acl]") {
  TestAcl t;
  Acl acl(t.table);
  REQUIRE(acl.SetUser("a", {"on", "nopass", "+@all"}).ok());
  auto a = acl.Find("a");
  std::vector<std::shared_ptr<AclUser>> removed;
  CHECK(acl.DelUsers({"a", "default"}, &removed).message() ==
        "ERR The 'default' user cannot be removed");
  CHECK(removed.empty());
  REQUIRE(acl.DelUsers({"a", "ghost"}, &removed).ok());
  CHECK(removed.size() == 1);
  CHECK(acl.Find("a") == nullptr);
  CHECK_FALSE(a->enabled());  // a client still holding it can run nothing
  CHECK_FALSE(a->CanRun(t.Index("get")));
}

TEST_CASE("Protected mode refuses only non-loopback clients of a password-less server",
          "[src][acl]") {
  auto ip = [](const char* s) { return asio::ip::make_address(s); };
  CHECK(ProtectedModeDenies(true, true, ip("10.1.2.3")));
  CHECK(ProtectedModeDenies(true, true, ip("192.168.0.5")));
  CHECK(ProtectedModeDenies(true, true, ip("::ffff:10.0.0.1")));
  CHECK(ProtectedModeDenies(true, true, ip("fe80::1")));
  CHECK_FALSE(ProtectedModeDenies(true, true, ip("127.0.0.1")));
  CHECK_FALSE(ProtectedModeDenies(true, true, ip("127.8.9.10")));
  CHECK_FALSE(ProtectedModeDenies(true, true, ip("::1")));
  CHECK_FALSE(ProtectedModeDenies(true, true, ip("::ffff:127.0.0.1")));
  CHECK_FALSE(ProtectedModeDenies(false, true, ip("10.1.2.3")));
  CHECK_FALSE(ProtectedModeDenies(true, false, ip("10.1.2.3")));
  CHECK(kProtectedModeDenied.substr(0, 47) == "-DENIED Redis is running in protected mode beca");
  CHECK(kProtectedModeDenied.substr(kProtectedModeDenied.size() - 2) == "\r\n");
}

TEST_CASE("The dispatcher enforces ACL users after AUTH", "[src][acl][dispatcher]") {
  test::Harness h;
  CHECK(h.Run({"acl", "whoami"}) == "$7\r\ndefault\r\n");
  CHECK(h.Run({"acl", "setuser", "ro", "on", ">secret", "~*", "+@read", "+acl"}) == "+OK\r\n");
  CHECK(h.Run({"auth", "ro", "bad"}) ==
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(h.Run({"auth", "nobody", "secret"}) ==
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(h.Run({"auth", "ro", "secret"}) == "+OK\r\n");
  CHECK(h.Run({"acl", "whoami"}) == "$2\r\nro\r\n");
  CHECK(h.Run({"get", "k"}) == "$-1\r\n");
  CHECK(h.Run({"set", "k", "v"}) ==
        "-NOPERM this user has no permissions to run the 'set' command\r\n");
  // Arity and unknown-command errors still come first.
  CHECK(h.Run({"set", "k"}) == "-ERR wrong number of arguments for 'set' command\r\n");
  // AUTH <password> alone while default is nopass is an error.
  CHECK(h.Run({"auth", "x"}).rfind("-ERR AUTH <password> called without any password", 0) == 0);
  // In MULTI a NOPERM flags the transaction.
  CHECK(h.Run({"multi"}) == "-NOPERM this user has no permissions to run the 'multi' command\r\n");

  // Key patterns.
  CHECK(h.Run({"auth", "default", "x"}) == "+OK\r\n");
  CHECK(h.Run({"acl", "setuser", "keys", "on", "nopass", "+@all", "~app:*"}) == "+OK\r\n");
  CHECK(h.Run({"auth", "keys", "x"}) == "+OK\r\n");
  CHECK(h.Run({"set", "app:1", "v"}) == "+OK\r\n");
  CHECK(h.Run({"set", "other", "v"}) ==
        "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n");
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.Run({"acl", "whoami"}) == "$7\r\ndefault\r\n");
}

TEST_CASE("requirepass is the default user's password", "[src][acl][dispatcher]") {
  test::Harness h({"--requirepass", "pw"});
  CHECK(h.Run({"acl", "whoami"}) == "-NOAUTH Authentication required.\r\n");
  CHECK(h.Run({"auth", "default", "pw"}) == "+OK\r\n");
  CHECK(h.Run({"config", "set", "requirepass", ""}) == "+OK\r\n");
  CHECK(h.Run({"acl", "list"}) == "*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n");
  CHECK(h.Run({"config", "set", "requirepass", "new"}) == "+OK\r\n");
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.Run({"ping"}) == "-NOAUTH Authentication required.\r\n");
  CHECK(h.Run({"hello", "3", "auth", "default", "new"}).rfind("%7\r\n", 0) == 0);
}

TEST_CASE("rename-command renames or disables commands", "[src][acl][config]") {
  test::Harness h({"--rename-command", "flushall", "", "--rename-command", "CONFIG", "cfg_9f3a"});
  CHECK(h.Run({"flushall"}) == "-ERR unknown command 'flushall', with args beginning with: \r\n");
  CHECK(h.Run({"config", "get", "port"}).rfind("-ERR unknown command 'config'", 0) == 0);
  CHECK(h.Run({"CFG_9F3A", "get", "databases"}) == "*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n");
  CHECK(h.Run({"flushdb"}) == "+OK\r\n");
  CHECK_THROWS(test::Harness({"--rename-command", "nosuch", "x"}));
}

TEST_CASE("ACL CAT lists categories and their commands", "[src][acl]") {
  test::Harness h;
  std::string cats = h.Run({"acl", "cat"});
  CHECK(cats.find("$6\r\nstring\r\n") != std::string::npos);
  CHECK(cats.find("$9\r\ndangerous\r\n") != std::string::npos);
  std::string strings = h.Run({"acl", "cat", "string"});
  CHECK(strings.find("$3\r\nget\r\n") != std::string::npos);
  CHECK(strings.find("$4\r\nlpop\r\n") == std::string::npos);
  CHECK(h.Run({"acl", "cat", "nosuch"}) == "-ERR Unknown category 'nosuch'\r\n");
  CHECK(h.Run({"acl", "nosuch"}) == "-ERR unknown subcommand 'nosuch'. Try ACL HELP.\r\n");
  CHECK(h.Run({"acl", "getuser", "ghost"}) == "$-1\r\n");
}

TEST_CASE("Security options load from TOML and survive CONFIG REWRITE", "[src][acl][config]") {
  std::string path = (std::filesystem::temp_directory_path() / "lsmdb-acl-test.toml").string();
  {
    FILE* f = fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    fputs(
        "[server]\nprotected-mode = false\n"
        "rename-command = [[\"FLUSHALL\", \"\"], [\"CONFIG\", \"CONFIG_9f3a\"]]\n"
        "[tls]\nport = 6380\ncert-file = \"c.pem\"\nkey-file = \"k.pem\"\n",
        f);
    fclose(f);
  }
  Config c;
  REQUIRE(LoadConfigFile(path, &c).ok());
  CHECK_FALSE(c.protected_mode);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(c.rename_commands == Pairs{{"FLUSHALL", ""}, {"CONFIG", "CONFIG_9f3a"}});
  CHECK(c.tls_port == 6380);
  CHECK(c.tls_cert_file == "c.pem");
  {
    FILE* f = fopen(path.c_str(), "w");
    std::string text = ConfigToToml(c);
    fputs(text.c_str(), f);
    fclose(f);
  }
  Config d;
  REQUIRE(LoadConfigFile(path, &d).ok());
  CHECK(d.rename_commands == c.rename_commands);
  CHECK_FALSE(d.protected_mode);
  CHECK(d.tls_key_file == "k.pem");
  {
    FILE* f = fopen(path.c_str(), "w");
    fputs("[server]\nrename-command = \"FLUSHALL\"\n", f);
    fclose(f);
  }
  Config e;
  CHECK(LoadConfigFile(path, &e).message().find("rename-command") != std::string::npos);
  std::filesystem::remove(path);
  Config g;
  REQUIRE(LoadConfig({"--protected-mode", "no", "--rename-command", "DEL", "REMOVE"}, &g).ok());
  CHECK(g.rename_commands == Pairs{{"DEL", "REMOVE"}});
  CHECK_FALSE(g.protected_mode);
}

}  // namespace lsmdb::server
