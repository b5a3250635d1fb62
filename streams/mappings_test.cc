#include "streams/mappings.h"

#include <gtest/gtest.h>

namespace cirrus::streams {
namespace {

MappingConfig Valid() {
  MappingConfig c;
  c.uuid = "0b3a9e0c-1111-4222-8333-444455556666";
  c.function_name = "audit";
  c.event_source_arn =
      "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-01-01T00:00:00.000";
  c.starting_position = "TRIM_HORIZON";
  return c;
}

TEST(ValidateMapping, AcceptsLambdasRangesAndRefusesWhatLambdaRefuses) {
  EXPECT_TRUE(ValidateMapping(Valid()).ok());
  struct Case {
    std::function<void(MappingConfig&)> change;
    std::string message_part;
  } cases[] = {
      {[](MappingConfig& c) { c.starting_position = "AT_TIMESTAMP"; }, "StartingPosition"},
      {[](MappingConfig& c) { c.batch_size = 0; }, "'batchSize'"},
      {[](MappingConfig& c) { c.batch_size = 10001; }, "between 1 and 10000"},
      {[](MappingConfig& c) { c.maximum_batching_window_seconds = 301; },
       "maximumBatchingWindowInSeconds"},
      {[](MappingConfig& c) { c.maximum_retry_attempts = -2; }, "maximumRetryAttempts"},
      {[](MappingConfig& c) { c.maximum_record_age_seconds = 604801; },
       "maximumRecordAgeInSeconds"},
      {[](MappingConfig& c) { c.parallelization_factor = 11; }, "parallelizationFactor"},
      {[](MappingConfig& c) { c.on_failure_destination = "sqs://queue"; }, "OnFailure"},
      {[](MappingConfig& c) { c.on_failure_destination = "file:///"; }, "needs a directory"},
      {[](MappingConfig& c) { c.filter_patterns = {"not json"}; }, "Invalid filter pattern"},
  };
  for (const Case& k : cases) {
    MappingConfig c = Valid();
    k.change(c);
    Status s = ValidateMapping(c);
    EXPECT_EQ(s.kind(), ErrorKind::kValidation) << k.message_part;
    EXPECT_NE(s.message().find(k.message_part), std::string::npos) << s.message();
  }
}

TEST(MappingCodec, RoundTripsEveryField) {
  MappingConfig c = Valid();
  c.batch_size = 7;
  c.maximum_batching_window_seconds = 3;
  c.maximum_retry_attempts = 2;
  c.maximum_record_age_seconds = 60;
  c.bisect_batch_on_function_error = true;
  c.parallelization_factor = 4;
  c.on_failure_destination = "file:///var/failures/audit";
  c.filter_patterns = {R"({"eventName":["INSERT"]})",
                       R"({"dynamodb":{"Keys":{"pk":{"S":["x"]}}}})"};
  c.report_batch_item_failures = true;
  c.enabled = false;
  c.last_modified_ms = 1796600000123;
  Result<MappingConfig> d = DecodeMapping(EncodeMapping(c));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->uuid, c.uuid);
  EXPECT_EQ(d->function_name, c.function_name);
  EXPECT_EQ(d->event_source_arn, c.event_source_arn);
  EXPECT_EQ(d->starting_position, c.starting_position);
  EXPECT_EQ(d->batch_size, 7);
  EXPECT_EQ(d->maximum_batching_window_seconds, 3);
  EXPECT_EQ(d->maximum_retry_attempts, 2);
  EXPECT_EQ(d->maximum_record_age_seconds, 60);
  EXPECT_TRUE(d->bisect_batch_on_function_error);
  EXPECT_EQ(d->parallelization_factor, 4);
  EXPECT_EQ(d->on_failure_destination, c.on_failure_destination);
  EXPECT_EQ(d->filter_patterns, c.filter_patterns);
  EXPECT_TRUE(d->report_batch_item_failures);
  EXPECT_FALSE(d->enabled);
  EXPECT_EQ(d->last_modified_ms, c.last_modified_ms);
}

// What the previous release wrote to "esm/UUID" (the API answer's members, LastModified in
// seconds, LastModifiedMs and Enabled): data directories that have it must keep working.
TEST(MappingCodec, ReadsRecordsThePreviousReleaseStored) {
  const std::string stored =
      R"({"UUID":"0b3a9e0c-1111-4222-8333-444455556666","StartingPosition":"LATEST","BatchSize":10,)"
      R"("MaximumBatchingWindowInSeconds":0,"ParallelizationFactor":1,)"
      R"("EventSourceArn":"arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-01-01T00:00:00.000",)"
      R"("FilterCriteria":{"Filters":[{"Pattern":"{\"eventName\":[\"REMOVE\"]}"}]},)"
      R"("FunctionName":"audit","LastModified":1796600000.123,"LastModifiedMs":1796600000123,"Enabled":true,)"
      R"("DestinationConfig":{"OnFailure":{"Destination":"file:///tmp/f"}},"MaximumRecordAgeInSeconds":-1,)"
      R"("BisectBatchOnFunctionError":false,"MaximumRetryAttempts":3,)"
      R"("FunctionResponseTypes":["ReportBatchItemFailures"]})";
  Result<MappingConfig> d = DecodeMapping(stored);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->function_name, "audit");
  EXPECT_EQ(d->starting_position, "LATEST");
  EXPECT_EQ(d->batch_size, 10);
  EXPECT_EQ(d->maximum_retry_attempts, 3);
  EXPECT_EQ(d->on_failure_destination, "file:///tmp/f");
  EXPECT_EQ(d->filter_patterns, std::vector<std::string>{R"({"eventName":["REMOVE"]})"});
  EXPECT_TRUE(d->report_batch_item_failures);
  EXPECT_TRUE(d->enabled);
  EXPECT_EQ(d->last_modified_ms, 1796600000123);
}

TEST(MappingCodec, RefusesWhatIsNotAStoredMapping) {
  EXPECT_EQ(DecodeMapping("").status().kind(), ErrorKind::kInternal);
  EXPECT_EQ(DecodeMapping("[1,2]").status().kind(), ErrorKind::kInternal);
  EXPECT_EQ(DecodeMapping("{\"UUID\":").status().kind(), ErrorKind::kInternal);
}

TEST(CheckpointKey, IsPerMappingAndShardUnderItsPrefix) {
  EXPECT_EQ(CheckpointKey("u", 0), "ckpt/u/00000000");
  EXPECT_EQ(CheckpointKey("u", 0x1f), "ckpt/u/0000001f");
  // Shards of one mapping sort in shard order, and list under "ckpt/UUID/".
  EXPECT_LT(CheckpointKey("u", 9), CheckpointKey("u", 10));
  EXPECT_EQ(CheckpointKey("u", 3).rfind(std::string(kCheckpointPrefix) + "u/", 0), 0u);
}

}  // namespace
}  // namespace cirrus::streams
