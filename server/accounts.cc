#include "server/accounts.h"

#include <cstdio>
#include <filesystem>
#include <set>

#include "server/backups.h"
#include "server/ops/transaction_conflicts.h"
#include "server/ops/transaction_tokens.h"

namespace cirrus::server {

Account::~Account() {
  triggers.reset();
  expirer.reset();
  ctx.backups.reset();
  db.reset();  // acknowledges queued writes (which meter through ctx); tokens and conflicts
               // live on with them
  ctx.meter = nullptr;
  meter.reset();
  ctx.limiter = nullptr;
  limiter.reset();
}

Accounts::Accounts(Options options, streams::InvocationPool* pool) : options_(std::move(options)), pool_(pool) {
  if (options_.usage_flush_interval.count() > 0) flusher_ = std::thread([this] { RunUsageFlusher(); });
}

Accounts::~Accounts() {
  StopTriggers();
  if (flusher_.joinable()) {
    {
      std::lock_guard lock(flusher_mu_);
      stopping_ = true;
    }
    flusher_cv_.notify_all();
    flusher_.join();
  }
  FlushUsage();  // the last units, before the databases close
  std::lock_guard lock(mu_);
  accounts_.clear();
}

void Accounts::RunUsageFlusher() {
  std::unique_lock lock(flusher_mu_);
  while (!flusher_cv_.wait_for(lock, options_.usage_flush_interval, [this] { return stopping_; })) {
    lock.unlock();
    FlushUsage();
    lock.lock();
  }
}

void Accounts::FlushUsage() {
  for (Account* a : all()) {
    if (!a->meter) continue;
    if (Status s = a->meter->Flush(); !s.ok()) {
      std::fprintf(stderr, "cirrusd: account %s: usage not recorded yet: %s\n", a->id.c_str(), s.message().c_str());
    }
  }
}

Result<std::unique_ptr<Account>> Accounts::OpenAccount(const std::string& id) const {
  auto a = std::make_unique<Account>();
  a->id = id;
  a->path = id == options_.config.account_id ? options_.db.path : options_.db.path + "/accounts/" + id;
  db::Options db_options = options_.db;
  db_options.path = a->path;
  std::error_code ec;
  std::filesystem::create_directories(a->path, ec);
  if (ec) return InternalError("cannot create " + a->path + ": " + ec.message());
  CIRRUS_ASSIGN_OR_RETURN(a->db, db::Database::Open(db_options));
  a->config = options_.config;
  a->config.account_id = id;
  a->config.backup_dir = a->path + "/backups";
  a->ctx.db = a->db.get();
  a->ctx.config = &a->config;
  if (options_.usage_flush_interval.count() > 0) {
    a->meter = std::make_unique<db::UsageMeter>(a->db.get());
    a->ctx.meter = a->meter.get();
  }
  if (options_.enforce_capacity) {
    a->limiter = std::make_unique<CapacityLimiter>(a->db.get(), options_.burst);
    a->ctx.limiter = a->limiter.get();
  }
  a->ctx.tokens = std::make_shared<TransactionTokens>(
      a->db.get(), TransactionTokens::Options{.max_tokens = a->config.max_transaction_tokens});
  a->ctx.conflicts = std::make_shared<TransactionConflicts>(a->config.transaction_conflict_rate);
  auto backups = std::make_shared<Backups>(a->db.get(), a->config.backup_dir, a->config.max_backup_jobs);
  if (Status s = backups->Start(); s.ok()) {
    a->ctx.backups = std::move(backups);
  } else {
    std::fprintf(stderr, "cirrusd: account %s: backups are off: %s\n", id.c_str(), s.message().c_str());
  }
  a->expirer = std::make_unique<TtlExpirer>(a->db.get(), options_.ttl_interval);
  streams::Triggers::Options trigger_options = options_.triggers;
  trigger_options.account_id = id;
  // OnFailure files of another account stay in its own data directory, out of the server
  // account's --failure-dir and of each other's.
  if (id != options_.config.account_id) trigger_options.destinations.failure_dir = a->path + "/failures";
  a->triggers = std::make_unique<streams::Triggers>(a->db.get(), pool_, trigger_options);
  if (Status s = a->triggers->Start(); !s.ok()) {
    std::fprintf(stderr, "cirrusd: account %s: cannot start the triggers: %s\n", id.c_str(), s.message().c_str());
  }
  return a;
}

Status Accounts::Open(const std::vector<std::string>& ids) {
  std::set<std::string> wanted;
  for (const std::string& id : ids) wanted.insert(id.empty() ? options_.config.account_id : id);
  // Opens run outside mu_, which every request's Find takes; Open itself is called by one
  // thread at a time (start, then the SIGHUP handler).
  std::vector<std::string> missing;
  {
    std::lock_guard lock(mu_);
    for (const std::string& id : wanted) {
      if (!accounts_.count(id)) missing.push_back(id);
    }
    if (accounts_.size() + missing.size() > options_.max_accounts) {
      return Status(ErrorKind::kLimitExceeded, std::to_string(accounts_.size() + missing.size()) +
                                                   " accounts would be open; --max-accounts is " +
                                                   std::to_string(options_.max_accounts));
    }
  }
  for (const std::string& id : missing) {
    CIRRUS_ASSIGN_OR_RETURN(std::unique_ptr<Account> a, OpenAccount(id));
    std::lock_guard lock(mu_);
    if (id == options_.config.account_id) server_ = a.get();
    accounts_.emplace(id, std::move(a));
  }
  return Status();
}

Account* Accounts::Find(std::string_view id) const {
  if (id.empty()) return server_;
  std::lock_guard lock(mu_);
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : it->second.get();
}

std::vector<Account*> Accounts::all() const {
  std::lock_guard lock(mu_);
  std::vector<Account*> out;
  for (const auto& [id, a] : accounts_) out.push_back(a.get());
  return out;
}

void Accounts::StopTriggers() {
  for (Account* a : all()) {
    if (a->triggers) a->triggers->Stop();
  }
}

}  // namespace cirrus::server
