#include "tools/usage.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "db/testing/temp_database.h"
#include "db/usage.h"

namespace cirrus::tools {
namespace {

constexpr int64_t kDay = 1'799'971'200;  // a UTC midnight

class UsageReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db::TableDefinition od;
    od.name = "OnDemand";
    od.key_schema = db::KeySchema::PartitionOnly("pk", db::ScalarType::kS);
    od.billing_mode = db::BillingMode::kPayPerRequest;
    ASSERT_TRUE(db_->CreateTable(od).ok());
    db::TableDefinition pr = od;
    pr.name = "Provisioned";
    pr.billing_mode = db::BillingMode::kProvisioned;
    pr.throughput.read_capacity_units = 10;
    pr.throughput.write_capacity_units = 5;
    ASSERT_TRUE(db_->CreateTable(pr).ok());
  }
  void Record(int64_t hour, const std::string& table, double reads, double writes, double streams, int64_t bytes) {
    db::UsageCounters c;
    c.read_units = reads;
    c.write_units = writes;
    c.stream_read_units = streams;
    c.storage_bytes = bytes;
    ASSERT_TRUE(db_->WriteSettings({{db::UsageKey(hour, table), db::EncodeUsage(c)}}).ok());
  }

  db::testing::TempDatabase db_;
};

TEST_F(UsageReportTest, PricesUnitsStorageAndCapacityByTheHour) {
  Record(kDay, "OnDemand", 2'000'000, 1'000'000, 100'000, int64_t{73} << 30);  // 73 GiB
  Record(kDay, "Provisioned", 7200, 3600, 0, 0);
  UsageOptions options;
  Result<std::vector<UsageRow>> rows = UsageRows(*db_, options);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  const UsageRow& od = (*rows)[0];
  EXPECT_EQ(od.table, "OnDemand");
  EXPECT_FALSE(od.provisioned);
  // 2M reads at $0.125/M, 1M writes at $0.625/M, 100k stream reads at $0.02/100k, and an
  // hour of 73 GiB at $0.25 per GB-month of 730 hours.
  const double storage = 73 * 0.25 / 730;
  EXPECT_NEAR(od.on_demand_usd, 0.25 + 0.625 + 0.02 + storage, 1e-12);
  EXPECT_NEAR(od.cost_usd(), od.on_demand_usd, 0);
  // Provisioned at the hour's average: 556 RCU (2M / 3600 rounded up) and 278 WCU.
  EXPECT_NEAR(od.provisioned_usd, 556 * 0.00013 + 278 * 0.00065 + 0.02 + storage, 1e-12);
  const UsageRow& pr = (*rows)[1];
  EXPECT_TRUE(pr.provisioned);
  EXPECT_NEAR(pr.provisioned_usd, 10 * 0.00013 + 5 * 0.00065, 1e-12);  // its own capacity
  EXPECT_NEAR(pr.cost_usd(), pr.provisioned_usd, 0);
  EXPECT_NEAR(pr.on_demand_usd, 7200 * 0.125e-6 + 3600 * 0.625e-6, 1e-12);
  EXPECT_EQ(od.storage_bytes, int64_t{73} << 30);
}

TEST_F(UsageReportTest, DaysAddTheirHoursAndKeepTheLastStorageSample) {
  Record(kDay, "OnDemand", 1, 2, 0, 100);
  Record(kDay + 3600, "OnDemand", 0.5, 0, 3, 300);
  Record(kDay + 86400, "OnDemand", 4, 0, 0, 50);
  UsageOptions options;
  options.daily = true;
  options.table = "OnDemand";
  Result<std::vector<UsageRow>> rows = UsageRows(*db_, options);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].start, kDay);
  EXPECT_EQ((*rows)[0].read_units, 1.5);
  EXPECT_EQ((*rows)[0].write_units, 2);
  EXPECT_EQ((*rows)[0].stream_read_units, 3);
  EXPECT_EQ((*rows)[0].storage_bytes, 300);
  EXPECT_EQ((*rows)[1].read_units, 4);
  const std::string json = UsageJson(*rows, true);
  EXPECT_NE(json.find(R"("TableName":"OnDemand","Day":"2027-01-15")"), std::string::npos) << json;
  EXPECT_NE(UsageCsv(*rows, true).find("2027-01-15,OnDemand,1.5,2,3,300,"), std::string::npos);
  EXPECT_NE(UsageText(*rows, true).find("total"), std::string::npos);
  const std::string svg = UsageSvg(*rows, true);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
}

TEST(UsagePricesTest, AFileOverridesWhatItNames) {
  const std::string path = ::testing::TempDir() + "/prices.json";
  std::ofstream(path) << R"({"Region": "eu-west-1", "ReadRequestUnit": 0.000000141, "WCUHour": 0.000735})";
  Result<Prices> p = LoadPrices(path);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->region, "eu-west-1");
  EXPECT_EQ(p->read_request_unit, 0.000000141);
  EXPECT_EQ(p->wcu_hour, 0.000735);
  EXPECT_EQ(p->write_request_unit, Prices().write_request_unit);
  std::ofstream(path) << R"({"ReadRequestUnit": "cheap"})";
  EXPECT_FALSE(LoadPrices(path).ok());
  std::remove(path.c_str());
  EXPECT_FALSE(LoadPrices(path).ok());
}

}  // namespace
}  // namespace cirrus::tools
