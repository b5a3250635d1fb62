#include "tools/usage.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "db/usage.h"
#include "server/wire/json.h"
#include "server/wire/json_writer.h"

namespace cirrus::tools {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kHoursPerMonth = 730;  // AWS's monthly proration

std::string IsoTime(int64_t epoch_s, bool daily) {
  std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), daily ? "%Y-%m-%d" : "%Y-%m-%dT%H:00:00Z", &tm);
  return buf;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// Units as they add up: halves are common (eventually consistent reads), nothing finer.
std::string Units(double v) { return Fixed(v, v == std::floor(v) ? 0 : 1); }

}  // namespace

Result<Prices> LoadPrices(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ValidationError("cannot read the price table " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  body.reserve(body.size() + 64);
  wire::JsonParser parser;
  Result<wire::JsonValue> json = parser.Parse(&body);
  if (!json.ok() || !json->is(wire::JsonValue::Type::kObject)) return ValidationError(path + ": a price table is a JSON object");
  Prices p;
  struct Field {
    const char* name;
    double* value;
  };
  for (Field f : {Field{"WriteRequestUnit", &p.write_request_unit}, Field{"ReadRequestUnit", &p.read_request_unit},
                  Field{"StreamReadRequestUnit", &p.stream_read_request_unit},
                  Field{"StorageGBMonth", &p.storage_gb_month}, Field{"WCUHour", &p.wcu_hour},
                  Field{"RCUHour", &p.rcu_hour}}) {
    std::optional<wire::JsonValue> v = json->Find(f.name);
    if (!v) continue;
    if (!v->is(wire::JsonValue::Type::kNumber) || v->number() < 0) return ValidationError(path + ": " + f.name + " is a price in dollars");
    *f.value = v->number();
  }
  if (std::optional<wire::JsonValue> region = json->Find("Region")) {
    if (!region->is(wire::JsonValue::Type::kString)) return ValidationError(path + ": Region is a string");
    p.region = std::string(region->string());
  }
  return p;
}

Result<std::vector<UsageRow>> UsageRows(db::Database& db, const UsageOptions& options) {
  std::vector<db::UsageRecord> records;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db.Read());
    CIRRUS_ASSIGN_OR_RETURN(records, db::ReadUsage(view));
  }
  const Prices& p = options.prices;
  std::map<std::pair<int64_t, std::string>, UsageRow> rows;  // by period, then table
  std::map<std::string, int64_t> storage;                     // each table's last sample
  for (const db::UsageRecord& r : records) {  // by hour, then table
    if (!options.table.empty() && r.table != options.table) continue;
    const db::UsageCounters& c = r.counters;
    if (c.storage_bytes >= 0) storage[r.table] = c.storage_bytes;
    const int64_t bytes = storage.count(r.table) ? storage[r.table] : 0;
    const int64_t start = options.daily ? r.hour / 86400 * 86400 : r.hour;
    UsageRow& row = rows[{start, r.table}];
    row.start = start;
    row.table = r.table;
    row.read_units += c.read_units;
    row.write_units += c.write_units;
    row.stream_read_units += c.stream_read_units;
    row.storage_bytes = bytes;
    // This hour's costs: the units, the stream reads, an hour of storage.
    const double shared = c.stream_read_units * p.stream_read_request_unit +
                          static_cast<double>(bytes) / kGiB * p.storage_gb_month / kHoursPerMonth;
    row.on_demand_usd += c.read_units * p.read_request_unit + c.write_units * p.write_request_unit + shared;
    std::shared_ptr<const db::Table> table = db.FindTable(r.table);
    double rcu = std::ceil(c.read_units / 3600), wcu = std::ceil(c.write_units / 3600);
    if (table && table->definition().billing_mode == db::BillingMode::kProvisioned) {
      const db::TableDefinition& d = table->definition();
      row.provisioned = true;
      rcu = static_cast<double>(d.throughput.read_capacity_units);
      wcu = static_cast<double>(d.throughput.write_capacity_units);
      for (const db::IndexDefinition& i : d.indexes) {
        rcu += static_cast<double>(i.read_capacity_units);
        wcu += static_cast<double>(i.write_capacity_units);
      }
    }
    row.provisioned_usd += rcu * p.rcu_hour + wcu * p.wcu_hour + shared;
  }
  std::vector<UsageRow> out;
  for (auto& [at, row] : rows) out.push_back(std::move(row));
  return out;
}

std::string UsageText(const std::vector<UsageRow>& rows, bool daily) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof(line), "%-20s %-32s %14s %14s %12s %14s %12s\n", daily ? "DAY" : "HOUR", "TABLE",
                "READ_UNITS", "WRITE_UNITS", "STREAM_READS", "STORAGE_BYTES", "COST_USD");
  out += line;
  double reads = 0, writes = 0, streams = 0, cost = 0;
  for (const UsageRow& r : rows) {
    std::snprintf(line, sizeof(line), "%-20s %-32s %14s %14s %12s %14lld %12s\n", IsoTime(r.start, daily).c_str(),
                  r.table.c_str(), Units(r.read_units).c_str(), Units(r.write_units).c_str(),
                  Units(r.stream_read_units).c_str(), static_cast<long long>(r.storage_bytes),
                  Fixed(r.cost_usd(), 6).c_str());
    out += line;
    reads += r.read_units;
    writes += r.write_units;
    streams += r.stream_read_units;
    cost += r.cost_usd();
  }
  std::snprintf(line, sizeof(line), "%-20s %-32s %14s %14s %12s %14s %12s\n", "total", "", Units(reads).c_str(),
                Units(writes).c_str(), Units(streams).c_str(), "", Fixed(cost, 6).c_str());
  out += line;
  return out;
}

std::string UsageCsv(const std::vector<UsageRow>& rows, bool daily) {
  std::string out = std::string(daily ? "Day" : "Hour") +
                    ",TableName,ReadRequestUnits,WriteRequestUnits,StreamReadRequestUnits,StorageBytes,"
                    "EstimatedOnDemandCostUSD,EstimatedProvisionedCostUSD,EstimatedCostUSD\n";
  for (const UsageRow& r : rows) {
    out += IsoTime(r.start, daily) + "," + r.table + "," + Units(r.read_units) + "," + Units(r.write_units) + "," +
           Units(r.stream_read_units) + "," + std::to_string(r.storage_bytes) + "," + Fixed(r.on_demand_usd, 8) +
           "," + Fixed(r.provisioned_usd, 8) + "," + Fixed(r.cost_usd(), 8) + "\n";
  }
  return out;
}

std::string UsageJson(const std::vector<UsageRow>& rows, bool daily) {
  std::string out;
  wire::JsonWriter w(&out);
  w.BeginArray();
  for (const UsageRow& r : rows) {
    w.BeginObject();
    w.Key("TableName");
    w.String(r.table);
    w.Key(daily ? "Day" : "Hour");
    w.String(IsoTime(r.start, daily));
    w.Key("ReadRequestUnits");
    w.Double(r.read_units);
    w.Key("WriteRequestUnits");
    w.Double(r.write_units);
    w.Key("StreamReadRequestUnits");
    w.Double(r.stream_read_units);
    w.Key("StorageBytes");
    w.Int(r.storage_bytes);
    w.Key("BillingMode");
    w.String(r.provisioned ? "PROVISIONED" : "PAY_PER_REQUEST");
    w.Key("EstimatedOnDemandCostUSD");
    w.Double(r.on_demand_usd);
    w.Key("EstimatedProvisionedCostUSD");
    w.Double(r.provisioned_usd);
    w.Key("EstimatedCostUSD");
    w.Double(r.cost_usd());
    w.EndObject();
  }
  w.EndArray();
  out += "\n";
  return out;
}

// Hand-written: a chart of two series is a few dozen lines of SVG, where a plotting library
// (none is in Debian for C++) would be a dependency for one picture.
std::string UsageSvg(const std::vector<UsageRow>& rows, bool daily) {
  std::map<int64_t, std::pair<double, double>> series;  // period -> (reads, writes), all tables
  for (const UsageRow& r : rows) {
    series[r.start].first += r.read_units;
    series[r.start].second += r.write_units;
  }
  constexpr double kW = 800, kH = 360, kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;
  double peak = 1;
  for (const auto& [t, v] : series) peak = std::max({peak, v.first, v.second});
  const int64_t first = series.empty() ? 0 : series.begin()->first;
  const int64_t last = series.empty() ? 0 : series.rbegin()->first;
  const double span = last > first ? static_cast<double>(last - first) : 1;
  auto x = [&](int64_t t) {
    return kLeft + (series.size() < 2 ? (kW - kLeft - kRight) / 2
                                      : static_cast<double>(t - first) / span * (kW - kLeft - kRight));
  };
  auto y = [&](double v) { return kTop + (1 - v / peak) * (kH - kTop - kBottom); };
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"360\" "
                    "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"800\" height=\"360\" fill=\"white\"/>\n";
  svg += "<text x=\"" + Fixed(kLeft, 0) + "\" y=\"22\" font-size=\"15\">Request units per " +
         std::string(daily ? "day" : "hour") + "</text>\n";
  // Axes and the peak's gridline.
  svg += "<line x1=\"" + Fixed(kLeft, 0) + "\" y1=\"" + Fixed(kH - kBottom, 0) + "\" x2=\"" + Fixed(kW - kRight, 0) +
         "\" y2=\"" + Fixed(kH - kBottom, 0) + "\" stroke=\"#444\"/>\n";
  svg += "<line x1=\"" + Fixed(kLeft, 0) + "\" y1=\"" + Fixed(kTop, 0) + "\" x2=\"" + Fixed(kLeft, 0) + "\" y2=\"" +
         Fixed(kH - kBottom, 0) + "\" stroke=\"#444\"/>\n";
  svg += "<line x1=\"" + Fixed(kLeft, 0) + "\" y1=\"" + Fixed(kTop, 0) + "\" x2=\"" + Fixed(kW - kRight, 0) +
         "\" y2=\"" + Fixed(kTop, 0) + "\" stroke=\"#ddd\"/>\n";
  svg += "<text x=\"" + Fixed(kLeft - 6, 0) + "\" y=\"" + Fixed(kTop + 4, 0) + "\" text-anchor=\"end\">" +
         Units(peak) + "</text>\n<text x=\"" + Fixed(kLeft - 6, 0) + "\" y=\"" + Fixed(kH - kBottom + 4, 0) +
         "\" text-anchor=\"end\">0</text>\n";
  if (!series.empty()) {
    svg += "<text x=\"" + Fixed(kLeft, 0) + "\" y=\"" + Fixed(kH - kBottom + 20, 0) + "\">" +
           IsoTime(first, daily) + "</text>\n";
    svg += "<text x=\"" + Fixed(kW - kRight, 0) + "\" y=\"" + Fixed(kH - kBottom + 20, 0) +
           "\" text-anchor=\"end\">" + IsoTime(last, daily) + "</text>\n";
  }
  struct Series {
    const char* name;
    const char* color;
    bool reads;
  };
  double legend_x = kLeft + 300;
  for (Series s : {Series{"read request units", "#1f77b4", true}, Series{"write request units", "#d62728", false}}) {
    std::string points;
    for (const auto& [t, v] : series) {
      points += Fixed(x(t), 1) + "," + Fixed(y(s.reads ? v.first : v.second), 1) + " ";
    }
    svg += "<polyline fill=\"none\" stroke=\"" + std::string(s.color) + "\" stroke-width=\"2\" points=\"" + points +
           "\"/>\n";
    for (const auto& [t, v] : series) {
      svg += "<circle cx=\"" + Fixed(x(t), 1) + "\" cy=\"" + Fixed(y(s.reads ? v.first : v.second), 1) +
             "\" r=\"3\" fill=\"" + s.color + "\"/>\n";
    }
    svg += "<rect x=\"" + Fixed(legend_x, 0) + "\" y=\"12\" width=\"12\" height=\"12\" fill=\"" + s.color +
           "\"/><text x=\"" + Fixed(legend_x + 16, 0) + "\" y=\"22\">" + s.name + "</text>\n";
    legend_x += 160;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace cirrus::tools
