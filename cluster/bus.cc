#include "cluster/bus.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace lsmdb::cluster {
namespace {

// Answers queued to a node that does not read them: past this, the
// connection is closed rather than buffering without bound.
constexpr size_t kMaxOutput = 2 * kMaxMessage;

// An inbound connection silent this long is closed. A live node pings every
// 100 ms, and a node that comes back dials again; without this, connections
// of nodes that vanished without a FIN (power loss, a cut network) would be
// kept for ever.
constexpr int64_t kInboundIdleMs = 60000;

// Names the calling thread (top -H, perf and /proc show it). Best effort.
void SetThreadRole(const char* name) { pthread_setname_np(pthread_self(), name); }

// A connection another node dialed (cluster-bus thread only).
struct Inbound {
  std::unique_ptr<BusConn> conn;
  std::string peer_ip, local_ip;
  int64_t last_ms;  // SteadyMs() of the last frame (or the accept)
};

}  // namespace

Bus::Bus(ClusterState& state, std::string bind_ip, int cport, std::unique_ptr<ClusterHost> host)
    : state_(state), host_(std::move(host)), bind_ip_(std::move(bind_ip)), cport_(cport) {}

Bus::~Bus() { Stop(); }

Status Bus::Start() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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
  // Thread roles (names as `top -H` shows them): cluster-bus serves the
  // connections other nodes dialed; cluster-cron pings, detects failures,
  // drives failovers and owns this node's outbound connections.
  serve_thread_ = std::thread([this] {
    SetThreadRole("cluster-bus");
    ServeLoop();
  });
  cron_thread_ = std::thread([this] {
    SetThreadRole("cluster-cron");
    CronLoop();
  });
  return Status::OK();
}

void Bus::Stop() {
  stop_.store(true);
  if (serve_thread_.joinable()) serve_thread_.join();
  if (cron_thread_.joinable()) cron_thread_.join();
  peers_.clear();
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
  }
}

void Bus::ServeLoop() {
  std::vector<Inbound> conns;  // closed when the loop returns
  std::vector<pollfd> fds;
  std::vector<std::string> frames;
  while (!stop_.load()) {
    fds.clear();
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const Inbound& c : conns) {
      fds.push_back(
          {c.conn->fd(), static_cast<short>(POLLIN | (c.conn->has_output() ? POLLOUT : 0)), 0});
    }
    // The 100 ms bound only serves to notice stop_.
    const int ready = poll(fds.data(), fds.size(), 100);
    const int64_t now = SteadyMs();
    std::vector<bool> closed(conns.size(), false);
    for (size_t i = 0; i < conns.size(); i++) {
      const short ev = ready > 0 ? fds[i + 1].revents : 0;
      Inbound& c = conns[i];
      if (ev == 0) {
        closed[i] = now - c.last_ms > kInboundIdleMs;
        continue;
      }
      bool ok = true;
      if (ev & (POLLIN | POLLERR | POLLHUP)) {
        frames.clear();
        ok = c.conn->Receive(&frames);
        if (!frames.empty()) c.last_ms = now;
        for (const std::string& msg : frames) {
          received_.fetch_add(1, std::memory_order_relaxed);
          RefreshOffset();  // a paused master's PONG carries its offset of now
          std::string reply;
          state_.HandleMessage(msg, c.peer_ip, c.local_ip, "", &reply);
          if (!reply.empty() && c.conn->Send(reply)) sent_.fetch_add(1, std::memory_order_relaxed);
        }
      }
      // Answers are written at once; only what the socket does not take
      // waits for POLLOUT.
      if (ok && c.conn->has_output()) ok = c.conn->Flush() && c.conn->output_size() <= kMaxOutput;
      closed[i] = !ok;
    }
    for (size_t i = conns.size(); i-- > 0;) {
      if (closed[i]) conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (ready > 0 && (fds[0].revents & POLLIN)) {
      while (true) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
          // EAGAIN: all taken. Anything else (EMFILE, ENOBUFS) leaves the
          // listener readable: back off instead of spinning on it.
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          break;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        opened_.fetch_add(1, std::memory_order_relaxed);
        Inbound c{std::make_unique<BusConn>(fd), SocketAddr(fd, true), SocketAddr(fd, false), now};
        conns.push_back(std::move(c));
      }
    }
  }
}

void Bus::RefreshOffset() {
  if (host_ != nullptr) {
    state_.SetReplOffset(host_->ReplicationOffset(), host_->ReplicationDataAgeMs());
  }
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

}  // namespace lsmdb::cluster
