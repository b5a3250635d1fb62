#include "server/ops/transaction_conflicts.h"

#include <random>

namespace cirrus::server {

bool TransactionConflicts::Draw() const {
  if (rate_ <= 0) return false;
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0, 1)(rng) < rate_;
}

std::string TransactionConflicts::ItemId(const db::Table& table, std::string_view key) {
  std::string id = table.name();
  id.push_back('\0');  // table names have no NUL
  id.append(key);
  return id;
}

void TransactionConflicts::Hold(const db::WriteBatch& batch) {
  if (rate_ <= 0) return;
  std::lock_guard lock(mu_);
  for (const db::ItemWrite& w : batch.writes) ++held_[ItemId(*w.table, w.key)];
}

void TransactionConflicts::Release(const db::WriteBatch& batch) {
  if (rate_ <= 0) return;
  std::lock_guard lock(mu_);
  for (const db::ItemWrite& w : batch.writes) {
    auto it = held_.find(ItemId(*w.table, w.key));
    if (it != held_.end() && --it->second == 0) held_.erase(it);
  }
}

bool TransactionConflicts::Refuses(const db::Table& table, std::string_view key) {
  if (rate_ <= 0) return false;
  {
    std::lock_guard lock(mu_);
    if (held_.find(ItemId(table, key)) == held_.end()) return false;
  }
  return Draw();
}

}  // namespace cirrus::server
