#include "replication/sender.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <pthread.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <utility>
#include <vector>

#include "lsmdb/db.h"
#include "replication/replication.h"
#include "replication/wire.h"

namespace lsmdb::repl {
namespace {

// Unsent output above which the sender stops adding to it.
constexpr size_t kOutputHigh = 4 << 20;
// Backlog bytes pulled per round while streaming.
constexpr size_t kPullBytes = 1 << 20;
// Records held in memory while a snapshot is being sent.
constexpr size_t kMaxPendingBytes = 1ull << 30;
// Woken from idle by a new record, the sender waits this long for more before
// pulling: one round (wake, pull, send, ACK) then carries many write groups
// instead of one, which is most of a replica's cost to the primary under
// load. It adds at most this much replication lag.
constexpr int64_t kCoalesceUs = 1000;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Removes a directory tree when it goes out of scope.
struct DirGuard {
  std::string dir;
  ~DirGuard() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

Sender::Sender(ReplicationManager* manager, int fd, std::string peer_ip, int listening_port,
               std::string replid, int64_t offset, std::string pending)
    : manager_(manager),
      fd_(fd),
      ip_(std::move(peer_ip)),
      port_(listening_port),
      want_replid_(std::move(replid)),
      want_offset_(offset),
      in_(std::move(pending)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

Sender::~Sender() {
  RequestStop();
  Join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void Sender::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Sender::RequestStop() {
  stop_.store(true, std::memory_order_release);
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof(one));
}

void Sender::Join() {
  if (thread_.joinable()) thread_.join();
}

void Sender::Wake() {
  if (sleeping_.exchange(false)) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
}

void Sender::Run() {
  pthread_setname_np(pthread_self(), "repl-sender");  // tools/bench_replication.sh reads it
  Status s = Serve();
  if (!s.ok() && !stop_.load()) {
    manager_->host()->Log(
        0, fmt::format("Connection with replica {}:{} lost: {}", ip_, port_, s.ToString()));
  }
  shutdown(fd_, SHUT_RDWR);
  close(fd_);
  done_.store(true, std::memory_order_release);
  manager_->OnAck();  // lets the waiter thread reap this sender and re-count
}

Status Sender::Serve() {
  SetNonBlocking(fd_);
  ParseAcks();
  const uint64_t want = want_offset_ < 0 ? 0 : static_cast<uint64_t>(want_offset_);
  if (want_replid_ != "?" && want_offset_ >= 0 && manager_->CanContinue(want_replid_, want)) {
    manager_->CountSync(false, true, false);
    manager_->host()->Log(1, fmt::format("Partial resynchronization request from {}:{} accepted. "
                                         "Sending records after offset {}.",
                                         ip_, port_, want));
    out_ += fmt::format("+CONTINUE {}\r\n", manager_->replid());
    next_ = want;
    ack_offset_.store(want, std::memory_order_release);
  } else {
    manager_->CountSync(true, false, want_replid_ != "?");
    LSMDB_RETURN_IF_ERROR(FullSync());
  }
  last_ack_ms_.store(NowMs(), std::memory_order_relaxed);
  state_.store(kOnline, std::memory_order_relaxed);
  manager_->host()->Log(1, fmt::format("Replica {}:{} is online.", ip_, port_));

  while (!stop_.load(std::memory_order_acquire)) {
    if (out_.size() - out_off_ < kPullBytes) {
      LSMDB_ASSIGN_OR_RETURN(bool covered, PullBacklog(&out_, kPullBytes));
      if (!covered) return Status::IOError("the replica fell behind the replication backlog");
    }
    if (out_.size() > out_off_) {
      LSMDB_RETURN_IF_ERROR(Pump(1000));
      continue;
    }
    // Nothing to send: announce the sleep, look once more (a record added
    // before the announcement is seen here; one after it wakes us), sleep.
    sleeping_.store(true);
    LSMDB_ASSIGN_OR_RETURN(bool covered, PullBacklog(&out_, kPullBytes));
    if (!covered) return Status::IOError("the replica fell behind the replication backlog");
    const int64_t idle = NowMs() - last_send_ms_;
    if (out_.empty() && idle >= 1000) AppendFrame(&out_, {"PING"});
    if (out_.size() > out_off_) {
      sleeping_.store(false);
      continue;
    }
    woken_ = false;
    LSMDB_RETURN_IF_ERROR(Pump(static_cast<int>(std::max<int64_t>(1, 1000 - idle))));
    sleeping_.store(false);
    if (woken_ && !stop_.load(std::memory_order_acquire)) {
      timespec t{0, kCoalesceUs * 1000};
      nanosleep(&t, nullptr);
    }
  }
  return Status::OK();
}

Result<bool> Sender::PullBacklog(std::string* out, size_t max_bytes) {
  std::vector<std::string> batches;
  LSMDB_ASSIGN_OR_RETURN(bool covered,
                         manager_->host()->engine().ReadUpdatesSince(next_, max_bytes, &batches));
  if (!covered) return false;
  char seq[24];
  for (const std::string& b : batches) {
    uint64_t last;
    if (!BatchLastSequence(b, &last)) continue;
    const size_t n = static_cast<size_t>(std::to_chars(seq, seq + sizeof(seq), last).ptr - seq);
    AppendFrame(out, {"BATCH", std::string_view(seq, n), b});
    next_ = last;
  }
  return true;
}

Status Sender::FullSync() {
  ReplicationHost* host = manager_->host();
  DB& engine = host->engine();
  static std::atomic<uint64_t> counter{0};
  DirGuard guard{
      fmt::format("{}/repl-snapshot-{}-{}", host->DataDir(), getpid(), counter.fetch_add(1))};
  std::error_code ec;
  std::filesystem::remove_all(guard.dir, ec);
  std::filesystem::remove_all(guard.dir + ".tmp", ec);

  // Records from just before the checkpoint on are pulled right after it, so
  // that the backlog cannot drop them while the checkpoint is opened.
  next_ = engine.LatestSequence();
  const uint64_t before = next_;
  LSMDB_RETURN_IF_ERROR(engine.Checkpoint(guard.dir));
  std::string pending;
  LSMDB_ASSIGN_OR_RETURN(bool covered, PullBacklog(&pending, kMaxPendingBytes));
  if (!covered) return Status::IOError("backlog overrun while taking the snapshot");
  uint64_t seq;
  {
    Options o = host->EngineOptions();
    o.replication_backlog_bytes = 0;
    o.compaction_filter = nullptr;
    o.create_if_missing = false;
    o.info_log = nullptr;
    Result<std::unique_ptr<DB>> snap = DB::Open(o, guard.dir);
    if (!snap.ok()) return snap.status();
    seq = (*snap)->LatestSequence();
  }
  if (seq < before) return Status::Corruption("snapshot older than its start");
  // Keep only the frames of records after the snapshot's sequence.
  {
    std::string kept;
    resp::RequestParser p(resp::ParserLimits{1ull << 31, 8, 1024});
    std::string_view rest(pending);
    while (!rest.empty()) {
      size_t used = 0;
      if (p.Parse(rest, &used) != resp::RequestParser::Outcome::kCommand) break;
      uint64_t last = 0;
      if (p.args().size() == 3 && ParseUint(p.args()[1], &last) && last > seq) {
        kept.append(rest.substr(0, used));
      }
      rest.remove_prefix(used);
    }
    pending.swap(kept);
  }
  next_ = std::max(next_, seq);

  host->Log(1, fmt::format("Starting full sync with replica {}:{}: snapshot at offset {}", ip_,
                           port_, seq));
  out_ += fmt::format("+FULLRESYNC {} {}\r\n", manager_->replid(), seq);
  state_.store(kSendBulk, std::memory_order_relaxed);

  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(guard.dir, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) return Status::IOError(fmt::format("listing {}: {}", guard.dir, ec.message()));
  std::sort(files.begin(), files.end());
  uint64_t total = 0;
  std::string chunk(kChunkBytes, '\0');
  for (const auto& path : files) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError(fmt::format("open {}: {}", path.string(), strerror(errno)));
    uint64_t off = 0;
    Status s;
    const std::string name = path.filename().string();
    while (true) {
      ssize_t n = pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(off));
      if (n < 0) {
        s = Status::IOError(fmt::format("read {}: {}", path.string(), strerror(errno)));
        break;
      }
      // An empty file still gets one (empty) chunk so that it is created.
      if (n == 0 && off > 0) break;
      std::string off_str = std::to_string(off);
      AppendFrame(&out_, {"CHUNK", name, off_str, std::string_view(chunk.data(), n)});
      off += static_cast<uint64_t>(n);
      total += static_cast<uint64_t>(n);
      while (s.ok() && out_.size() - out_off_ > kOutputHigh) {
        if (stop_.load()) s = Status::Shutdown("stopping");
        if (s.ok()) s = Pump(1000, /*wait_when_flushed=*/false);
      }
      if (s.ok() && pending.size() < kMaxPendingBytes) {
        Result<bool> more = PullBacklog(&pending, kPullBytes * 8);
        if (!more.ok())
          s = more.status();
        else if (!*more)
          s = Status::IOError("backlog overrun during the full sync");
      }
      if (!s.ok() || n == 0) break;
    }
    close(fd);
    LSMDB_RETURN_IF_ERROR(s);
  }
  AppendFrame(&out_, {"SNAPEND", std::to_string(files.size()), std::to_string(total)});
  out_ += pending;
  host->Log(1, fmt::format("Snapshot of {} files, {} bytes queued for replica {}:{}", files.size(),
                           total, ip_, port_));
  return Status::OK();
}

Status Sender::Pump(int timeout_ms, bool wait_when_flushed) {
  auto flush = [this]() -> Status {
    while (out_off_ < out_.size()) {
      ssize_t n = send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
      if (n > 0) {
        out_off_ += static_cast<size_t>(n);
        last_send_ms_ = NowMs();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return Status::IOError(fmt::format("write to replica: {}", strerror(errno)));
    }
    if (out_off_ == out_.size()) {
      out_.clear();
      out_off_ = 0;
    } else if (out_off_ > (8u << 20)) {
      out_.erase(0, out_off_);
      out_off_ = 0;
    }
    return Status::OK();
  };
  LSMDB_RETURN_IF_ERROR(flush());
  const bool pending = out_off_ < out_.size();
  pollfd p[2] = {{fd_, static_cast<short>(POLLIN | (pending ? POLLOUT : 0)), 0},
                 {wake_fd_, POLLIN, 0}};
  int rc = poll(p, 2, pending || wait_when_flushed ? timeout_ms : 0);
  if (rc < 0) return errno == EINTR ? Status::OK() : Status::IOError(strerror(errno));
  if (p[1].revents & POLLIN) {
    uint64_t v;
    (void)!read(wake_fd_, &v, sizeof(v));
    woken_ = true;
  }
  if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
    char buf[16 * 1024];
    while (true) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) return Status::IOError("connection closed by the replica");
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return Status::IOError(fmt::format("read from replica: {}", strerror(errno)));
    }
    ParseAcks();
  }
  if (p[0].revents & POLLOUT) LSMDB_RETURN_IF_ERROR(flush());
  return Status::OK();
}

void Sender::ParseAcks() {
  size_t pos = 0;
  bool acked = false;
  while (pos < in_.size()) {
    size_t used = 0;
    auto outcome = parser_.Parse(std::string_view(in_).substr(pos), &used);
    if (outcome == resp::RequestParser::Outcome::kIncomplete) break;
    if (outcome == resp::RequestParser::Outcome::kError) {
      parser_.Reset();
      pos = in_.size();
      break;
    }
    const auto& a = parser_.args();
    uint64_t off;
    if (a.size() >= 3 && EqualsNoCase(a[0], "replconf") && EqualsNoCase(a[1], "ack") &&
        ParseUint(a[2], &off)) {
      if (off > ack_offset_.load(std::memory_order_relaxed)) {
        ack_offset_.store(off, std::memory_order_release);
      }
      last_ack_ms_.store(NowMs(), std::memory_order_relaxed);
      acked = true;
    }
    pos += used;
  }
  in_.erase(0, pos);
  if (acked) manager_->OnAck();
}

}  // namespace lsmdb::repl
