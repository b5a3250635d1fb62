// cirrus: offline tools on a CirrusDB data directory (uses db/ directly, never the server).
// Each may run while cirrusd serves the same directory: LMDB coordinates the processes.
//
// Exit codes: 0 done; 1 an error stopped the command (its message on stderr); 2 (import)
// done, but some records were skipped (listed in the error log). A usage error is 1, except
// for `cirrus functions ...`, where it is 2.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/item/clock.h"
#include "db/ttl.h"
#include "tools/functions.h"
#include "tools/transfer.h"
#include "tools/usage.h"

namespace {

using namespace cirrus;

int Fail(const Status& status) {
  std::fprintf(stderr, "cirrus: %s\n", status.message().c_str());
  return 1;
}

// cirrus tables: every table with its key schema, item count and size.
// One time-to-live pass now, or at `now_s` (epoch seconds): what cirrusd does every
// --ttl-interval, on demand, so that a test need not wait for expiry.
int RunExpire(const std::string& data_dir, std::optional<int64_t> now_s,
              const std::string& table) {
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir);
  if (!database.ok()) return Fail(database.status());
  db::ExpiryOptions options;
  if (!table.empty()) options.table = table;
  Result<db::ExpiryPass> pass =
      db::ExpireItems(**database, now_s.value_or(NowMillis() / 1000), options);
  if (!pass.ok()) return Fail(pass.status());
  std::printf("expired %zu of %zu items read\n", pass->deleted, pass->scanned);
  return 0;
}

// cirrus usage: the metered request units per table and hour (or day), with their cost.
int RunUsage(const std::string& data_dir, tools::UsageOptions options, const std::string& format,
             const std::string& prices_file, const std::string& chart_file) {
  if (!prices_file.empty()) {
    Result<tools::Prices> prices = tools::LoadPrices(prices_file);
    if (!prices.ok()) return Fail(prices.status());
    options.prices = *prices;
  }
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir);
  if (!database.ok()) return Fail(database.status());
  Result<std::vector<tools::UsageRow>> rows = tools::UsageRows(**database, options);
  if (!rows.ok()) return Fail(rows.status());
  std::string out = format == "json" ? tools::UsageJson(*rows, options.daily)
                    : format == "csv" ? tools::UsageCsv(*rows, options.daily)
                                      : tools::UsageText(*rows, options.daily);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!chart_file.empty()) {
    std::string svg = tools::UsageSvg(*rows, options.daily);
    FILE* f = std::fopen(chart_file.c_str(), "w");
    if (!f || std::fwrite(svg.data(), 1, svg.size(), f) != svg.size() || std::fclose(f) != 0) {
      return Fail(InternalError("cannot write the chart " + chart_file));
    }
  }
  return 0;
}

int ListTables(const std::string& data_dir) {
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir);
  if (!database.ok()) return Fail(database.status());
  std::printf("%-40s %-24s %12s %14s\n", "TABLE", "KEY", "ITEMS", "BYTES");
  for (const std::string& name : (*database)->TableNames()) {
    std::shared_ptr<const db::Table> table = (*database)->FindTable(name);
    if (!table) continue;
    const db::KeySchema& k = table->definition().key_schema;
    std::string key = k.partition_key().name + ":" + std::string(db::TypeName(k.partition_key().type));
    if (k.sort_key()) key += "," + k.sort_key()->name + ":" + std::string(db::TypeName(k.sort_key()->type));
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

int FunctionsFail(const Status& status) {
  std::fprintf(stderr, "cirrus functions: %s\n", status.message().c_str());
  return 1;
}

int RunFunctionsCreate(const std::string& data_dir, streams::FunctionConfig f,
                       const std::vector<std::string>& env) {
  Result<std::vector<std::pair<std::string, std::string>>> environment = tools::ParseEnvironment(env);
  if (!environment.ok()) return FunctionsFail(environment.status());
  f.environment = std::move(*environment);
  if (Status s = streams::ValidateFunction(f); !s.ok()) return FunctionsFail(s);  // before opening
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir, /*create=*/true);
  if (!database.ok()) return FunctionsFail(database.status());
  Result<streams::FunctionConfig> created = streams::RegisterFunction(**database, std::move(f));
  if (!created.ok()) return FunctionsFail(created.status());
  std::printf("created %s\n", created->name.c_str());
  return 0;
}

int RunFunctionsList(const std::string& data_dir) {
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir);
  if (!database.ok()) return FunctionsFail(database.status());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  Result<tools::FunctionListing> listing = tools::LoadListing(**database, now_ms);
  if (!listing.ok()) return FunctionsFail(listing.status());
  std::fputs(tools::FormatFunctionListing(*listing).c_str(), stdout);
  return 0;
}

int RunFunctionsDelete(const std::string& data_dir, const std::string& name) {
  Result<std::unique_ptr<db::Database>> database = tools::OpenDataDir(data_dir);
  if (!database.ok()) return FunctionsFail(database.status());
  if (Status s = streams::RemoveFunction(**database, name); !s.ok()) return FunctionsFail(s);
  std::printf("deleted %s\n", name.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cirrus: offline tools for a CirrusDB data directory (safe beside a running cirrusd)"};
  app.footer(
      "Exit codes: 0 done; 1 error (message on stderr); 2 import done with skipped records,\n"
      "or a usage error of `cirrus functions ...` (its other usage errors are 1).");
  app.require_subcommand(1);
  std::string data_dir = "./data";
  const bool terminal = isatty(STDERR_FILENO);
  bool quiet = false;

  CLI::App* tables = app.add_subcommand("tables", "List tables with their item counts and sizes");
  tables->add_option("--data-dir", data_dir, "Data directory")->capture_default_str();

  tools::UsageOptions usage_options;
  std::string usage_format = "text", prices_file, chart_file;
  CLI::App* usage = app.add_subcommand(
      "usage", "Request units each table consumed per hour (or day), and what DynamoDB would charge");
  usage->add_option("--data-dir", data_dir, "Data directory")->capture_default_str();
  usage->add_option("--table", usage_options.table, "Only this table");
  usage->add_flag("--daily", usage_options.daily, "One row per table and UTC day instead of hour");
  usage->add_flag("--json{json},--csv{csv}", usage_format, "JSON (one array of rows) or CSV instead of a text table");
  usage->add_option("--prices", prices_file,
                    "A JSON price table overriding the defaults (us-east-1, README: Usage and cost)");
  usage->add_option("--chart", chart_file, "Also draw the read and write units over time as SVG into this file");

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

  streams::FunctionConfig fn;
  std::vector<std::string> fn_env;
  std::string fn_name;
  CLI::App* ttl = app.add_subcommand(
      "expire", "Delete the expired items of tables with time to live now (one pass, as cirrusd "
                "runs every --ttl-interval), optionally as if at another time");
  std::optional<int64_t> expire_now;
  std::string expire_table;
  ttl->add_option("--data-dir", data_dir, "Data directory")->capture_default_str();
  ttl->add_option("--now", expire_now, "The time to expire at, epoch seconds (default: now)");
  ttl->add_option("--table", expire_table, "Only this table (default: all with TTL enabled)");
  CLI::App* functions = app.add_subcommand(
      "functions", "Register, list or delete the functions triggers and Invoke run (the owner's)");
  functions->require_subcommand(1);
  functions->footer("Exit codes: 0 done; 1 error (message on stderr); 2 usage error.");
  auto add_data_dir = [&](CLI::App* command) {
    command->add_option("--data-dir", data_dir, "Data directory")->capture_default_str();
  };
  CLI::App* fn_create = functions->add_subcommand(
      "create", "Register a function: a shell command or an HTTP URL");
  fn_create->add_option("NAME", fn.name, "Function name: letters, digits, '-' and '_'")->required();
  CLI::Option* fn_command = fn_create->add_option(
      "--command", fn.command, "Run with /bin/sh -c; the event on stdin, the result from stdout");
  CLI::Option* fn_url = fn_create->add_option(
      "--url", fn.url, "POST each event to this http:// URL (e.g. a Lambda RIE's invocations URL)");
  fn_command->excludes(fn_url);
  fn_create->add_option("--timeout", fn.timeout_seconds, "Seconds an invocation may take")
      ->check(CLI::Range(1, 900))->capture_default_str();
  fn_create->add_option("--env", fn_env,
                        "NAME=VALUE for the handler's environment (repeat); it sees Lambda's "
                        "variables and these, nothing of the server's");
  add_data_dir(fn_create);
  fn_create->callback([&] {
    if (fn_command->count() + fn_url->count() != 1) throw CLI::RequiredError("--command or --url");
  });
  CLI::App* fn_list = functions->add_subcommand(
      "list", "Show the functions with their stream mappings (state, last result, lag)");
  add_data_dir(fn_list);
  CLI::App* fn_delete = functions->add_subcommand("delete", "Delete a function");
  fn_delete->add_option("NAME", fn_name, "Function name")->required();
  add_data_dir(fn_delete);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    if (code == 0) return 0;  // --help
    return *functions ? 2 : 1;  // usage errors: 2 for functions, 1 for the rest, as documented
  }
  if (*tables) return ListTables(data_dir);
  if (*usage) return RunUsage(data_dir, usage_options, usage_format, prices_file, chart_file);
  if (*ttl) return RunExpire(data_dir, expire_now, expire_table);
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
  if (*functions) {
    if (*fn_create) return RunFunctionsCreate(data_dir, std::move(fn), fn_env);
    if (*fn_list) return RunFunctionsList(data_dir);
    if (*fn_delete) return RunFunctionsDelete(data_dir, fn_name);
  }
  return 0;
}
