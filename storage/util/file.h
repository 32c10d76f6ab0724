#pragma once

// POSIX file access for the engine. Every failure comes back as an IOError
// naming the path and errno text; nothing throws.
//
// Thread-safety: a WritableFile is used by one writer thread, except Sync(),
// which another thread may call concurrently with Append/Flush (it only
// fdatasyncs what has already reached the OS). RandomAccessFile is fully
// thread-safe (pread).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/status.h"

namespace lsmdb::storage {

class WritableFile {
 public:
  // Creates (truncating) or, with append, opens `path` for writing.
  static Result<std::unique_ptr<WritableFile>> Open(const std::string& path, bool append = false);
  ~WritableFile();
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  // Buffers `data`; large appends go straight to the OS.
  Status Append(std::string_view data);
  // Hands buffered bytes to the OS (write(2)); after it a process crash loses nothing.
  Status Flush();
  // fdatasync of what has been flushed. Safe to call from another thread.
  Status Sync();
  Status Close();
  // Bytes appended so far (flushed or not).
  uint64_t Size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  WritableFile(std::string path, int fd, uint64_t size);
  Status WriteRaw(const char* p, size_t n);
  std::string path_;
  int fd_;
  uint64_t size_;
  std::atomic<uint64_t> flushed_;  // bytes handed to the OS; read by Sync on another thread
  std::string buf_;
};

class RandomAccessFile {
 public:
  static Result<std::unique_ptr<RandomAccessFile>> Open(const std::string& path);
  ~RandomAccessFile();
  RandomAccessFile(const RandomAccessFile&) = delete;
  RandomAccessFile& operator=(const RandomAccessFile&) = delete;

  // Reads exactly n bytes at offset into *out (resized); a short read is
  // Corruption ("file truncated").
  Status Read(uint64_t offset, size_t n, std::string* out) const;
  uint64_t Size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  RandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  uint64_t size_;
};

// Whole-file and directory helpers.
Status ReadFileToString(const std::string& path, std::string* out);
// Writes `data` to path.tmp, fsyncs, renames over `path`, fsyncs the directory.
Status WriteFileAtomic(const std::string& path, std::string_view data);
Result<uint64_t> FileSize(const std::string& path);
bool FileExists(const std::string& path);
Status CreateDirIfMissing(const std::string& path);
Result<std::vector<std::string>> ListDir(const std::string& path);  // names, no . or ..
Status RemoveFile(const std::string& path);
Status RenameFile(const std::string& from, const std::string& to);
// Hard link; NotSupported when the file system refuses (EXDEV, EPERM).
Status LinkFile(const std::string& from, const std::string& to);
Status CopyFile(const std::string& from, const std::string& to, uint64_t max_bytes = UINT64_MAX);
Status SyncDir(const std::string& path);
Status RemoveDirRecursive(const std::string& path);

// An exclusive advisory lock (flock) held for the life of the object, so two
// processes never open one DB.
class FileLock {
 public:
  static Result<std::unique_ptr<FileLock>> Acquire(const std::string& path);
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

// Power-cut simulation for tests. While tracking is on, every WritableFile
// records how many of its bytes a Sync() made durable. CopySyncedState then
// copies a DB directory as a power cut at this instant would leave it: each
// tracked file cut to its synced length (an unsynced new file is empty),
// untracked files whole.
namespace fault {
void EnableTracking(bool on);
Status CopySyncedState(const std::string& from_dir, const std::string& to_dir);
}  // namespace fault

}  // namespace lsmdb::storage
