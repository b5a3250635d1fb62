#include "streams/mappings.h"

#include <cstdio>
#include <random>

#include "server/wire/json.h"
#include "server/wire/json_writer.h"
#include "streams/filter.h"
#include "streams/invoker.h"

namespace cirrus::streams {

Status ValidateMapping(const MappingConfig& c) {
  auto range = [](std::string_view member, int64_t v, int64_t min, int64_t max) -> Status {
    if (v < min || v > max) {
      return ValidationError("Value " + std::to_string(v) + " at '" + std::string(member) +
                             "' failed to satisfy constraint: Member must have value between " +
                             std::to_string(min) + " and " + std::to_string(max));
    }
    return Status();
  };
  if (c.starting_position != "TRIM_HORIZON" && c.starting_position != "LATEST") {
    return ValidationError("StartingPosition must be TRIM_HORIZON or LATEST for a DynamoDB stream");
  }
  CIRRUS_RETURN_IF_ERROR(range("batchSize", c.batch_size, 1, 10000));
  CIRRUS_RETURN_IF_ERROR(
      range("maximumBatchingWindowInSeconds", c.maximum_batching_window_seconds, 0, 300));
  CIRRUS_RETURN_IF_ERROR(range("maximumRetryAttempts", c.maximum_retry_attempts, -1, 10000));
  CIRRUS_RETURN_IF_ERROR(
      range("maximumRecordAgeInSeconds", c.maximum_record_age_seconds, -1, 604800));
  CIRRUS_RETURN_IF_ERROR(range("parallelizationFactor", c.parallelization_factor, 1, 10));
  const std::string& d = c.on_failure_destination;
  if (!d.empty()) {
    if (d.rfind("file:///", 0) == 0) {
      if (d.size() <= 8)
        return ValidationError("The OnFailure destination file:/// needs a directory");
    } else if (d.rfind("http://", 0) == 0) {
      CIRRUS_RETURN_IF_ERROR(ValidateUrl(d));
    } else {
      return ValidationError(
          "The OnFailure destination must be file:///absolute/dir or an http:// URL, not " + d);
    }
  }
  Result<FilterSet> filters = FilterSet::Parse(c.filter_patterns);
  if (!filters.ok()) return ValidationError(filters.status().message());
  return Status();
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t hi = rng(), lo = rng();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFF),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3FFF)),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

std::string CheckpointKey(std::string_view uuid, uint32_t shard) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", shard);
  return std::string(kCheckpointPrefix) + std::string(uuid) + "/" + buf;
}

std::string EncodeMapping(const MappingConfig& c) {
  std::string out;
  wire::JsonWriter w(&out);
  w.BeginObject();
  w.Key("UUID");
  w.String(c.uuid);
  w.Key("FunctionName");
  w.String(c.function_name);
  w.Key("EventSourceArn");
  w.String(c.event_source_arn);
  w.Key("StartingPosition");
  w.String(c.starting_position);
  w.Key("BatchSize");
  w.Int(c.batch_size);
  w.Key("MaximumBatchingWindowInSeconds");
  w.Int(c.maximum_batching_window_seconds);
  w.Key("MaximumRetryAttempts");
  w.Int(c.maximum_retry_attempts);
  w.Key("MaximumRecordAgeInSeconds");
  w.Int(c.maximum_record_age_seconds);
  w.Key("BisectBatchOnFunctionError");
  w.Bool(c.bisect_batch_on_function_error);
  w.Key("ParallelizationFactor");
  w.Int(c.parallelization_factor);
  w.Key("DestinationConfig");
  w.BeginObject();
  if (!c.on_failure_destination.empty()) {
    w.Key("OnFailure");
    w.BeginObject();
    w.Key("Destination");
    w.String(c.on_failure_destination);
    w.EndObject();
  }
  w.EndObject();
  if (!c.filter_patterns.empty()) {
    w.Key("FilterCriteria");
    w.BeginObject();
    w.Key("Filters");
    w.BeginArray();
    for (const std::string& p : c.filter_patterns) {
      w.BeginObject();
      w.Key("Pattern");
      w.String(p);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.Key("FunctionResponseTypes");
  w.BeginArray();
  if (c.report_batch_item_failures) w.String("ReportBatchItemFailures");
  w.EndArray();
  w.Key("Enabled");
  w.Bool(c.enabled);
  w.Key("LastModifiedMs");
  w.Int(c.last_modified_ms);
  w.EndObject();
  return out;
}

Result<MappingConfig> DecodeMapping(std::string_view stored) {
  thread_local wire::JsonParser parser;
  std::string buffer(stored);
  buffer.reserve(buffer.size() + wire::JsonParser::kPadding);
  Result<wire::JsonValue> v = parser.Parse(&buffer);
  if (!v.ok() || !v->is(wire::JsonValue::Type::kObject)) {
    return InternalError("a stored mapping is not a JSON object");
  }
  using Type = wire::JsonValue::Type;
  MappingConfig c;
  auto text = [&](std::string_view key, std::string* out) {
    if (auto x = v->Find(key); x && x->is(Type::kString)) *out = std::string(x->string());
  };
  auto integer = [&](std::string_view key, int64_t* out) {
    if (auto x = v->Find(key); x && x->is_integer()) *out = x->integer();
  };
  auto boolean = [&](std::string_view key, bool* out) {
    if (auto x = v->Find(key); x && x->is(Type::kBool)) *out = x->boolean();
  };
  text("UUID", &c.uuid);
  text("FunctionName", &c.function_name);
  text("EventSourceArn", &c.event_source_arn);
  text("StartingPosition", &c.starting_position);
  integer("BatchSize", &c.batch_size);
  integer("MaximumBatchingWindowInSeconds", &c.maximum_batching_window_seconds);
  integer("MaximumRetryAttempts", &c.maximum_retry_attempts);
  integer("MaximumRecordAgeInSeconds", &c.maximum_record_age_seconds);
  boolean("BisectBatchOnFunctionError", &c.bisect_batch_on_function_error);
  integer("ParallelizationFactor", &c.parallelization_factor);
  boolean("Enabled", &c.enabled);
  integer("LastModifiedMs", &c.last_modified_ms);
  if (auto d = v->Find("DestinationConfig")) {
    if (auto f = d->Find("OnFailure")) {
      if (auto dest = f->Find("Destination"); dest && dest->is(Type::kString)) {
        c.on_failure_destination = std::string(dest->string());
      }
    }
  }
  if (auto f = v->Find("FilterCriteria")) {
    if (auto filters = f->Find("Filters")) {
      for (const wire::JsonValue& filter : filters->elements()) {
        if (auto p = filter.Find("Pattern"); p && p->is(Type::kString))
          c.filter_patterns.emplace_back(p->string());
      }
    }
  }
  if (auto types = v->Find("FunctionResponseTypes")) {
    for (const wire::JsonValue& t : types->elements()) {
      if (t.is(Type::kString) && t.string() == "ReportBatchItemFailures")
        c.report_batch_item_failures = true;
    }
  }
  if (c.uuid.empty() || c.function_name.empty() || c.event_source_arn.empty()) {
    return InternalError("a stored mapping lacks its UUID, function or stream");
  }
  return c;
}

}  // namespace cirrus::streams
