#include "src/server/acl_file.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "src/server/redis_error.h"

namespace lsmdb::server {
namespace {

std::string_view Trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(chars);
  return s.substr(b, e - b + 1);
}

bool HasSpacesOrNul(std::string_view s) {
  for (char c : s) {
    if (isspace(static_cast<unsigned char>(c)) || c == '\0') return true;
  }
  return false;
}

// Writes all of `data` to `fd`; false with errno set on failure.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Status LoadAclFile(Acl& acl, const std::string& path, std::string_view requirepass,
                   std::vector<std::shared_ptr<AclUser>>* removed) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return RedisError(
        fmt::format("ERR Error loading ACLs, opening file '{}': {}", path, strerror(errno)));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string contents = buf.str();

  std::vector<std::pair<std::string, AclRules>> users;
  std::string errors;
  std::string_view rest = contents;
  int linenum = 0;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    linenum++;
    line = Trim(line, " \t\r\n");
    if (line.empty()) continue;
    std::vector<std::string_view> argv;
    while (!line.empty()) {
      size_t sp = line.find(' ');
      argv.push_back(line.substr(0, sp));
      line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    }
    if (argv.size() < 2 || argv[0] != "user") {
      errors += fmt::format("{}:{} should start with user keyword followed by the username. ",
                            path, linenum);
      continue;
    }
    std::string_view name = argv[1];
    if (HasSpacesOrNul(name)) {
      errors += fmt::format("'{}:{}: username '{}' contains invalid characters. ", path, linenum,
                            name);
      continue;
    }
    bool duplicate = false;
    for (const auto& u : users) duplicate = duplicate || u.first == name;
    if (duplicate) {
      errors += fmt::format("WARNING: Duplicate user '{}' found on line {}. ", name, linenum);
      continue;
    }
    AclRules rules = acl.NewRules();
    bool ok = true;
    for (size_t i = 2; i < argv.size(); i++) {
      std::string_view op = Trim(argv[i], "\t\r\n");
      Status s = acl.ApplyRule(&rules, op);
      if (!s.ok()) {
        errors += fmt::format("{}:{}: {}. ", path, linenum, s.message());
        ok = false;
      }
    }
    if (ok) users.emplace_back(std::string(name), std::move(rules));
  }
  if (!errors.empty()) {
    return RedisError(fmt::format(
        "ERR {}WARNING: ACL errors detected, no change to the previously active ACL rules was "
        "performed",
        errors));
  }
  bool has_default = false;
  for (const auto& u : users) has_default = has_default || u.first == "default";
  if (!has_default) {
    AclRules rules = acl.NewRules();
    std::string pass = requirepass.empty() ? std::string("nopass")
                                           : fmt::format(">{}", requirepass);
    for (std::string_view op : {std::string_view("+@all"), std::string_view("~*"),
                                std::string_view("&*"), std::string_view("on"),
                                std::string_view(pass)}) {
      Status s = acl.ApplyRule(&rules, op);
      (void)s;  // all valid
    }
    users.emplace_back("default", std::move(rules));
  }
  acl.ReplaceUsers(users, removed);
  return Status::OK();
}

Status SaveAclFile(const Acl& acl, const std::string& path) {
  std::string text;
  for (const std::string& line : acl.List()) {
    text += line;
    text += '\n';
  }
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  const std::string tmp = fmt::format("{}.tmp-{}-{}", path, getpid(),
                                      int64_t{tv.tv_sec} * 1000 + tv.tv_usec / 1000);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IOError(fmt::format("Opening temp ACL file for ACL SAVE: {}", strerror(errno)));
  }
  if (!WriteAll(fd, text) || fsync(fd) != 0) {
    int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return Status::IOError(fmt::format("Writing ACL file for ACL SAVE: {}", strerror(err)));
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Status::IOError(fmt::format("Renaming ACL file for ACL SAVE: {}", strerror(err)));
  }
  // The rename itself durable: fsync the directory.
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    int rc = fsync(dfd);
    close(dfd);
    if (rc != 0) {
      return Status::IOError(fmt::format("Syncing the directory of {}: {}", path,
                                         strerror(errno)));
    }
  }
  return Status::OK();
}

}  // namespace lsmdb::server
