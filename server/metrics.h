#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace cirrus::server {

class Accounts;

// Prometheus metrics (GET /metrics, the text exposition format,
// https://prometheus.io/docs/instrumenting/exposition_formats/): what requests did, counted
// as they finish, and what the accounts hold, read at scrape time. Names follow Prometheus'
// conventions: base units (seconds, bytes), `_total` counters. Thread-safe.
class Metrics {
 public:
  // Prometheus' default latency buckets, in seconds, plus finer ones below a millisecond,
  // where GetItem answers.
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

  // One finished request: `operation` as X-Amz-Target names it ("GetItem"), `table` its
  // TableName (empty for calls of several tables), `error` the error type ("" when it
  // succeeded).
  void RecordRequest(std::string_view account, std::string_view operation, std::string_view table,
                     std::string_view error, std::chrono::steady_clock::duration latency);

  // Everything, in the exposition format.
  std::string Render(const Accounts& accounts) const;

 private:
  struct Latency {
    std::array<uint64_t, kBuckets.size()> buckets{};  // cumulative at render, not here
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  // (account, operation, table, error) -> requests
  std::map<std::tuple<std::string, std::string, std::string, std::string>, uint64_t, std::less<>> requests_;
  std::map<std::string, Latency, std::less<>> latency_;  // by operation
};

}  // namespace cirrus::server
