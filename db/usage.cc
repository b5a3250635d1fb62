#include "db/usage.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace cirrus::db {
namespace {

constexpr std::string_view kUsagePrefix = "usage/";
constexpr int64_t kHour = 3600;
// Billable storage counts 100 bytes of overhead per item and per index entry
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
constexpr int64_t kItemOverhead = 100;

int64_t SystemNowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

bool ParseDouble(std::string_view text, double* out) {
  std::string s(text);
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

// The fields of one line, split at single spaces.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    size_t space = line.find(' ');
    out.push_back(line.substr(0, space));
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  }
  return out;
}

}  // namespace

void UsageCounters::Add(const UsageCounters& other) {
  read_units += other.read_units;
  write_units += other.write_units;
  stream_read_units += other.stream_read_units;
  if (other.storage_bytes >= 0) storage_bytes = other.storage_bytes;
  for (const auto& [name, units] : other.indexes) {
    auto& mine = indexes[name];
    mine.first += units.first;
    mine.second += units.second;
  }
}

std::string UsageKey(int64_t hour, std::string_view table) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%012" PRId64, hour);
  return std::string(kUsagePrefix) + buf + "/" + std::string(table);
}

// Record := "u " read write stream storage "\n" ("i " index read write "\n")*
// (index and table names have no spaces).
std::string EncodeUsage(const UsageCounters& c) {
  std::string out = "u " + Number(c.read_units) + " " + Number(c.write_units) + " " + Number(c.stream_read_units) +
                    " " + std::to_string(c.storage_bytes) + "\n";
  for (const auto& [name, units] : c.indexes) {
    out += "i " + name + " " + Number(units.first) + " " + Number(units.second) + "\n";
  }
  return out;
}

Result<UsageCounters> DecodeUsage(std::string_view stored) {
  UsageCounters c;
  bool seen_totals = false;
  while (!stored.empty()) {
    size_t eol = stored.find('\n');
    std::string_view line = stored.substr(0, eol);
    stored = eol == std::string_view::npos ? std::string_view() : stored.substr(eol + 1);
    std::vector<std::string_view> f = Fields(line);
    double storage = 0;
    if (f.size() == 5 && f[0] == "u" && ParseDouble(f[1], &c.read_units) && ParseDouble(f[2], &c.write_units) &&
        ParseDouble(f[3], &c.stream_read_units) && ParseDouble(f[4], &storage)) {
      c.storage_bytes = static_cast<int64_t>(storage);
      seen_totals = true;
      continue;
    }
    std::pair<double, double> units;
    if (f.size() == 4 && f[0] == "i" && ParseDouble(f[2], &units.first) && ParseDouble(f[3], &units.second)) {
      c.indexes[std::string(f[1])] = units;
      continue;
    }
    return InternalError("a usage record has an unreadable line: " + std::string(line));
  }
  if (!seen_totals) return InternalError("a usage record has no totals");
  return c;
}

Result<std::vector<UsageRecord>> ReadUsage(ReadView& view) {
  CIRRUS_ASSIGN_OR_RETURN(auto stored, view.ListSettings(kUsagePrefix));
  std::vector<UsageRecord> out;
  for (const auto& [key, value] : stored) {
    std::string_view rest = std::string_view(key).substr(kUsagePrefix.size());
    size_t slash = rest.find('/');
    if (slash != 12) return InternalError("a usage key is unreadable: " + key);
    UsageRecord r;
    r.hour = std::strtoll(std::string(rest.substr(0, slash)).c_str(), nullptr, 10);
    r.table = std::string(rest.substr(slash + 1));
    CIRRUS_ASSIGN_OR_RETURN(r.counters, DecodeUsage(value));
    out.push_back(std::move(r));
  }
  return out;
}

UsageMeter::UsageMeter(Database* db, std::function<int64_t()> now_s)
    : db_(db), now_s_(now_s ? std::move(now_s) : SystemNowS) {}

UsageCounters& UsageMeter::Current(std::string_view table) {
  const int64_t hour = now_s_() / kHour * kHour;
  auto it = pending_.find(std::pair<int64_t, std::string_view>(hour, table));
  if (it == pending_.end()) it = pending_.emplace(std::make_pair(hour, std::string(table)), UsageCounters()).first;
  return it->second;
}

UsageMeter::Totals& UsageMeter::TotalsOf(std::string_view table) {
  auto it = totals_.find(table);
  if (it == totals_.end()) it = totals_.emplace(std::string(table), Totals()).first;
  return it->second;
}

void UsageMeter::AddRead(std::string_view table, std::string_view index, double units) {
  std::lock_guard lock(mu_);
  UsageCounters& c = Current(table);
  c.read_units += units;
  if (!index.empty()) c.indexes[std::string(index)].first += units;
  TotalsOf(table).read_units += units;
}

void UsageMeter::AddWrite(std::string_view table, std::string_view index, double units) {
  std::lock_guard lock(mu_);
  UsageCounters& c = Current(table);
  c.write_units += units;
  if (!index.empty()) c.indexes[std::string(index)].second += units;
  TotalsOf(table).write_units += units;
}

void UsageMeter::AddStreamRead(std::string_view table) {
  std::lock_guard lock(mu_);
  Current(table).stream_read_units += 1;
  TotalsOf(table).stream_read_units += 1;
}

std::map<std::string, UsageMeter::Totals> UsageMeter::totals() const {
  std::lock_guard lock(mu_);
  return std::map<std::string, Totals>(totals_.begin(), totals_.end());
}

Status UsageMeter::Flush() {
  std::lock_guard flushing(flush_mu_);
  Counted counted;
  {
    std::lock_guard lock(mu_);
    counted.swap(pending_);
  }
  // Storage: every table's, sampled into this hour.
  const int64_t hour = now_s_() / kHour * kHour;
  for (const std::string& name : db_->TableNames()) {
    std::shared_ptr<const Table> table = db_->FindTable(name);
    if (!table) continue;
    int64_t bytes = table->size_bytes() + kItemOverhead * table->item_count();
    for (const auto& index : table->indexes()) bytes += index->size_bytes() + kItemOverhead * index->item_count();
    counted[{hour, name}].storage_bytes = bytes;
  }
  if (counted.empty()) return Status();
  std::vector<std::pair<std::string, std::optional<std::string>>> changes;
  {
    CIRRUS_ASSIGN_OR_RETURN(ReadView view, db_->Read());
    for (const auto& [at, counters] : counted) {
      std::string key = UsageKey(at.first, at.second);
      UsageCounters total;
      CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> stored, view.GetSetting(key));
      if (stored) {
        Result<UsageCounters> decoded = DecodeUsage(*stored);
        if (decoded.ok()) total = std::move(*decoded);  // an unreadable record starts again
      }
      total.Add(counters);
      changes.emplace_back(std::move(key), EncodeUsage(total));
    }
  }  // no snapshot stays open while the writer is waited on
  Status written = db_->WriteSettings(std::move(changes));
  if (!written.ok()) {  // counted again at the next flush
    std::lock_guard lock(mu_);
    for (auto& [at, counters] : counted) {
      counters.storage_bytes = -1;
      pending_[at].Add(counters);
    }
  }
  return written;
}

}  // namespace cirrus::db
