// cirrusd: the CirrusDB server. Serves the DynamoDB API over HTTP from an LMDB data directory.
#include <CLI/CLI.hpp>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <bit>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "db/database.h"
#include "server/accounts.h"
#include "server/api.h"
#include "server/http_server.h"
#include "streams/invocation_pool.h"
#include "streams/triggers.h"

namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

// Raises the descriptor limit to what the system allows, and returns how many connections fit
// in it beside the data directory, pipes and the listener (64 spare).
size_t ConnectionsThatFit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur > 128 ? static_cast<size_t>(limit.rlim_cur) - 64 : 64;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cirrus;
  CLI::App app{"cirrusd: a DynamoDB-compatible database server (DynamoDB JSON 1.0 over HTTP)"};
  std::string data_dir = "./data";
  server::HttpServer::Options http;
  bool in_memory = false;
  std::string sync = "full";
  server::ServerConfig config;
  size_t map_size_gb = 256;
  app.add_option("--data-dir", data_dir, "Data directory (one LMDB environment), created if missing")
      ->capture_default_str();
  app.add_option("--host", http.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", http.port, "Port to listen on; 0 picks a free port")->capture_default_str();
  app.add_flag("--in-memory", in_memory,
               "Keep data in a temporary directory removed at exit (for tests); implies --sync=none");
  app.add_option("--sync", sync,
                 "full: every acknowledged write is on disk (fsync per group commit); none: the "
                 "OS writes back when it likes (a process crash loses nothing, a power loss may)")
      ->check(CLI::IsMember({"full", "none"}))
      ->capture_default_str();
  // Half the cores: the other half goes to the writer thread, the kernel's TCP work and, on a
  // developer's machine, the clients (on 2 cores, 1 I/O thread served 37.6k GetItem/s where 2
  // served 30k, load generator included).
  http.threads = std::max(1u, std::thread::hardware_concurrency() / 2);
  app.add_option("--threads", http.threads, "HTTP I/O threads (default: half the cores)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--busy-poll-us", http.busy_poll_us,
                 "Microseconds an idle I/O thread polls before it sleeps (0: never polls)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--partitions", config.default_partitions,
                 "Hash partitions (LMDB B-trees) for new tables: a power of two")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--region", config.region, "Region named in ARNs")->capture_default_str();
  app.add_option("--account-id", config.account_id,
                 "The server's account: named in its ARNs, its tables in DATA_DIR (other accounts: --credentials)")->capture_default_str();
  std::string auth = "none";
  app.add_option("--auth", auth,
                 "none: any signature of the right shape is accepted (for a laptop); sigv4: every "
                 "request must be signed (AWS Signature Version 4) by a key in --credentials")
      ->check(CLI::IsMember({"none", "sigv4"}))
      ->capture_default_str();
  std::string credentials_file;
  app.add_option("--credentials", credentials_file,
                 "With --auth=sigv4: an AWS shared credentials file ([profile] sections with "
                 "aws_access_key_id and aws_secret_access_key, optionally account_id and "
                 "policy_file); reread on SIGHUP");
  size_t max_accounts = 16;
  app.add_option("--max-accounts", max_accounts,
                 "Accounts the credentials may name, the server's own included; each is a data "
                 "directory (DATA_DIR/accounts/ID) with its own writer, TTL and trigger threads")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  auto* tls_cert = app.add_option("--tls-cert", http.tls_cert_file,
                                  "Serve HTTPS (TLS 1.2 and 1.3) with this PEM certificate chain; needs --tls-key")
                       ->check(CLI::ExistingFile);
  auto* tls_key = app.add_option("--tls-key", http.tls_key_file, "The PEM private key of --tls-cert")
                      ->check(CLI::ExistingFile);
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  app.add_option("--cors-origin", config.cors_origins,
                 "An origin (https://app.example:3000) whose web pages may call the DynamoDB API; "
                 "repeat for more; * any (as DynamoDB), none: no page")
      ->capture_default_str();
  app.add_option("--transaction-conflict-rate", config.transaction_conflict_rate,
                 "Fraction (0 to 1) of TransactWriteItems calls to cancel with a "
                 "TransactionConflict reason, to test retry logic")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--max-transaction-tokens", config.max_transaction_tokens,
                 "ClientRequestTokens of TransactWriteItems remembered (10 minutes each); past "
                 "it the oldest are forgotten early")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--map-size-gb", map_size_gb, "Largest size the data file may grow to, in GiB")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  int64_t item_collection_limit = int64_t{10} << 30;
  app.add_option("--item-collection-limit", item_collection_limit,
                 "Bytes one partition key's items and LSI entries may hold in a table with local "
                 "secondary indexes (DynamoDB: 10 GB; lower it to test the limit)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 50))
      ->capture_default_str();
  size_t backfill_chunk = db::Options().backfill_chunk;
  app.add_option("--backfill-chunk", backfill_chunk,
                 "Items a new global secondary index indexes per write transaction; writes are "
                 "served between two chunks")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  double ttl_interval_s = 60;
  app.add_option("--ttl-interval", ttl_interval_s,
                 "Seconds between two time-to-live passes, which delete expired items")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--ttl-cooldown", config.ttl_cooldown_s,
                 "Seconds a table's time to live setting must keep before it can change again")
      ->check(CLI::Range(int64_t{0}, int64_t{86400}))
      ->capture_default_str();
  app.add_option("--max-backup-jobs", config.max_backup_jobs,
                 "On-demand backups and restores queued or running at once; past it CreateBackup "
                 "and RestoreTableFromBackup answer LimitExceededException")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--metrics", config.metrics,
                 "Count requests by operation, table and error, and serve them with the tables' "
                 "and writer's gauges on GET /metrics (Prometheus)")
      ->capture_default_str();
  bool enforce_capacity = false;
  app.add_flag("--enforce-capacity", enforce_capacity,
               "Throttle PROVISIONED tables at their read and write capacity units, with burst "
               "capacity, answering ProvisionedThroughputExceededException (off: never throttled)");
  int64_t burst_s = 300;
  app.add_option("--burst-seconds", burst_s, "With --enforce-capacity: seconds of unused capacity a table keeps")
      ->check(CLI::Range(int64_t{0}, int64_t{3600}))
      ->capture_default_str();
  std::string access_log_path;
  app.add_option("--access-log", access_log_path,
                 "Write a JSON line per API request to FILE (- for standard output); rotated to "
                 "FILE.1 past --access-log-max-mb");
  int64_t access_log_max_mb = 100;
  app.add_option("--access-log-max-mb", access_log_max_mb, "Size at which the access log is rotated")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  double usage_flush_s = 10;
  app.add_option("--usage-flush-interval", usage_flush_s,
                 "Seconds between two writes of the metered request units to the data directory "
                 "(cirrus usage reads them; a crash loses at most this long's units); 0: no metering")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  int64_t stream_retention_s = 24 * 3600;
  app.add_option("--stream-retention", stream_retention_s,
                 "Seconds a stream record is kept (DynamoDB: 24 hours); older ones are removed in the background")
      ->check(CLI::Range(int64_t{1}, int64_t{365} * 24 * 3600))
      ->capture_default_str();
  // Bounds on what clients may hold (README, Security).
  size_t max_connections = http.max_connections;
  app.add_option("--max-connections", max_connections,
                 "Connections open at once; more are answered 503 and closed")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--max-header-bytes", http.header_limit,
                 "Largest request head (request line and headers); larger ones get HTTP 400")
      ->check(CLI::Range(1024, 1 << 20))
      ->capture_default_str();
  double idle_timeout_s = 60, header_timeout_s = 10, io_timeout_s = 60, shutdown_grace_s = 10;
  app.add_option("--idle-timeout", idle_timeout_s,
                 "Seconds a keep-alive connection may wait for its next request")
      ->check(CLI::Range(0.05, 86400.0))
      ->capture_default_str();
  app.add_option("--header-timeout", header_timeout_s,
                 "Seconds a request head may take to arrive, from its first byte")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  app.add_option("--io-timeout", io_timeout_s,
                 "Seconds a request body may take to arrive, or an answer to be read")
      ->check(CLI::Range(0.05, 86400.0))
      ->capture_default_str();
  app.add_option("--shutdown-grace", shutdown_grace_s,
                 "On SIGTERM, seconds requests and invocations in flight have to finish before "
                 "they are cut short (invocations killed, waiting requests answered 503)")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  streams::InvocationPool::Options pool_options;
  app.add_option("--max-invocations", pool_options.workers,
                 "Function invocations running at once (Invoke calls and triggers together)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--invocation-queue", pool_options.queue,
                 "Invoke calls that may wait for a free invocation; more get TooManyRequestsException")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  streams::Triggers::Options trigger_options;
  app.add_option("--max-mappings", trigger_options.max_mappings, "Event source mappings this server runs")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--max-trigger-workers", trigger_options.max_shard_workers,
                 "Trigger worker threads: one per shard of each enabled mapping's stream")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  std::string failure_dir;
  app.add_option("--failure-dir", failure_dir,
                 "OnFailure file:// destinations must be this directory or below it "
                 "(default: DATA_DIR/failures)");
  app.add_option("--failure-http-host", trigger_options.destinations.http_hosts,
                 "A host (HOST or HOST:PORT) that OnFailure http:// destinations may name; "
                 "repeat for more (default: none)");
  CLI11_PARSE(app, argc, argv);
  if (!std::has_single_bit(config.default_partitions)) {
    std::fprintf(stderr, "cirrusd: --partitions must be a power of two\n");
    return 2;
  }
  if (config.cors_origins == std::vector<std::string>{"none"}) config.cors_origins.clear();
  const size_t fit = ConnectionsThatFit();
  if (max_connections > fit) {
    std::fprintf(stderr, "cirrusd: --max-connections %zu is over what the descriptor limit allows; using %zu\n",
                 max_connections, fit);
    max_connections = fit;
  }
  http.max_connections = max_connections;
  http.idle_timeout = Millis(idle_timeout_s);
  http.header_timeout = Millis(header_timeout_s);
  http.io_timeout = Millis(io_timeout_s);
  http.shutdown_grace = Millis(shutdown_grace_s);
  std::shared_ptr<const server::Api::Auth> verifier;
  std::vector<std::string> credential_accounts;  // the accounts the credentials name
  // The credentials and each one's policy file, all read before any is used.
  auto load_credentials = [&]() -> Result<std::shared_ptr<const server::Api::Auth>> {
    CIRRUS_ASSIGN_OR_RETURN(std::vector<server::Credential> credentials,
                            server::LoadCredentialsFile(credentials_file, config.account_id));
    auto auth = std::make_shared<server::Api::Auth>();
    credential_accounts.clear();
    for (const server::Credential& c : credentials) {
      credential_accounts.push_back(c.account_id);
      if (c.policy_file.empty()) continue;
      CIRRUS_ASSIGN_OR_RETURN(server::Policy policy, server::Policy::Load(c.policy_file));
      auth->policies.emplace(c.access_key_id, std::move(policy));
    }
    auth->verifier = std::make_shared<const server::SigV4Verifier>(std::move(credentials), config.region);
    return std::shared_ptr<const server::Api::Auth>(std::move(auth));
  };
  if (auth == "sigv4") {
    if (credentials_file.empty()) {
      std::fprintf(stderr, "cirrusd: --auth=sigv4 needs --credentials FILE (an AWS shared credentials file)\n");
      return 2;
    }
    Result<std::shared_ptr<const server::Api::Auth>> loaded = load_credentials();
    if (!loaded.ok()) {
      std::fprintf(stderr, "cirrusd: %s\n", loaded.status().message().c_str());
      return 2;
    }
    verifier = std::move(*loaded);
    http.signed_parts = true;
  } else if (!credentials_file.empty()) {
    std::fprintf(stderr, "cirrusd: --credentials is used with --auth=sigv4 only\n");
    return 2;
  }
  if (auth == "none") {
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(http.host, ec);
    if (!ec && !address.is_loopback()) {
      std::fprintf(stderr,
                   "cirrusd: WARNING: listening on %s, not a loopback address: anyone who can reach "
                   "this port can read and write every table (--auth=none: signatures are not verified; "
                   "--auth=sigv4 verifies them). See the "
                   "README's Security section.\n",
                   http.host.c_str());
    }
  }

  std::shared_ptr<server::AccessLog> access_log;
  if (!access_log_path.empty()) {
    Result<std::unique_ptr<server::AccessLog>> log = server::AccessLog::Open(access_log_path, access_log_max_mb << 20);
    if (!log.ok()) {
      std::fprintf(stderr, "cirrusd: %s\n", log.status().message().c_str());
      return 1;
    }
    access_log = std::move(*log);
  }

  std::string temp_dir;
  if (in_memory) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/cirrusd-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("cirrusd: mkdtemp");
      return 1;
    }
    temp_dir = data_dir = pattern;
    sync = "none";  // the data dies with the process anyway
  }

  if (failure_dir.empty()) failure_dir = data_dir + "/failures";
  {
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(failure_dir, ec);
    if (!ec) failure_dir = absolute.lexically_normal().string();
  }

  int exit_code = 0;
  {
    // Declared so that they are destroyed in this order: the accounts (each one's trigger
    // workers, then its database, whose writer acknowledges queued writes through the
    // server's sessions), the invocation pool (its answers go out through the sessions too),
    // and only then the HTTP server.
    std::unique_ptr<server::HttpServer> http_server;
    std::unique_ptr<streams::InvocationPool> pool;
    std::unique_ptr<server::Accounts> accounts;
    std::unique_ptr<server::Api> api;

    server::Accounts::Options account_options;
    account_options.db.path = data_dir;
    account_options.db.sync = sync == "full";
    account_options.db.map_size = map_size_gb << 30;
    account_options.db.item_collection_limit = item_collection_limit;
    account_options.db.backfill_chunk = backfill_chunk;
    account_options.db.stream_retention = std::chrono::seconds(stream_retention_s);
    account_options.config = config;
    account_options.ttl_interval = std::chrono::milliseconds(static_cast<int64_t>(ttl_interval_s * 1000));
    trigger_options.region = config.region;
    trigger_options.destinations.failure_dir = failure_dir;
    account_options.triggers = trigger_options;
    account_options.max_accounts = max_accounts;
    account_options.usage_flush_interval = Millis(usage_flush_s);
    account_options.enforce_capacity = enforce_capacity;
    account_options.burst = std::chrono::seconds(burst_s);
    pool = std::make_unique<streams::InvocationPool>(pool_options);
    accounts = std::make_unique<server::Accounts>(std::move(account_options), pool.get());
    // The server's own account first (DATA_DIR), then those the credentials name.
    Status opened = accounts->Open({config.account_id});
    if (opened.ok()) opened = accounts->Open(credential_accounts);
    if (!opened.ok()) {
      std::fprintf(stderr, "cirrusd: %s\n", opened.message().c_str());
      exit_code = 1;
    } else {
      api = std::make_unique<server::Api>(accounts.get(), config);
      if (access_log) api->SetAccessLog(access_log);
      server::HttpServer::ShutdownHooks hooks;
      if (verifier) {
        api->SetAuth(verifier);
        hooks.reload = [&] {  // SIGHUP: the credentials file again; a bad one keeps the old
          Result<std::shared_ptr<const server::Api::Auth>> loaded = load_credentials();
          Status accounts_opened = loaded.ok() ? accounts->Open(credential_accounts) : Status();
          if (!loaded.ok() || !accounts_opened.ok()) {
            std::fprintf(stderr, "cirrusd: SIGHUP: keeping the credentials loaded before: %s\n",
                         (loaded.ok() ? accounts_opened : loaded.status()).message().c_str());
            return;
          }
          std::fprintf(stderr, "cirrusd: SIGHUP: %zu credentials (%zu with a policy) loaded from %s\n",
                       (*loaded)->verifier->size(), (*loaded)->policies.size(), credentials_file.c_str());
          api->SetAuth(std::move(*loaded));
        };
      }
      hooks.draining = [&] {
        accounts->StopTriggers();
        pool->StopAdmitting();
      };
      hooks.cut_short = [&] { pool->CancelAll(); };
      http_server = std::make_unique<server::HttpServer>(http, api.get(), std::move(hooks));
      Status listening = http_server->Listen();
      if (!listening.ok()) {
        std::fprintf(stderr, "cirrusd: %s\n", listening.message().c_str());
        exit_code = 1;
      } else {
        // Said once the signals are handled: a SIGHUP sent as soon as the line is read must
        // reload, not kill (its default action).
        http_server->Run(/*handle_signals=*/true, [&] {
          std::printf("listening on %s://%s:%u\n", http.tls_cert_file.empty() ? "http" : "https",
                      http.host.c_str(), http_server->port());
          std::fflush(stdout);
        });
      }
    }
  }
  if (!temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
  return exit_code;
}
