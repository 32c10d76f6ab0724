#include "cluster/bus.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace lsmdb::cluster {
namespace {

constexpr size_t kMaxMessage = 4 << 20;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SetTimeouts(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool ReadToEof(int fd, std::string* out) {
  char buf[16384];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n == 0) return true;
    if (n < 0) return false;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > kMaxMessage) return false;
  }
}

std::string AddrOf(int fd, bool peer) {
  sockaddr_in sa{};
  socklen_t len = sizeof(sa);
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len)
                : getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  if (rc != 0 || sa.sin_family != AF_INET) return "";
  char text[INET_ADDRSTRLEN];
  if (inet_ntop(AF_INET, &sa.sin_addr, text, sizeof(text)) == nullptr) return "";
  return text;
}

// Non-blocking connect with a timeout; -1 on failure.
int Dial(const std::string& ip, int port, int timeout_ms) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof(err);
    if (poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
        err == 0) {
      rc = 0;
    }
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  SetTimeouts(fd, 1000);
  return fd;
}

}  // namespace

Bus::Bus(ClusterState& state, std::string bind_ip, int cport, std::unique_ptr<ClusterHost> host)
    : state_(state), host_(std::move(host)), bind_ip_(std::move(bind_ip)), cport_(cport) {}

Bus::~Bus() { Stop(); }

Status Bus::Start() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::IOError("cluster bus: socket failed");
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(cport_));
  if (bind_ip_.empty() || bind_ip_ == "0.0.0.0" || bind_ip_ == "*" ||
      inet_pton(AF_INET, bind_ip_.c_str(), &sa.sin_addr) != 1) {
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
  }
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
      listen(listen_fd_, 128) != 0) {
    std::string err = strerror(errno);
    close(listen_fd_);
    listen_fd_ = -1;
    return Status::IOError("cluster bus: cannot listen on port " + std::to_string(cport_) + ": " +
                           err);
  }
  // A live node: a restarted master stays in state fail for 2 s (Redis's
  // CLUSTER_WRITABLE_DELAY) so that the cluster can reconfigure it first.
  state_.set_writable_delay_ms(2000);
  applied_master_ = state_.MyMaster().id;
  if (host_ != nullptr) {
    ClusterHost* h = host_.get();
    state_.SetLogger([h](std::string_view line) { h->Log(line); });
  }
  RefreshOffset();
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  cron_thread_ = std::thread([this] { CronLoop(); });
  return Status::OK();
}

void Bus::Stop() {
  stop_.store(true);
  if (accept_thread_.joinable()) accept_thread_.join();
  if (cron_thread_.joinable()) cron_thread_.join();
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
  }
}

void Bus::AcceptLoop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) != 1) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SetTimeouts(fd, 1000);
    std::string msg;
    if (ReadToEof(fd, &msg)) {
      received_.fetch_add(1, std::memory_order_relaxed);
      RefreshOffset();  // a paused master's PONG carries its offset of now
      std::string reply;
      state_.HandleMessage(msg, AddrOf(fd, true), AddrOf(fd, false), "", &reply);
      if (!reply.empty() && WriteAll(fd, reply)) sent_.fetch_add(1, std::memory_order_relaxed);
    }
    close(fd);
  }
}

void Bus::RefreshOffset() {
  if (host_ != nullptr) {
    state_.SetReplOffset(host_->ReplicationOffset(), host_->ReplicationDataAgeMs());
  }
}

bool Bus::Exchange(const ClusterState::Target& t, std::string_view type) {
  const bool ping = type == "PING" || type == "MEET";
  if (t.drop) {
    if (ping) state_.RecordPingResult(t.id, false);
    return false;
  }
  int fd = Dial(t.ip, t.cport, 500);
  if (fd < 0) {
    state_.RecordPingResult(t.id, false);
    return false;
  }
  std::string reply;
  bool ok = WriteAll(fd, state_.BuildMessage(type));
  if (ok) sent_.fetch_add(1, std::memory_order_relaxed);
  shutdown(fd, SHUT_WR);
  ok = ok && ReadToEof(fd, &reply);
  std::string got;
  if (ok && !reply.empty()) {
    received_.fetch_add(1, std::memory_order_relaxed);
    got = state_.HandleMessage(reply, AddrOf(fd, true), AddrOf(fd, false), t.id, nullptr);
  }
  close(fd);
  if (ping && got != "PONG") {
    state_.RecordPingResult(t.id, false);
    return false;
  }
  return ok;
}

void Bus::ApplyRole() {
  MasterAddr m = state_.MyMaster();
  if (m.id == applied_master_) return;
  if (host_ != nullptr) {
    if (m.id.empty()) {
      host_->BecomeMaster();
    } else if (m.ip.empty() || m.port <= 0) {
      return;  // address not known yet: retry on the next tick
    } else {
      host_->SetMaster(m.ip, m.port);
    }
  }
  applied_master_ = m.id;
}

void Bus::CronLoop() {
  while (!stop_.load()) {
    RefreshOffset();
    std::vector<ClusterState::Target> targets = state_.Targets();
    for (const ClusterState::Target& t : targets) {
      if (stop_.load()) return;
      Exchange(t, t.handshake ? "MEET" : "PING");
    }
    RefreshOffset();
    CronActions a = state_.Cron(NowMs());
    if (a.send_mfstart) {
      const std::string master = state_.MyMaster().id;
      for (const ClusterState::Target& t : targets) {
        if (t.id == master) Exchange(t, "MFSTART");
      }
    }
    if (a.send_auth_request) {
      // Votes come back as AUTH_ACK answers; count them at once.
      for (const ClusterState::Target& t : targets) {
        if (!t.handshake && t.master) Exchange(t, "AUTH_REQUEST");
      }
      CronActions b = state_.Cron(NowMs());
      a.broadcast_pong = a.broadcast_pong || b.broadcast_pong;
    }
    ApplyRole();
    if (a.broadcast_pong) {
      for (const ClusterState::Target& t : state_.Targets()) {
        if (!t.handshake) Exchange(t, "PONG");
      }
    }
    (void)state_.SaveIfDirty();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace lsmdb::cluster
