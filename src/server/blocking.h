#pragma once

// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN, BZPOPMAX;
// the handlers are in src/commands/cmd_blocking.cc).
//
// Protocol between a handler, the connection and the registry:
//   1. The handler tries the non-blocking operation on its keys. If it has
//      something to serve, it replies: done.
//   2. Otherwise it calls BlockClient(): the client's command (an owned copy
//      of its arguments) is parked in client.blocked and a Waiter is queued
//      on every key in BlockingRegistry; nothing is replied. In EXEC, or for
//      a client without a connection, BlockClient() returns false and the
//      handler replies as on timeout (a null array).
//   3. The connection stops running its pipelined input while
//      client.blocked is set. It retries the command once at once (a push
//      that raced with step 2 is not missed), then whenever woken, and arms
//      a timer for the deadline (timeout: null array, RESP2 *-1 / RESP3 _).
//   4. After any command commits a write, the dispatcher signals each key of
//      its key spec: the first waiter on that key not already signaled is
//      woken (its connection posts the retry to its own I/O thread). A retry
//      re-runs the command through the dispatcher; if it again finds nothing,
//      BlockClient() keeps the original place in the queues and deadline.
//      A served client's pop is itself a write, which signals the next
//      waiter, so clients are served in FIFO order, one element each.
//   5. A waiter leaving while signaled (timeout, disconnect, served) passes
//      the signal on to the next waiter of its keys.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lsmdb/status.h"

namespace lsmdb::server {

class CommandContext;
class Client;

class Waiter {
 public:
  explicit Waiter(std::function<void()> wake) : wake_(std::move(wake)) {}

 private:
  friend class BlockingRegistry;
  std::function<void()> wake_;  // thread-safe: posts a retry
  bool signaled_ = false;       // GUARDED_BY(BlockingRegistry::mu_)
};

struct BlockedCommand {
  std::vector<std::string> args;  // the command, owned
  int db = 0;
  std::vector<std::string> keys;  // the keys it waits on
  int64_t deadline_ms = 0;        // MonotonicMs(); 0 = forever
  std::shared_ptr<Waiter> waiter;
};

class BlockingRegistry {
 public:
  void Add(const std::shared_ptr<Waiter>& waiter, int db, const std::vector<std::string>& keys);
  // Removes the waiter from its keys' queues; passes a pending signal on.
  void Remove(const std::shared_ptr<Waiter>& waiter, int db, const std::vector<std::string>& keys);
  // A retry found nothing: the waiter may be signaled again.
  void ClearSignal(Waiter& waiter);
  // A write committed on (db, key): wakes the first unsignaled waiter.
  void Signal(int db, std::string_view key);
  // Relaxed: a cheap "anyone blocked?" test on every write.
  bool empty() const { return waiters_.load(std::memory_order_relaxed) == 0; }

 private:
  void SignalLocked(const std::string& map_key);

  std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> keys_;  // GUARDED_BY(mu_)
  std::atomic<size_t> waiters_{0};  // queue entries over all keys
};

// Redis's getTimeoutFromObjectOrReply (seconds, float): the timeout in ms,
// 0 = forever. "ERR timeout is not a float or out of range", "ERR timeout is
// negative", "ERR timeout is out of range".
Result<int64_t> ParseBlockTimeout(std::string_view arg);

// Step 2 above. `keys` are the keys to wait on, `timeout_ms` from
// ParseBlockTimeout. False: the client cannot block (reply as on timeout).
bool BlockClient(CommandContext& ctx, std::span<const std::string_view> keys, int64_t timeout_ms);

// Forgets a blocked command's registrations (served, timed out, closed).
void ReleaseBlocked(BlockingRegistry& registry, const BlockedCommand& blocked);

}  // namespace lsmdb::server
