#include "server/metrics.h"

#include <cstdio>

#include "server/accounts.h"

namespace cirrus::server {
namespace {

// A label value, escaped as the exposition format wants (backslash, quote, newline).
std::string Escaped(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string Number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    *out_ += "# HELP ";
    *out_ += name;
    *out_ += ' ';
    *out_ += help;
    *out_ += "\n# TYPE ";
    *out_ += name;
    *out_ += ' ';
    *out_ += type;
    *out_ += '\n';
  }
  void Sample(std::string_view name, std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
              double value) {
    *out_ += name;
    if (labels.size() > 0) {
      *out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        if (!first) *out_ += ',';
        first = false;
        *out_ += k;
        *out_ += "=\"";
        *out_ += Escaped(v);
        *out_ += '"';
      }
      *out_ += '}';
    }
    *out_ += ' ';
    *out_ += Number(value);
    *out_ += '\n';
  }

 private:
  std::string* out_;
};

}  // namespace

void Metrics::RecordRequest(std::string_view account, std::string_view operation, std::string_view table,
                            std::string_view error, std::chrono::steady_clock::duration latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mu_);
  auto key = std::make_tuple(account, operation, table, error);
  auto it = requests_.find(key);
  if (it == requests_.end()) {
    it = requests_.emplace(std::make_tuple(std::string(account), std::string(operation), std::string(table),
                                           std::string(error)),
                           0).first;
  }
  ++it->second;
  auto l = latency_.find(operation);
  if (l == latency_.end()) l = latency_.emplace(std::string(operation), Latency()).first;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++l->second.buckets[i];
      break;
    }
  }
  ++l->second.count;
  l->second.sum += seconds;
}

std::string Metrics::Render(const Accounts& accounts) const {
  std::string out;
  Writer w(&out);
  {
    std::lock_guard lock(mu_);
    w.Family("cirrus_requests_total", "counter", "API requests answered, by operation, table and error type.");
    for (const auto& [key, n] : requests_) {
      const auto& [account, operation, table, error] = key;
      w.Sample("cirrus_requests_total",
               {{"account", account}, {"operation", operation}, {"table", table}, {"error", error}},
               static_cast<double>(n));
    }
    w.Family("cirrus_request_duration_seconds", "histogram",
             "Time from a request's arrival at the API to its answer, by operation.");
    for (const auto& [operation, l] : latency_) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += l.buckets[i];
        char le[32];
        std::snprintf(le, sizeof(le), "%g", kBuckets[i]);  // "0.1", as queries name it
        w.Sample("cirrus_request_duration_seconds_bucket", {{"operation", operation}, {"le", le}},
                 static_cast<double>(cumulative));
      }
      w.Sample("cirrus_request_duration_seconds_bucket", {{"operation", operation}, {"le", "+Inf"}},
               static_cast<double>(l.count));
      w.Sample("cirrus_request_duration_seconds_sum", {{"operation", operation}}, l.sum);
      w.Sample("cirrus_request_duration_seconds_count", {{"operation", operation}}, static_cast<double>(l.count));
    }
  }
  const std::vector<Account*> all = accounts.all();
  w.Family("cirrus_table_items", "gauge", "Items in a table.");
  for (Account* a : all) {
    for (const std::string& name : a->db->TableNames()) {
      if (auto t = a->db->FindTable(name)) {
        w.Sample("cirrus_table_items", {{"account", a->id}, {"table", name}}, static_cast<double>(t->item_count()));
      }
    }
  }
  w.Family("cirrus_table_size_bytes", "gauge", "A table's items in bytes, as DynamoDB sizes them.");
  for (Account* a : all) {
    for (const std::string& name : a->db->TableNames()) {
      if (auto t = a->db->FindTable(name)) {
        w.Sample("cirrus_table_size_bytes", {{"account", a->id}, {"table", name}}, static_cast<double>(t->size_bytes()));
      }
    }
  }
  struct Units {
    const char* name;
    const char* help;
    double db::UsageMeter::Totals::*field;
  };
  for (Units u : {Units{"cirrus_consumed_read_units_total", "Read request units consumed (metering).",
                        &db::UsageMeter::Totals::read_units},
                  Units{"cirrus_consumed_write_units_total", "Write request units consumed (metering).",
                        &db::UsageMeter::Totals::write_units},
                  Units{"cirrus_stream_read_units_total", "DynamoDB Streams read request units (GetRecords calls).",
                        &db::UsageMeter::Totals::stream_read_units}}) {
    w.Family(u.name, "counter", u.help);
    for (Account* a : all) {
      if (!a->meter) continue;
      for (const auto& [table, totals] : a->meter->totals()) {
        w.Sample(u.name, {{"account", a->id}, {"table", table}}, totals.*u.field);
      }
    }
  }
  w.Family("cirrus_writer_commits_total", "counter", "Write transactions committed (group commits).");
  for (Account* a : all) w.Sample("cirrus_writer_commits_total", {{"account", a->id}}, static_cast<double>(a->db->writer_stats().commits));
  w.Family("cirrus_writer_batches_total", "counter", "Writes carried by those commits; batches over commits is the group size.");
  for (Account* a : all) w.Sample("cirrus_writer_batches_total", {{"account", a->id}}, static_cast<double>(a->db->writer_stats().batches));
  w.Family("cirrus_writer_commit_seconds_total", "counter", "Time spent committing, syncs included.");
  for (Account* a : all) w.Sample("cirrus_writer_commit_seconds_total", {{"account", a->id}}, a->db->writer_stats().commit_seconds);
  w.Family("cirrus_storage_map_bytes", "gauge", "The size of the data file's memory map.");
  for (Account* a : all) w.Sample("cirrus_storage_map_bytes", {{"account", a->id}}, static_cast<double>(a->db->writer_stats().map_bytes));
  w.Family("cirrus_storage_used_bytes", "gauge", "Bytes of the map in use.");
  for (Account* a : all) w.Sample("cirrus_storage_used_bytes", {{"account", a->id}}, static_cast<double>(a->db->writer_stats().used_bytes));
  std::vector<std::pair<std::string, streams::MappingStatus>> mappings;  // (account, mapping)
  for (Account* a : all) {
    if (!a->triggers) continue;
    for (streams::MappingStatus& m : a->triggers->ListMappings()) mappings.emplace_back(a->id, std::move(m));
  }
  w.Family("cirrus_trigger_iterator_age_seconds", "gauge",
           "Per event source mapping: the age of the oldest stream record it has not processed.");
  for (const auto& [account, m] : mappings) {
    w.Sample("cirrus_trigger_iterator_age_seconds",
             {{"account", account}, {"mapping", m.config.uuid}, {"function", m.config.function_name}},
             static_cast<double>(m.iterator_age_ms) / 1000);
  }
  w.Family("cirrus_trigger_enabled", "gauge", "Per event source mapping: 1 when enabled.");
  for (const auto& [account, m] : mappings) {
    w.Sample("cirrus_trigger_enabled",
             {{"account", account}, {"mapping", m.config.uuid}, {"function", m.config.function_name}},
             m.state == "Enabled" ? 1 : 0);
  }
  return out;
}

}  // namespace cirrus::server
