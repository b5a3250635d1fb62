#include "server/ops/transaction_tokens.h"

#include <gtest/gtest.h>

#include "db/item/clock.h"
#include "db/testing/temp_database.h"

namespace cirrus::server {
namespace {

using Seen = TransactionTokens::Seen;
constexpr int64_t kMinute = 60'000'000;
const std::string kDigest(16, 'a');
const std::string kOtherDigest(16, 'b');

// What TransactWriteItems does with a token: hold it, look it up, write the batch (here only
// the token's records), release it. Returns what Prepare said.
Seen Use(db::Database* db, TransactionTokens& tokens, const std::string& token,
         const std::string& digest, int64_t now_us) {
  EXPECT_TRUE(tokens.Begin(token));
  db::WriteBatch batch;
  TransactionTokens::Pending pending;
  Seen seen = tokens.Prepare(token, digest, now_us, &batch, &pending);
  bool committed = false;
  if (seen == Seen::kNew) committed = db->WriteSync(&batch).ok();
  tokens.Finish(pending, committed);
  tokens.End(token);
  return seen;
}

size_t Stored(db::Database* db) {
  Result<db::ReadView> view = db->Read();
  return view->ListSettings("txtoken/")->size();
}

TEST(TransactionTokensTest, RemembersATokenForItsWindowAcrossARestart) {
  db::testing::TempDatabase db;
  const int64_t t0 = NowMicros();  // loading a record compares it with the clock
  {
    TransactionTokens tokens(db.get(), {});
    EXPECT_EQ(Use(db.get(), tokens, "tok", kDigest, t0), Seen::kNew);
    EXPECT_EQ(tokens.count(), 1u);
  }
  db.Reopen();
  TransactionTokens tokens(db.get(), {});
  EXPECT_EQ(tokens.count(), 1u);  // counted back from the data directory
  EXPECT_EQ(Use(db.get(), tokens, "tok", kDigest, t0 + 9 * kMinute), Seen::kSame);
  EXPECT_EQ(Use(db.get(), tokens, "tok", kOtherDigest, t0 + 9 * kMinute), Seen::kDifferent);
  // Past 10 minutes the token is new again; its record is replaced, not added.
  EXPECT_EQ(Use(db.get(), tokens, "tok", kOtherDigest, t0 + 11 * kMinute), Seen::kNew);
  EXPECT_EQ(tokens.count(), 1u);
  EXPECT_EQ(Use(db.get(), tokens, "tok", kOtherDigest, t0 + 12 * kMinute), Seen::kSame);
  EXPECT_EQ(Stored(db.get()), 1u);  // the old record went with the new one's commit
  EXPECT_EQ(tokens.count(), 1u);
}

TEST(TransactionTokensTest, ATokenInFlightIsHeld) {
  db::testing::TempDatabase db;
  TransactionTokens tokens(db.get(), {});
  EXPECT_TRUE(tokens.Begin("tok"));
  EXPECT_FALSE(tokens.Begin("tok"));
  EXPECT_TRUE(tokens.Begin("other"));
  tokens.End("tok");
  EXPECT_TRUE(tokens.Begin("tok"));
}

TEST(TransactionTokensTest, AFailedWriteRemembersNothing) {
  db::testing::TempDatabase db;
  TransactionTokens tokens(db.get(), {});
  ASSERT_TRUE(tokens.Begin("tok"));
  db::WriteBatch batch;
  TransactionTokens::Pending pending;
  ASSERT_EQ(tokens.Prepare("tok", kDigest, 1, &batch, &pending), Seen::kNew);
  tokens.Finish(pending, /*committed=*/false);  // the batch is never written
  tokens.End("tok");
  EXPECT_EQ(tokens.count(), 0u);
  EXPECT_EQ(Use(db.get(), tokens, "tok", kOtherDigest, 2), Seen::kNew);
}

TEST(TransactionTokensTest, LaterTransactionsSweepExpiredTokens) {
  db::testing::TempDatabase db;
  TransactionTokens tokens(db.get(), {.sweep_batch = 4});
  const int64_t t0 = 1'000'000'000;
  for (int i = 0; i < 10; ++i) Use(db.get(), tokens, "old" + std::to_string(i), kDigest, t0 + i);
  EXPECT_EQ(tokens.count(), 10u);
  // Each later transaction deletes up to 4 expired records, oldest first.
  const int64_t later = t0 + 11 * kMinute;
  Use(db.get(), tokens, "new0", kDigest, later);
  EXPECT_EQ(tokens.count(), 7u);
  Use(db.get(), tokens, "new1", kDigest, later);
  Use(db.get(), tokens, "new2", kDigest, later);
  EXPECT_EQ(tokens.count(), 3u);  // the ten old ones gone, the three new ones kept
  EXPECT_EQ(Stored(db.get()), 3u);
}

TEST(TransactionTokensTest, TheBoundForgetsTheOldestFirst) {
  db::testing::TempDatabase db;
  TransactionTokens tokens(db.get(), {.max_tokens = 5});
  for (int i = 0; i < 20; ++i) Use(db.get(), tokens, "t" + std::to_string(100 + i), kDigest, i);
  EXPECT_LE(tokens.count(), 5u);
  EXPECT_EQ(Use(db.get(), tokens, "t119", kDigest, 30), Seen::kSame);   // the newest is kept
  EXPECT_EQ(Use(db.get(), tokens, "t100", kOtherDigest, 30), Seen::kNew);  // the oldest is not
  EXPECT_LE(Stored(db.get()), 6u);
}

TEST(TransactionTokensTest, ARenewedTokenOutlivesTheSweepOfItsOldRecord) {
  db::testing::TempDatabase db;
  TransactionTokens tokens(db.get(), {});
  const int64_t t0 = NowMicros() - 11 * kMinute;  // so that the renewed record is live now
  Use(db.get(), tokens, "tok", kDigest, t0);
  Use(db.get(), tokens, "other", kDigest, t0 + 1);
  // "tok" expired and is used again; the sweep then deletes its old record (and "other").
  EXPECT_EQ(Use(db.get(), tokens, "tok", kOtherDigest, t0 + 11 * kMinute), Seen::kNew);
  EXPECT_EQ(Use(db.get(), tokens, "later", kDigest, t0 + 11 * kMinute + 1), Seen::kNew);
  EXPECT_EQ(Use(db.get(), tokens, "tok", kOtherDigest, t0 + 12 * kMinute), Seen::kSame);
  EXPECT_EQ(Stored(db.get()), 2u);
  db.Reopen();
  TransactionTokens reloaded(db.get(), {});
  EXPECT_EQ(Use(db.get(), reloaded, "tok", kDigest, t0 + 12 * kMinute), Seen::kDifferent);
}

TEST(TransactionTokensTest, AFailedSweepIsSweptAgain) {
  db::testing::TempDatabase db;
  TransactionTokens tokens(db.get(), {});
  Use(db.get(), tokens, "old", kDigest, 1);
  ASSERT_TRUE(tokens.Begin("a"));
  db::WriteBatch batch;
  TransactionTokens::Pending pending;
  ASSERT_EQ(tokens.Prepare("a", kDigest, 11 * kMinute, &batch, &pending), Seen::kNew);
  EXPECT_EQ(pending.swept.size(), 1u);
  tokens.Finish(pending, /*committed=*/false);
  tokens.End("a");
  EXPECT_EQ(tokens.count(), 1u);
  Use(db.get(), tokens, "b", kDigest, 11 * kMinute);
  EXPECT_EQ(tokens.count(), 1u);  // "old" swept, "b" kept
  EXPECT_EQ(Stored(db.get()), 1u);
}

}  // namespace
}  // namespace cirrus::server
