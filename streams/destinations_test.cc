#include "streams/destinations.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "server/wire/json.h"

namespace cirrus::streams {
namespace {

namespace fs = std::filesystem;

class DestinationsTest : public ::testing::Test {
 protected:
  DestinationsTest() {
    char tmpl[] = "/tmp/cirrus-destinations-XXXXXX";
    root_ = mkdtemp(tmpl);
    policy_.failure_dir = root_ + "/failures";
    policy_.http_hosts = {"hooks.internal:8080", "[::1]", "Collector"};
  }
  ~DestinationsTest() override { fs::remove_all(root_); }

  std::string root_;
  DestinationPolicy policy_;
};

TEST_F(DestinationsTest, FileDestinationsOnlyUnderTheFailureDirectory) {
  EXPECT_TRUE(CheckDestination(policy_, "file://" + policy_.failure_dir + "/audit").ok());
  EXPECT_TRUE(fs::is_directory(policy_.failure_dir + "/audit"));  // created when named
  EXPECT_TRUE(CheckDestination(policy_, "file://" + policy_.failure_dir + "/a/b/../c").ok());
  EXPECT_TRUE(CheckDestination(policy_, "file://" + policy_.failure_dir).ok());  // itself too
  for (const std::string& outside :
       std::vector<std::string>{"file:///etc", "file://" + policy_.failure_dir + "/../elsewhere",
                                "file://relative/dir", "file://" + root_ + "/failures-sibling"}) {
    Status s = CheckDestination(policy_, outside);
    EXPECT_EQ(s.kind(), ErrorKind::kValidation) << outside;
  }
  EXPECT_FALSE(fs::exists(root_ + "/elsewhere"));
  EXPECT_FALSE(fs::exists(root_ + "/failures-sibling"));
  DestinationPolicy none;
  EXPECT_EQ(CheckDestination(none, "file:///tmp/x").kind(), ErrorKind::kValidation);
}

TEST_F(DestinationsTest, ASymbolicLinkOutOfTheFailureDirectoryIsRefused) {
  fs::create_directories(policy_.failure_dir);
  fs::create_directories(root_ + "/outside");
  fs::create_directory_symlink(root_ + "/outside", policy_.failure_dir + "/link");
  Status s = CheckDestination(policy_, "file://" + policy_.failure_dir + "/link");
  EXPECT_EQ(s.kind(), ErrorKind::kValidation);
  EXPECT_NE(s.message().find("leads outside"), std::string::npos) << s.message();
}

TEST_F(DestinationsTest, HttpDestinationsOnlyToListedHosts) {
  EXPECT_TRUE(CheckDestination(policy_, "http://hooks.internal:8080/failed").ok());
  EXPECT_TRUE(CheckDestination(policy_, "http://collector/x").ok());  // any port, any case
  EXPECT_TRUE(CheckDestination(policy_, "http://collector:9999/x").ok());
  EXPECT_TRUE(CheckDestination(policy_, "http://[::1]:7000/x").ok());
  EXPECT_EQ(CheckDestination(policy_, "http://hooks.internal:8081/").kind(),
            ErrorKind::kValidation);
  EXPECT_EQ(CheckDestination(policy_, "http://127.0.0.1:8000/").kind(), ErrorKind::kValidation);
  EXPECT_EQ(CheckDestination(policy_, "http://169.254.169.254/latest").kind(),
            ErrorKind::kValidation);
  EXPECT_EQ(CheckDestination(policy_, "https://collector/x").kind(), ErrorKind::kValidation);
  EXPECT_EQ(CheckDestination(policy_, "sqs://queue").kind(), ErrorKind::kValidation);
}

TEST_F(DestinationsTest, TheFailureRecordHasLambdasShape) {
  FailedBatch b;
  b.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
  b.stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/L";
  b.shard_id = "shardId-1-00000000";
  b.first_sequence = 5;
  b.last_sequence = 9;
  b.first_arrival_ms = 0;
  b.last_arrival_ms = 1500;
  b.size = 3;
  b.attempts = 4;
  b.too_old = true;
  std::string text = FailureRecord(b);
  text.reserve(text.size() + wire::JsonParser::kPadding);
  wire::JsonParser parser;
  Result<wire::JsonValue> v = parser.Parse(&text);
  ASSERT_TRUE(v.ok());
  wire::JsonValue context = *v->Find("requestContext");
  EXPECT_EQ(context.Find("functionArn")->string(), b.function_arn);
  EXPECT_EQ(context.Find("condition")->string(), "RecordAgeExceeded");
  EXPECT_EQ(context.Find("approximateInvokeCount")->integer(), 4);
  EXPECT_EQ(context.Find("requestId")->string().size(), 36u);
  wire::JsonValue info = *v->Find("DDBStreamBatchInfo");
  EXPECT_EQ(info.Find("shardId")->string(), b.shard_id);
  EXPECT_EQ(info.Find("batchSize")->integer(), 3);
  EXPECT_EQ(info.Find("streamArn")->string(), b.stream_arn);
  EXPECT_EQ(info.Find("approximateArrivalOfFirstRecord")->string(), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(info.Find("approximateArrivalOfLastRecord")->string(), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(v->Find("version")->string(), "1.0");
}

TEST_F(DestinationsTest, AFileRecordIsWrittenWholeUnderItsName) {
  const std::string dest = "file://" + policy_.failure_dir + "/audit";
  ASSERT_TRUE(SendFailureRecord(policy_, dest, "batch-1", "{\"a\":1}", nullptr).ok());
  std::ifstream in(policy_.failure_dir + "/audit/batch-1.json");
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(body, "{\"a\":1}");
  EXPECT_FALSE(fs::exists(policy_.failure_dir + "/audit/batch-1.json.tmp"));
  struct stat st;
  ASSERT_EQ(stat((policy_.failure_dir + "/audit/batch-1.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(DestinationsTest, APolicyNarrowedSinceTheMappingWasMadeIsObeyed) {
  const std::string dest = "file://" + policy_.failure_dir + "/audit";
  ASSERT_TRUE(CheckDestination(policy_, dest).ok());
  DestinationPolicy narrowed = policy_;
  narrowed.failure_dir = policy_.failure_dir + "/other";
  EXPECT_FALSE(SendFailureRecord(narrowed, dest, "batch-1", "{}", nullptr).ok());
  EXPECT_FALSE(fs::exists(policy_.failure_dir + "/audit/batch-1.json"));
}

TEST_F(DestinationsTest, AnUnwritableDirectoryIsAnErrorNotASilentLoss) {
  if (geteuid() == 0) {
    // root writes anywhere; make the name a file instead so that the write must fail.
    fs::create_directories(policy_.failure_dir + "/audit");
    fs::create_directories(policy_.failure_dir + "/audit/batch-1.json.tmp");
  } else {
    fs::create_directories(policy_.failure_dir + "/audit");
    fs::permissions(policy_.failure_dir + "/audit", fs::perms::owner_read | fs::perms::owner_exec);
  }
  Status s = SendFailureRecord(policy_, "file://" + policy_.failure_dir + "/audit", "batch-1", "{}",
                               nullptr);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot write"), std::string::npos) << s.message();
  fs::permissions(policy_.failure_dir + "/audit", fs::perms::owner_all);
}

}  // namespace
}  // namespace cirrus::streams
