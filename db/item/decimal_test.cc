#include "db/item/decimal.h"

#include <gtest/gtest.h>

#include <random>

namespace cirrus {
namespace {

std::string Normalized(std::string_view text) {
  Result<Decimal> d = Decimal::Parse(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().message();
  return d.ok() ? d->ToString() : "";
}

TEST(DecimalTest, NormalizesAsDynamoDbReturnsNumbers) {
  EXPECT_EQ(Normalized("00042"), "42");
  EXPECT_EQ(Normalized("1.0"), "1");
  EXPECT_EQ(Normalized("1.50"), "1.5");
  EXPECT_EQ(Normalized("-0"), "0");
  EXPECT_EQ(Normalized("-0.000"), "0");
  EXPECT_EQ(Normalized("1.5E2"), "150");
  EXPECT_EQ(Normalized("+1e2"), "100");
  EXPECT_EQ(Normalized("1E-3"), "0.001");
  EXPECT_EQ(Normalized("-12.5e3"), "-12500");
  EXPECT_EQ(Normalized(".5"), "0.5");
  EXPECT_EQ(Normalized("5."), "5");
  EXPECT_EQ(Normalized("0e999999999999"), "0");
  EXPECT_EQ(Normalized("1.00000000000000007629769841092E+50"),
            "100000000000000007629769841092000000000000000000000");
  // 40 characters but 16 significant digits.
  EXPECT_EQ(Normalized("1234567895171680000000000000000000000000"),
            "1234567895171680000000000000000000000000");
}

TEST(DecimalTest, AcceptsTheRangeEdges) {
  EXPECT_EQ(Normalized("1e-130"), "0." + std::string(129, '0') + "1");
  EXPECT_EQ(Normalized("-1E-130"), "-0." + std::string(129, '0') + "1");
  std::string max = "9.9999999999999999999999999999999999999e125";
  EXPECT_EQ(Normalized(max), std::string(38, '9') + std::string(88, '0'));
  EXPECT_EQ(Normalized("12345678901234567890123456789012345678"),
            "12345678901234567890123456789012345678");
}

TEST(DecimalTest, RejectsWithDynamoDbMessages) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "The parameter cannot be converted to a numeric value: "},
      {"abc", "The parameter cannot be converted to a numeric value: abc"},
      {"NaN", "The parameter cannot be converted to a numeric value: NaN"},
      {"Infinity", "The parameter cannot be converted to a numeric value: Infinity"},
      {" 1", "The parameter cannot be converted to a numeric value:  1"},
      {"1 ", "The parameter cannot be converted to a numeric value: 1 "},
      {"0x10", "The parameter cannot be converted to a numeric value: 0x10"},
      {"1e", "The parameter cannot be converted to a numeric value: 1e"},
      {"1.2.3", "The parameter cannot be converted to a numeric value: 1.2.3"},
      {"--1", "The parameter cannot be converted to a numeric value: --1"},
      {".", "The parameter cannot be converted to a numeric value: ."},
      {"123456789012345678901234567890123456789",
       "Attempting to store more than 38 significant digits in a Number"},
      {"1e126",
       "Number overflow. Attempting to store a number with magnitude larger than supported "
       "range"},
      {"-1e999999999999999",
       "Number overflow. Attempting to store a number with magnitude larger than supported "
       "range"},
      {"9.9e-131",
       "Number underflow. Attempting to store a number with magnitude smaller than supported "
       "range"},
  };
  for (const Case& c : cases) {
    Result<Decimal> d = Decimal::Parse(c.text);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_EQ(d.status().kind(), ErrorKind::kValidation) << c.text;
    EXPECT_EQ(d.status().message(), c.message) << c.text;
  }
}

TEST(DecimalTest, ComparesNumerically) {
  const char* ascending[] = {"-1e125", "-10", "-9", "-1.5", "-1", "-0.5", "-1e-130", "0",
                             "1e-130", "0.5", "1", "1.000000001", "9", "10", "1e125"};
  for (size_t i = 0; i < std::size(ascending); ++i) {
    for (size_t j = 0; j < std::size(ascending); ++j) {
      Decimal a = *Decimal::Parse(ascending[i]);
      Decimal b = *Decimal::Parse(ascending[j]);
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      int actual = a.Compare(b);
      EXPECT_EQ(actual < 0 ? -1 : (actual > 0 ? 1 : 0), expected)
          << ascending[i] << " vs " << ascending[j];
    }
  }
  EXPECT_EQ(*Decimal::Parse("1.0"), *Decimal::Parse("1"));
  EXPECT_EQ(*Decimal::Parse("100"), *Decimal::Parse("1e2"));
}

TEST(DecimalTest, RoundTripsRandomNumbers) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    int digits = 1 + static_cast<int>(rng() % 38);
    std::string text = (rng() % 2) ? "-" : "";
    text.push_back(static_cast<char>('1' + rng() % 9));
    for (int k = 1; k < digits; ++k) text.push_back(static_cast<char>('0' + rng() % 10));
    int exp = static_cast<int>(rng() % 250) - 129 - digits + 1;
    if (exp + digits > 126 || exp + digits < -129) continue;
    text += "e" + std::to_string(exp);
    Result<Decimal> d = Decimal::Parse(text);
    ASSERT_TRUE(d.ok()) << text << " " << d.status().message();
    Result<Decimal> again = Decimal::Parse(d->ToString());
    ASSERT_TRUE(again.ok()) << d->ToString();
    EXPECT_EQ(again->ToString(), d->ToString());
    EXPECT_EQ(again->Compare(*d), 0);
  }
}

TEST(DecimalTest, StorageSizeFollowsBase100Digits) {
  EXPECT_EQ(Decimal::Parse("0")->StorageSize(), 1u);
  EXPECT_EQ(Decimal::Parse("1")->StorageSize(), 2u);      // [01]
  EXPECT_EQ(Decimal::Parse("12")->StorageSize(), 2u);     // [12]
  EXPECT_EQ(Decimal::Parse("123")->StorageSize(), 3u);    // [01][23]
  EXPECT_EQ(Decimal::Parse("123.4")->StorageSize(), 4u);  // [01][23][40]
  EXPECT_EQ(Decimal::Parse("-12")->StorageSize(), 3u);
}

}  // namespace
}  // namespace cirrus

namespace cirrus {
namespace {

std::string Sum(std::string_view a, std::string_view b) {
  Result<Decimal> r = Decimal::Add(*Decimal::Parse(a), *Decimal::Parse(b));
  return r.ok() ? r->ToString() : "error: " + r.status().message();
}

TEST(DecimalArithmeticTest, AddsAndSubtractsExactly) {
  EXPECT_EQ(Sum("1", "2"), "3");
  EXPECT_EQ(Sum("0.1", "0.2"), "0.3");
  EXPECT_EQ(Sum("-5", "3"), "-2");
  EXPECT_EQ(Sum("5", "-5"), "0");
  EXPECT_EQ(Sum("99999999999999999999999999999999999999", "-1"),
            "99999999999999999999999999999999999998");
  EXPECT_EQ(Sum("1e125", "-1e124"), "9" + std::string(124, '0'));
  EXPECT_EQ(Sum("1.5", "0"), "1.5");
  EXPECT_EQ(Decimal::Subtract(*Decimal::Parse("10"), *Decimal::Parse("0.001"))->ToString(), "9.999");
}

TEST(DecimalArithmeticTest, RejectsResultsDynamoDbCannotStore) {
  EXPECT_EQ(Sum("99999999999999999999999999999999999999", "1"),
            "100000000000000000000000000000000000000");  // 39 digits, but one significant
  // An exact result past 38 digits: DynamoDB calls it an overflow (conformance fact E8).
  EXPECT_EQ(Sum("99999999999999999999999999999999999999", "0.1"),
            "error: Number overflow. Attempting to store a number with magnitude larger than "
            "supported range");
  EXPECT_EQ(Sum("1e50", "1"),
            "error: Number overflow. Attempting to store a number with magnitude larger than "
            "supported range");
  EXPECT_EQ(Sum("9.9999999999999999999999999999999999999e125", "1e88"),
            "error: Number overflow. Attempting to store a number with magnitude larger than "
            "supported range");
  EXPECT_EQ(Sum("1e-130", "1e130").substr(0, 6), "error:");
}

TEST(DecimalArithmeticTest, ComparesNormalizedTextLikeDecimals) {
  std::mt19937_64 rng(3);
  std::vector<std::string> values = {"0", "1", "-1", "0.5", "-0.5", "10", "9.99", "100.001", "-100.01", "0.0001", "-0.00011"};
  for (int i = 0; i < 2000; ++i) {
    std::string t = (rng() % 2 ? "-" : "") + std::to_string(rng() % 100000) + "e" + std::to_string(static_cast<int>(rng() % 20) - 10);
    values.push_back(Decimal::Parse(t)->ToString());
  }
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t j = i; j < values.size() && j < i + 50; ++j) {
      int expected = Decimal::Parse(values[i])->Compare(*Decimal::Parse(values[j]));
      int actual = CompareNormalizedNumbers(values[i], values[j]);
      ASSERT_EQ(actual < 0 ? -1 : actual > 0, expected < 0 ? -1 : expected > 0) << values[i] << " " << values[j];
    }
  }
}

}  // namespace
}  // namespace cirrus
