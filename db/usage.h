#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"

namespace cirrus::db {

// Metering: what a data directory's tables consumed, per table and hour, in the units DynamoDB
// bills (https://aws.amazon.com/dynamodb/pricing/): read and write request units (the server
// computes them by DynamoDB's rules, as it reports ConsumedCapacity), DynamoDB Streams read
// request units (one per GetRecords call), and the table's storage (its items, its index
// entries and 100 bytes of overhead for each, as DynamoDB counts billable storage).
// Kept in the settings B-tree under "usage/<hour>/<table>", so `cirrus usage` reads them
// offline.

// One table's units in one hour; `indexes` breaks read_units and write_units down by index
// (units the table's own items consumed are not in it).
struct UsageCounters {
  double read_units = 0;
  double write_units = 0;
  double stream_read_units = 0;
  int64_t storage_bytes = -1;  // the last sample in the hour; -1: none
  std::map<std::string, std::pair<double, double>> indexes;  // name -> (read, write units)

  void Add(const UsageCounters& other);  // units add up; storage: the later sample wins
  friend bool operator==(const UsageCounters&, const UsageCounters&) = default;
};

struct UsageRecord {
  int64_t hour = 0;  // its start, epoch seconds (a multiple of 3600)
  std::string table;
  UsageCounters counters;
};

// "usage/<hour, 12 digits>/<table>": records sort by hour, then table.
std::string UsageKey(int64_t hour, std::string_view table);
std::string EncodeUsage(const UsageCounters& counters);
Result<UsageCounters> DecodeUsage(std::string_view stored);
// Every record the view holds, by hour and table.
Result<std::vector<UsageRecord>> ReadUsage(ReadView& view);

// Counts units as requests are served and adds them to the stored records on Flush. Counting
// is a short critical section per request (a map lookup under a mutex); Flush, called by one
// thread, reads and writes the settings. Units counted but not flushed are lost if the
// process dies: the flush interval bounds that (cirrusd --usage-flush-interval). Thread-safe.
class UsageMeter {
 public:
  // `now_s`: the clock, epoch seconds (tests move it across hours).
  explicit UsageMeter(Database* db, std::function<int64_t()> now_s = nullptr);

  // `index` empty: the table's own items.
  void AddRead(std::string_view table, std::string_view index, double units);
  void AddWrite(std::string_view table, std::string_view index, double units);
  void AddStreamRead(std::string_view table);

  // Adds what was counted since the last flush to the stored records, and samples every
  // table's storage into the current hour's record.
  Status Flush();

  // Units counted since the meter started, by table (metrics' counters).
  struct Totals {
    double read_units = 0, write_units = 0, stream_read_units = 0;
  };
  std::map<std::string, Totals> totals() const;

 private:
  UsageCounters& Current(std::string_view table);  // REQUIRES: mu_ held

  // Orders (hour, table) pairs of strings and string views alike, so a lookup does not copy.
  struct HourTableLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::pair<int64_t, std::string_view>(a.first, a.second) <
             std::pair<int64_t, std::string_view>(b.first, b.second);
    }
  };
  using Counted = std::map<std::pair<int64_t, std::string>, UsageCounters, HourTableLess>;

  Database* const db_;
  const std::function<int64_t()> now_s_;
  mutable std::mutex mu_;
  Counted pending_;                                          // guarded by mu_
  std::map<std::string, Totals, std::less<>> totals_;        // guarded by mu_
  Totals& TotalsOf(std::string_view table);                  // REQUIRES: mu_ held
  std::mutex flush_mu_;  // one Flush at a time
};

}  // namespace cirrus::db
