#include "src/server/blocking.h"

#include <climits>
#include <cmath>

#include "src/server/client.h"
#include "src/server/command_context.h"
#include "src/server/redis_error.h"
#include "src/server/server.h"
#include "src/types/key_lock.h"
#include "src/types/numbers.h"

namespace lsmdb::server {

void BlockingRegistry::Add(const std::shared_ptr<Waiter>& waiter, int db,
                           const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& key : keys) {
    auto& queue = keys_[DbKeyString(db, key)];
    bool present = false;
    for (const auto& w : queue) present = present || w == waiter;
    if (present) continue;  // BLPOP k k waits once on k
    queue.push_back(waiter);
    waiters_.fetch_add(1, std::memory_order_relaxed);
  }
}

void BlockingRegistry::Remove(const std::shared_ptr<Waiter>& waiter, int db,
                              const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> resignal;
  for (const std::string& key : keys) {
    std::string mk = DbKeyString(db, key);
    auto it = keys_.find(mk);
    if (it == keys_.end()) continue;
    auto& queue = it->second;
    for (auto q = queue.begin(); q != queue.end(); ++q) {
      if (*q == waiter) {
        queue.erase(q);
        waiters_.fetch_sub(1, std::memory_order_relaxed);
        break;
      }
    }
    if (queue.empty()) {
      keys_.erase(it);
    } else if (waiter->signaled_) {
      resignal.push_back(std::move(mk));
    }
  }
  const bool was_signaled = waiter->signaled_;
  waiter->signaled_ = false;
  if (was_signaled) {
    for (const std::string& mk : resignal) SignalLocked(mk);
  }
}

void BlockingRegistry::ClearSignal(Waiter& waiter) {
  std::lock_guard<std::mutex> lock(mu_);
  waiter.signaled_ = false;
}

void BlockingRegistry::Signal(int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  SignalLocked(DbKeyString(db, key));
}

void BlockingRegistry::SignalLocked(const std::string& map_key) {
  auto it = keys_.find(map_key);
  if (it == keys_.end()) return;
  for (const auto& w : it->second) {
    if (w->signaled_) continue;
    w->signaled_ = true;
    if (w->wake_) w->wake_();
    return;
  }
}

Result<int64_t> ParseBlockTimeout(std::string_view arg) {
  long double seconds = 0;
  if (!StringToLongDouble(arg, &seconds)) {
    return RedisError("ERR timeout is not a float or out of range");
  }
  long double ms = seconds * 1000.0L;
  if (ms > static_cast<long double>(LLONG_MAX / 2)) {
    return RedisError("ERR timeout is out of range");
  }
  int64_t t = static_cast<int64_t>(std::ceil(ms));
  if (t < 0) return RedisError("ERR timeout is negative");
  return t;
}

bool BlockClient(CommandContext& ctx, std::span<const std::string_view> keys, int64_t timeout_ms) {
  Client* client = ctx.client();
  Server* server = ctx.server();
  if (client == nullptr || server == nullptr || client->in_exec || !client->wake_blocked) {
    return false;
  }
  if (client->block_retry != nullptr) {  // a retry that found nothing: wait on
    client->blocked = std::move(client->block_retry);
    server->blocking().ClearSignal(*client->blocked->waiter);
    return true;
  }
  auto blocked = std::make_shared<BlockedCommand>();
  blocked->args.assign(ctx.args().begin(), ctx.args().end());
  blocked->db = ctx.db();
  blocked->keys.assign(keys.begin(), keys.end());
  blocked->deadline_ms = timeout_ms == 0 ? 0 : MonotonicMs() + timeout_ms;
  blocked->waiter = std::make_shared<Waiter>(client->wake_blocked);
  server->blocking().Add(blocked->waiter, blocked->db, blocked->keys);
  client->blocked = std::move(blocked);
  return true;
}

void ReleaseBlocked(BlockingRegistry& registry, const BlockedCommand& blocked) {
  registry.Remove(blocked.waiter, blocked.db, blocked.keys);
}

}  // namespace lsmdb::server
