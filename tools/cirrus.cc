// cirrus: offline tools on a CirrusDB data directory (uses db/ directly, never the server).
// Each may run while cirrusd serves the same directory: LMDB coordinates the processes.
//
// Exit codes: 0 done; 1 an error stopped the command (its message on stderr); 2 (import)
// done, but some records were skipped (listed in the error log).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "db/database.h"
#include "tools/transfer.h"

namespace {

using namespace cirrus;

int Fail(const Status& status) {
  std::fprintf(stderr, "cirrus: %s\n", status.message().c_str());
  return 1;
}

// cirrus tables: every table with its key schema, item count and size.
int ListTables(const std::string& data_dir) {
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir);
  if (!database.ok()) return Fail(database.status());
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

std::string Rate(uint64_t items, double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.0f items/s", seconds > 0 ? static_cast<double>(items) / seconds : 0.0);
  return buf;
}

int RunExport(const std::string& data_dir, const tools::ExportOptions& options) {
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir);
  if (!database.ok()) return Fail(database.status());
  Result<tools::ExportSummary> s = tools::Export(**database, options);
  if (!s.ok()) return Fail(s.status());
  std::printf("exported %llu items of %s, %llu bytes, in %.2f s (%s) to %s\n",
              static_cast<unsigned long long>(s->items), options.table.c_str(),
              static_cast<unsigned long long>(s->bytes), s->seconds, Rate(s->items, s->seconds).c_str(),
              s->export_dir.c_str());
  return 0;
}

int RunImport(const std::string& data_dir, tools::ImportOptions options) {
  options.data_dir = data_dir;
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir, /*create=*/true);
  if (!database.ok()) return Fail(database.status());
  Result<tools::ImportSummary> s = tools::Import(**database, options);
  if (!s.ok()) return Fail(s.status());
  if (!s->error.ok()) {
    Fail(s->error);
    if (s->skipped > 0) {
      std::fprintf(stderr, "cirrus: %llu records skipped before it; see %s\n",
                   static_cast<unsigned long long>(s->skipped), s->error_log.c_str());
    }
    return 1;
  }
  std::printf("imported %llu items into %s from %llu files (%llu records, %llu bytes) in %.2f s (%s); "
              "%llu skipped\n",
              static_cast<unsigned long long>(s->imported), options.table.c_str(),
              static_cast<unsigned long long>(s->files), static_cast<unsigned long long>(s->records),
              static_cast<unsigned long long>(s->bytes), s->seconds, Rate(s->imported, s->seconds).c_str(),
              static_cast<unsigned long long>(s->skipped));
  if (s->skipped > 0) {
    std::fprintf(stderr, "cirrus: %llu records skipped; see %s\n",
                 static_cast<unsigned long long>(s->skipped), s->error_log.c_str());
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cirrus: offline tools for a CirrusDB data directory (safe beside a running cirrusd)"};
  app.footer("Exit codes: 0 done; 1 error (message on stderr); 2 import done with skipped records.");
  app.require_subcommand(1);
  std::string data_dir = "./data";
  const bool terminal = isatty(STDERR_FILENO);
  bool quiet = false;

  CLI::App* tables = app.add_subcommand("tables", "List tables with their item counts and sizes");
  tables->add_option("--data-dir", data_dir, "Data directory")->capture_default_str();

  tools::ExportOptions ex;
  std::string ex_compress = "gzip";
  CLI::App* exp = app.add_subcommand(
      "export", "Write a table in AWS's export-to-S3 layout (one consistent snapshot)");
  exp->add_option("--data-dir", data_dir, "Data directory")->capture_default_str();
  exp->add_option("--table", ex.table, "Table to export")->required();
  exp->add_option("--out", ex.out_dir, "Output directory; the export goes to OUT/AWSDynamoDB/<export id>/")
      ->required();
  exp->add_option("--format", ex.format, "dynamodb-json or ion")
      ->check(CLI::IsMember({"dynamodb-json", "ion"}))->capture_default_str();
  exp->add_option("--compress", ex_compress, "gzip or none")
      ->check(CLI::IsMember({"gzip", "none"}))->capture_default_str();
  exp->add_option("--files", ex.files, "Data files to write (default: one per partition)")
      ->check(CLI::Range(1, 10000));
  exp->add_option("--region", ex.region, "Region in the ARNs of the manifest")->capture_default_str();
  exp->add_option("--account-id", ex.account_id, "Account in the ARNs of the manifest")->capture_default_str();
  exp->add_flag("--quiet", quiet, "No progress display");

  tools::ImportOptions im;
  std::string delimiter = ",";
  CLI::App* imp = app.add_subcommand(
      "import", "Load items from DynamoDB JSON, Ion or CSV files or an AWS export (an upsert)");
  imp->add_option("--data-dir", data_dir, "Data directory (created if missing)")->capture_default_str();
  imp->add_option("--table", im.table, "Table to import into")->required();
  imp->add_option("--in", im.in, "A data file, a directory of data files, or an export folder")->required();
  imp->add_option("--format", im.format,
                  "dynamodb-json, ion or csv (default: the manifest's, else by file name)")
      ->check(CLI::IsMember({"dynamodb-json", "ion", "csv"}));
  imp->add_option("--compress", im.compression, "gzip, zstd, none or auto (by each file's first bytes)")
      ->check(CLI::IsMember({"gzip", "zstd", "none", "auto"}))->capture_default_str();
  imp->add_option("--key", im.key, "Key schema, NAME:TYPE[,NAME:TYPE] (S, N or B): creates the table if missing");
  imp->add_option("--partitions", im.partitions, "Hash partitions of a table created here")
      ->check([](const std::string& v) {
        unsigned long n = std::strtoul(v.c_str(), nullptr, 10);
        return n >= 1 && n <= 256 && (n & (n - 1)) == 0 ? "" : "a power of two from 1 to 256";
      })->capture_default_str();
  imp->add_option("--csv-header", im.csv_header, "CSV column names (then every row is data)")->delimiter(',');
  imp->add_option("--csv-delimiter", delimiter, "CSV delimiter: , ; : | tab or space")
      ->check(CLI::IsMember({",", ";", ":", "|", "\t", "tab", " ", "space"}))->capture_default_str();
  imp->add_option("--error-log", im.error_log,
                  "Where skipped records are listed (default: DATA_DIR/import-errors-TABLE-TIME-PID.jsonl)");
  imp->add_option("--batch", im.batch_items, "Items per write transaction")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  imp->add_flag("--quiet", quiet, "No progress display");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help is 0; any usage error is 1, as documented
  }
  if (*tables) return ListTables(data_dir);
  if (*exp) {
    ex.gzip = ex_compress == "gzip";
    ex.progress = terminal && !quiet;
    return RunExport(data_dir, ex);
  }
  if (*imp) {
    im.csv_delimiter = delimiter == "tab" ? '\t' : delimiter == "space" ? ' ' : delimiter[0];
    im.progress = terminal && !quiet;
    return RunImport(data_dir, std::move(im));
  }
  return 0;
}
