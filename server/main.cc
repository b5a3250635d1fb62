// cirrusd: the CirrusDB server. Serves the DynamoDB API over HTTP from an LMDB data directory.
#include <CLI/CLI.hpp>
#include <stdlib.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "db/database.h"
#include "server/api.h"
#include "server/http_server.h"

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
  app.add_option("--account-id", config.account_id, "Account id named in ARNs")->capture_default_str();
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
  int64_t stream_retention_s = 24 * 3600;
  app.add_option("--stream-retention", stream_retention_s,
                 "Seconds a stream record is kept (DynamoDB: 24 hours); older ones are removed in the background")
      ->check(CLI::Range(int64_t{1}, int64_t{365} * 24 * 3600))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!std::has_single_bit(config.default_partitions)) {
    std::fprintf(stderr, "cirrusd: --partitions must be a power of two\n");
    return 2;
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

  int exit_code = 0;
  {
    db::Options options;
    options.path = data_dir;
    options.sync = sync == "full";
    options.map_size = map_size_gb << 30;
    options.item_collection_limit = item_collection_limit;
    options.backfill_chunk = backfill_chunk;
    options.stream_retention = std::chrono::seconds(stream_retention_s);
    Result<std::unique_ptr<db::Database>> database = db::Database::Open(options);
    if (!database.ok()) {
      std::fprintf(stderr, "cirrusd: %s\n", database.status().message().c_str());
      exit_code = 1;
    } else {
      streams::Triggers triggers(database->get(), {config.region, config.account_id});
      if (Status s = triggers.Start(); !s.ok()) {
        std::fprintf(stderr, "cirrusd: cannot start the triggers: %s\n", s.message().c_str());
      }
      server::Api api(database->get(), config, &triggers);
      server::HttpServer http_server(http, &api);
      Status listening = http_server.Listen();
      if (!listening.ok()) {
        std::fprintf(stderr, "cirrusd: %s\n", listening.message().c_str());
        exit_code = 1;
      } else {
        std::printf("listening on http://%s:%u\n", http.host.c_str(), http_server.port());
        std::fflush(stdout);
        http_server.Run(/*handle_signals=*/true);
      }
    }
  }  // the server stops before the database closes its environment
  if (!temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
  return exit_code;
}
