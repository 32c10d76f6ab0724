#include "replication/wire.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace lsmdb::repl {

std::string EncodeOffsetValue(std::string_view replid, uint64_t offset) {
  return fmt::format("{} {}", replid, offset);
}

bool DecodeOffsetValue(std::string_view value, std::string* replid, uint64_t* offset) {
  size_t sp = value.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  *replid = std::string(value.substr(0, sp));
  return ParseUint(value.substr(sp + 1), offset);
}

void AppendFrame(std::string* out, std::initializer_list<std::string_view> parts) {
  // Called per replicated record: no formatting library, one reserve.
  size_t need = 16;
  for (std::string_view p : parts) need += p.size() + 24;
  out->reserve(out->size() + need);
  auto header = [out](char kind, size_t n) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
    (void)ec;
    out->push_back(kind);
    out->append(digits, end);
    out->append("\r\n", 2);
  };
  header('*', parts.size());
  for (std::string_view p : parts) {
    header('$', p.size());
    out->append(p);
    out->append("\r\n", 2);
  }
}

bool BatchLastSequence(std::string_view contents, uint64_t* last) {
  // Header: sequence fixed64 LE, count fixed32 LE (lsmdb/write_batch.h).
  if (contents.size() < 12) return false;
  uint64_t seq = 0;
  uint32_t count = 0;
  for (int i = 7; i >= 0; i--) seq = (seq << 8) | static_cast<uint8_t>(contents[i]);
  for (int i = 11; i >= 8; i--) count = (count << 8) | static_cast<uint8_t>(contents[i]);
  if (count == 0) return false;
  *last = seq + count - 1;
  return true;
}

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

Result<int> ConnectTcp(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    return Status::IOError(fmt::format("cannot resolve {}: {}", host, gai_strerror(rc)));
  }
  Status last = Status::IOError("no address");
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    SetNonBlocking(fd);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = poll(&p, 1, timeout_ms);
      if (rc == 1) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        errno = err;
      } else {
        rc = -1;
        errno = ETIMEDOUT;
      }
    }
    if (rc == 0) {
      freeaddrinfo(res);
      return fd;
    }
    last = Status::IOError(fmt::format("connect to {}:{}: {}", host, port, strerror(errno)));
    close(fd);
  }
  freeaddrinfo(res);
  return last;
}

Status WriteAll(int fd, std::string_view data, int64_t deadline_ms) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int64_t left = deadline_ms - NowMs();
      if (left <= 0) return Status::IOError("write timed out");
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
      continue;
    }
    return Status::IOError(fmt::format("write: {}", strerror(errno)));
  }
  return Status::OK();
}

Status ReadSome(int fd, std::string* buf, int timeout_ms) {
  if (timeout_ms > 0) {
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, timeout_ms);
    if (rc == 0) return Status::OK();
    if (rc < 0) return errno == EINTR ? Status::OK() : Status::IOError(strerror(errno));
  }
  // Straight into *buf, 256 KiB at a time, until the socket is drained or
  // 4 MiB were read (a snapshot arrives at wire speed: few syscalls, one copy).
  constexpr size_t kStep = 256 << 10;
  size_t total = 0;
  while (total < (4u << 20)) {
    const size_t old = buf->size();
    buf->resize(old + kStep);
    ssize_t n = recv(fd, buf->data() + old, kStep, 0);
    buf->resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n == 0) {
      if (total > 0) return Status::OK();  // EOF is seen by the next call
      return Status::IOError("connection closed");
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Status::OK();
      return Status::IOError(fmt::format("read: {}", strerror(errno)));
    }
    total += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < kStep) return Status::OK();
  }
  return Status::OK();
}

}  // namespace lsmdb::repl
