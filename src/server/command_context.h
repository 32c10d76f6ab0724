#pragma once

// What a command handler sees: its arguments, the reply builder of its
// connection, the keyspace, the selected database and the committer for its
// writes. Built by the dispatcher for each command; handlers do not keep it.

#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"
#include "src/server/command.h"
#include "src/types/committer.h"

namespace lsmdb::server {

class Keyspace;  // src/types/keyspace.h
class Server;    // src/server/server.h
class Client;    // src/server/client.h: per-connection state (name, id, db, protocol, ...)
struct ThreadStats;  // src/server/server.h

class CommandContext {
 public:
  CommandContext(const std::vector<std::string_view>& args, resp::ReplyBuilder& reply,
                 Keyspace& keyspace, Committer& committer, Server* server, Client* client,
                 int* db)
      : args_(args), reply_(reply), keyspace_(keyspace), committer_(committer),
        server_(server), client_(client), db_(db) {}

  // args()[0] is the command name as the client sent it.
  const std::vector<std::string_view>& args() const { return args_; }
  size_t argc() const { return args_.size(); }
  std::string_view arg(size_t i) const { return args_[i]; }

  resp::ReplyBuilder& reply() { return reply_; }
  Keyspace& keyspace() { return keyspace_; }
  Committer& committer() { return committer_; }
  // The server is null only for contexts built without one (tests/src/harness.h
  // provides a real, socket-less Server); the client is null likewise.
  Server* server() { return server_; }
  Client* client() { return client_; }

  // The statistics shard of the running thread (EXEC runs its queue with it);
  // null if the dispatcher did not set one.
  ThreadStats* stats() { return stats_; }
  void set_stats(ThreadStats* stats) { stats_ = stats; }

  // The SELECTed database, 0..15.
  int db() const { return *db_; }
  void set_db(int db) { *db_ = db; }

 private:
  const std::vector<std::string_view>& args_;
  resp::ReplyBuilder& reply_;
  Keyspace& keyspace_;
  Committer& committer_;
  Server* server_;
  Client* client_;
  int* db_;
  ThreadStats* stats_ = nullptr;
};

}  // namespace lsmdb::server
