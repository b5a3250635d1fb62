#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "db/item/status.h"
#include "server/http.h"

namespace cirrus::server {

// HTTP/1.1 keep-alive server on Boost.Beast with a fixed pool of I/O threads.
class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 8000;  // 0: any free port
    int threads = 1;
    size_t body_limit = 16 * 1024 * 1024;  // larger bodies get HTTP 413
    // After its last event, an I/O thread keeps polling this long before it sleeps, so that
    // the next request of a busy connection does not wait for a sleeping CPU to wake.
    int busy_poll_us = 50;
  };

  HttpServer(Options options, RequestHandler* handler);
  ~HttpServer();

  // Binds and listens. kInternal with the reason when the address is unavailable.
  Status Listen();
  uint16_t port() const;  // the bound port, after Listen

  // Serves until Shutdown (or SIGINT/SIGTERM when `handle_signals`), then returns once
  // in-flight requests have been answered. Blocks the calling thread.
  void Run(bool handle_signals);
  // Stops accepting, closes idle connections and lets in-flight requests finish.
  // Thread-safe.
  void Shutdown();

 private:
  class Impl;
  friend class Session;  // http_server.cc: one connection
  std::unique_ptr<Impl> impl_;
};

}  // namespace cirrus::server
