#include "streams/invoker.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace cirrus::streams {
namespace {

using Outcome = InvokeResult::Outcome;
using Clock = std::chrono::steady_clock;

FunctionHandler Command(std::string command, int timeout_seconds = 3) {
  FunctionHandler handler;
  handler.name = "test-fn";
  handler.command = std::move(command);
  handler.timeout_seconds = timeout_seconds;
  return handler;
}

FunctionHandler Url(std::string url, int timeout_seconds = 3) {
  FunctionHandler handler;
  handler.name = "test-fn";
  handler.url = std::move(url);
  handler.timeout_seconds = timeout_seconds;
  return handler;
}

// A JSON event of `size` bytes (at least 19).
std::string EventOfSize(size_t size) {
  std::string event = R"({"Records":[")";
  event.append(size - event.size() - 3, 'e');
  return event + "\"]}";
}

// False once `pid` has exited, zombies included (our PID 1 may not reap orphans). Waits up to
// a second for the kernel to finish killing it.
bool ProcessRuns(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    char state = line[line.rfind(')') + 2];  // "pid (comm) S ..."
    if (state == 'Z' || state == 'X') return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

int OpenFdCount() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// Commands

TEST(InvokeCommandTest, EchoesTheEvent) {
  const std::string event = R"({"Records":[{"eventName":"INSERT"}]})";
  InvokeResult r = Invoke(Command("cat"), event);
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_EQ(r.payload, event);
  EXPECT_EQ(r.status_code, 0);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.log_tail, "");
}

TEST(InvokeCommandTest, EmptyEventIsAnEmptyStdin) {
  InvokeResult r = Invoke(Command("cat; echo end"), "");
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_EQ(r.payload, "end\n");
}

TEST(InvokeCommandTest, EchoesALargeEvent) {
  const std::string event = EventOfSize(2 << 20);  // both pipes full at once
  InvokeResult r = Invoke(Command("cat"), event);
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_TRUE(r.payload == event) << r.payload.size();
}

TEST(InvokeCommandTest, NonZeroExitIsAFunctionErrorWithTheLogTail) {
  InvokeResult r = Invoke(Command("echo partial; echo first >&2; echo oops >&2; exit 3"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.status_code, 3);
  EXPECT_EQ(r.error, "exit status 3");
  EXPECT_EQ(r.log_tail, "first\noops\n");
  EXPECT_EQ(r.payload, "partial\n");
}

TEST(InvokeCommandTest, LogTailKeepsTheLast4KiB) {
  InvokeResult r =
      Invoke(Command("head -c 100000 /dev/zero | tr '\\0' x >&2; echo END >&2; exit 1"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  ASSERT_EQ(r.log_tail.size(), kLogTailBytes);
  EXPECT_EQ(r.log_tail.substr(kLogTailBytes - 5), "xEND\n");
}

TEST(InvokeCommandTest, MissingProgramIsExitStatus127) {
  InvokeResult r = Invoke(Command("no-such-program-cirrus"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.status_code, 127);
  EXPECT_NE(r.log_tail.find("not found"), std::string::npos) << r.log_tail;
}

TEST(InvokeCommandTest, SignalIsAFunctionError) {
  InvokeResult r = Invoke(Command("kill -TERM $$"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error, "killed by signal 15 (SIGTERM)");
  EXPECT_EQ(r.status_code, 128 + 15);
}

TEST(InvokeCommandTest, LargeStdoutWhileIgnoringALargeEvent) {
  // The command fills stdout without reading stdin: writing the event must not stall reading.
  InvokeResult r = Invoke(Command("head -c 3000000 /dev/zero | tr '\\0' y"), EventOfSize(2 << 20));
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_EQ(r.payload.size(), 3000000u);
  EXPECT_EQ(r.payload.find_first_not_of('y'), std::string::npos);
}

TEST(InvokeCommandTest, CommandThatNeverReadsStdin) {
  InvokeResult r = Invoke(Command("sleep 0.2; echo done"), EventOfSize(2 << 20));
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_EQ(r.payload, "done\n");
  r = Invoke(Command("exit 0"), EventOfSize(2 << 20));  // EPIPE at once
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
}

TEST(InvokeCommandTest, StdoutOverThePayloadLimitIsAFunctionError) {
  InvokeResult r = Invoke(Command("head -c 7000000 /dev/zero; sleep 30"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_NE(r.error.find("payload limit"), std::string::npos) << r.error;
  EXPECT_EQ(r.payload, "");
}

TEST(InvokeCommandTest, TimeoutKillsTheWholeProcessGroup) {
  Clock::time_point start = Clock::now();
  InvokeResult r = Invoke(Command("sleep 30 & echo $! >&2; sleep 30", 1), "{}");
  EXPECT_EQ(r.outcome, Outcome::kTimeout);
  EXPECT_EQ(r.error, "killed after 1 s timeout");
  // Ended by the timeout, not by the command (not a speed check: 30 s would be the bug).
  EXPECT_LT(SecondsSince(start), 20.0);
  pid_t grandchild = std::atoi(r.log_tail.c_str());
  ASSERT_GT(grandchild, 0) << r.log_tail;
  EXPECT_FALSE(ProcessRuns(grandchild));
}

TEST(InvokeCommandTest, BackgroundJobsDieWhenTheShellExits) {
  // The background sleep holds stdout open: the shell's exit ends the invocation anyway (the
  // group is killed; the result is success, not a timeout), and the job is gone.
  InvokeResult r = Invoke(Command("sleep 30 & echo $!", 10), "{}");
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  pid_t background = std::atoi(r.payload.c_str());
  ASSERT_GT(background, 0) << r.payload;
  EXPECT_FALSE(ProcessRuns(background));
}

TEST(InvokeCommandTest, SeesLambdasEnvironmentAndTheOwnersButNotTheServers) {
  setenv("CIRRUS_INVOKER_SECRET", "server-only", 1);
  FunctionHandler handler = Command(
      R"(printf '%s|%s|%s|%s|%s|%s' "$AWS_LAMBDA_FUNCTION_NAME" "$AWS_REGION" )"
      R"("$AWS_LAMBDA_LOG_GROUP_NAME" "${CIRRUS_INVOKER_SECRET-unset}" "$OWNER_SETTING" "$TZ")");
  handler.name = "my-fn";
  handler.region = "eu-west-1";
  handler.environment = {{"OWNER_SETTING", "from --env"}, {"TZ", "Europe/Paris"}};
  InvokeResult r = Invoke(handler, "{}");
  unsetenv("CIRRUS_INVOKER_SECRET");
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_EQ(r.payload, "my-fn|eu-west-1|/aws/lambda/my-fn|unset|from --env|Europe/Paris");
}

TEST(LambdaEnvironmentTest, HasEachVariableOnce) {
  FunctionHandler handler = Command("true");
  handler.environment = {{"PATH", "/opt/mine"}, {"EXTRA", "1"}};
  std::vector<std::string> env = LambdaEnvironment(handler);
  EXPECT_EQ(std::count(env.begin(), env.end(), "PATH=/opt/mine"), 1);
  EXPECT_EQ(std::count_if(env.begin(), env.end(),
                          [](const std::string& e) { return e.rfind("PATH=", 0) == 0; }),
            1);
  EXPECT_EQ(std::count(env.begin(), env.end(), "EXTRA=1"), 1);
  EXPECT_EQ(std::count(env.begin(), env.end(), "AWS_LAMBDA_FUNCTION_VERSION=$LATEST"), 1);
}

TEST(InvokeCommandTest, CancelKillsTheProcessGroupAtOnce) {
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.Cancel();
  });
  // The shell's child prints its pid, then outlives the shell unless its group is killed.
  InvokeResult r = Invoke(Command("sleep 30 & echo $! >&2; wait", 60), "{}", &cancel);
  canceller.join();
  EXPECT_EQ(r.outcome, Outcome::kCancelled) << r.error;
  EXPECT_EQ(r.error, "cancelled: the server is shutting down");
  pid_t grandchild = std::atoi(r.log_tail.c_str());
  ASSERT_GT(grandchild, 0) << r.log_tail;
  EXPECT_FALSE(ProcessRuns(grandchild));
}

TEST(InvokeCommandTest, CancelledTokenRunsNothing) {
  CancelToken cancel;
  cancel.Cancel();
  char path[] = "/tmp/cirrus-invoker-XXXXXX";
  ASSERT_NE(mkdtemp(path), nullptr);
  std::string marker = std::string(path) + "/ran";
  InvokeResult r = Invoke(Command("touch " + marker), "{}", &cancel);
  EXPECT_EQ(r.outcome, Outcome::kCancelled);
  EXPECT_NE(access(marker.c_str(), F_OK), 0);
  rmdir(path);
}

TEST(InvokeCommandTest, OnlyStdioIsInherited) {
  InvokeResult r = Invoke(Command(R"(ls /proc/$$/fd | tr '\n' ' ')"), "{}");  // the shell's
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_EQ(r.payload, "0 1 2 ");
}

TEST(InvokeCommandTest, ConcurrentInvocationsAreIndependent) {
  int fds_before = OpenFdCount();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 8; ++i) {
        // A stdin pipe end leaked into another thread's child would keep this cat waiting.
        std::string event =
            "{\"thread\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}";
        InvokeResult r = Invoke(Command("cat", 2), event);
        if (r.outcome != Outcome::kSuccess || r.payload != event) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(OpenFdCount(), fds_before);
}

// ---------------------------------------------------------------------------------------------
// URLs

// An HTTP/1.1 server on 127.0.0.1 with one thread and one connection at a time: answers each
// request with the raw response `respond` returns, or keeps the connection open without a
// word until destroyed when it returns "".
class TestServer {
 public:
  using Responder = std::function<std::string(const std::string& body)>;

  explicit TestServer(Responder respond) : respond_(std::move(respond)) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        pipe2(stop_, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "test server setup failed";
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TestServer() {
    (void)!write(stop_[1], "x", 1);
    thread_.join();
    for (int fd : held_) close(fd);
    close(listener_);
    close(stop_[0]);
    close(stop_[1]);
  }

  std::string url(std::string_view target = "/2015-03-31/functions/function/invocations") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
  }

  // The last request's head (lower-cased) and body.
  std::string last_head() {
    std::lock_guard lock(mu_);
    return last_head_;
  }
  std::string last_body() {
    std::lock_guard lock(mu_);
    return last_body_;
  }

 private:
  void Serve() {
    while (true) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 || fds[1].revents != 0) return;
      int connection = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      std::string request;
      char buffer[65536];
      size_t head_end = std::string::npos;
      size_t content_length = 0;
      while (head_end == std::string::npos || request.size() < head_end + 4 + content_length) {
        ssize_t n = read(connection, buffer, sizeof(buffer));
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
        if (head_end == std::string::npos &&
            (head_end = request.find("\r\n\r\n")) != std::string::npos) {
          std::transform(request.begin(), request.begin() + head_end, request.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          size_t field = request.find("content-length:");
          if (field < head_end) content_length = std::stoul(request.substr(field + 15));
        }
      }
      std::string body = head_end == std::string::npos ? "" : request.substr(head_end + 4);
      {
        std::lock_guard lock(mu_);
        last_head_ = request.substr(0, head_end);
        last_body_ = body;
      }
      std::string response = respond_(body);
      if (response.empty()) {
        held_.push_back(connection);
        continue;
      }
      for (size_t sent = 0; sent < response.size();) {
        ssize_t n = send(connection, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      close(connection);
    }
  }

  Responder respond_;
  int listener_ = -1;
  int stop_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::vector<int> held_;  // used by the server thread only
  std::thread thread_;
  std::mutex mu_;
  std::string last_head_;  // guarded by mu_
  std::string last_body_;  // guarded by mu_
};

std::string Response(std::string_view status_line, std::string_view body,
                     std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::string(status_line) + "\r\nContent-Type: application/json\r\n" +
         std::string(extra_headers) + "Content-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + std::string(body);
}

TEST(InvokeUrlTest, PostsTheEventAndReturnsTheBody) {
  TestServer server([](const std::string&) { return Response("200 OK", R"({"ok":true})"); });
  const std::string event = R"({"Records":[]})";
  InvokeResult r = Invoke(Url(server.url()), event);
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.payload, R"({"ok":true})");
  EXPECT_EQ(r.log_tail, "");
  std::string head = server.last_head();
  EXPECT_EQ(head.rfind("post /2015-03-31/functions/function/invocations http/1.1\r\n", 0), 0u)
      << head;
  EXPECT_NE(head.find("content-type: application/json\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("x-amz-invocation-type: requestresponse\r\n"), std::string::npos) << head;
  EXPECT_EQ(server.last_body(), event);
}

TEST(InvokeUrlTest, LargeEventAndResponse) {
  TestServer server([](const std::string& body) { return Response("200 OK", body); });
  const std::string event = EventOfSize(3 << 20);
  InvokeResult r = Invoke(Url(server.url("/echo?x=1")), event);
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.error;
  EXPECT_TRUE(r.payload == event);
}

TEST(InvokeUrlTest, FunctionErrorHeader) {
  TestServer server([](const std::string&) {
    return Response("200 OK",
                    R"({"errorMessage":"boom\nagain","errorType":"ValueError","stackTrace":[]})",
                    "X-Amz-Function-Error: Unhandled\r\n");
  });
  InvokeResult r = Invoke(Url(server.url()), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error, "ValueError: boom again");
  EXPECT_EQ(r.status_code, 200);
}

TEST(InvokeUrlTest, FunctionErrorHeaderWithoutAnErrorBody) {
  TestServer server([](const std::string&) {
    return Response("200 OK", "\"oops\"", "X-Amz-Function-Error: Handled\r\n");
  });
  InvokeResult r = Invoke(Url(server.url()), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error, "X-Amz-Function-Error: Handled");
  EXPECT_EQ(r.payload, "\"oops\"");
}

TEST(InvokeUrlTest, RieErrorBodyWithoutHeader) {
  TestServer server([](const std::string&) {
    return Response("200 OK",
                    R"( {"errorMessage": "Task failed", "errorType": "Runtime.ExitError"} )");
  });
  InvokeResult r = Invoke(Url(server.url()), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error, "Runtime.ExitError: Task failed");
}

TEST(InvokeUrlTest, BodiesThatOnlyMentionErrorsSucceed) {
  for (std::string body :
       {R"({"errorType":"x"})", R"({"result":{"errorType":"x","errorMessage":"y"}})",
        R"([{"errorType":"x","errorMessage":"y"}])", R"("errorType errorMessage")"}) {
    TestServer server([&](const std::string&) { return Response("200 OK", body); });
    InvokeResult r = Invoke(Url(server.url()), "{}");
    EXPECT_EQ(r.outcome, Outcome::kSuccess) << body << ": " << r.error;
    EXPECT_EQ(r.payload, body);
  }
}

TEST(InvokeUrlTest, Http500IsAFunctionError) {
  TestServer server([](const std::string&) { return Response("500 Internal Server Error", "no"); });
  InvokeResult r = Invoke(Url(server.url()), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error, "HTTP 500");
  EXPECT_EQ(r.status_code, 500);
  EXPECT_EQ(r.payload, "no");
}

TEST(InvokeUrlTest, ConnectionRefused) {
  uint16_t port;
  {
    TestServer server([](const std::string&) { return Response("200 OK", ""); });
    port = static_cast<uint16_t>(std::stoi(server.url().substr(17)));
  }  // closed: nothing listens there now
  InvokeResult r = Invoke(Url("http://127.0.0.1:" + std::to_string(port) + "/"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error, "connection refused: 127.0.0.1:" + std::to_string(port));
}

TEST(InvokeUrlTest, NoResponseIsATimeout) {
  TestServer server([](const std::string&) { return std::string(); });
  InvokeResult r = Invoke(Url(server.url(), 1), "{}");  // the server never answers
  EXPECT_EQ(r.outcome, Outcome::kTimeout);
  EXPECT_NE(r.error.find("no response within 1 s"), std::string::npos) << r.error;
}

TEST(InvokeUrlTest, CancelEndsAWaitForTheResponse) {
  TestServer server([](const std::string&) { return std::string(); });  // never answers
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.Cancel();
  });
  InvokeResult r = Invoke(Url(server.url(), 60), "{}", &cancel);
  canceller.join();
  EXPECT_EQ(r.outcome, Outcome::kCancelled) << r.error;
}

TEST(InvokeUrlTest, ClosedWithoutResponse) {
  TestServer server([](const std::string&) { return std::string("HTTP/1.1 "); });
  InvokeResult r = Invoke(Url(server.url()), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_NE(r.error, "");
}

TEST(InvokeUrlTest, UnusableUrlsAreFunctionErrors) {
  InvokeResult r = Invoke(Url("https://example.com/"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error, "https is not supported");
  r = Invoke(Url("http://:80/"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error, "URL has no host");
  r = Invoke(Url("http://no-such-host.invalid/"), "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
  EXPECT_EQ(r.error.rfind("cannot resolve host 'no-such-host.invalid'", 0), 0u) << r.error;
  r = Invoke(FunctionHandler{}, "{}");
  EXPECT_EQ(r.outcome, Outcome::kFunctionError);
}

TEST(ValidateUrlTest, AcceptsHttpUrls) {
  for (const char* url :
       {"http://localhost:9000/2015-03-31/functions/function/invocations", "http://127.0.0.1",
        "HTTP://example.com:80/x?y=1#frag", "http://[::1]:8080/", "http://lambda_rie:8080"}) {
    Status s = ValidateUrl(url);
    EXPECT_TRUE(s.ok()) << url << ": " << s.message();
  }
}

TEST(ValidateUrlTest, RejectsOthersWithAReason) {
  struct Case {
    const char* url;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "URL is empty"},
           {"https://example.com/", "https is not supported"},
           {"ftp://example.com/", "unsupported URL scheme 'ftp': only http:// is supported"},
           {"localhost:9000/x", "URL 'localhost:9000/x' does not start with http://"},
           {"http:///path", "URL has no host"},
           {"http://host:0/", "invalid port '0' in URL"},
           {"http://host:65536/", "invalid port '65536' in URL"},
           {"http://host:/", "invalid port '' in URL"},
           {"http://host:8x/", "invalid port '8x' in URL"},
           {"http://user:pw@host/", "user information in URLs is not supported"},
           {"http://ho$t/", "invalid host 'ho$t' in URL"},
           {"http://[::1/", "URL has an unclosed '[' in its host"},
           {"http://host /", "URL must not contain whitespace or control characters"},
       }) {
    Status s = ValidateUrl(c.url);
    EXPECT_EQ(s.kind(), ErrorKind::kValidation) << c.url;
    EXPECT_EQ(s.message(), c.message) << c.url;
  }
}

}  // namespace
}  // namespace cirrus::streams
