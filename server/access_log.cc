#include "server/access_log.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "server/wire/json_writer.h"

namespace cirrus::server {
namespace {

constexpr auto kFlushEvery = std::chrono::milliseconds(100);

// "2026-12-08T00:41:07.123Z"
std::string NowIso() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm;
  gmtime_r(&seconds, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

}  // namespace

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path, int64_t max_bytes) {
  if (path == "-") return std::unique_ptr<AccessLog>(new AccessLog(path, stdout, max_bytes, 0));
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return InternalError("cannot open the access log " + path + ": " + std::strerror(errno));
  std::fseek(f, 0, SEEK_END);
  return std::unique_ptr<AccessLog>(new AccessLog(path, f, max_bytes, std::ftell(f)));
}

AccessLog::AccessLog(std::string path, FILE* file, int64_t max_bytes, int64_t size)
    : path_(std::move(path)), max_bytes_(max_bytes), file_(file), size_(size) {
  flusher_ = std::thread([this] { RunFlusher(); });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  flusher_.join();
  if (!file_) return;
  std::fflush(file_);
  if (file_ != stdout) std::fclose(file_);
}

void AccessLog::RunFlusher() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, kFlushEvery, [this] { return stopping_; })) {
    if (dirty_ && file_) std::fflush(file_);
    dirty_ = false;
  }
}

void AccessLog::Write(const Entry& e) {
  std::string line;
  wire::JsonWriter w(&line);
  w.BeginObject();
  w.Key("time");
  w.String(NowIso());
  w.Key("requestId");
  w.String(e.request_id);
  w.Key("account");
  w.String(e.account);
  w.Key("operation");
  w.String(e.operation);
  w.Key("table");
  w.String(e.table);
  w.Key("status");
  w.Int(e.status);
  w.Key("error");
  w.String(e.error);
  w.Key("latencyMs");
  w.Double(std::chrono::duration<double, std::milli>(e.latency).count());
  w.EndObject();
  line += '\n';
  std::lock_guard lock(mu_);
  if (!file_) return;
  std::fwrite(line.data(), 1, line.size(), file_);
  size_ += static_cast<int64_t>(line.size());
  dirty_ = true;
  RotateIfFull();
}

void AccessLog::RotateIfFull() {
  if (file_ == stdout || size_ < max_bytes_) return;
  std::fclose(file_);
  std::rename(path_.c_str(), (path_ + ".1").c_str());
  file_ = std::fopen(path_.c_str(), "a");  // null if it cannot: logging stops, serving goes on
  if (!file_) std::fprintf(stderr, "cirrusd: the access log %s cannot be reopened: %s\n", path_.c_str(), std::strerror(errno));
  size_ = 0;
}

}  // namespace cirrus::server
