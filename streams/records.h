#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/catalog.h"
#include "db/stream.h"
#include "server/wire/json_writer.h"

namespace cirrus::streams {

// How stream records, streams and shards look on the wire (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html), for
// the DynamoDB Streams API and for Lambda events alike.

// "NEW_AND_OLD_IMAGES", ...; and back (nullopt when not a view type).
std::string_view ViewTypeName(db::StreamViewType type);
std::optional<db::StreamViewType> ParseViewType(std::string_view name);

// arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL
std::string StreamArn(std::string_view region, std::string_view account, std::string_view table,
                      std::string_view label);
// The table name and label of a stream ARN; nullopt when it is not one.
std::optional<std::pair<std::string, std::string>> ParseStreamArn(std::string_view arn);

// A sequence number as DynamoDB spells one: 21 decimal digits ("1" and the number, zero-
// padded), so that it compares the same as text and as a big integer.
std::string SequenceNumberText(uint64_t sequence);
// nullopt unless `text` is 1..40 digits; numbers not of our form map onto the same order.
std::optional<uint64_t> ParseSequenceNumber(std::string_view text);

// "shardId-" + the stream's creation time in ms (20 digits) + "-" + shard index (8 hex).
std::string ShardIdText(const db::StreamDefinition& stream, uint32_t shard);
// The shard index named by `shard_id` in `stream`; nullopt when it names no shard of it.
std::optional<uint32_t> ParseShardId(const db::StreamDefinition& stream, std::string_view shard_id);

// One record as GetRecords returns it; with `event_source_arn`, as a Lambda event carries it
// (which also spells a TTL deletion's userIdentity members in lower case: "type",
// "principalId", where GetRecords has "Type", "PrincipalId").
void WriteRecord(const db::StreamDefinition& stream, const db::StreamRecord& record,
                 std::string_view region, std::string_view event_source_arn, wire::JsonWriter& w);

}  // namespace cirrus::streams

namespace cirrus::streams {

// A position in a shard, as GetShardIterator hands it out and GetRecords advances it.
struct ShardIterator {
  uint32_t stream_id = 0;
  uint32_t shard = 0;
  uint64_t position = 0;  // the sequence number of the next record to read (or a later one)
  int64_t issued_ms = 0;  // iterators expire 15 minutes after issue
};
constexpr int64_t kIteratorLifetimeMs = 15 * 60 * 1000;
inline bool IteratorExpired(const ShardIterator& it, int64_t now_ms) {
  return now_ms - it.issued_ms > kIteratorLifetimeMs;
}

// Opaque text, as AWS's: "<stream arn>|1|<base64 payload and checksum>".
std::string EncodeIterator(std::string_view stream_arn, const ShardIterator& it);
// nullopt when `text` is not an iterator this server issued (or was altered).
std::optional<ShardIterator> DecodeIterator(std::string_view text);

}  // namespace cirrus::streams
