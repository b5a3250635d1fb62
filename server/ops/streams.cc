// The DynamoDB Streams API (DynamoDBStreams_20120810.*): ListStreams, DescribeStream,
// GetShardIterator, GetRecords over the records db/ captures with each write.
#include <chrono>

#include "server/ops/common.h"
#include "server/ops/indexes.h"
#include "server/ops/ops.h"
#include "streams/records.h"

namespace cirrus::server {
namespace {

constexpr size_t kMaxRecordBytes = 1 << 20;  // GetRecords returns at most 1 MB

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ArnOf(const ServerConfig& config, const db::StreamDefinition& s) {
  return streams::StreamArn(config.region, config.account_id, s.table_name, s.label);
}

Status StreamNotFound(std::string_view arn) {
  return Status(ErrorKind::kResourceNotFound,
                "Requested resource not found: Stream: " + std::string(arn) + " not found");
}

// The stream an ARN names.
// A StreamArn that is no stream ARN at all: ValidationException (conformance fact S1; the
// service's exact text is not known). A well-formed one naming no stream is not found.
Status InvalidStreamArn(std::string_view arn) {
  return ValidationError("Invalid StreamArn: " + std::string(arn));
}

// Only this region's and account's ARN names one: another account's stream is not found.
Result<db::StreamDefinition> FindStream(const ServerConfig& config, db::ReadView& view, std::string_view arn) {
  std::optional<std::pair<std::string, std::string>> parts = streams::ParseStreamArn(arn);
  if (!parts) return InvalidStreamArn(arn);
  CIRRUS_ASSIGN_OR_RETURN(std::vector<db::StreamDefinition> all, view.Streams());
  for (db::StreamDefinition& s : all) {
    if (s.table_name == parts->first && s.label == parts->second && ArnOf(config, s) == arn) return std::move(s);
  }
  return StreamNotFound(arn);
}

// Where a shard's records start: its first record, or where the next one will be.
uint64_t FirstPosition(const db::StreamDefinition& s, uint32_t shard, std::pair<uint64_t, uint64_t> bounds) {
  if (bounds.first) return bounds.first;
  return std::max(s.start_sequence, s.TrimmedThrough(shard) + 1);
}

Result<std::string> RunListStreams(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> table = r.String("TableName");
  r.Name("TableName", table);
  std::optional<int64_t> limit = r.Long("Limit");
  r.Minimum("Limit", limit, 1);
  r.Maximum("Limit", limit, 100);
  std::optional<std::string_view> start = r.String("ExclusiveStartStreamArn");
  r.Length("ExclusiveStartStreamArn", start, 37, 1024);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  if (start && !streams::ParseStreamArn(*start)) return InvalidStreamArn(*start);
  const bool table_exists = table && ctx.db->FindTable(*table);
  std::vector<db::StreamDefinition> all;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
    CIRRUS_ASSIGN_OR_RETURN(all, view.Streams());
  }
  std::vector<const db::StreamDefinition*> listed;
  for (const db::StreamDefinition& s : all) {
    if (!table || s.table_name == *table) listed.push_back(&s);
  }
  if (table && listed.empty() && !table_exists) return TableNotFound(*table);
  size_t i = 0;
  if (start) {  // after that stream; a stream since forgotten ends the listing
    while (i < listed.size() && ArnOf(*ctx.config, *listed[i]) != *start) ++i;
    i = std::min(i + 1, listed.size());
  }
  const size_t max = static_cast<size_t>(limit.value_or(100));
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("Streams");
  w.BeginArray();
  size_t n = 0;
  for (; i < listed.size() && n < max; ++i, ++n) {
    w.BeginObject();
    w.Key("StreamArn");
    w.String(ArnOf(*ctx.config, *listed[i]));
    w.Key("TableName");
    w.String(listed[i]->table_name);
    w.Key("StreamLabel");
    w.String(listed[i]->label);
    w.EndObject();
  }
  w.EndArray();
  if (i < listed.size()) {
    w.Key("LastEvaluatedStreamArn");
    w.String(ArnOf(*ctx.config, *listed[i - 1]));
  }
  w.EndObject();
  return body;
}

Result<std::string> RunDescribeStream(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> arn = r.String("StreamArn");
  r.Required("StreamArn", arn.has_value());
  r.Length("StreamArn", arn, 37, 1024);
  std::optional<int64_t> limit = r.Long("Limit");
  r.Minimum("Limit", limit, 1);
  r.Maximum("Limit", limit, 100);
  std::optional<std::string_view> start = r.String("ExclusiveStartShardId");
  r.Length("ExclusiveStartShardId", start, 28, 65);
  std::optional<wire::JsonValue> filter = r.Object("ShardFilter");
  if (filter) {  // validated as the model says (conformance fact S2)
    RequestReader f = r.Nested(*filter, "shardFilter");
    std::optional<std::string_view> type = f.String("Type");
    f.Required("Type", type.has_value());
    f.Enum("Type", type, {"CHILD_SHARDS"});
    std::optional<std::string_view> parent = f.String("ShardId");
    f.Required("ShardId", parent.has_value());
    f.Length("ShardId", parent, 28, 65);
  }
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
  CIRRUS_ASSIGN_OR_RETURN(db::StreamDefinition s, FindStream(*ctx.config, view, *arn));

  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("StreamDescription");
  w.BeginObject();
  w.Key("StreamArn");
  w.String(ArnOf(*ctx.config, s));
  w.Key("StreamLabel");
  w.String(s.label);
  w.Key("StreamStatus");
  w.String(s.closed_us ? "DISABLED" : "ENABLED");
  w.Key("StreamViewType");
  w.String(streams::ViewTypeName(s.view_type));
  w.Key("CreationRequestDateTime");
  w.Double(static_cast<double>(s.created_us / 1000) / 1000.0);
  w.Key("TableName");
  w.String(s.table_name);
  w.Key("KeySchema");
  WriteKeySchema(s.key_schema, w);
  w.Key("Shards");
  w.BeginArray();
  uint32_t shard = 0;
  if (start) {
    std::optional<uint32_t> after = streams::ParseShardId(s, *start);
    shard = after ? *after + 1 : s.shard_count;
  }
  // A local stream never splits its shards, so no shard has children.
  if (filter) shard = s.shard_count;
  const uint32_t max = static_cast<uint32_t>(limit.value_or(100));
  uint32_t n = 0;
  for (; shard < s.shard_count && n < max; ++shard, ++n) {
    CIRRUS_ASSIGN_OR_RETURN(auto bounds, view.ShardBounds(s.stream_id, shard));
    uint64_t first = FirstPosition(s, shard, bounds);
    w.BeginObject();
    w.Key("ShardId");
    w.String(streams::ShardIdText(s, shard));
    w.Key("SequenceNumberRange");
    w.BeginObject();
    w.Key("StartingSequenceNumber");
    w.String(streams::SequenceNumberText(first));
    if (s.closed_us) {
      w.Key("EndingSequenceNumber");
      w.String(streams::SequenceNumberText(bounds.second ? bounds.second : first));
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  if (shard < s.shard_count && n > 0) {
    w.Key("LastEvaluatedShardId");
    w.String(streams::ShardIdText(s, shard - 1));
  }
  w.EndObject();
  w.EndObject();
  return body;
}

Status Trimmed() {
  return Status(ErrorKind::kTrimmedDataAccess,
                "The operation attempted to read past the oldest stream record in a shard.");
}

Result<std::string> RunGetShardIterator(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> arn = r.String("StreamArn");
  r.Required("StreamArn", arn.has_value());
  r.Length("StreamArn", arn, 37, 1024);
  std::optional<std::string_view> shard_id = r.String("ShardId");
  r.Required("ShardId", shard_id.has_value());
  r.Length("ShardId", shard_id, 28, 65);
  std::optional<std::string_view> type = r.String("ShardIteratorType");
  r.Required("ShardIteratorType", type.has_value());
  r.Enum("ShardIteratorType", type, {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"});
  std::optional<std::string_view> sequence = r.String("SequenceNumber");
  r.Length("SequenceNumber", sequence, 21, 40);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  const bool at = *type == "AT_SEQUENCE_NUMBER", after = *type == "AFTER_SEQUENCE_NUMBER";
  std::optional<uint64_t> number;
  if (at || after) {
    if (!sequence) {
      return ValidationError("Must specify a SequenceNumber for ShardIteratorType " + std::string(*type));
    }
    number = streams::ParseSequenceNumber(*sequence);
    if (!number) return ValidationError("Invalid SequenceNumber: " + std::string(*sequence));
  } else if (sequence) {
    return ValidationError("SequenceNumber must not be specified for ShardIteratorType " + std::string(*type));
  }
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
  CIRRUS_ASSIGN_OR_RETURN(db::StreamDefinition s, FindStream(*ctx.config, view, *arn));
  std::optional<uint32_t> shard = streams::ParseShardId(s, *shard_id);
  if (!shard) {
    return Status(ErrorKind::kResourceNotFound,
                  "Requested resource not found: Shard does not exist");
  }
  CIRRUS_ASSIGN_OR_RETURN(auto bounds, view.ShardBounds(s.stream_id, *shard));
  streams::ShardIterator it;
  it.stream_id = s.stream_id;
  it.shard = *shard;
  it.issued_ms = NowMs();
  if (*type == "TRIM_HORIZON") {
    it.position = FirstPosition(s, *shard, bounds);
  } else if (*type == "LATEST") {  // after the last record committed anywhere
    CIRRUS_ASSIGN_OR_RETURN(uint64_t last, view.LastSequence());
    it.position = std::max(last + 1, FirstPosition(s, *shard, bounds));
  } else {
    if (*number <= s.TrimmedThrough(*shard)) return Trimmed();
    it.position = after ? (*number == UINT64_MAX ? *number : *number + 1) : *number;
  }
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("ShardIterator");
  w.String(streams::EncodeIterator(ArnOf(*ctx.config, s), it));
  w.EndObject();
  return body;
}

Result<std::string> RunGetRecords(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> text = r.String("ShardIterator");
  r.Required("ShardIterator", text.has_value());
  r.Length("ShardIterator", text, 1, 2048);
  std::optional<int64_t> limit = r.Long("Limit");
  r.Minimum("Limit", limit, 1);
  r.Maximum("Limit", limit, 1000);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  std::optional<streams::ShardIterator> it = streams::DecodeIterator(*text);
  if (!it) return ValidationError("Invalid ShardIterator");
  const int64_t now = NowMs();
  if (streams::IteratorExpired(*it, now)) {
    return Status(ErrorKind::kExpiredIterator,
                  "Iterator expired. The iterator was created at time " + std::to_string(it->issued_ms) +
                      " while right now it is " + std::to_string(now) +
                      ". The iterator is valid for 15 minutes.");
  }
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, ctx.db->Read());
  CIRRUS_ASSIGN_OR_RETURN(std::optional<db::StreamDefinition> s, view.FindStream(it->stream_id));
  const std::string_view arn = text->substr(0, text->rfind("|1|"));
  // The iterator names its stream by ARN too: another account's iterator is not this
  // account's stream of the same number.
  if (!s || it->shard >= s->shard_count || ArnOf(*ctx.config, *s) != arn) return StreamNotFound(arn);
  if (it->position <= s->TrimmedThrough(it->shard)) return Trimmed();
  std::vector<db::StreamRecord> records;
  CIRRUS_RETURN_IF_ERROR(view.ReadStream(s->stream_id, it->shard, it->position,
                                         static_cast<size_t>(limit.value_or(1000)), kMaxRecordBytes, &records));
  // Each GetRecords call is one streams read request unit (https://aws.amazon.com/dynamodb/pricing/).
  if (ctx.meter) ctx.meter->AddStreamRead(s->table_name);
  streams::ShardIterator next = *it;
  next.issued_ms = now;
  if (!records.empty()) {
    next.position = records.back().sequence + 1;
  } else {
    // Nothing up to the last record committed anywhere: later records of this shard come
    // after it, so an idle shard's iterator keeps up and never falls below the trim point.
    CIRRUS_ASSIGN_OR_RETURN(uint64_t last, view.LastSequence());
    next.position = std::max(next.position, last + 1);
  }
  bool finished = false;  // a closed shard read to its end has no next iterator
  if (s->closed_us) {
    CIRRUS_ASSIGN_OR_RETURN(auto bounds, view.ShardBounds(s->stream_id, it->shard));
    finished = next.position > bounds.second;
  }
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("Records");
  w.BeginArray();
  for (const db::StreamRecord& record : records) {
    streams::WriteRecord(*s, record, ctx.config->region, "", w);
  }
  w.EndArray();
  if (!finished) {
    w.Key("NextShardIterator");
    w.String(streams::EncodeIterator(ArnOf(*ctx.config, *s), next));
  }
  w.EndObject();
  return body;
}

}  // namespace

void ListStreams(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunListStreams(ctx, request));
}
void DescribeStream(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunDescribeStream(ctx, request));
}
void GetShardIterator(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunGetShardIterator(ctx, request));
}
void GetRecords(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(RunGetRecords(ctx, request));
}

Operation FindStreamsOperation(std::string_view name) {
  if (name == "ListStreams") return &ListStreams;
  if (name == "DescribeStream") return &DescribeStream;
  if (name == "GetShardIterator") return &GetShardIterator;
  if (name == "GetRecords") return &GetRecords;
  return nullptr;
}

}  // namespace cirrus::server
