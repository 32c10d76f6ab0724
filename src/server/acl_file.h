#pragma once

// The ACL file (Redis's `aclfile`): ACL SAVE writes it, ACL LOAD and server
// startup read it.
//
// Format (Redis 7.0's, one user per line, no comments):
//
//   user <name> <rule> <rule> ...\n
//   user default on nopass ~* &* +@all
//   user alice on #<sha256 hex> ~app:* resetchannels -@all +get +@read
//
// i.e. exactly the lines ACL LIST shows. Rules are separated by single
// spaces; each line starts from a fresh user ("off", no passwords, no keys,
// no channels, -@all) and applies its rules left to right. Blank lines are
// skipped; anything else that does not start with "user <name>" is an error.
//
// Loading is all or nothing: every error of every line is collected (Redis's
// texts, "<file>:<line>: <reason>. ") and, if there is any, nothing changes.
// On success the file's users replace the current ones: a user that exists
// keeps its object (its clients stay logged in with the new rules), a user
// absent from the file is removed (the caller disconnects its clients). When
// the file has no "default" line, the default user becomes
// "on ~* &* +@all" with requirepass as its password (nopass if empty).
//
// Saving writes <file>.tmp-<pid>-<ms>, fsyncs it, renames it over the file and
// fsyncs the directory, so a crash leaves the old or the new file whole.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/status.h"
#include "src/server/acl.h"

namespace lsmdb::server {

// Reads `path` into `acl`. Errors are RedisError-style Status messages:
// "ERR Error loading ACLs, opening file '<path>': <strerror>" or
// "ERR <path>:<line>: ... WARNING: ACL errors detected, no change to the
// previously active ACL rules was performed".
Status LoadAclFile(Acl& acl, const std::string& path, std::string_view requirepass,
                   std::vector<std::shared_ptr<AclUser>>* removed);

// Writes every user of `acl` to `path` (ACL LIST lines). IOError on failure
// (the message names the file; the caller logs it).
Status SaveAclFile(const Acl& acl, const std::string& path);

}  // namespace lsmdb::server
