#include "server/ops/transaction_tokens.h"

#include <gtest/gtest.h>

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
  Result<Seen> seen = tokens.Prepare(token, digest, now_us, &batch, &pending);
  EXPECT_TRUE(seen.ok()) << seen.status().message();
  bool committed = false;
  if (seen.ok() && *seen == Seen::kNew) committed = db->WriteSync(&batch).ok();
  tokens.Finish(pending, committed);
  tokens.End(token);
  return seen.ok() ? *seen : Seen::kNew;
}

TEST(TransactionTokensTest, RemembersATokenForItsWindowAcrossARestart) {
  db::testing::TempDatabase db;
  const int64_t t0 = 1'700'000'000'000'000;
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
  Result<db::ReadView> view = db->Read();
  EXPECT_EQ(view->ListSettings("txtoken/e/")->size(), 1u);  // the old expiry entry went
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
  ASSERT_EQ(*tokens.Prepare("tok", kDigest, 1, &batch, &pending), Seen::kNew);
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
  Result<db::ReadView> view = db->Read();
  EXPECT_EQ(view->ListSettings("txtoken/k/")->size(), 3u);
  EXPECT_EQ(view->ListSettings("txtoken/e/")->size(), 3u);
}

TEST(TransactionTokensTest, TheBoundForgetsTheOldestFirst) {
  db::testing::TempDatabase db;
  TransactionTokens tokens(db.get(), {.max_tokens = 5});
  for (int i = 0; i < 20; ++i) Use(db.get(), tokens, "t" + std::to_string(100 + i), kDigest, i);
  EXPECT_LE(tokens.count(), 5u);
  EXPECT_EQ(Use(db.get(), tokens, "t119", kDigest, 30), Seen::kSame);   // the newest is kept
  EXPECT_EQ(Use(db.get(), tokens, "t100", kOtherDigest, 30), Seen::kNew);  // the oldest is not
  Result<db::ReadView> view = db->Read();
  EXPECT_LE(view->ListSettings("txtoken/k/")->size(), 6u);
}

TEST(TransactionTokensTest, TheSweepLeavesATokenInUse) {
  db::testing::TempDatabase db;
  TransactionTokens tokens(db.get(), {});
  Use(db.get(), tokens, "busy", kDigest, 1);
  Use(db.get(), tokens, "idle", kDigest, 2);
  ASSERT_TRUE(tokens.Begin("busy"));  // a retry of "busy" is running
  Use(db.get(), tokens, "later", kDigest, 11 * kMinute);
  EXPECT_EQ(tokens.count(), 2u);  // "idle" swept, "busy" kept for a later sweep
  Result<db::ReadView> view = db->Read();
  EXPECT_TRUE(*view->GetSetting("txtoken/k/busy"));
  EXPECT_FALSE(*view->GetSetting("txtoken/k/idle"));
}

}  // namespace
}  // namespace cirrus::server
