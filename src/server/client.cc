#include "src/server/client.h"

#include <fmt/core.h>
#include <sys/time.h>

#include <chrono>

namespace lsmdb::server {

int64_t NowMs() { return NowUs() / 1000; }

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t NowUs() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
}

Client::Client(uint64_t id, std::string addr, std::string laddr, int fd)
    : id_(id),
      addr_(std::move(addr)),
      laddr_(std::move(laddr)),
      fd_(fd),
      created_ms_(MonotonicMs()),
      last_interaction_ms_(created_ms_) {}

std::string Client::name() const {
  std::lock_guard<std::mutex> lock(mu_);
  return name_;
}

void Client::set_name(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  name_ = std::string(name);
}

void Client::set_lib(std::string_view name, std::string_view version, bool is_name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (is_name) {
    lib_name_ = std::string(name);
  } else {
    lib_ver_ = std::string(version);
  }
}

std::string Client::Describe(int64_t now_ms) const {
  std::string name, lib_name, lib_ver;
  {
    std::lock_guard<std::mutex> lock(mu_);
    name = name_;
    lib_name = lib_name_;
    lib_ver = lib_ver_;
  }
  size_t qbuf = qbuf_.load(std::memory_order_relaxed);
  size_t omem = omem_.load(std::memory_order_relaxed);
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags=N db={} sub=0 psub=0 ssub=0 "
      "multi=-1 qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={} "
      "tot-mem={} events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}\n",
      id_, addr_, laddr_, fd_, name, (now_ms - created_ms_) / 1000,
      (now_ms - last_interaction_ms()) / 1000, db_published_.load(std::memory_order_relaxed), qbuf,
      omem, qbuf + omem + 16384, last_cmd_.load(std::memory_order_relaxed),
      protocol_published_.load(std::memory_order_relaxed), lib_name, lib_ver);
}

void ClientRegistry::Register(Client* client) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_[client->id()] = client;
  count_.store(clients_.size(), std::memory_order_relaxed);
}

void ClientRegistry::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_.erase(id);
  count_.store(clients_.size(), std::memory_order_relaxed);
}

void ClientRegistry::ForEach(const std::function<void(Client&)>& fn) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, client] : clients_) fn(*client);
}

}  // namespace lsmdb::server
