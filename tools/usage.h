#pragma once

#include <string>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"

namespace cirrus::tools {

// `cirrus usage`: what each table consumed per hour or day (db/usage.h's records), and what
// it would cost on DynamoDB.

// Prices in US dollars: per request unit, per GB-month of storage, per provisioned
// capacity unit-hour.
struct Prices {
  std::string region = "us-east-1";
  // The on-demand prices since AWS's reduction of 1 November 2024, Standard table class
  // (https://aws.amazon.com/dynamodb/pricing/on-demand/ and .../provisioned/).
  double write_request_unit = 0.625 / 1e6;
  double read_request_unit = 0.125 / 1e6;
  double stream_read_request_unit = 0.02 / 1e5;
  double storage_gb_month = 0.25;
  double wcu_hour = 0.00065;
  double rcu_hour = 0.00013;
};
// A JSON object with any of "Region", "WriteRequestUnit", "ReadRequestUnit",
// "StreamReadRequestUnit", "StorageGBMonth", "WCUHour", "RCUHour" (numbers, dollars);
// the others keep their defaults. kValidation naming what it cannot use.
Result<Prices> LoadPrices(const std::string& path);

struct UsageRow {
  int64_t start = 0;  // epoch seconds of the hour (or day)
  std::string table;
  double read_units = 0, write_units = 0, stream_read_units = 0;
  int64_t storage_bytes = 0;  // the period's last sample
  double on_demand_usd = 0;    // units at on-demand prices, plus storage and stream reads
  double provisioned_usd = 0;  // the table's provisioned capacity for the period (an on-demand
                               // table: the least that serves its average rate), plus the same
  bool provisioned = false;    // the table's billing mode (a deleted table: on demand)
  double cost_usd() const { return provisioned ? provisioned_usd : on_demand_usd; }
};

struct UsageOptions {
  std::string table;   // empty: every table
  bool daily = false;  // rows per UTC day instead of per hour
  Prices prices;
};
Result<std::vector<UsageRow>> UsageRows(db::Database& db, const UsageOptions& options);

// The rows as a text table (with a total), CSV, or one JSON array.
std::string UsageText(const std::vector<UsageRow>& rows, bool daily);
std::string UsageCsv(const std::vector<UsageRow>& rows, bool daily);
std::string UsageJson(const std::vector<UsageRow>& rows, bool daily);
// An SVG chart of read and write request units over time, all tables of `rows` together.
std::string UsageSvg(const std::vector<UsageRow>& rows, bool daily);

}  // namespace cirrus::tools
