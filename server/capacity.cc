#include "server/capacity.h"

#include <algorithm>

namespace cirrus::server {
namespace {

Status Throttled() {
  return Status(ErrorKind::kProvisionedThroughputExceeded,
                "The level of configured provisioned throughput for the table was exceeded. Consider "
                "increasing your provisioning level with the UpdateTable API.");
}

}  // namespace

CapacityLimiter::CapacityLimiter(db::Database* db, std::chrono::seconds burst)
    : db_(db), burst_(static_cast<double>(burst.count())) {}

double CapacityLimiter::RateOf(const db::Table& table, std::string_view index, bool read) const {
  const db::TableDefinition& d = table.definition();
  if (d.billing_mode != db::BillingMode::kProvisioned) return 0;
  if (index.empty()) {
    return static_cast<double>(read ? d.throughput.read_capacity_units : d.throughput.write_capacity_units);
  }
  const db::IndexDefinition* i = d.FindIndex(index);
  if (!i || i->kind != db::IndexKind::kGlobal) return 0;  // an LSI shares the table's capacity
  return static_cast<double>(read ? i->read_capacity_units : i->write_capacity_units);
}

void CapacityLimiter::Refill(Bucket& b, double rate, std::chrono::steady_clock::time_point now) {
  if (!b.started) {  // a table starts with its burst capacity
    b.tokens = burst_ * rate;
    b.started = true;
  } else {
    b.tokens = std::min(burst_ * rate, b.tokens + rate * std::chrono::duration<double>(now - b.updated).count());
  }
  b.updated = now;
}

Status CapacityLimiter::Admit(std::string_view name, bool read) {
  std::shared_ptr<const db::Table> table = db_->FindTable(name);
  if (!table || table->definition().billing_mode != db::BillingMode::kProvisioned) return Status();
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto in_debt = [&](std::string_view index) {
    const double rate = RateOf(*table, index, read);
    if (rate <= 0) return false;
    auto key = std::make_tuple(std::string(name), std::string(index), read);
    Bucket& b = buckets_[key];
    Refill(b, rate, now);
    return b.tokens < 0;
  };
  if (in_debt("")) return Throttled();
  if (!read) {  // a write also writes its global indexes
    for (const db::IndexDefinition& i : table->definition().indexes) {
      if (i.kind == db::IndexKind::kGlobal && in_debt(i.name)) return Throttled();
    }
  }
  return Status();
}

void CapacityLimiter::Consume(std::string_view name, std::string_view index, double units, bool read) {
  std::shared_ptr<const db::Table> table = db_->FindTable(name);
  if (!table) return;
  // A read of a GSI is the GSI's; of an LSI, the table's. Writes name their index.
  const double rate = RateOf(*table, index, read);
  if (rate <= 0) {
    if (index.empty()) return;
    return Consume(name, "", units, read);
  }
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  Bucket& b = buckets_[std::make_tuple(std::string(name), std::string(index), read)];
  Refill(b, rate, now);
  b.tokens -= units;
}

}  // namespace cirrus::server
