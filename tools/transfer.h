#pragma once
// cirrus export and cirrus import: a table to and from AWS's export-to-S3 formats
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html,
// S3DataImport.Format.html), on a data directory, beside a running cirrusd or not.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"

namespace cirrus::tools {

// Opens a data directory (which must exist unless `create`) without taking it from a
// cirrusd serving it.
Result<std::unique_ptr<db::Database>> OpenDataDir(const std::string& data_dir, bool create = false);

struct ExportOptions {
  std::string table;
  std::string out_dir;
  std::string format = "dynamodb-json";  // or "ion"
  bool gzip = true;
  int files = 0;  // data files; 0: one per partition, as AWS writes at least one each
  bool progress = false;
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
};

struct ExportSummary {
  std::string export_dir;  // OUT/AWSDynamoDB/<export id>
  uint64_t items = 0;
  uint64_t bytes = 0;  // data files on disk
  double seconds = 0;
};

// Writes one consistent snapshot of the table (a single read transaction) in AWS's layout:
// OUT/AWSDynamoDB/<id>/{_started, manifest-summary.json, manifest-files.json, the
// .checksum files, data/*.json.gz}.
Result<ExportSummary> Export(db::Database& db, const ExportOptions& options);

struct ImportOptions {
  std::string table;
  std::string in;           // a data file, a directory of data files, or an export folder
  std::string format;       // dynamodb-json, ion or csv; empty: from the manifest or extension
  std::string compression = "auto";  // gzip, zstd, none, auto (by each file's first bytes)
  std::string key;          // "pk:S[,sk:N]": create the table if missing
  uint32_t partitions = 4;  // of a table created here
  std::vector<std::string> csv_header;  // column names; empty: the first row is the header
  char csv_delimiter = ',';
  std::string error_log;    // empty: DATA_DIR/import-errors-<table>-<time>-<pid>.jsonl
  std::string data_dir;     // for the default error log
  size_t batch_items = 20000;  // items per write transaction
  // Parsed items are sorted in runs of this many bytes before they are written (two runs
  // in memory at most): the larger, the fewer B-tree pages each item costs.
  size_t run_bytes = size_t{128} << 20;
  bool progress = false;
};

struct ImportSummary {
  uint64_t files = 0;
  uint64_t records = 0;   // lines or CSV rows read (headers not counted)
  uint64_t imported = 0;  // items written (a key repeated counts each time)
  uint64_t skipped = 0;   // records not imported, each in the error log
  uint64_t bytes = 0;     // input bytes as stored
  double seconds = 0;
  std::string error_log;  // written only if skipped > 0
  // What stopped the import after it began (then it wrote what it had read), or OK.
  Status error;
};

// Imports `options.in` into the table. Bad records are skipped and logged (file and line).
// A problem found before anything is written (no such input, a manifest entry missing, a
// checksum mismatch, no table) is the error result; one found later (a truncated or corrupt
// file, an item count unlike the manifest's) stops the import, after writing what was read,
// and is the summary's `error`.
Result<ImportSummary> Import(db::Database& db, const ImportOptions& options);

}  // namespace cirrus::tools
