#pragma once
// --transaction-conflict-rate: DynamoDB cancels transactions that race on an item, and
// refuses plain writes and TransactGetItems on an item a transaction is writing
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html,
// "Transaction conflict handling"). CirrusDB's single writer never races, so an application's
// retry code would go untested locally; this makes those answers happen, in a fraction of the
// cases where they could: every TransactWriteItems call, and plain writes and TransactGetItems
// naming an item of a transaction queued but not yet committed.
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "db/write_batch.h"

namespace cirrus::server {

class TransactionConflicts {
 public:
  explicit TransactionConflicts(double rate) : rate_(rate) {}

  // True in `rate` of the calls (never when it is 0).
  bool Draw() const;

  // The items of a transaction from its queuing to its commit (nothing held when rate is 0).
  void Hold(const db::WriteBatch& batch);
  void Release(const db::WriteBatch& batch);

  // Whether a plain write or transactional read of `key` in `table` is refused: a transaction
  // holds the item and the draw says so.
  bool Refuses(const db::Table& table, std::string_view key);

 private:
  static std::string ItemId(const db::Table& table, std::string_view key);

  const double rate_;
  std::mutex mu_;
  std::unordered_map<std::string, int> held_;  // item -> transactions holding it
};

}  // namespace cirrus::server
