// Running a function: a command (process group, pipes, deadline, cancellation) or an HTTP
// POST. Over 600 lines on purpose: the two kinds share the deadline and cancellation code, and
// the command half is mostly the careful POSIX plumbing that must stay together to be
// reviewed together (descriptors above 2, SIGPIPE, pidfd or polling, the group's reaping).
#include "streams/invoker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <exception>
#include <ctime>
#include <optional>
#include <random>
#include <system_error>
#include <utility>
#include <vector>

namespace cirrus::streams {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// After the shell exits, how long we still wait for EOF on its stdout and stderr. Its process
// group is killed by then; only a descendant that left the group (setsid) can hold them open.
constexpr auto kDrainGrace = std::chrono::milliseconds(250);
// Without a pidfd (kernels before 5.3) we notice the shell's exit by polling this often.
constexpr int kExitPollMs = 10;
constexpr size_t kReadChunk = 64 * 1024;  // a pipe's default capacity
// How often an invocation looks at a CancelToken that has no eventfd (and a URL invocation,
// whose waits run on Asio, at any token).
constexpr auto kCancelPoll = std::chrono::milliseconds(50);
constexpr std::string_view kCancelled = "cancelled: the server is shutting down";

InvokeResult Failure(InvokeResult::Outcome outcome, std::string error) {
  InvokeResult result;
  result.outcome = outcome;
  result.error = std::move(error);
  return result;
}

std::string ErrnoText(int error) { return std::system_category().message(error); }

// `text` with control characters as spaces, cut to at most `max` bytes at a UTF-8 character
// boundary: fit for InvokeResult::error.
std::string OneLine(std::string_view text, size_t max = 512) {
  if (text.size() > max) {
    while (max > 0 && (static_cast<unsigned char>(text[max]) & 0xC0) == 0x80) --max;
    text = text.substr(0, max);
  }
  std::string line(text);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return line;
}

// ---------------------------------------------------------------------------------------------
// Command handlers

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Close(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A close-on-exec pipe whose ends are both above 2, so that the child's dup2 onto 0, 1 and 2
// cannot clobber another pipe end (a daemon may run with stdin/stdout/stderr closed).
bool MakePipe(Fd* read_end, Fd* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  for (int& fd : fds) {
    if (fd > 2) continue;
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    fd = moved;
  }
  *read_end = Fd(fds[0]);
  *write_end = Fd(fds[1]);
  return read_end->valid() && write_end->valid();
}

void SetNonBlocking(const Fd& fd) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
}

// Blocks SIGPIPE in the calling thread for its lifetime, so that writing to a pipe whose reader
// is gone fails with EPIPE instead of killing the process. A SIGPIPE our writes raised (it is
// sent to the writing thread) is consumed before the old mask returns.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask_);
  }
  ~SigpipeBlock() {
    if (raised_ && !was_pending_) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      const timespec zero{};
      while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  void NoteEpipe() { raised_ = true; }

 private:
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool raised_ = false;
};

// The spawned shell. Kills its process group and reaps it when destroyed unless Reap() did.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {
    // glibc 2.36's <sys/pidfd.h> lacks extern "C"; invalid before Linux 5.3: we poll waitid.
    pidfd_ = Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  }
  ~Child() {
    if (!reaped_) {
      KillGroup();
      Reap();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  const Fd& pidfd() const { return pidfd_; }

  // SIGKILL to every process of the group. REQUIRES: not reaped, so that the group id cannot
  // have been reused (an unreaped zombie keeps its pid, and so its process group id, taken).
  void KillGroup() const { ::kill(-pid_, SIGKILL); }

  // True once the shell has terminated; it stays a zombie until Reap().
  bool Exited() const {
    siginfo_t info{};
    while (::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno != EINTR) return true;  // not our child any more: nothing to wait for
    }
    return info.si_pid == pid_;
  }

  // Waits for the shell and returns its wait status.
  int Reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_;
  Fd pidfd_;
  bool reaped_ = false;
};

// Starts `/bin/sh -c command` in a new process group with stdin, stdout and stderr on the given
// pipe ends and no other descriptor open. Returns 0 or an errno value.
int Spawn(const FunctionHandler& handler, const std::vector<std::string>& env, const Fd& stdin_read,
          const Fd& stdout_write, const Fd& stderr_write, pid_t* pid) {
  // posix_spawn (vfork-like in glibc) runs only async-signal-safe code in the child, unlike a
  // hand-written fork in a multithreaded process; argv and envp are built before it.
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const std::string& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  char sh[] = "/bin/sh";
  char dash_c[] = "-c";
  char* argv[] = {sh, dash_c, const_cast<char*>(handler.command.c_str()), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, stdin_read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, stdout_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, stderr_write.get(), 2);
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
  // Also closes descriptors other code opened without O_CLOEXEC (ours all have it).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  // A new group (so a timeout kills the command's children too), default dispositions (the
  // server may ignore SIGPIPE; sh needs SIGCHLD) and no blocked signals (we block SIGPIPE).
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  int error = ::posix_spawn(pid, sh, &actions, &attr, argv, envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return error;
}

// Appends `data` to the stderr tail, keeping at least its last kLogTailBytes.
void AppendTail(std::string* tail, std::string_view data) {
  tail->append(data);
  if (tail->size() > 2 * kLogTailBytes) tail->erase(0, tail->size() - kLogTailBytes);
}

InvokeResult InvokeCommand(const FunctionHandler& handler, std::string_view event,
                           int timeout_seconds, Clock::time_point deadline,
                           const CancelToken* cancel) {
  using Outcome = InvokeResult::Outcome;
  std::vector<std::string> env = LambdaEnvironment(handler);
  Fd stdin_read, stdin_write, stdout_read, stdout_write, stderr_read, stderr_write;
  if (!MakePipe(&stdin_read, &stdin_write) || !MakePipe(&stdout_read, &stdout_write) ||
      !MakePipe(&stderr_read, &stderr_write)) {
    return Failure(Outcome::kFunctionError, "cannot create a pipe: " + ErrnoText(errno));
  }
  SigpipeBlock sigpipe_block;  // before the spawn: the child's mask is reset anyway
  pid_t pid = 0;
  if (int error = Spawn(handler, env, stdin_read, stdout_write, stderr_write, &pid); error != 0) {
    return Failure(Outcome::kFunctionError, "cannot run /bin/sh: " + ErrnoText(error));
  }
  Child child(pid);
  stdin_read.Close();
  stdout_write.Close();
  stderr_write.Close();
  SetNonBlocking(stdin_write);
  SetNonBlocking(stdout_read);
  SetNonBlocking(stderr_read);
  if (event.empty()) stdin_write.Close();

  InvokeResult result;
  std::string& payload = result.payload;
  size_t written = 0;
  bool too_large = false;     // stdout passed kMaxPayloadBytes; the group was killed
  std::optional<int> status;  // the shell's wait status, once reaped
  Clock::time_point drain_until;
  char buffer[kReadChunk];

  // One loop multiplexes the event write, both reads and the shell's exit, so that no
  // direction can block another: a command may ignore stdin, or fill stdout before reading.
  bool cancelled = false;
  while (true) {
    Clock::time_point now = Clock::now();
    if (!status && cancel && cancel->cancelled()) {
      cancelled = true;
      break;
    }
    if (!status && now >= deadline) break;  // timeout
    if (status && ((!stdout_read.valid() && !stderr_read.valid()) || now >= drain_until)) break;

    pollfd fds[5];
    int count = 0;
    auto watch = [&](const Fd& fd, short events) {
      if (fd.valid()) fds[count++] = pollfd{fd.get(), events, 0};
    };
    auto ready = [&](const Fd& fd) {
      return fd.valid() && std::any_of(fds, fds + count, [&](const pollfd& p) {
               return p.fd == fd.get() && p.revents != 0;
             });
    };
    watch(stdin_write, POLLOUT);
    watch(stdout_read, POLLIN);
    watch(stderr_read, POLLIN);
    if (!status) watch(child.pidfd(), POLLIN);
    if (!status && cancel && cancel->fd() >= 0) fds[count++] = pollfd{cancel->fd(), POLLIN, 0};
    auto until = status ? drain_until : deadline;
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
    if (!status && !child.pidfd().valid()) wait = std::min<decltype(wait)>(wait, kExitPollMs);
    if (!status && cancel && cancel->fd() < 0) {
      wait = std::min<decltype(wait)>(wait, kCancelPoll.count());
    }
    if (::poll(fds, count, static_cast<int>(wait)) < 0) {
      if (errno == EINTR) continue;
      return Failure(Outcome::kFunctionError, "poll: " + ErrnoText(errno));  // ~Child reaps
    }

    // The event, as much as the pipe takes; EPIPE (POLLERR) means the command closed stdin.
    if (ready(stdin_write)) {
      ssize_t n = ::write(stdin_write.get(), event.data() + written,
                          std::min(event.size() - written, kReadChunk));
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno == EPIPE) sigpipe_block.NoteEpipe();
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == event.size()) {
        stdin_write.Close();
      }
    }
    if (ready(stdout_read)) {
      ssize_t n = ::read(stdout_read.get(), buffer, sizeof(buffer));
      if (n > 0 && !too_large) {
        payload.append(buffer, static_cast<size_t>(n));
        if (payload.size() > kMaxPayloadBytes) {
          too_large = true;  // no point running on: the output is lost anyway
          payload.clear();
          if (!status) child.KillGroup();
        }
      }
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) stdout_read.Close();
    }
    if (ready(stderr_read)) {
      ssize_t n = ::read(stderr_read.get(), buffer, sizeof(buffer));
      if (n > 0) AppendTail(&result.log_tail, std::string_view(buffer, static_cast<size_t>(n)));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) stderr_read.Close();
    }
    if (!status && (ready(child.pidfd()) || !child.pidfd().valid()) && child.Exited()) {
      // Kill what the shell left behind (background jobs) while its zombie still holds the
      // group id, then reap. Its output up to here is in the pipes; read it to EOF.
      child.KillGroup();
      status = child.Reap();
      stdin_write.Close();
      drain_until = Clock::now() + kDrainGrace;
    }
  }

  if (!status) {
    child.KillGroup();
    child.Reap();
    if (stderr_read.valid()) {  // what the group wrote last, without waiting for more
      ssize_t n;
      while ((n = ::read(stderr_read.get(), buffer, sizeof(buffer))) > 0) {
        AppendTail(&result.log_tail, std::string_view(buffer, static_cast<size_t>(n)));
      }
    }
    result.outcome = cancelled ? Outcome::kCancelled : Outcome::kTimeout;
    result.error = cancelled ? std::string(kCancelled)
                             : "killed after " + std::to_string(timeout_seconds) + " s timeout";
  } else if (too_large) {
    result.outcome = Outcome::kFunctionError;
    result.error = "stdout exceeds the " + std::to_string(kMaxPayloadBytes) +
                   "-byte payload limit; the command was killed";
  } else if (WIFEXITED(*status)) {
    result.status_code = WEXITSTATUS(*status);
    if (result.status_code != 0) {
      result.outcome = Outcome::kFunctionError;
      result.error = "exit status " + std::to_string(result.status_code);
    }
  } else if (WIFSIGNALED(*status)) {
    int signal = WTERMSIG(*status);
    const char* abbrev = sigabbrev_np(signal);  // thread-safe, unlike strsignal
    result.outcome = Outcome::kFunctionError;
    result.status_code = 128 + signal;
    result.error = "killed by signal " + std::to_string(signal);
    if (abbrev != nullptr) result.error += std::string(" (SIG") + abbrev + ")";
  }
  if (result.log_tail.size() > kLogTailBytes) {
    result.log_tail.erase(0, result.log_tail.size() - kLogTailBytes);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// URL handlers

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (url.empty()) return ValidationError("URL is empty");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return ValidationError("URL must not contain whitespace or control characters");
    }
  }
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return ValidationError("URL '" + std::string(url) + "' does not start with http://");
  }
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "https") return ValidationError("https is not supported");
  if (scheme != "http") {
    return ValidationError("unsupported URL scheme '" + scheme + "': only http:// is supported");
  }

  std::string_view rest = url.substr(scheme_end + 3);
  size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  HttpUrl parsed;
  parsed.authority = std::string(rest.substr(0, authority_end));
  std::string_view authority = parsed.authority;
  if (authority.find('@') != std::string_view::npos) {
    return ValidationError("user information in URLs is not supported");
  }
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {  // IPv6 literal: [::1]:8080
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return ValidationError("URL has an unclosed '[' in its host");
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return ValidationError("unexpected characters after the host in URL");
    }
    has_port = !after.empty();
    if (has_port) port_text = after.substr(1);
    for (char c : host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return ValidationError("invalid IPv6 address '" + std::string(host) + "' in URL");
      }
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port_text = authority.substr(colon + 1);
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return ValidationError("invalid host '" + std::string(host) + "' in URL");
    }
  }
  if (host.empty()) return ValidationError("URL has no host");
  parsed.host = std::string(host);
  parsed.port = "80";
  if (has_port) {
    unsigned port = 0;
    bool digits = !port_text.empty() && port_text.size() <= 5 &&
                  std::all_of(port_text.begin(), port_text.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
    if (digits) port = static_cast<unsigned>(std::stoul(std::string(port_text)));
    if (!digits || port == 0 || port > 65535) {
      return ValidationError("invalid port '" + std::string(port_text) + "' in URL");
    }
    parsed.port = std::to_string(port);
  }

  std::string_view target = rest.substr(authority_end);
  target = target.substr(0, target.find('#'));  // a fragment is not sent
  parsed.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  return parsed;
}

namespace {

// "errorType: errorMessage" when `body` is a JSON object with both members (how Lambda and the
// RIE report a failed handler), else nullopt. Pads `body` in place for simdjson.
std::optional<std::string> LambdaError(std::string& body) {
  // Cheap pre-check: most successful payloads mention neither.
  if (body.find("\"errorType\"") == std::string::npos ||
      body.find("\"errorMessage\"") == std::string::npos) {
    return std::nullopt;
  }
  thread_local simdjson::ondemand::parser parser;
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()))
              .get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::optional<std::string> type;
  std::optional<std::string> message;
  for (auto field : object) {
    std::string_view key;
    if (field.error() != simdjson::SUCCESS || field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    if (key != "errorType" && key != "errorMessage") continue;  // skipped by the iterator
    std::string_view text;  // a non-string value still marks the error, without text
    if (field.value().get_string().get(text) != simdjson::SUCCESS) text = {};
    (key == "errorType" ? type : message) = std::string(text);
  }
  if (!type || !message) return std::nullopt;
  return OneLine(*type + ": " + *message);
}

// Runs the operation just started on `stream`'s private io_context to completion; if `cancel`
// fires meanwhile, aborts it (its handler then sees operation_aborted) and returns false.
bool RunPending(net::io_context& ioc, beast::tcp_stream& stream, const CancelToken* cancel) {
  ioc.restart();
  if (!cancel) {
    ioc.run();
    return true;
  }
  while (!ioc.stopped()) {
    if (cancel->cancelled()) {
      stream.cancel();
      ioc.run();  // the aborted handler
      return false;
    }
    ioc.run_for(kCancelPoll);
  }
  return !cancel->cancelled();
}

InvokeResult InvokeUrl(const FunctionHandler& handler, std::string_view event, int timeout_seconds,
                       Clock::time_point deadline, const CancelToken* cancel) {
  using Outcome = InvokeResult::Outcome;
  Result<HttpUrl> url = ParseHttpUrl(handler.url);
  if (!url.ok()) return Failure(Outcome::kFunctionError, url.status().message());
  std::string where = url->host + ":" + url->port;
  std::string timed_out =
      "no response within " + std::to_string(timeout_seconds) + " s from " + where;

  // Beast's timeouts apply to asynchronous operations only: we start one at a time on a
  // private io_context and run it, so the code reads as synchronous.
  net::io_context ioc(1);
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type endpoints = resolver.resolve(url->host, url->port, ec);
  if (ec) {
    return Failure(Outcome::kFunctionError,
                   "cannot resolve host '" + url->host + "': " + ec.message());
  }
  if (Clock::now() >= deadline) return Failure(Outcome::kTimeout, timed_out);

  beast::tcp_stream stream(ioc);
  stream.expires_at(deadline);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  if (!RunPending(ioc, stream, cancel)) return Failure(Outcome::kCancelled, std::string(kCancelled));
  if (ec == beast::error::timeout) return Failure(Outcome::kTimeout, timed_out);
  if (ec == net::error::connection_refused) {
    return Failure(Outcome::kFunctionError, "connection refused: " + where);
  }
  if (ec) {
    return Failure(Outcome::kFunctionError, "cannot connect to " + where + ": " + ec.message());
  }

  http::request<http::string_body> request{http::verb::post, url->target, 11};
  request.set(http::field::host, url->authority);
  request.set(http::field::user_agent, "cirrusdb");
  request.set(http::field::content_type, "application/json");
  request.set("X-Amz-Invocation-Type", "RequestResponse");
  request.keep_alive(false);
  request.body() = std::string(event);
  request.prepare_payload();
  stream.expires_at(deadline);
  http::async_write(stream, request, [&](beast::error_code e, size_t) { ec = e; });
  if (!RunPending(ioc, stream, cancel)) return Failure(Outcome::kCancelled, std::string(kCancelled));
  if (ec == beast::error::timeout) return Failure(Outcome::kTimeout, timed_out);
  if (ec) return Failure(Outcome::kFunctionError, "sending to " + where + ": " + ec.message());

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxPayloadBytes);
  stream.expires_at(deadline);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  if (!RunPending(ioc, stream, cancel)) return Failure(Outcome::kCancelled, std::string(kCancelled));
  if (ec == beast::error::timeout) return Failure(Outcome::kTimeout, timed_out);
  if (ec == http::error::body_limit) {
    return Failure(Outcome::kFunctionError, "response from " + where + " exceeds the " +
                                                std::to_string(kMaxPayloadBytes) +
                                                "-byte payload limit");
  }
  if (ec == http::error::end_of_stream) {
    return Failure(Outcome::kFunctionError, where + " closed the connection without a response");
  }
  if (ec) return Failure(Outcome::kFunctionError, "reading from " + where + ": " + ec.message());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  http::response<http::string_body> response = parser.release();
  InvokeResult result;
  result.status_code = static_cast<int>(response.result_int());
  result.payload = std::move(response.body());
  std::optional<std::string> reported = LambdaError(result.payload);
  auto function_error = response.find("X-Amz-Function-Error");
  if (result.status_code != 200) {
    result.error = "HTTP " + std::to_string(result.status_code);
    if (reported) result.error += ": " + *reported;
  } else if (function_error != response.end()) {
    beast::string_view value = function_error->value();
    result.error =
        reported ? *reported : "X-Amz-Function-Error: " + OneLine({value.data(), value.size()});
  } else if (reported) {
    result.error = *reported;
  }
  if (!result.error.empty()) result.outcome = Outcome::kFunctionError;
  return result;
}

}  // namespace

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

CancelToken::~CancelToken() {
  if (fd_ >= 0) ::close(fd_);
}

void CancelToken::Cancel() {
  if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
  if (fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof(one));
  }
}

std::vector<std::string> LambdaEnvironment(const FunctionHandler& handler) {
  // A log stream name in Lambda's form: 2024/01/31/[$LATEST]<32 hex digits>.
  thread_local std::mt19937_64 rng(std::random_device{}());
  char stream[96];
  std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  std::snprintf(stream, sizeof(stream), "%04d/%02d/%02d/[$LATEST]%016llx%016llx", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  std::vector<std::pair<std::string, std::string>> vars = {
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"},
      {"AWS_REGION", handler.region},
      {"AWS_DEFAULT_REGION", handler.region},
      {"AWS_LAMBDA_FUNCTION_NAME", handler.name},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + handler.name},
      {"AWS_LAMBDA_LOG_STREAM_NAME", stream},
  };
  for (const auto& [name, value] : handler.environment) {
    auto same = std::find_if(vars.begin(), vars.end(), [&](const auto& v) { return v.first == name; });
    if (same != vars.end()) {
      same->second = value;
    } else {
      vars.emplace_back(name, value);
    }
  }
  std::vector<std::string> env;
  env.reserve(vars.size());
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  return env;
}

InvokeResult Invoke(const FunctionHandler& handler, std::string_view event_json,
                    const CancelToken* cancel) {
  int timeout_seconds = std::max(handler.timeout_seconds, 1);
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  if (cancel && cancel->cancelled()) {
    return Failure(InvokeResult::Outcome::kCancelled, std::string(kCancelled));
  }
  try {
    if (!handler.command.empty()) {
      return InvokeCommand(handler, event_json, timeout_seconds, deadline, cancel);
    }
    if (!handler.url.empty()) {
      return InvokeUrl(handler, event_json, timeout_seconds, deadline, cancel);
    }
    return Failure(InvokeResult::Outcome::kFunctionError, "function has no command and no URL");
  } catch (const std::exception& e) {  // std::bad_alloc, in practice
    return Failure(InvokeResult::Outcome::kFunctionError,
                   std::string("internal error: ") + e.what());
  }
}

Status ValidateUrl(std::string_view url) {
  Result<HttpUrl> parsed = ParseHttpUrl(url);
  return parsed.ok() ? Status() : parsed.status();
}

}  // namespace cirrus::streams
