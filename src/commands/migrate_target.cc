#include "src/commands/migrate_target.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "src/server/client.h"

namespace lsmdb::server {

TargetConn::~TargetConn() {
  if (fd >= 0) close(fd);
}

std::unique_ptr<TargetConn> ConnCache::Take(const std::string& addr) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(addr);
  if (it == conns_.end()) return nullptr;
  std::unique_ptr<TargetConn> c = std::move(it->second);
  conns_.erase(it);
  if (MonotonicMs() - c->last_use_ms > kCacheIdleMs) return nullptr;  // closed by ~TargetConn
  return c;
}

void ConnCache::Put(const std::string& addr, std::unique_ptr<TargetConn> c) {
  c->last_use_ms = MonotonicMs();
  std::lock_guard<std::mutex> lock(mu_);
  if (conns_.size() >= kCacheMax && !conns_.count(addr)) return;  // dropped: closed
  conns_[addr] = std::move(c);
}

ConnCache& Cache() {
  static ConnCache* cache = new ConnCache();  // never destroyed: detached workers may use it
  return *cache;
}

namespace {

// Waits for `events` on fd until `deadline` (MonotonicMs). False on timeout
// (*timed_out set) or error.
bool WaitFd(int fd, short events, int64_t deadline, bool* timed_out) {
  while (true) {
    const int64_t left = deadline - MonotonicMs();
    if (left <= 0) {
      *timed_out = true;
      return false;
    }
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

std::unique_ptr<TargetConn> Connect(const std::string& host, const std::string& port,
                                    int64_t timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return nullptr;
  std::unique_ptr<TargetConn> c;
  const int64_t deadline = MonotonicMs() + timeout_ms;
  for (addrinfo* a = res; a != nullptr && c == nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    auto conn = std::make_unique<TargetConn>();
    conn->fd = fd;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) continue;
      bool timed_out = false;
      if (!WaitFd(fd, POLLOUT, deadline, &timed_out)) continue;
      int err = 0;
      socklen_t len = sizeof(err);
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c = std::move(conn);
  }
  freeaddrinfo(res);
  return c;
}

bool WriteAll(TargetConn& c, std::string_view data, int64_t timeout_ms, bool* timed_out) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  while (!data.empty()) {
    ssize_t n = send(c.fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (!WaitFd(c.fd, POLLOUT, deadline, timed_out)) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool ReadLine(TargetConn& c, int64_t timeout_ms, std::string* line, bool* timed_out) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  while (true) {
    size_t eol = c.in.find("\r\n");
    if (eol != std::string::npos) {
      line->assign(c.in, 0, eol);
      c.in.erase(0, eol + 2);
      return true;
    }
    char buf[16384];
    ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (!WaitFd(c.fd, POLLIN, deadline, timed_out)) return false;
    } else {
      return false;  // EOF or error
    }
  }
}

void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  *out += fmt::format("*{}\r\n", args.size());
  for (std::string_view a : args) {
    *out += fmt::format("${}\r\n", a.size());
    out->append(a);
    out->append("\r\n");
  }
}

}  // namespace lsmdb::server
