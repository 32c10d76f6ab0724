#pragma once

// TLS port ([tls] port, Redis's tls-port) beside the plain one.
//
// Design: TLS is terminated here and the plaintext is relayed through a
// socketpair to an ordinary Connection, so the connection code stays
// stream-agnostic. Per TLS client, on its I/O thread:
//
//   client <--TLS--> TlsRelay [ssl::stream | local socket] <--plain--> Connection
//
// The relay keeps one read outstanding in each direction and writes what it
// read before reading again, so back-pressure of either side reaches the
// other. Either side closing closes both. Protected mode and maxclients are
// applied by the caller on accept, as for the plain port. CLIENT LIST shows
// such clients with the socketpair's (empty) address.
//
// Certificates: cert-file + key-file (PEM) are required; with ca-cert-file
// client certificates are verified when presented (not required).

#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "lsmdb/status.h"

namespace asio::ssl {
class context;
}

namespace lsmdb::server {

struct Config;

class TlsListener {
 public:
  // io_for(): the I/O thread for the next client (its context and index).
  // admit(remote): false = refuse (the callee already replied and closed).
  // start(socket, thread): makes a Connection on the plaintext end.
  struct Hooks {
    std::function<std::pair<asio::io_context*, size_t>()> io_for;
    std::function<bool(asio::ip::tcp::socket& socket)> admit;
    std::function<void(asio::ip::tcp::socket plain, size_t thread)> start;
  };

  ~TlsListener();
  // Loads the certificates and binds host:cfg.tls_port on `accept_io`.
  static Status Open(const Config& cfg, const std::string& host, asio::io_context& accept_io,
                     Hooks hooks, std::unique_ptr<TlsListener>* out);
  int port() const { return port_; }
  // Stops accepting and drops the acceptor. REQUIRES: before the accept
  // io_context is destroyed. The SSL context lives until destruction, which
  // must come after the I/O contexts (relays use it) are gone.
  void Close();

 private:
  TlsListener() = default;
  void StartAccept();

  Hooks hooks_;
  std::unique_ptr<asio::ssl::context> ctx_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  int port_ = 0;
};

}  // namespace lsmdb::server
