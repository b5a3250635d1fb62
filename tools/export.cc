// cirrus export: one snapshot of a table in AWS's export-to-S3 layout.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sys/stat.h>

#include "db/item/clock.h"
#include "db/item/decimal.h"
#include "db/item_codec.h"
#include "server/wire/base64.h"
#include "server/wire/item_json.h"
#include "server/wire/json.h"
#include "server/wire/json_writer.h"
#include "tools/csv.h"
#include "tools/files.h"
#include "tools/io.h"
#include "tools/ion.h"
#include "tools/progress.h"
#include "tools/transfer.h"

namespace cirrus::tools {
namespace fs = std::filesystem;
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;  // formatted bytes handed to a file at once

}  // namespace

Result<ExportSummary> Export(db::Database& db, const ExportOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t wall_start_ms = NowMillis();
  const bool ion = options.format == "ion";
  std::shared_ptr<const db::Table> table = db.FindTable(options.table);
  if (!table) {
    return Status(ErrorKind::kResourceNotFound, "table " + options.table + " does not exist");
  }
  // One read transaction from here to the end: the export is one snapshot.
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db.Read());

  const int64_t ms = wall_start_ms;
  char id_prefix[32];
  std::snprintf(id_prefix, sizeof(id_prefix), "%014lld", static_cast<long long>(ms));
  const std::string export_id =
      std::string(id_prefix) + "-" + RandomName(8, "0123456789abcdef", 16);
  const std::string key_prefix = "AWSDynamoDB/" + export_id;
  ExportSummary summary;
  summary.export_dir = (fs::path(options.out_dir) / key_prefix).string();
  std::error_code ec;
  fs::create_directories(fs::path(summary.export_dir) / "data", ec);
  if (ec) return InternalError("cannot create " + summary.export_dir + ": " + ec.message());
  CIRRUS_RETURN_IF_ERROR(WriteWholeFile(summary.export_dir + "/_started", ""));

  const uint32_t partitions = table->partition_count();
  const uint64_t files = options.files > 0 ? static_cast<uint64_t>(options.files) : partitions;
  const uint64_t expected = static_cast<uint64_t>(std::max<int64_t>(table->item_count(), 0));
  const std::string extension = std::string(ion ? ".ion" : ".json") + (options.gzip ? ".gz" : "");

  struct DataFile {
    std::string key;  // as in the manifest
    std::unique_ptr<OutputFile> out;
    uint64_t items = 0;
  };
  std::vector<DataFile> data(files);
  for (DataFile& f : data) {
    f.key = key_prefix + "/data/" + RandomName(26, "abcdefghijklmnopqrstuvwxyz0123456789", 36) +
            extension;
    CIRRUS_ASSIGN_OR_RETURN(
        f.out, OutputFile::Create((fs::path(options.out_dir) / f.key).string(), options.gzip));
  }

  // Chunks go to the files in turn: each file compresses on its own thread, so that
  // several compress at once (deflate is most of an export's work).
  Progress progress("exporting", options.progress);
  size_t current = 0;
  uint64_t chunk_items = 0;
  std::string chunk;
  auto hand_over = [&] {
    data[current].items += chunk_items;
    data[current].out->Write(std::move(chunk));
    chunk = std::string();
    chunk.reserve(kChunkBytes + 4096);
    chunk_items = 0;
    current = (current + 1) % files;
  };
  chunk.reserve(kChunkBytes + 4096);
  for (uint32_t p = 0; p < partitions; ++p) {
    CIRRUS_ASSIGN_OR_RETURN(db::PartitionCursor cursor, view.OpenCursor(*table, p));
    for (bool ok = cursor.SeekForward("", true); ok; ok = cursor.Next()) {
      if (ion) {
        CIRRUS_ASSIGN_OR_RETURN(Item item, db::DecodeItem(cursor.value()));
        AppendIonItemLine(item, &chunk);
      } else {
        wire::JsonWriter w(&chunk);
        w.BeginObject();
        w.Key("Item");
        wire::StoredItemJsonWriter visitor(w);
        w.BeginObject();
        CIRRUS_RETURN_IF_ERROR(db::WalkStoredItem(cursor.value(), visitor));
        w.EndObject();
        w.EndObject();
      }
      chunk.push_back('\n');
      ++chunk_items;
      ++summary.items;
      if (chunk.size() >= kChunkBytes) {
        hand_over();
        progress.Update(summary.items, summary.items, std::max(expected, summary.items));
      }
    }
    CIRRUS_RETURN_IF_ERROR(cursor.status());
  }
  if (!chunk.empty()) hand_over();

  // Manifests: one line per data file, then the summary.
  std::string manifest_files;
  for (DataFile& f : data) {
    CIRRUS_RETURN_IF_ERROR(f.out->Close());
    summary.bytes += f.out->bytes_written();
    wire::JsonWriter w(&manifest_files);
    w.BeginObject();
    w.Key("itemCount");
    w.Int(static_cast<int64_t>(f.items));
    w.Key("md5Checksum");
    w.String(f.out->md5_base64());
    w.Key("etag");
    w.String(f.out->md5_hex());
    w.Key("dataFileS3Key");
    w.String(f.key);
    w.EndObject();
    manifest_files.push_back('\n');
  }
  progress.Finish();
  const std::string files_path = summary.export_dir + "/manifest-files.json";
  CIRRUS_RETURN_IF_ERROR(WriteWholeFile(files_path, manifest_files));
  CIRRUS_ASSIGN_OR_RETURN(auto files_md5, FileMd5(files_path));
  CIRRUS_RETURN_IF_ERROR(
      WriteWholeFile(summary.export_dir + "/manifest-files.checksum", files_md5.second));

  const std::string table_arn =
      "arn:aws:dynamodb:" + options.region + ":" + options.account_id + ":table/" + table->name();
  std::string manifest;
  wire::JsonWriter w(&manifest);
  w.BeginObject();
  w.Key("version");
  w.String("2020-06-30");
  w.Key("exportArn");
  w.String(table_arn + "/export/" + export_id);
  w.Key("startTime");
  w.String(IsoTime(wall_start_ms));
  w.Key("endTime");
  w.String(IsoTime(NowMillis()));
  w.Key("tableArn");
  w.String(table_arn);
  w.Key("tableId");
  w.String(table->definition().table_id);
  w.Key("exportTime");
  w.String(IsoTime(wall_start_ms));
  w.Key("s3Bucket");
  w.Null();
  w.Key("s3Prefix");
  w.Null();
  w.Key("s3SseAlgorithm");
  w.Null();
  w.Key("s3SseKmsKeyId");
  w.Null();
  w.Key("manifestFilesS3Key");
  w.String(key_prefix + "/manifest-files.json");
  w.Key("billedSizeBytes");
  w.Int(0);
  w.Key("itemCount");
  w.Int(static_cast<int64_t>(summary.items));
  w.Key("outputFormat");
  w.String(ion ? "ION" : "DYNAMODB_JSON");
  w.EndObject();
  manifest.push_back('\n');
  const std::string summary_path = summary.export_dir + "/manifest-summary.json";
  CIRRUS_RETURN_IF_ERROR(WriteWholeFile(summary_path, manifest));
  CIRRUS_ASSIGN_OR_RETURN(auto summary_md5, FileMd5(summary_path));
  CIRRUS_RETURN_IF_ERROR(
      WriteWholeFile(summary.export_dir + "/manifest-summary.checksum", summary_md5.second));
  summary.seconds = SecondsSince(start);
  return summary;
}

}  // namespace cirrus::tools
