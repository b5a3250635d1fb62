#include "streams/records.h"

#include <gtest/gtest.h>

namespace cirrus::streams {
namespace {

TEST(Records, SequenceNumbersCompareAsTextAndAsNumbers) {
  EXPECT_EQ(SequenceNumberText(0), "100000000000000000000");
  EXPECT_EQ(SequenceNumberText(123), "100000000000000000123");
  EXPECT_EQ(SequenceNumberText(123).size(), 21u);
  EXPECT_LT(SequenceNumberText(99), SequenceNumberText(100));
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{987654321}, uint64_t{1} << 60}) {
    EXPECT_EQ(ParseSequenceNumber(SequenceNumberText(v)), v);
  }
  EXPECT_EQ(ParseSequenceNumber("12"), 0u);  // shorter: before all of ours
  EXPECT_EQ(ParseSequenceNumber("300000000000000499659"), UINT64_MAX);  // AWS's: after
  EXPECT_FALSE(ParseSequenceNumber("12a"));
  EXPECT_FALSE(ParseSequenceNumber(""));
  EXPECT_FALSE(ParseSequenceNumber(std::string(41, '1')));
}

TEST(Records, ArnsAndShardIds) {
  std::string arn = StreamArn("us-east-1", "123456789012", "Orders", "2026-12-01T00:00:00.000");
  EXPECT_EQ(arn, "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-12-01T00:00:00.000");
  auto parts = ParseStreamArn(arn);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->first, "Orders");
  EXPECT_EQ(parts->second, "2026-12-01T00:00:00.000");
  EXPECT_FALSE(ParseStreamArn("arn:aws:dynamodb:us-east-1:1:table/Orders"));
  EXPECT_FALSE(ParseStreamArn("nonsense"));

  db::StreamDefinition s;
  s.stream_id = 3;
  s.created_us = 1764547200123000;
  s.shard_count = 4;
  std::string id = ShardIdText(s, 2);
  EXPECT_EQ(id, "shardId-00000001764547200123-00000002");
  EXPECT_GE(id.size(), 28u);
  EXPECT_LE(id.size(), 65u);
  EXPECT_EQ(ParseShardId(s, id), 2u);
  EXPECT_FALSE(ParseShardId(s, ShardIdText(s, 4)));
  db::StreamDefinition other = s;
  other.created_us += 1000;
  EXPECT_FALSE(ParseShardId(other, id));
}

TEST(Records, IteratorsRoundTripAndRejectTampering) {
  ShardIterator it{7, 3, 123456, 1764547200123};
  std::string arn = "arn:aws:dynamodb:us-east-1:1:table/T/stream/L";
  std::string text = EncodeIterator(arn, it);
  EXPECT_EQ(text.substr(0, arn.size() + 3), arn + "|1|");
  EXPECT_LE(text.size(), 2048u);
  auto back = DecodeIterator(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->stream_id, 7u);
  EXPECT_EQ(back->shard, 3u);
  EXPECT_EQ(back->position, 123456u);
  EXPECT_EQ(back->issued_ms, 1764547200123);
  std::string altered = text;
  altered[arn.size() + 5] = altered[arn.size() + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(DecodeIterator(altered));
  EXPECT_FALSE(DecodeIterator("arn:aws:dynamodb:us-east-1:1:table/X/stream/L" + text.substr(arn.size())));
  EXPECT_FALSE(DecodeIterator("garbage"));
  // Valid for 15 minutes after issue.
  EXPECT_FALSE(IteratorExpired(it, it.issued_ms));
  EXPECT_FALSE(IteratorExpired(it, it.issued_ms + 15 * 60 * 1000));
  EXPECT_TRUE(IteratorExpired(it, it.issued_ms + 15 * 60 * 1000 + 1));
  EXPECT_FALSE(DecodeIterator(arn + "|1|!!!!"));
}

TEST(Records, RecordJsonHasLambdasShape) {
  db::StreamDefinition s;
  s.stream_id = 1;
  s.view_type = db::StreamViewType::kNewAndOldImages;
  db::StreamRecord r;
  r.sequence = 5;
  r.kind = db::ChangeKind::kModify;
  r.time_us = 1704067200999999;
  r.keys = {{"pk", AttributeValue::String("a")}};
  r.old_image = Item{{"pk", AttributeValue::String("a")}, {"n", AttributeValue::Number("1")}};
  r.new_image = Item{{"pk", AttributeValue::String("a")}, {"n", AttributeValue::Number("2")}};
  r.size_bytes = 41;
  std::string out;
  wire::JsonWriter w(&out);
  WriteRecord(s, r, "us-east-1", "arn:x", w);
  EXPECT_NE(out.find("\"eventName\":\"MODIFY\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"ApproximateCreationDateTime\":1704067200,"), std::string::npos) << out;
  EXPECT_NE(out.find("\"SequenceNumber\":\"100000000000000000005\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"OldImage\":{"), std::string::npos) << out;
  EXPECT_NE(out.find("\"StreamViewType\":\"NEW_AND_OLD_IMAGES\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"eventSourceARN\":\"arn:x\""), std::string::npos) << out;
  std::string id = out.substr(out.find("\"eventID\":\"") + 11, 32);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace cirrus::streams
