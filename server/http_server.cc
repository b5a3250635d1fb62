#include "server/http_server.h"

#include <zlib.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core/flat_buffer.hpp>
// GCC 12 reports boost::optional's storage in Beast's parser as maybe-uninitialized once the
// parser is inlined here (a false positive, GCC bug 80635, seen in the sanitizer build).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

namespace cirrus::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kJsonPadding = 64;  // wire::JsonParser::kPadding
constexpr auto kShutdownGrace = std::chrono::seconds(10);

// x-amzn-RequestId: 52 upper-case alphanumerics, as AWS's look.
std::string NewRequestId() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string id(52, 'A');
  uint64_t bits = 0;
  int left = 0;
  for (char& c : id) {
    if (left < 6) {
      bits = rng();
      left = 64;
    }
    c = kAlphabet[(bits & 63) % 36];
    bits >>= 6;
    left -= 6;
  }
  return id;
}

// The Date header, formatted once per second per thread.
const std::string& HttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm;
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

std::string_view FieldOf(const http::request<http::string_body>& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

std::string_view FieldOf(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

}  // namespace

class Session;

// One io_context per I/O thread, each run by that thread alone: a connection lives on one
// thread, so its handlers need no strand, and no thread wakes another to run a handler (a
// shared multi-threaded io_context served 25k GetItem/s here where one thread served 34k).
class HttpServer::Impl {
 public:
  Impl(Options o, RequestHandler* h) : options(std::move(o)), handler(h) {
    for (int i = 0; i < options.threads; ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      work.push_back(std::make_unique<Work>(net::make_work_guard(*contexts.back())));
    }
    acceptor.emplace(*contexts[0]);
  }

  void Accept();
  void BeginShutdown();
  void Register(Session* s, std::weak_ptr<Session> w) {
    std::lock_guard lock(sessions_mu);
    sessions.emplace(s, std::move(w));
  }
  void Unregister(Session* s) {
    std::lock_guard lock(sessions_mu);
    sessions.erase(s);
  }
  // While draining: polls until every connection has closed, or the grace period ends.
  void WatchDrain(std::chrono::steady_clock::time_point give_up);

  void StopAll() {
    for (auto& c : contexts) c->stop();
  }

  // Runs one context until it stops. Before blocking for the next event it polls for
  // busy_poll_us: on this 2-core VM, a request that found its thread asleep took 160-190 us
  // to answer over one connection where one that found it polling took under 100 us (nginx
  // here: 420 us), since a halted vCPU takes that long to wake.
  void RunContext(net::io_context& ctx) {
    const auto window = std::chrono::microseconds(options.busy_poll_us);
    auto last_work = std::chrono::steady_clock::now();
    while (!ctx.stopped()) {
      if (window.count() > 0) {
        if (ctx.poll() > 0) {
          last_work = std::chrono::steady_clock::now();
          continue;
        }
        if (std::chrono::steady_clock::now() - last_work < window) continue;
      }
      if (ctx.run_one() > 0) last_work = std::chrono::steady_clock::now();
    }
  }

  using Work = net::executor_work_guard<net::io_context::executor_type>;
  Options options;
  RequestHandler* handler;
  std::vector<std::unique_ptr<net::io_context>> contexts;  // contexts[0]: acceptor, signals
  std::vector<std::unique_ptr<Work>> work;  // keeps idle contexts running until shutdown
  size_t next_context = 0;                  // round-robin for new connections
  std::optional<tcp::acceptor> acceptor;
  std::atomic<bool> draining{false};
  std::optional<net::signal_set> signals;
  std::optional<net::steady_timer> deadline;
  std::mutex sessions_mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by sessions_mu
};

// One connection: read a request, hand it to the handler, write its response, repeat.
// All its handlers run on its io_context's one thread; at most one of read, handle and
// write is under way.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server)
      : socket_(std::move(socket)), server_(server) {}
  ~Session() { server_->Unregister(this); }

  void Start() {
    server_->Register(this, weak_from_this());
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
  }

  // When the server drains: an idle connection closes now, a busy one after its response.
  void PostCloseIfIdle() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->CloseIfIdle(); });
  }

  void CloseIfIdle() {
    if (reading_ && !(parser_ && parser_->got_some())) {
      beast::error_code ec;
      socket_.shutdown(tcp::socket::shutdown_both, ec);
      socket_.close(ec);
    }
  }

  // The head is formatted here, not by Beast's serializer: these are a handful of fixed lines,
  // and Beast's field container (an allocation per header) and buffer-sequence machinery were
  // the largest user-space cost of a GetItem; without them GetItem over 16 connections went
  // from 28.5k to 38.0k req/s (benchmarks/ab.sh, benchmarks/README.md). Requests are still
  // parsed by Beast.
  void Respond(HttpResponse r) {
    closing_ = !keep_alive_ || server_->draining.load();
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(r.status);
    head_ += ' ';
    beast::string_view reason = http::obsolete_reason(static_cast<http::status>(r.status));
    head_.append(reason.data(), reason.size());
    head_ += "\r\n";
    if (!r.content_type.empty()) AddHeader("Content-Type", r.content_type);
    if (r.api_headers) {
      AddHeader("x-amzn-RequestId", NewRequestId());
      uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(r.body.data()),
                        static_cast<uInt>(r.body.size()));
      AddHeader("x-amz-crc32", std::to_string(crc));
    }
    if (!origin_.empty()) {
      AddHeader("Access-Control-Allow-Origin", "*");
      AddHeader("Access-Control-Expose-Headers",
                "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date");
    }
    head_ += r.headers;
    AddHeader("Date", HttpDate());
    AddHeader("Content-Length", std::to_string(r.body.size()));
    if (closing_) AddHeader("Connection", "close");
    head_ += "\r\n";
    body_ = std::move(r.body);
    net::async_write(socket_, std::array<net::const_buffer, 2>{net::buffer(head_), net::buffer(body_)},
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnWrite(ec);
                     });
  }

 private:
  class SessionReply : public Reply {
   public:
    explicit SessionReply(std::shared_ptr<Session> s) : session_(std::move(s)) {}
    void Send(HttpResponse response) override {
      auto session = std::move(session_);
      if (!session) return;  // answered already
      net::dispatch(session->socket_.get_executor(),
                    [session, r = std::move(response)]() mutable { session->Respond(std::move(r)); });
    }

   private:
    std::shared_ptr<Session> session_;
  };

  void DoRead() {
    if (server_->draining.load() && !keep_alive_) return;
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    reading_ = true;
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    if (server_->draining.load()) CloseIfIdle();
  }

  void OnRead(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      HttpResponse r;
      r.status = 413;
      Respond(std::move(r));
      return;
    }
    if (ec) return Close();  // peer closed, reset, shutdown, or garbage: drop the connection

    http::request<http::string_body>& req = parser_->get();
    keep_alive_ = req.keep_alive();
    std::string& body = req.body();
    body.reserve(body.size() + kJsonPadding);

    HttpRequest request;
    request.method = std::string_view(req.method_string().data(), req.method_string().size());
    std::string_view target(req.target().data(), req.target().size());
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    request.content_type = FieldOf(req, http::field::content_type);
    request.amz_target = FieldOf(req, "x-amz-target");
    request.authorization = FieldOf(req, http::field::authorization);
    request.amz_date = FieldOf(req, "x-amz-date");
    if (request.amz_date.empty()) request.amz_date = FieldOf(req, http::field::date);
    origin_ = std::string(FieldOf(req, http::field::origin));
    request.origin = origin_;
    request.access_control_request_headers = FieldOf(req, http::field::access_control_request_headers);
    request.access_control_request_method = FieldOf(req, http::field::access_control_request_method);
    request.body = &body;
    server_->handler->Handle(request, std::make_shared<SessionReply>(shared_from_this()));
  }

  void OnWrite(beast::error_code ec) {
    if (ec || closing_) return Close();
    DoRead();
  }

  void AddHeader(std::string_view name, std::string_view value) {
    head_ += name;
    head_ += ": ";
    head_ += value;
    head_ += "\r\n";
  }

  void Close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  HttpServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;  // the answer being written: head and body
  std::string body_;
  bool closing_ = false;  // close once it is written
  std::string origin_;
  bool reading_ = false;
  bool keep_alive_ = true;
};

void HttpServer::Impl::Accept() {
  net::io_context& target = *contexts[next_context++ % contexts.size()];
  acceptor->async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor->is_open()) return;  // shut down
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), this)->Start();
    }
    Accept();
  });
}

void HttpServer::Impl::BeginShutdown() {
  if (draining.exchange(true)) return;
  beast::error_code ec;
  acceptor->close(ec);
  if (signals) signals->cancel(ec);
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu);
    for (auto& [ptr, weak] : sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->PostCloseIfIdle();
  live.clear();
  deadline.emplace(*contexts[0]);
  WatchDrain(std::chrono::steady_clock::now() + kShutdownGrace);
}

void HttpServer::Impl::WatchDrain(std::chrono::steady_clock::time_point give_up) {
  bool drained;
  {
    std::lock_guard lock(sessions_mu);
    drained = sessions.empty();
  }
  // Whatever is still running after the grace period is cut off.
  if (drained || std::chrono::steady_clock::now() >= give_up) {
    StopAll();
    return;
  }
  deadline->expires_after(std::chrono::milliseconds(20));
  deadline->async_wait([this, give_up](beast::error_code e) {
    if (!e) WatchDrain(give_up);
  });
}

HttpServer::HttpServer(Options options, RequestHandler* handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen() {
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) return InternalError("invalid --host " + impl_->options.host + ": " + ec.message());
  tcp::endpoint endpoint(address, impl_->options.port);
  tcp::acceptor& a = *impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return InternalError("cannot listen on " + impl_->options.host + ":" +
                         std::to_string(impl_->options.port) + ": " + ec.message());
  }
  return Status();
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor->local_endpoint(ec).port();
}

void HttpServer::Run(bool handle_signals) {
  Impl* impl = impl_.get();
  if (handle_signals) {
    impl->signals.emplace(*impl->contexts[0], SIGINT, SIGTERM);
    impl->signals->async_wait([impl](beast::error_code ec, int) {
      if (!ec) impl->BeginShutdown();
    });
  }
  impl->Accept();
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl->contexts.size(); ++i) {
    threads.emplace_back([impl, i] { impl->RunContext(*impl->contexts[i]); });
  }
  impl->RunContext(*impl->contexts[0]);
  for (auto& t : threads) t.join();
}

void HttpServer::Shutdown() {
  Impl* impl = impl_.get();
  net::post(*impl->contexts[0], [impl] { impl->BeginShutdown(); });
}

}  // namespace cirrus::server
