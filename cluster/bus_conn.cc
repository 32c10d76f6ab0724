#include "cluster/bus_conn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace lsmdb::cluster {
namespace {

constexpr char kMagic[4] = {'L', 'S', 'M', 'B'};

// Upper bound of one Receive(): 16 reads of 64 KiB.
constexpr int kMaxReadsPerReceive = 16;
constexpr size_t kReadChunk = 64 << 10;

}  // namespace

void AppendFrame(std::string_view msg, std::string* out) {
  const uint32_t n = static_cast<uint32_t>(msg.size());
  const char header[kFrameHeaderSize] = {kMagic[0],
                                         kMagic[1],
                                         kMagic[2],
                                         kMagic[3],
                                         static_cast<char>(n >> 24),
                                         static_cast<char>(n >> 16),
                                         static_cast<char>(n >> 8),
                                         static_cast<char>(n)};
  out->append(header, sizeof(header));
  out->append(msg);
}

FrameStatus ParseFrame(std::string_view in, std::string_view* msg, size_t* frame_size) {
  // A wrong magic is reported as soon as its first byte is in, so a stray
  // client is dropped without waiting for a full header.
  if (in.empty()) return FrameStatus::kIncomplete;
  if (std::memcmp(in.data(), kMagic, std::min(in.size(), sizeof(kMagic))) != 0) {
    return FrameStatus::kCorrupt;
  }
  if (in.size() < kFrameHeaderSize) return FrameStatus::kIncomplete;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data()) + sizeof(kMagic);
  const size_t n = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
  if (n > kMaxMessage) return FrameStatus::kCorrupt;
  if (in.size() < kFrameHeaderSize + n) return FrameStatus::kIncomplete;
  *msg = in.substr(kFrameHeaderSize, n);
  *frame_size = kFrameHeaderSize + n;
  return FrameStatus::kFrame;
}

BusConn::BusConn(int fd) : fd_(fd) { fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK); }

BusConn::~BusConn() { close(fd_); }

bool BusConn::Send(std::string_view msg) {
  if (msg.size() > kMaxMessage) return false;
  if (out_off_ > 0) {
    out_.erase(0, out_off_);
    out_off_ = 0;
  }
  AppendFrame(msg, &out_);
  return true;
}

bool BusConn::Flush() {
  while (out_off_ < out_.size()) {
    ssize_t n = send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
    if (n > 0) {
      out_off_ += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else {
      return false;
    }
  }
  out_.clear();
  out_off_ = 0;
  return true;
}

bool BusConn::Receive(std::vector<std::string>* frames) {
  bool open = true;
  char buf[kReadChunk];
  for (int i = 0; i < kMaxReadsPerReceive; i++) {
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof(buf)) break;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      open = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      break;
    }
  }
  size_t used = 0;
  while (used < in_.size()) {
    std::string_view msg;
    size_t size = 0;
    FrameStatus s = ParseFrame(std::string_view(in_).substr(used), &msg, &size);
    if (s == FrameStatus::kCorrupt) return false;
    if (s == FrameStatus::kIncomplete) break;
    frames->emplace_back(msg);
    used += size;
  }
  in_.erase(0, used);
  return open;
}

int StartDial(const std::string& ip, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

bool DialSucceeded(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string SocketAddr(int fd, bool peer) {
  sockaddr_in sa{};
  socklen_t len = sizeof(sa);
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len)
                : getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  if (rc != 0 || sa.sin_family != AF_INET) return "";
  char text[INET_ADDRSTRLEN];
  if (inet_ntop(AF_INET, &sa.sin_addr, text, sizeof(text)) == nullptr) return "";
  return text;
}

}  // namespace lsmdb::cluster
