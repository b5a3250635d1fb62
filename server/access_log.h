#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "db/item/status.h"

namespace cirrus::server {

// The access log (--access-log FILE|-): one JSON object per API request, a line each:
//   {"time":"2026-12-08T00:41:07.123Z","requestId":"...","account":"123456789012",
//    "operation":"PutItem","table":"orders","status":200,"error":"","latencyMs":0.412}
// A file is rotated by size: past max_bytes it becomes FILE.1 (replacing the previous one)
// and a new FILE starts, so the log holds at most twice max_bytes. Lines are buffered and
// written within 100 ms (by a thread of its own), and at exit. Thread-safe.
class AccessLog {
 public:
  struct Entry {
    std::string_view request_id;
    std::string_view account;
    std::string_view operation;
    std::string_view table;  // empty: none (several tables, or none named)
    unsigned status = 200;
    std::string_view error;  // the error type, empty on success
    std::chrono::steady_clock::duration latency{};
  };

  // "-": standard output (never rotated). kInternal when the file cannot be opened.
  static Result<std::unique_ptr<AccessLog>> Open(const std::string& path, int64_t max_bytes);
  ~AccessLog();  // writes what is buffered, stops the thread

  void Write(const Entry& entry);

 private:
  AccessLog(std::string path, FILE* file, int64_t max_bytes, int64_t size);
  void RotateIfFull();  // REQUIRES: mu_ held
  void RunFlusher();

  const std::string path_;
  const int64_t max_bytes_;
  std::mutex mu_;
  FILE* file_;   // guarded by mu_
  int64_t size_;  // bytes in the current file; guarded by mu_
  bool dirty_ = false;     // lines not yet flushed; guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::condition_variable cv_;
  std::thread flusher_;
};

}  // namespace cirrus::server
