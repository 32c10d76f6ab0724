#include "storage/util/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include <fmt/format.h>

namespace lsmdb::storage {
namespace {

Status PosixError(const std::string& what, const std::string& path, int err) {
  return Status::IOError(fmt::format("{} {}: {}", what, path, std::strerror(err)));
}

constexpr size_t kWriteBufferSize = 64 * 1024;

// Power-cut tracking (tests only): path -> durable byte count.
std::atomic<bool> g_tracking{false};
std::mutex g_tracking_mu;
std::map<std::string, uint64_t>& SyncedSizes() {
  static auto* sizes = new std::map<std::string, uint64_t>();
  return *sizes;
}
void TrackSynced(const std::string& path, uint64_t bytes) {
  if (!g_tracking.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(g_tracking_mu);
  SyncedSizes()[path] = bytes;
}

}  // namespace

namespace fault {

void EnableTracking(bool on) {
  g_tracking.store(on);
  std::lock_guard<std::mutex> lock(g_tracking_mu);
  SyncedSizes().clear();
}

Status CopySyncedState(const std::string& from_dir, const std::string& to_dir) {
  // First hard-link every file into a staging dir, so that the set of files
  // is one instant's (a compaction deleting a file mid-copy would otherwise
  // leave a manifest naming a table the copy lacks). If a file vanishes
  // between the listing and its link, start over.
  //
  // The synced sizes, the listing and the links are taken under the tracking
  // lock, so no fsync completes (TrackSynced waits) in between: a power cut
  // is one instant. Taking the sizes first and listing later let the DB
  // make a manifest edit durable and then delete the WAL it obsoleted in
  // between; the copy then had the old manifest without the WAL it still
  // names, and lost synced writes (the power-cut test failed about 1 run in
  // 15).
  std::string staging = to_dir + ".staging";
  for (int attempt = 0;; attempt++) {
    std::map<std::string, uint64_t> sizes;
    std::vector<std::string> names;
    bool vanished = false;
    {
      std::lock_guard<std::mutex> lock(g_tracking_mu);
      sizes = SyncedSizes();
      if (FileExists(staging)) LSMDB_RETURN_IF_ERROR(RemoveDirRecursive(staging));
      LSMDB_RETURN_IF_ERROR(CreateDirIfMissing(staging));
      LSMDB_ASSIGN_OR_RETURN(names, ListDir(from_dir));
      for (const auto& name : names) {
        if (name == "LOCK") continue;
        if (::link((from_dir + "/" + name).c_str(), (staging + "/" + name).c_str()) != 0) {
          if (errno == ENOENT && attempt < 100) {
            vanished = true;
            break;
          }
          return PosixError("link", from_dir + "/" + name, errno);
        }
      }
    }
    if (vanished) continue;
    LSMDB_RETURN_IF_ERROR(CreateDirIfMissing(to_dir));
    for (const auto& name : names) {
      if (name == "LOCK") continue;
      auto it = sizes.find(from_dir + "/" + name);
      uint64_t limit = it == sizes.end() ? UINT64_MAX : it->second;
      LSMDB_RETURN_IF_ERROR(CopyFile(staging + "/" + name, to_dir + "/" + name, limit));
    }
    return RemoveDirRecursive(staging);
  }
}

}  // namespace fault

Result<std::unique_ptr<WritableFile>> WritableFile::Open(const std::string& path, bool append) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return PosixError("open", path, errno);
  uint64_t size = 0;
  if (!append) TrackSynced(path, 0);
  if (append) {
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError("fstat", path, err);
    }
    size = st.st_size;
  }
  return std::unique_ptr<WritableFile>(new WritableFile(path, fd, size));
}

WritableFile::WritableFile(std::string path, int fd, uint64_t size)
    : path_(std::move(path)), fd_(fd), size_(size), flushed_(size) {
  buf_.reserve(kWriteBufferSize);
}

WritableFile::~WritableFile() {
  if (fd_ >= 0) (void)Close();
}

Status WritableFile::WriteRaw(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return PosixError("write", path_, errno);
    }
    p += w;
    n -= w;
    flushed_.fetch_add(w, std::memory_order_release);
  }
  return Status::OK();
}

Status WritableFile::Append(std::string_view data) {
  size_ += data.size();
  if (buf_.size() + data.size() <= kWriteBufferSize) {
    buf_.append(data);
    return Status::OK();
  }
  LSMDB_RETURN_IF_ERROR(Flush());
  if (data.size() <= kWriteBufferSize) {
    buf_.append(data);
    return Status::OK();
  }
  return WriteRaw(data.data(), data.size());
}

Status WritableFile::Flush() {
  if (buf_.empty()) return Status::OK();
  Status s = WriteRaw(buf_.data(), buf_.size());
  buf_.clear();
  return s;
}

Status WritableFile::Sync() {
  // Only what was flushed before the fdatasync is durable; size_ may run ahead
  // on the writer thread, so read the flushed size first.
  uint64_t flushed = flushed_.load(std::memory_order_acquire);
  if (::fdatasync(fd_) != 0) return PosixError("fdatasync", path_, errno);
  TrackSynced(path_, flushed);
  return Status::OK();
}

Status WritableFile::Close() {
  Status s = Flush();
  if (fd_ >= 0 && ::close(fd_) != 0 && s.ok()) s = PosixError("close", path_, errno);
  fd_ = -1;
  return s;
}

Result<std::unique_ptr<RandomAccessFile>> RandomAccessFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PosixError("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return PosixError("fstat", path, err);
  }
  return std::unique_ptr<RandomAccessFile>(new RandomAccessFile(path, fd, st.st_size));
}

RandomAccessFile::~RandomAccessFile() { ::close(fd_); }

Status RandomAccessFile::Read(uint64_t offset, size_t n, std::string* out) const {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, out->data() + done, n - done, offset + done);
    if (r < 0) {
      if (errno == EINTR) continue;
      return PosixError("pread", path_, errno);
    }
    if (r == 0) {
      return Status::Corruption(
          fmt::format("{}: file truncated: wanted {} bytes at offset {}", path_, n, offset));
    }
    done += r;
  }
  return Status::OK();
}

Status ReadFileToString(const std::string& path, std::string* out) {
  LSMDB_ASSIGN_OR_RETURN(auto file, RandomAccessFile::Open(path));
  return file->Read(0, file->Size(), out);
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  {
    LSMDB_ASSIGN_OR_RETURN(auto f, WritableFile::Open(tmp));
    LSMDB_RETURN_IF_ERROR(f->Append(data));
    LSMDB_RETURN_IF_ERROR(f->Flush());
    LSMDB_RETURN_IF_ERROR(f->Sync());
    LSMDB_RETURN_IF_ERROR(f->Close());
  }
  LSMDB_RETURN_IF_ERROR(RenameFile(tmp, path));
  auto slash = path.rfind('/');
  return SyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
}

Result<uint64_t> FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PosixError("stat", path, errno);
  return static_cast<uint64_t>(st.st_size);
}

bool FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status CreateDirIfMissing(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return PosixError("mkdir", path, errno);
  return Status::OK();
}

Result<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return PosixError("opendir", path, errno);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  return names;
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return PosixError("unlink", path, errno);
  return Status::OK();
}

Status RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename", from, errno);
  return Status::OK();
}

Status LinkFile(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) != 0) {
    int err = errno;
    if (err == EXDEV || err == EPERM || err == EMLINK) {
      return Status::NotSupported(fmt::format("link {}: {}", from, std::strerror(err)));
    }
    return PosixError("link", from, err);
  }
  return Status::OK();
}

Status CopyFile(const std::string& from, const std::string& to, uint64_t max_bytes) {
  LSMDB_ASSIGN_OR_RETURN(auto in, RandomAccessFile::Open(from));
  LSMDB_ASSIGN_OR_RETURN(auto out, WritableFile::Open(to));
  uint64_t total = std::min<uint64_t>(in->Size(), max_bytes);
  std::string buf;
  for (uint64_t off = 0; off < total;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(1 << 20, total - off));
    LSMDB_RETURN_IF_ERROR(in->Read(off, n, &buf));
    LSMDB_RETURN_IF_ERROR(out->Append(buf));
    off += n;
  }
  LSMDB_RETURN_IF_ERROR(out->Flush());
  LSMDB_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

Status SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return PosixError("open dir", path, errno);
  Status s;
  if (::fsync(fd) != 0) s = PosixError("fsync dir", path, errno);
  ::close(fd);
  return s;
}

Status RemoveDirRecursive(const std::string& path) {
  auto names = ListDir(path);
  if (!names.ok()) return names.status();
  for (const auto& name : *names) {
    std::string child = path + "/" + name;
    struct stat st;
    if (::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      LSMDB_RETURN_IF_ERROR(RemoveDirRecursive(child));
    } else {
      LSMDB_RETURN_IF_ERROR(RemoveFile(child));
    }
  }
  if (::rmdir(path.c_str()) != 0) return PosixError("rmdir", path, errno);
  return Status::OK();
}

Result<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return PosixError("open", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Busy(fmt::format("{}: the DB is already open in another process", path));
    }
    return PosixError("flock", path, err);
  }
  return std::unique_ptr<FileLock>(new FileLock(fd));
}

FileLock::~FileLock() { ::close(fd_); }

}  // namespace lsmdb::storage
