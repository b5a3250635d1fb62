#include "streams/delivery.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace cirrus::streams {
namespace {

using Part = std::pair<size_t, size_t>;

TEST(Delivery, SuccessFinishesTheBatch) {
  Delivery d(5, -1, false);
  ASSERT_FALSE(d.done());
  EXPECT_EQ(d.part(), Part(0, 5));
  EXPECT_EQ(d.finished(), 0u);
  d.Succeeded();
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.finished(), 5u);
}

TEST(Delivery, RetriesUntilTheAttemptsAreSpent) {
  Delivery d(3, 2, false);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(d.exhausted());
    d.Failed();
    EXPECT_EQ(d.part(), Part(0, 3));
  }
  EXPECT_TRUE(d.exhausted());
  EXPECT_EQ(d.attempts(), 3);  // the first try and two retries
  d.Discard();
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.finished(), 3u);
}

TEST(Delivery, InfiniteRetriesNeverExhaust) {
  Delivery d(1, -1, true);
  for (int i = 0; i < 1000; ++i) d.Failed();
  EXPECT_FALSE(d.exhausted());
}

TEST(Delivery, BisectIsolatesAPoisonRecord) {
  // Record 5 of 8 always fails; the others succeed. No retries: the poison goes alone.
  Delivery d(8, 0, true);
  std::set<size_t> delivered;
  std::vector<Part> discarded;
  int invocations = 0;
  while (!d.done()) {
    if (d.exhausted()) {
      discarded.push_back(d.part());
      d.Discard();
      continue;
    }
    ++invocations;
    auto [b, e] = d.part();
    if (b <= 5 && 5 < e) {
      d.Failed();
    } else {
      for (size_t i = b; i < e; ++i) delivered.insert(i);
      d.Succeeded();
    }
  }
  EXPECT_EQ(discarded, (std::vector<Part>{{5, 6}}));
  EXPECT_EQ(delivered, (std::set<size_t>{0, 1, 2, 3, 4, 6, 7}));
  // [0,8) fails, [0,4) ok, [4,8) fails, [4,6) fails, [4,5) ok, [5,6) fails, [6,8) ok.
  EXPECT_EQ(invocations, 7);
}

TEST(Delivery, CheckpointOnlyCoversFinishedParts) {
  Delivery d(4, -1, true);
  d.Failed();  // split into [0,2) [2,4)
  EXPECT_EQ(d.part(), Part(0, 2));
  EXPECT_EQ(d.finished(), 0u);
  d.Succeeded();
  EXPECT_EQ(d.finished(), 2u);
  EXPECT_EQ(d.part(), Part(2, 4));
}

TEST(Delivery, PartialFailureRetriesFromTheFirstFailedRecord) {
  Delivery d(6, 5, false);
  d.Failed(3);
  EXPECT_EQ(d.part(), Part(3, 6));
  EXPECT_EQ(d.finished(), 3u);
  EXPECT_EQ(d.attempts(), 1);  // a retry
  d.Failed(3);  // the same record again: same part
  EXPECT_EQ(d.part(), Part(3, 6));
  d.Succeeded();
  EXPECT_TRUE(d.done());
}

TEST(Delivery, PartialFailureWithBisectSplitsTheRest) {
  Delivery d(6, 0, true);
  d.Failed(2);  // [2,6) split: [2,4) [4,6)
  EXPECT_EQ(d.finished(), 2u);
  EXPECT_EQ(d.part(), Part(2, 4));
  EXPECT_EQ(d.attempts(), 0);
}

TEST(Delivery, AFailureAtTheStartOfThePartIsAWholeFailure) {
  Delivery d(3, 1, false);
  d.Failed(0);
  EXPECT_EQ(d.part(), Part(0, 3));
  EXPECT_EQ(d.finished(), 0u);
}

}  // namespace
}  // namespace cirrus::streams
