#include "replication/link.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "lsmdb/db.h"
#include "lsmdb/write_batch.h"
#include "protocol/resp_parser.h"
#include "replication/wire.h"

namespace lsmdb::repl {
namespace {

// Replicated records applied in one engine write, at most (about).
constexpr size_t kApplyBytes = 4 << 20;

resp::ParserLimits StreamLimits() {
  resp::ParserLimits l;
  l.max_bulk_len = 1ull << 31;
  l.max_multibulk_len = 16;
  return l;
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) {
      shutdown(fd, SHUT_RDWR);
      close(fd);
    }
  }
};

bool SafeFileName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

Status WriteFileAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(fmt::format("write: {}", strerror(errno)));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

}  // namespace

Link::Link(ReplicationManager* manager) : manager_(manager) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

Link::~Link() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void Link::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Link::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    stopping_.store(true);
  }
  cv_.notify_all();
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
}

bool Link::SetTarget(const std::string& host, int port) {
  {
    std::lock_guard<std::mutex> apply(apply_mu_);
    std::lock_guard<std::mutex> lock(mu_);
    if (target_.host == host && target_.port == port) return false;
    target_.host = host;
    target_.port = port;
    gen_++;
    gen_seen_.store(gen_);
    state_ = "connect";
    up_ = false;
    down_since_ms_ = NowMs();
  }
  cv_.notify_all();
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  return true;
}

LinkView Link::View() {
  LinkView v;
  std::lock_guard<std::mutex> lock(mu_);
  v.configured = !target_.host.empty();
  v.host = target_.host;
  v.port = target_.port;
  v.state = state_;
  v.up = up_;
  const int64_t now = NowMs();
  int64_t io = last_io_ms_.load();
  v.last_io_seconds_ago = io == 0 ? -1 : (now - io) / 1000;
  v.sync_in_progress = syncing_.load();
  v.read_offset = read_offset_.load();
  v.applied_offset = applied_offset_.load();
  v.down_since_seconds = up_ ? -1 : (now - down_since_ms_) / 1000;
  return v;
}

void Link::SetState(const char* state, bool up) {
  std::lock_guard<std::mutex> lock(mu_);
  state_ = state;
  if (up_ && !up) down_since_ms_ = NowMs();
  up_ = up;
}

bool Link::Interrupted(uint64_t gen) {
  return stopping_.load(std::memory_order_relaxed) || gen_seen_.load() != gen;
}

void Link::Run() {
  pthread_setname_np(pthread_self(), "repl-link");
  while (true) {
    Target t;
    uint64_t gen;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !target_.host.empty(); });
      if (stop_) return;
      t = target_;
      gen = gen_;
    }
    Status s = Session(t, gen);
    syncing_.store(false);
    SetState("connect", false);
    if (Interrupted(gen)) continue;
    manager_->host()->Log(0, fmt::format("Connection with master {}:{} lost or failed: {}. "
                                         "Retrying in 1 second.",
                                         t.host, t.port, s.ToString()));
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_ || gen_ != gen; });
  }
}

Status Link::WaitData(int fd, std::string* buf, int timeout_ms, uint64_t gen) {
  if (Interrupted(gen)) return Status::Shutdown("link interrupted");
  pollfd p[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  int rc = poll(p, 2, timeout_ms);
  if (rc < 0) return errno == EINTR ? Status::OK() : Status::IOError(strerror(errno));
  if (p[1].revents & POLLIN) {
    uint64_t v;
    (void)!read(wake_fd_, &v, sizeof(v));
  }
  if (Interrupted(gen)) return Status::Shutdown("link interrupted");
  if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
    size_t before = buf->size();
    LSMDB_RETURN_IF_ERROR(ReadSome(fd, buf, 0));
    if (buf->size() > before) last_io_ms_.store(NowMs());
  }
  return Status::OK();
}

Status Link::ReadLine(int fd, std::string* buf, std::string* line, int64_t deadline_ms,
                      uint64_t gen) {
  while (true) {
    size_t eol = buf->find("\r\n");
    if (eol != std::string::npos) {
      *line = buf->substr(0, eol);
      buf->erase(0, eol + 2);
      if (line->empty()) continue;  // a keepalive newline
      return Status::OK();
    }
    const int64_t left = deadline_ms - NowMs();
    if (left <= 0) return Status::IOError("timeout reading from the master");
    LSMDB_RETURN_IF_ERROR(WaitData(fd, buf, static_cast<int>(std::min<int64_t>(left, 1000)), gen));
  }
}

Status Link::Session(const Target& t, uint64_t gen) {
  ReplicationHost* host = manager_->host();
  SetState("connecting", false);
  host->Log(1, fmt::format("Connecting to MASTER {}:{}", t.host, t.port));
  LSMDB_ASSIGN_OR_RETURN(int fd, ConnectTcp(t.host, t.port, 2000));
  FdCloser closer{fd};
  last_io_ms_.store(NowMs());
  std::string buf, line;
  auto command = [&](std::initializer_list<std::string_view> parts, int timeout_ms) -> Status {
    std::string out;
    AppendFrame(&out, parts);
    LSMDB_RETURN_IF_ERROR(WriteAll(fd, out, NowMs() + 5000));
    return ReadLine(fd, &buf, &line, NowMs() + timeout_ms, gen);
  };
  // A primary that wants AUTH answers PING with -NOAUTH (or -NOPERM for an
  // ACL user without PING): that is fine, AUTH follows (Redis's rule).
  LSMDB_RETURN_IF_ERROR(command({"PING"}, 5000));
  if (line[0] == '-' && line.rfind("-NOAUTH", 0) != 0 && line.rfind("-NOPERM", 0) != 0) {
    return Status::IOError(fmt::format("Error reply to PING from master: '{}'", line));
  }
  {
    std::string user, password;
    host->PrimaryCredentials(&user, &password);
    if (!password.empty()) {
      if (user.empty()) {
        LSMDB_RETURN_IF_ERROR(command({"AUTH", password}, 5000));
      } else {
        LSMDB_RETURN_IF_ERROR(command({"AUTH", user, password}, 5000));
      }
      if (line[0] == '-') {
        return Status::IOError(fmt::format("Unable to AUTH to MASTER: {}", line));
      }
    }
  }
  // A refusal here (NOAUTH: no or wrong masterauth; NOPERM) ends the attempt;
  // Run() logs it and retries in a second.
  auto refused = [&line]() {
    return line.rfind("-NOAUTH", 0) == 0 || line.rfind("-NOPERM", 0) == 0;
  };
  const std::string port = std::to_string(host->ListeningPort());
  LSMDB_RETURN_IF_ERROR(command({"REPLCONF", "listening-port", port}, 5000));
  if (refused()) return Status::IOError(fmt::format("master refused REPLCONF: {}", line));
  LSMDB_RETURN_IF_ERROR(command({"REPLCONF", "capa", "psync2"}, 5000));
  if (refused()) return Status::IOError(fmt::format("master refused REPLCONF: {}", line));

  std::string replid = "?";
  std::string offset = "-1";
  uint64_t applied = 0;
  {
    std::string value, id;
    Result<bool> found = host->engine().Get(ReadOptions(), kOffsetKey, &value);
    if (!found.ok()) return found.status();
    if (*found && DecodeOffsetValue(value, &id, &applied)) {
      replid = id;
      offset = std::to_string(applied);
    }
  }
  LSMDB_RETURN_IF_ERROR(command({"PSYNC", replid, offset}, 120000));
  std::string primary_id;
  if (line.rfind("+FULLRESYNC ", 0) == 0) {
    size_t sp = line.find(' ', 12);
    uint64_t snap_offset;
    if (sp == std::string::npos ||
        !ParseUint(std::string_view(line).substr(sp + 1), &snap_offset)) {
      return Status::IOError(fmt::format("bad FULLRESYNC reply: {}", line));
    }
    primary_id = line.substr(12, sp - 12);
    host->Log(1, fmt::format("Full resync from master: {}:{}", primary_id, snap_offset));
    syncing_.store(true);
    SetState("sync", false);
    LSMDB_RETURN_IF_ERROR(ReceiveSnapshot(fd, &buf, primary_id, snap_offset, gen));
    syncing_.store(false);
    applied = snap_offset;
  } else if (line.rfind("+CONTINUE", 0) == 0) {
    primary_id = line.size() > 10 ? line.substr(10) : replid;
    host->Log(1, fmt::format("Successful partial resynchronization with master {}:{} at offset {}",
                             t.host, t.port, applied));
  } else {
    return Status::IOError(fmt::format("unexpected reply to PSYNC: {}", line));
  }
  applied_offset_.store(static_cast<int64_t>(applied));
  read_offset_.store(static_cast<int64_t>(applied));
  SetState("connected", true);
  host->Log(1,
            "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization or "
            "finished the full one; streaming.");
  return Stream(fd, &buf, primary_id, gen);
}

Status Link::ReceiveSnapshot(int fd, std::string* buf, const std::string& replid, uint64_t offset,
                             uint64_t gen) {
  ReplicationHost* host = manager_->host();
  const std::string dir = host->DataDir() + "/repl-sync.tmp";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", dir, ec.message()));

  resp::RequestParser parser(StreamLimits());
  int file = -1;
  std::string file_name;
  uint64_t file_size = 0, files = 0, total = 0;
  auto close_file = [&]() -> Status {
    if (file < 0) return Status::OK();
    int rc = fsync(file);
    close(file);
    file = -1;
    return rc == 0 ? Status::OK() : Status::IOError(fmt::format("fsync {}", file_name));
  };
  bool done = false;
  Status s;
  while (!done && s.ok()) {
    size_t pos = 0;
    while (!done && s.ok() && pos < buf->size()) {
      size_t used = 0;
      auto outcome = parser.Parse(std::string_view(*buf).substr(pos), &used);
      if (outcome == resp::RequestParser::Outcome::kIncomplete) break;
      if (outcome == resp::RequestParser::Outcome::kError) {
        s = Status::IOError(fmt::format("protocol error from master: {}", parser.error()));
        break;
      }
      const auto& a = parser.args();
      pos += used;
      if (a.empty() || a[0] == "PING") continue;
      uint64_t off, n1, n2;
      if (a[0] == "CHUNK" && a.size() == 4 && ParseUint(a[2], &off)) {
        if (!SafeFileName(a[1])) {
          s = Status::IOError("bad snapshot file name");
        } else if (a[1] != file_name || file < 0) {
          s = close_file();
          if (s.ok() && off != 0) s = Status::IOError("snapshot chunk out of order");
          if (s.ok()) {
            file_name = std::string(a[1]);
            file = open((dir + "/" + file_name).c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC,
                        0644);
            if (file < 0)
              s = Status::IOError(fmt::format("create {}: {}", file_name, strerror(errno)));
            file_size = 0;
            files++;
          }
        } else if (off != file_size) {
          s = Status::IOError("snapshot chunk out of order");
        }
        if (s.ok()) s = WriteFileAll(file, a[3]);
        file_size += a[3].size();
        total += a[3].size();
      } else if (a[0] == "SNAPEND" && a.size() == 3 && ParseUint(a[1], &n1) &&
                 ParseUint(a[2], &n2)) {
        if (n1 != files || n2 != total) {
          s =
              Status::Corruption(fmt::format("snapshot incomplete: {} files {} bytes, expected "
                                             "{} files {} bytes",
                                             files, total, n1, n2));
        }
        done = true;
      } else {
        s = Status::IOError(fmt::format("unexpected frame during the snapshot: {}",
                                        std::string(a[0].substr(0, 32))));
      }
    }
    buf->erase(0, pos);
    if (done || !s.ok()) break;
    if (NowMs() - last_io_ms_.load() > kLinkTimeoutMs) s = Status::IOError("timeout (snapshot)");
    if (s.ok()) s = WaitData(fd, buf, 1000, gen);
  }
  if (s.ok()) s = close_file();
  if (file >= 0) close(file);
  if (!s.ok()) {
    std::filesystem::remove_all(dir, ec);
    return s;
  }
  host->Log(1, fmt::format("MASTER <-> REPLICA sync: received {} files, {} bytes", files, total));

  // Record the position inside the snapshot itself, then swap it in.
  {
    Options o = host->EngineOptions();
    o.replication_backlog_bytes = 0;
    o.compaction_filter = nullptr;
    o.create_if_missing = false;
    o.info_log = nullptr;
    Result<std::unique_ptr<DB>> snap = DB::Open(o, dir);
    if (!snap.ok()) return snap.status();
    WriteOptions wo;
    wo.sync = true;
    WriteBatch b;
    b.Put(kOffsetKey, EncodeOffsetValue(replid, offset));
    LSMDB_RETURN_IF_ERROR((*snap)->Write(wo, b));
    LSMDB_RETURN_IF_ERROR((*snap)->FlushWal());
  }
  if (Interrupted(gen)) return Status::Shutdown("link interrupted");
  LSMDB_RETURN_IF_ERROR(manager_->InstallSnapshot(dir));
  if (Interrupted(gen)) {
    // Promoted while swapping: the node's data is the snapshot, but it must
    // not claim the old primary's position.
    WriteBatch b;
    b.Delete(kOffsetKey);
    host->BeginApply();
    (void)host->ApplyReplicated(b);
    host->EndApply();
    return Status::Shutdown("link interrupted");
  }
  host->Log(1, "MASTER <-> REPLICA sync: Finished with success");
  return Status::OK();
}

Status Link::SendAck(int fd) {
  std::string out;
  std::string off = std::to_string(applied_offset_.load());
  AppendFrame(&out, {"REPLCONF", "ACK", off});
  return WriteAll(fd, out, NowMs() + 5000);
}

Status Link::Stream(int fd, std::string* buf, const std::string& replid, uint64_t gen) {
  ReplicationHost* host = manager_->host();
  resp::RequestParser parser(StreamLimits());
  uint64_t applied = static_cast<uint64_t>(applied_offset_.load());
  LSMDB_RETURN_IF_ERROR(SendAck(fd));
  int64_t last_ack = NowMs();
  while (true) {
    WriteBatch combined;
    uint64_t last = applied;
    bool any = false;
    size_t pos = 0;
    while (pos < buf->size() && combined.ApproximateSize() < kApplyBytes) {
      size_t used = 0;
      auto outcome = parser.Parse(std::string_view(*buf).substr(pos), &used);
      if (outcome == resp::RequestParser::Outcome::kIncomplete) break;
      if (outcome == resp::RequestParser::Outcome::kError) {
        return Status::IOError(fmt::format("protocol error from master: {}", parser.error()));
      }
      const auto& a = parser.args();
      pos += used;
      uint64_t seq;
      if (a.size() == 3 && a[0] == "BATCH" && ParseUint(a[1], &seq)) {
        if (seq <= last) continue;  // already applied
        WriteBatch b;
        LSMDB_RETURN_IF_ERROR(b.SetContents(a[2]));
        combined.Append(b);
        last = seq;
        any = true;
      } else if (!a.empty() && a[0] != "PING") {
        return Status::IOError(
            fmt::format("unexpected frame from master: {}", std::string(a[0].substr(0, 32))));
      }
    }
    buf->erase(0, pos);
    if (any) {
      read_offset_.store(static_cast<int64_t>(last));
      combined.Put(kOffsetKey, EncodeOffsetValue(replid, last));
      {
        // Command lock first, then apply_mu_: REPLICAOF takes them in that order.
        host->BeginApply();
        Status s;
        {
          std::lock_guard<std::mutex> lock(apply_mu_);
          s = Interrupted(gen) ? Status::Shutdown("link interrupted")
                               : host->ApplyReplicated(combined);
        }
        host->EndApply();
        LSMDB_RETURN_IF_ERROR(s);
      }
      LSMDB_RETURN_IF_ERROR(host->FlushWal());
      applied = last;
      applied_offset_.store(static_cast<int64_t>(last));
      LSMDB_RETURN_IF_ERROR(SendAck(fd));
      last_ack = NowMs();
      if (combined.ApproximateSize() >= kApplyBytes) continue;  // more may be parsed already
    }
    const int64_t now = NowMs();
    if (now - last_ack >= 1000) {
      LSMDB_RETURN_IF_ERROR(SendAck(fd));
      last_ack = now;
    }
    if (now - last_io_ms_.load() > kLinkTimeoutMs) {
      return Status::IOError("timeout: no data nor PING from the master");
    }
    LSMDB_RETURN_IF_ERROR(
        WaitData(fd, buf, static_cast<int>(std::max<int64_t>(1, 1000 - (now - last_ack))), gen));
  }
}

}  // namespace lsmdb::repl
