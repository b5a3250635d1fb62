#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "db/item/status.h"
#include "server/http.h"

namespace cirrus::server {

// An x-amzn-RequestId: 52 upper-case alphanumerics, as AWS's look.
std::string NewRequestId();

// HTTP/1.1 keep-alive server on Boost.Beast with a fixed pool of I/O threads. Every resource a
// client can hold is bounded (Options): connections, header and body sizes, and the time a
// connection may sit idle, take to send its request head or body, or to read its answer.
class HttpServer {
 public:
  using Millis = std::chrono::milliseconds;
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 8000;  // 0: any free port
    int threads = 1;
    size_t body_limit = 16 * 1024 * 1024;  // larger bodies get HTTP 413
    size_t header_limit = 16 * 1024;       // larger request heads get HTTP 400
    // Connections open at once; one more is answered 503 and closed.
    size_t max_connections = 1024;
    // A keep-alive connection with no request under way is closed after idle_timeout; a request
    // whose head has not arrived header_timeout after its first byte is cut off, as is a body
    // or an answer that takes longer than io_timeout to cross.
    Millis idle_timeout{60000};
    Millis header_timeout{10000};
    Millis io_timeout{60000};
    // On shutdown: how long requests in flight have to finish (see Run).
    Millis shutdown_grace{10000};
    // After its last event, an I/O thread keeps polling this long before it sleeps, so that
    // the next request of a busy connection does not wait for a sleeping CPU to wake.
    int busy_poll_us = 50;
    // Fill HttpRequest::headers and body_sha256, which SigV4 verification needs.
    bool signed_parts = false;
    // Serve HTTPS (TLS 1.2 and 1.3 only) with this certificate chain and private key, both PEM
    // files (--tls-cert, --tls-key); empty: plain HTTP. A TLS handshake counts as the
    // request head for header_timeout.
    std::string tls_cert_file;
    std::string tls_key_file;
  };

  // Called on an I/O thread during shutdown (Run): `draining` as soon as it starts,
  // `cut_short` shortly before the grace period ends, to cancel work whose answers are still
  // awaited (their replies may then still be sent).
  // `reload`, when set, runs on an I/O thread at each SIGHUP (with handle_signals).
  struct ShutdownHooks {
    std::function<void()> draining;
    std::function<void()> cut_short;
    std::function<void()> reload;
  };

  HttpServer(Options options, RequestHandler* handler, ShutdownHooks hooks = {});
  ~HttpServer();

  // Binds and listens (and loads the TLS certificate and key). kInternal with the reason when
  // the address is unavailable or the certificate or key cannot be used.
  Status Listen();
  uint16_t port() const;  // the bound port, after Listen

  // Serves until Shutdown (or SIGINT/SIGTERM when `handle_signals`), then drains: stops
  // accepting, closes idle connections, lets requests in flight finish for up to
  // shutdown_grace, calls hooks.cut_short, answers 503 to any still waiting for their answer,
  // and returns once every I/O thread has stopped. Blocks the calling thread. `ready` runs
  // once the signal handlers are in place, before the first connection is served.
  void Run(bool handle_signals, const std::function<void()>& ready = {});
  // Starts the drain. Thread-safe.
  void Shutdown();

  // Connections open now (for tests and stats).
  size_t connections() const;

 private:
  class Impl;
  friend class Session;  // http_server.cc: one connection
  std::unique_ptr<Impl> impl_;
};

}  // namespace cirrus::server
