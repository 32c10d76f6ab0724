#pragma once

// In-process command harness (style anchor 25b): runs commands through the
// real dispatcher against a real Server opened on a fresh temporary
// directory, with no sockets. Each Run() returns the raw RESP reply bytes.
//
//   lsmdb::test::Harness h;
//   CHECK(h.Run({"set", "k", "v"}) == "+OK\r\n");
//   CHECK(h.Run({"get", "k"}) == "$1\r\nv\r\n");
//
// Writes go through a synchronous Committer (DB::Write). The harness has one
// client (h.client()); Run() keeps its db, protocol and auth state between
// calls. Restart() closes the server and opens it again on the same data.
// Not thread-safe: one test thread.

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lsmdb/db.h"
#include "protocol/reply_builder.h"
#include "src/config/config.h"
#include "src/server/client.h"
#include "src/server/dispatcher.h"
#include "src/server/log.h"
#include "src/server/server.h"
#include "src/types/committer.h"

namespace lsmdb::test {

// Commits with a blocking DB::Write (the server's I/O threads never do this).
class SyncCommitter : public server::Committer {
 public:
  explicit SyncCommitter(DB* db) : db_(db) {}
  Status Commit(WriteBatch& batch) override { return db_->Write(WriteOptions(), batch); }

 private:
  DB* db_;
};

class Harness {
 public:
  // `flags` are lsmdb-server command-line options, e.g. {"--requirepass", "pw"}.
  // Throws std::runtime_error if the config is bad or the server cannot open
  // (tests REQUIRE construction to succeed).
  explicit Harness(std::vector<std::string> flags = {}) : flags_(std::move(flags)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lsmdb-harness-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    Open();
  }
  ~Harness() {
    Close();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Runs one command and returns its raw reply ("" if the command sent none).
  std::string Run(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    return RunViews(views);
  }

  // Closes the server (flushing nothing) and opens a new one on the same dir
  // with the same flags; the client state starts afresh.
  void Restart() {
    Close();
    Open();
  }

  server::Server& server() { return *server_; }
  server::Client& client() { return *client_; }
  DB& db() { return server_->db(); }
  const std::string& dir() const { return dir_; }

 private:
  std::string RunViews(const std::vector<std::string_view>& args) {
    std::string out;
    resp::ReplyBuilder reply(&out, client_->protocol);
    server::Dispatch(*server_, *client_, args, reply, *committer_,
                     server_->thread_stats(server_->io_threads()));
    client_->protocol = reply.protocol();
    return out;
  }

  void Open() {
    server::Config config;
    std::vector<std::string> flags = {"--dir", dir_, "--io-threads", "1"};
    flags.insert(flags.end(), flags_.begin(), flags_.end());
    Status s = server::LoadConfig(flags, &config);
    if (!s.ok()) throw std::runtime_error("harness config: " + s.ToString());
    server::SetLogLevel(server::LogLevel::kWarning);  // keep test output quiet
    server_ = std::make_unique<server::Server>(config);
    s = server_->Open();
    if (!s.ok()) throw std::runtime_error("harness open: " + s.ToString());
    committer_ = std::make_unique<SyncCommitter>(&server_->db());
    client_ = std::make_unique<server::Client>(server_->clients().NextId(), "127.0.0.1:50000",
                                               "127.0.0.1:6379", -1);
    client_->authenticated = config.requirepass.empty();
    server_->clients().Register(client_.get());
  }

  void Close() {
    if (server_ != nullptr && client_ != nullptr) server_->clients().Unregister(client_->id());
    client_.reset();
    committer_.reset();
    server_.reset();
  }

  std::vector<std::string> flags_;
  std::string dir_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<SyncCommitter> committer_;
  std::unique_ptr<server::Client> client_;
};

}  // namespace lsmdb::test
