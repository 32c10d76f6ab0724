#include "src/server/connection.h"

#include <fmt/core.h>

#include <cstring>

#include "src/server/dispatcher.h"
#include "src/server/error_reply.h"
#include "src/server/log.h"

namespace lsmdb::server {
namespace {

constexpr size_t kMinReadSpace = 16 * 1024;
constexpr size_t kKeepBuffer = 1 << 20;  // buffers above this are released when empty

std::string EndpointString(const asio::ip::tcp::endpoint& ep) {
  const asio::ip::address a = ep.address();
  if (a.is_v6()) return fmt::format("[{}]:{}", a.to_string(), ep.port());
  return fmt::format("{}:{}", a.to_string(), ep.port());
}

std::string RemoteOf(const asio::ip::tcp::socket& s) {
  asio::error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? std::string("?:0") : EndpointString(ep);
}

std::string LocalOf(const asio::ip::tcp::socket& s) {
  asio::error_code ec;
  auto ep = s.local_endpoint(ec);
  return ec ? std::string("?:0") : EndpointString(ep);
}

}  // namespace

Connection::Connection(Server& server, asio::io_context& io, asio::ip::tcp::socket socket,
                       size_t thread_index)
    : server_(server),
      io_(io),
      socket_(std::move(socket)),
      stats_(server.thread_stats(thread_index)),
      client_(server.clients().NextId(), RemoteOf(socket_), LocalOf(socket_),
              socket_.native_handle()),
      reply_(&out_) {}

Connection::~Connection() {
  if (!closed_) server_.clients().Unregister(client_.id());
}

void Connection::Start() {
  Config cfg = server_.config();
  client_.authenticated = cfg.requirepass.empty();
  resp::ParserLimits limits;
  limits.max_bulk_len = static_cast<size_t>(cfg.proto_max_bulk_len);
  parser_ = resp::RequestParser(limits);
  query_limit_ = static_cast<size_t>(cfg.client_query_buffer_limit);
  output_soft_limit_ = static_cast<size_t>(cfg.client_output_buffer_soft_limit);
  output_hard_limit_ = static_cast<size_t>(cfg.client_output_buffer_hard_limit);

  std::weak_ptr<Connection> weak = weak_from_this();
  asio::io_context* io = &io_;
  client_.set_killer([weak, io] {
    asio::post(*io, [weak] {
      if (auto c = weak.lock()) c->Close();
    });
  });
  server_.clients().Register(&client_);

  asio::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  LSMDB_LOG_VERBOSE("Accepted {}", client_.addr());
  StartRead();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  server_.clients().Unregister(client_.id());
}

Status Connection::Commit(WriteBatch& batch) {
  wal_dirty_ = true;
  durable_state_.fetch_add(1, std::memory_order_relaxed);
  Status s =
      server_.db().WriteAsync(WriteOptions(), batch, [this](Status st) { OnDurableAnyThread(st); });
  if (!s.ok()) durable_state_.fetch_sub(1, std::memory_order_relaxed);
  return s;
}

void Connection::OnDurableAnyThread(const Status& s) {
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(durable_mu_);
    if (durable_error_.ok()) durable_error_ = s;
    durable_failed_.store(true, std::memory_order_release);
  }
  uint32_t prev = durable_state_.fetch_sub(1, std::memory_order_acq_rel);
  // The last callback of a parked command wakes the connection. `this` is
  // alive: keepalive_ holds it while parked (see ProcessInput).
  if (prev == (kWaitingBit | 1)) asio::post(io_, [this] { OnDurable(); });
}

void Connection::OnDurable() {
  durable_state_.store(0, std::memory_order_relaxed);
  parked_ = false;
  if (durable_failed_.load(std::memory_order_acquire)) {
    ReplaceReplyWithDurableError(parked_reply_start_);
  }
  std::shared_ptr<Connection> self = std::move(keepalive_);
  Pump();
}

void Connection::ReplaceReplyWithDurableError(size_t reply_start) {
  std::lock_guard<std::mutex> lock(durable_mu_);
  out_.resize(reply_start);
  WriteError(reply_, durable_error_);
  durable_error_ = Status::OK();
  durable_failed_.store(false, std::memory_order_relaxed);
}

void Connection::Pump() {
  if (closed_) return;
  if (!parked_ && !closing_) ProcessInput();
  if (closed_) return;
  if (parked_) return;  // output is held until the parked command is durable
  if (wal_dirty_) {
    // No reply to a write leaves before its WAL record is in the OS, so a
    // crash of this process loses nothing acknowledged.
    wal_dirty_ = false;
    Status s = server_.db().FlushWal();
    if (!s.ok()) {
      LSMDB_LOG_WARNING("WAL write failed, closing client {}: {}", client_.addr(), s.ToString());
      Close();
      return;
    }
  }
  Flush();
  if (closed_) return;
  if (closing_) {
    if (!writing_ && out_.empty()) Close();
    return;
  }
  if (in_end_ - in_begin_ > query_limit_) {
    LSMDB_LOG_WARNING(
        "Closing client that reached max query buffer length: id={} addr={} "
        "qbuf={}",
        client_.id(), client_.addr(), in_end_ - in_begin_);
    Close();
    return;
  }
  if (output_hard_limit_ != 0 && PendingOutput() > output_hard_limit_) {
    LSMDB_LOG_WARNING("Client id={} addr={} closed for overcoming of output buffer limits.",
                      client_.id(), client_.addr());
    Close();
    return;
  }
  StartRead();
}

void Connection::ProcessInput() {
  while (in_begin_ < in_end_) {
    size_t consumed = 0;
    resp::RequestParser::Outcome outcome =
        parser_.Parse(std::string_view(in_.get() + in_begin_, in_end_ - in_begin_), &consumed);
    if (outcome == resp::RequestParser::Outcome::kIncomplete) break;
    if (outcome == resp::RequestParser::Outcome::kError) {
      LSMDB_LOG_VERBOSE("Protocol error from client {}: {}", client_.addr(), parser_.error());
      reply_.Error(parser_.error());
      parser_.Reset();
      in_begin_ = in_end_ = 0;
      closing_ = true;
      break;
    }
    const std::vector<std::string_view>& args = parser_.args();
    if (!args.empty()) {
      const size_t reply_start = out_.size();
      Dispatch(server_, client_, args, reply_, *this, stats_);
      if (durable_state_.load(std::memory_order_acquire) != 0) {
        uint32_t prev = durable_state_.fetch_or(kWaitingBit, std::memory_order_acq_rel);
        if ((prev & ~kWaitingBit) != 0) {
          parked_ = true;
          parked_reply_start_ = reply_start;
          keepalive_ = shared_from_this();
        } else {
          durable_state_.store(0, std::memory_order_relaxed);
        }
      }
      if (!parked_ && durable_failed_.load(std::memory_order_acquire)) {
        ReplaceReplyWithDurableError(reply_start);
      }
      if (client_.close_after_reply) closing_ = true;
    }
    in_begin_ += consumed;
    if (parked_ || closing_) break;
  }
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = 0;
    if (in_cap_ > kKeepBuffer) {
      in_.reset();
      in_cap_ = 0;
    }
  }
  client_.Publish();
  client_.SetBufferFigures(in_end_ - in_begin_, PendingOutput());
}

void Connection::Flush() {
  if (writing_ || out_.empty() || closed_) return;
  asio::error_code ec;
  size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = asio::error_code();
    n = 0;
  }
  if (ec) {
    Close();
    return;
  }
  CommandStats::Bump(stats_.net_output_bytes, n);
  if (n == out_.size()) {
    out_.clear();
    if (out_.capacity() > kKeepBuffer) std::string().swap(out_);
    return;
  }
  wbuf_.swap(out_);
  woff_ = n;
  out_.clear();
  writing_ = true;
  asio::async_write(socket_, asio::buffer(wbuf_.data() + woff_, wbuf_.size() - woff_),
                    [self = shared_from_this()](const asio::error_code& e, size_t written) {
                      self->OnWrite(e, written);
                    });
}

void Connection::OnWrite(const asio::error_code& ec, size_t n) {
  writing_ = false;
  if (ec) {
    if (ec != asio::error::operation_aborted) Close();
    return;
  }
  CommandStats::Bump(stats_.net_output_bytes, n);
  wbuf_.clear();
  woff_ = 0;
  if (wbuf_.capacity() > kKeepBuffer) std::string().swap(wbuf_);
  Pump();
}

void Connection::StartRead() {
  if (reading_ || closed_ || closing_ || parked_) return;
  if (output_soft_limit_ != 0 && PendingOutput() > output_soft_limit_) return;  // OnWrite resumes
  if (in_cap_ - in_end_ < kMinReadSpace) {
    size_t used = in_end_ - in_begin_;
    if (in_begin_ > 0) {
      memmove(in_.get(), in_.get() + in_begin_, used);
      in_begin_ = 0;
      in_end_ = used;
    }
    if (in_cap_ - in_end_ < kMinReadSpace) {
      size_t cap = std::max(in_cap_ * 2, used + kMinReadSpace);
      std::unique_ptr<char[]> bigger(new char[cap]);
      if (used > 0) memcpy(bigger.get(), in_.get(), used);
      in_ = std::move(bigger);
      in_cap_ = cap;
    }
  }
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(in_.get() + in_end_, in_cap_ - in_end_),
      [self = shared_from_this()](const asio::error_code& ec, size_t n) { self->OnRead(ec, n); });
}

void Connection::OnRead(const asio::error_code& ec, size_t n) {
  reading_ = false;
  if (ec) {
    if (ec != asio::error::operation_aborted) Close();
    return;
  }
  in_end_ += n;
  CommandStats::Bump(stats_.net_input_bytes, n);
  Pump();
}

}  // namespace lsmdb::server
