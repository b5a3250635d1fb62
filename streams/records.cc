#include "streams/records.h"

#include <cstdio>

#include <xxhash.h>

#include "server/wire/base64.h"
#include "server/wire/item_json.h"

namespace cirrus::streams {

std::string_view ViewTypeName(db::StreamViewType type) {
  switch (type) {
    case db::StreamViewType::kKeysOnly: return "KEYS_ONLY";
    case db::StreamViewType::kNewImage: return "NEW_IMAGE";
    case db::StreamViewType::kOldImage: return "OLD_IMAGE";
    case db::StreamViewType::kNewAndOldImages: return "NEW_AND_OLD_IMAGES";
  }
  return "NEW_AND_OLD_IMAGES";
}

std::optional<db::StreamViewType> ParseViewType(std::string_view name) {
  for (auto t : {db::StreamViewType::kKeysOnly, db::StreamViewType::kNewImage,
                 db::StreamViewType::kOldImage, db::StreamViewType::kNewAndOldImages}) {
    if (ViewTypeName(t) == name) return t;
  }
  return std::nullopt;
}

std::string StreamArn(std::string_view region, std::string_view account, std::string_view table,
                      std::string_view label) {
  return "arn:aws:dynamodb:" + std::string(region) + ":" + std::string(account) + ":table/" +
         std::string(table) + "/stream/" + std::string(label);
}

std::optional<std::pair<std::string, std::string>> ParseStreamArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:dynamodb:";
  if (arn.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  size_t table = arn.find(":table/");
  size_t stream = arn.rfind("/stream/");
  if (table == std::string_view::npos || stream == std::string_view::npos || stream <= table + 7) {
    return std::nullopt;
  }
  std::string name(arn.substr(table + 7, stream - table - 7));
  std::string label(arn.substr(stream + 8));
  if (name.empty() || label.empty()) return std::nullopt;
  return std::make_pair(std::move(name), std::move(label));
}

std::string SequenceNumberText(uint64_t sequence) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "1%020llu", static_cast<unsigned long long>(sequence));
  return buf;
}

std::optional<uint64_t> ParseSequenceNumber(std::string_view text) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  // Ours are 21 digits: "1" and the number. Shorter ones sort before all of ours, longer or
  // larger ones after.
  if (text.size() < 21 || text[0] == '0') return 0;
  if (text.size() > 21 || text[0] > '1') return UINT64_MAX;
  uint64_t v = 0;
  for (char c : text.substr(1)) {
    if (v > (UINT64_MAX - 9) / 10) return UINT64_MAX;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string ShardIdText(const db::StreamDefinition& stream, uint32_t shard) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "shardId-%020lld-%08x",
                static_cast<long long>(stream.created_us / 1000), shard);
  return buf;
}

std::optional<uint32_t> ParseShardId(const db::StreamDefinition& stream, std::string_view shard_id) {
  for (uint32_t shard = 0; shard < stream.shard_count; ++shard) {
    if (ShardIdText(stream, shard) == shard_id) return shard;
  }
  return std::nullopt;
}

namespace {

std::string_view EventName(db::ChangeKind kind) {
  switch (kind) {
    case db::ChangeKind::kInsert: return "INSERT";
    case db::ChangeKind::kModify: return "MODIFY";
    case db::ChangeKind::kRemove: return "REMOVE";
  }
  return "MODIFY";
}

// 32 hex digits, unique per record: a mix of stream id and sequence number (splitmix64).
std::string EventId(uint32_t stream_id, uint64_t sequence) {
  auto mix = [](uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx",
                static_cast<unsigned long long>(mix(stream_id) ^ sequence),
                static_cast<unsigned long long>(mix(sequence ^ (uint64_t{stream_id} << 40))));
  return buf;
}

}  // namespace

void WriteRecord(const db::StreamDefinition& stream, const db::StreamRecord& record,
                 std::string_view region, std::string_view event_source_arn, wire::JsonWriter& w) {
  w.BeginObject();
  w.Key("eventID");
  w.String(EventId(stream.stream_id, record.sequence));
  w.Key("eventName");
  w.String(EventName(record.kind));
  w.Key("eventVersion");
  w.String("1.1");
  w.Key("eventSource");
  w.String("aws:dynamodb");
  w.Key("awsRegion");
  w.String(region);
  w.Key("dynamodb");
  w.BeginObject();
  w.Key("ApproximateCreationDateTime");
  w.Int(record.time_us / 1000000);
  w.Key("Keys");
  wire::WriteItem(record.keys, w);
  if (record.new_image) {
    w.Key("NewImage");
    wire::WriteItem(*record.new_image, w);
  }
  if (record.old_image) {
    w.Key("OldImage");
    wire::WriteItem(*record.old_image, w);
  }
  w.Key("SequenceNumber");
  w.String(SequenceNumberText(record.sequence));
  w.Key("SizeBytes");
  w.Int(static_cast<int64_t>(std::max<size_t>(record.size_bytes, 1)));
  w.Key("StreamViewType");
  w.String(ViewTypeName(stream.view_type));
  w.EndObject();
  if (!event_source_arn.empty()) {
    w.Key("eventSourceARN");
    w.String(event_source_arn);
  }
  if (record.expired) {  // a time-to-live deletion, as DynamoDB marks it
    const bool lambda_event = !event_source_arn.empty();
    w.Key("userIdentity");
    w.BeginObject();
    w.Key(lambda_event ? "type" : "Type");
    w.String("Service");
    w.Key(lambda_event ? "principalId" : "PrincipalId");
    w.String("dynamodb.amazonaws.com");
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace cirrus::streams

namespace cirrus::streams {
namespace {

void PutU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
uint64_t GetU64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(in[i]);
  return v;
}

// Catches altered or truncated iterators; not a secret (iterators are no security boundary).
uint64_t Checksum(std::string_view arn, std::string_view payload) {
  std::string all(arn);
  all += '|';
  all += payload;
  return XXH64(all.data(), all.size(), 0x5eed5eedull);
}

}  // namespace

std::string EncodeIterator(std::string_view stream_arn, const ShardIterator& it) {
  std::string payload;
  PutU64(uint64_t{it.stream_id} << 32 | it.shard, &payload);
  PutU64(it.position, &payload);
  PutU64(static_cast<uint64_t>(it.issued_ms), &payload);
  PutU64(Checksum(stream_arn, payload.substr(0, 24)), &payload);
  std::string out(stream_arn);
  out += "|1|";
  wire::AppendBase64(payload, &out);
  return out;
}

std::optional<ShardIterator> DecodeIterator(std::string_view text) {
  size_t bar = text.rfind("|1|");
  if (bar == std::string_view::npos) return std::nullopt;
  std::string payload;
  if (!wire::DecodeBase64(text.substr(bar + 3), &payload) || payload.size() != 32) return std::nullopt;
  if (Checksum(text.substr(0, bar), std::string_view(payload).substr(0, 24)) !=
      GetU64(std::string_view(payload).substr(24))) {
    return std::nullopt;
  }
  ShardIterator it;
  uint64_t ids = GetU64(payload);
  it.stream_id = static_cast<uint32_t>(ids >> 32);
  it.shard = static_cast<uint32_t>(ids);
  it.position = GetU64(std::string_view(payload).substr(8));
  it.issued_ms = static_cast<int64_t>(GetU64(std::string_view(payload).substr(16)));
  return it;
}

}  // namespace cirrus::streams
