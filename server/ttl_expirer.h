#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "db/database.h"

namespace cirrus::server {

// Deletes expired items (db/ttl.h) every `interval` on a thread of its own (--ttl-interval),
// in bounded batches through the writer queue, so foreground writes go on between them.
class TtlExpirer {
 public:
  TtlExpirer(db::Database* db, std::chrono::milliseconds interval);
  ~TtlExpirer();  // stops (a pass in progress ends at its next chunk) and joins
  TtlExpirer(const TtlExpirer&) = delete;
  TtlExpirer& operator=(const TtlExpirer&) = delete;

 private:
  void Run();

  db::Database* db_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace cirrus::server
