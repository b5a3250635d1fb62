#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"
#include "db/usage.h"
#include "server/capacity.h"
#include "server/ops/operation.h"
#include "server/ttl_expirer.h"
#include "streams/invocation_pool.h"
#include "streams/triggers.h"

namespace cirrus::server {

// One account's tables, streams, functions, mappings and backups: a database of its own, the
// operations' context over it (its ARNs carry the account's id), its TTL expirer and its
// triggers. Two accounts share nothing but the HTTP server and the invocation pool, so no
// operation can show one account another's data: a request only ever holds its own
// account's context.
struct Account {
  Account() = default;
  Account(const Account&) = delete;
  Account& operator=(const Account&) = delete;
  ~Account();  // its triggers, expirer and backups first, then its database

  std::string id;    // 12 digits
  std::string path;  // its data directory
  std::unique_ptr<db::Database> db;
  std::unique_ptr<db::UsageMeter> meter;  // null when metering is off
  std::unique_ptr<CapacityLimiter> limiter;  // null unless --enforce-capacity
  ServerConfig config;  // the server's, with account_id and backup_dir this account's
  OperationContext ctx{};
  std::unique_ptr<TtlExpirer> expirer;
  std::unique_ptr<streams::Triggers> triggers;
};

// The accounts a server serves (per-credential accounts, --auth=sigv4): the server's own
// (--account-id) keeps its data in DATA_DIR, as it always has; another account ID in
// DATA_DIR/accounts/ID, where every offline tool works on it with --data-dir. Accounts are
// opened when the credentials that name them are loaded (at start and on SIGHUP) and stay
// open until the server stops. Thread-safe.
class Accounts {
 public:
  struct Options {
    db::Options db;                      // path: DATA_DIR
    ServerConfig config;                 // account_id: the server's account
    streams::Triggers::Options triggers;  // region, destinations and bounds; per account
    std::chrono::milliseconds ttl_interval{60000};
    size_t max_accounts = 16;  // open at once, the server's own included (--max-accounts)
    // Metering (db/usage.h): every account's units are added to its data directory this
    // often (--usage-flush-interval), and once more when the server stops. 0: not metered.
    std::chrono::milliseconds usage_flush_interval{10000};
    // --enforce-capacity: provisioned tables are throttled at their capacity, with this much
    // burst (--burst-seconds). Off: nothing is throttled.
    bool enforce_capacity = false;
    std::chrono::seconds burst{300};
  };

  // `pool` runs every account's invocations; it must outlive *this.
  Accounts(Options options, streams::InvocationPool* pool);
  ~Accounts();  // every account's triggers stop before any database closes
  Accounts(const Accounts&) = delete;
  Accounts& operator=(const Accounts&) = delete;

  // Opens each account of `ids` not open yet (an empty id: the server's own). kLimitExceeded
  // past max_accounts (nothing is opened then); the database's error when one cannot open.
  Status Open(const std::vector<std::string>& ids);

  // The account `id` (empty: the server's), or null when it is not open.
  Account* Find(std::string_view id) const;
  Account& server_account() const { return *server_; }
  std::vector<Account*> all() const;

  // Shutdown: every account's trigger workers stop (Triggers::Stop).
  void StopTriggers();
  // Adds every account's metered units to its data directory now.
  void FlushUsage();

 private:
  Result<std::unique_ptr<Account>> OpenAccount(const std::string& id) const;
  void RunUsageFlusher();  // the flusher thread: FlushUsage every usage_flush_interval

  const Options options_;
  streams::InvocationPool* const pool_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Account>, std::less<>> accounts_;  // by id; guarded by mu_
  Account* server_ = nullptr;  // set by the first Open

  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  bool stopping_ = false;  // guarded by flusher_mu_
  std::thread flusher_;    // when metering
};

}  // namespace cirrus::server
