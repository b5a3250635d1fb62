#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "db/key_space.h"
#include "db/table.h"

namespace cirrus::db {

// The write path's model, common to every storage engine: what a request asks of items
// (WriteBatch), the engine's side of one atomic write (ItemTransaction), and the rules that
// turn the first into calls on the second (ApplyWriteBatch): conditions, validation, secondary
// indexes, item collections and change capture, all inside the one atomic write.

// What a write does to one item, decided from its current image.
class Mutation {
 public:
  enum class Kind : uint8_t { kKeep, kPut, kDelete };
  // REQUIRES: item_size == ItemSize(item); the item holds the key it is written under.
  static Mutation Put(Item item, size_t item_size);
  static Mutation Delete();
  static Mutation Keep();  // leave the item as it is

  Kind kind() const { return kind_; }
  const Item& item() const { return item_; }
  size_t item_size() const { return item_size_; }

 private:
  Kind kind_ = Kind::kKeep;
  Item item_;
  size_t item_size_ = 0;
};

// One item's part in a WriteBatch, with its outcome filled in by the writer.
struct ItemWrite {
  std::shared_ptr<const Table> table;
  std::string key;  // the stored key (KeyCodec)

  // The change: `decide`, when set, picks it from the current item (nullptr when absent)
  // inside the write transaction; it may run more than once (a failed group is retried job
  // by job) and must touch only its arguments. Without `decide`, `mutation` applies as is.
  std::function<Result<Mutation>(const Item* current)> decide;
  Mutation mutation;
  // Without `decide`: when set, `mutation` applies only if this accepts the current item
  // (a conditional write); its error is the batch's. Same rules as `decide`.
  std::function<Status(const Item* current)> check;
  bool want_old_image = false;  // fill old_image (ReturnValues ALL_OLD)
  bool expired = false;  // a time-to-live deletion: its stream record names the service

  // Outcome, valid once the batch committed; existed, old_size and old_image also when its
  // `decide` failed (a failed condition reports the item it saw).
  bool existed = false;
  size_t old_size = 0;  // DynamoDB item size before, 0 when absent
  size_t new_size = 0;  // after, 0 when absent
  std::optional<Item> old_image;
  Mutation applied;  // what `decide` chose
  // With WriteBatch::decide_every: this write's own decision (`decide` or `check` and the
  // validation after it), OK or why it failed.
  Status decision;
  // Tables with local secondary indexes: the size of the item collection (the items with
  // this partition key, with their LSI entries) after the write.
  std::optional<int64_t> collection_size;
  // The index entries the write put or deleted, as DynamoDB charges them
  // (ReturnConsumedCapacity INDEXES): per index touched, each entry's size.
  struct IndexWrites {
    std::string index;
    bool global = true;
    std::vector<int64_t> entry_sizes;
  };
  std::vector<IndexWrites> index_writes;
};

// The writes of one request: applied atomically, all or none, in one write transaction.
// If any `decide` fails, nothing of the batch is written and its status is the result.
// REQUIRES: no two writes with the same table and key.
struct WriteBatch {
  std::vector<ItemWrite> writes;
  // Decide every write even after one failed, recording each in its `decision` (a
  // transaction's cancellation reasons name every action that failed); the result is then the
  // first failure. Off: the first failure ends the batch.
  bool decide_every = false;
  // Settings (Database::WriteSettings) changed by the same atomic write, after the items: a
  // nullopt value deletes the key, if present. Written only when every write applied.
  std::vector<std::pair<std::string, std::optional<std::string>>> settings;
};

// A storage engine's side of one atomic write (db/lmdb: an LMDB write transaction). Item-level
// access to the key spaces of tables and indexes, and the records a write keeps beside its
// items; all of it commits together or not at all. Used by one thread.
class ItemTransaction {
 public:
  virtual ~ItemTransaction() = default;

  // The value stored under `key`, nullopt when none. The view is valid until the next write
  // through *this.
  virtual Result<std::optional<std::string_view>> Get(const KeySpace& space,
                                                      std::string_view key) = 0;
  virtual Status Put(const KeySpace& space, std::string_view key, std::string_view value) = 0;
  // Puts `value` unless `key` is present; then returns what is there, unchanged.
  virtual Result<std::optional<std::string_view>> PutIfAbsent(const KeySpace& space,
                                                              std::string_view key,
                                                              std::string_view value) = 0;
  // Deletes `key`, which must be present.
  virtual Status Delete(const KeySpace& space, std::string_view key) = 0;

  // Changes of a table's or index's item count and size, kept exact with the data.
  virtual void AddDelta(const KeySpace& space, int64_t count, int64_t size) = 0;

  // The size of an item collection of a table with LSIs (`collection`: CollectionKey), as
  // this transaction left it; 0 when it has none. Set: 0 forgets it.
  virtual Result<int64_t> CollectionSize(std::string_view collection) = 0;
  virtual Status SetCollectionSize(std::string_view collection, int64_t size) = 0;

  // Appends a change record to a stream shard, under the next sequence number of the data
  // directory (numbers grow with commit order, across processes).
  virtual Status AppendStreamRecord(uint32_t stream_id, uint32_t shard,
                                    std::string_view record) = 0;

  // Puts a setting (Database::WriteSettings); nullopt deletes it, if present.
  virtual Status PutSetting(std::string_view key, std::optional<std::string_view> value) = 0;

  // Marks the transaction failed (it will not commit; its group is retried job by job) and
  // returns `status`. failed() is also true after a call above failed in the engine.
  virtual Status Abort(Status status) = 0;
  virtual bool failed() const = 0;
};

// The key under which a table with LSIs keeps the size of the item collection of the item
// stored under `stored_key`: the table's storage id and the key's partition prefix.
std::string CollectionKey(const Table& table, std::string_view stored_key);

// What ApplyWriteBatch needs to know beyond the batch.
struct WriteRules {
  int64_t item_collection_limit = int64_t{10} << 30;
  // The table named `name` as the engine knows it now (an index may have been added since the
  // caller looked it up, or the table dropped); null when there is none.
  std::function<std::shared_ptr<const Table>(std::string_view name)> resolve;
  int64_t now_us = 0;  // the commit time stream records carry
};

// Applies `batch` in `txn`, all or nothing: first every write's current item is read and its
// change decided and validated, writing nothing (a failed decision leaves `txn` as it was, and
// is the result); then the items are written with their secondary index entries, item
// collection sizes and stream records. After a non-OK result, `txn` is usable only if
// !txn.failed() (then nothing of the batch was written).
Status ApplyWriteBatch(ItemTransaction& txn, WriteBatch& batch, const WriteRules& rules);

}  // namespace cirrus::db
