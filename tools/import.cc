// cirrus import: files in AWS's export formats (or CSV) into a table, through a parser
// thread and a writer thread. Over 600 lines on purpose: the sources, the record parser, the
// sorted runs and the writer are one pipeline whose parts share private types; tools/export.cc
// and tools/files.cc hold what is not the pipeline.
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

enum class Format { kJson, kIon, kCsv };

Result<Format> ParseFormat(std::string_view name) {
  if (name == "dynamodb-json" || name == "DYNAMODB_JSON") return Format::kJson;
  if (name == "ion" || name == "ION") return Format::kIon;
  if (name == "csv" || name == "CSV") return Format::kCsv;
  return ValidationError("unknown format " + std::string(name) + " (dynamodb-json, ion or csv)");
}

// A data file to read, with what its manifest promises.
struct Source {
  std::string path;
  std::string display;  // as named in messages and the error log
  std::optional<uint64_t> item_count;
  std::string md5;  // base64; empty when no manifest
};

// The export folder (the one holding manifest-files.json) under `dir`, if it is one.
Result<std::optional<fs::path>> FindExportFolder(const fs::path& dir) {
  if (fs::exists(dir / "manifest-files.json")) return std::optional<fs::path>(dir);
  std::vector<fs::path> found;
  if (fs::is_directory(dir / "AWSDynamoDB")) {
    for (const auto& entry : fs::directory_iterator(dir / "AWSDynamoDB")) {
      if (fs::exists(entry.path() / "manifest-files.json")) found.push_back(entry.path());
    }
  }
  if (found.empty()) return std::optional<fs::path>();
  if (found.size() > 1) {
    std::string names;
    for (const auto& f : found) names += "\n  " + f.string();
    return ValidationError(dir.string() + " holds several exports; give one of them:" + names);
  }
  return std::optional<fs::path>(found[0]);
}

// The files to import, and the format an export's manifest names (empty otherwise).
Result<std::vector<Source>> ListSources(const std::string& in, std::string* manifest_format) {
  std::error_code ec;
  if (!fs::exists(in, ec)) return Status(ErrorKind::kResourceNotFound, in + " does not exist");
  if (!fs::is_directory(in)) return std::vector<Source>{Source{in, in, std::nullopt, ""}};
  CIRRUS_ASSIGN_OR_RETURN(std::optional<fs::path> folder, FindExportFolder(in));
  std::vector<Source> sources;
  if (!folder) {  // a directory of data files
    for (const auto& entry : fs::recursive_directory_iterator(in)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || name.empty() || name[0] == '.' || name[0] == '_' ||
          name.rfind("manifest-", 0) == 0) {
        continue;
      }
      sources.push_back(Source{entry.path().string(), entry.path().string(), std::nullopt, ""});
    }
    std::sort(sources.begin(), sources.end(),
              [](const Source& a, const Source& b) { return a.path < b.path; });
    if (sources.empty()) return ValidationError(in + " holds no data files");
    return sources;
  }
  // An export: the files its manifest lists, each present and with its checksum.
  wire::JsonParser parser;
  std::string buffer;
  if (fs::exists(*folder / "manifest-summary.json")) {
    CIRRUS_ASSIGN_OR_RETURN(std::string text,
                            ReadWholeFile((*folder / "manifest-summary.json").string()));
    Result<wire::JsonValue> doc = ParseJson(parser, text, &buffer);
    if (!doc.ok())
      return ValidationError((*folder / "manifest-summary.json").string() + " is not valid JSON");
    if (auto f = doc->Find("outputFormat"); f && f->is(wire::JsonValue::Type::kString)) {
      *manifest_format = std::string(f->string());
    }
  }
  const std::string manifest_path = (*folder / "manifest-files.json").string();
  CIRRUS_ASSIGN_OR_RETURN(std::string manifest, ReadWholeFile(manifest_path));
  size_t line_number = 0;
  for (size_t pos = 0; pos < manifest.size();) {
    size_t end = manifest.find('\n', pos);
    if (end == std::string::npos) end = manifest.size();
    std::string_view line = std::string_view(manifest).substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Result<wire::JsonValue> doc = ParseJson(parser, line, &buffer);
    std::optional<wire::JsonValue> key = doc.ok() ? doc->Find("dataFileS3Key") : std::nullopt;
    if (!key || !key->is(wire::JsonValue::Type::kString)) {
      return ValidationError(manifest_path + " line " + std::to_string(line_number) +
                             ": not a manifest entry (no dataFileS3Key)");
    }
    std::string s3_key(key->string());
    // The key is the S3 object's; the file sits in the folder's data/ directory.
    const std::string name = fs::path(s3_key).filename().string();
    Source source{(*folder / "data" / name).string(), "data/" + name, std::nullopt, ""};
    if (auto c = doc->Find("itemCount"); c && c->is_integer())
      source.item_count = static_cast<uint64_t>(c->integer());
    if (auto m = doc->Find("md5Checksum"); m && m->is(wire::JsonValue::Type::kString))
      source.md5 = std::string(m->string());
    if (!fs::exists(source.path)) {
      return Status(ErrorKind::kResourceNotFound,
                    "the manifest lists " + s3_key + ", but " + source.path + " is missing");
    }
    sources.push_back(std::move(source));
  }
  for (const Source& s : sources) {
    if (s.md5.empty()) continue;
    CIRRUS_ASSIGN_OR_RETURN(auto md5, FileMd5(s.path));
    if (md5.first != s.md5) {
      return ValidationError("checksum mismatch for " + s.path + ": the manifest says MD5 " +
                             s.md5 + ", the file has " + md5.first);
    }
  }
  return sources;
}

Result<db::KeySchema> ParseKeySpec(std::string_view spec) {
  std::vector<db::KeyAttribute> parts;
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view part = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    size_t colon = part.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return ValidationError("--key takes NAME:TYPE[,NAME:TYPE], e.g. pk:S,sk:N; got " +
                             std::string(part));
    }
    std::string_view type = part.substr(colon + 1);
    db::ScalarType t;
    if (type == "S") {
      t = db::ScalarType::kS;
    } else if (type == "N") {
      t = db::ScalarType::kN;
    } else if (type == "B") {
      t = db::ScalarType::kB;
    } else {
      return ValidationError("--key: a key type is S, N or B; got " + std::string(type));
    }
    parts.push_back(db::KeyAttribute{std::string(part.substr(0, colon)), t});
  }
  if (parts.empty() || parts.size() > 2)
    return ValidationError("--key takes a partition key and an optional sort key");
  if (parts.size() == 2 && parts[0].name == parts[1].name)
    return ValidationError("--key: the two keys need different names");
  db::KeySchema schema = db::KeySchema::PartitionOnly(parts[0].name, parts[0].type);
  if (parts.size() == 2) schema.sort_keys.push_back(parts[1]);
  return schema;
}

std::string KeySpecOf(const db::KeySchema& k) {
  std::string out = k.partition_key().name + ":" + std::string(db::TypeName(k.partition_key().type));
  if (k.sort_key()) out += "," + k.sort_key()->name + ":" + std::string(db::TypeName(k.sort_key()->type));
  return out;
}

Result<std::shared_ptr<const db::Table>> TableFor(db::Database& db, const ImportOptions& options) {
  std::shared_ptr<const db::Table> table = db.FindTable(options.table);
  std::optional<db::KeySchema> wanted;
  if (!options.key.empty()) {
    CIRRUS_ASSIGN_OR_RETURN(wanted, ParseKeySpec(options.key));
  }
  if (table) {
    if (wanted && !(*wanted == table->definition().key_schema)) {
      return ValidationError("table " + options.table + " exists with key " +
                             KeySpecOf(table->definition().key_schema) + ", not " + options.key);
    }
    return table;
  }
  if (!wanted) {
    return Status(ErrorKind::kResourceNotFound,
                  "table " + options.table + " does not exist; give --key to create it");
  }
  if (options.table.size() < 3 || options.table.size() > 255) {
    return ValidationError("a table name is 3 to 255 characters");
  }
  for (char c : options.table) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return ValidationError("a table name holds only a-z, A-Z, 0-9, '_', '-' and '.'");
    }
  }
  db::TableDefinition def;
  def.name = options.table;
  def.table_id = db::NewTableId();
  def.key_schema = *wanted;
  def.attribute_definitions.push_back(wanted->partition_key());
  if (wanted->sort_key()) def.attribute_definitions.push_back(*wanted->sort_key());
  def.partition_count = options.partitions;
  def.creation_time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  def.billing_mode = db::BillingMode::kPayPerRequest;
  def.pay_per_request_since_us = def.creation_time_us;
  return db.CreateTable(std::move(def));
}

// Turns records into items, by format.
class RecordParser {
 public:
  RecordParser(Format format, const db::Table& table, const ImportOptions& options)
      : format_(format), options_(options) {
    // CSV: the key attributes of the table and its indexes take their declared types.
    for (const db::KeyAttribute& a : table.definition().attribute_definitions)
      typed_[a.name] = a.type;
    header_ = options.csv_header;
  }

  // Whether the record (possibly several lines for CSV) is complete.
  bool NeedsMore(std::string_view record) const {
    return format_ == Format::kCsv && !CsvRecordComplete(record, options_.csv_delimiter);
  }
  // True when the record is the CSV header (consumed).
  bool TakeHeader(std::string_view record, Status* error) {
    if (format_ != Format::kCsv || !header_.empty()) return false;
    Result<std::vector<std::string>> fields = ParseCsvRecord(record, options_.csv_delimiter);
    if (!fields.ok()) {
      *error = fields.status();
    } else if (fields->empty() || (fields->size() == 1 && (*fields)[0].empty())) {
      *error = ValidationError("the CSV header row is empty");
    } else {
      header_ = std::move(*fields);
    }
    return true;
  }

  Result<Item> Parse(std::string_view record) {
    switch (format_) {
      case Format::kIon:
        return ParseIonItemLine(record);
      case Format::kCsv:
        return ParseCsv(record);
      case Format::kJson:
        break;
    }
    Result<wire::JsonValue> doc = ParseJson(json_, record, &buffer_);
    if (!doc.ok()) return ValidationError("not a JSON object: " + doc.status().message());
    if (!doc->is(wire::JsonValue::Type::kObject)) return ValidationError("not a JSON object");
    std::optional<wire::JsonValue> item = doc->Find("Item");
    if (!item || doc->size() != 1) return ValidationError("expected {\"Item\":{...}}");
    return wire::ParseItem(*item);
  }

 private:
  Result<Item> ParseCsv(std::string_view record) {
    CIRRUS_ASSIGN_OR_RETURN(std::vector<std::string> fields,
                            ParseCsvRecord(record, options_.csv_delimiter));
    if (fields.size() > header_.size()) {
      return ValidationError("the row has " + std::to_string(fields.size()) +
                             " fields, the header " + std::to_string(header_.size()));
    }
    Item item;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].empty()) continue;  // an empty cell: no attribute
      auto typed = typed_.find(header_[i]);
      if (typed == typed_.end() || typed->second == db::ScalarType::kS) {
        item[header_[i]] = AttributeValue::String(std::move(fields[i]));
      } else if (typed->second == db::ScalarType::kN) {
        Result<Decimal> n = Decimal::Parse(fields[i]);
        if (!n.ok()) return ValidationError("column " + header_[i] + ": " + n.status().message());
        item[header_[i]] = AttributeValue::Number(*n);
      } else {
        std::string bytes;
        if (!wire::DecodeBase64(fields[i], &bytes)) {
          return ValidationError("column " + header_[i] + ": a binary key is base64");
        }
        item[header_[i]] = AttributeValue::Binary(std::move(bytes));
      }
    }
    return item;
  }

  Format format_;
  const ImportOptions& options_;
  std::map<std::string, db::ScalarType, std::less<>> typed_;
  std::vector<std::string> header_;
  wire::JsonParser json_;
  std::string buffer_;
};

// Where a record came from, for the error log.
struct Origin {
  const Source* source;
  uint64_t line;
};
using FailedFn = std::function<void(const Origin&, const Status&)>;

// Parsed records, kept compact (stored key, encoded item) until written. The table's order
// is by key hash, unrelated to the input's: written as they come, every item would land on
// its own B-tree page and each commit would rewrite thousands of pages for as many items.
// Sorted by stored key, a run of a few hundred thousand items fills pages in order.
struct Run {
  struct Record {
    uint64_t prefix;  // the key's first 8 bytes, big-endian: most comparisons end here
    size_t key_offset, value_offset;
    uint32_t key_size, value_size;
    uint64_t seq;  // input order: of equal keys the last one wins, as DynamoDB's import
    size_t item_size;
    Origin origin;
  };
  std::string bytes;
  std::vector<Record> records;

  void Add(std::string_view key, const Item& item, size_t item_size, Origin origin) {
    uint64_t prefix = 0;
    for (size_t i = 0; i < 8; ++i) {
      prefix = (prefix << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0);
    }
    Record r{prefix, bytes.size(),   0,         static_cast<uint32_t>(key.size()),
             0,      records.size(), item_size, origin};
    bytes.append(key);
    r.value_offset = bytes.size();
    db::EncodeItem(item, item_size, &bytes);
    r.value_size = static_cast<uint32_t>(bytes.size() - r.value_offset);
    records.push_back(r);
  }
  std::string_view key(const Record& r) const {
    return std::string_view(bytes).substr(r.key_offset, r.key_size);
  }
  std::string_view value(const Record& r) const {
    return std::string_view(bytes).substr(r.value_offset, r.value_size);
  }
};

// Writes runs in batches of `batch_items`, two batches in flight (the next is decoded
// while the database writes one). Runs on a thread of its own, beside the parser.
class Writer {
 public:
  Writer(db::Database& db, std::shared_ptr<const db::Table> table, size_t batch_items,
         FailedFn failed)
      : db_(db), table_(std::move(table)), batch_items_(batch_items), failed_(std::move(failed)) {}

  Status WriteRun(Run& run) {
    std::sort(run.records.begin(), run.records.end(),
              [&](const Run::Record& x, const Run::Record& y) {
                if (x.prefix != y.prefix) return x.prefix < y.prefix;
                int c = run.key(x).compare(run.key(y));
                return c != 0 ? c < 0 : x.seq < y.seq;
              });
    for (size_t i = 0; i < run.records.size(); ++i) {
      const Run::Record& r = run.records[i];
      if (i + 1 < run.records.size() && run.key(run.records[i + 1]) == run.key(r)) {
        ++superseded_;  // a later record of the same key replaces it
        continue;
      }
      Result<Item> item = db::DecodeItem(run.value(r));
      if (!item.ok()) return item.status();
      if (!current_) current_ = std::make_unique<Batch>();
      db::ItemWrite w;
      w.table = table_;
      w.key.assign(run.key(r));
      w.mutation = db::Mutation::Put(std::move(*item), r.item_size);
      current_->batch.writes.push_back(std::move(w));
      current_->origins.push_back(r.origin);
      if (current_->batch.writes.size() >= batch_items_) CIRRUS_RETURN_IF_ERROR(Send(1));
    }
    return Status();
  }
  // Sends what is left and waits for every batch.
  Status Drain() { return Send(0); }

  uint64_t written() const { return written_; }
  uint64_t superseded() const { return superseded_; }

 private:
  struct Batch {
    db::WriteBatch batch;
    std::vector<Origin> origins;
    std::promise<Status> done;
    std::future<Status> result = done.get_future();
  };

  // Sends the current batch, then waits until at most `keep` are in flight.
  Status Send(size_t keep) {
    if (current_ && !current_->batch.writes.empty()) {
      Batch* b = current_.get();
      db_.Write(&b->batch, [b](Status s) { b->done.set_value(std::move(s)); });
      in_flight_.push_back(std::move(current_));
    }
    current_.reset();
    while (in_flight_.size() > keep) CIRRUS_RETURN_IF_ERROR(Settle());
    return Status();
  }

  Status Settle() {
    std::unique_ptr<Batch> b = std::move(in_flight_.front());
    in_flight_.pop_front();
    Status s = b->result.get();
    if (s.ok()) {
      written_ += b->batch.writes.size();
      return Status();
    }
    if (s.kind() == ErrorKind::kInternal || s.kind() == ErrorKind::kResourceNotFound) return s;
    // Something only the writer checks (an LSI size rule, an item collection): one by one.
    for (size_t i = 0; i < b->batch.writes.size(); ++i) {
      db::WriteBatch single;
      single.writes.push_back(std::move(b->batch.writes[i]));
      Status one = db_.WriteSync(&single);
      if (one.ok()) {
        ++written_;
      } else if (one.kind() == ErrorKind::kInternal || one.kind() == ErrorKind::kResourceNotFound) {
        return one;
      } else {
        failed_(b->origins[i], one);
      }
    }
    return Status();
  }

  db::Database& db_;
  std::shared_ptr<const db::Table> table_;
  size_t batch_items_;
  FailedFn failed_;
  std::unique_ptr<Batch> current_;
  std::deque<std::unique_ptr<Batch>> in_flight_;
  uint64_t written_ = 0;
  uint64_t superseded_ = 0;
};

std::string DefaultErrorLog(const ImportOptions& options) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
  return (fs::path(options.data_dir) / ("import-errors-" + options.table + "-" + stamp + "-" +
                                        std::to_string(getpid()) + ".jsonl"))
      .string();
}

}  // namespace

Result<ImportSummary> Import(db::Database& db, const ImportOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  ImportSummary summary;
  std::string manifest_format;
  CIRRUS_ASSIGN_OR_RETURN(std::vector<Source> sources, ListSources(options.in, &manifest_format));
  std::optional<Compression> forced;
  if (options.compression == "gzip") forced = Compression::kGzip;
  if (options.compression == "zstd") forced = Compression::kZstd;
  if (options.compression == "none") forced = Compression::kNone;
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, TableFor(db, options));

  uint64_t total_bytes = 0;
  for (const Source& s : sources) total_bytes += fs::file_size(s.path);

  summary.error_log = options.error_log.empty() ? DefaultErrorLog(options) : options.error_log;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> log(nullptr, &std::fclose);
  Status log_status;
  std::mutex log_mu;  // the writer thread reports too
  auto skip = [&](const Source& source, uint64_t line, std::string_view message) {
    std::lock_guard lock(log_mu);
    ++summary.skipped;
    if (!log && log_status.ok()) {
      log.reset(std::fopen(summary.error_log.c_str(), "w"));
      if (!log) log_status = InternalError("cannot create the error log " + summary.error_log);
    }
    if (!log) return;
    std::string entry;
    wire::JsonWriter w(&entry);
    w.BeginObject();
    w.Key("file");
    w.String(source.display);
    w.Key("line");
    w.Int(static_cast<int64_t>(line));
    w.Key("error");
    w.String(message);
    w.EndObject();
    entry.push_back('\n');
    std::fwrite(entry.data(), 1, entry.size(), log.get());
  };
  auto failed = [&](const Origin& o, const Status& s) { skip(*o.source, o.line, s.message()); };

  // The parser fills a run while a thread writes the previous one.
  Writer writer(db, table, options.batch_items, failed);
  auto run = std::make_unique<Run>();
  std::unique_ptr<Run> writing;
  std::future<Status> written;
  auto hand_over = [&]() -> Status {
    Status previous = written.valid() ? written.get() : Status();
    writing = std::move(run);
    run = std::make_unique<Run>();
    if (!previous.ok()) return previous;
    written = std::async(std::launch::async,
                         [&writer, r = writing.get()] { return writer.WriteRun(*r); });
    return Status();
  };
  Progress progress("importing", options.progress);
  uint64_t bytes_before = 0;
  Status fatal;
  for (const Source& source : sources) {
    Format format;
    if (!options.format.empty()) {
      CIRRUS_ASSIGN_OR_RETURN(format, ParseFormat(options.format));
    } else if (!manifest_format.empty()) {
      CIRRUS_ASSIGN_OR_RETURN(format, ParseFormat(manifest_format));
    } else {
      std::string name = fs::path(source.path).filename().string();
      format = name.find(".ion") != std::string::npos   ? Format::kIon
               : name.find(".csv") != std::string::npos ? Format::kCsv
                                                        : Format::kJson;
    }
    Compression compression;
    if (forced) {
      compression = *forced;
    } else {
      CIRRUS_ASSIGN_OR_RETURN(compression, DetectCompression(source.path));
    }
    CIRRUS_ASSIGN_OR_RETURN(std::unique_ptr<LineReader> reader,
                            LineReader::Open(source.path, compression));
    RecordParser parser(format, *table, options);
    ++summary.files;
    uint64_t file_records = 0;
    std::string record;
    std::string_view line;
    for (;;) {
      Result<bool> more = reader->Next(&line);
      if (!more.ok()) {
        fatal = more.status();
        break;
      }
      if (!*more) break;
      uint64_t line_number = reader->line_number();
      if (line_number == 1 && line.substr(0, 3) == "\xEF\xBB\xBF")
        line.remove_prefix(3);  // a UTF-8 BOM
      std::string_view text = line;
      if (parser.NeedsMore(line)) {  // a quoted CSV field holds line breaks
        record.assign(line);
        while (parser.NeedsMore(record)) {
          Result<bool> next = reader->Next(&line);
          if (!next.ok() || !*next) break;
          record.push_back('\n');
          record.append(line);
        }
        text = record;
      }
      if (text.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
      Status header_error;
      if (parser.TakeHeader(text, &header_error)) {
        if (!header_error.ok()) {
          fatal = ValidationError(source.display + " line " + std::to_string(line_number) + ": " +
                                  header_error.message());
          break;
        }
        continue;
      }
      ++summary.records;
      ++file_records;
      Result<Item> item = parser.Parse(text);
      std::string key;
      Status problem = item.status();
      size_t size = 0;
      if (problem.ok()) problem = table->codec().EncodeKeyOf(*item, &key);
      if (problem.ok()) {
        size = ItemSize(*item);
        if (size > kMaxItemSize)
          problem = ValidationError("Item size has exceeded the maximum allowed size");
      }
      for (const auto& index : table->indexes()) {
        if (problem.ok() && index->maintained()) problem = index->Validate(*item);
      }
      if (!problem.ok()) {
        skip(source, line_number, problem.message());
        continue;
      }
      run->Add(key, *item, size, Origin{&source, line_number});
      if (run->bytes.size() >= options.run_bytes) {
        if (Status s = hand_over(); !s.ok()) {
          fatal = s;
          break;
        }
      }
      if ((summary.records & 4095) == 0) {
        progress.Update(summary.records, bytes_before + reader->compressed_bytes_read(),
                        total_bytes);
      }
    }
    if (fatal.ok() && source.item_count && *source.item_count != file_records) {
      fatal = ValidationError(source.display + ": the manifest lists " +
                              std::to_string(*source.item_count) + " items, the file holds " +
                              std::to_string(file_records));
    }
    bytes_before += fs::file_size(source.path);
    if (!fatal.ok()) break;
  }
  // What was read before a fatal error is still written: nothing imported is lost.
  Status last = hand_over();
  if (last.ok()) last = written.get();
  if (last.ok()) last = writer.Drain();
  if (fatal.ok()) fatal = last;
  progress.Finish();
  summary.imported = writer.written() + writer.superseded();
  summary.bytes = bytes_before;
  summary.seconds = SecondsSince(start);
  if (log) log.reset();
  if (!fatal.ok()) {
    summary.error = Status(fatal.kind(), fatal.message() + " (" + std::to_string(summary.imported) +
                                             " items were imported before it)");
  } else if (!log_status.ok()) {
    summary.error = log_status;
  }
  return summary;
}

}  // namespace cirrus::tools
