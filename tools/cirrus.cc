// cirrus: offline tools on a CirrusDB data directory (uses db/ directly, never the server).
// It may run while cirrusd serves the same directory: LMDB coordinates the processes.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "db/database.h"

namespace {

// cirrus tables: every table with its key schema, item count and size.
int ListTables(const std::string& data_dir) {
  using namespace cirrus;
  db::Options options;
  options.path = data_dir;
  options.exclusive = false;  // reads the catalog once; fine beside a running cirrusd
  Result<std::unique_ptr<db::Database>> database = db::Database::Open(options);
  if (!database.ok()) {
    std::fprintf(stderr, "cirrus: %s\n", database.status().message().c_str());
    return 1;
  }
  std::printf("%-40s %-24s %12s %14s\n", "TABLE", "KEY", "ITEMS", "BYTES");
  for (const std::string& name : (*database)->TableNames()) {
    std::shared_ptr<const db::Table> table = (*database)->FindTable(name);
    if (!table) continue;
    const db::KeySchema& k = table->definition().key_schema;
    std::string key = k.partition_key.name + ":" + std::string(db::TypeName(k.partition_key.type));
    if (k.sort_key) key += "," + k.sort_key->name + ":" + std::string(db::TypeName(k.sort_key->type));
    std::printf("%-40s %-24s %12lld %14lld\n", name.c_str(), key.c_str(),
                static_cast<long long>(table->item_count()),
                static_cast<long long>(table->size_bytes()));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cirrus: offline tools for a CirrusDB data directory"};
  app.require_subcommand(1);
  std::string data_dir = "./data";
  CLI::App* tables = app.add_subcommand("tables", "List tables with their item counts and sizes");
  tables->add_option("--data-dir", data_dir, "Data directory")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (*tables) return ListTables(data_dir);
  return 0;
}
