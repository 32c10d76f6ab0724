#pragma once

// Client: the per-connection state commands see (CLIENT, HELLO, AUTH,
// SELECT...), and ClientRegistry, the server-wide list behind CLIENT LIST /
// CLIENT KILL, maxclients and the idle timeout.
//
// Threading: a Client belongs to its connection's I/O thread, which alone
// runs its commands and writes its plain fields. Fields other threads read
// (CLIENT LIST, the idle sweep) are atomics or guarded by mu_. A Client is
// registered while its connection is open; the registry's lock keeps a
// listed Client alive for the duration of ForEach().

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lsmdb::server {

class AclUser;         // src/server/acl.h
class WatchSet;        // src/server/transaction.h
class Subscriber;      // src/server/pubsub.h
struct BlockedCommand;  // src/server/blocking.h

class Client {
 public:
  Client(uint64_t id, std::string addr, std::string laddr, int fd);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  uint64_t id() const { return id_; }
  const std::string& addr() const { return addr_; }
  const std::string& laddr() const { return laddr_; }

  // The SELECTed db. CommandContext writes through db_ptr(); the dispatcher
  // publishes db and protocol changes for CLIENT LIST with Publish().
  int* db_ptr() { return &db_; }
  int db() const { return db_; }
  void Publish() {
    db_published_.store(db_, std::memory_order_relaxed);
    protocol_published_.store(protocol, std::memory_order_relaxed);
  }

  // RESP version (2 or 3); the connection's ReplyBuilder follows it.
  int protocol = 2;
  // AUTH/HELLO AUTH succeeded. A client also needs no AUTH while the default
  // user is on and nopass (Acl::default_open(), Redis's authRequired()).
  bool authenticated = true;
  // ---- ACL (src/server/acl.h) ----
  // The user the client runs as; null = unrestricted (socket-less test
  // clients). set_user() also publishes it for ACL DELUSER's client sweep.
  std::shared_ptr<AclUser> user;
  void set_user(std::shared_ptr<AclUser> u) {
    user_tag_.store(u.get(), std::memory_order_relaxed);
    user = std::move(u);
  }
  // Identity of `user` for other threads (compare only; never dereference).
  const AclUser* user_tag() const { return user_tag_.load(std::memory_order_relaxed); }
  // Close the connection once the replies so far are written (QUIT, SHUTDOWN).
  bool close_after_reply = false;
  // Cluster (src/server/cluster_host.h): ASKING for the next command only;
  // READONLY lets a replica serve reads of its master's slots.
  bool cluster_asking = false;
  bool cluster_readonly = false;
  // PSYNC/SYNC (src/commands/cmd_replication.cc): once the replies so far are
  // written, the connection stops being a client and calls this on its I/O
  // thread with the socket (a non-blocking fd it no longer owns) and the bytes
  // received after the command. Empty: a normal client.
  std::function<void(int fd, std::string pending)> handoff;

  // CLIENT REPLY ON|OFF|SKIP.
  bool reply_off = false;
  bool skip_next_reply = false;

  // ---- transactions (src/server/transaction.h) ----
  bool in_multi = false;
  // A command failed to queue (unknown, wrong arity, ...): EXEC aborts.
  bool multi_error = false;
  // EXEC is running the queue: blocking commands do not block.
  bool in_exec = false;
  std::vector<std::vector<std::string>> multi_queue;
  std::shared_ptr<WatchSet> watch;  // null until the first WATCH

  // ---- pub/sub (src/server/pubsub.h) ----
  // Channels + patterns subscribed; > 0 puts a RESP2 client in subscribed mode.
  int subscriptions = 0;
  std::shared_ptr<Subscriber> subscriber;  // null until the first (P)SUBSCRIBE
  // Sends a pub/sub push (already encoded for the client's protocol) from any
  // thread. Set by the connection; empty for socket-less clients (tests),
  // whose pushes collect in their Subscriber's inbox.
  std::function<void(std::shared_ptr<const std::string>)> push_sink;

  // ---- blocking commands (src/server/blocking.h) ----
  // Non-null while a blocking command waits; the connection runs nothing else.
  std::shared_ptr<BlockedCommand> blocked;
  // The blocked command while the connection retries it (client.blocked is
  // null meanwhile); BlockClient() puts it back if it must wait again.
  std::shared_ptr<BlockedCommand> block_retry;
  // Posts a retry of the blocked command to the client's thread; thread-safe.
  // Set by the connection; empty: the client cannot block (blocking commands
  // reply as on timeout).
  std::function<void()> wake_blocked;

  // Thread-safe accessors for fields CLIENT LIST shows.
  std::string name() const;
  void set_name(std::string_view name);
  void set_lib(std::string_view name, std::string_view version, bool is_name);

  // Bookkeeping written by the dispatcher (relaxed: figures for display).
  // Times are MonotonicMs().
  void Touch(int64_t now_ms, const char* cmd) {
    last_interaction_ms_.store(now_ms, std::memory_order_relaxed);
    last_cmd_.store(cmd, std::memory_order_relaxed);
  }
  int64_t last_interaction_ms() const {
    return last_interaction_ms_.load(std::memory_order_relaxed);
  }
  void SetBufferFigures(size_t qbuf, size_t omem) {
    qbuf_.store(qbuf, std::memory_order_relaxed);
    omem_.store(omem, std::memory_order_relaxed);
  }

  // One CLIENT LIST / CLIENT INFO line in Redis 7.0's format, ending in "\n".
  std::string Describe(int64_t now_ms) const;

  // Asks the owning connection to close (from any thread). Set by the
  // connection; a no-op for clients without one (the test harness).
  void set_killer(std::function<void()> killer) { killer_ = std::move(killer); }
  void Kill() const {
    if (killer_) killer_();
  }

 private:
  const uint64_t id_;
  const std::string addr_;
  const std::string laddr_;
  const int fd_;
  const int64_t created_ms_;
  int db_ = 0;
  std::atomic<int> db_published_{0};
  std::atomic<int> protocol_published_{2};
  std::atomic<int64_t> last_interaction_ms_;
  std::atomic<const char*> last_cmd_{"NULL"};
  std::atomic<const AclUser*> user_tag_{nullptr};
  std::atomic<size_t> qbuf_{0};
  std::atomic<size_t> omem_{0};
  mutable std::mutex mu_;
  std::string name_;      // GUARDED_BY(mu_)
  std::string lib_name_;  // GUARDED_BY(mu_)
  std::string lib_ver_;   // GUARDED_BY(mu_)
  std::function<void()> killer_;
};

class ClientRegistry {
 public:
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  void Register(Client* client);
  void Unregister(uint64_t id);
  // Relaxed: used for maxclients and INFO, where an off-by-one race is harmless.
  size_t count() const { return count_.load(std::memory_order_relaxed); }
  // Calls fn(client) for every registered client under the registry lock.
  // fn must not call back into the registry.
  void ForEach(const std::function<void(Client&)>& fn) const;

 private:
  std::atomic<uint64_t> next_id_{1};
  std::atomic<size_t> count_{0};
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Client*> clients_;  // GUARDED_BY(mu_)
};

// Wall clock (unix) ms / us.
int64_t NowMs();
int64_t NowUs();
// Monotonic ms: the time base of Client's age/idle figures.
int64_t MonotonicMs();

}  // namespace lsmdb::server
