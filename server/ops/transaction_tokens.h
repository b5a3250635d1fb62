#pragma once
// ClientRequestToken idempotency for TransactWriteItems
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#DDB-TransactWriteItems-request-ClientRequestToken):
// a token is remembered for 10 minutes after the transaction that used it committed. A retry
// with the same token and the same TransactItems succeeds without applying again; different
// TransactItems get IdempotentParameterMismatchException; a retry while the first call is
// still running gets TransactionInProgressException.
//
// The records are settings of the data directory, written by the transaction's own atomic
// write (WriteBatch::settings), so a transaction and the memory of its token commit together
// and survive a restart:
//   "txtoken/k/" TOKEN                       -> expires_us:fixed64 digest (wire::Digest)
//   "txtoken/e/" expires_us:fixed64 TOKEN    -> ""   (oldest first, for the sweep)
// The sweep rides on later transactions: each one that brings a token also deletes up to
// Options::sweep_batch records that expired, or the oldest ones while more than
// Options::max_tokens are kept (--max-transaction-tokens: past it, the oldest tokens are
// forgotten before their 10 minutes).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>
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

  // Counts the records the data directory keeps (a restart keeps them).
  TransactionTokens(db::Database* db, Options options);

  // Marks `token` in flight; false when it already is.
  bool Begin(const std::string& token);
  void End(const std::string& token);

  enum class Seen { kNew, kSame, kDifferent };

  // What a transaction's batch carries for the token store, to hand back to Finish.
  struct Pending {
    bool added = false;              // a new record (not one replacing an expired record)
    size_t deleted = 0;              // records the batch's sweep deletes
    std::vector<std::string> swept;  // their tokens, held in flight until Finish
    bool sweeping = false;
    int64_t next_sweep_us = INT64_MAX;
  };

  // What is remembered of `token` now: the same request (`digest`), another, or nothing (or
  // an expired record). For kNew, adds to `batch` the token's record, expiring `window` after
  // `now_us`, and a sweep step; the caller then writes the batch and calls Finish.
  // REQUIRES: Begin(token).
  Result<Seen> Prepare(const std::string& token, const std::string& digest, int64_t now_us,
                       db::WriteBatch* batch, Pending* pending);

  // After the batch committed (or not): counts, releases the swept tokens.
  void Finish(const Pending& pending, bool committed);

  size_t count() const;  // records kept, as this process counts them

 private:
  // Adds deletions of expired or surplus records to `batch`; the tokens swept are held in
  // flight so that no transaction renews one meanwhile.
  Status Sweep(int64_t now_us, db::WriteBatch* batch, Pending* pending);

  db::Database* db_;
  const Options options_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> in_flight_;
  size_t count_ = 0;
  int64_t next_sweep_us_ = INT64_MAX;  // when the oldest record expires
  bool sweeping_ = false;              // one sweep at a time
};

}  // namespace cirrus::server
