#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/item/status.h"

namespace cirrus::streams {

// How a registered function is run.
struct FunctionHandler {
  std::string name;         // function name, exported to commands as AWS_LAMBDA_FUNCTION_NAME
  std::string command;      // shell command (run with /bin/sh -c), or empty
  std::string url;          // http://host[:port]/path, or empty (exactly one of command/url is set)
  int timeout_seconds = 3;  // Lambda's default; values below 1 count as 1
  std::string region = "us-east-1";  // AWS_REGION and AWS_DEFAULT_REGION
  // The owner's variables (cirrus functions create --env), set after Lambda's own.
  std::vector<std::pair<std::string, std::string>> environment;
};

// Lets another thread cut invocations short (the server's shutdown). Cancel is sticky and
// thread-safe; every invocation given the token and still running ends within milliseconds
// with kCancelled, its command's process group killed.
class CancelToken {
 public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // An eventfd that polls readable once cancelled (nobody reads it); -1 if none could be made,
  // in which case invocations notice within 50 ms.
  int fd() const { return fd_; }

 private:
  std::atomic<bool> cancelled_{false};
  int fd_ = -1;
};

// What one invocation returned.
struct InvokeResult {
  enum class Outcome { kSuccess, kFunctionError, kTimeout, kCancelled };
  Outcome outcome = Outcome::kSuccess;
  std::string payload;   // the function's result: a command's stdout, the HTTP response body
                         // (kept on failures too, when there is one)
  std::string error;     // for failures: a one-line reason ("exit status 3",
                         // "killed after 5 s timeout", "HTTP 500", "connection refused: ...",
                         // "errorType: errorMessage"); empty on success
  std::string log_tail;  // last 4 KiB of the command's stderr (empty for URLs)
  int status_code = 0;   // HTTP status, or the command's exit status (128 + N when killed by
                         // signal N, as sh reports it); 0 when there was none (timeout, no reply)
};

// Largest payload a function may return: Lambda's synchronous response limit, 6 MB.
inline constexpr size_t kMaxPayloadBytes = 6 * 1024 * 1024;
// How much of a command's stderr InvokeResult::log_tail keeps (the last bytes).
inline constexpr size_t kLogTailBytes = 4 * 1024;

// Invokes `handler` with `event_json` synchronously and returns within about
// handler.timeout_seconds (name resolution aside, see URL). Never throws. Thread-safe: many
// invocations may run concurrently from different threads.
//
// Command: `/bin/sh -c command` in a new process group, with LambdaEnvironment(handler) and
// nothing of the server's own environment; the event on stdin (then EOF; a
// command need not read it), the payload from stdout, the log tail from stderr. Exit status 0 is
// kSuccess; another status, a signal, or stdout over kMaxPayloadBytes is kFunctionError; on
// timeout the whole process group gets SIGKILL (kTimeout). When the shell exits, whatever it
// left running in its process group is killed too: an invocation leaves no processes behind.
// Installs no signal handlers: SIGPIPE is blocked in the calling thread during the call, and
// one our writes raised is consumed before it returns.
// REQUIRES: nothing else in the process reaps children it did not start (waitpid(-1, ...),
// SIGCHLD set to SIG_IGN).
//
// URL: HTTP/1.1 POST of the event (Content-Type: application/json, X-Amz-Invocation-Type:
// RequestResponse), one connection per call, no redirects. kSuccess only for HTTP 200 without
// an X-Amz-Function-Error header and with a body that is not a JSON object having both
// "errorType" and "errorMessage" (how the Lambda RIE reports a failed handler). Connect,
// request and response share the deadline; resolving a host name does not (the system
// resolver's own timeouts bound it; numeric addresses and /etc/hosts names resolve at once).
// `cancel`, when given and cancelled (before or during the call), ends the invocation with
// kCancelled ("cancelled: the server is shutting down"), killing a command's process group.
// The project's one HTTP client and URL parser (URL handlers, OnFailure POSTs, and the URLs
// `cirrus functions create` registers are checked by ValidateUrl): Boost.Beast on Asio, already the server's HTTP library. libcurl would
// add a dependency for one plain-HTTP POST, and its cancellation from another thread (a
// progress callback) is coarser than closing an Asio socket on the token's signal.
InvokeResult Invoke(const FunctionHandler& handler, std::string_view event_json,
                    const CancelToken* cancel = nullptr);

// What a command handler's environment holds, "NAME=value" each: Lambda's documented variables
// (AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
// AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, AWS_LAMBDA_INITIALIZATION_TYPE,
// AWS_REGION, AWS_DEFAULT_REGION, and Lambda's PATH, LANG and TZ), then the owner's
// `handler.environment`, which may replace any of them. Nothing comes from the server's own
// environment: a handler does not see the secrets of the process that runs it.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
std::vector<std::string> LambdaEnvironment(const FunctionHandler& handler);

// An http:// URL's parts.
struct HttpUrl {
  std::string host;       // without IPv6 brackets: what the resolver takes
  std::string port;       // decimal, "80" by default
  std::string authority;  // host[:port] as written: the Host header
  std::string target;     // path and query, at least "/"
};
// kValidation naming the problem unless `url` is an http://host[:port][/path][?query] URL.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// OK if `url` is an http://host[:port][/path][?query] URL that Invoke can call; kValidation
// naming the problem otherwise (another scheme, https included; no host; a bad port;
// whitespace or control characters). Used when a function is registered.
Status ValidateUrl(std::string_view url);

}  // namespace cirrus::streams
