#include "server/http_server.h"

#include "server/http_compression.h"
#include "server/sigv4.h"

#include <zlib.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
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
#include <variant>
#include <vector>

namespace cirrus::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace ssl = net::ssl;

namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

constexpr size_t kJsonPadding = 64;  // wire::JsonParser::kPadding
// While the listener is out of descriptors (EMFILE), it waits this long before it tries again
// instead of spinning on accept.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

}  // namespace

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

namespace {

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

// A connection's bytes: plain TCP, or TLS over it (Options::tls_cert_file). Asio's SSL
// stream is OpenSSL driven through memory buffers; the session code is the same for both.
class Stream {
 public:
  using Tls = ssl::stream<tcp::socket>;
  explicit Stream(tcp::socket socket) : stream_(std::move(socket)) {}
  Stream(tcp::socket socket, ssl::context& tls) : stream_(std::in_place_type<Tls>, std::move(socket), tls) {}

  bool tls() const { return std::holds_alternative<Tls>(stream_); }
  tcp::socket& socket() { return tls() ? std::get<Tls>(stream_).next_layer() : std::get<tcp::socket>(stream_); }
  // Calls fn(stream) with the plain socket or the TLS stream.
  template <typename Fn>
  void Visit(Fn&& fn) { std::visit(std::forward<Fn>(fn), stream_); }
  Tls& tls_stream() { return std::get<Tls>(stream_); }

 private:
  std::variant<tcp::socket, Tls> stream_;
};

// TLS 1.2 and 1.3 only, with the certificate chain and key of the PEM files.
Result<std::unique_ptr<ssl::context>> TlsContext(const std::string& cert_file, const std::string& key_file) {
  auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  if (!ec && SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION) != 1) {
    return InternalError("cannot restrict TLS to versions 1.2 and 1.3");
  }
  // An encrypted key fails to load rather than prompting on the terminal.
  tls->set_password_callback([](size_t, ssl::context::password_purpose) { return std::string(); }, ec);
  if (!ec) tls->use_certificate_chain_file(cert_file, ec);
  if (ec) return InternalError("cannot use the TLS certificate " + cert_file + ": " + ec.message());
  tls->use_private_key_file(key_file, ssl::context::pem, ec);
  // OpenSSL also refuses a key that is not the certificate's ("key values mismatch").
  if (ec) return InternalError("cannot use the TLS private key " + key_file + ": " + ec.message());
  return tls;
}

}  // namespace


class Session;

// One io_context per I/O thread, each run by that thread alone: a connection lives on one
// thread, so its handlers need no strand, and no thread wakes another to run a handler (a
// shared multi-threaded io_context served 25k GetItem/s here where one thread served 34k).
class HttpServer::Impl {
 public:
  ~Impl() {
    // Timers and sockets before their contexts; the contexts (whose pending handlers hold
    // sessions, which unregister themselves) before the registry.
    sweepers.clear();
    deadline.reset();
    accept_backoff.reset();
    signals.reset();
    reload_signal.reset();
    acceptor.reset();
    work.clear();
    contexts.clear();
  }

  Impl(Options o, RequestHandler* h, ShutdownHooks k)
      : options(std::move(o)), handler(h), hooks(std::move(k)) {
    for (int i = 0; i < options.threads; ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      work.push_back(std::make_unique<Work>(net::make_work_guard(*contexts.back())));
      sweepers.push_back(std::make_unique<net::steady_timer>(*contexts.back()));
    }
    acceptor.emplace(*contexts[0]);
    accept_backoff.emplace(*contexts[0]);
    // Timeouts are checked by a sweep per thread rather than a timer per connection: the
    // request path then only stores a time stamp.
    auto shortest = std::min({options.idle_timeout, options.header_timeout, options.io_timeout});
    sweep_every = std::clamp<Millis>(shortest / 8, Millis(20), Millis(250));
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
  // The live sessions of context `index` (all when index < 0).
  std::vector<std::shared_ptr<Session>> SessionsOf(int index);
  // Every sweep_every on context `index`: closes its connections that overstayed a timeout.
  void Sweep(int index);
  // While draining: polls until every connection has closed, or the grace period ends.
  void WatchDrain();
  // Runs `fn(session)` on each live session's own thread.
  template <typename Fn>
  void ForEachSession(Fn fn);

  void StopAll() {
    for (auto& c : contexts) c->stop();
  }

  // Runs one context until it stops. Before blocking for the next event it polls for
  // busy_poll_us: on this 2-core VM, a request that found its thread asleep took 160-190 us
  // to answer over one connection where one that found it polling took under 100 us (nginx
  // here: 420 us), since a halted vCPU takes that long to wake.
  void RunContext(net::io_context& ctx) {
    const auto window = std::chrono::microseconds(options.busy_poll_us);
    auto last_work = Clock::now();
    while (!ctx.stopped()) {
      if (window.count() > 0) {
        if (ctx.poll() > 0) {
          last_work = Clock::now();
          continue;
        }
        if (Clock::now() - last_work < window) continue;
      }
      if (ctx.run_one() > 0) last_work = Clock::now();
    }
  }

  void WaitForReload() {
    reload_signal->async_wait([this](beast::error_code ec, int) {
      if (ec || draining.load()) return;
      hooks.reload();
      WaitForReload();
    });
  }

  using Work = net::executor_work_guard<net::io_context::executor_type>;
  // Const after construction.
  const Options options;
  RequestHandler* const handler;
  const ShutdownHooks hooks;
  Millis sweep_every{250};
  std::vector<std::unique_ptr<net::io_context>> contexts;  // contexts[0]: acceptor, signals
  std::vector<std::unique_ptr<Work>> work;  // keeps idle contexts running until shutdown
  std::vector<std::unique_ptr<net::steady_timer>> sweepers;  // one per context, its thread only

  // contexts[0]'s thread only.
  size_t next_context = 0;  // round-robin for new connections
  std::optional<tcp::acceptor> acceptor;
  std::unique_ptr<ssl::context> tls;  // set by Listen when serving HTTPS
  std::optional<net::steady_timer> accept_backoff;
  std::optional<net::signal_set> signals;
  std::optional<net::signal_set> reload_signal;  // SIGHUP, when hooks.reload is set
  std::optional<net::steady_timer> deadline;
  Clock::time_point drain_started;
  bool cut_short = false;  // hooks.cut_short called
  bool forced = false;     // 503s sent to the requests still waiting

  std::atomic<bool> draining{false};
  std::atomic<size_t> connections{0};  // sessions alive, refusing ones included
  std::mutex sessions_mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by sessions_mu
};

// One connection: read a request, hand it to the handler, write its response, repeat.
// All its handlers run on its io_context's one thread; at most one of read, handle and
// write is under way.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `refuse`: the server is at its connection limit; answer the first request 503 and close.
  Session(Stream stream, HttpServer::Impl* server, int context, bool refuse)
      : stream_(std::move(stream)), server_(server), context_(context), refusing_(refuse) {}
  ~Session() {
    server_->Unregister(this);
    --server_->connections;
  }

  int context() const { return context_; }

  void Start() {
    net::dispatch(stream_.socket().get_executor(), [self = shared_from_this()] {
      self->server_->Register(self.get(), self->weak_from_this());
      if (!self->stream_.tls()) return self->DoRead();
      // The handshake is timed as a request head is; a client that sends plain HTTP to the
      // HTTPS port fails it and is disconnected.
      self->Enter(Phase::kHead, Clock::now());
      self->stream_.tls_stream().async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (ec) return self->Close();
        self->DoRead();
      });
    });
  }

  // When the server drains: an idle connection closes now, a busy one after its response.
  void CloseIfIdle() {
    if (phase_ == Phase::kIdle && buffer_.size() == 0) Close();
  }

  // At the end of the shutdown grace period: a request still waiting for its answer gets 503
  // now (its real answer, should it come, is dropped); a half-read request is cut off.
  void ForceAnswer() {
    if (phase_ == Phase::kHandling) {
      keep_alive_ = false;
      Respond(request_seq_, ServiceUnavailable());
    } else if (phase_ != Phase::kWriting) {
      Close();
    }
  }

  // Closes the connection if it has been in its phase longer than that phase may last.
  void CheckTimeouts(Clock::time_point now) {
    if (!stream_.socket().is_open()) return;
    const HttpServer::Options& o = server_->options;
    HttpServer::Millis limit{0};
    switch (phase_) {
      case Phase::kIdle:
        if (buffer_.size() > 0 || (parser_ && parser_->got_some())) {
          // The next request has begun: its head is timed from now.
          Enter(Phase::kHead, now);
          return;
        }
        limit = o.idle_timeout;
        break;
      case Phase::kHead:
        if (parser_ && parser_->is_header_done()) {
          Enter(Phase::kBody, now);
          return;
        }
        limit = o.header_timeout;
        break;
      case Phase::kBody:
      case Phase::kWriting:
        limit = o.io_timeout;
        break;
      case Phase::kHandling:
        return;  // the handler answers within its own bounds
    }
    if (now - since_ >= limit) Close();
  }

  // The head is formatted here, not by Beast's serializer: these are a handful of fixed lines,
  // and Beast's field container (an allocation per header) and buffer-sequence machinery were
  // the largest user-space cost of a GetItem; without them GetItem over 16 connections went
  // from 28.5k to 38.0k req/s (benchmarks/ab.sh, benchmarks/README.md). Requests are still
  // parsed by Beast.
  void Respond(uint64_t seq, HttpResponse r) {
    // One answer per request: a late one (after a forced 503) is dropped.
    if (seq != request_seq_ || phase_ != Phase::kHandling || !stream_.socket().is_open()) return;
    closing_ = !keep_alive_ || server_->draining.load();
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(r.status);
    head_ += ' ';
    beast::string_view reason = http::obsolete_reason(static_cast<http::status>(r.status));
    head_.append(reason.data(), reason.size());
    head_ += "\r\n";
    if (!r.content_type.empty()) AddHeader("Content-Type", r.content_type);
    if (gzip_answer_ && r.body.size() >= kCompressMinBytes) {
      std::string gzipped;
      if (Gzip(r.body, &gzipped)) {
        r.body = std::move(gzipped);
        AddHeader("Content-Encoding", "gzip");
        AddHeader("Vary", "Accept-Encoding");
      }
    }
    if (r.api_headers) {
      AddHeader("x-amzn-RequestId", r.request_id.empty() ? NewRequestId() : r.request_id);
      // Of the bytes sent, compressed or not, as DynamoDB's (the SDKs check it before they
      // decompress).
      uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(r.body.data()),
                        static_cast<uInt>(r.body.size()));
      AddHeader("x-amz-crc32", std::to_string(crc));
    }
    head_ += r.headers;
    AddHeader("Server", "Server");  // what DynamoDB's answers say
    AddHeader("Date", HttpDate());
    AddHeader("Content-Length", std::to_string(r.body.size()));
    if (closing_) AddHeader("Connection", "close");
    head_ += "\r\n";
    body_ = std::move(r.body);
    Enter(Phase::kWriting, Clock::now());
    auto written = [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); };
    if (stream_.tls()) {
      // Asio's SSL stream makes a TLS record (and a send) of each buffer: one buffer, one record.
      head_ += body_;
      net::async_write(stream_.tls_stream(), net::buffer(head_), std::move(written));
    } else {
      net::async_write(stream_.socket(), std::array<net::const_buffer, 2>{net::buffer(head_), net::buffer(body_)},
                       std::move(written));
    }
  }

 private:
  enum class Phase : uint8_t {
    kIdle,      // waiting for a request's first byte
    kHead,      // reading its head
    kBody,      // reading its body
    kHandling,  // the handler has it
    kWriting,   // writing its answer
  };

  class SessionReply : public Reply {
   public:
    SessionReply(std::shared_ptr<Session> s, uint64_t seq) : session_(std::move(s)), seq_(seq) {}
    void Send(HttpResponse response) override {
      auto session = std::move(session_);
      if (!session) return;  // answered already
      net::dispatch(session->stream_.socket().get_executor(), [session, seq = seq_, r = std::move(response)]() mutable {
        session->Respond(seq, std::move(r));
      });
    }

   private:
    std::shared_ptr<Session> session_;
    uint64_t seq_;
  };

  static HttpResponse ServiceUnavailable() {
    HttpResponse r;
    r.status = 503;
    r.api_headers = false;
    r.headers = "Retry-After: 1\r\n";
    return r;
  }

  void Enter(Phase phase, Clock::time_point now) {
    phase_ = phase;
    since_ = now;
  }

  void DoRead() {
    if (server_->draining.load() && !keep_alive_) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.header_limit));
    Enter(buffer_.size() > 0 ? Phase::kHead : Phase::kIdle, Clock::now());
    stream_.Visit([this](auto& stream) {
      http::async_read(stream, buffer_, *parser_,
                       [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    });
    if (server_->draining.load()) CloseIfIdle();
  }

  // Answers a request that cannot be served (`status`, no body) and closes.
  void Refuse(unsigned status) {
    keep_alive_ = false;
    phase_ = Phase::kHandling;
    HttpResponse r;
    r.status = status;
    r.api_headers = false;
    if (status == 503) r = ServiceUnavailable();
    Respond(request_seq_, std::move(r));
  }

  // Answers a request whose body cannot be read (`status`, a plain-text reason); the
  // connection stays usable, as the whole request was read.
  void RefuseWith(unsigned status, std::string reason) {
    phase_ = Phase::kHandling;
    HttpResponse r;
    r.status = status;
    r.api_headers = false;
    r.content_type = "text/plain";
    r.body = std::move(reason);
    gzip_answer_ = false;
    Respond(request_seq_, std::move(r));
  }

  void OnRead(beast::error_code ec) {
    ++request_seq_;
    if (ec == http::error::body_limit) return Refuse(413);
    // A head (request line and headers) past the limit: 400, as DynamoDB answers it
    // (conformance fact P3), sent before closing.
    if (ec == http::error::header_limit) return Refuse(400);
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Refuse(400);  // not HTTP/1.1 as we read it
    }
    if (ec) return Close();  // peer closed, reset, timed out, or shut down: drop the connection
    if (refusing_) return Refuse(503);

    http::request<http::string_body>& req = parser_->get();
    keep_alive_ = req.keep_alive();
    std::string& body = req.body();
    gzip_answer_ = AcceptsGzip(FieldOf(req, http::field::accept_encoding));
    const bool signed_parts = server_->options.signed_parts;
    body_sha256_.clear();
    if (signed_parts && !FieldOf(req, http::field::content_encoding).empty()) {
      body_sha256_ = Sha256Hex(body);  // SigV4 signs the body as sent
    }
    switch (DecodeBody(FieldOf(req, http::field::content_encoding), server_->options.body_limit, &body)) {
      case InflateResult::kOk:
        break;
      case InflateResult::kUnsupported:
        return RefuseWith(415, "Unsupported Content-Encoding: only gzip and deflate are accepted\n");
      case InflateResult::kCorrupt:
        return RefuseWith(400, "The request body is not valid data of its Content-Encoding\n");
      case InflateResult::kTooLarge:
        return Refuse(413);  // as a body past the limit
    }
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
    request.origin = FieldOf(req, http::field::origin);
    request.host = FieldOf(req, http::field::host);
    request.invocation_type = FieldOf(req, "x-amz-invocation-type");
    request.access_control_request_headers = FieldOf(req, http::field::access_control_request_headers);
    request.access_control_request_method = FieldOf(req, http::field::access_control_request_method);
    request.body = &body;
    if (signed_parts) {
      request.headers.reserve(16);
      for (const auto& field : req) {
        request.headers.emplace_back(std::string_view(field.name_string().data(), field.name_string().size()),
                                     std::string_view(field.value().data(), field.value().size()));
      }
      request.body_sha256 = body_sha256_;
    }
    Enter(Phase::kHandling, Clock::now());
    server_->handler->Handle(request, std::make_shared<SessionReply>(shared_from_this(), request_seq_));
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
    // A TLS connection closes without close_notify: every answer carries its Content-Length,
    // so a truncation cannot pass for a whole answer.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  Stream stream_;
  HttpServer::Impl* server_;
  std::string body_sha256_;  // of the request being handled, as sent (signed_parts only)
  const int context_;     // index of the io_context (and thread) it lives on
  const bool refusing_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;  // the answer being written: head and body
  std::string body_;
  bool gzip_answer_ = false;  // the request accepts a gzipped answer
  bool closing_ = false;  // close once it is written
  bool keep_alive_ = true;
  Phase phase_ = Phase::kIdle;
  Clock::time_point since_ = Clock::now();  // when phase_ began
  uint64_t request_seq_ = 0;                // numbers the requests read; replies carry theirs
};

std::vector<std::shared_ptr<Session>> HttpServer::Impl::SessionsOf(int index) {
  std::vector<std::shared_ptr<Session>> live;
  std::lock_guard lock(sessions_mu);
  for (auto& [ptr, weak] : sessions) {
    if (auto s = weak.lock(); s && (index < 0 || s->context() == index)) live.push_back(std::move(s));
  }
  return live;
}

template <typename Fn>
void HttpServer::Impl::ForEachSession(Fn fn) {
  for (size_t i = 0; i < contexts.size(); ++i) {
    net::post(*contexts[i], [this, i, fn] {
      for (auto& s : SessionsOf(static_cast<int>(i))) fn(*s);
    });
  }
}

void HttpServer::Impl::Sweep(int index) {
  net::steady_timer& timer = *sweepers[static_cast<size_t>(index)];
  timer.expires_after(sweep_every);
  timer.async_wait([this, index](beast::error_code ec) {
    if (ec) return;
    const Clock::time_point now = Clock::now();
    for (auto& s : SessionsOf(index)) s->CheckTimeouts(now);
    Sweep(index);
  });
}

void HttpServer::Impl::Accept() {
  const int index = static_cast<int>(next_context++ % contexts.size());
  net::io_context& target = *contexts[static_cast<size_t>(index)];
  acceptor->async_accept(target, [this, index](beast::error_code ec, tcp::socket socket) {
    if (!acceptor->is_open()) return;  // shut down
    if (ec) {
      // Out of descriptors (EMFILE, ENFILE) or memory: wait for some to be freed.
      accept_backoff->expires_after(kAcceptBackoff);
      accept_backoff->async_wait([this](beast::error_code e) {
        if (!e && acceptor->is_open()) Accept();
      });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    // Past the limit a connection is still answered (503, so that clients back off and retry),
    // but only while the refusals themselves stay few; beyond that it is closed at once.
    const size_t open = ++connections;
    const bool refuse = open > options.max_connections;
    if (refuse && open > options.max_connections + options.max_connections / 8 + 8) {
      --connections;
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      Stream stream = tls ? Stream(std::move(socket), *tls) : Stream(std::move(socket));
      std::make_shared<Session>(std::move(stream), this, index, refuse)->Start();
    }
    Accept();
  });
}

void HttpServer::Impl::BeginShutdown() {
  if (draining.exchange(true)) return;
  beast::error_code ec;
  acceptor->close(ec);
  accept_backoff->cancel();
  if (signals) signals->cancel(ec);
  if (reload_signal) reload_signal->cancel(ec);
  if (hooks.draining) hooks.draining();
  ForEachSession([](Session& s) { s.CloseIfIdle(); });
  drain_started = Clock::now();
  deadline.emplace(*contexts[0]);
  WatchDrain();
}

void HttpServer::Impl::WatchDrain() {
  bool drained;
  {
    std::lock_guard lock(sessions_mu);
    drained = sessions.empty();
  }
  // The grace period ends in three steps: cancel the work still under way (its answers may
  // still go out), then answer 503 to whoever still waits, then stop.
  const Clock::duration grace = options.shutdown_grace;
  const Clock::duration cancel_margin = std::min<Clock::duration>(std::chrono::seconds(1), grace / 2);
  const Clock::duration elapsed = Clock::now() - drain_started;
  if (drained || elapsed >= grace) {
    StopAll();
    return;
  }
  if (!cut_short && elapsed >= grace - cancel_margin) {
    cut_short = true;
    if (hooks.cut_short) hooks.cut_short();
  }
  if (!forced && elapsed >= grace - cancel_margin / 2) {
    forced = true;
    ForEachSession([](Session& s) { s.ForceAnswer(); });
  }
  deadline->expires_after(std::chrono::milliseconds(20));
  deadline->async_wait([this](beast::error_code e) {
    if (!e) WatchDrain();
  });
}

HttpServer::HttpServer(Options options, RequestHandler* handler, ShutdownHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(options), handler, std::move(hooks))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen() {
  if (!impl_->options.tls_cert_file.empty() || !impl_->options.tls_key_file.empty()) {
    CIRRUS_ASSIGN_OR_RETURN(impl_->tls, TlsContext(impl_->options.tls_cert_file, impl_->options.tls_key_file));
  }
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

size_t HttpServer::connections() const { return impl_->connections.load(); }

void HttpServer::Run(bool handle_signals, const std::function<void()>& ready) {
  Impl* impl = impl_.get();
  if (handle_signals) {
    impl->signals.emplace(*impl->contexts[0], SIGINT, SIGTERM);
    impl->signals->async_wait([impl](beast::error_code ec, int) {
      if (!ec) impl->BeginShutdown();
    });
    if (impl->hooks.reload) {
      impl->reload_signal.emplace(*impl->contexts[0], SIGHUP);
      impl->WaitForReload();
    }
  }
  if (ready) ready();
  impl->Accept();
  for (size_t i = 0; i < impl->contexts.size(); ++i) {
    net::post(*impl->contexts[i], [impl, i] { impl->Sweep(static_cast<int>(i)); });
  }
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
