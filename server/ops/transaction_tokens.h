#pragma once
// ClientRequestToken idempotency for TransactWriteItems
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#DDB-TransactWriteItems-request-ClientRequestToken):
// a token is remembered for 10 minutes after the transaction that used it committed. A retry
// with the same token and the same TransactItems succeeds without applying again; different
// TransactItems get IdempotentParameterMismatchException; a retry while the first call is
// still running gets TransactionInProgressException.
//
// Each remembered token is one setting of the data directory, written by the transaction's
// own atomic write (WriteBatch::settings), so a transaction and the memory of its token
// commit together and survive a restart:
//   "txtoken/" expires_us:fixed64 XXH3-128(token):16 bytes -> digest:16 bytes (wire::Digest)
// Keys grow with time, so a commit appends them to one page instead of dirtying a page per
// token (a random key per transaction cost a fifth of durable transaction throughput). The
// records are looked up in memory: loaded when the server starts, kept as they commit.
// Later transactions each delete up to Options::sweep_batch expired records, or the oldest
// ones while more than Options::max_tokens are kept (--max-transaction-tokens: past it, the
// oldest tokens are forgotten before their 10 minutes). About 100 bytes of memory a token.
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "db/database.h"

namespace cirrus::server {

class TransactionTokens {
 public:
  struct Options {
    size_t max_tokens = 1000000;
    std::chrono::microseconds window = std::chrono::minutes(10);
    size_t sweep_batch = 64;  // records a transaction deletes, at most
  };

  // Loads the records the data directory keeps (a restart keeps them).
  TransactionTokens(db::Database* db, Options options);

  // Marks `token` in flight; false when it already is.
  bool Begin(const std::string& token);
  void End(const std::string& token);

  enum class Seen { kNew, kSame, kDifferent };

  using TokenHash = std::array<uint8_t, 16>;
  struct Stored {  // one record
    int64_t expires_us;
    TokenHash token;
  };

  // What a transaction's batch carries for the token store, to hand back to Finish.
  struct Pending {
    bool adds = false;
    Stored record{};
    std::string digest;
    std::vector<Stored> swept;  // records the batch deletes, oldest first
  };

  // What is remembered of `token` now: the same request (`digest`), another, or nothing (or
  // an expired record). For kNew, adds to `batch` the token's record, expiring `window` after
  // `now_us`, and a sweep step; the caller then writes the batch and calls Finish.
  // REQUIRES: Begin(token).
  Seen Prepare(const std::string& token, const std::string& digest, int64_t now_us,
               db::WriteBatch* batch, Pending* pending);

  // After the batch committed (or not): the new record is remembered, or the swept ones are
  // put back to be swept again.
  void Finish(Pending& pending, bool committed);

  size_t count() const;  // records kept

 private:
  struct Remembered {
    int64_t expires_us;
    std::array<char, 16> digest;  // wire::Digest's size, without a heap copy
  };
  struct HashOf {
    size_t operator()(const TokenHash& h) const;
  };

  const Options options_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> in_flight_;
  std::unordered_map<TokenHash, Remembered, HashOf> live_;
  std::deque<Stored> records_;  // every record in the data directory, in commit order
};

}  // namespace cirrus::server
