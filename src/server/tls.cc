#include "src/server/tls.h"

#include <fmt/core.h>
#include <sys/socket.h>

#include <array>
#include <asio/ssl.hpp>

#include "src/config/config.h"
#include "src/server/log.h"

namespace lsmdb::server {
namespace {

class TlsRelay : public std::enable_shared_from_this<TlsRelay> {
 public:
  TlsRelay(asio::ip::tcp::socket raw, asio::ssl::context& ctx,
           asio::local::stream_protocol::socket plain)
      : tls_(std::move(raw), ctx), plain_(std::move(plain)) {}

  void Start() {
    auto self = shared_from_this();
    tls_.async_handshake(asio::ssl::stream_base::server, [self](const asio::error_code& ec) {
      if (ec) {
        LSMDB_LOG_VERBOSE("TLS handshake failed: {}", ec.message());
        self->Close();
        return;
      }
      self->PumpUp();
      self->PumpDown();
    });
  }

 private:
  // Client -> server.
  void PumpUp() {
    auto self = shared_from_this();
    tls_.async_read_some(asio::buffer(up_), [self](const asio::error_code& ec, size_t n) {
      if (ec) return self->Close();
      asio::async_write(self->plain_, asio::buffer(self->up_.data(), n),
                        [self](const asio::error_code& wec, size_t) {
                          if (wec) return self->Close();
                          self->PumpUp();
                        });
    });
  }
  // Server -> client.
  void PumpDown() {
    auto self = shared_from_this();
    plain_.async_read_some(asio::buffer(down_), [self](const asio::error_code& ec, size_t n) {
      if (ec) return self->Close();
      asio::async_write(self->tls_, asio::buffer(self->down_.data(), n),
                        [self](const asio::error_code& wec, size_t) {
                          if (wec) return self->Close();
                          self->PumpDown();
                        });
    });
  }
  void Close() {
    if (closed_) return;
    closed_ = true;
    asio::error_code ec;
    tls_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    tls_.lowest_layer().close(ec);
    plain_.shutdown(asio::socket_base::shutdown_both, ec);
    plain_.close(ec);
  }

  asio::ssl::stream<asio::ip::tcp::socket> tls_;
  asio::local::stream_protocol::socket plain_;
  std::array<char, 16384> up_;
  std::array<char, 16384> down_;
  bool closed_ = false;
};

}  // namespace

TlsListener::~TlsListener() { Close(); }

void TlsListener::Close() {
  asio::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  acceptor_.reset();
}

Status TlsListener::Open(const Config& cfg, const std::string& host, asio::io_context& accept_io,
                         Hooks hooks, std::unique_ptr<TlsListener>* out) {
  std::unique_ptr<TlsListener> l(new TlsListener());
  l->hooks_ = std::move(hooks);
  l->ctx_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  asio::error_code ec;
  l->ctx_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1,
                       ec);
  if (cfg.tls_cert_file.empty() || cfg.tls_key_file.empty()) {
    return Status::InvalidArgument("tls.port needs tls.cert-file and tls.key-file");
  }
  l->ctx_->use_certificate_chain_file(cfg.tls_cert_file, ec);
  if (ec) return Status::InvalidArgument(fmt::format("tls.cert-file: {}", ec.message()));
  l->ctx_->use_private_key_file(cfg.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument(fmt::format("tls.key-file: {}", ec.message()));
  if (!cfg.tls_ca_cert_file.empty()) {
    l->ctx_->load_verify_file(cfg.tls_ca_cert_file, ec);
    if (ec) return Status::InvalidArgument(fmt::format("tls.ca-cert-file: {}", ec.message()));
    l->ctx_->set_verify_mode(asio::ssl::verify_peer);
  }
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument(fmt::format("bad bind address '{}'", host));
  asio::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(cfg.tls_port));
  l->acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(accept_io);
  auto fail = [&](const char* what) {
    return Status::IOError(fmt::format("Could not create TLS listening socket {}:{}: {} {}", host,
                                       cfg.tls_port, what, ec.message()));
  };
  l->acceptor_->open(endpoint.protocol(), ec);
  if (ec) return fail("open:");
  l->acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  l->acceptor_->bind(endpoint, ec);
  if (ec) return fail("bind:");
  l->acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen:");
  l->port_ = l->acceptor_->local_endpoint(ec).port();
  l->StartAccept();
  *out = std::move(l);
  return Status::OK();
}

void TlsListener::StartAccept() {
  auto [io, thread] = hooks_.io_for();
  acceptor_->async_accept(*io, [this, io = io, thread = thread](const asio::error_code& ec,
                                                                asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || acceptor_ == nullptr || !acceptor_->is_open()) {
      return;
    }
    if (!ec && hooks_.admit(socket)) {
      int fds[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        LSMDB_LOG_WARNING("TLS: socketpair failed");
      } else {
        asio::post(*io, [this, io, thread, fds0 = fds[0], fds1 = fds[1],
                         s = std::move(socket)]() mutable {
          asio::error_code aec;
          asio::ip::tcp::socket inner(*io);
          inner.assign(asio::ip::tcp::v4(), fds0, aec);
          asio::local::stream_protocol::socket relay_end(*io);
          relay_end.assign(asio::local::stream_protocol(), fds1, aec);
          std::make_shared<TlsRelay>(std::move(s), *ctx_, std::move(relay_end))->Start();
          hooks_.start(std::move(inner), thread);
        });
      }
    }
    StartAccept();
  });
}

}  // namespace lsmdb::server
