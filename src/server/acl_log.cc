#include "src/server/acl_log.h"

#include <algorithm>

#include "src/server/acl.h"
#include "src/server/client.h"
#include "src/types/clock.h"

namespace lsmdb::server {

void AclLog::Add(std::string_view reason, std::string_view context, std::string_view object,
                 std::string_view username, std::string client_info, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  // Redis scans the 10 newest entries for a match and updates it in place.
  size_t scan = 10;
  for (auto it = entries_.begin(); it != entries_.end() && scan-- > 0; ++it) {
    if (it->reason == reason && it->context == context && it->object == object &&
        it->username == username && now_ms - it->updated_ms < kGroupingMs) {
      it->count++;
      it->updated_ms = now_ms;
      it->client_info = std::move(client_info);
      return;
    }
  }
  AclLogEntry e;
  e.reason = std::string(reason);
  e.context = std::string(context);
  e.object = std::string(object);
  e.username = std::string(username);
  e.client_info = std::move(client_info);
  e.updated_ms = now_ms;
  entries_.push_front(std::move(e));
  while (entries_.size() > kMaxEntries) entries_.pop_back();
}

std::vector<AclLogEntry> AclLog::Newest(size_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  count = std::min(count, entries_.size());
  return std::vector<AclLogEntry>(entries_.begin(), entries_.begin() + count);
}

void AclLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

void LogAclEvent(AclLog& log, const Client& client, std::string_view reason,
                 std::string_view object, std::string_view username) {
  const int64_t now = RealClockMs();
  std::string user(username);
  if (user.empty()) user = client.user != nullptr ? client.user->name() : "default";
  log.Add(reason, client.in_multi ? "multi" : "toplevel", object, user, client.Describe(now), now);
}

}  // namespace lsmdb::server
