#pragma once

// ACL users (a subset of Redis 7.0's ACL): named users with passwords,
// on/off, a command permission bitset and key/channel patterns.
//
// Rules (ACL SETUSER, applied left to right, atomically: one bad rule and the
// user is left untouched):
//   on | off | nopass | resetpass | >pw | <pw | #sha256hex | !sha256hex
//   +cmd | -cmd | +@cat | -@cat | allcommands (+@all) | nocommands (-@all)
//   ~pattern | allkeys (~*) | resetkeys | &pattern | allchannels (&*) |
//   resetchannels | reset
// Passwords are kept as lowercase hex SHA-256, as Redis keeps them.
// Key patterns are enforced (glob over the key positions of the command's key
// spec); channel patterns are parsed and listed but not enforced.
// Subcommand rules (+config|get) and selectors are not supported ("Syntax
// error" / "Unknown command or category name in ACL").
//
// Threading: the permission check runs on every command on the I/O threads
// without a lock: AclUser's command bits, enabled flag and all-keys flag are
// relaxed atomics, rewritten in place by SETUSER (a command racing a SETUSER
// sees the old or the new bit of its own command). Everything else (passwords,
// patterns, rules text) is guarded by Acl's mutex. Users are shared_ptrs: a
// client keeps its user alive after DELUSER (the server closes such clients).
//
// Persistence: ACL SAVE / ACL LOAD and the aclfile read at startup are in
// acl_file.h; ACL LOG's event log is acl_log.h (an Acl member).
//
// The "default" user always exists; requirepass is its password (empty =
// nopass). Clients start as "default"; while the default user is on and
// nopass no AUTH is needed (Redis's authRequired()).

#include <asio/ip/address.hpp>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/status.h"
#include "src/server/acl_log.h"
#include "src/server/command.h"

namespace lsmdb::server {

class CommandTable;

// The mutable description of one user; a plain value (SETUSER edits a copy).
struct AclRules {
  bool enabled = false;
  bool nopass = false;
  bool all_keys = false;
  bool all_channels = false;
  bool base_all = false;  // the command rules start from +@all (else -@all)
  std::vector<std::string> passwords;       // SHA-256 hex, in insertion order
  std::vector<std::string> key_patterns;    // without the leading '~'
  std::vector<std::string> channel_patterns;  // without the leading '&'
  std::vector<std::string> command_rules;   // after the base: "+get", "-@write", ...
  std::vector<uint64_t> bits;               // one bit per CommandTable index
};

class AclUser {
 public:
  AclUser(std::string name, size_t commands);
  AclUser(const AclUser&) = delete;
  AclUser& operator=(const AclUser&) = delete;

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  bool all_keys() const { return all_keys_.load(std::memory_order_relaxed); }
  // May this user run the command at CommandTable index `index`? O(1), lock-free.
  bool CanRun(size_t index) const {
    return index < commands_ &&
           ((bits_[index >> 6].load(std::memory_order_relaxed) >> (index & 63)) & 1) != 0;
  }

 private:
  friend class Acl;
  void Publish(const AclRules& rules);

  const std::string name_;
  const size_t commands_;
  std::unique_ptr<std::atomic<uint64_t>[]> bits_;
  std::atomic<bool> enabled_{false};
  std::atomic<bool> all_keys_{false};
  AclRules rules_;  // GUARDED_BY(Acl::mu_)
};

// ACL GETUSER's fields (Redis 7.0 order: flags, passwords, commands, keys,
// channels).
struct AclUserInfo {
  std::vector<std::string> flags;
  std::vector<std::string> passwords;
  std::string commands;
  std::string keys;
  std::string channels;
};

class Acl {
 public:
  // REQUIRES: `table` is filled and outlives the Acl.
  explicit Acl(const CommandTable& table);

  // requirepass semantics for "default": empty = nopass, else resetpass >pass.
  void SetDefaultPassword(std::string_view password);
  // Creates or edits `name`. Errors carry Redis's full text, e.g.
  // "ERR Error in ACL SETUSER modifier 'x': Syntax error".
  Status SetUser(std::string_view name, const std::vector<std::string_view>& rules);
  // Removes users; "default" is refused. Returns the number removed and the
  // removed users (so the caller can disconnect their clients).
  Status DelUsers(const std::vector<std::string_view>& names,
                  std::vector<std::shared_ptr<AclUser>>* removed);
  std::shared_ptr<AclUser> Find(std::string_view name) const;
  std::shared_ptr<AclUser> default_user() const { return default_user_; }
  // The user if it exists, is on and `password` matches (any password for a
  // nopass user); null otherwise (WRONGPASS).
  std::shared_ptr<AclUser> Authenticate(std::string_view name, std::string_view password) const;
  // False if the user does not exist.
  bool GetUser(std::string_view name, AclUserInfo* info) const;
  // ACL LIST lines ("user default on nopass ~* &* +@all"), by user name.
  std::vector<std::string> List() const;
  std::vector<std::string> Users() const;
  // Sorted category names (without '@'), from the table's acl_categories.
  std::vector<std::string> Categories() const;
  // Command names in `category`; false if the category is unknown.
  bool CategoryCommands(std::string_view category, std::vector<std::string>* out) const;

  // The default user is on and nopass: clients need no AUTH.
  bool default_open() const { return default_open_.load(std::memory_order_relaxed); }
  // The default user is nopass (enabled or not): protected mode applies.
  bool default_nopass() const { return default_nopass_.load(std::memory_order_relaxed); }

  // May `user` touch the keys of `spec` in `args`? True for all-keys users and
  // key-less commands; otherwise every key must match one of its patterns.
  // When false and `denied` is set, *denied is the index of the first refused key.
  bool KeysAllowed(const AclUser& user, const CommandSpec& spec,
                   const std::vector<std::string_view>& args, size_t* denied = nullptr) const;

  // ACL LOG (acl_log.h).
  AclLog& log() { return log_; }

  // The rules of a brand-new user: off, no passwords, keys or channels, -@all.
  AclRules NewRules() const;
  // Replaces every user at once by `users` (name, rules); a "default" entry
  // is required. Existing users keep their objects (and clients); users
  // not in `users` are removed as DelUsers does and returned in *removed.
  void ReplaceUsers(const std::vector<std::pair<std::string, AclRules>>& users,
                    std::vector<std::shared_ptr<AclUser>>* removed);

  // Applies one rule to `rules`. On error returns Redis's reason text
  // ("Syntax error", "Unknown command or category name in ACL", ...).
  Status ApplyRule(AclRules* rules, std::string_view op) const;
  // The command part of ACL LIST: "+@all", "-@all +get +@read", ...
  static std::string DescribeCommands(const AclRules& rules);
  // The whole ACL LIST line without "user <name> ".
  static std::string Describe(const AclRules& rules);

 private:
  void SetBits(AclRules* rules, std::string_view category, bool on) const;
  void RefreshDefaultFlags();  // REQUIRES: mu_ held

  const CommandTable& table_;
  std::vector<std::vector<std::string>> categories_;  // per command index, without '@'
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<AclUser>, std::less<>> users_;  // GUARDED_BY(mu_)
  std::shared_ptr<AclUser> default_user_;
  std::atomic<bool> default_open_{true};
  std::atomic<bool> default_nopass_{true};
  AclLog log_;
};

// Lowercase hex SHA-256 of `data` (FIPS 180-4).
std::string Sha256Hex(std::string_view data);

// Redis 7.0's protected-mode rule: refuse a client from a non-loopback address
// when protected mode is on and the default user has no password.
bool ProtectedModeDenies(bool protected_mode, bool default_nopass,
                         const asio::ip::address& remote);

// The reply a refused client gets (networking.c, with "-" and CRLF).
extern const std::string_view kProtectedModeDenied;

}  // namespace lsmdb::server
