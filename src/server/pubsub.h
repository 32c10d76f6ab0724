#pragma once

// Pub/Sub: the server-wide registry of channel and pattern subscriptions
// (the commands are in src/commands/cmd_pubsub.cc).
//
// A Subscriber stands for one client in the registry. PUBLISH runs on the
// publisher's thread: under the registry's shared lock it encodes the message
// once per protocol (RESP2 array / RESP3 push) and hands a shared copy to each
// receiver's sink, which for a socket client posts it to the client's own I/O
// thread (Connection::DeliverPush: appended to the output, pub/sub output
// limits applied there). Socket-less clients (the test harness) collect
// pushes in their Subscriber's inbox.
//
// Wire formats (Redis 7.0, pubsub.c), RESP2 "*N" / RESP3 ">N":
//   message:      [ "message", channel, payload ]
//   pmessage:     [ "pmessage", pattern, channel, payload ]
//   (un)subscribe confirmation: [ "subscribe"|"unsubscribe"|"psubscribe"|
//                 "punsubscribe", channel-or-pattern (null if none), count ]
//   where count is the client's channels + patterns after the change.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lsmdb::server {

class Subscriber {
 public:
  using Sink = std::function<void(std::shared_ptr<const std::string>)>;
  // `sink` may be empty: pushes then collect in the inbox.
  Subscriber(Sink sink, int protocol) : sink_(std::move(sink)), protocol_(protocol) {}

  // Thread-safe.
  void Deliver(std::shared_ptr<const std::string> bytes);
  int protocol() const { return protocol_.load(std::memory_order_relaxed); }
  void set_protocol(int p) { protocol_.store(p, std::memory_order_relaxed); }
  // Takes the collected pushes (sink-less subscribers only).
  std::string TakeInbox();

  // Owned by the client's thread.
  std::set<std::string> channels;
  std::set<std::string> patterns;

 private:
  Sink sink_;
  std::atomic<int> protocol_;
  std::mutex inbox_mu_;
  std::string inbox_;  // GUARDED_BY(inbox_mu_)
};

class PubSub {
 public:
  // False if already subscribed. Caller updates sub.channels/patterns too.
  bool Subscribe(const std::shared_ptr<Subscriber>& sub, std::string_view channel);
  bool Unsubscribe(const Subscriber& sub, std::string_view channel);
  bool PSubscribe(const std::shared_ptr<Subscriber>& sub, std::string_view pattern);
  bool PUnsubscribe(const Subscriber& sub, std::string_view pattern);

  // PUBLISH: delivers to channel subscribers and matching patterns; returns
  // the number of deliveries (a client matched twice counts twice).
  int64_t Publish(std::string_view channel, std::string_view message);

  // PUBSUB CHANNELS (empty pattern = all), NUMSUB, NUMPAT.
  std::vector<std::string> Channels(std::string_view pattern) const;
  int64_t NumSub(std::string_view channel) const;
  int64_t NumPat() const;

 private:
  mutable std::shared_mutex mu_;
  // GUARDED_BY(mu_): subscribers in subscription order.
  std::unordered_map<std::string, std::vector<std::shared_ptr<Subscriber>>> channels_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Subscriber>>> patterns_;
};

// RESP encodings of pushes (exposed for the commands and tests).
std::string EncodeMessage(int protocol, std::string_view channel, std::string_view payload);
std::string EncodePMessage(int protocol, std::string_view pattern, std::string_view channel,
                           std::string_view payload);

}  // namespace lsmdb::server
