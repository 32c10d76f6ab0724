#include "src/server/pubsub.h"

#include <algorithm>

#include "protocol/reply_builder.h"
#include "src/types/glob.h"

namespace lsmdb::server {
namespace {

bool AddTo(std::unordered_map<std::string, std::vector<std::shared_ptr<Subscriber>>>& map,
           const std::shared_ptr<Subscriber>& sub, std::string_view name) {
  auto& list = map[std::string(name)];
  for (const auto& s : list) {
    if (s.get() == sub.get()) return false;
  }
  list.push_back(sub);
  return true;
}

bool RemoveFrom(std::unordered_map<std::string, std::vector<std::shared_ptr<Subscriber>>>& map,
                const Subscriber& sub, std::string_view name) {
  auto it = map.find(std::string(name));
  if (it == map.end()) return false;
  auto& list = it->second;
  auto pos = std::find_if(list.begin(), list.end(), [&](const auto& s) { return s.get() == &sub; });
  if (pos == list.end()) return false;
  list.erase(pos);
  if (list.empty()) map.erase(it);
  return true;
}

}  // namespace

std::string EncodeMessage(int protocol, std::string_view channel, std::string_view payload) {
  std::string out;
  out.reserve(channel.size() + payload.size() + 40);
  resp::ReplyBuilder b(&out, protocol);
  b.PushHeader(3);
  b.Bulk("message");
  b.Bulk(channel);
  b.Bulk(payload);
  return out;
}

std::string EncodePMessage(int protocol, std::string_view pattern, std::string_view channel,
                           std::string_view payload) {
  std::string out;
  resp::ReplyBuilder b(&out, protocol);
  b.PushHeader(4);
  b.Bulk("pmessage");
  b.Bulk(pattern);
  b.Bulk(channel);
  b.Bulk(payload);
  return out;
}

void Subscriber::Deliver(std::shared_ptr<const std::string> bytes) {
  if (sink_) {
    sink_(std::move(bytes));
    return;
  }
  std::lock_guard<std::mutex> lock(inbox_mu_);
  inbox_ += *bytes;
}

std::string Subscriber::TakeInbox() {
  std::lock_guard<std::mutex> lock(inbox_mu_);
  std::string out;
  out.swap(inbox_);
  return out;
}

bool PubSub::Subscribe(const std::shared_ptr<Subscriber>& sub, std::string_view channel) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  return AddTo(channels_, sub, channel);
}

bool PubSub::Unsubscribe(const Subscriber& sub, std::string_view channel) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  return RemoveFrom(channels_, sub, channel);
}

bool PubSub::PSubscribe(const std::shared_ptr<Subscriber>& sub, std::string_view pattern) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  return AddTo(patterns_, sub, pattern);
}

bool PubSub::PUnsubscribe(const Subscriber& sub, std::string_view pattern) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  return RemoveFrom(patterns_, sub, pattern);
}

int64_t PubSub::Publish(std::string_view channel, std::string_view message) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  int64_t receivers = 0;
  auto it = channels_.find(std::string(channel));
  if (it != channels_.end()) {
    std::shared_ptr<const std::string> enc[2];  // RESP2, RESP3; built on demand
    for (const auto& sub : it->second) {
      int idx = sub->protocol() == 3 ? 1 : 0;
      if (!enc[idx]) {
        enc[idx] = std::make_shared<const std::string>(EncodeMessage(idx + 2, channel, message));
      }
      sub->Deliver(enc[idx]);
      receivers++;
    }
  }
  for (const auto& [pattern, subs] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    std::shared_ptr<const std::string> enc[2];
    for (const auto& sub : subs) {
      int idx = sub->protocol() == 3 ? 1 : 0;
      if (!enc[idx]) {
        enc[idx] = std::make_shared<const std::string>(
            EncodePMessage(idx + 2, pattern, channel, message));
      }
      sub->Deliver(enc[idx]);
      receivers++;
    }
  }
  return receivers;
}

std::vector<std::string> PubSub::Channels(std::string_view pattern) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, subs] : channels_) {
    if (pattern.empty() || GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

int64_t PubSub::NumSub(std::string_view channel) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = channels_.find(std::string(channel));
  return it == channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSub::NumPat() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return static_cast<int64_t>(patterns_.size());
}

}  // namespace lsmdb::server
